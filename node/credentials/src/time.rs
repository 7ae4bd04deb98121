//! XSD dateTime strings (`2022-10-01T19:33:24Z`) to and from Unix milliseconds, without a clock.

use crate::CredentialError;

/// Unix milliseconds of an XSD dateTime with a zone: `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`.
/// A dateTime without a zone is refused: its instant would depend on the verifier's zone.
pub fn parse(text: &str) -> Result<u64, CredentialError> {
    let bad = || {
        CredentialError::malformed(
            "credential",
            format!("{text:?} is not a dateTime like 2022-10-01T19:33:24Z (a zone is required)"),
        )
    };
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || bytes[10] != b'T' {
        return Err(bad());
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return Err(bad());
    }
    let number = |range: std::ops::Range<usize>| -> Result<i64, CredentialError> {
        let part = text.get(range).ok_or_else(bad)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let valid_date = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
    if !valid_date || hour > 23 || minute > 59 || second > 59 {
        return Err(bad());
    }
    let mut rest = &text[19..];
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let padded = format!("{:0<3}", &fraction[..digits.min(3)]);
        millis = padded.parse().map_err(|_| bad())?;
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        "Z" => 0,
        zone if zone.len() == 6 && zone.as_bytes()[3] == b':' => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return Err(bad()),
            };
            let hours = number_in(zone, 1..3).ok_or_else(bad)?;
            let minutes = number_in(zone, 4..6).ok_or_else(bad)?;
            if hours > 14 || minutes > 59 {
                return Err(bad());
            }
            sign * (hours * 60 + minutes)
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    let ms = seconds * 1_000 + millis;
    u64::try_from(ms).map_err(|_| bad())
}

fn number_in(text: &str, range: std::ops::Range<usize>) -> Option<i64> {
    let part = text.get(range)?;
    part.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| part.parse().ok())?
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The dateTime of Unix milliseconds in UTC, whole seconds: `2022-10-01T19:33:24Z`.
pub fn format(unix_ms: u64) -> String {
    zl_types::did::resolution::date_time(unix_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        let cases = [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2022-10-01T19:33:24Z", Some(1_664_652_804_000)),
            ("2022-10-01T19:33:24.5Z", Some(1_664_652_804_500)),
            ("2022-10-02T03:33:24+08:00", Some(1_664_652_804_000)),
            ("2024-02-29T00:00:00Z", Some(1_709_164_800_000)),
            ("2023-02-29T00:00:00Z", None),
            ("2022-10-01T19:33:24", None),
            ("2022-10-01 19:33:24Z", None),
            ("2022-13-01T19:33:24Z", None),
            ("1969-12-31T23:59:59Z", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).ok(), want, "{text}");
        }
        assert_eq!(format(1_664_652_804_000), "2022-10-01T19:33:24Z");
    }
}
