//! Every metric family of docs/metrics.md, as one table: name, help, declared type, scope,
//! labels and the function that finds its samples (node_exporter's `typedDesc`).
//!
//! The order of the table is the order of `/metrics`. A new metric is one row here and, when
//! its samples need more than one label's value, one small emit function; a test checks the
//! table against docs/metrics.md both ways.

use std::fmt;

use super::family::{Emit, Family, Scope, Series, Type};
use super::{
    CURRENTS, NUMBERS, PHASE_POWERS, VOLTAGES, mobile_peak, overload_currents, phase_name,
    status_flags, tempo_colors,
};
use crate::cost::{Builtin, Ledger};
use crate::meter::{Meter, PERIOD_INDEXES};
use crate::tic::Label;
use crate::tic::label::{Quantity, labels_where};

use Scope::{Meter as M, Period as P, Phase as Ph, Process, Source as S};
use Type::{Counter, Flag, Gauge, Info};

/// Shorthand for a row whose samples come from each meter.
const fn row(
    name: &'static str,
    help: &'static str,
    kind: Type,
    scope: Scope,
    labels: &'static [&'static str],
    emit: fn(&Meter, &mut Series<'_, '_>) -> fmt::Result,
) -> Family {
    Family {
        name,
        help,
        kind,
        scope,
        labels,
        emit: Emit::Meter(emit),
    }
}

const METER: &[&str] = &["meter"];
const PHASE: &[&str] = &["meter", "phase"];
const PERIOD: &[&str] = &["meter", "period"];
const DAY: &[&str] = &["meter", "day"];
const OPTION: &[&str] = &["meter", "option"];

