//! Typed readings: the text of a group turned into a value with its unit.
//!
//! Numbers are zero-padded decimal on the line (`090` is ninety, never octal); they are parsed
//! with checked arithmetic and never panic. Each known label maps to one [`Reading`] variant, so
//! the unit is part of the type (an index is `Energy { wh }`, PREF is `PowerKva { kva }`).

use super::frame::Group;
use super::horodate::{Horodate, HorodateError};
use super::label::{Label, Quantity};
use super::stge::{Stge, TempoColor};

/// Why a group's value cannot be read as its label's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("{0:?}: value is not a decimal number")]
    NotDecimal(Label),
    #[error("{0:?}: value is not hexadecimal")]
    NotHex(Label),
    #[error("{0:?}: value is out of range")]
    OutOfRange(Label),
    #[error("{0:?}: unknown code")]
    UnknownCode(Label),
    #[error("{0:?}: bad horodate: {1}")]
    Horodate(Label, HorodateError),
    #[error("the label is not one this decoder knows")]
    UnknownLabel,
}

/// Tariff option (OPTARIF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TariffOption {
    /// `BASE`: one price all day.
    Base,
    /// `HC..`: off-peak / peak hours.
    OffPeakHours,
    /// `EJP.`: EJP, with 22 mobile-peak days a year.
    Ejp,
    /// `BBRx`: Tempo; `x` encodes the programmes of the meter's control circuits.
    Tempo { programme: u8 },
}

impl TariffOption {
    /// The option as the meter sends it, e.g. `HC..`.
    pub fn code(self) -> &'static str {
        match self {
            TariffOption::Base => "BASE",
            TariffOption::OffPeakHours => "HC..",
            TariffOption::Ejp => "EJP.",
            TariffOption::Tempo { .. } => "BBR",
        }
    }
}

/// Current tariff period in historic mode (PTEC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TariffPeriod {
    /// `TH..`: all hours (Base option).
    AllHours,
    /// `HC..`: off-peak hours.
    OffPeak,
    /// `HP..`: peak hours.
    Peak,
    /// `HN..`: EJP normal hours.
    EjpNormal,
    /// `PM..`: EJP mobile-peak hours.
    EjpMobilePeak,
    /// `HCJx` / `HPJx`: Tempo, off-peak or peak, on a day of the given colour.
    Tempo { color: TempoColor, peak: bool },
}

impl TariffPeriod {
    /// Parses a PTEC value.
    pub fn parse(value: &str) -> Option<TariffPeriod> {
        Some(match value {
            "TH.." => TariffPeriod::AllHours,
            "HC.." => TariffPeriod::OffPeak,
            "HP.." => TariffPeriod::Peak,
            "HN.." => TariffPeriod::EjpNormal,
            "PM.." => TariffPeriod::EjpMobilePeak,
            _ => {
                let b = value.as_bytes();
                let [b'H', p @ (b'C' | b'P'), b'J', c] = *b else {
                    return None;
                };
                let color = match c {
                    b'B' => TempoColor::Blue,
                    b'W' => TempoColor::White,
                    b'R' => TempoColor::Red,
                    _ => return None,
                };
                TariffPeriod::Tempo {
                    color,
                    peak: p == b'P',
                }
            }
        })
    }

