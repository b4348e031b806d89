//! Meter semantics, independent of Prometheus: what the last frames said, which values are
//! current, and the health of the source that reads the meter.
//!
//! [`Meter::apply`] takes one complete frame and a time stamp. The rules (docs/metrics.md,
//! "Frame semantics"):
//! - valid groups of a frame always update their value, even if other groups were dropped;
//! - only a clean frame (no dropped group) says anything about absent groups: a group absent
//!   from a clean long frame is forgotten, and ADPS/ADIRn (sent only while overloaded) go
//!   back to zero;
//! - a three-phase short frame (ADIRn, ADCO, IINST1-3) updates currents and overload only;
//! - energy indexes and instantaneous values (power, current, voltage) pass the
//!   [plausibility] filters;
//! - label values read from the line settle over a few frames ([`text::Settled`]).

pub mod plausibility;
pub mod text;

use crate::tic::label::{Quantity, labels_where};
use crate::tic::stge::TempoColor;
use crate::tic::value::{OwnedReading, PhasePresence, Reading, Relays, TariffPeriod};
use crate::tic::{DecoderStats, Frame, Horodate, Label, Mode, Stge};
use plausibility::{
    DEFAULT_MAX_POWER_VA, EnergyFilter, Limits, RangeFilter, Stamp, VOLTS_PER_AMPERE, Verdict,
};
use text::{Settled, ShortText};

use std::sync::Arc;

use crate::cost::{Ledger, PriceBook};

/// Whole Unix seconds of a host time stamp.
#[expect(
    clippy::cast_possible_truncation,
    reason = "host times are Unix seconds of this era, far inside i64; `as` saturates anyway"
)]
fn unix_seconds(host: f64) -> i64 {
    host.floor() as i64
}

const LABELS: usize = Label::ALL.len();

/// The historic option indexes, whose sum is the total energy drawn.
pub const HISTORIC_INDEXES: &[Label] = &labels_where!(l => matches!(
    l.facts().quantity, Quantity::PeriodIndex) && matches!(l.mode(), Mode::Historic));

/// The indexes whose growth makes the total energy drawn, in each mode: the option's indexes
/// in historic mode, EAST alone in standard mode.
fn drawn_indexes(mode: Mode) -> &'static [Label] {
    match mode {
        Mode::Historic => HISTORIC_INDEXES,
        Mode::Standard => &[Label::East],
    }
}

/// The standard-mode supplier indexes EASF01…EASF10 (NTARF n feeds the n-th).
pub const SUPPLIER_INDEXES: &[Label] = &labels_where!(l => matches!(
    l.facts().quantity, Quantity::PeriodIndex) && matches!(l.mode(), Mode::Standard));

/// Every index of a tariff period (`teleinfo_index_wh_total`): the historic option indexes,
/// then the supplier indexes (the label table's order).
pub const PERIOD_INDEXES: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::PeriodIndex));

/// The energy counters the plausibility filter watches, in a fixed order.
const ENERGY_LABELS: &[Label] = &labels_where!(l => l.facts().energy_counter());

/// ADPS and ADIRn: sent only while a phase is above the subscription, so their presence is
/// the historic overload signal.
const OVERLOAD_CURRENTS: &[Label] =
    &labels_where!(l => matches!(l.facts().quantity, Quantity::OverloadCurrent));

/// Labels a three-phase short frame may carry.
const SHORT_FRAME_LABELS: [Label; 7] = [
    Label::Adir1,
    Label::Adir2,
    Label::Adir3,
    Label::Adco,
    Label::Iinst1,
    Label::Iinst2,
    Label::Iinst3,
];

fn energy_slot(label: Label) -> Option<usize> {
    ENERGY_LABELS.iter().position(|&l| l == label)
}

// A kept reading is no larger than the number-or-text slot it replaced: copying a meter for
// a scrape costs what it did.
const _: () = assert!(std::mem::size_of::<Option<OwnedReading>>() <= 24);