/// The families, in exposition order (docs/metrics.md's order).
#[rustfmt::skip]
pub(crate) static FAMILIES: &[Family] = &[
    // ---- meter values ----
    row("teleinfo_index_wh", "Energy index by tariff period (historic option index or EASFnn), Wh.",
        Counter, P, PERIOD, |m, out| by_name(m, out, PERIOD_INDEXES)),
    row("teleinfo_distributor_index_wh", "Energy index by distributor period (EASDnn), Wh.",
        Counter, P, PERIOD, |m, out| by_name(m, out, DISTRIBUTOR_INDEXES)),
    row("teleinfo_energy_drawn_wh", "Total active energy drawn (EAST, or the sum of the historic indexes), Wh.",
        Counter, M, METER, |m, out| one(m, out, m.energy_drawn_wh())),
    row("teleinfo_energy_injected_wh", "Total active energy injected (EAIT, producers), Wh.",
        Counter, M, METER, |m, out| one(m, out, m.number(Label::Eait))),
    row("teleinfo_reactive_energy_varh", "Total reactive energy by quadrant (ERQ1-4, producers), varh.",
        Counter, M, &["meter", "quadrant"], reactive),
    row("teleinfo_active_period", "The tariff period now (=1): the index it feeds and its name (PTEC or LTARF).",
        Info, P, &["meter", "period", "name"], active_period),
    row("teleinfo_papp_va", "Apparent power drawn (PAPP or SINSTS), VA.",
        Gauge, M, METER, |m, out| one(m, out, m.apparent_power_va())),
    row("teleinfo_phase_papp_va", "Apparent power drawn per phase (SINSTS1-3), VA.",
        Gauge, Ph, PHASE, |m, out| per_phase(m, out, PHASE_POWERS)),
    row("teleinfo_injected_papp_va", "Apparent power injected (SINSTI), VA.",
        Gauge, M, METER, |m, out| one(m, out, m.number(Label::Sinsti))),
    row("teleinfo_iinst_amperes", "RMS current per phase (IINST, IINST1-3, IRMS1-3), A.",
        Gauge, Ph, PHASE, |m, out| per_phase(m, out, CURRENTS)),
    row("teleinfo_imax_amperes", "Maximum current per phase (IMAX, IMAX1-3; constant on Linky), A.",
        Gauge, Ph, PHASE, |m, out| per_phase(m, out, MAX_CURRENTS)),
    row("teleinfo_voltage_volts", "RMS voltage per phase (URMS1-3), V.",
        Gauge, Ph, PHASE, |m, out| per_phase(m, out, VOLTAGES)),
    row("teleinfo_average_voltage_volts", "Mean voltage over 10 minutes per phase (UMOY1-3), V.",
        Gauge, Ph, PHASE, |m, out| per_phase(m, out, AVERAGE_VOLTAGES)),
    row("teleinfo_max_papp_va", "Maximum apparent power drawn today or yesterday (SMAXSN, SMAXSN-1, PMAX), VA.",
        Gauge, M, DAY, |m, out| by_day(m, out, MAX_POWERS)),
    row("teleinfo_phase_max_papp_va", "Maximum apparent power drawn per phase today or yesterday (SMAXSNn, SMAXSNn-1), VA.",
        Gauge, Ph, &["meter", "phase", "day"], phase_max_papp),
    row("teleinfo_max_injected_papp_va", "Maximum apparent power injected today or yesterday (SMAXIN, SMAXIN-1), VA.",
        Gauge, M, DAY, |m, out| by_day(m, out, MAX_INJECTED_POWERS)),
    row("teleinfo_load_curve_watts", "Active power of the last two load-curve points (CCASN, CCASN-1, CCAIN, CCAIN-1), W.",
        Gauge, M, &["meter", "direction", "point"], load_curve),
    row("teleinfo_subscribed_current_amperes", "Subscribed current (ISOUSC), A.",
        Gauge, M, METER, |m, out| one(m, out, m.number(Label::Isousc))),
    row("teleinfo_reference_power_va", "Reference (subscribed) apparent power (PREF × 1000), VA.",
        Gauge, M, METER, |m, out| one(m, out, kva(m, Label::Pref))),
    row("teleinfo_cutoff_power_va", "Cut-off apparent power (PCOUP × 1000), VA.",
        Gauge, M, METER, |m, out| one(m, out, kva(m, Label::Pcoup))),
    row("teleinfo_phase_absent", "1 when a phase is absent or below its reference voltage (PPOT, three-phase).",
        Flag, Ph, PHASE, phase_absent),
    row("teleinfo_meter_time_seconds", "The meter's clock (DATE) as Unix time, seconds.",
        Gauge, M, METER, |m, out| one(m, out, m.meter_time().map(|(t, _)| t))),
    row("teleinfo_meter_clock_offset_seconds", "Meter clock minus host clock when the frame ended, seconds.",
        Gauge, M, METER, |m, out| one(m, out, m.meter_time().map(|(_, offset)| offset))),
    // ---- overload ----
    row("teleinfo_adps_amperes", "Phase current sent while above the subscription (ADPS, ADIR1-3; the current, not the excess); 0 when not overloaded, A.",
        Gauge, Ph, PHASE, adps),
    row("teleinfo_overload", "1 while the meter signals an overload (ADPS, ADIRn, or STGE bit 7).",
        Flag, M, METER, |m, out| one(m, out, Some(m.overload()))),
    row("teleinfo_overload_events", "Overload signal transitions from 0 to 1 (catches overloads shorter than a scrape).",
        Counter, M, METER, |m, out| one(m, out, Some(m.overload_events()))),
    // ---- status and calendar ----
    row("teleinfo_status_flag", "Status flags of the STGE register (0/1).",
        Flag, M, &["meter", "flag"], status_flag),
    row("teleinfo_cutoff_device_state", "State of the cut-off device, STGE bits 1-3 (0 = closed).",
        Gauge, M, METER, |m, out| one(m, out, m.stge().map(|s| u64::from(s.cutoff_device_code())))),
    row("teleinfo_tempo_color", "Tempo colour of today and tomorrow (=1).",
        Info, M, &["meter", "day", "color"], tempo_color),
    row("teleinfo_mobile_peak", "Mobile peak (EJP / PM1-3): notice and active stage, 0 = none.",
        Gauge, M, &["meter", "stage"], mobile_peak_stage),
    row("teleinfo_relay_closed", "1 when relay n is closed (RELAIS; relay 1 is the dry contact).",
        Flag, M, &["meter", "relay"], relay_closed),
    row("teleinfo_meter_info", "Meter identity (=1): serial number, TIC mode, tariff option and name, TIC version.",
        Info, M, &["meter", "serial", "mode", "tariff_option", "tariff_name", "tic_version"], meter_info),
    // ---- cost (--prices) ----
    row("teleinfo_cost_euros", "Cost of the energy drawn per tariff period since start: index growth times the price in force, euros incl. taxes.",
        Counter, P, PERIOD, |m, out| cost_per_period(m, out, Ledger::period_costs)),
    row("teleinfo_price_euros_per_kwh", "Price in force per tariff period (the price file), euros per kWh.",
        Gauge, P, PERIOD, |m, out| cost_per_period(m, out, Ledger::prices_now)),
    row("teleinfo_subscription_euros_per_month", "Subscription of the meter's option at its power (the price file), euros per month.",
        Gauge, M, METER, |m, out| one(m, out, m.cost().and_then(Ledger::subscription))),
    row("teleinfo_option_cost_euros", "Cost of the same energy under each option of the price file that can price it, euros since start.",
        Counter, M, OPTION, |m, out| per_option(m, out, |(_, euros, _)| Some(euros))),
    row("teleinfo_option_subscription_euros_per_month", "Subscription of each compared option at the meter's power, euros per month.",
        Gauge, M, OPTION, |m, out| per_option(m, out, |(_, _, subscription)| subscription)),
    row("teleinfo_unpriced_energy_wh", "Energy drawn that no row of the price file prices, Wh.",
        Counter, M, METER, |m, out| one(m, out, m.cost().map(Ledger::unpriced_wh))),
    // ---- reading health: every meter, up or not ----
    row("teleinfo_up", "1 while the source is open and a frame (clean or with errors) arrived within --stale-after since it was opened.",
        Flag, S, METER, |m, out| {
            let up = m.is_up(out.snapshot.now, out.snapshot.stale_after);
            one(m, out, Some(up))
        }),
    row("teleinfo_last_frame_timestamp_seconds", "Host Unix time of the last frame (clean or with errors), seconds.",
        Gauge, S, METER, |m, out| one(m, out, m.health().last_frame)),
    row("teleinfo_frames", "Complete frames whose every group passed checksum and format checks.",
        Counter, S, METER, |m, out| one(m, out, Some(m.health().decoder.clean_frames))),
    // Valid groups, so that the checksum error ratio can be per group (bad checksums /
    // (valid groups + bad checksums)) as in the API and the alert: `teleinfo_frames` counts
    // clean frames only, and a frame holds 5 to about 70 groups, so no other counter says how
    // many groups came.
    row("teleinfo_groups", "Groups whose checksum and format were valid, inside or outside a frame.",
        Counter, S, METER, |m, out| one(m, out, Some(m.health().decoder.groups))),
    row("teleinfo_checksum_errors", "Groups with a bad checksum.",
        Counter, S, METER, |m, out| one(m, out, Some(m.health().decoder.checksum_errors))),
    row("teleinfo_frame_errors", "Malformed groups, over-long groups or frames, interrupted frames, implausible energy indexes, out-of-range instantaneous values.",
        Counter, S, &["meter", "kind"], frame_errors),
    row("teleinfo_line_errors", "What went wrong on the line, by cause (the link doctor's causes, docs/metrics.md).",
        Counter, S, &["meter", "cause"], line_errors),
    row("teleinfo_bytes", "Bytes read from the source.",
        Counter, S, METER, |m, out| one(m, out, Some(m.health().decoder.bytes))),
    row("teleinfo_source_reconnects", "Attempts to re-open the source after it was lost.",
        Counter, S, METER, |m, out| one(m, out, Some(m.health().reconnects))),
    Family {
        name: "teleinfo_exporter_build_info",
        help: "Build information (=1).",
        kind: Info,
        scope: Process,
        labels: &["version"],
        emit: Emit::Process(|out| out.sample(&[("version", env!("CARGO_PKG_VERSION"))], 1u64)),
    },
];