    /// The period as the meter sends it (PTEC), e.g. `HC..` or `HPJW`: the name of the
    /// period in `teleinfo_active_period`, without keeping the text.
    pub fn code(self) -> &'static str {
        match self {
            TariffPeriod::AllHours => "TH..",
            TariffPeriod::OffPeak => "HC..",
            TariffPeriod::Peak => "HP..",
            TariffPeriod::EjpNormal => "HN..",
            TariffPeriod::EjpMobilePeak => "PM..",
            TariffPeriod::Tempo { color, peak } => match (color, peak) {
                (TempoColor::Blue, false) => "HCJB",
                (TempoColor::Blue, true) => "HPJB",
                (TempoColor::White, false) => "HCJW",
                (TempoColor::White, true) => "HPJW",
                (TempoColor::Red, false) => "HCJR",
                (TempoColor::Red, true) => "HPJR",
            },
        }
    }

    /// The period whose energy a historic index counts (`HCHC` is fed during `HC..`); `None`
    /// for a label that is no historic option index. The inverse of [`Self::index_label`].
    pub fn of_index(label: Label) -> Option<TariffPeriod> {
        crate::tic::label::PERIOD_CODES
            .iter()
            .filter_map(|code| TariffPeriod::parse(code))
            .find(|p| p.index_label() == label)
    }

    /// The index label that counts energy during this period (PTEC `HC..` feeds `HCHC`).
    pub fn index_label(self) -> Label {
        match self {
            TariffPeriod::AllHours => Label::Base,
            TariffPeriod::OffPeak => Label::Hchc,
            TariffPeriod::Peak => Label::Hchp,
            TariffPeriod::EjpNormal => Label::Ejphn,
            TariffPeriod::EjpMobilePeak => Label::Ejphpm,
            TariffPeriod::Tempo { color, peak } => match (color, peak) {
                (TempoColor::Blue, false) => Label::Bbrhcjb,
                (TempoColor::Blue, true) => Label::Bbrhpjb,
                (TempoColor::White, false) => Label::Bbrhcjw,
                (TempoColor::White, true) => Label::Bbrhpjw,
                (TempoColor::Red, false) => Label::Bbrhcjr,
                (TempoColor::Red, true) => Label::Bbrhpjr,
            },
        }
    }
}

/// The eight relays of a Linky (RELAIS): relay 1 is the real dry contact, 2-8 are virtual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relays(pub u8);

impl Relays {
    /// True when relay `n` (1-8) is closed.
    pub fn closed(self, n: u8) -> bool {
        (1..=8).contains(&n) && self.0 >> (n - 1) & 1 == 1
    }
}

/// Phase presence of a three-phase historic meter (PPOT): bit n set = phase n absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhasePresence(pub u8);

impl PhasePresence {
    /// True when phase `n` (1-3) is absent or below its reference voltage.
    pub fn absent(self, n: u8) -> bool {
        (1..=3).contains(&n) && self.0 >> n & 1 == 1
    }
}

/// A group's value with its type and unit. `S` is how its text is held: `&str` in the frame
/// ([`Typed`]), [`ShortText`] once kept past it ([`OwnedReading`], what a meter stores), so
/// that one type says what a value is wherever it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading<S> {
    /// ADCO, ADSC (meter serial) or PRM (delivery point): digits, kept as text.
    Identifier(S),
    /// OPTARIF.
    TariffOption(TariffOption),
    /// Active energy index or total, in Wh.
    Energy { wh: u64 },
    /// Reactive energy total, in varh.
    ReactiveEnergy { varh: u64 },
    /// Apparent power, in VA (PAPP, SINSTS*, SMAX*, PMAX on Linky).
    ApparentPower { va: u32 },
    /// Active power of a load-curve point, in W.
    ActivePower { w: u32 },
    /// A power setting in kVA (PREF, PCOUP).
    PowerKva { kva: u32 },
    /// Current, in A.
    Current { amperes: u32 },
    /// Voltage, in V.
    Voltage { volts: u32 },
    /// A duration in minutes (PEJP).
    Minutes(u32),
    /// PTEC.
    Period(TariffPeriod),
    /// DEMAIN: tomorrow's Tempo colour, `None` when not known yet.
    Tomorrow(Option<TempoColor>),
    /// STGE.
    Status(Stge),
    /// RELAIS.
    Relays(Relays),
    /// PPOT.
    PhasePresence(PhasePresence),
    /// NTARF: the supplier index (1-10) energy is counted on now.
    TariffIndex(u8),
    /// NJOURF, NJOURF+1: a day-profile number.
    DayProfile(u8),
    /// VTIC.
    Version(u8),
    /// DATE: the time is in the horodate.
    MeterTime,
    /// DPM1-3/FPM1-3: the time is in the horodate.
    MobilePeakBoundary,
    /// Free text as sent, padding kept (NGTF, LTARF, MSG1, MSG2, HHPHC, MOTDETAT, PJOURF+1,
    /// PPOINTE).
    Text(S),
}

