//! What the node knows as a verifier (JR/T 0325 §9.3–§9.6): DID documents, credential status
//! and issuer registrations read from the ledger, the presentation nonces it accepted (inside
//! a bounded window), and the challenges and sessions of proof-of-control logins.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use zl_credentials::verify::{Environment, NonceMemory, Status, PRESENTATION_WINDOW_MS};
use zl_ledger::Ledger;
use zl_types::did::DidDocument;
use zl_types::ChainRole;

/// Presentation nonces remembered at most; when full, new presentations are refused until
/// old nonces leave the window (a verifier never forgets a nonce inside the window).
pub const NONCES_MAX: usize = 100_000;
/// Open login challenges at most.
pub const CHALLENGES_MAX: usize = 10_000;
/// Live sessions at most.
pub const SESSIONS_MAX: usize = 10_000;
/// How long a challenge may be answered (2 minutes).
pub const CHALLENGE_TTL_MS: u64 = 2 * 60 * 1000;
/// How long a login token lives (15 minutes).
pub const SESSION_TTL_MS: u64 = 15 * 60 * 1000;

/// The ledger as a verifier's environment.
pub struct LedgerEnvironment<'a> {
    /// The node's ledger.
    pub ledger: &'a Ledger,
}

impl Environment for LedgerEnvironment<'_> {
    fn regulatory_chain(&self) -> Option<&str> {
        let genesis = self.ledger.genesis();
        (genesis.role == ChainRole::Regulatory).then_some(genesis.chain_id.as_str())
    }

    fn resolve(&self, did: &str) -> Result<DidDocument, String> {
        let head = self
            .ledger
            .did_head(did)
            .map_err(|e| format!("the ledger could not be read: {e}"))?
            .ok_or_else(|| "it has no document on this chain (notFound)".to_string())?;
        if head.deactivated {
            return Err("it is deactivated, and a deactivated DID cannot be used".into());
        }
        let version = self
            .ledger
            .did_version(did, head.version)
            .map_err(|e| format!("the ledger could not be read: {e}"))?
            .ok_or_else(|| format!("version {} is missing", head.version))?;
        DidDocument::from_json(&version.document, self.regulatory_chain())
            .map_err(|e| e.to_string())
    }

    fn status(&self, id: &str, _url: &str) -> Option<Status> {
        match self.ledger.credential_status(id) {
            Ok(Some(record)) if record.status == "valid" => Some(Status::Valid),
            Ok(Some(_)) => Some(Status::Revoked),
            Ok(None) => Some(Status::NotExist),
            Err(_) => None,
        }
    }

    fn may_issue(&self, issuer: &str, credential_type: &str) -> Option<bool> {
        match self.ledger.credential_issuer(issuer) {
            Ok(Some(r)) => Some(r.credential_types.iter().any(|t| t == credential_type)),
            Ok(None) => Some(false),
            Err(_) => None,
        }
    }
}

/// Nonces accepted within [`PRESENTATION_WINDOW_MS`], oldest first.
#[derive(Default)]
pub struct NonceWindow {
    order: VecDeque<(u64, String)>,
    seen: std::collections::HashSet<String>,
}

impl NonceWindow {
    fn forget_before(&mut self, now_ms: u64) {
        while let Some((at, _)) = self.order.front() {
            if now_ms.saturating_sub(*at)
                <= PRESENTATION_WINDOW_MS + zl_credentials::verify::CLOCK_SKEW_MS
            {
                break;
            }
            let (_, nonce) = self.order.pop_front().expect("front exists");
            self.seen.remove(&nonce);
        }
    }
}

impl NonceMemory for NonceWindow {
    fn accept_once(&mut self, nonce: &str, now_ms: u64) -> bool {
        self.forget_before(now_ms);
        if self.seen.contains(nonce) || self.order.len() >= NONCES_MAX {
            return false;
        }
        self.seen.insert(nonce.to_owned());
        self.order.push_back((now_ms, nonce.to_owned()));
        true
    }
}

/// A logged-in caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The caller's DID.
    pub did: String,
    /// Its roles (from governance and from credentials).
    pub roles: Vec<String>,
    /// When the token stops working (Unix ms).
    pub expires: u64,
}

/// Open challenges and live sessions, each bounded and expiring.
#[derive(Default)]
pub struct Logins {
    challenges: HashMap<String, (String, u64)>,
    sessions: HashMap<String, Session>,
}

impl Logins {
    /// Opens `challenge` for `did`, or answers false when too many are open.
    pub fn open(&mut self, challenge: String, did: String, now_ms: u64) -> bool {
        self.challenges.retain(|_, (_, expires)| *expires > now_ms);
        if self.challenges.len() >= CHALLENGES_MAX {
            return false;
        }
        self.challenges
            .insert(challenge, (did, now_ms + CHALLENGE_TTL_MS));
        true
    }

    /// Takes `challenge` (single use) if it is open for `did`.
    pub fn take(&mut self, challenge: &str, did: &str, now_ms: u64) -> bool {
        match self.challenges.remove(challenge) {
            Some((owner, expires)) => owner == did && expires > now_ms,
            None => false,
        }
    }

    /// Starts a session under `token`, or answers false when too many are live.
    pub fn start(&mut self, token: String, session: Session, now_ms: u64) -> bool {
        self.sessions.retain(|_, s| s.expires > now_ms);
        if self.sessions.len() >= SESSIONS_MAX {
            return false;
        }
        self.sessions.insert(token, session);
        true
    }

    /// The live session of `token`.
    pub fn session(&self, token: &str, now_ms: u64) -> Option<Session> {
        self.sessions
            .get(token)
            .filter(|s| s.expires > now_ms)
            .cloned()
    }
}

/// The verifier state the API keeps.
#[derive(Default)]
pub struct Verifier {
    /// Presentation nonces.
    pub nonces: Mutex<NonceWindow>,
    /// Logins.
    pub logins: Mutex<Logins>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_inside_the_window_and_forgotten_after() {
        let mut window = NonceWindow::default();
        assert!(window.accept_once("a", 1_000));
        assert!(!window.accept_once("a", 2_000));
        let later = 1_000 + PRESENTATION_WINDOW_MS + zl_credentials::verify::CLOCK_SKEW_MS + 1;
        assert!(window.accept_once("b", later));
        assert!(
            window.accept_once("a", later),
            "forgotten once no presentation carrying it can be accepted"
        );
    }

    #[test]
    fn challenges_are_single_use_bound_to_a_did_and_expire() {
        let mut logins = Logins::default();
        assert!(logins.open("c1".into(), "did:rem:shanghai:SH000001".into(), 0));
        assert!(
            !logins.take("c1", "did:rem:shanghai:SH000002", 1),
            "another DID"
        );
        assert!(logins.open("c2".into(), "did:rem:shanghai:SH000001".into(), 0));
        assert!(logins.take("c2", "did:rem:shanghai:SH000001", 1));
        assert!(!logins.take("c2", "did:rem:shanghai:SH000001", 2), "used");
        assert!(logins.open("c3".into(), "did:rem:shanghai:SH000001".into(), 0));
        assert!(
            !logins.take("c3", "did:rem:shanghai:SH000001", CHALLENGE_TTL_MS),
            "expired"
        );
    }
}