/// The meter's one series of a family, when it has a value.
fn one<T: Into<super::family::V>>(
    m: &Meter,
    out: &mut Series<'_, '_>,
    value: Option<T>,
) -> fmt::Result {
    match value {
        Some(v) => out.sample(&[("meter", m.name())], v),
        None => Ok(()),
    }
}

/// A kVA setting exported in VA, so that power comparisons need no factor.
fn kva(m: &Meter, label: Label) -> Option<u64> {
    m.number(label).map(|k| k.saturating_mul(1000))
}

/// One series per label the meter has, labelled by the label's name (`period="HCHC"`).
fn by_name(m: &Meter, out: &mut Series<'_, '_>, labels: &[Label]) -> fmt::Result {
    for &l in labels {
        if let Some(v) = m.number(l) {
            out.sample(&[("meter", m.name()), ("period", l.name())], v)?;
        }
    }
    Ok(())
}

/// One series per label the meter has, labelled by the label's phase.
fn per_phase(m: &Meter, out: &mut Series<'_, '_>, labels: &[Label]) -> fmt::Result {
    for &l in labels {
        if let Some(v) = m.number(l) {
            out.sample(&[("meter", m.name()), ("phase", phase_name(l))], v)?;
        }
    }
    Ok(())
}

/// The day a daily maximum is about, as its `day` label.
fn day(l: Label) -> &'static str {
    match l.facts().quantity {
        Quantity::MaxPower(day) | Quantity::MaxInjectedPower(day) => day.as_str(),
        _ => "",
    }
}