/// A reading kept past its frame: its text copied inline, so keeping it never allocates and a
/// meter stays cheap to copy.
pub type OwnedReading = Reading<ShortText>;

impl Reading<&str> {
    /// The reading kept past its frame (texts cut at [`ShortText::CAPACITY`]).
    pub fn into_owned(self) -> OwnedReading {
        self.map(ShortText::new)
    }
}

impl<S> Reading<S> {
    /// The same reading with its text held another way.
    pub fn map<T>(self, text: impl FnOnce(S) -> T) -> Reading<T> {
        match self {
            Reading::Identifier(s) => Reading::Identifier(text(s)),
            Reading::Text(s) => Reading::Text(text(s)),
            Reading::TariffOption(o) => Reading::TariffOption(o),
            Reading::Energy { wh } => Reading::Energy { wh },
            Reading::ReactiveEnergy { varh } => Reading::ReactiveEnergy { varh },
            Reading::ApparentPower { va } => Reading::ApparentPower { va },
            Reading::ActivePower { w } => Reading::ActivePower { w },
            Reading::PowerKva { kva } => Reading::PowerKva { kva },
            Reading::Current { amperes } => Reading::Current { amperes },
            Reading::Voltage { volts } => Reading::Voltage { volts },
            Reading::Minutes(m) => Reading::Minutes(m),
            Reading::Period(p) => Reading::Period(p),
            Reading::Tomorrow(c) => Reading::Tomorrow(c),
            Reading::Status(s) => Reading::Status(s),
            Reading::Relays(r) => Reading::Relays(r),
            Reading::PhasePresence(p) => Reading::PhasePresence(p),
            Reading::TariffIndex(n) => Reading::TariffIndex(n),
            Reading::DayProfile(n) => Reading::DayProfile(n),
            Reading::Version(v) => Reading::Version(v),
            Reading::MeterTime => Reading::MeterTime,
            Reading::MobilePeakBoundary => Reading::MobilePeakBoundary,
        }
    }

    /// The number a measure or a small count reads as, in its unit (Wh, VA, A, kVA …);
    /// `None` for texts, codes and registers, which have typed accessors of their own.
    pub fn number(&self) -> Option<u64> {
        Some(match *self {
            Reading::Energy { wh } => wh,
            Reading::ReactiveEnergy { varh } => varh,
            Reading::ApparentPower { va: n }
            | Reading::ActivePower { w: n }
            | Reading::PowerKva { kva: n }
            | Reading::Current { amperes: n }
            | Reading::Voltage { volts: n }
            | Reading::Minutes(n) => u64::from(n),
            Reading::TariffIndex(n) | Reading::DayProfile(n) | Reading::Version(n) => u64::from(n),
            _ => return None,
        })
    }
}

/// A typed group: the reading and, in standard mode, its horodate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Typed<'a> {
    pub label: Label,
    pub reading: Reading<&'a str>,
    pub horodate: Option<Horodate>,
}

/// Text of at most 16 bytes stored inline, so that keeping the last value of a text group
/// (tariff names, serial numbers, period codes) never allocates.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct ShortText {
    len: u8,
    bytes: [u8; 16],
}

impl ShortText {
    /// Longest text kept; longer inputs are cut (no group the exporter keeps is longer).
    pub const CAPACITY: usize = 16;

