//! A bounded, in-memory history of each meter for the live page: apparent power over the last
//! 24 hours, energy per hour over the last 48 hours, and today's energy per tariff period.
//!
//! It is kept apart from [`Meter`] on purpose: a `Meter` is cloned on every scrape, and a
//! thousand meters must stay cheap to copy. A `History` is allocated once, at its full size
//! (about 20 KB), and never grows: the power points and hourly buckets are ring buffers whose
//! slots are tagged with the time step or hour they hold, so a stale slot is recognised and
//! reused without any clean-up pass. There is no disk: a restart starts an empty history
//! (Prometheus keeps the long one).
//!
//! Energy comes only from the index values the `Meter` exposes, which already passed the
//! plausibility filter. The history adds its own guard on top, because it works on
//! differences: a decrease (meter replaced, counter reset, mode switch) or a jump faster than
//! the cut-off power allows (a jump the filter accepted as a new baseline) starts a new
//! baseline and counts nothing, so energy is never negative and never absurd. Energy that
//! appears between two readings is spread evenly over the time between them: after a gap in
//! the readings (source down for two hours), each hour and "today" get their share instead
//! of the last minute getting everything.
//!
//! "Today" is the French local day (see [`crate::localtime`]): its counters restart at local
//! midnight. Before the exporter has been reading since midnight, today counts from the first
//! reading, and says so (`since`).

use serde::Serialize;

use crate::localtime::{local_day, local_midnight};
use crate::meter::Meter;
use crate::meter::plausibility::{POWER_MARGIN, SLACK_WH, Stamp};
use crate::meter::text::ShortText;
use crate::tic::{Label, Mode};

/// Power points kept: 24 hours of two-minute points. Two minutes is finer than a phone (or
/// most screens) can draw over 24 h, and halves the memory of a one-minute series: with a
/// thousand meters in one exporter that is 17 MB saved.
pub const POWER_POINTS: usize = 720;
/// Seconds per power point.
pub const POWER_STEP_SECONDS: i64 = 120;
/// Hourly energy buckets kept: 48 hours, so today can be compared with yesterday.
pub const HOUR_BUCKETS: usize = 48;
/// Seconds per energy bucket.
pub const HOUR_SECONDS: i64 = 3600;

/// [`POWER_POINTS`] and [`HOUR_BUCKETS`] for time arithmetic (checked at compile time: a
/// const cannot call `try_from`, and both are small).
const POWER_POINTS_I64: i64 = 720;
const HOUR_BUCKETS_I64: i64 = 48;
const _: () = assert!(
    POWER_POINTS_I64.unsigned_abs() == POWER_POINTS as u64
        && HOUR_BUCKETS_I64.unsigned_abs() == HOUR_BUCKETS as u64
);

/// The indexes whose energy today is counted per tariff period: the historic option indexes
/// and the standard-mode supplier indexes.
pub use crate::meter::PERIOD_INDEXES as PERIOD_LABELS;

const PERIODS: usize = PERIOD_LABELS.len();

/// One point (two minutes) of apparent power. Empty while `count` and `injected_count` are 0.
#[derive(Clone, Copy, Debug, Default)]
struct PowerSlot {
    /// Unix time / POWER_STEP_SECONDS of the point this slot holds.
    minute: i64,
    count: u16,
    injected_count: u16,
    avg: f32,
    max: u32,
    injected_avg: f32,
}

/// Energy of one hour, Wh (fractional: energy between two readings is spread over them).
#[derive(Clone, Copy, Debug, Default)]
struct HourBucket {
    /// Unix time / 3600 of the hour this bucket holds.
    hour: i64,
    used: bool,
    drawn: f64,
    injected: f64,
}

/// Differences of one energy counter between readings.
#[derive(Clone, Copy, Debug, Default)]
struct Counter {
    /// The last value and when it was first read (the rate check measures from there).
    value: Option<(u64, Stamp)>,
    /// Host time of the last reading, whatever its value: new energy grew since then.
    seen: f64,
}

