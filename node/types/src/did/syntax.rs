//! `did:rem` syntax (JR/T 0325 §5.2 table 1): `did:rem:<chain id>:<subject code>`. The grammar
//! enforced here is written as regular expressions in docs/DID.md; a property test checks this
//! parser against them.

use super::chains::local_chain;
use super::uscc::{check_uscc, USCC_LENGTH};
use super::DidError;
use std::fmt;

/// The DID scheme and method prefix.
pub const DID_PREFIX: &str = "did:rem:";
/// Bytes in a DID at most (the grammar allows at most 62; anything longer is refused unread).
pub const DID_BYTES_MAX: usize = 64;
/// Bytes in a chain id at most (a regulatory chain's id, from its genesis).
pub const CHAIN_ID_BYTES_MAX: usize = 32;

/// What a DID identifies, by the shape of its subject code (JR/T 0325 §5.2 table 3). The three
/// shapes are disjoint, so the code alone tells the kind.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubjectCode {
    /// A market's service enterprise: jurisdiction code (2 letters), enterprise number
    /// (6 digits), and an optional tier/class code, e.g. `SH000001F.S2101`.
    Enterprise {
        /// 辖区编码, e.g. `SH`.
        jurisdiction: String,
        /// 企业数字编码, e.g. `000001`.
        number: String,
        /// 企业分层（类）编码, e.g. `F.S2101`, if any.
        tier: Option<String>,
    },
    /// An investor: category code (1 letter) and number (9 digits), e.g. `Q123456789`;
    /// unique network-wide (allocated on the regulatory chain).
    Investor {
        /// 投资者类别编码, e.g. `Q`.
        category: char,
        /// 投资者数字编码, e.g. `123456789`.
        number: String,
    },
    /// Any organisation (market, government body, regulator, credential issuer) by its unified
    /// social credit code, whose GB 32100 check character is verified.
    Organisation(String),
}

impl SubjectCode {
    /// Parses a subject code; `None` if it has none of the three shapes. The check character of
    /// an organisation code is not checked here (see [`Did::parse`]).
    fn parse_shape(code: &str) -> Option<SubjectCode> {
        let b = code.as_bytes();
        let upper = |c: &u8| c.is_ascii_uppercase();
        let digit = |c: &u8| c.is_ascii_digit();
        if b.len() == 10 && upper(&b[0]) && b[1..].iter().all(digit) {
            return Some(SubjectCode::Investor {
                category: b[0] as char,
                number: code[1..].to_string(),
            });
        }
        if b.len() >= 8 && b[..2].iter().all(upper) && b[2..8].iter().all(digit) {
            let tier = &code[8..];
            if tier.is_empty() || is_tier(tier) {
                return Some(SubjectCode::Enterprise {
                    jurisdiction: code[..2].to_string(),
                    number: code[2..8].to_string(),
                    tier: (!tier.is_empty()).then(|| tier.to_string()),
                });
            }
        }
        if b.len() == USCC_LENGTH && !code.contains('.') {
            return Some(SubjectCode::Organisation(code.to_string()));
        }
        None
    }
}

/// A tier/class code: `[A-Z][A-Z0-9]{0,3}` optionally followed by `.` and `[A-Z0-9]{1,8}`.
fn is_tier(tier: &str) -> bool {
    let (head, tail) = match tier.split_once('.') {
        Some((head, tail)) => (head, Some(tail)),
        None => (tier, None),
    };
    let alnum = |s: &str| {
        s.bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    let head_ok =
        (1..=4).contains(&head.len()) && head.as_bytes()[0].is_ascii_uppercase() && alnum(head);
    let tail_ok = tail.is_none_or(|t| (1..=8).contains(&t.len()) && alnum(t));
    head_ok && tail_ok
}

impl fmt::Display for SubjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubjectCode::Enterprise {
                jurisdiction,
                number,
                tier,
            } => write!(f, "{jurisdiction}{number}{}", tier.as_deref().unwrap_or("")),
            SubjectCode::Investor { category, number } => write!(f, "{category}{number}"),
            SubjectCode::Organisation(code) => f.write_str(code),
        }
    }
}

/// A `did:rem` DID, checked.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Did {
    /// The chain the DID lives on: a local business chain id of table 2, or the regulatory
    /// chain's id.
    pub chain: String,
    /// The subject's code.
    pub code: SubjectCode,
}

impl Did {
    /// Parses and checks `text`. `regulatory_chain` is the regulatory chain's id (from its
    /// genesis), the one chain id besides the 35 of JR/T 0325 table 2 that a DID may name.
    pub fn parse(text: &str, regulatory_chain: Option<&str>) -> Result<Did, DidError> {
        let malformed = |why| DidError::Malformed(shorten(text), why);
        if text.len() > DID_BYTES_MAX {
            return Err(malformed("longer than 64 bytes"));
        }
        let rest = text
            .strip_prefix(DID_PREFIX)
            .ok_or_else(|| malformed("it does not start with did:rem:"))?;
        let (chain, code) = rest
            .split_once(':')
            .ok_or_else(|| malformed("no ':' between the chain id and the subject code"))?;
        if chain.is_empty() || code.is_empty() {
            return Err(malformed("an empty chain id or subject code"));
        }
        if code.contains(':') {
            return Err(malformed("more than one ':' after the chain id"));
        }
        if local_chain(chain).is_none() && regulatory_chain != Some(chain) {
            return Err(DidError::UnknownChain {
                did: shorten(text),
                chain: shorten(chain),
            });
        }
        let code = SubjectCode::parse_shape(code).ok_or_else(|| DidError::UnknownCode {
            did: shorten(text),
            code: shorten(code),
        })?;
        if let SubjectCode::Organisation(uscc) = &code {
            check_uscc(uscc).map_err(|problem| DidError::CreditCode {
                did: shorten(text),
                problem,
            })?;
        }
        Ok(Did {
            chain: chain.to_string(),
            code,
        })
    }

    /// Whether `id` could be a regulatory chain's id: `[a-z][a-z0-9]{1,31}` and not one of the
    /// 35 local business chain ids.
    pub fn is_regulatory_chain_id(id: &str) -> bool {
        let b = id.as_bytes();
        (2..=CHAIN_ID_BYTES_MAX).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && local_chain(id).is_none()
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{DID_PREFIX}{}:{}", self.chain, self.code)
    }
}

/// A bounded copy of user input for error messages.
fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}
