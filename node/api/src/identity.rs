//! What the node knows as a verifier (JR/T 0325 §9.3–§9.6): DID documents, credential status
//! and issuer registrations read from the ledger, the presentation nonces it accepted (inside
//! a bounded window), and the challenges and sessions of proof-of-control logins.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use zl_credentials::verify::{
    Acceptance, Environment, NonceMemory, Status, StatusAnswer, CLOCK_SKEW_MS,
    PRESENTATION_WINDOW_MS,
};
use zl_ledger::Ledger;
use zl_types::did::DidDocument;
use zl_types::ChainRole;

/// Presentation nonces remembered at most; when full, new presentations are refused until
/// old nonces leave the window (a verifier never forgets a nonce inside the window).
pub const NONCES_MAX: usize = 100_000;
/// Presentation nonces remembered per holder at most (about 100 presentations a minute).
pub const NONCES_PER_HOLDER_MAX: usize = 1_000;
/// Open login challenges at most.
pub const CHALLENGES_MAX: usize = 10_000;
/// Open login challenges per DID at most.
pub const CHALLENGES_PER_DID_MAX: usize = 8;
/// Credential and presentation verifications (and logins) running at once at most: each
/// takes a core for milliseconds, and consensus must keep its share of the machine.
pub const VERIFICATIONS_MAX: usize = 2;
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

    fn status(&self, issuer: &str, id: &str) -> Result<Option<StatusAnswer>, String> {
        let record = self
            .ledger
            .credential_status(issuer, id)
            .map_err(|e| format!("the ledger could not be read: {e}"))?;
        Ok(Some(match record {
            Some(r) => StatusAnswer {
                status: if r.status == "valid" {
                    Status::Valid
                } else {
                    Status::Revoked
                },
                types: r.types,
            },
            None => StatusAnswer {
                status: Status::NotExist,
                types: Vec::new(),
            },
        }))
    }

    fn may_issue(&self, issuer: &str, credential_type: &str) -> Result<Option<bool>, String> {
        let registration = self
            .ledger
            .credential_issuer(issuer)
            .map_err(|e| format!("the ledger could not be read: {e}"))?;
        Ok(Some(registration.is_some_and(|r| {
            r.credential_types.iter().any(|t| t == credential_type)
        })))
    }
}

/// Nonces accepted within [`PRESENTATION_WINDOW_MS`] (plus skew), oldest first, with a count
/// per holder so that no holder can fill the memory for everyone.
#[derive(Default)]
pub struct NonceWindow {
    order: VecDeque<(u64, String, String)>,
    seen: HashSet<String>,
    per_holder: HashMap<String, usize>,
}

impl NonceWindow {
    fn forget_before(&mut self, now_ms: u64) {
        while let Some((at, _, _)) = self.order.front() {
            if now_ms.saturating_sub(*at) <= PRESENTATION_WINDOW_MS + CLOCK_SKEW_MS {
                break;
            }
            let (_, holder, nonce) = self.order.pop_front().expect("front exists");
            self.seen.remove(&nonce);
            if let Some(count) = self.per_holder.get_mut(&holder) {
                *count -= 1;
                if *count == 0 {
                    self.per_holder.remove(&holder);
                }
            }
        }
    }
}

impl NonceMemory for NonceWindow {
    fn accept_once(&mut self, holder: &str, nonce: &str, now_ms: u64) -> Acceptance {
        self.forget_before(now_ms);
        if self.seen.contains(nonce) {
            return Acceptance::Replayed;
        }
        let count = self.per_holder.get(holder).copied().unwrap_or(0);
        if self.order.len() >= NONCES_MAX || count >= NONCES_PER_HOLDER_MAX {
            return Acceptance::Full;
        }
        self.seen.insert(nonce.to_owned());
        self.per_holder.insert(holder.to_owned(), count + 1);
        self.order
            .push_back((now_ms, holder.to_owned(), nonce.to_owned()));
        Acceptance::Fresh
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
    /// Opens `challenge` for `did`, or answers false when too many are open (in all, or for
    /// this DID). Expired challenges are swept only when the store is full.
    pub fn open(&mut self, challenge: String, did: String, now_ms: u64) -> bool {
        if self.challenges.len() >= CHALLENGES_MAX {
            self.challenges.retain(|_, (_, expires)| *expires > now_ms);
        }
        let for_did = self
            .challenges
            .values()
            .filter(|(owner, expires)| owner == &did && *expires > now_ms)
            .take(CHALLENGES_PER_DID_MAX)
            .count();
        if self.challenges.len() >= CHALLENGES_MAX || for_did >= CHALLENGES_PER_DID_MAX {
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
pub struct Verifier {
    /// Presentation nonces.
    pub nonces: Mutex<NonceWindow>,
    /// Logins.
    pub logins: Mutex<Logins>,
    /// Permits for verifications running at once ([`VERIFICATIONS_MAX`]).
    pub permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Default for Verifier {
    fn default() -> Verifier {
        Verifier {
            nonces: Mutex::default(),
            logins: Mutex::default(),
            permits: std::sync::Arc::new(tokio::sync::Semaphore::new(VERIFICATIONS_MAX)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_inside_the_window_and_forgotten_after() {
        let mut window = NonceWindow::default();
        assert_eq!(window.accept_once("h", "a", 1_000), Acceptance::Fresh);
        assert_eq!(window.accept_once("h", "a", 2_000), Acceptance::Replayed);
        let later = 1_000 + PRESENTATION_WINDOW_MS + CLOCK_SKEW_MS + 1;
        assert_eq!(window.accept_once("h", "b", later), Acceptance::Fresh);
        assert_eq!(
            window.accept_once("h", "a", later),
            Acceptance::Fresh,
            "forgotten once no presentation carrying it can be accepted"
        );
    }

    #[test]
    fn one_holder_cannot_fill_the_nonce_memory_for_others() {
        let mut window = NonceWindow::default();
        for n in 0..NONCES_PER_HOLDER_MAX {
            assert_eq!(
                window.accept_once("greedy", &format!("n{n}"), 0),
                Acceptance::Fresh
            );
        }
        assert_eq!(
            window.accept_once("greedy", "one more", 0),
            Acceptance::Full
        );
        assert_eq!(window.accept_once("other", "x", 0), Acceptance::Fresh);
        let later = PRESENTATION_WINDOW_MS + CLOCK_SKEW_MS + 1;
        assert_eq!(
            window.accept_once("greedy", "one more", later),
            Acceptance::Fresh
        );
    }

    #[test]
    fn one_did_holds_a_few_challenges_at_most() {
        let mut logins = Logins::default();
        let did = "did:rem:shanghai:SH000001".to_string();
        for n in 0..CHALLENGES_PER_DID_MAX {
            assert!(logins.open(format!("c{n}"), did.clone(), 0));
        }
        assert!(!logins.open("extra".into(), did.clone(), 0));
        assert!(logins.open("other".into(), "did:rem:shanghai:SH000002".into(), 0));
        assert!(
            logins.open("extra".into(), did, CHALLENGE_TTL_MS + 1),
            "after they expired"
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
