//! Standard-mode horodates: `SYYMMDDhhmmss` in French local time.
//!
//! The season character gives the UTC offset: `H`/`h` winter (UTC+1), `E`/`e` summer (UTC+2);
//! lower case means the meter's clock runs in degraded mode. A space means "season not
//! applicable" and only occurs on the mobile-peak groups DPM1-3/FPM1-3.

/// The season character of a horodate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    /// `H` or `h`: winter time, UTC+1.
    Winter,
    /// `E` or `e`: summer time, UTC+2.
    Summer,
    /// A space: no season (DPM/FPM groups); the UTC offset is unknown.
    NotApplicable,
}

/// Why a horodate cannot be turned into a point in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HorodateError {
    #[error("horodate is not 13 characters SYYMMDDhhmmss")]
    Malformed,
    #[error("horodate has no season, so its UTC offset is unknown")]
    NoSeason,
}

/// A parsed horodate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horodate {
    pub season: Season,
    /// True when the season character is lower case: the clock lost its backup and is not yet
    /// resynchronised.
    pub clock_degraded: bool,
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

/// Shape check used by the decoder: season character, twelve digits, and plausible ranges for
/// month, day, hour, minute and second (a cheap guard against digits the checksum cannot see).
///
/// Runs on every horodated group of the stream, so it works on the twelve digits as two
/// machine words (SWAR, SIMD within a register) with no branch and no loop: a byte-wise
/// version cost about a hundred instructions. It accepts exactly what [`Horodate::parse`]
/// accepts (a randomised test compares them).
#[inline]
pub fn is_well_formed(bytes: &[u8]) -> bool {
    let Some((&season, digits)) = bytes.split_first() else {
        return false;
    };
    let (Ok(date), Ok(time)) = (
        <[u8; 8]>::try_from(&digits[..digits.len().min(8)]),
        <[u8; 4]>::try_from(&digits[digits.len().min(8)..]),
    ) else {
        return false;
    };
    let season_ok = matches!(season, b'H' | b'h' | b'E' | b'e' | b' ');
    // Byte i of each word is digit i: `YYMMDDhh` and `mmss`.
    let date = u64::from_le_bytes(date);
    let time = u64::from(u32::from_le_bytes(time));
    const NIBBLES: u64 = 0x0F0F_0F0F_0F0F_0F0F;
    // A digit has high nibble 3 and low nibble below 10 (adding 6 then carries into bit 4).
    // Both tests stay within each byte, so they are exact for any byte value.
    let digits_ok = |w: u64, n: u64| {
        ((w & !NIBBLES & n) == (0x3030_3030_3030_3030 & n))
            & (((w & NIBBLES) + 0x0606_0606_0606_0606) & 0x1010_1010_1010_1010 & n == 0)
    };
    // Each pair of digits as a 16-bit lane holding its value (0 to 99).
    let pairs = |w: u64| {
        let d = w & NIBBLES;
        (d & 0x00FF_00FF_00FF_00FF) * 10 + ((d >> 8) & 0x00FF_00FF_00FF_00FF)
    };
    // `lo <= v <= hi` for every lane at once: `v + 0x8000 - lo` has its top bit set when
    // `v >= lo`, `v + 0x7FFF - hi` when `v > hi`; no lane overflows into the next.
    let in_ranges = |v: u64, lo: [u16; 4], hi: [u16; 4]| {
        let lane = |i: usize, x: u16| u64::from(x) << (16 * i);
        let (mut at_least, mut above) = (v, v);
        for i in 0..4 {
            at_least += lane(i, 0x8000 - lo[i]);
            above += lane(i, 0x7FFF - hi[i]);
        }
        at_least & !above & 0x8000_8000_8000_8000 == 0x8000_8000_8000_8000
    };
    // `&`, not `&&`: every check is computed, and the result is one flag.
    season_ok
        & digits_ok(date, u64::MAX)
        & digits_ok(time, 0xFFFF_FFFF)
        // year, month 1-12, day 1-31, hour 0-23
        & in_ranges(pairs(date), [0, 1, 1, 0], [99, 12, 31, 23])
        // minute and second 0-59 (the two upper lanes are zero)
        & in_ranges(pairs(time), [0, 0, 0, 0], [59, 59, 0, 0])
}

