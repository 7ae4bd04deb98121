//! References between objects: `<object_id>/<version>`, pinned as of the business event
//! (JR/T 0314 §6.5 g).

use std::fmt;
use std::str::FromStr;

use super::{valid_object_id, ObjectError};

/// A reference to one version of an object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// The referenced object's id.
    pub object_id: String,
    /// The referenced version.
    pub version: u64,
}

impl FromStr for Reference {
    type Err = ObjectError;

    /// Parses `<object_id>/<version>`: a valid object id, one `/`, a decimal version without
    /// leading zeros.
    fn from_str(text: &str) -> Result<Reference, ObjectError> {
        let bad = |why: &str| {
            ObjectError::at(
                "",
                format!(
                    "reference {:?} {why}; write <object_id>/<version>, e.g. \"RSR624/0\"",
                    text.chars().take(140).collect::<String>()
                ),
            )
        };
        let (object_id, version) = text.split_once('/').ok_or_else(|| bad("has no '/'"))?;
        if !valid_object_id(object_id) {
            return Err(bad("does not start with a valid object id"));
        }
        let digits_ok = !version.is_empty()
            && version.bytes().all(|b| b.is_ascii_digit())
            && (version == "0" || !version.starts_with('0'));
        let version = version
            .parse::<u64>()
            .ok()
            .filter(|_| digits_ok)
            .ok_or_else(|| bad("does not end in a decimal version"))?;
        Ok(Reference {
            object_id: object_id.to_owned(),
            version,
        })
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.object_id, self.version)
    }
}