impl Counter {
    /// Takes a reading. Returns the energy grown since the previous reading and the host time
    /// of that reading, or `None`: first reading, value absent, unchanged, decreased, or
    /// grown faster than `max_power_va` allows (then the value is the new baseline).
    fn observe(&mut self, value: Option<u64>, at: Stamp, max_power_va: f64) -> Option<(u64, f64)> {
        let Some(v) = value else {
            self.value = None;
            return None;
        };
        let previous_seen = std::mem::replace(&mut self.seen, at.host);
        let (last, first_read) = self.value.replace((v, at))?;
        if v == last {
            self.value = Some((last, first_read));
            return None;
        }
        let growth = v.checked_sub(last)?;
        let hours = at.since(&first_read) / 3600.0;
        let plausible = growth <= SLACK_WH || growth as f64 <= max_power_va * POWER_MARGIN * hours;
        plausible.then_some((growth, previous_seen))
    }
}

/// Today's counters.
#[derive(Clone, Copy, Debug)]
struct Day {
    /// French local day number.
    day: i64,
    /// Host time the counts start: local midnight, or the first reading after it.
    since: f64,
    drawn: f64,
    injected: f64,
    periods: [f64; PERIODS],
}

/// Today's energy, as read by the API.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TodayEnergy {
    /// Unix time the counts start: local midnight, or the exporter's first reading today.
    pub since: f64,
    pub drawn_wh: u64,
    pub injected_wh: u64,
    /// Per [`PERIOD_LABELS`] entry.
    pub periods_wh: [u64; PERIODS],
}

/// Apparent power over the last 24 hours, one point per two minutes, oldest first; `null` where
/// nothing was read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerSeries {
    /// Unix time of the first point's minute.
    pub start_unix_seconds: i64,
    pub step_seconds: i64,
    /// Mean of the readings of each minute, VA.
    pub avg_va: Vec<Option<u32>>,
    /// Highest reading of each minute, VA.
    pub max_va: Vec<Option<u32>>,
    /// Mean apparent power injected (producers), VA; `null` for a meter that never injected.
    pub injected_avg_va: Option<Vec<Option<u32>>>,
}

/// Energy per hour over the last 48 hours, oldest first; `null` where nothing was read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnergySeries {
    /// Unix time of the first bucket's hour.
    pub start_unix_seconds: i64,
    pub step_seconds: i64,
    pub drawn_wh: Vec<Option<u64>>,
    /// Energy injected (producers), Wh; `null` for a meter that never injected.
    pub injected_wh: Option<Vec<Option<u64>>>,
}

/// The bounded history of one meter.
#[derive(Debug)]
pub struct History {
    power: Box<[PowerSlot]>,
    hours: Box<[HourBucket]>,
    drawn: Counter,
    injected: Counter,
    periods: [Counter; PERIODS],
    /// The name (PTEC or LTARF) last seen while each period was active.
    period_names: [Option<ShortText>; PERIODS],
    today: Option<Day>,
    mode: Option<Mode>,
    last_record: Option<f64>,
    ever_injected: bool,
}

impl Default for History {
    fn default() -> Self {
        Self::new()
    }
}

impl History {
    /// An empty history, allocated at its full size.
    pub fn new() -> History {
        History {
            power: vec![PowerSlot::default(); POWER_POINTS].into_boxed_slice(),
            hours: vec![HourBucket::default(); HOUR_BUCKETS].into_boxed_slice(),
            drawn: Counter::default(),
            injected: Counter::default(),
            periods: [Counter::default(); PERIODS],
            period_names: [None; PERIODS],
            today: None,
            mode: None,
            last_record: None,
            ever_injected: false,
        }
    }

    /// Records the meter's state right after a frame was applied to it at `at`.
    pub fn record(&mut self, meter: &Meter, at: Stamp) {
        let Some(mode) = meter.mode() else {
            return;
        };
        let now = at.host;
        if !now.is_finite() {
            return;
        }
        if self.mode != Some(mode) {
            // Historic and standard indexes are different counters: start new baselines.
            self.drawn = Counter::default();
            self.injected = Counter::default();
            self.periods = [Counter::default(); PERIODS];
            self.mode = Some(mode);
        }
        self.roll_day(now);

        let injected_va = meter.number(Label::Sinsti);
        self.add_power(now, meter.apparent_power_va(), injected_va);

        let max_power = meter.max_power_va();
        if let Some((wh, from)) = self.drawn.observe(meter.energy_drawn_wh(), at, max_power) {
            self.add_energy(wh as f64, from, now, false);
        }
        if let Some((wh, from)) = self
            .injected
            .observe(meter.number(Label::Eait), at, max_power)
        {
            self.ever_injected = true;
            self.add_energy(wh as f64, from, now, true);
        }
        for (i, &label) in PERIOD_LABELS.iter().enumerate() {
            if let Some((wh, from)) = self.periods[i].observe(meter.number(label), at, max_power) {
                let share = self.today_share(wh as f64, from, now);
                if let Some(today) = &mut self.today {
                    today.periods[i] += share;
                }
            }
        }
        if let Some((label, name)) = meter.active_period()
            && let Some(i) = PERIOD_LABELS.iter().position(|&l| l == label)
        {
            self.period_names[i] = Some(ShortText::new(name));
        }
        self.last_record = Some(now);
    }