impl Horodate {
    /// Parses the 13 bytes of a horodate.
    pub fn parse(bytes: &[u8]) -> Result<Horodate, HorodateError> {
        let [s, digits @ ..] = bytes else {
            return Err(HorodateError::Malformed);
        };
        if digits.len() != 12 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(HorodateError::Malformed);
        }
        let (season, clock_degraded) = match s {
            b'H' => (Season::Winter, false),
            b'h' => (Season::Winter, true),
            b'E' => (Season::Summer, false),
            b'e' => (Season::Summer, true),
            b' ' => (Season::NotApplicable, false),
            _ => return Err(HorodateError::Malformed),
        };
        let two = |i: usize| (digits[i] - b'0') * 10 + (digits[i + 1] - b'0');
        let h = Horodate {
            season,
            clock_degraded,
            year: 2000 + u16::from(two(0)),
            month: two(2),
            day: two(4),
            hour: two(6),
            minute: two(8),
            second: two(10),
        };
        let valid = (1..=12).contains(&h.month)
            && (1..=31).contains(&h.day)
            && h.hour <= 23
            && h.minute <= 59
            && h.second <= 59;
        if valid {
            Ok(h)
        } else {
            Err(HorodateError::Malformed)
        }
    }

    /// Offset of the meter's local time from UTC, in seconds.
    pub fn utc_offset_seconds(&self) -> Result<i64, HorodateError> {
        match self.season {
            Season::Winter => Ok(3600),
            Season::Summer => Ok(7200),
            Season::NotApplicable => Err(HorodateError::NoSeason),
        }
    }

    /// The horodate as seconds since the Unix epoch (UTC).
    pub fn unix_time(&self) -> Result<i64, HorodateError> {
        let local = days_from_civil(i64::from(self.year), self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        Ok(local - self.utc_offset_seconds()?)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the classic era-based algorithm).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winter_and_summer_offsets() {
        // 2008-12-25 22:35:18 UTC+1 = 21:35:18 UTC.
        let h = Horodate::parse(b"H081225223518").unwrap();
        assert_eq!(h.unix_time(), Ok(1_230_240_918));
        // 2009-07-14 07:45:53 UTC+2 = 05:45:53 UTC.
        let e = Horodate::parse(b"E090714074553").unwrap();
        assert_eq!(e.unix_time(), Ok(1_247_550_353));
    }

    #[test]
    fn degraded_clock_keeps_its_offset() {
        let h = Horodate::parse(b"h231207143015").unwrap();
        assert!(h.clock_degraded);
        assert_eq!(
            h.unix_time(),
            Horodate::parse(b"H231207143015").unwrap().unix_time()
        );
    }

    #[test]
    fn space_season_parses_but_has_no_unix_time() {
        let h = Horodate::parse(b" 240716060000").unwrap();
        assert_eq!(h.season, Season::NotApplicable);
        assert_eq!(h.unix_time(), Err(HorodateError::NoSeason));
    }

    #[test]
    fn leap_day_and_epoch() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28),
            2
        );
    }

    #[test]
    fn fast_shape_check_agrees_with_parse_on_every_field_value() {
        for field in 0..6 {
            for v in 0..100 {
                let mut b = *b"E240229235959";
                b[1 + 2 * field] = b'0' + v / 10;
                b[2 + 2 * field] = b'0' + v % 10;
                assert_eq!(is_well_formed(&b), Horodate::parse(&b).is_ok(), "{b:?}");
            }
        }
        for s in 0..=255u8 {
            let mut b = *b"E240229235959";
            b[0] = s;
            assert_eq!(is_well_formed(&b), Horodate::parse(&b).is_ok(), "{b:?}");
            for at in 1..13 {
                let mut b = *b"E240229235959";
                b[at] = s;
                assert_eq!(is_well_formed(&b), Horodate::parse(&b).is_ok(), "{b:?}");
            }
        }
    }

    /// One byte of a horodate: mostly what a meter sends, sometimes anything.
    fn horodate_byte() -> impl proptest::strategy::Strategy<Value = u8> {
        use proptest::prelude::*;
        prop_oneof![
            8 => proptest::sample::select(b"0123456789HhEe X/:9".to_vec()),
            1 => any::<u8>(),
        ]
    }

    /// A horodate of the right shape whose six fields are any two digits (00 to 99), so that
    /// every bound of every range is crossed; the season any of the five or a wrong one.
    fn shaped_horodate() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        (
            proptest::sample::select(b"HhEe X".to_vec()),
            proptest::array::uniform6(0u8..100),
        )
            .prop_map(|(season, fields)| {
                let mut v = vec![season];
                for f in fields {
                    v.extend_from_slice(&[b'0' + f / 10, b'0' + f % 10]);
                }
                v
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// The branch-free check accepts exactly what the field-by-field parse accepts, on a
        /// horodate with random fields and random substitutions, at lengths 12 to 14.
        #[test]
        fn fast_shape_check_agrees_with_parse(
            start in shaped_horodate(),
            changes in proptest::collection::vec((0usize..14, horodate_byte()), 0..5),
            len in 12usize..=14,
        ) {
            let mut v = start;
            v.resize(len, b'0');
            for (at, byte) in changes {
                if at < v.len() {
                    v[at] = byte;
                }
            }
            proptest::prop_assert_eq!(
                is_well_formed(&v),
                Horodate::parse(&v).is_ok(),
                "{:?}",
                String::from_utf8_lossy(&v)
            );
        }
    }

    #[test]
    fn malformed() {
        for bad in [
            &b""[..],
            b"H08122522351",
            b"X081225223518",
            b"H081325223518",
            b"H081200223518",
            b"H081225243518",
            b"H08122522351a",
        ] {
            assert_eq!(
                Horodate::parse(bad),
                Err(HorodateError::Malformed),
                "{bad:?}"
            );
        }
    }
}
