//! The plausibility filter on energy indexes.
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
