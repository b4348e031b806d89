//! `GET /api/v1/meters`: every meter as JSON, for the live page and for anyone who wants the
//! current values without Prometheus (home automation, scripts).
//!
//! The field names (`api/types.rs`) are a public contract (README, "Live page and JSON API").
//! The values come from the same mappings as `/metrics` (the helpers of [`crate::metrics`]),
//! with one deliberate difference: a meter that is down keeps its last values here, with
//! `up: false` and their age, because a person looking at a page wants to see what was last
//! read and how old it is, while Prometheus must not record old readings as new ones.

mod types;

use std::sync::Arc;

pub use types::*;

use crate::config::SourceConfig;
use crate::cost::{self, Ledger};
use crate::history::{self, PERIOD_LABELS};
use crate::localtime::local_midnight;
use crate::meter::{Meter, SUPPLIER_INDEXES};
use crate::meter_handle::MeterHandle;
use crate::metrics::{
    CURRENTS, PHASE_POWERS, Snapshot, VOLTAGES, mobile_peak, overload_currents, status_flags,
    tempo_colors,
};
use crate::tic::stge::{CutoffDevice, Stge};
use crate::tic::value::TariffPeriod;
use crate::tic::{Label, Mode};

/// What a tariff period is: `base` (one price), `off_peak`, `peak`, `normal` (EJP normal
/// hours), `mobile_peak` (EJP mobile peak hours) or `production_only` (the index of a
/// meter that only injects); `None` when the meter does not say.
///
/// A historic index says it in its label (`HCHC`, `BBRHPJW`, `EJPHPM`). A standard-mode
/// supplier index (`EASF01`-`EASF10`) means whatever the supplier's calendar makes it: only
/// its name (LTARF, e.g. `HEURE CREUSE`, `HP  BLEU`, `INDEX NON CONSO`) says which, in the
/// supplier's words, recognised here so that no client has to parse them.
pub fn period_kind(label: Label, name: Option<&str>) -> Option<&'static str> {
    if let Some(period) = TariffPeriod::of_index(label) {
        return Some(match period {
            TariffPeriod::AllHours => "base",
            TariffPeriod::OffPeak | TariffPeriod::Tempo { peak: false, .. } => "off_peak",
            TariffPeriod::Peak | TariffPeriod::Tempo { peak: true, .. } => "peak",
            TariffPeriod::EjpNormal => "normal",
            TariffPeriod::EjpMobilePeak => "mobile_peak",
        });
    }
    let name = name?.to_ascii_uppercase();
    let word = |w: &str| {
        name.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|x| x == w)
    };
    if name.contains("CREUSE") || word("HC") {
        Some("off_peak")
    } else if name.contains("PLEINE") || word("HP") {
        Some("peak")
    } else if name.contains("BASE") {
        Some("base")
    } else if name.contains("NON CONSO") {
        Some("production_only")
    } else {
        None
    }
}

/// The Tempo day colour of a tariff period: `blue`, `white` or `red` (from the historic
/// label `BBRHxJB/W/R`, or BLEU/BLANC/ROUGE in a standard-mode LTARF); `None` outside Tempo.
pub fn period_color(label: Label, name: Option<&str>) -> Option<&'static str> {
    match TariffPeriod::of_index(label) {
        Some(TariffPeriod::Tempo { color, .. }) => return Some(color.as_str()),
        Some(_) => return None,
        // Only a supplier index's name says it (a distributor index is no tariff period).
        None if !SUPPLIER_INDEXES.contains(&label) => return None,
        None => {}
    }
    let name = name?.to_ascii_uppercase();
    if name.contains("BLEU") {
        Some("blue")
    } else if name.contains("BLANC") {
        Some("white")
    } else if name.contains("ROUGE") {
        Some("red")
    } else {
        None
    }
}

/// The STGE flags that say something is wrong when raised: the terminal cover is open, a
/// phase is over-voltage, the reference power is exceeded, the clock is degraded. The others
/// (dry contact, producer, injecting) are states, not faults.
pub const WARNING_FLAGS: [&str; 4] = ["cover_open", "overvoltage", "overload", "clock_degraded"];