/// Counters and state of the source that reads a meter.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Health {
    /// The source is open (device present, TCP connected, replay running).
    pub open: bool,
    /// Host Unix time the source was last opened; frames older than this do not make the
    /// meter up.
    pub opened_at: Option<f64>,
    /// Re-opens after the source was lost.
    pub reconnects: u64,
    /// The decoder's counters (bytes, frames, errors) since the exporter started.
    pub decoder: DecoderStats,
    /// Energy index values rejected by the plausibility filter (a decrease, or growth
    /// beyond the cut-off power).
    pub implausible: u64,
    /// Instantaneous values (power, current, voltage) outside the range their label allows
    /// ([`Limits::range`]), not taken. Apart from `implausible`: a corrupted power reading
    /// costs one sample of a gauge, a corrupted index would cost a dashboard's energy.
    pub out_of_range: u64,
    /// Values that passed the decoder but not their typed parse (e.g. NTARF 00).
    pub value_errors: u64,
    /// The stream looks like it went through a tty in cooked mode.
    pub cooked_tty: bool,
    /// Host Unix time of the last complete frame.
    pub last_frame: Option<f64>,
    /// Frames of the other mode not taken (yet) because the switch had not settled.
    pub ignored_frames: u64,
    /// Switches between historic and standard mode taken. Each restarts the meter's values
    /// from the new mode's, except the energy drawn, which goes on (see [`Meter::apply`]).
    pub mode_switches: u64,
    /// Energy counters that jumped or started afresh: an index jump confirmed as a new
    /// baseline (a long gap), another meter by its serial number (replaced, or a mode switch
    /// to another serial number).
    pub rebases: u64,
    /// Speeds tried on a serial port that gave no valid group (speed detection).
    pub wrong_speeds: u64,
}

impl Health {
    /// What the link doctor needs besides the decoder's counters.
    pub fn doctor_counts(&self) -> crate::doctor::MeterCounts {
        crate::doctor::MeterCounts {
            implausible: self.implausible + self.out_of_range,
            wrong_speeds: self.wrong_speeds,
        }
    }
}

/// A group whose value passed the decoder's shape checks but does not read as its label's
/// type; counted in [`Health::value_errors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the value of {0:?} does not read as its type")]
pub struct ValueError(pub Label);

/// Everything known about one meter.
#[derive(Clone, Debug)]
pub struct Meter {
    name: String,
    health: Health,
    mode: Option<Mode>,
    three_phase: bool,
    /// The last typed reading of each label (`None`: not in the last frame that could tell).
    slots: [Option<OwnedReading>; LABELS],
    energy: [EnergyFilter; ENERGY_LABELS.len()],
    /// One per label, used only by the labels [`Limits::range`] checks.
    ranges: [RangeFilter; LABELS],
    serial: Settled,
    tariff_option: Settled,
    tariff_name: Settled,
    period_name: Settled,
    /// DATE as Unix time, and meter time minus host time when its frame ended.
    meter_time: Option<(i64, f64)>,
    overload: bool,
    overload_events: u64,
    /// A mode different from `mode` seen in consecutive clean frames, with the serial number
    /// they carried.
    pending_mode: Option<(Mode, Option<ShortText>, u8)>,
    /// The total energy drawn, EAST or the sum of the historic indexes, continued across
    /// changes of the indexes it is made of (see [`Meter::update_drawn_total`]).
    drawn_total: Option<u64>,
    /// The accepted value of each of the mode's [`drawn_indexes`] when the total was last
    /// updated (in their order; the rest stays `None`).
    drawn_seen: [Option<u64>; HISTORIC_INDEXES.len()],
    /// The cost account, with a price file (`--prices`). Boxed: a meter without prices, and
    /// each scrape's copy of it, does not carry its size.
    cost: Option<Box<Ledger>>,
}

impl Meter {
    /// A meter with nothing read yet. `name` is the `meter` label.
    pub fn new(name: impl Into<String>) -> Meter {
        Meter {
            name: name.into(),
            health: Health::default(),
            mode: None,
            three_phase: false,
            slots: [None; LABELS],
            energy: [EnergyFilter::default(); ENERGY_LABELS.len()],
            ranges: [RangeFilter::default(); LABELS],
            serial: Settled::default(),
            tariff_option: Settled::default(),
            tariff_name: Settled::default(),
            period_name: Settled::default(),
            meter_time: None,
            overload: false,
            overload_events: 0,
            pending_mode: None,
            drawn_total: None,
            drawn_seen: [None; HISTORIC_INDEXES.len()],
            cost: None,
        }
    }

