//! The DID resolution result of JR/T 0325 §5.4 and appendix B: `didResolutionMetadata`,
//! `didDocumentMetadata` and `didDocument`, with the error codes of table 4 and the HTTP status
//! each answers with.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The content type of a DID document representation and of every resolution answer.
pub const DID_CONTENT_TYPE: &str = "application/did+ld+json";

/// The resolution errors of JR/T 0325 §5.4.3 table 4, spelled as the standard spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResolutionError {
    /// The DID given to the resolver is not valid.
    #[serde(rename = "InvalidDid")]
    InvalidDid,
    /// No DID document was found.
    #[serde(rename = "notFound")]
    NotFound,
    /// The representation asked for is not supported.
    #[serde(rename = "representationNotSupported")]
    RepresentationNotSupported,
    /// The resolver failed.
    #[serde(rename = "internalError")]
    InternalError,
}

impl ResolutionError {
    /// The HTTP status that answers with this error: 400, 404, 406, 500.
    pub fn http_status(self) -> u16 {
        match self {
            ResolutionError::InvalidDid => 400,
            ResolutionError::NotFound => 404,
            ResolutionError::RepresentationNotSupported => 406,
            ResolutionError::InternalError => 500,
        }
    }
}

/// `didResolutionMetadata` (§5.4.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResolutionMetadata {
    /// The representation's media type: `application/did+ld+json`.
    pub content_type: String,
    /// Present only when resolution failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ResolutionError>,
    /// What was wrong and what to do (not in the standard; docs/DID.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// `didDocumentMetadata` (§5.4.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocumentMetadata {
    /// When the DID was created: XML Schema dateTime in UTC, e.g. `2019-03-23T06:35:22Z`.
    pub created: String,
    /// When the version returned was written, in the same form.
    pub updated: String,
    /// Whether the DID is deactivated.
    pub deactivated: bool,
    /// The version returned, as a decimal string (`"1"` for the created document).
    pub version_id: String,
}

/// A resolution result (§5.4.2, appendix B), the answer body in every case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResolutionResult {
    /// How resolution went.
    pub did_resolution_metadata: ResolutionMetadata,
    /// About the document; absent when resolution failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_document_metadata: Option<DocumentMetadata>,
    /// The document (its canonical JSON form); absent when resolution failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub did_document: Option<Value>,
}

impl ResolutionResult {
    /// A found document.
    pub fn found(document: Value, metadata: DocumentMetadata) -> ResolutionResult {
        ResolutionResult {
            did_resolution_metadata: ResolutionMetadata {
                content_type: DID_CONTENT_TYPE.into(),
                error: None,
                error_message: None,
            },
            did_document_metadata: Some(metadata),
            did_document: Some(document),
        }
    }

    /// A failed resolution, with what to do.
    pub fn failed(error: ResolutionError, message: impl Into<String>) -> ResolutionResult {
        ResolutionResult {
            did_resolution_metadata: ResolutionMetadata {
                content_type: DID_CONTENT_TYPE.into(),
                error: Some(error),
                error_message: Some(message.into()),
            },
            did_document_metadata: None,
            did_document: None,
        }
    }

    /// The HTTP status to answer with: 200, or the error's.
    pub fn http_status(&self) -> u16 {
        self.did_resolution_metadata
            .error
            .map_or(200, ResolutionError::http_status)
    }
}

/// Unix milliseconds as XML Schema dateTime in UTC with second precision
/// (`2019-03-23T06:35:22Z`), the form of §5.4.4. Milliseconds are dropped.
pub fn date_time(unix_ms: u64) -> String {
    let seconds = unix_ms / 1000;
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); H. Hinnant's algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}
