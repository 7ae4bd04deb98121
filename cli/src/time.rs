//! Wall-clock helpers: Unix milliseconds now, and RFC 3339 text from Unix milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

/// Unix time in milliseconds from the system clock.
pub(crate) fn now_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// `2024-05-01T08:30:00.123Z` for Unix milliseconds (UTC, millisecond precision).
pub(crate) fn rfc3339_from_ms(ms: u64) -> String {
    let seconds = ms / 1000;
    let days = seconds / 86_400;
    let in_day = seconds % 86_400;
    // u64 seconds / 86400 fits an i64 with room to spare.
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60,
        ms % 1000
    )
}

/// Proleptic Gregorian (year, month, day) of a count of days since 1970-01-01
/// (Howard Hinnant's `civil_from_days`, which works in 400-year eras).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let table = [
            (0, "1970-01-01T00:00:00.000Z"),
            (1, "1970-01-01T00:00:00.001Z"),
            (86_399_999, "1970-01-01T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (951_868_800_000, "2000-03-01T00:00:00.000Z"),
            (1_709_164_800_000, "2024-02-29T00:00:00.000Z"),
            (1_714_552_200_123, "2024-05-01T08:30:00.123Z"),
            (1_735_689_599_999, "2024-12-31T23:59:59.999Z"),
            (1_735_689_600_000, "2025-01-01T00:00:00.000Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (253_402_300_799_000, "9999-12-31T23:59:59.000Z"),
        ];
        for (ms, text) in table {
            assert_eq!(rfc3339_from_ms(ms), text, "for {ms} ms");
        }
    }

    #[test]
    fn calendar_advances_one_day_at_a_time_for_four_centuries() {
        // Walk day by day from 1970 through 2370 and check the calendar advances by exactly one day.
        let mut previous = civil_from_days(0);
        for days in 1..146_097 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = (y, m, d) == (py, pm, pd + 1);
            let next_month =
                d == 1 && ((y == py && m == pm + 1) || (y == py + 1 && m == 1 && pm == 12));
            assert!(
                next_day || next_month,
                "day {days}: {previous:?} -> {:?}",
                (y, m, d)
            );
            previous = (y, m, d);
        }
        // 146,097 days (one 400-year era) after 1970-01-01 is 2370-01-01; the last day walked is the day before.
        assert_eq!(previous, (2369, 12, 31));
    }
}