    /// Starts a new day's counters when `now` is on another local day than the current ones.
    fn roll_day(&mut self, now: f64) {
        let unix = floor_seconds(now);
        let day = local_day(unix);
        if self.today.is_some_and(|t| t.day == day) {
            return;
        }
        let midnight = local_midnight(unix) as f64;
        // Readings before midnight mean the exporter was there at midnight.
        let since = match self.last_record {
            Some(last) if last < midnight => midnight,
            _ => now,
        };
        self.today = Some(Day {
            day,
            since,
            drawn: 0.0,
            injected: 0.0,
            periods: [0.0; PERIODS],
        });
    }

    /// The part of `wh`, grown evenly between `from` and `to`, that falls into today.
    fn today_share(&self, wh: f64, from: f64, to: f64) -> f64 {
        let Some(today) = &self.today else {
            return 0.0;
        };
        if to <= from {
            return if to >= today.since { wh } else { 0.0 };
        }
        let start = from.max(today.since);
        if start >= to {
            0.0
        } else {
            wh * (to - start) / (to - from)
        }
    }

    fn add_power(&mut self, now: f64, drawn_va: Option<u64>, injected_va: Option<u64>) {
        if drawn_va.is_none() && injected_va.is_none() {
            return;
        }
        let minute = floor_seconds(now / POWER_STEP_SECONDS as f64);
        let slot = &mut self.power[ring_slot(minute, POWER_POINTS)];
        if slot.minute != minute {
            *slot = PowerSlot {
                minute,
                ..PowerSlot::default()
            };
        }
        // Running means; the counts saturate (a replay at full speed can send thousands of
        // frames in a minute), which only makes later readings weigh a little more.
        if let Some(va) = drawn_va {
            let va = u32::try_from(va).unwrap_or(u32::MAX);
            slot.count = slot.count.saturating_add(1);
            slot.avg += (va as f32 - slot.avg) / f32::from(slot.count);
            slot.max = slot.max.max(va);
        }
        if let Some(va) = injected_va {
            self.ever_injected |= va > 0;
            slot.injected_count = slot.injected_count.saturating_add(1);
            slot.injected_avg += (va as f32 - slot.injected_avg) / f32::from(slot.injected_count);
        }
    }

    /// Adds `wh`, grown evenly between `from` and `to`, to the hourly buckets and to today.
    fn add_energy(&mut self, wh: f64, from: f64, to: f64, injected: bool) {
        let share = self.today_share(wh, from, to);
        if let Some(today) = &mut self.today {
            if injected {
                today.injected += share;
            } else {
                today.drawn += share;
            }
        }
        let hour_of = |t: f64| floor_seconds(t / HOUR_SECONDS as f64);
        if to <= from || !from.is_finite() {
            self.bucket(hour_of(to), wh, injected);
            return;
        }
        // Only the last 48 hours have buckets; older energy of a long gap is dropped.
        let span = to - from;
        let mut t = from.max(to - (HOUR_BUCKETS_I64 * HOUR_SECONDS) as f64);
        while t < to {
            let hour = hour_of(t);
            let end = (((hour + 1) * HOUR_SECONDS) as f64).min(to);
            self.bucket(hour, wh * (end - t) / span, injected);
            t = end;
        }
    }

    fn bucket(&mut self, hour: i64, wh: f64, injected: bool) {
        let b = &mut self.hours[ring_slot(hour, HOUR_BUCKETS)];
        if !b.used || b.hour != hour {
            *b = HourBucket {
                hour,
                used: true,
                ..HourBucket::default()
            };
        }
        if injected {
            b.injected += wh;
        } else {
            b.drawn += wh;
        }
    }

    /// Today's energy at `now`, or `None` when nothing was read yet on this local day.
    pub fn today(&self, now: f64) -> Option<TodayEnergy> {
        let today = self.today?;
        if today.day != local_day(floor_seconds(now)) {
            return None;
        }
        let wh = round_wh;
        Some(TodayEnergy {
            since: today.since,
            drawn_wh: wh(today.drawn),
            injected_wh: wh(today.injected),
            periods_wh: today.periods.map(wh),
        })
    }

