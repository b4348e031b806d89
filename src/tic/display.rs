//! How typed readings read to a person: `12 345 678 Wh`, `Tempo blue day, off-peak`,
//! `all relays open`.
//!
//! Every command that shows values (`decode`'s table, `probe`'s report) renders them through
//! these `Display` impls, so that the two never drift apart and never show Rust's `Debug`
//! forms or the meter's zero padding. One form for numbers: digits grouped by three with a
//! space (unambiguous in French and in English, where a comma or a point would read as a
//! decimal mark), in the unit the meter counts in and `/metrics` exports (Wh, not kWh), so a
//! value read here is found as is in Prometheus.

use std::fmt::{self, Display, Formatter};

use super::horodate::{Horodate, Season};
use super::stge::{CutoffDevice, Stge, TempoColor};
use super::value::{PhasePresence, Reading, Relays, TariffOption, TariffPeriod, Typed};

/// A whole number with its digits grouped by three: 12345678 → `12 345 678`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grouped(pub u64);

impl Display for Grouped {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(' ');
            }
            out.push(c);
        }
        // `pad`, so that a width given by the caller (`{:>12}`) still applies.
        f.pad(&out)
    }
}

/// `1`, `1 and 3`, `3, 4 and 8`.
fn and_list(items: &[u8]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(u8::to_string).collect();
            format!("{} and {last}", init.join(", "))
        }
    }
}

impl Display for TempoColor {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for TariffOption {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TariffOption::Base => "Base",
            TariffOption::OffPeakHours => "off-peak hours (HC)",
            TariffOption::Ejp => "EJP",
            TariffOption::Tempo { .. } => "Tempo",
        })
    }
}

impl Display for TariffPeriod {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TariffPeriod::AllHours => f.write_str("all hours"),
            TariffPeriod::OffPeak => f.write_str("off-peak hours"),
            TariffPeriod::Peak => f.write_str("peak hours"),
            TariffPeriod::EjpNormal => f.write_str("EJP normal hours"),
            TariffPeriod::EjpMobilePeak => f.write_str("EJP mobile peak"),
            TariffPeriod::Tempo { color, peak } => write!(
                f,
                "Tempo {color} day, {}",
                if *peak { "peak" } else { "off-peak" }
            ),
        }
    }
}

impl Display for Relays {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let closed: Vec<u8> = (1..=8).filter(|&n| self.closed(n)).collect();
        match closed.as_slice() {
            [] => f.write_str("all relays open"),
            [n] => write!(f, "relay {n} closed, the others open"),
            many => write!(f, "relays {} closed, the others open", and_list(many)),
        }
    }
}

impl Display for PhasePresence {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let absent: Vec<u8> = (1..=3).filter(|&n| self.absent(n)).collect();
        match absent.as_slice() {
            [] => f.write_str("all phases present"),
            [n] => write!(f, "phase {n} absent"),
            many => write!(f, "phases {} absent", and_list(many)),
        }
    }
}

impl Display for CutoffDevice {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CutoffDevice::Closed => "cut-off device closed",
            CutoffDevice::OpenOverPower => "cut-off device open (over power)",
            CutoffDevice::OpenOverVoltage => "cut-off device open (over voltage)",
            CutoffDevice::OpenLoadShedding => "cut-off device open (load shedding)",
            CutoffDevice::OpenRemoteOrder => "cut-off device open (remote order)",
            CutoffDevice::OpenOverheatingHighCurrent => {
                "cut-off device open (overheating, high current)"
            }
            CutoffDevice::OpenOverheatingLowCurrent => {
                "cut-off device open (overheating, low current)"
            }
            CutoffDevice::Reserved => "cut-off device in state 7 (not assigned)",
        })
    }
}