    /// Prices the meter's energy from now on with `book`.
    pub fn set_prices(&mut self, book: Arc<PriceBook>) {
        self.cost = Some(Box::new(Ledger::new(book)));
    }

    /// The cost account, when a price file was given.
    pub fn cost(&self) -> Option<&Ledger> {
        self.cost.as_deref()
    }

    /// The `meter` label.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The source's health counters.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Mutable access to the health counters (the source loop keeps them).
    pub fn health_mut(&mut self) -> &mut Health {
        &mut self.health
    }

    /// The mode of the last frame.
    pub fn mode(&self) -> Option<Mode> {
        self.mode
    }

    /// True once a three-phase group was seen.
    pub fn three_phase(&self) -> bool {
        self.three_phase
    }

    /// The last typed reading of a label.
    pub fn reading(&self, label: Label) -> Option<&OwnedReading> {
        self.slots[label as usize].as_ref()
    }

    /// The last value of a measure or count, in its unit ([`Reading::number`]).
    pub fn number(&self, label: Label) -> Option<u64> {
        self.reading(label).and_then(Reading::number)
    }

    /// The last value of a text or identifier label, as sent.
    pub fn text(&self, label: Label) -> Option<&str> {
        match self.reading(label)? {
            Reading::Text(t) | Reading::Identifier(t) => Some(t.as_str()),
            _ => None,
        }
    }

    /// The current tariff period (PTEC), historic mode.
    pub fn period(&self) -> Option<TariffPeriod> {
        match self.reading(Label::Ptec)? {
            Reading::Period(p) => Some(*p),
            _ => None,
        }
    }

    /// Tomorrow's Tempo colour (DEMAIN), historic mode: `Some(None)` while not announced.
    pub fn tomorrow(&self) -> Option<Option<TempoColor>> {
        match self.reading(Label::Demain)? {
            Reading::Tomorrow(c) => Some(*c),
            _ => None,
        }
    }

    /// Which phases are absent (PPOT), three-phase historic mode.
    pub fn phase_presence(&self) -> Option<PhasePresence> {
        match self.reading(Label::Ppot)? {
            Reading::PhasePresence(p) => Some(*p),
            _ => None,
        }
    }

    /// The relays (RELAIS), standard mode.
    pub fn relays(&self) -> Option<Relays> {
        match self.reading(Label::Relais)? {
            Reading::Relays(r) => Some(*r),
            _ => None,
        }
    }

    /// The TIC version (VTIC), standard mode.
    pub fn tic_version(&self) -> Option<u8> {
        match self.reading(Label::Vtic)? {
            Reading::Version(v) => Some(*v),
            _ => None,
        }
    }

    /// The settled serial number (ADCO / ADSC).
    pub fn serial(&self) -> Option<&str> {
        self.serial.get()
    }

    /// The settled tariff option (OPTARIF), historic mode.
    pub fn tariff_option(&self) -> Option<&str> {
        self.tariff_option.get()
    }

    /// The settled, trimmed supplier calendar name (NGTF), standard mode.
    pub fn tariff_name(&self) -> Option<&str> {
        self.tariff_name.get()
    }

    /// The settled, trimmed current tariff label (LTARF), standard mode.
    pub fn period_name(&self) -> Option<&str> {
        self.period_name.get()
    }

    /// DATE as Unix time and the meter clock's offset from the host clock, in seconds.
    pub fn meter_time(&self) -> Option<(i64, f64)> {
        self.meter_time
    }

    /// True while the meter signals an overload.
    pub fn overload(&self) -> bool {
        self.overload
    }

    /// Transitions of the overload signal from off to on.
    pub fn overload_events(&self) -> u64 {
        self.overload_events
    }

    /// The source was opened at host time `now`.
    pub fn source_opened(&mut self, now: f64) {
        let health = self.health_mut();
        health.open = true;
        health.opened_at = Some(now);
    }