/// One series per daily maximum the meter has, labelled by its day.
fn by_day(m: &Meter, out: &mut Series<'_, '_>, labels: &[Label]) -> fmt::Result {
    for &l in labels {
        if let Some(v) = m.number(l) {
            out.sample(&[("meter", m.name()), ("day", day(l))], v)?;
        }
    }
    Ok(())
}

/// The maxima of the whole meter: PMAX (yesterday's, historic), SMAXSN, SMAXSN-1.
const MAX_POWERS: &[Label] = &labels_where!(l =>
    matches!(l.facts().quantity, Quantity::MaxPower(_)) && l.facts().phase == 0);
const PHASE_MAX_POWERS: &[Label] = &labels_where!(l =>
    matches!(l.facts().quantity, Quantity::MaxPower(_)) && l.facts().phase != 0);
const MAX_INJECTED_POWERS: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::MaxInjectedPower(_)));
const DISTRIBUTOR_INDEXES: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::DistributorIndex));
const REACTIVE: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::ReactiveEnergy { .. }));
const LOAD_CURVE: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::LoadCurve { .. }));
const MAX_CURRENTS: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::MaxCurrent));
const AVERAGE_VOLTAGES: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::AverageVoltage));

fn phase_max_papp(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    for &l in PHASE_MAX_POWERS {
        if let Some(v) = m.number(l) {
            out.sample(
                &[
                    ("meter", m.name()),
                    ("phase", phase_name(l)),
                    ("day", day(l)),
                ],
                v,
            )?;
        }
    }
    Ok(())
}

fn reactive(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    for &l in REACTIVE {
        if let (Some(v), Quantity::ReactiveEnergy { quadrant }) = (m.number(l), l.facts().quantity)
        {
            out.sample(
                &[
                    ("meter", m.name()),
                    ("quadrant", NUMBERS[usize::from(quadrant)]),
                ],
                v,
            )?;
        }
    }
    Ok(())
}

fn load_curve(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    for &l in LOAD_CURVE {
        if let (Some(v), Quantity::LoadCurve { injected, previous }) =
            (m.number(l), l.facts().quantity)
        {
            let direction = if injected { "injected" } else { "drawn" };
            let point = if previous { "previous" } else { "current" };
            out.sample(
                &[
                    ("meter", m.name()),
                    ("direction", direction),
                    ("point", point),
                ],
                v,
            )?;
        }
    }
    Ok(())
}

fn active_period(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    match m.active_period() {
        Some((index, name)) => out.sample(
            &[
                ("meter", m.name()),
                ("period", index.name()),
                ("name", name),
            ],
            1u64,
        ),
        None => Ok(()),
    }
}

fn phase_absent(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    let Some(p) = m.phase_presence() else {
        return Ok(());
    };
    for n in 1..=3u8 {
        out.sample(
            &[("meter", m.name()), ("phase", NUMBERS[usize::from(n)])],
            p.absent(n),
        )?;
    }
    Ok(())
}

