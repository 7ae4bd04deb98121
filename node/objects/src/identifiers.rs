//! Identifier checks: the unified social credit code (GB 32100) and the resident identity
//! number (GB 11643), wherever a body names a number as one of these.

pub use zl_types::did::uscc::UsccProblem;

/// Characters in a resident identity number.
pub const RESIDENT_ID_LENGTH: usize = 18;

/// GB 11643 weights of positions 1..17: 2^(18-i) mod 11.
const RESIDENT_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each value of Σ digit·weight mod 11.
const RESIDENT_CHECK: &[u8; 11] = b"10X98765432";

/// Checks a unified social credit code; the message says what is wrong.
pub fn check_uscc(code: &str) -> Result<(), String> {
    zl_types::did::uscc::check_uscc(code)
        .map_err(|problem| format!("is not a unified social credit code (GB 32100): {problem}"))
}

/// Checks an 18-character resident identity number (GB 11643): 17 digits, a birth date
/// (positions 7-14) that exists, and the check character (a digit or `X`).
pub fn check_resident_id(number: &str) -> Result<(), String> {
    let problem = |why: String| format!("is not a resident identity number (GB 11643): {why}");
    let bytes = number.as_bytes();
    if bytes.len() != RESIDENT_ID_LENGTH {
        return Err(problem(format!(
            "{} characters, not 18",
            number.chars().count()
        )));
    }
    if !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(problem("the first 17 characters are not all digits".into()));
    }
    let digit = |i: usize| u32::from(bytes[i] - b'0');
    let number_at = |from: usize, to: usize| (from..to).fold(0, |n, i| n * 10 + digit(i));
    let (year, month, day) = (number_at(6, 10), number_at(10, 12), number_at(12, 14));
    if !(1800..=2999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in(year, month)
    {
        // The date is not echoed: an identity number is personal data.
        return Err(problem("positions 7-14 are not a date of birth".into()));
    }
    let sum: u32 = (0..17).map(|i| digit(i) * RESIDENT_WEIGHTS[i]).sum();
    let expected = RESIDENT_CHECK[(sum % 11) as usize];
    if bytes[17] != expected {
        return Err(problem(
            "the check character does not match the first 17 digits".into(),
        ));
    }
    Ok(())
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_table() {
        // 11010519491231002X is the example number of GB 11643's own annex.
        let cases = [
            ("11010519491231002X", true),
            ("110105194912310021", false), // wrong check character
            ("11010519491331002X", false), // month 13
            ("11010519490229002X", false), // 1949 has no 29 February
            ("1101051949123100", false),   // short
            ("1101051949123100AX", false), // letters
        ];
        for (number, ok) in cases {
            assert_eq!(check_resident_id(number).is_ok(), ok, "{number}");
        }
    }
}