    /// The source was lost (or ended): the meter is down at once, whatever `stale_after`.
    pub fn source_closed(&mut self) {
        self.health_mut().open = false;
    }

    /// True while the source is open and a frame arrived within `stale_after` seconds, since
    /// the source was last opened: a lost source is down at once, and a re-opened one (the
    /// adapter stayed, the meter went silent) is up again only with a new frame.
    pub fn is_up(&self, now: f64, stale_after: f64) -> bool {
        let opened_at = self.health.opened_at;
        self.health.open
            && self.health.last_frame.is_some_and(|t| {
                now - t <= stale_after && opened_at.is_none_or(|opened| t >= opened)
            })
    }

    /// The status register, in standard mode.
    pub fn stge(&self) -> Option<Stge> {
        match self.reading(Label::Stge)? {
            Reading::Status(s) => Some(*s),
            _ => None,
        }
    }

    /// The cut-off power used by the plausibility filter, in VA.
    pub fn max_power_va(&self) -> f64 {
        if let Some(kva) = self.number(Label::Pcoup).filter(|&k| k > 0) {
            return kva as f64 * 1000.0;
        }
        self.isousc_power_va()
            .map_or(DEFAULT_MAX_POWER_VA, |va| va as f64)
    }

    /// What the subscription allows the instantaneous values to be, as known before a frame.
    fn limits(&self) -> Limits {
        Limits {
            power_va: self.max_power_va(),
            phases: if self.three_phase { 3 } else { 1 },
            producer: self.producer(),
        }
    }

    /// The subscribed apparent power, VA: PREF × 1000 in standard mode, ISOUSC × 200 V per
    /// phase in historic mode; `None` before either is read (or when it reads 0).
    ///
    /// Here rather than in the live page so that the page never re-derives the meter's rule
    /// (ISOUSC = PREF / 200 V, per phase on a three-phase meter: tic-protocol.md §4a, §4b).
    /// The recording rule `teleinfo:subscribed_power_va` states the same rule in PromQL.
    pub fn subscribed_power_va(&self) -> Option<u64> {
        self.number(Label::Pref)
            .filter(|&kva| kva > 0)
            .map(|kva| kva.saturating_mul(1000))
            .or_else(|| self.isousc_power_va())
    }

    /// ISOUSC × 200 V per phase (historic mode), when ISOUSC is read and not 0.
    fn isousc_power_va(&self) -> Option<u64> {
        let amps = self.number(Label::Isousc).filter(|&a| a > 0)?;
        let phases = if self.three_phase { 3 } else { 1 };
        Some(amps.saturating_mul(VOLTS_PER_AMPERE * phases))
    }

    /// How far the current of an overloaded phase is above the subscribed current, A.
    ///
    /// ADPS / ADIRn (`overload_label`) carry the phase *current itself*, sent only while it
    /// exceeds ISOUSC (tic-protocol.md §4a, §4b: ISOUSC is per phase on a three-phase meter),
    /// not the excess: ADPS 026 on a 20 A subscription is 6 A over. `None` when that phase
    /// is not overloaded or ISOUSC was not read yet (a three-phase meter that starts in an
    /// overload sends short frames without it). A reading at or below ISOUSC (the meter
    /// compares before rounding) is 0 A over.
    pub fn overload_excess_amperes(&self, overload_label: Label) -> Option<u64> {
        let current = self.number(overload_label)?;
        Some(current.saturating_sub(self.number(Label::Isousc)?))
    }

    /// Total active energy drawn: EAST, or the sum of the historic indexes, continued across
    /// changes of the set of indexes and across mode switches (docs/metrics.md).
    pub fn energy_drawn_wh(&self) -> Option<u64> {
        self.drawn_total
    }

    /// Apparent power drawn now (PAPP, or SINSTS in standard mode), VA.
    pub fn apparent_power_va(&self) -> Option<u64> {
        self.number(Label::Papp)
            .or_else(|| self.number(Label::Sinsts))
    }

