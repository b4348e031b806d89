//! The plausibility filters: energy indexes, and instantaneous values.
//!
//! An index that passed its checksum and width checks can still be wrong (two corrupted digits
//! whose sums cancel), and a wrong energy index ruins every dashboard that computes
//! consumption from it. So a new value is accepted only if it does not decrease and grows no
//! faster than the cut-off power allows over the elapsed time, with a margin. A jump ahead
//! that persists — the exporter or the line was away a long time — becomes the new baseline
//! once [`CONFIRMATIONS`] consecutive clean frames continue plausibly from it.
//!
//! A decrease never becomes the baseline here, however long it persists: the index of a
//! meter never goes down, so a lower value is noise or a capture replayed in a loop, and
//! taking it would make Prometheus see a counter reset and count the whole index again as
//! new energy. The one real decrease, a replaced meter, comes with a new serial number: the
//! meter then starts its filters afresh ([`EnergyFilter::reset`], docs/metrics.md).
//!
//! Instantaneous values (power, current, voltage) can be corrupted the same way: PAPP 02800
//! becomes 72100 when one digit gains 7 and another loses 7, and the checksum cannot tell.
//! Each such label has a range its meter's subscription allows ([`Limits::range`]); a value
//! outside it is not taken ([`RangeFilter`]) unless it persists, which noise does not do.

use std::ops::RangeInclusive;

use crate::tic::Label;
use crate::tic::label::Quantity;

/// When a value was read: host wall clock and line time.
///
/// Line time is bytes received × 10 / baud rate (10 bits per character): a capture replayed
/// at full speed is judged as if it came at line rate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stamp {
    /// Host Unix time, seconds.
    pub host: f64,
    /// Seconds of line time since the source started.
    pub line: f64,
}

impl Stamp {
    /// Elapsed time since `earlier`: the larger of host and line time, never negative.
    pub fn since(&self, earlier: &Stamp) -> f64 {
        (self.host - earlier.host)
            .max(self.line - earlier.line)
            .max(0.0)
    }
}

/// Margin on the cut-off power: a meter cuts the supply well before twice its setting.
pub const POWER_MARGIN: f64 = 2.0;

/// Growth always accepted, whatever the elapsed time: the meter's own granularity (1 Wh) and
/// rounding across one frame.
pub const SLACK_WH: u64 = 16;

/// Clean frames that must continue plausibly from a jump before it becomes the baseline.
pub const CONFIRMATIONS: u8 = 3;

/// Whether a value is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Plausible from the current baseline.
    Accepted,
    /// A persisting jump became the new baseline.
    Rebased,
    /// Rejected; counted as implausible.
    Rejected,
}

/// The filter state of one index.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EnergyFilter {
    baseline: Option<(u64, Stamp)>,
    candidate: Option<(u64, Stamp, u8)>,
}

fn plausible(from: (u64, Stamp), to: (u64, Stamp), max_power_va: f64) -> bool {
    let Some(growth) = to.0.checked_sub(from.0) else {
        return false;
    };
    let hours = to.1.since(&from.1) / 3600.0;
    growth <= SLACK_WH || (growth as f64) <= max_power_va * POWER_MARGIN * hours
}

impl EnergyFilter {
    /// Offers a value read at `at`. `clean` says whether its frame had no bad group (only
    /// clean frames can confirm a jump); `max_power_va` is the meter's cut-off power.
    pub fn offer(&mut self, value: u64, at: Stamp, clean: bool, max_power_va: f64) -> Verdict {
        let Some(baseline) = self.baseline else {
            self.baseline = Some((value, at));
            return Verdict::Accepted;
        };
        if plausible(baseline, (value, at), max_power_va) {
            self.baseline = Some((value, at));
            self.candidate = None;
            return Verdict::Accepted;
        }
        if value < baseline.0 {
            // Never a candidate: see the module documentation.
            self.candidate = None;
            return Verdict::Rejected;
        }
        if clean {
            self.candidate = match self.candidate {
                Some((c, c_at, n)) if plausible((c, c_at), (value, at), max_power_va) => {
                    if n + 1 >= CONFIRMATIONS {
                        self.baseline = Some((value, at));
                        self.candidate = None;
                        return Verdict::Rebased;
                    }
                    Some((value, at, n + 1))
                }
                _ => Some((value, at, 0)),
            };
        }
        Verdict::Rejected
    }

    /// Forgets everything: the next value is taken as it is (a new meter).
    pub fn reset(&mut self) {
        *self = EnergyFilter::default();
    }

    /// The last accepted value.
    pub fn value(&self) -> Option<u64> {
        self.baseline.map(|(v, _)| v)
    }
}

/// Cut-off power assumed until the meter says (36 kVA: the largest residential setting).
pub const DEFAULT_MAX_POWER_VA: f64 = 36_000.0;

