//! Peer identity: the Ed25519 transport public key, and its conversions to and from libp2p.

use std::fmt;

use libp2p::identity::{self, Keypair, PeerId};

use crate::error::NetworkError;

/// The multihash code of the identity hash: libp2p inlines short public keys such as
/// Ed25519's into the `PeerId` instead of hashing them, so the key can be read back out.
const MULTIHASH_IDENTITY_CODE: u64 = 0;

/// A peer's identity: its Ed25519 transport public key (32 bytes), which the on-chain member
/// registry binds to the node's chain key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerKey(pub [u8; 32]);

impl PeerKey {
    /// The public key of an Ed25519 transport secret (seed).
    pub fn from_secret(transport_secret: &[u8; 32]) -> Result<PeerKey, NetworkError> {
        let keypair = keypair_from_secret(transport_secret)?;
        Ok(PeerKey::from_public(&keypair.public())
            .expect("an Ed25519 keypair has an Ed25519 public key"))
    }

    /// The libp2p peer id for this key.
    pub(crate) fn to_peer_id(self) -> Result<PeerId, NetworkError> {
        let public = identity::ed25519::PublicKey::try_from_bytes(&self.0)
            .map_err(|_| NetworkError::InvalidPeerKey { peer: self })?;
        Ok(PeerId::from_public_key(&identity::PublicKey::from(public)))
    }

    /// The key inside a libp2p peer id, if it is an Ed25519 one (the only kind we accept).
    pub(crate) fn from_peer_id(peer: &PeerId) -> Option<PeerKey> {
        let multihash = peer.as_ref();
        if multihash.code() != MULTIHASH_IDENTITY_CODE {
            return None;
        }
        let public = identity::PublicKey::try_decode_protobuf(multihash.digest()).ok()?;
        PeerKey::from_public(&public)
    }

    fn from_public(public: &identity::PublicKey) -> Option<PeerKey> {
        let ed25519 = public.clone().try_into_ed25519().ok()?;
        Some(PeerKey(ed25519.to_bytes()))
    }
}

impl TryFrom<&zl_types::PublicKey> for PeerKey {
    type Error = NetworkError;

    /// Transport keys are Ed25519 on every chain (libp2p noise has no SM2).
    fn try_from(key: &zl_types::PublicKey) -> Result<PeerKey, NetworkError> {
        match key {
            zl_types::PublicKey::Ed25519(verifying) => Ok(PeerKey(verifying.to_bytes())),
            zl_types::PublicKey::Sm2(_) => Err(NetworkError::TransportKeyNotEd25519),
        }
    }
}

impl fmt::Display for PeerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PeerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerKey({self})")
    }
}

/// The libp2p keypair for a transport secret. The copy libp2p takes is zeroised by libp2p.
pub(crate) fn keypair_from_secret(transport_secret: &[u8; 32]) -> Result<Keypair, NetworkError> {
    let mut seed = *transport_secret;
    Keypair::ed25519_from_bytes(&mut seed).map_err(|error| NetworkError::InvalidTransportSecret {
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_key_round_trips_through_peer_id() {
        let key = PeerKey::from_secret(&[7; 32]).unwrap();
        let peer_id = key.to_peer_id().unwrap();
        assert_eq!(PeerKey::from_peer_id(&peer_id), Some(key));
        let keypair = keypair_from_secret(&[7; 32]).unwrap();
        assert_eq!(keypair.public().to_peer_id(), peer_id);
    }

    #[test]
    fn matches_ed25519_dalek_public_key() {
        // zld derives the registry's transport key with the chain's own Ed25519 code; both
        // sides must agree on the public key of one seed.
        let secret =
            zl_types::SecretKey::from_seed(zl_types::CryptoSuite::Ed25519, &[9; 32]).unwrap();
        let expected = PeerKey::try_from(&secret.public_key()).unwrap();
        assert_eq!(PeerKey::from_secret(&[9; 32]).unwrap(), expected);
    }

    #[test]
    fn a_non_ed25519_peer_id_has_no_peer_key() {
        // A SHA-256 multihash, as libp2p uses for keys too long to inline (e.g. RSA).
        let mut bytes = vec![0x12, 0x20];
        bytes.extend_from_slice(&[5; 32]);
        let hashed = PeerId::from_bytes(&bytes).unwrap();
        assert_eq!(PeerKey::from_peer_id(&hashed), None);
    }
}