    /// True for a meter that injects: the STGE producer bit, or injection values present.
    pub fn producer(&self) -> bool {
        self.stge().is_some_and(Stge::producer)
            || self.number(Label::Eait).is_some()
            || self.number(Label::Sinsti).is_some()
    }

    /// The tariff period now: the index label energy is counted on, and the period's name.
    pub fn active_period(&self) -> Option<(Label, &str)> {
        match self.mode? {
            Mode::Historic => {
                let period = self.period()?;
                Some((period.index_label(), period.code()))
            }
            Mode::Standard => {
                let Reading::TariffIndex(n) = *self.reading(Label::Ntarf)? else {
                    return None;
                };
                let label = *SUPPLIER_INDEXES.get(usize::from(n).checked_sub(1)?)?;
                Some((label, self.period_name().unwrap_or("")))
            }
        }
    }

    /// Takes in the decoder's counters after a read (they include every byte and error).
    pub fn record_decoder(&mut self, stats: DecoderStats, cooked_tty: bool) {
        self.health.decoder = stats;
        self.health.cooked_tty = cooked_tty;
    }

    /// Applies one complete frame received at `at`.
    ///
    /// A frame of the other mode is ignored until the switch settles; the switch then
    /// restarts every value from the new mode's, except the energy drawn, which goes on (a
    /// new serial number with it makes it another meter, whose counters start afresh).
    pub fn apply(&mut self, frame: &Frame<'_>, at: Stamp) {
        let mode = frame.mode();
        if let Some(current) = self.mode.filter(|&m| m != mode) {
            // A frame of the other mode. Enedis does switch a Linky between historic and
            // standard mode, but a stray frame must not wipe the state: the switch is taken
            // after SETTLE_FRAMES clean frames in a row of the new mode and serial number.
            let serial = frame
                .groups()
                .find(|g| matches!(g.label, Some(Label::Adco | Label::Adsc)))
                .map(|g| ShortText::new(g.value));
            let seen = match self.pending_mode {
                Some((m, s, n)) if m == mode && s == serial => n + 1,
                _ => 1,
            };
            if !frame.is_clean() || seen < text::SETTLE_FRAMES {
                self.pending_mode = frame.is_clean().then_some((mode, serial, seen));
                self.health.ignored_frames += 1;
                return;
            }
            self.switch_mode(current, mode, serial);
        }
        self.pending_mode = None;
        self.mode = Some(mode);
        let mut clean = frame.is_clean();
        let short = mode == Mode::Historic
            && frame
                .groups()
                .all(|g| g.label.is_some_and(|l| SHORT_FRAME_LABELS.contains(&l)));
        let mut seen = [false; LABELS];
        // From the frames before: a frame is judged as a whole against one subscription.
        let limits = self.limits();
        for group in frame.groups() {
            let Some(label) = group.label else {
                continue; // unknown labels are kept by the decoder but not exported
            };
            if let Err(ValueError(_)) =
                self.take(label, group.text(), group.horodate, clean, &limits, at)
            {
                self.health.value_errors += 1;
                clean = false;
                continue;
            }
            seen[label as usize] = true;
        }
        if clean {
            self.forget_absent(&seen, short, mode);
        }
        if !short {
            self.update_drawn_total(mode, clean);
            if let Some(mut cost) = self.cost.take() {
                cost.record(self, unix_seconds(at.host));
                self.cost = Some(cost);
            }
        }
        let overload = match mode {
            Mode::Historic => OVERLOAD_CURRENTS.iter().any(|&l| self.number(l).is_some()),
            Mode::Standard => self.stge().is_some_and(Stge::overload),
        };
        if overload && !self.overload {
            self.overload_events += 1;
        }
        self.overload = overload;
        self.health.last_frame = Some(at.host);
    }