/// The meter's own rule between power and current, ISOUSC = PREF / 200 V (per phase on a
/// three-phase meter, tic-protocol.md §4a, §4b). Dividing a power by 200 V rather than the
/// nominal 230 V gives a current bound 15 % higher: on the safe side.
pub const VOLTS_PER_AMPERE: u64 = 200;

/// The voltages taken at once (URMSn, UMOYn), V. The French supply is 230 V ± 10 %
/// (207-253 V), and a voltage sag while a motor starts stays well above 100 V, so a healthy or
/// merely poor supply never leaves this band. A reading outside it is a corrupted digit (238
/// read as 832 or 328: the same digit sum, so the same checksum), except in a real failure —
/// a lost phase reads near 0 V, a broken neutral puts up to 400 V on a phase — and those
/// persist, so they are taken after [`OUT_OF_RANGE_FRAMES`] clean frames.
pub const VOLTS: RangeInclusive<u64> = 100..=300;

/// Highest IMAX allowed whatever the subscription: a Linky sends the constant 090 (single-
/// phase) or 060 (three-phase) as IMAX, not the maximum reached, so a 15 A subscription still
/// reads IMAX 090 (tic-protocol.md §5, item 13). 90 A is also the largest rated current of a
/// residential meter.
pub const RATED_MAX_CURRENT_A: u64 = 90;

/// Clean frames in a row that must carry an out-of-range value of a label before it is
/// taken. Noise corrupts one group of one frame at random; a value out of range in three
/// clean frames in a row is the meter saying so (a lost phase, an overload beyond the
/// margin), and hiding it longer would hide the very event a user wants to see.
pub const OUT_OF_RANGE_FRAMES: u8 = 3;

/// What a meter's subscription allows its instantaneous values to be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// The cut-off power, VA: PCOUP × 1000, or ISOUSC × 200 V per phase, or
    /// [`DEFAULT_MAX_POWER_VA`] (`Meter::max_power_va`).
    pub power_va: f64,
    /// 3 on a three-phase meter, else 1.
    pub phases: u8,
    /// The meter injects: its currents flow both ways, and PCOUP bounds only what it draws
    /// (a production meter sends PCOUP 01 while injecting kilowatts).
    pub producer: bool,
}

impl Limits {
    /// The values `label` can plausibly take, or `None` when the label is not checked here.
    ///
    /// - Power drawn (PAPP, SINSTS): at most [`POWER_MARGIN`] × the cut-off power. A meter
    ///   lets the power above its subscription for a while before it cuts (an overload), but
    ///   not twice the cut-off: the Linky cuts, and in historic mode the breaker set to ISOUSC
    ///   trips within seconds at twice its current.
    /// - Power per phase (SINSTS1-3): the same margin over the phase's share of the cut-off:
    ///   a three-phase meter (or the breaker of a historic one) gives each phase a third of
    ///   the subscription and tests the overload per phase (tic-protocol.md §4b). A real
    ///   overload of one phase (SINSTS1 03576 on a 9 kVA meter, 3 kVA a phase) is well inside.
    /// - Currents (IINST, IINSTn, IRMSn): the same margin over the phase's cut-off current,
    ///   the cut-off power / 200 V / phases (ISOUSC itself in historic mode). A producer's
    ///   currents are bounded by the default cut-off instead, as they also carry injection.
    /// - IMAX, IMAXn: the current bound, but never below [`RATED_MAX_CURRENT_A`].
    /// - Voltages (URMSn, UMOYn): [`VOLTS`].
    ///
    /// Not checked: SINSTI (injection is limited by the producer's connection, which the TIC
    /// does not send), the daily maxima and load-curve points (they record peaks, and a frame
    /// later is too late to tell), ADPS/ADIRn (their presence is the overload signal, and
    /// their value is the phase current, checked as IINSTn), PREF, PCOUP, ISOUSC.
    pub fn range(&self, label: Label) -> Option<RangeInclusive<u64>> {
        let phases = f64::from(self.phases.max(1));
        let power = self.power_va * POWER_MARGIN;
        let current_power = if self.producer {
            self.power_va.max(DEFAULT_MAX_POWER_VA)
        } else {
            self.power_va
        };
        let current = current_power * POWER_MARGIN / phases / VOLTS_PER_AMPERE as f64;
        let up_to = |max: f64| 0..=floor_bound(max);
        let facts = label.facts();
        // By what the label measures (its row of the label table), so that a new label of a
        // known quantity is checked without being listed here.
        Some(match facts.quantity {
            Quantity::ApparentPower if facts.phase == 0 => up_to(power),
            Quantity::ApparentPower => up_to(power / phases),
            Quantity::Current => up_to(current),
            Quantity::MaxCurrent => 0..=floor_bound(current).max(RATED_MAX_CURRENT_A),
            Quantity::Voltage | Quantity::AverageVoltage => VOLTS,
            _ => return None,
        })
    }
}