/// The raised [`WARNING_FLAGS`] of a status register, in the order of `status_flags`.
fn status_warnings(s: Stge) -> Vec<&'static str> {
    status_flags(s)
        .into_iter()
        .filter(|&(name, on)| on && WARNING_FLAGS.contains(&name))
        .map(|(name, _)| name)
        .collect()
}

/// Causes of trouble the API advises on, at most.
const ADVICE_COUNT: usize = 3;

/// The answer to a query string `/api/v1/meters` does not accept.
pub const BAD_QUERY: &str =
    "bad query: history must be given at most once, as history=true or history=false\n";

/// Whether the history is wanted, from the query string of `/api/v1/meters`.
///
/// Only `history=true` and `history=false` are accepted (once): any other value, a bare
/// `history` or a repeated one is an error rather than a guess, because a client that wrote
/// `history=False` or `history=off` and silently got the full history back would never learn
/// that its polls are twenty times heavier than it meant. Other parameters are ignored (a
/// cache buster such as `_=1733580002` must not break a poll), as the README says.
pub fn wants_history(query: Option<&str>) -> Result<bool, &'static str> {
    let mut wanted = None;
    for pair in query.unwrap_or("").split('&') {
        let (key, value) = match pair.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (pair, None),
        };
        if key != "history" {
            continue;
        }
        let v = match value {
            Some("true") => true,
            Some("false") => false,
            _ => return Err(BAD_QUERY),
        };
        if wanted.replace(v).is_some() {
            return Err(BAD_QUERY);
        }
    }
    Ok(wanted.unwrap_or(true))
}

/// Builds the response from a scrape snapshot and each meter's source and history (`handles`
/// in the order of the snapshot's meters).
pub fn build(
    snapshot: &Snapshot,
    handles: &[Arc<MeterHandle>],
    with_history: bool,
) -> MetersResponse {
    let now = snapshot.now;
    let meters = snapshot
        .meters
        .iter()
        .zip(handles)
        .map(|(m, handle)| {
            let state = handle.lock();
            meter_json(m, &handle.source, &state.history, snapshot, with_history)
        })
        .collect();
    MetersResponse {
        version: env!("CARGO_PKG_VERSION"),
        now_unix_seconds: now,
        stale_after_seconds: snapshot.stale_after,
        // Saturates: a host clock beyond i64 seconds gives a wrong day, not a panic.
        today_start_unix_seconds: local_midnight(crate::history::floor_seconds(now)),
        meters,
    }
}

/// Serialises a response; these types always serialise.
pub fn to_json(response: &MetersResponse) -> String {
    serde_json::to_string(response).unwrap_or_else(|_| "{}".to_owned())
}

/// Seconds with millisecond precision, so that the JSON stays short.
fn millis(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The first of `labels` about phase `n` (in the label table) that the meter has.
fn first_of(m: &Meter, labels: &[Label], n: u8) -> Option<u64> {
    labels
        .iter()
        .filter(|l| l.facts().phase == n)
        .find_map(|&l| m.number(l))
}

fn cutoff_name(d: CutoffDevice) -> &'static str {
    match d {
        CutoffDevice::Closed => "closed",
        CutoffDevice::OpenOverPower => "open_over_power",
        CutoffDevice::OpenOverVoltage => "open_over_voltage",
        CutoffDevice::OpenLoadShedding => "open_load_shedding",
        CutoffDevice::OpenRemoteOrder => "open_remote_order",
        CutoffDevice::OpenOverheatingHighCurrent => "open_overheating_high_current",
        CutoffDevice::OpenOverheatingLowCurrent => "open_overheating_low_current",
        CutoffDevice::Reserved => "reserved",
    }
}

