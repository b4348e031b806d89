//! The one mapping from meter state to the metric names of docs/metrics.md.
//!
//! A scrape takes a [`Snapshot`] of every meter (each locked only long enough to copy it) and
//! renders it with prometheus-client, as OpenMetrics 1.0 or Prometheus text 0.0.4. Families
//! with no sample are left out entirely, and meter values are only rendered for meters that
//! are up (the freshness rule): when a source goes stale its value series disappear, so
//! Prometheus marks them stale instead of repeating old values, while health series stay.

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::meter::{Meter, PERIOD_INDEXES};
use crate::tic::stge::TempoColor;
use crate::tic::value::{PhasePresence, Relays, TariffPeriod};
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
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        let mut out = String::with_capacity(16 * 1024);
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

/// A sample value: integers print without a decimal point.
#[derive(Clone, Copy)]
enum V {
    Int(i64),
    Float(f64),
    Count(u64),
}

fn int(n: u64) -> V {
    V::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Encodes one family if it has at least one sample.
fn family<'a, const N: usize>(
    enc: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = ([(&'static str, &'a str); N], V)>,
) -> fmt::Result {
    let mut samples = samples.into_iter().peekable();
    let Some((_, first)) = samples.peek() else {
        return Ok(());
    };
    let metric_type = match first {
        V::Count(_) => MetricType::Counter,
        _ => MetricType::Gauge,
    };
    let mut metric = enc.encode_descriptor(name, help, None, metric_type)?;
    for (labels, value) in samples {
        let series = metric.encode_family(&labels)?;
        match value {
            V::Int(v) => ConstGauge::new(v).encode(series)?,
            V::Float(v) => ConstGauge::new(v).encode(series)?,
            V::Count(v) => ConstCounter::new(v).encode(series)?,
        }
    }
    Ok(())
}

const PHASES: [&str; 3] = ["1", "2", "3"];

/// Labels of the RMS current of each phase, in the order they are looked up: historic
/// mono (IINST), historic three-phase (IINSTn), standard (IRMSn). Shared with the JSON API.
pub(crate) const CURRENTS: &[(Label, &str)] = &[
    (Label::Iinst, "1"),
    (Label::Iinst1, "1"),
    (Label::Iinst2, "2"),
    (Label::Iinst3, "3"),
    (Label::Irms1, "1"),
    (Label::Irms2, "2"),
    (Label::Irms3, "3"),
];

/// Labels of the RMS voltage of each phase (standard mode only).
pub(crate) const VOLTAGES: &[(Label, &str)] = &[
    (Label::Urms1, "1"),
    (Label::Urms2, "2"),
    (Label::Urms3, "3"),
];

/// Labels of the apparent power drawn per phase (three-phase standard mode only).
pub(crate) const PHASE_POWERS: &[(Label, &str)] = &[
    (Label::Sinsts1, "1"),
    (Label::Sinsts2, "2"),
    (Label::Sinsts3, "3"),
];

/// Labels of the overload current per phase (historic mode; absent = 0): ADPS / ADIRn carry
/// the phase current while it is above the subscription, not the excess over it.
pub(crate) fn overload_currents(m: &Meter) -> &'static [(Label, &'static str)] {
    match (m.mode(), m.three_phase()) {
        (Some(Mode::Historic), false) => &[(Label::Adps, "1")],
        (Some(Mode::Historic), true) => &[
            (Label::Adir1, "1"),
            (Label::Adir2, "2"),
            (Label::Adir3, "3"),
        ],
        _ => &[],
    }
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

/// `(label, phase)` pairs for per-phase values.
fn per_phase<'m>(
    m: &'m Meter,
    labels: &'static [(Label, &'static str)],
) -> impl Iterator<Item = ([(&'static str, &'m str); 2], V)> + 'm {
    labels.iter().filter_map(move |&(label, phase)| {
        m.number(label)
            .map(|v| ([("meter", m.name()), ("phase", phase)], int(v)))
    })
}