/// The supplier index, then only what is out of the ordinary or worth knowing (a set flag, a
/// Tempo colour, a mobile peak): the register has 32 bits, most of them zero on most days.
impl Display for Stge {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut parts = vec![format!("supplier index {}", self.supplier_index())];
        let flags = [
            (self.dry_contact_open(), "dry contact open"),
            (self.cover_open(), "cover open"),
            (self.overvoltage(), "overvoltage"),
            (self.overload(), "overload"),
            (self.producer(), "producer"),
            (self.injecting(), "injecting"),
            (self.clock_degraded(), "clock degraded"),
        ];
        parts.extend(flags.iter().filter(|f| f.0).map(|f| f.1.to_owned()));
        if self.cutoff_device() != CutoffDevice::Closed {
            parts.push(self.cutoff_device().to_string());
        }
        if let Some(c) = self.tempo_today() {
            parts.push(format!("today Tempo {c}"));
        }
        if let Some(c) = self.tempo_tomorrow() {
            parts.push(format!("tomorrow Tempo {c}"));
        }
        match self.mobile_peak_notice() {
            0 => {}
            n => parts.push(format!("notice of mobile peak {n}")),
        }
        match self.mobile_peak_active() {
            0 => {}
            n => parts.push(format!("mobile peak {n} active")),
        }
        f.write_str(&parts.join(", "))
    }
}

impl Display for Horodate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        let season = match self.season {
            Season::Winter => Some("winter time"),
            Season::Summer => Some("summer time"),
            Season::NotApplicable => None,
        };
        match (season, self.clock_degraded) {
            (Some(s), false) => write!(f, " ({s})"),
            (Some(s), true) => write!(f, " ({s}, clock degraded)"),
            (None, _) => Ok(()),
        }
    }
}

/// The value alone, without its horodate (see [`Typed`]'s rendering for both).
impl<S: AsRef<str>> Display for Reading<S> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let n = |v: u32| Grouped(u64::from(v));
        match self {
            Reading::Identifier(s) => f.write_str(s.as_ref()),
            Reading::TariffOption(o) => o.fmt(f),
            Reading::Energy { wh } => write!(f, "{} Wh", Grouped(*wh)),
            Reading::ReactiveEnergy { varh } => write!(f, "{} varh", Grouped(*varh)),
            Reading::ApparentPower { va } => write!(f, "{} VA", n(*va)),
            Reading::ActivePower { w } => write!(f, "{} W", n(*w)),
            Reading::PowerKva { kva } => write!(f, "{} kVA", n(*kva)),
            Reading::Current { amperes } => write!(f, "{} A", n(*amperes)),
            Reading::Voltage { volts } => write!(f, "{} V", n(*volts)),
            Reading::Minutes(m) => write!(f, "{} min", n(*m)),
            Reading::Period(p) => p.fmt(f),
            Reading::Tomorrow(None) => f.write_str("not known yet"),
            Reading::Tomorrow(Some(c)) => write!(f, "Tempo {c} day"),
            Reading::Status(s) => s.fmt(f),
            Reading::Relays(r) => r.fmt(f),
            Reading::PhasePresence(p) => p.fmt(f),
            Reading::TariffIndex(i) => write!(f, "supplier index {i}"),
            Reading::DayProfile(d) => write!(f, "day profile {d}"),
            Reading::Version(v) => write!(f, "version {v}"),
            Reading::MeterTime => f.write_str("meter time"),
            Reading::MobilePeakBoundary => f.write_str("mobile-peak boundary"),
            // The padding is the meter's, not part of what it says.
            Reading::Text(s) => f.write_str(s.as_ref().trim()),
        }
    }
}

/// The reading, and when the group has one its horodate: the time itself for DATE and the
/// mobile-peak boundaries, `VALUE at TIME` for the others (the time of a maximum, of a
/// load-curve point).
impl Display for Typed<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match (self.reading, &self.horodate) {
            (Reading::MeterTime | Reading::MobilePeakBoundary, Some(h)) => h.fmt(f),
            (reading, Some(h)) => write!(f, "{reading} at {h}"),
            (reading, None) => reading.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tic::Label;
    use crate::tic::value::reading;

    fn shown(label: Label, value: &str) -> String {
        match reading(label, value) {
            Ok(r) => r.to_string(),
            Err(e) => panic!("{label:?} {value:?}: {e}"),
        }
    }

    #[test]
    fn numbers_are_grouped_by_three_without_padding() {
        assert_eq!(Grouped(0).to_string(), "0");
        assert_eq!(Grouped(740).to_string(), "740");
        assert_eq!(Grouped(1_000).to_string(), "1 000");
        assert_eq!(Grouped(12_345_678).to_string(), "12 345 678");
        assert_eq!(Grouped(u64::MAX).to_string(), "18 446 744 073 709 551 615");
        assert_eq!(format!("[{:>7}]", Grouped(1520)), "[  1 520]");
    }