    /// The name (PTEC or LTARF, trimmed) last seen while the period of `label` was active.
    pub fn period_name(&self, label: Label) -> Option<&str> {
        let i = PERIOD_LABELS.iter().position(|&l| l == label)?;
        self.period_names[i].as_ref().map(ShortText::as_str)
    }

    /// True until the first reading is recorded.
    pub fn is_empty(&self) -> bool {
        self.last_record.is_none()
    }

    /// True once the meter reported injected power or energy.
    pub fn ever_injected(&self) -> bool {
        self.ever_injected
    }

    /// The POWER_POINTS points that end with the point of `now`.
    pub fn power_24h(&self, now: f64) -> PowerSeries {
        let last = floor_seconds(now / POWER_STEP_SECONDS as f64);
        let first = last - (POWER_POINTS_I64 - 1);
        let slots = (first..=last).map(|minute| {
            let s = self.power[ring_slot(minute, POWER_POINTS)];
            (s.minute == minute).then_some(s)
        });
        let mut avg_va = Vec::with_capacity(POWER_POINTS);
        let mut max_va = Vec::with_capacity(POWER_POINTS);
        let mut injected = Vec::with_capacity(if self.ever_injected { POWER_POINTS } else { 0 });
        for s in slots {
            let drawn = s.filter(|s| s.count > 0);
            avg_va.push(drawn.map(|s| round_va(s.avg)));
            max_va.push(drawn.map(|s| s.max));
            if self.ever_injected {
                let inj = s.filter(|s| s.injected_count > 0);
                injected.push(inj.map(|s| round_va(s.injected_avg)));
            }
        }
        PowerSeries {
            start_unix_seconds: first * POWER_STEP_SECONDS,
            step_seconds: POWER_STEP_SECONDS,
            avg_va,
            max_va,
            injected_avg_va: self.ever_injected.then_some(injected),
        }
    }

    /// The 48 hourly buckets that end with the hour of `now`.
    pub fn energy_per_hour(&self, now: f64) -> EnergySeries {
        let last = floor_seconds(now / HOUR_SECONDS as f64);
        let first = last - (HOUR_BUCKETS_I64 - 1);
        let wh = round_wh;
        let buckets: Vec<Option<HourBucket>> = (first..=last)
            .map(|hour| {
                let b = self.hours[ring_slot(hour, HOUR_BUCKETS)];
                (b.used && b.hour == hour).then_some(b)
            })
            .collect();
        EnergySeries {
            start_unix_seconds: first * HOUR_SECONDS,
            step_seconds: HOUR_SECONDS,
            drawn_wh: buckets.iter().map(|b| b.map(|b| wh(b.drawn))).collect(),
            injected_wh: self
                .ever_injected
                .then(|| buckets.iter().map(|b| b.map(|b| wh(b.injected))).collect()),
        }
    }
}

/// The slot of a ring buffer of `len` slots that holds step `key` (a minute or an hour).
fn ring_slot(key: i64, len: usize) -> usize {
    let len = i64::try_from(len).expect("ring buffers have a few hundred slots");
    // rem_euclid of a positive length is in 0..len, which fits a usize.
    usize::try_from(key.rem_euclid(len)).expect("0 <= slot < len")
}

/// A host time (seconds, or minutes or hours of them) floored to a whole step.
#[allow(
    clippy::cast_possible_truncation,
    reason = "saturating on purpose: a host clock beyond i64 seconds gives a wrong step, not \
              a panic (and NaN gives 0); real clocks are around 1.8e9 s"
)]
pub(crate) fn floor_seconds(t: f64) -> i64 {
    t.floor() as i64
}

/// Energy accumulated in Wh (fractional, never negative by construction) to whole Wh.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "clamped at 0 and rounded first; the sum of a meter's energy over two days is \
              far below u64::MAX (and `as` saturates)"
)]
fn round_wh(x: f64) -> u64 {
    x.max(0.0).round() as u64
}

/// The mean of apparent powers (u32 VA readings) to whole VA.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a mean of u32 readings is within 0..=u32::MAX (and `as` saturates); rounded first"
)]
fn round_va(x: f32) -> u32 {
    x.round() as u32
}

#[cfg(test)]
mod tests;
