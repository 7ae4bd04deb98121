//! The unified social credit code (统一社会信用代码) of GB 32100: 18 characters, the last a check
//! character computed from the first 17. JR/T 0325 §5.2 table 3 identifies markets, government
//! bodies and regulators by it (and ZhengLian any organisation, e.g. credential issuers).

/// The 31 code characters in value order (GB 32100 table: no I, O, S, V or Z).
pub const USCC_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Characters in a unified social credit code.
pub const USCC_LENGTH: usize = 18;

/// Weights of positions 1..17: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// The value of a code character, if it is one.
fn value(c: u8) -> Option<u32> {
    USCC_CHARSET.iter().position(|&x| x == c).map(|v| v as u32)
}

/// Why a text is not a unified social credit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsccProblem {
    /// Not 18 characters.
    Length(usize),
    /// A character outside the code's 31 (position 1-based).
    Character(usize, char),
    /// Positions 3-8 (the administrative division code) are not digits.
    Division,
    /// The last character is not the check character of the first 17.
    Check {
        /// The check character the first 17 characters call for.
        expected: char,
        /// The last character as given.
        found: char,
    },
}

impl std::fmt::Display for UsccProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsccProblem::Length(n) => write!(f, "{n} characters, not 18"),
            UsccProblem::Character(position, c) => write!(
                f,
                "character {position} ({c:?}) is not one of 0-9 and A-Y without I, O, S, V, Z"
            ),
            UsccProblem::Division => {
                f.write_str("characters 3-8 (the administrative division code) are not all digits")
            }
            UsccProblem::Check { expected, found } => write!(
                f,
                "the check character is {found:?} but GB 32100 gives {expected:?} for the first 17 characters"
            ),
        }
    }
}

/// The check character of the first 17 characters (GB 32100): `31 − (Σ value·weight mod 31)`,
/// where 31 becomes 0. `None` if a character is outside the code's set.
pub fn check_character(first17: &[u8; 17]) -> Option<char> {
    let mut sum = 0;
    for (c, weight) in first17.iter().zip(WEIGHTS) {
        sum += value(*c)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    Some(USCC_CHARSET[check as usize] as char)
}

/// Checks `code` as a unified social credit code: length, character set, the division digits
/// and the check character.
pub fn check_uscc(code: &str) -> Result<(), UsccProblem> {
    let bytes = code.as_bytes();
    if code.chars().count() != USCC_LENGTH || bytes.len() != USCC_LENGTH {
        return Err(UsccProblem::Length(code.chars().count()));
    }
    if let Some((i, c)) = bytes.iter().enumerate().find(|(_, c)| value(**c).is_none()) {
        return Err(UsccProblem::Character(i + 1, *c as char));
    }
    if !bytes[2..8].iter().all(u8::is_ascii_digit) {
        return Err(UsccProblem::Division);
    }
    let first17: &[u8; 17] = bytes[..17].try_into().expect("18 ASCII bytes");
    let expected = check_character(first17).expect("every character checked above");
    let found = bytes[17] as char;
    if expected != found {
        return Err(UsccProblem::Check { expected, found });
    }
    Ok(())
}