    #[test]
    fn every_reading_variant_reads_as_words() {
        for (label, value, expected) in [
            (Label::Adco, "021728123456", "021728123456"),
            (Label::Optarif, "BASE", "Base"),
            (Label::Optarif, "HC..", "off-peak hours (HC)"),
            (Label::Optarif, "EJP.", "EJP"),
            (Label::Optarif, "BBR(", "Tempo"),
            (Label::Base, "012345678", "12 345 678 Wh"),
            (Label::Hchc, "000000000", "0 Wh"),
            (Label::Erq1, "000123456", "123 456 varh"),
            (Label::Papp, "00740", "740 VA"),
            (Label::Sinsts, "01520", "1 520 VA"),
            (Label::Ccasn, "00410", "410 W"),
            (Label::Pref, "09", "9 kVA"),
            (Label::Iinst, "007", "7 A"),
            (Label::Imax, "090", "90 A"),
            (Label::Urms1, "231", "231 V"),
            (Label::Pejp, "30", "30 min"),
            (Label::Ptec, "TH..", "all hours"),
            (Label::Ptec, "HC..", "off-peak hours"),
            (Label::Ptec, "HP..", "peak hours"),
            (Label::Ptec, "HN..", "EJP normal hours"),
            (Label::Ptec, "PM..", "EJP mobile peak"),
            (Label::Ptec, "HCJB", "Tempo blue day, off-peak"),
            (Label::Ptec, "HPJR", "Tempo red day, peak"),
            (Label::Ptec, "HPJW", "Tempo white day, peak"),
            (Label::Demain, "----", "not known yet"),
            (Label::Demain, "ROUG", "Tempo red day"),
            (Label::Demain, "BLEU", "Tempo blue day"),
            (
                Label::Stge,
                "003A0001",
                "supplier index 1, dry contact open",
            ),
            (
                Label::Stge,
                "013A0501",
                "supplier index 2, dry contact open, producer, today Tempo blue",
            ),
            (
                Label::Stge,
                "1D3A0480",
                "supplier index 2, overload, today Tempo blue, tomorrow Tempo red, \
                 notice of mobile peak 1",
            ),
            (
                Label::Stge,
                "00000002",
                "supplier index 1, cut-off device open (over power)",
            ),
            (Label::Relais, "000", "all relays open"),
            (Label::Relais, "001", "relay 1 closed, the others open"),
            (
                Label::Relais,
                "140",
                "relays 3, 4 and 8 closed, the others open",
            ),
            (Label::Ppot, "00", "all phases present"),
            (Label::Ppot, "02", "phase 1 absent"),
            (Label::Ppot, "0A", "phases 1 and 3 absent"),
            (Label::Ntarf, "02", "supplier index 2"),
            (Label::Njourf, "03", "day profile 3"),
            (Label::Vtic, "02", "version 2"),
            (Label::Date, "", "meter time"),
            (Label::Dpm1, "00", "mobile-peak boundary"),
            (Label::Ngtf, "     TEMPO      ", "TEMPO"),
            (Label::Motdetat, "000000", "000000"),
        ] {
            assert_eq!(shown(label, value), expected, "{label:?} {value:?}");
        }
    }

    #[test]
    fn horodated_groups_show_their_time() {
        use crate::tic::{Group, Horodate, Mode};
        let typed = |name: &'static str, horodate, value| {
            let group = Group {
                label: Label::lookup(Mode::Standard, name.as_bytes()),
                name,
                horodate: Some(horodate),
                value,
            };
            group.typed().map(|t| t.to_string())
        };
        assert_eq!(
            typed("SMAXSN", "E200426132229", "06100").as_deref(),
            Ok("6 100 VA at 2020-04-26 13:22:29 (summer time)")
        );
        assert_eq!(
            typed("DATE", "h231201080500", "").as_deref(),
            Ok("2023-12-01 08:05:00 (winter time, clock degraded)")
        );
        assert_eq!(
            typed("DPM1", " 230115060000", "00").as_deref(),
            Ok("2023-01-15 06:00:00")
        );
        let h = Horodate::parse(b"H191203125805").map(|h| h.to_string());
        assert_eq!(h.as_deref(), Ok("2019-12-03 12:58:05 (winter time)"));
    }
}