/// One entry per phase the meter has (none before its first frame).
fn phases_json(m: &Meter) -> Vec<PhaseJson> {
    let phases = match (m.mode(), m.three_phase()) {
        (None, _) => 0,
        (Some(_), false) => 1,
        (Some(_), true) => 3,
    };
    let presence = m.phase_presence();
    (1..=phases)
        .map(|n: u8| {
            let overload_label = overload_currents(m).find(|l| l.facts().phase == n);
            PhaseJson {
                phase: n,
                current_amperes: first_of(m, CURRENTS, n),
                voltage_volts: first_of(m, VOLTAGES, n),
                apparent_power_va: first_of(m, PHASE_POWERS, n),
                overload_current_amperes: overload_label.map(|l| m.number(l).unwrap_or(0)),
                overload_excess_amperes: overload_label.and_then(|l| m.overload_excess_amperes(l)),
                absent: presence.map(|p| p.absent(n)),
            }
        })
        .collect()
}

/// The tariff: option, calendar, the period now and every period's index and energy today.
fn tariff_json(m: &Meter, h: &history::History, today: Option<history::TodayEnergy>) -> TariffJson {
    let active = m.active_period().map(|(label, _)| label);
    let periods = PERIOD_LABELS
        .iter()
        .enumerate()
        .filter_map(|(i, &label)| {
            let index_wh = m.number(label)?;
            let name = h.period_name(label);
            Some(PeriodJson {
                period: label.name(),
                name: name.map(str::to_owned),
                index_wh,
                today_wh: today.map(|t| t.periods_wh[i]),
                active: active == Some(label),
                kind: period_kind(label, name),
                color: period_color(label, name),
            })
        })
        .collect();
    TariffJson {
        option: m.tariff_option().map(str::to_owned),
        calendar: m.tariff_name().map(str::to_owned),
        period: active.map(Label::name),
        period_name: m.active_period().map(|(_, name)| name.to_owned()),
        period_kind: m
            .active_period()
            .and_then(|(label, name)| period_kind(label, Some(name))),
        period_color: m
            .active_period()
            .and_then(|(label, name)| period_color(label, Some(name))),
        periods,
    }
}

/// Reading health: the counters of `/metrics` and the link doctor's advice.
fn health_json(m: &Meter, now: f64) -> HealthJson {
    let d = &m.health().decoder;
    let received = d.groups + d.checksum_errors;
    HealthJson {
        last_frame_unix_seconds: m.health().last_frame,
        frame_age_seconds: m.health().last_frame.map(|t| millis((now - t).max(0.0))),
        frames_total: d.clean_frames,
        groups_total: d.groups,
        checksum_errors_total: d.checksum_errors,
        checksum_error_ratio: (received > 0)
            .then(|| (d.checksum_errors as f64 / received as f64 * 1e6).round() / 1e6),
        frame_errors_total: d.format_errors
            + m.health().value_errors
            + d.size_errors
            + d.interrupted
            + m.health().implausible
            + m.health().out_of_range,
        bytes_total: d.bytes,
        reconnects_total: m.health().reconnects,
        cooked_tty: m.health().cooked_tty,
        line_errors: crate::doctor::counts(d, m.health().doctor_counts())
            .into_iter()
            .map(|(cause, n)| (cause.name, n))
            .collect(),
        advice: crate::doctor::top(d, m.health().doctor_counts(), ADVICE_COUNT)
            .into_iter()
            .map(|(cause, count)| AdviceJson {
                cause: cause.name,
                count,
                advice: cause.advice,
            })
            .collect(),
    }
}

/// The cost account as of `now`: windows of today and this month, French time.
fn cost_json(ledger: &Ledger, now: f64) -> CostJson {
    #[expect(clippy::cast_possible_truncation, reason = "Unix seconds fit an i64")]
    let now = now.floor() as i64;
    let window = |w: cost::ledger::Window| {
        let options = ledger
            .comparison(&w, now)
            .into_iter()
            .map(|c| OptionCostJson {
                option: c.option.name(),
                own: c.own,
                euros: c.euros,
                subscription_euros_per_month: c.subscription,
                with_subscription_euros: c.with_subscription,
            })
            .collect();
        CostWindowJson {
            since_unix_seconds: w.since,
            euros: cost::ledger::euros(w.own),
            options,
        }
    };
    let prices: Vec<_> = ledger.prices_now().collect();
    CostJson {
        option: ledger.option_name().map(str::to_owned),
        subscription_euros_per_month: ledger.subscription(),
        unpriced_energy_wh: ledger.unpriced_wh(),
        today: window(ledger.today(now)),
        month: window(ledger.month(now)),
        periods: ledger
            .period_costs()
            .map(|(label, euros)| PeriodCostJson {
                period: label.name(),
                price_euros_per_kwh: prices.iter().find(|p| p.0 == label).map(|p| p.1),
                euros,
            })
            .collect(),
    }
}