/// The `meter` label's slot in a series table; [`tabled`] fills it in.
const METER: (&str, &str) = ("meter", "");

/// One series per table entry whose label the meter has: the entry's label set with the
/// meter's name in its first slot, and the value (`count` for counters).
fn tabled<'m, const N: usize>(
    m: &'m Meter,
    table: &'static [(Label, [(&'static str, &'static str); N])],
    count: bool,
) -> impl Iterator<Item = ([(&'static str, &'m str); N], V)> + 'm {
    table.iter().filter_map(move |(label, set)| {
        let v = m.number(*label)?;
        let mut set: [(&'static str, &'m str); N] = *set;
        set[0].1 = m.name();
        Some((set, if count { V::Count(v) } else { int(v) }))
    })
}

const DISTRIBUTOR_INDEXES: &[(Label, [(&str, &str); 2])] = &[
    (Label::Easd01, [METER, ("period", "EASD01")]),
    (Label::Easd02, [METER, ("period", "EASD02")]),
    (Label::Easd03, [METER, ("period", "EASD03")]),
    (Label::Easd04, [METER, ("period", "EASD04")]),
];

const REACTIVE: &[(Label, [(&str, &str); 2])] = &[
    (Label::Erq1, [METER, ("quadrant", "1")]),
    (Label::Erq2, [METER, ("quadrant", "2")]),
    (Label::Erq3, [METER, ("quadrant", "3")]),
    (Label::Erq4, [METER, ("quadrant", "4")]),
];

const MAX_PAPP: &[(Label, [(&str, &str); 2])] = &[
    (Label::Smaxsn, [METER, ("day", "today")]),
    (Label::SmaxsnYesterday, [METER, ("day", "yesterday")]),
    (Label::Pmax, [METER, ("day", "yesterday")]),
];

const PHASE_MAX_PAPP: &[(Label, [(&str, &str); 3])] = &[
    (Label::Smaxsn1, [METER, ("phase", "1"), ("day", "today")]),
    (Label::Smaxsn2, [METER, ("phase", "2"), ("day", "today")]),
    (Label::Smaxsn3, [METER, ("phase", "3"), ("day", "today")]),
    (
        Label::Smaxsn1Yesterday,
        [METER, ("phase", "1"), ("day", "yesterday")],
    ),
    (
        Label::Smaxsn2Yesterday,
        [METER, ("phase", "2"), ("day", "yesterday")],
    ),
    (
        Label::Smaxsn3Yesterday,
        [METER, ("phase", "3"), ("day", "yesterday")],
    ),
];

const MAX_INJECTED_PAPP: &[(Label, [(&str, &str); 2])] = &[
    (Label::Smaxin, [METER, ("day", "today")]),
    (Label::SmaxinYesterday, [METER, ("day", "yesterday")]),
];

const LOAD_CURVE: &[(Label, [(&str, &str); 3])] = &[
    (
        Label::Ccasn,
        [METER, ("direction", "drawn"), ("point", "current")],
    ),
    (
        Label::CcasnPrevious,
        [METER, ("direction", "drawn"), ("point", "previous")],
    ),
    (
        Label::Ccain,
        [METER, ("direction", "injected"), ("point", "current")],
    ),
    (
        Label::CcainPrevious,
        [METER, ("direction", "injected"), ("point", "previous")],
    ),
];

const AVERAGE_VOLTAGES: &[(Label, &str)] = &[
    (Label::Umoy1, "1"),
    (Label::Umoy2, "2"),
    (Label::Umoy3, "3"),
];

