//! French local time (Europe/Paris, with summer time) without a time-zone database.
//!
//! The meter lives in France and its tariff calendar follows French local time, whatever the
//! host's time zone is (a Pi is often left in UTC). The simulator needs it for its calendar,
//! and the live page's history for "today since local midnight".

/// French local time of a Unix time: (offset seconds, summer, broken-down local time).
/// Summer time runs from the last Sunday of March to the last Sunday of October, 01:00 UTC.
pub fn paris_time(unix: i64) -> (i64, bool, Civil) {
    let utc = Civil::from_unix(unix);
    let last_sunday = |month: u8| {
        let last = Civil::days_from_civil(utc.year, month, 31);
        // 1970-01-01 was a Thursday: weekday 0 = Sunday is (days + 4) % 7.
        last - (last + 4).rem_euclid(7)
    };
    let start = last_sunday(3) * 86_400 + 3600;
    let end = last_sunday(10) * 86_400 + 3600;
    let summer = unix >= start && unix < end;
    let offset = if summer { 7200 } else { 3600 };
    (offset, summer, Civil::from_unix(unix + offset))
}

/// A calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl Civil {
    pub(crate) fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
        let (m, d) = (i64::from(month), i64::from(day));
        let y = if m <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    pub fn from_unix(unix: i64) -> Civil {
        let days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = civil_field(doy - (153 * mp + 2) / 5 + 1);
        let month = civil_field(if mp < 10 { mp + 3 } else { mp - 9 });
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: civil_field(secs / 3600),
            minute: civil_field(secs % 3600 / 60),
            second: civil_field(secs % 60),
        }
    }

    pub(crate) fn hours(&self) -> f64 {
        f64::from(self.hour) + f64::from(self.minute) / 60.0 + f64::from(self.second) / 3600.0
    }

    /// Days since 1970-01-01 of the date.
    pub(crate) fn day_number(&self) -> i64 {
        Self::days_from_civil(self.year, self.month, self.day)
    }
}

/// A day, month, hour, minute or second of [`Civil::from_unix`]. The algorithm keeps them in
/// 1..=31, 1..=12, 0..24 and 0..60, so the conversion never fails; were it to, the field
/// would read 255, a visibly impossible date rather than a panic.
fn civil_field(x: i64) -> u8 {
    u8::try_from(x).unwrap_or(u8::MAX)
}

/// Local day number (days since 1970-01-01 of the French local date) of a Unix time.
pub fn local_day(unix: i64) -> i64 {
    paris_time(unix).2.day_number()
}

/// Unix time of the French local midnight that starts the local day of `unix`.
///
/// Summer time switches at 01:00 UTC (02:00 or 03:00 local), never across midnight, so the
/// offset in force at midnight is one of the two and is found by checking each.
pub fn local_midnight(unix: i64) -> i64 {
    local_hour_to_unix(local_day(unix), 0)
}

/// Unix time of `hour`:00 French local time on local day `day` (days since 1970-01-01).
///
/// For the hours tariffs start at (midnight, 06:00 for a Tempo day) this is never ambiguous:
/// summer time switches at 01:00 UTC, 02:00 or 03:00 local. For the hour skipped or repeated
/// by the switch, the first instant that reads as it is taken.
pub fn local_hour_to_unix(day: i64, hour: u8) -> i64 {
    let wall = day * 86_400 + i64::from(hour) * 3600;
    for offset in [7200, 3600] {
        let candidate = wall - offset;
        if paris_time(candidate).0 == offset {
            return candidate;
        }
    }
    wall - 3600
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midnight_in_winter_summer_and_on_switch_days() {
        // 2024-01-15 12:00 UTC = 13:00 local; midnight = 2024-01-14 23:00 UTC.
        assert_eq!(local_midnight(1_705_320_000), 1_705_273_200);
        // 2024-07-15 12:00 UTC = 14:00 local; midnight = 2024-07-14 22:00 UTC.
        assert_eq!(local_midnight(1_721_044_800), 1_720_994_400);
        // 2024-03-31 (summer time starts at 01:00 UTC) 10:00 UTC: midnight was in winter time,
        // 2024-03-30 23:00 UTC.
        assert_eq!(local_midnight(1_711_879_200), 1_711_839_600);
        // 2024-10-27 (summer time ends) 10:00 UTC: midnight was in summer time, 22:00 UTC.
        assert_eq!(local_midnight(1_730_023_200), 1_729_980_000);
        // Just before and at midnight.
        assert_eq!(local_midnight(1_705_273_199), 1_705_273_199 - 86_399);
        assert_eq!(local_midnight(1_705_273_200), 1_705_273_200);
        assert_eq!(local_day(1_705_273_200), local_day(1_705_273_199) + 1);
    }

    #[test]
    fn six_in_the_morning_on_the_switch_days() {
        // 2026-03-29, summer time from 01:00 UTC: 06:00 local is 04:00 UTC, while midnight
        // that day is still winter time (2026-03-28 23:00 UTC).
        let day = Civil::days_from_civil(2026, 3, 29);
        assert_eq!(local_hour_to_unix(day, 6), 1_774_756_800);
        assert_eq!(local_hour_to_unix(day, 0), 1_774_738_800);
        // 2026-10-25, back to winter time: 06:00 local is 05:00 UTC, midnight 22:00 UTC.
        let day = Civil::days_from_civil(2026, 10, 25);
        assert_eq!(local_hour_to_unix(day, 6), 1_792_904_400);
        assert_eq!(local_hour_to_unix(day, 0), 1_792_879_200);
    }
}