    /// Copies `s` (cut at 16 bytes on a character boundary).
    pub fn new(s: &str) -> ShortText {
        let mut end = s.len().min(Self::CAPACITY);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0u8; 16];
        bytes[..end].copy_from_slice(&s.as_bytes()[..end]);
        ShortText {
            len: u8::try_from(end).unwrap_or(16),
            bytes,
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Built from a &str cut on a char boundary, so always valid.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl std::fmt::Debug for ShortText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl AsRef<str> for ShortText {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Parses a zero-padded decimal number; `None` on anything else (sign, space, overflow).
pub fn decimal(value: &str) -> Option<u64> {
    if value.is_empty() || value.len() > 19 {
        return None;
    }
    value.bytes().try_fold(0u64, |acc, b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        acc.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

impl<'a> Group<'a> {
    /// This group's value as a typed reading.
    pub fn typed(&self) -> Result<Typed<'a>, ValueError> {
        let label = self.label.ok_or(ValueError::UnknownLabel)?;
        let horodate = self
            .horodate
            .map(|h| Horodate::parse(h.as_bytes()).map_err(|e| ValueError::Horodate(label, e)))
            .transpose()?;
        Ok(Typed {
            label,
            reading: reading(label, self.text())?,
            horodate,
        })
    }
}

/// Reads `value` as the type of `label`: a measure by its quantity (a column of the label
/// table, which gives the unit), anything else by its label.
pub fn reading(label: Label, value: &str) -> Result<Reading<&str>, ValueError> {
    use Label::{
        Adco, Adsc, Date, Demain, Dpm1, Dpm2, Dpm3, Fpm1, Fpm2, Fpm3, Hhphc, Ltarf, Motdetat, Msg1,
        Msg2, Ngtf, Njourf, NjourfTomorrow, Ntarf, Optarif, PjourfTomorrow, Ppointe, Ppot, Prm,
        Ptec, Relais, Stge, Vtic,
    };
    if let Some(measure) = measure(label, value) {
        return measure;
    }
    let number = || decimal(value).ok_or(ValueError::NotDecimal(label));
    Ok(match label {
        Adco | Adsc | Prm => {
            number()?;
            Reading::Identifier(value)
        }
        Optarif => Reading::TariffOption(match value {
            "BASE" => TariffOption::Base,
            "HC.." => TariffOption::OffPeakHours,
            "EJP." => TariffOption::Ejp,
            _ => match value.as_bytes() {
                [b'B', b'B', b'R', p] => TariffOption::Tempo { programme: *p },
                _ => return Err(ValueError::UnknownCode(label)),
            },
        }),
        Ptec => Reading::Period(TariffPeriod::parse(value).ok_or(ValueError::UnknownCode(label))?),
        Demain => Reading::Tomorrow(match value {
            "----" => None,
            "BLEU" => Some(TempoColor::Blue),
            "BLAN" => Some(TempoColor::White),
            "ROUG" => Some(TempoColor::Red),
            _ => return Err(ValueError::UnknownCode(label)),
        }),
        Stge => Reading::Status(super::stge::Stge::parse(value).ok_or(ValueError::NotHex(label))?),
        Relais => Reading::Relays(Relays(
            u8::try_from(number()?).map_err(|_| ValueError::OutOfRange(label))?,
        )),
        Ppot => {
            // from_str_radix alone would accept a leading '+'.
            if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ValueError::NotHex(label));
            }
            let bits = u8::from_str_radix(value, 16).map_err(|_| ValueError::NotHex(label))?;
            Reading::PhasePresence(PhasePresence(bits))
        }
        Ntarf => match u8::try_from(number()?) {
            Ok(n @ 1..=10) => Reading::TariffIndex(n),
            _ => return Err(ValueError::OutOfRange(label)),
        },
        Njourf | NjourfTomorrow => {
            Reading::DayProfile(u8::try_from(number()?).map_err(|_| ValueError::OutOfRange(label))?)
        }
        Vtic => {
            Reading::Version(u8::try_from(number()?).map_err(|_| ValueError::OutOfRange(label))?)
        }
        Date => Reading::MeterTime,
        Dpm1 | Dpm2 | Dpm3 | Fpm1 | Fpm2 | Fpm3 => Reading::MobilePeakBoundary,
        Ngtf | Ltarf | Msg1 | Msg2 | Hhphc | Motdetat | PjourfTomorrow | Ppointe => {
            Reading::Text(value)
        }
        // Every other label is a measure, read by `measure` (checked for every label by the
        // test `every_label_reads_as_its_type`).
        _ => return Err(ValueError::UnknownLabel),
    })
}

/// Reads the value of a label that measures something, in the unit of its quantity; `None`
/// for the other labels.
fn measure(label: Label, value: &str) -> Option<Result<Reading<&str>, ValueError>> {
    use Quantity::{
        ApparentPower, AverageVoltage, Current, DistributorIndex, EnergyDrawn, EnergyInjected,
        InjectedPower, LoadCurve, MaxCurrent, MaxInjectedPower, MaxPower, Notice, Other,
        OverloadCurrent, PeriodIndex, PowerSetting, ReactiveEnergy, SubscribedCurrent, Voltage,
    };
    let number = || decimal(value).ok_or(ValueError::NotDecimal(label));
    let small =
        || number().and_then(|n| u32::try_from(n).map_err(|_| ValueError::OutOfRange(label)));
    let reading = match label.facts().quantity {
        Other => return None,
        PeriodIndex | DistributorIndex | EnergyDrawn | EnergyInjected => {
            number().map(|wh| Reading::Energy { wh })
        }
        ReactiveEnergy { .. } => number().map(|varh| Reading::ReactiveEnergy { varh }),
        ApparentPower | InjectedPower | MaxPower(_) | MaxInjectedPower(_) => {
            small().map(|va| Reading::ApparentPower { va })
        }
        LoadCurve { .. } => small().map(|w| Reading::ActivePower { w }),
        PowerSetting => small().map(|kva| Reading::PowerKva { kva }),
        Current | OverloadCurrent | MaxCurrent | SubscribedCurrent => {
            small().map(|amperes| Reading::Current { amperes })
        }
        Voltage | AverageVoltage => small().map(|volts| Reading::Voltage { volts }),
        Notice => small().map(Reading::Minutes),
    };
    Some(reading)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_keeps_sixteen_bytes() {
        assert_eq!(
            ShortText::new("  HEURE  PLEINE ").as_str(),
            "  HEURE  PLEINE "
        );
        assert_eq!(
            ShortText::new("0123456789abcdefXYZ").as_str(),
            "0123456789abcdef"
        );
        assert_eq!(ShortText::new("").as_str(), "");
    }

    #[test]
    fn decimal_is_never_octal_and_never_panics() {
        assert_eq!(decimal("090"), Some(90));
        assert_eq!(decimal("000000000"), Some(0));
        assert_eq!(decimal("999999999"), Some(999_999_999));
        assert_eq!(decimal("18446744073709551615"), None);
        assert_eq!(
            decimal("9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        for bad in ["", "+12", "-1", " 12", "1 2", "0x1", "１"] {
            assert_eq!(decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_label_reads_as_its_type() {
        use crate::tic::label::Charset;
        // A value of each label's shape: a measure by its quantity, the others by their own
        // arm of `reading`; none is left without a type.
        for &label in Label::ALL {
            let spec = label.spec();
            let width = usize::from(spec.width);
            let value = match spec.charset {
                Charset::Digits if label == Label::Ntarf => "01".to_owned(),
                Charset::Digits | Charset::Hex => "0".repeat(width),
                Charset::Printable | Charset::DayProfile => " ".repeat(width),
                Charset::OneOf(codes) => codes[0].to_owned(),
                Charset::TariffOption => "BASE".to_owned(),
            };
            let read = reading(label, &value);
            assert_ne!(read, Err(ValueError::UnknownLabel), "{label:?}");
            let measures = label.facts().quantity != Quantity::Other;
            assert_eq!(
                read.map(|r| r.number().is_some()),
                Ok(measures
                    || matches!(
                        label,
                        Label::Ntarf | Label::Njourf | Label::NjourfTomorrow | Label::Vtic
                    )),
                "{label:?}"
            );
        }
    }

    #[test]
    fn units_follow_the_label() {
        assert_eq!(
            reading(Label::Hchc, "001234567"),
            Ok(Reading::Energy { wh: 1_234_567 })
        );
        assert_eq!(reading(Label::Pref, "09"), Ok(Reading::PowerKva { kva: 9 }));
        assert_eq!(
            reading(Label::Imax, "090"),
            Ok(Reading::Current { amperes: 90 })
        );
        assert_eq!(
            reading(Label::Ccasn, "00410"),
            Ok(Reading::ActivePower { w: 410 })
        );
        assert_eq!(
            reading(Label::Erq1, "000123456"),
            Ok(Reading::ReactiveEnergy { varh: 123_456 })
        );
    }

    #[test]
    fn tariff_periods_map_to_their_index() {
        assert_eq!(
            TariffPeriod::parse("TH..").map(TariffPeriod::index_label),
            Some(Label::Base)
        );
        assert_eq!(
            TariffPeriod::parse("HP..").map(TariffPeriod::index_label),
            Some(Label::Hchp)
        );
        assert_eq!(
            TariffPeriod::parse("PM..").map(TariffPeriod::index_label),
            Some(Label::Ejphpm)
        );
        assert_eq!(
            TariffPeriod::parse("HCJB").map(TariffPeriod::index_label),
            Some(Label::Bbrhcjb)
        );
        assert_eq!(
            TariffPeriod::parse("HPJR").map(TariffPeriod::index_label),
            Some(Label::Bbrhpjr)
        );
        assert_eq!(TariffPeriod::parse("HPJX"), None);
        for &code in crate::tic::label::PERIOD_CODES {
            assert_eq!(
                TariffPeriod::parse(code).map(TariffPeriod::code),
                Some(code)
            );
        }
        assert_eq!(TariffPeriod::parse("TH."), None);
    }

    #[test]
    fn bits_of_relais_and_ppot() {
        // Relays 3, 4 and 8 closed = 4 + 8 + 128.
        let Ok(Reading::Relays(r)) = reading(Label::Relais, "140") else {
            panic!()
        };
        assert_eq!(
            (1..=8).filter(|&n| r.closed(n)).collect::<Vec<_>>(),
            [3, 4, 8]
        );
        assert!(reading(Label::Relais, "256").is_err());
        let Ok(Reading::PhasePresence(p)) = reading(Label::Ppot, "02") else {
            panic!()
        };
        assert_eq!(
            (p.absent(1), p.absent(2), p.absent(3)),
            (true, false, false)
        );
        assert!(reading(Label::Ppot, "0G").is_err());
        assert!(reading(Label::Ppot, "+1").is_err());
    }

    #[test]
    fn codes() {
        assert_eq!(
            reading(Label::Optarif, "BBR("),
            Ok(Reading::TariffOption(TariffOption::Tempo {
                programme: b'('
            }))
        );
        assert_eq!(reading(Label::Demain, "----"), Ok(Reading::Tomorrow(None)));
        assert_eq!(
            reading(Label::Demain, "ROUG"),
            Ok(Reading::Tomorrow(Some(TempoColor::Red)))
        );
        assert_eq!(
            reading(Label::Ntarf, "11"),
            Err(ValueError::OutOfRange(Label::Ntarf))
        );
        assert_eq!(
            reading(Label::Ntarf, "00"),
            Err(ValueError::OutOfRange(Label::Ntarf))
        );
        assert_eq!(
            reading(Label::Optarif, "XXXX"),
            Err(ValueError::UnknownCode(Label::Optarif))
        );
    }
}