/// A single-series value of one meter, multiplied by `scale` (kVA fields are exported in VA).
fn one(m: &Meter, label: Label, scale: u64) -> Option<([(&'static str, &str); 1], V)> {
    m.number(label)
        .map(|v| ([("meter", m.name())], int(v.saturating_mul(scale))))
}

fn tempo_name(c: Option<TempoColor>) -> &'static str {
    c.map_or("unknown", TempoColor::as_str)
}

/// Today's and tomorrow's Tempo colours, when the meter is on a Tempo contract.
pub(crate) fn tempo_colors(m: &Meter) -> Option<[&'static str; 2]> {
    match m.mode()? {
        Mode::Historic => {
            let today = match TariffPeriod::parse(m.text(Label::Ptec)?)? {
                TariffPeriod::Tempo { color, .. } => color,
                _ => return None,
            };
            let tomorrow = match m.text(Label::Demain) {
                Some("BLEU") => Some(TempoColor::Blue),
                Some("BLAN") => Some(TempoColor::White),
                Some("ROUG") => Some(TempoColor::Red),
                _ => None,
            };
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
            let period = m.text(Label::Ptec).and_then(TariffPeriod::parse);
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
    fn encode(&self, mut enc: DescriptorEncoder<'_>) -> fmt::Result {
        let enc = &mut enc;
        let fresh: Vec<&Meter> = self
            .meters
            .iter()
            .filter(|m| m.is_up(self.now, self.stale_after))
            .collect();
        let fresh = &fresh;

        // ---- meter values ----
        family(
            enc,
            "teleinfo_index_wh",
            "Energy index by tariff period (historic option index or EASFnn), Wh.",
            fresh.iter().flat_map(|m| {
                PERIOD_INDEXES.iter().filter_map(move |&l| {
                    m.number(l)
                        .map(|v| ([("meter", m.name()), ("period", l.name())], V::Count(v)))
                })
            }),
        )?;
        family(
            enc,
            "teleinfo_distributor_index_wh",
            "Energy index by distributor period (EASDnn), Wh.",
            fresh
                .iter()
                .flat_map(|m| tabled(m, DISTRIBUTOR_INDEXES, true)),
        )?;
        family(
            enc,
            "teleinfo_energy_drawn_wh",
            "Total active energy drawn (EAST, or the sum of the historic indexes), Wh.",
            fresh.iter().filter_map(|m| {
                m.energy_drawn_wh()
                    .map(|v| ([("meter", m.name())], V::Count(v)))
            }),
        )?;
        family(
            enc,
            "teleinfo_energy_injected_wh",
            "Total active energy injected (EAIT, producers), Wh.",
            fresh.iter().filter_map(|m| {
                m.number(Label::Eait)
                    .map(|v| ([("meter", m.name())], V::Count(v)))
            }),
        )?;
        family(
            enc,
            "teleinfo_reactive_energy_varh",
            "Total reactive energy by quadrant (ERQ1-4, producers), varh.",
            fresh.iter().flat_map(|m| tabled(m, REACTIVE, true)),
        )?;
        family(
            enc,
            "teleinfo_active_period",
            "The tariff period now (=1): the index it feeds and its name (PTEC or LTARF).",
            fresh.iter().filter_map(|m| {
                m.active_period().map(|(index, name)| {
                    (
                        [
                            ("meter", m.name()),
                            ("period", index.name()),
                            ("name", name),
                        ],
                        V::Int(1),
                    )
                })
            }),
        )?;
        family(
            enc,
            "teleinfo_papp_va",
            "Apparent power drawn (PAPP or SINSTS), VA.",
            fresh.iter().filter_map(|m| {
                m.apparent_power_va()
                    .map(|va| ([("meter", m.name())], int(va)))
            }),
        )?;
        family(
            enc,
            "teleinfo_phase_papp_va",
            "Apparent power drawn per phase (SINSTS1-3), VA.",
            fresh.iter().flat_map(|m| per_phase(m, PHASE_POWERS)),
        )?;
        family(
            enc,
            "teleinfo_injected_papp_va",
            "Apparent power injected (SINSTI), VA.",
            fresh.iter().filter_map(|m| one(m, Label::Sinsti, 1)),
        )?;
        family(
            enc,
            "teleinfo_iinst_amperes",
            "RMS current per phase (IINST, IINST1-3, IRMS1-3), A.",
            fresh.iter().flat_map(|m| per_phase(m, CURRENTS)),
        )?;
        family(
            enc,
            "teleinfo_imax_amperes",
            "Maximum current per phase (IMAX, IMAX1-3; constant on Linky), A.",
            fresh.iter().flat_map(|m| {
                per_phase(
                    m,
                    &[
                        (Label::Imax, "1"),
                        (Label::Imax1, "1"),
                        (Label::Imax2, "2"),
                        (Label::Imax3, "3"),
                    ],
                )
            }),
        )?;
        family(
            enc,
            "teleinfo_voltage_volts",
            "RMS voltage per phase (URMS1-3), V.",
            fresh.iter().flat_map(|m| per_phase(m, VOLTAGES)),
        )?;
        family(
            enc,
            "teleinfo_average_voltage_volts",
            "Mean voltage over 10 minutes per phase (UMOY1-3), V.",
            fresh.iter().flat_map(|m| per_phase(m, AVERAGE_VOLTAGES)),
        )?;
        family(
            enc,
            "teleinfo_max_papp_va",
            "Maximum apparent power drawn today or yesterday (SMAXSN, SMAXSN-1, PMAX), VA.",
            fresh.iter().flat_map(|m| tabled(m, MAX_PAPP, false)),
        )?;
        family(
            enc,
            "teleinfo_phase_max_papp_va",
            "Maximum apparent power drawn per phase today or yesterday (SMAXSNn, SMAXSNn-1), VA.",
            fresh.iter().flat_map(|m| tabled(m, PHASE_MAX_PAPP, false)),
        )?;
        family(
            enc,
            "teleinfo_max_injected_papp_va",
            "Maximum apparent power injected today or yesterday (SMAXIN, SMAXIN-1), VA.",
            fresh
                .iter()
                .flat_map(|m| tabled(m, MAX_INJECTED_PAPP, false)),
        )?;
        family(
            enc,
            "teleinfo_load_curve_watts",
            "Active power of the last two load-curve points (CCASN, CCASN-1, CCAIN, CCAIN-1), W.",
            fresh.iter().flat_map(|m| tabled(m, LOAD_CURVE, false)),
        )?;
        family(
            enc,
            "teleinfo_subscribed_current_amperes",
            "Subscribed current (ISOUSC), A.",
            fresh.iter().filter_map(|m| one(m, Label::Isousc, 1)),
        )?;
        family(
            enc,
            "teleinfo_reference_power_va",
            "Reference (subscribed) apparent power (PREF × 1000), VA.",
            fresh.iter().filter_map(|m| one(m, Label::Pref, 1000)),
        )?;
        family(
            enc,
            "teleinfo_cutoff_power_va",
            "Cut-off apparent power (PCOUP × 1000), VA.",
            fresh.iter().filter_map(|m| one(m, Label::Pcoup, 1000)),
        )?;
        family(
            enc,
            "teleinfo_phase_absent",
            "1 when a phase is absent or below its reference voltage (PPOT, three-phase).",
            fresh.iter().flat_map(|m| {
                let bits = m.number(Label::Ppot).map(|b| PhasePresence(b as u8));
                bits.into_iter().flat_map(move |p| {
                    (1..=3u8).map(move |n| {
                        (
                            [("meter", m.name()), ("phase", PHASES[usize::from(n - 1)])],
                            V::Int(i64::from(p.absent(n))),
                        )
                    })
                })
            }),
        )?;
        family(
            enc,
            "teleinfo_meter_time_seconds",
            "The meter's clock (DATE) as Unix time, seconds.",
            fresh.iter().filter_map(|m| {
                m.meter_time()
                    .map(|(t, _)| ([("meter", m.name())], V::Int(t)))
            }),
        )?;
        family(
            enc,
            "teleinfo_meter_clock_offset_seconds",
            "Meter clock minus host clock when the frame ended, seconds.",
            fresh.iter().filter_map(|m| {
                m.meter_time()
                    .map(|(_, offset)| ([("meter", m.name())], V::Float(offset)))
            }),
        )?;

        // ---- overload ----
        family(
            enc,
            "teleinfo_adps_amperes",
            "Phase current sent while above the subscription (ADPS, ADIR1-3; the current, not the excess); 0 when not overloaded, A.",
            fresh.iter().flat_map(|m| {
                overload_currents(m).iter().map(move |&(l, phase)| {
                    (
                        [("meter", m.name()), ("phase", phase)],
                        int(m.number(l).unwrap_or(0)),
                    )
                })
            }),
        )?;
        family(
            enc,
            "teleinfo_overload",
            "1 while the meter signals an overload (ADPS, ADIRn, or STGE bit 7).",
            fresh
                .iter()
                .map(|m| ([("meter", m.name())], V::Int(i64::from(m.overload())))),
        )?;
        family(
            enc,
            "teleinfo_overload_events",
            "Overload signal transitions from 0 to 1 (catches overloads shorter than a scrape).",
            fresh
                .iter()
                .map(|m| ([("meter", m.name())], V::Count(m.overload_events()))),
        )?;

        // ---- status and calendar ----
        family(
            enc,
            "teleinfo_status_flag",
            "Status flags of the STGE register (0/1).",
            fresh.iter().flat_map(|m| {
                m.stge().into_iter().flat_map(move |s| {
                    status_flags(s).map(|(flag, on)| {
                        ([("meter", m.name()), ("flag", flag)], V::Int(i64::from(on)))
                    })
                })
            }),
        )?;
        family(
            enc,
            "teleinfo_cutoff_device_state",
            "State of the cut-off device, STGE bits 1-3 (0 = closed).",
            fresh.iter().filter_map(|m| {
                m.stge().map(|s| {
                    (
                        [("meter", m.name())],
                        V::Int(i64::from(s.cutoff_device_code())),
                    )
                })
            }),
        )?;
        family(
            enc,
            "teleinfo_tempo_color",
            "Tempo colour of today and tomorrow (=1).",
            fresh.iter().flat_map(|m| {
                tempo_colors(m)
                    .into_iter()
                    .flat_map(move |[today, tomorrow]| {
                        [("today", today), ("tomorrow", tomorrow)].map(|(day, color)| {
                            (
                                [("meter", m.name()), ("day", day), ("color", color)],
                                V::Int(1),
                            )
                        })
                    })
            }),
        )?;
        family(
            enc,
            "teleinfo_mobile_peak",
            "Mobile peak (EJP / PM1-3): notice and active stage, 0 = none.",
            fresh.iter().flat_map(|m| {
                mobile_peak(m)
                    .into_iter()
                    .flat_map(move |[notice, active]| {
                        [("notice", notice), ("active", active)]
                            .map(|(stage, v)| ([("meter", m.name()), ("stage", stage)], int(v)))
                    })
            }),
        )?;
        family(
            enc,
            "teleinfo_relay_closed",
            "1 when relay n is closed (RELAIS; relay 1 is the dry contact).",
            fresh.iter().flat_map(|m| {
                let relays = m.number(Label::Relais).map(|r| Relays(r as u8));
                relays.into_iter().flat_map(move |r| {
                    const RELAYS: [&str; 8] = ["1", "2", "3", "4", "5", "6", "7", "8"];
                    (1..=8u8).map(move |n| {
                        (
                            [("meter", m.name()), ("relay", RELAYS[usize::from(n - 1)])],
                            V::Int(i64::from(r.closed(n))),
                        )
                    })
                })
            }),
        )?;
        family(
            enc,
            "teleinfo_meter_info",
            "Meter identity (=1): serial number, TIC mode, tariff option and name, TIC version.",
            fresh.iter().filter_map(|m| {
                let mode = m.mode()?;
                Some((
                    [
                        ("meter", m.name()),
                        ("serial", m.serial().unwrap_or("")),
                        ("mode", mode.as_str()),
                        ("tariff_option", m.tariff_option().unwrap_or("")),
                        ("tariff_name", m.tariff_name().unwrap_or("")),
                        ("tic_version", m.text(Label::Vtic).unwrap_or("")),
                    ],
                    V::Int(1),
                ))
            }),
        )?;

        // ---- reading health: every meter, fresh or not ----
        let all = &self.meters;
        family(
            enc,
            "teleinfo_up",
            "1 while the source is open and a frame (clean or with errors) arrived within --stale-after since it was opened.",
            all.iter().map(|m| {
                (
                    [("meter", m.name())],
                    V::Int(i64::from(m.is_up(self.now, self.stale_after))),
                )
            }),
        )?;
        family(
            enc,
            "teleinfo_last_frame_timestamp_seconds",
            "Host Unix time of the last frame (clean or with errors), seconds.",
            all.iter().filter_map(|m| {
                m.health()
                    .last_frame
                    .map(|t| ([("meter", m.name())], V::Float(t)))
            }),
        )?;
        family(
            enc,
            "teleinfo_frames",
            "Complete frames whose every group passed checksum and format checks.",
            all.iter().map(|m| {
                (
                    [("meter", m.name())],
                    V::Count(m.health().decoder.clean_frames),
                )
            }),
        )?;
        // Valid groups, so that the checksum error ratio can be per group (bad checksums /
        // (valid groups + bad checksums)) as in the API and the alert: `teleinfo_frames`
        // counts clean frames only, and a frame holds 5 to about 70 groups, so no other
        // counter says how many groups came.
        family(
            enc,
            "teleinfo_groups",
            "Groups whose checksum and format were valid, inside or outside a frame.",
            all.iter()
                .map(|m| ([("meter", m.name())], V::Count(m.health().decoder.groups))),
        )?;
        family(
            enc,
            "teleinfo_checksum_errors",
            "Groups with a bad checksum.",
            all.iter().map(|m| {
                (
                    [("meter", m.name())],
                    V::Count(m.health().decoder.checksum_errors),
                )
            }),
        )?;
        family(
            enc,
            "teleinfo_frame_errors",
            "Malformed groups, over-long groups or frames, interrupted frames, implausible energy indexes, out-of-range instantaneous values.",
            all.iter().flat_map(|m| {
                let h = m.health();
                // One family for every value not taken, so that one rate (the dashboard's
                // panel, the API's frame_errors_total) sums them, and `kind` tells them apart.
                [
                    ("format", h.decoder.format_errors + h.value_errors),
                    ("size", h.decoder.size_errors),
                    ("interrupted", h.decoder.interrupted),
                    ("implausible", h.implausible),
                    ("out_of_range", h.out_of_range),
                ]
                .map(|(kind, n)| ([("meter", m.name()), ("kind", kind)], V::Count(n)))
            }),
        )?;
        family(
            enc,
            "teleinfo_line_errors",
            "What went wrong on the line, by cause (the link doctor's causes, docs/metrics.md).",
            all.iter().flat_map(|m| {
                let h = m.health();
                crate::doctor::counts(&h.decoder, h.doctor_counts())
                    .map(|(cause, n)| ([("meter", m.name()), ("cause", cause.name)], V::Count(n)))
            }),
        )?;
        family(
            enc,
            "teleinfo_bytes",
            "Bytes read from the source.",
            all.iter()
                .map(|m| ([("meter", m.name())], V::Count(m.health().decoder.bytes))),
        )?;
        family(
            enc,
            "teleinfo_source_reconnects",
            "Attempts to re-open the source after it was lost.",
            all.iter()
                .map(|m| ([("meter", m.name())], V::Count(m.health().reconnects))),
        )?;
        family(
            enc,
            "teleinfo_exporter_build_info",
            "Build information (=1).",
            [([("version", env!("CARGO_PKG_VERSION"))], V::Int(1))],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