    /// A clean frame says which groups are absent: their values are forgotten. A short
    /// frame only says so of the overload currents (it never carries the indexes).
    fn forget_absent(&mut self, seen: &[bool; LABELS], short: bool, mode: Mode) {
        let forget: &[Label] = if short {
            &[Label::Adir1, Label::Adir2, Label::Adir3]
        } else {
            Label::ALL
        };
        for &label in forget {
            if !seen[label as usize] {
                self.slots[label as usize] = None;
            }
        }
        if short {
            return;
        }
        let absent = |l: Label| !seen[l as usize];
        if absent(Label::Date) {
            self.meter_time = None;
        }
        if mode == Mode::Standard {
            if absent(Label::Ngtf) {
                self.tariff_name.observe(ShortText::default());
            }
            if absent(Label::Ltarf) {
                self.period_name.observe(ShortText::default());
            }
        }
    }

    /// The total drawn is the sum of the mode's indexes (EAST alone in standard mode),
    /// continued across changes of the set of indexes: it starts as the sum in the first
    /// frame that has them all, then grows by the growth of each index since the last frame.
    /// Each index is filtered and never goes back, so neither does the total; an index that
    /// appears later (the contract changed from Base to HC, or noise that passed every
    /// check) adds only what it grows from then on, and one that leaves adds nothing. A plain
    /// sum would drop when the set changes and count the new indexes again as energy. While
    /// the set stays the same the total equals the sum, so in standard mode it is EAST.
    fn update_drawn_total(&mut self, mode: Mode, clean: bool) {
        let indexes = drawn_indexes(mode);
        let mut now = [None; HISTORIC_INDEXES.len()];
        for (value, &label) in now.iter_mut().zip(indexes) {
            *value = self.energy_value(label);
        }
        match self.drawn_total {
            // A sum starts only from a clean frame, where no index was dropped: one missing
            // would start the total too low for good. EAST alone needs no such frame.
            None if (clean || indexes.len() == 1) && now.iter().any(Option::is_some) => {
                self.drawn_total = Some(now.iter().flatten().sum());
            }
            None => return,
            Some(total) => {
                let growth: u64 = now
                    .iter()
                    .zip(&self.drawn_seen)
                    .filter_map(|(now, seen)| now.zip(*seen))
                    .map(|(now, seen)| now.saturating_sub(seen))
                    .sum();
                self.drawn_total = Some(total.saturating_add(growth));
            }
        }
        self.drawn_seen = now;
    }

    /// The meter switched from `from` to `to` mode (settled over [`text::SETTLE_FRAMES`]
    /// frames that carried `serial`).
    ///
    /// The values restart from the new mode's, as for a new meter: its labels, its indexes
    /// and their period series are other ones (HCHC/HCHP stop, EASF01/EASF02 start from the
    /// meter's values). The energy drawn does not: it is the same meter drawing the same
    /// energy, so `teleinfo_energy_drawn_wh_total` goes on from where it was and grows by the
    /// new mode's growth, its indexes being indexes that appear
    /// ([`Meter::update_drawn_total`]). Prometheus sees neither a counter reset, after which
    /// `increase()` would count the whole new index as energy, nor a jump by the difference
    /// of two unrelated totals. What the meter drew while the switch settled (a few frames)
    /// is not counted: nothing relates the old mode's total to the new one's.
    ///
    /// A new mode with another serial number is another meter: its total starts afresh, a
    /// counter reset counted in [`Health::rebases`] as for [`Meter::replaced`]. Without a
    /// serial number on either side nothing says so, and the total goes on.
    fn switch_mode(&mut self, from: Mode, to: Mode, serial: Option<ShortText>) {
        let another_meter = self
            .serial
            .get()
            .zip(serial)
            .is_some_and(|(old, new)| old != new.as_str());
        let name = std::mem::take(&mut self.name);
        let (health, drawn_total) = (self.health, self.drawn_total);
        let mut cost = self.cost.take();
        *self = Meter::new(name);
        self.health = health;
        // The money spent goes on; the new mode's indexes are a new baseline.
        if let Some(cost) = &mut cost {
            cost.rebaseline();
        }
        self.cost = cost;
        self.health.mode_switches += 1;
        if another_meter {
            tracing::info!(meter = %self.name, serial = serial.as_ref().map_or("", ShortText::as_str),
                "the meter switched from {from} to {to} mode with a new serial number: \
                another meter; its energy counters start afresh");
            self.health.rebases += 1;
        } else {
            tracing::info!(meter = %self.name,
                "the meter switched from {from} to {to} mode; its energy total goes on");
            self.drawn_total = drawn_total;
        }
    }