fn meter_json(
    m: &Meter,
    source: &SourceConfig,
    h: &history::History,
    snapshot: &Snapshot,
    with_history: bool,
) -> MeterJson {
    let now = snapshot.now;
    let up = m.is_up(now, snapshot.stale_after);
    let state = match (up, m.health().last_frame) {
        (true, _) => "up",
        (false, None) => "waiting",
        (false, Some(_)) => "down",
    };
    let phases = phases_json(m);
    let today = h.today(now);
    let tariff = tariff_json(m, h, today);
    let producer = m.producer();

    let health = health_json(m, now);

    MeterJson {
        name: m.name().to_owned(),
        source: source.spec.to_string(),
        state,
        up,
        source_open: m.health().open,
        mode: m.mode().map(Mode::as_str),
        three_phase: m.three_phase(),
        producer,
        serial: m.serial().map(str::to_owned),
        apparent_power_va: m.apparent_power_va(),
        injected_power_va: m.number(Label::Sinsti),
        reference_power_va: m.number(Label::Pref).map(|k| k.saturating_mul(1000)),
        cutoff_power_va: m.number(Label::Pcoup).map(|k| k.saturating_mul(1000)),
        subscribed_current_amperes: m.number(Label::Isousc),
        subscribed_power_va: m.subscribed_power_va(),
        phases,
        overload: m.overload(),
        overload_events: m.overload_events(),
        energy_drawn_wh: m.energy_drawn_wh(),
        energy_injected_wh: m.number(Label::Eait),
        energy_today_wh: today.map(|t| t.drawn_wh),
        energy_injected_today_wh: today.filter(|_| producer).map(|t| t.injected_wh),
        today_since_unix_seconds: today.map(|t| t.since),
        tariff,
        tempo: tempo_colors(m).map(|[today, tomorrow]| TempoJson { today, tomorrow }),
        mobile_peak: mobile_peak(m).map(|[notice, active]| MobilePeakJson { notice, active }),
        relays: m.relays().map(|r| {
            (1..=8)
                .map(|n| RelayJson {
                    relay: n,
                    closed: r.closed(n),
                })
                .collect()
        }),
        status_flags: m.stge().map(|s| status_flags(s).into_iter().collect()),
        status_warnings: m.stge().map(status_warnings),
        cutoff_device: m.stge().map(|s| cutoff_name(s.cutoff_device())),
        cost: m.cost().map(|ledger| cost_json(ledger, now)),
        health,
        history: with_history.then(|| HistoryJson {
            power_24h: h.power_24h(now),
            energy_per_hour: h.energy_per_hour(now),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_starts_at_french_midnight_whatever_the_host_time_zone() {
        let at = |now: f64| {
            let snapshot = Snapshot {
                meters: Vec::new(),
                now,
                stale_after: 30.0,
            };
            build(&snapshot, &[], false).today_start_unix_seconds
        };
        // 2024-07-15 12:00 UTC is 14:00 in Paris (summer time): midnight was 22:00 UTC.
        assert_eq!(at(1_721_044_800.0), 1_721_044_800 - 14 * 3600);
        // 2024-01-15 23:30 UTC is already 00:30 on the 16th in Paris (winter time).
        assert_eq!(at(1_705_361_400.5), 1_705_361_400 - 1800);
    }

    #[test]
    fn frame_errors_total_sums_every_kind_of_teleinfo_frame_errors_total() {
        let mut m = Meter::new("home");
        let h = m.health_mut();
        h.decoder.format_errors = 1;
        h.value_errors = 2;
        h.decoder.size_errors = 4;
        h.decoder.interrupted = 8;
        h.implausible = 16;
        h.out_of_range = 32;
        let snapshot = Snapshot {
            meters: vec![m],
            now: 0.0,
            stale_after: 30.0,
        };
        let source: SourceConfig = "home=demo".parse().unwrap();
        let response = build(&snapshot, &[Arc::new(MeterHandle::new(source))], false);
        assert_eq!(response.meters[0].health.frame_errors_total, 63);
    }

    #[test]
    fn a_period_is_known_by_its_historic_label_or_its_supplier_words() {
        let kc = |label: &str, name: Option<&str>| {
            let label = Label::lookup(Mode::Historic, label.as_bytes())
                .or_else(|| Label::lookup(Mode::Standard, label.as_bytes()))
                .unwrap();
            (period_kind(label, name), period_color(label, name))
        };
        assert_eq!(kc("BASE", Some("TH..")), (Some("base"), None));
        assert_eq!(kc("HCHC", Some("HC..")), (Some("off_peak"), None));
        assert_eq!(kc("HCHP", None), (Some("peak"), None));
        assert_eq!(kc("EJPHN", Some("HN..")), (Some("normal"), None));
        assert_eq!(kc("EJPHPM", Some("PM..")), (Some("mobile_peak"), None));
        assert_eq!(
            kc("BBRHCJB", Some("HCJB")),
            (Some("off_peak"), Some("blue"))
        );
        assert_eq!(kc("BBRHPJW", None), (Some("peak"), Some("white")));
        assert_eq!(kc("BBRHPJR", Some("HPJR")), (Some("peak"), Some("red")));
        // Standard mode: the supplier's words.
        assert_eq!(kc("EASF02", Some("HP  BLEU")), (Some("peak"), Some("blue")));
        assert_eq!(
            kc("EASF01", Some("HC  BLANC")),
            (Some("off_peak"), Some("white"))
        );
        assert_eq!(kc("EASF03", Some("HEURE CREUSE")), (Some("off_peak"), None));
        assert_eq!(kc("EASF04", Some("HEURES PLEINES")), (Some("peak"), None));
        assert_eq!(kc("EASF01", Some(" base ")), (Some("base"), None));
        assert_eq!(
            kc("EASF01", Some("INDEX NON CONSO")),
            (Some("production_only"), None)
        );
        assert_eq!(kc("EASF05", Some("JOUR ROUGE")), (None, Some("red")));
        // "HC" inside a word is not off-peak; no name, no meaning.
        assert_eq!(kc("EASF06", Some("ACHCX")), (None, None));
        assert_eq!(kc("EASF06", None), (None, None));
        // A historic label keeps its own meaning whatever PTEC says.
        assert_eq!(kc("HCHP", Some("HC  BLEU")), (Some("peak"), None));
    }

    #[test]
    fn only_the_fault_flags_are_warnings() {
        assert_eq!(status_warnings(Stge(0)), Vec::<&str>::new());
        // Dry contact open (bit 0), producer (8), injecting (9): states, not faults.
        assert_eq!(
            status_warnings(Stge(1 | 1 << 8 | 1 << 9)),
            Vec::<&str>::new()
        );
        assert_eq!(
            status_warnings(Stge(1 << 4 | 1 << 8 | 1 << 16)),
            ["cover_open", "clock_degraded"]
        );
        assert_eq!(
            status_warnings(Stge(1 << 6 | 1 << 7)),
            ["overvoltage", "overload"]
        );
    }

    #[test]
    fn history_is_left_out_only_when_asked_with_a_documented_value() {
        assert_eq!(wants_history(None), Ok(true));
        assert_eq!(wants_history(Some("")), Ok(true));
        assert_eq!(wants_history(Some("history=true")), Ok(true));
        assert_eq!(wants_history(Some("history=false")), Ok(false));
        assert_eq!(wants_history(Some("x=1&&history=false&y")), Ok(false));
        for bad in [
            "history=0",
            "history=no",
            "history=False",
            "history=",
            "history",
            "history=false&history=false",
        ] {
            assert_eq!(wants_history(Some(bad)), Err(BAD_QUERY), "{bad}");
        }
    }
}