/// ADPS / ADIRn: absent means not overloaded, so 0, not a missing series.
fn adps(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    for l in overload_currents(m) {
        let current = m.number(l).unwrap_or(0);
        out.sample(&[("meter", m.name()), ("phase", phase_name(l))], current)?;
    }
    Ok(())
}

fn status_flag(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    let Some(s) = m.stge() else { return Ok(()) };
    for (flag, on) in status_flags(s) {
        out.sample(&[("meter", m.name()), ("flag", flag)], on)?;
    }
    Ok(())
}

fn tempo_color(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    let Some([today, tomorrow]) = tempo_colors(m) else {
        return Ok(());
    };
    for (day, color) in [("today", today), ("tomorrow", tomorrow)] {
        out.sample(&[("meter", m.name()), ("day", day), ("color", color)], 1u64)?;
    }
    Ok(())
}

fn mobile_peak_stage(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    let Some([notice, active]) = mobile_peak(m) else {
        return Ok(());
    };
    for (stage, v) in [("notice", notice), ("active", active)] {
        out.sample(&[("meter", m.name()), ("stage", stage)], v)?;
    }
    Ok(())
}

fn relay_closed(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    let Some(r) = m.relays() else {
        return Ok(());
    };
    for n in 1..=8u8 {
        out.sample(
            &[("meter", m.name()), ("relay", NUMBERS[usize::from(n)])],
            r.closed(n),
        )?;
    }
    Ok(())
}

fn meter_info(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    let Some(mode) = m.mode() else { return Ok(()) };
    // VTIC as sent: two digits (its width), without allocating.
    let digits = m.tic_version().map(|v| [b'0' + v / 10 % 10, b'0' + v % 10]);
    let version = digits
        .as_ref()
        .map_or("", |d| std::str::from_utf8(d).unwrap_or(""));
    out.sample(
        &[
            ("meter", m.name()),
            ("serial", m.serial().unwrap_or("")),
            ("mode", mode.as_str()),
            ("tariff_option", m.tariff_option().unwrap_or("")),
            ("tariff_name", m.tariff_name().unwrap_or("")),
            ("tic_version", version),
        ],
        1u64,
    )
}

/// One family for every value not taken, so that one rate (the dashboard's panel, the API's
/// frame_errors_total) sums them, and `kind` tells them apart.
fn frame_errors(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    let h = m.health();
    for (kind, n) in [
        ("format", h.decoder.format_errors + h.value_errors),
        ("size", h.decoder.size_errors),
        ("interrupted", h.decoder.interrupted),
        ("implausible", h.implausible),
        ("out_of_range", h.out_of_range),
    ] {
        out.sample(&[("meter", m.name()), ("kind", kind)], n)?;
    }
    Ok(())
}

fn line_errors(m: &Meter, out: &mut Series<'_, '_>) -> fmt::Result {
    let h = m.health();
    for (cause, n) in crate::doctor::counts(&h.decoder, h.doctor_counts()) {
        out.sample(&[("meter", m.name()), ("cause", cause.name)], n)?;
    }
    Ok(())
}

/// One series per priced index of the meter's cost account, labelled like its index.
fn cost_per_period<'m, I: Iterator<Item = (Label, f64)> + 'm>(
    m: &'m Meter,
    out: &mut Series<'_, '_>,
    values: fn(&'m Ledger) -> I,
) -> fmt::Result {
    let Some(ledger) = m.cost() else {
        return Ok(());
    };
    for (label, v) in values(ledger) {
        out.sample(&[("meter", m.name()), ("period", label.name())], v)?;
    }
    Ok(())
}

/// One series per option the meter's energy is compared under.
fn per_option(
    m: &Meter,
    out: &mut Series<'_, '_>,
    value: fn((Builtin, f64, Option<f64>)) -> Option<f64>,
) -> fmt::Result {
    let Some(ledger) = m.cost() else {
        return Ok(());
    };
    for compared in ledger.compared() {
        if let Some(v) = value(compared) {
            out.sample(&[("meter", m.name()), ("option", compared.0.name())], v)?;
        }
    }
    Ok(())
}