    /// The last accepted value of an energy index (kept while the label is absent).
    fn energy_value(&self, label: Label) -> Option<u64> {
        energy_slot(label).and_then(|i| self.energy[i].value())
    }

    /// The settled serial number changed: another meter (a replaced one, or the adapter
    /// moved). Its indexes are not a continuation of the old ones, so every energy counter
    /// starts afresh from them: a counter reset that Prometheus sees, counted in
    /// [`Health::rebases`].
    fn replaced(&mut self) {
        tracing::info!(meter = %self.name, serial = self.serial.get().unwrap_or(""),
            "new serial number: another meter; its energy counters start afresh");
        for filter in &mut self.energy {
            filter.reset();
        }
        // The old meter's indexes are not the new one's: withdrawn until the new meter sends
        // its own (found by the pipeline fuzzer: the old index stayed on /metrics after the
        // declared reset, and the new meter's lower one then looked like a decrease).
        for &label in ENERGY_LABELS {
            self.slots[label as usize] = None;
        }
        self.drawn_total = None;
        self.drawn_seen = [None; HISTORIC_INDEXES.len()];
        if let Some(cost) = &mut self.cost {
            cost.rebaseline();
        }
        self.health.rebases += 1;
    }

    /// Stores one valid group as its typed reading. `Err` when its value does not read as
    /// its label's type (the decoder checked its shape, not its meaning: NTARF 00, an STGE or
    /// a horodate that does not read).
    fn take(
        &mut self,
        label: Label,
        value: &str,
        horodate: Option<&str>,
        clean: bool,
        limits: &Limits,
        at: Stamp,
    ) -> Result<(), ValueError> {
        let bad = || ValueError(label);
        let reading = crate::tic::value::reading(label, value).map_err(|_| bad())?;
        let slot = match reading {
            Reading::MeterTime => {
                let h = Horodate::parse(horodate.ok_or_else(bad)?.as_bytes()).map_err(|_| bad())?;
                let t = h.unix_time().map_err(|_| bad())?;
                self.meter_time = Some((t, t as f64 - at.host));
                None
            }
            // Long texts and schedules are not exported (nor cut to fit a ShortText).
            Reading::MobilePeakBoundary => None,
            Reading::Text(_) if value.len() > ShortText::CAPACITY => None,
            _ => {
                if let Some(n) = reading.number()
                    && !self.admit(label, n, clean, limits, at)
                {
                    return Ok(()); // keep the last accepted value
                }
                Some(reading.into_owned())
            }
        };
        match label {
            Label::Adco | Label::Adsc if self.serial.observe(ShortText::new(value)) => {
                self.replaced()
            }
            Label::Optarif => _ = self.tariff_option.observe(ShortText::new(value)),
            Label::Ngtf => _ = self.tariff_name.observe(ShortText::new(value)),
            Label::Ltarf => _ = self.period_name.observe(ShortText::new(value)),
            _ => {}
        }
        if label.facts().three_phase {
            self.three_phase = true;
        }
        self.slots[label as usize] = slot;
        Ok(())
    }

    /// Whether a number passes its label's plausibility filter: an energy counter's, or the
    /// range of an instantaneous value ([`Limits::range`]). A value refused is counted.
    fn admit(&mut self, label: Label, n: u64, clean: bool, limits: &Limits, at: Stamp) -> bool {
        if let Some(i) = energy_slot(label) {
            match self.energy[i].offer(n, at, clean, limits.power_va) {
                Verdict::Accepted => {}
                Verdict::Rebased => self.health.rebases += 1,
                Verdict::Rejected => {
                    self.health.implausible += 1;
                    return false;
                }
            }
        } else if let Some(range) = limits.range(label)
            && self.ranges[label as usize].offer(n, range, clean) == Verdict::Rejected
        {
            // Keep the last value, read a frame or two ago: for a one-off corruption it is
            // the best estimate, where withdrawing it would make the series flap (a gap at a
            // scrape, a broken `for:` clause).
            self.health.out_of_range += 1;
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests;
