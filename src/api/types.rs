//! The JSON types of `/api/v1/meters`: the public contract, kept apart from the mapping
//! that fills them (`super`) so that a change of a field shows as a change of this file.
//!
//! Field names are snake_case with the unit in the name, `null` for a value the meter does not
//! send, and fields are only ever added (README, "Live page and JSON API").

use std::collections::BTreeMap;

use serde::Serialize;

use crate::history::{EnergySeries, PowerSeries};

/// The whole response.
#[derive(Debug, Serialize)]
pub struct MetersResponse {
    /// The exporter's version.
    pub version: &'static str,
    /// Host Unix time when the response was made; ages are relative to it.
    pub now_unix_seconds: f64,
    /// `--stale-after`: a meter without a frame (clean or with errors) for this long is down.
    pub stale_after_seconds: f64,
    /// The French local midnight (Europe/Paris) that started today, Unix seconds: the
    /// meter's tariff day and `energy_today_wh` follow French time whatever the host's or
    /// the browser's time zone, so the page highlights "today" from this and not from the
    /// browser's own midnight.
    pub today_start_unix_seconds: i64,
    /// One entry per `--source`, in command-line order.
    pub meters: Vec<MeterJson>,
}

/// One meter.
#[derive(Debug, Serialize)]
pub struct MeterJson {
    /// The `meter` label of `/metrics`.
    pub name: String,
    /// The source as given on the command line (`/dev/ttyAMA0`, `demo:producer`, …).
    pub source: String,
    /// `waiting` (no frame yet), `up`, or `down` (frames came, but not lately or the source
    /// is lost).
    pub state: &'static str,
    /// Same as `teleinfo_up`.
    pub up: bool,
    /// The source is open (device present, TCP connected).
    pub source_open: bool,
    /// `historic` or `standard`; `null` before the first frame.
    pub mode: Option<&'static str>,
    pub three_phase: bool,
    pub producer: bool,
    pub serial: Option<String>,
    pub apparent_power_va: Option<u64>,
    pub injected_power_va: Option<u64>,
    /// PREF × 1000 (standard mode).
    pub reference_power_va: Option<u64>,
    /// PCOUP × 1000 (standard mode).
    pub cutoff_power_va: Option<u64>,
    /// ISOUSC (historic mode), per phase on a three-phase meter.
    pub subscribed_current_amperes: Option<u64>,
    /// The subscription in VA whatever the mode ([`Meter::subscribed_power_va`](crate::meter::Meter::subscribed_power_va)), so that
    /// the page shows "% of the subscription" without knowing the meter's rule.
    pub subscribed_power_va: Option<u64>,
    pub phases: Vec<PhaseJson>,
    pub overload: bool,
    pub overload_events: u64,
    /// Total energy drawn: EAST, or the sum of the historic indexes.
    pub energy_drawn_wh: Option<u64>,
    /// EAIT (producers).
    pub energy_injected_wh: Option<u64>,
    /// Energy drawn since `today_since_unix_seconds` (local midnight, or the first reading
    /// today); `null` when nothing was read today.
    pub energy_today_wh: Option<u64>,
    pub energy_injected_today_wh: Option<u64>,
    pub today_since_unix_seconds: Option<f64>,
    pub tariff: TariffJson,
    pub tempo: Option<TempoJson>,
    pub mobile_peak: Option<MobilePeakJson>,
    pub relays: Option<Vec<RelayJson>>,
    /// The STGE flags of `teleinfo_status_flag` (standard mode).
    pub status_flags: Option<BTreeMap<&'static str, bool>>,
    /// The raised flags among them that call for attention ([`WARNING_FLAGS`](super::WARNING_FLAGS)).
    pub status_warnings: Option<Vec<&'static str>>,
    /// The cut-off device, STGE bits 1-3 (standard mode).
    pub cutoff_device: Option<&'static str>,
    /// What the energy costs (`--prices`); `null` without a price file.
    pub cost: Option<CostJson>,
    pub health: HealthJson,
    /// `null` when asked for with `?history=false`.
    pub history: Option<HistoryJson>,
}

/// One phase (a single-phase meter has phase 1 only).
#[derive(Debug, Serialize)]
pub struct PhaseJson {
    pub phase: u8,
    pub current_amperes: Option<u64>,
    pub voltage_volts: Option<u64>,
    /// SINSTSn (three-phase standard mode).
    pub apparent_power_va: Option<u64>,
    /// ADPS / ADIRn: the phase current, sent while it is above the subscription; 0 when
    /// not overloaded (historic mode).
    pub overload_current_amperes: Option<u64>,
    /// That current minus the subscribed current ([`Meter::overload_excess_amperes`](crate::meter::Meter::overload_excess_amperes));
    /// `null` when the phase is not overloaded or the subscription is not known. The page
    /// displays it as it is: ADPS is not the excess, and the page must not guess which.
    pub overload_excess_amperes: Option<u64>,
    /// PPOT (three-phase historic mode).
    pub absent: Option<bool>,
}

/// The tariff: option, calendar, the period now, and every period's index and energy today.
#[derive(Debug, Serialize)]
pub struct TariffJson {
    /// OPTARIF (historic): `BASE`, `HC..`, `EJP.`, `BBRx`.
    pub option: Option<String>,
    /// NGTF (standard), trimmed.
    pub calendar: Option<String>,
    /// The index energy is counted on now (`HCHP`, `EASF02` …).
    pub period: Option<&'static str>,
    /// PTEC (historic) or LTARF (standard, trimmed).
    pub period_name: Option<String>,
    /// What the period now is ([`period_kind`](super::period_kind)); `null` when unknown.
    pub period_kind: Option<&'static str>,
    /// The Tempo day colour of the period now ([`period_color`](super::period_color)); `null` outside Tempo.
    pub period_color: Option<&'static str>,
    pub periods: Vec<PeriodJson>,
}

