//! Label values that must settle before they change (their text is a [`ShortText`]).

pub use crate::tic::value::ShortText;

/// Consecutive identical observations needed before a label value taken from the line
/// replaces the current one.
pub const SETTLE_FRAMES: u8 = 3;

/// A label value read from the line (serial number, tariff name) that only changes after it
/// was seen the same [`SETTLE_FRAMES`] times in a row. A checksum-valid corruption would
/// otherwise create a new Prometheus series; a real change (a new tariff period name) is only
/// delayed by a few seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    current: Option<ShortText>,
    candidate: Option<(ShortText, u8)>,
}

impl Settled {
    /// Records one observation from a frame. True when it replaced a settled value by
    /// another one (not for the first value).
    pub fn observe(&mut self, value: ShortText) -> bool {
        match self.current {
            None => self.current = Some(value),
            Some(current) if current == value => self.candidate = None,
            Some(_) => {
                let seen = match self.candidate {
                    Some((c, n)) if c == value => n + 1,
                    _ => 1,
                };
                if seen >= SETTLE_FRAMES {
                    self.current = Some(value);
                    self.candidate = None;
                    return true;
                }
                self.candidate = Some((value, seen));
            }
        }
        false
    }

    /// The settled value, if any was seen.
    pub fn get(&self) -> Option<&str> {
        self.current.as_ref().map(ShortText::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settled_value_needs_three_identical_frames_to_change() {
        let mut s = Settled::default();
        s.observe(ShortText::new("HP"));
        assert_eq!(s.get(), Some("HP"));
        s.observe(ShortText::new("HC"));
        s.observe(ShortText::new("HC"));
        assert_eq!(s.get(), Some("HP"));
        s.observe(ShortText::new("HC"));
        assert_eq!(s.get(), Some("HC"));
        // A one-off corruption never shows.
        s.observe(ShortText::new("XC"));
        s.observe(ShortText::new("HC"));
        s.observe(ShortText::new("XC"));
        s.observe(ShortText::new("XC"));
        assert_eq!(s.get(), Some("HC"));
    }
}