/// The highest whole value under a bound computed in floating point (power settings times a
/// margin, divided by phases or volts).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "floors and saturates on purpose: the bounds are non-negative and far from \
              u64::MAX, and a NaN bound (never produced) would give 0, the strictest"
)]
fn floor_bound(max: f64) -> u64 {
    max as u64
}

/// The filter state of one instantaneous value: how many of the clean frames in a row that
/// carried the label had it out of its range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RangeFilter {
    run: u8,
}

impl RangeFilter {
    /// Offers a value: [`Verdict::Accepted`] when it is in `range`, or out of it in
    /// [`OUT_OF_RANGE_FRAMES`] clean frames in a row (counting this one); else
    /// [`Verdict::Rejected`]. A frame with a bad group neither adds to the run nor breaks it.
    pub fn offer(&mut self, value: u64, range: RangeInclusive<u64>, clean: bool) -> Verdict {
        if range.contains(&value) {
            self.run = 0;
            return Verdict::Accepted;
        }
        if clean {
            self.run = self.run.saturating_add(1);
        }
        if self.run >= OUT_OF_RANGE_FRAMES {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: f64 = 9000.0; // 9 kVA cut-off

    fn at(s: f64) -> Stamp {
        Stamp { host: s, line: 0.0 }
    }

    #[test]
    fn small_steps_and_power_bounded_growth_pass() {
        let mut f = EnergyFilter::default();
        assert_eq!(f.offer(1_000_000, at(0.0), true, P), Verdict::Accepted);
        // A few Wh in no time at all: the meter's granularity.
        assert_eq!(f.offer(1_000_005, at(0.0), true, P), Verdict::Accepted);
        // 9 kVA × 2 over one hour = 18 kWh.
        assert_eq!(f.offer(1_018_000, at(3600.0), true, P), Verdict::Accepted);
        assert_eq!(f.value(), Some(1_018_000));
    }

    #[test]
    fn decrease_and_jump_are_rejected() {
        let mut f = EnergyFilter::default();
        f.offer(1_000_000, at(0.0), true, P);
        assert_eq!(f.offer(999_999, at(2.0), true, P), Verdict::Rejected);
        // A corrupted digit: +100 000 Wh in 2 s.
        assert_eq!(f.offer(1_100_000, at(4.0), true, P), Verdict::Rejected);
        assert_eq!(f.value(), Some(1_000_000));
        assert_eq!(f.offer(1_000_003, at(6.0), true, P), Verdict::Accepted);
    }

    #[test]
    fn a_persisting_jump_ahead_becomes_the_baseline_after_three_clean_frames() {
        let mut f = EnergyFilter::default();
        f.offer(5_000_000, at(0.0), true, P);
        // The line was away for a long time: 2 MWh more, then plausible growth from there.
        assert_eq!(f.offer(7_000_120, at(2.0), true, P), Verdict::Rejected);
        assert_eq!(f.offer(7_000_121, at(4.0), true, P), Verdict::Rejected);
        assert_eq!(f.offer(7_000_121, at(6.0), false, P), Verdict::Rejected); // not clean: no vote
        assert_eq!(f.offer(7_000_122, at(8.0), true, P), Verdict::Rejected);
        assert_eq!(f.offer(7_000_123, at(10.0), true, P), Verdict::Rebased);
        assert_eq!(f.value(), Some(7_000_123));
        assert_eq!(f.offer(7_000_124, at(12.0), true, P), Verdict::Accepted);
    }

    #[test]
    fn a_persisting_decrease_never_becomes_the_baseline() {
        // A capture replayed in a loop: the index goes back to the capture's first value and
        // grows plausibly from there. Taking it would fabricate a counter reset.
        let mut f = EnergyFilter::default();
        f.offer(52_000_000, at(0.0), true, P);
        for i in 1..100u64 {
            let v = f.offer(51_990_000 + i, at(i as f64 * 2.0), true, P);
            assert_eq!(v, Verdict::Rejected);
        }
        assert_eq!(f.value(), Some(52_000_000));
        // A new meter is told by its serial number, and starts afresh.
        f.reset();
        assert_eq!(f.offer(120, at(300.0), true, P), Verdict::Accepted);
        assert_eq!(f.value(), Some(120));
    }

    #[test]
    fn line_time_counts_when_a_capture_is_replayed_fast() {
        let mut f = EnergyFilter::default();
        f.offer(
            0,
            Stamp {
                host: 0.0,
                line: 0.0,
            },
            true,
            P,
        );
        // Host says 0.01 s, the line says one hour of bytes went by.
        let v = f.offer(
            10_000,
            Stamp {
                host: 0.01,
                line: 3600.0,
            },
            true,
            P,
        );
        assert_eq!(v, Verdict::Accepted);
    }

    #[test]
    fn host_clock_going_backwards_is_not_negative_time() {
        let a = Stamp {
            host: 100.0,
            line: 5.0,
        };
        let b = Stamp {
            host: 50.0,
            line: 4.0,
        };
        assert_eq!(b.since(&a), 0.0);
    }
}