/// One tariff period's index.
#[derive(Debug, Serialize)]
pub struct PeriodJson {
    /// The index label (`HCHC`, `EASF01` …).
    pub period: &'static str,
    /// PTEC or LTARF last seen while this period was active.
    pub name: Option<String>,
    pub index_wh: u64,
    pub today_wh: Option<u64>,
    pub active: bool,
    /// As `tariff.period_kind`, for this period.
    pub kind: Option<&'static str>,
    /// As `tariff.period_color`, for this period.
    pub color: Option<&'static str>,
}

/// The meter's cost account (docs/metrics.md, "Cost"): euros taxes included, energy only;
/// the subscription is given apart, per month.
#[derive(Debug, Serialize)]
pub struct CostJson {
    /// The option the meter is billed on (`base`, `hphc`, `tempo`, `ejp`, or a calendar's
    /// name of the price file); `null` when the file prices none the meter reports.
    pub option: Option<String>,
    /// The option's subscription at the meter's power, €/month.
    pub subscription_euros_per_month: Option<f64>,
    /// Energy drawn that no row of the price file prices.
    pub unpriced_energy_wh: u64,
    /// Since French local midnight (or the exporter's start, if later).
    pub today: CostWindowJson,
    /// Since the first of the month, French time (or the exporter's start, if later).
    pub month: CostWindowJson,
    /// Every priced index: its price in force and its cost since the exporter started.
    pub periods: Vec<PeriodCostJson>,
}

/// The cost over a window, and the same energy under each option that can price it.
#[derive(Debug, Serialize)]
pub struct CostWindowJson {
    pub since_unix_seconds: i64,
    pub euros: f64,
    /// Includes the meter's own option (`own: true`), cheapest first, the subscription's
    /// share for the window counted (`with_subscription_euros`).
    pub options: Vec<OptionCostJson>,
}

/// One option of the comparison.
#[derive(Debug, Serialize)]
pub struct OptionCostJson {
    pub option: &'static str,
    pub own: bool,
    /// The energy of the window priced under this option.
    pub euros: f64,
    pub subscription_euros_per_month: Option<f64>,
    /// `euros` plus the subscription for the window's length (€/month × its seconds /
    /// 2 629 800, the mean month); `null` when the file has no subscription for the meter's
    /// power under this option.
    pub with_subscription_euros: Option<f64>,
}

/// One index's price and cost.
#[derive(Debug, Serialize)]
pub struct PeriodCostJson {
    pub period: &'static str,
    pub price_euros_per_kwh: Option<f64>,
    pub euros: f64,
}

/// Tempo colours: `blue`, `white`, `red`, or `unknown` (tomorrow not announced yet).
#[derive(Debug, Serialize)]
pub struct TempoJson {
    pub today: &'static str,
    pub tomorrow: &'static str,
}

/// Mobile peak (EJP, PM1-3): stage 0 = none.
#[derive(Debug, Serialize)]
pub struct MobilePeakJson {
    pub notice: u64,
    pub active: u64,
}

/// One relay of RELAIS (relay 1 is the dry contact).
#[derive(Debug, Serialize)]
pub struct RelayJson {
    pub relay: u8,
    pub closed: bool,
}

/// Reading health: the counters of `/metrics`, and two numbers a person reads directly.
#[derive(Debug, Serialize)]
pub struct HealthJson {
    pub last_frame_unix_seconds: Option<f64>,
    pub frame_age_seconds: Option<f64>,
    pub frames_total: u64,
    /// Valid groups, as `teleinfo_groups_total`.
    pub groups_total: u64,
    pub checksum_errors_total: u64,
    /// Bad-checksum groups / groups received (valid + bad checksum) since the exporter
    /// started; `null` before any group. The one definition of the ratio: the alert
    /// `TeleinfoChecksumErrorsHigh` and the dashboard take the same counters over a window.
    /// Per group and not per frame, because one bad group spoils a whole frame: with noise
    /// nearly every frame has one, and a per-frame ratio reads 97 % where 0.2 % of the
    /// groups were lost.
    pub checksum_error_ratio: Option<f64>,
    /// Malformed, over-long, interrupted, implausible and out of range: the sum of
    /// `teleinfo_frame_errors_total` over its kinds.
    pub frame_errors_total: u64,
    pub bytes_total: u64,
    pub reconnects_total: u64,
    /// The line looks like it went through a tty in cooked mode.
    pub cooked_tty: bool,
    /// `teleinfo_line_errors_total` by cause, since the exporter started (every cause of the
    /// link doctor's table, `src/doctor.rs`, zero or not).
    pub line_errors: BTreeMap<&'static str, u64>,
    /// What to check, for the most frequent causes seen (at most three, most frequent first);
    /// empty on a clean line. The page prints these sentences as they are.
    pub advice: Vec<AdviceJson>,
}

/// One cause of trouble seen on a meter's line and what to check for it.
#[derive(Debug, Serialize)]
pub struct AdviceJson {
    pub cause: &'static str,
    pub count: u64,
    pub advice: &'static str,
}

/// The bounded history kept for the page.
#[derive(Debug, Serialize)]
pub struct HistoryJson {
    pub power_24h: PowerSeries,
    pub energy_per_hour: EnergySeries,
}
