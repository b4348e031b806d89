//! The one mapping from meter state to the metric names of docs/metrics.md.
//!
//! A scrape takes a [`Snapshot`] of every meter (each locked only long enough to copy it) and
//! renders it with prometheus-client, as OpenMetrics 1.0 or Prometheus text 0.0.4. Families
//! with no sample are left out entirely, and meter values are only rendered for meters that
//! are up (the freshness rule): when a source goes stale its value series disappear, so
//! Prometheus marks them stale instead of repeating old values, while health series stay.

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::DescriptorEncoder;
use prometheus_client::registry::Registry;

use crate::meter::Meter;
use crate::tic::label::{Quantity, labels_where};
use crate::tic::stge::TempoColor;
use crate::tic::value::TariffPeriod;
use crate::tic::{Label, Mode, Stge};

/// The two exposition formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OpenMetrics 1.0.0 text, what Prometheus asks for first.
    OpenMetrics,
    /// Prometheus text format 0.0.4, for `curl` and older scrapers.
    Text,
}

impl Format {
    /// The exact Content-Type of the format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Text => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        }
    }
}

/// Copies of every meter taken at scrape time, with the time the scrape happened.
#[derive(Debug)]
pub struct Snapshot {
    pub meters: Vec<Meter>,
    /// Host Unix time of the scrape, seconds.
    pub now: f64,
    /// `--stale-after`, seconds.
    pub stale_after: f64,
}

impl Snapshot {
    /// Renders the exposition text.
    pub fn render(self, format: Format) -> String {
        // About 4 KB of text per meter up (5 KB for a three-phase producer): sized at once,
        // the text of 10 000 meters is not grown and copied a dozen times.
        let mut out = String::with_capacity(4096 * self.meters.len().max(4));
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        let result = match format {
            Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut out, &registry),
            Format::Text => {
                prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)
            }
        };
        // Writing into a String cannot fail; an error here would be a bug in the encoder.
        debug_assert!(result.is_ok());
        out
    }
}

/// Small numbers as label values (`phase="2"`, `quadrant="4"`, `relay="8"`), without
/// formatting at each scrape.
pub(crate) const NUMBERS: [&str; 9] = ["0", "1", "2", "3", "4", "5", "6", "7", "8"];

/// The `phase` label of a per-phase label (its phase in the label table).
pub(crate) fn phase_name(l: Label) -> &'static str {
    NUMBERS[usize::from(l.facts().phase)]
}

/// Labels of the RMS current of each phase, in the order they are looked up: historic
/// mono (IINST), historic three-phase (IINSTn), standard (IRMSn). Shared with the JSON API.
pub(crate) const CURRENTS: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::Current));

/// Labels of the RMS voltage of each phase (standard mode only).
pub(crate) const VOLTAGES: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::Voltage));

/// Labels of the apparent power drawn per phase (three-phase standard mode only).
pub(crate) const PHASE_POWERS: &[Label] = &labels_where!(l =>
    matches!(l.facts().quantity, Quantity::ApparentPower) && l.facts().phase != 0);

/// Labels of the overload current per phase (historic mode; absent = 0): ADPS / ADIRn carry
/// the phase current while it is above the subscription, not the excess over it. ADPS on a
/// single-phase meter, ADIR1-3 on a three-phase one.
pub(crate) fn overload_currents(m: &Meter) -> impl Iterator<Item = Label> {
    const OVERLOAD: &[Label] =
        &labels_where!(l => matches!(l.facts().quantity, Quantity::OverloadCurrent));
    let (historic, three_phase) = (m.mode() == Some(Mode::Historic), m.three_phase());
    OVERLOAD
        .iter()
        .copied()
        .filter(move |l| historic && l.facts().three_phase == three_phase)
}

/// The status flags of STGE exported as `teleinfo_status_flag{flag}`, with their state.
pub(crate) fn status_flags(s: Stge) -> [(&'static str, bool); 7] {
    [
        ("dry_contact_open", s.dry_contact_open()),
        ("cover_open", s.cover_open()),
        ("overvoltage", s.overvoltage()),
        ("overload", s.overload()),
        ("producer", s.producer()),
        ("injecting", s.injecting()),
        ("clock_degraded", s.clock_degraded()),
    ]
}

fn tempo_name(c: Option<TempoColor>) -> &'static str {
    c.map_or("unknown", TempoColor::as_str)
}

/// Today's and tomorrow's Tempo colours, when the meter is on a Tempo contract.
pub(crate) fn tempo_colors(m: &Meter) -> Option<[&'static str; 2]> {
    match m.mode()? {
        Mode::Historic => {
            let TariffPeriod::Tempo { color: today, .. } = m.period()? else {
                return None;
            };
            let tomorrow = m.tomorrow().flatten();
            Some([today.as_str(), tempo_name(tomorrow)])
        }
        Mode::Standard => {
            let stge = m.stge()?;
            // Colour 0 today is not allowed on a Tempo contract: no Tempo.
            let today = stge.tempo_today()?;
            Some([today.as_str(), tempo_name(stge.tempo_tomorrow())])
        }
    }
}

/// Mobile-peak notice and active stages (0-3).
pub(crate) fn mobile_peak(m: &Meter) -> Option<[u64; 2]> {
    match m.mode()? {
        Mode::Standard => m.stge().map(|s| {
            [
                u64::from(s.mobile_peak_notice()),
                u64::from(s.mobile_peak_active()),
            ]
        }),
        Mode::Historic => {
            let period = m.period();
            let ejp = m.tariff_option() == Some("EJP.")
                || matches!(
                    period,
                    Some(TariffPeriod::EjpNormal | TariffPeriod::EjpMobilePeak)
                );
            ejp.then(|| {
                [
                    u64::from(m.number(Label::Pejp).is_some()),
                    u64::from(period == Some(TariffPeriod::EjpMobilePeak)),
                ]
            })
        }
    }
}

impl Collector for Snapshot {
    /// Every family of the table, in its order; each leaves itself out when it has no sample.
    fn encode(&self, mut enc: DescriptorEncoder<'_>) -> fmt::Result {
        for family in FAMILIES {
            family.encode(self, &mut enc)?;
        }
        Ok(())
    }
}

mod families;
mod family;

use families::FAMILIES;

#[cfg(test)]
mod tests;
