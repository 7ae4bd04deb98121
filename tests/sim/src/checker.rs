//! The safety checks. They run at the moment the checked state changes (every signature, commit
//! and piece of evidence, whichever event causes it), which is the same as checking the whole
//! state after every event: between those moments nothing they look at changes.

use crate::block::{Committed, SimBlock};
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};
use zl_consensus::SignedStep;
use zl_types::{CommitCertificate, DoubleVote, Hash, HashAlgorithm};

/// What a validator signed in one slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signed {
    /// A proposal of this block with this proof-of-lock round.
    Proposal {
        block_hash: Hash,
        pol_round: Option<u64>,
    },
    /// A prevote or precommit for this value (`None`: nil).
    Vote(Option<Hash>),
}

/// The global record the invariants are checked against.
#[derive(Default)]
pub(crate) struct Checker {
    /// The block decided at each height, and the first honest node that committed it.
    decided: BTreeMap<u64, (Hash, usize)>,
    /// Everything honest validators ever signed, across crashes: (node, height, round, step).
    signed: BTreeMap<(usize, u64, u64, SignedStep), Signed>,
    /// Digests of the certificates and evidence already verified.
    verified: BTreeSet<Hash>,
}

/// A digest of everything a certificate says (its vote and every signature with its signer).
fn certificate_digest(certificate: &CommitCertificate) -> Hash {
    let mut hasher = HashAlgorithm::Sha256.hasher();
    hasher.update(&certificate.height.to_be_bytes());
    hasher.update(&certificate.round.to_be_bytes());
    hasher.update(certificate.block_hash.as_bytes());
    for entry in &certificate.signatures {
        hasher.update(&entry.validator.to_bytes());
        hasher.update(&entry.signature.0);
    }
    hasher.finish()
}

impl Checker {
    /// An honest validator signs `content` for `(height, round, step)`: it must never have signed
    /// anything else there, in this life or an earlier one.
    pub(crate) fn on_sign(
        &mut self,
        node: usize,
        slot: (u64, u64, SignedStep),
        content: Signed,
    ) -> Result<(), String> {
        let (height, round, step) = slot;
        match self.signed.insert((node, height, round, step), content) {
            Some(earlier) if earlier != content => Err(format!(
                "honest validator n{node} signed two different messages for height {height} \
                 round {round} step {step:?}: {earlier:?} and then {content:?}"
            )),
            _ => Ok(()),
        }
    }

    /// An honest validator commits `block` with `certificate` on top of its tip: the block must
    /// extend the tip and be valid, the certificate must be for it and verify against the
    /// validator set, and no honest validator may have committed another block at this height.
    pub(crate) fn on_commit(
        &mut self,
        node: usize,
        world: &World,
        tip: (u64, Hash),
        block: &SimBlock,
        certificate: &CommitCertificate,
    ) -> Result<(), String> {
        let height = block.height;
        if block.compute_hash() != block.hash {
            return Err(format!(
                "n{node} committed a block at height {height} whose hash does not match its \
                 content"
            ));
        }
        if !block.valid_on(tip.0, tip.1) {
            return Err(format!(
                "n{node} committed block {} at height {height}, which is not a valid child of its \
                 tip (height {}, hash {}): the committed chain is not a hash chain of valid blocks",
                block.hash, tip.0, tip.1
            ));
        }
        if certificate.height != height || certificate.block_hash != block.hash {
            return Err(format!(
                "n{node} committed block {} at height {height} with a certificate for block {} \
                 at height {}",
                block.hash, certificate.block_hash, certificate.height
            ));
        }
        // Each distinct certificate is verified once: nodes often build identical ones from
        // the same precommits, and block sync hands out copies.
        let digest = certificate_digest(certificate);
        if !self.verified.contains(&digest) {
            certificate
                .verify(&world.validators, &world.chain_id, &world.genesis_hash)
                .map_err(|e| {
                    format!("n{node}'s commit certificate for height {height} does not verify: {e}")
                })?;
            self.verified.insert(digest);
        }
        match self.decided.get(&height) {
            Some((hash, first)) if *hash != block.hash => Err(format!(
                "AGREEMENT VIOLATED at height {height}: honest n{first} committed {hash} and \
                 honest n{node} committed {}",
                block.hash
            )),
            Some(_) => Ok(()),
            None => {
                self.decided.insert(height, (block.hash, node));
                Ok(())
            }
        }
    }

    /// An honest validator reports a double vote: the evidence must verify and must name a
    /// Byzantine validator. Returns the offender.
    pub(crate) fn on_evidence(
        &mut self,
        reporter: usize,
        world: &World,
        evidence: &DoubleVote,
    ) -> Result<usize, String> {
        // Several validators report the same pair of votes: verify each pair once.
        let digest = HashAlgorithm::Sha256
            .digest_parts(&[&evidence.first.signature.0, &evidence.second.signature.0]);
        if !self.verified.contains(&digest) {
            evidence
                .verify(&world.chain_id, &world.genesis_hash)
                .map_err(|e| {
                    format!("n{reporter} reported double-vote evidence that does not verify: {e}")
                })?;
            self.verified.insert(digest);
        }
        let offender = world
            .index_of(&evidence.first.validator)
            .ok_or_else(|| format!("n{reporter} reported evidence against a non-validator"))?;
        if !world.byzantine[offender] {
            return Err(format!(
                "n{reporter} holds valid double-vote evidence against HONEST validator n{offender} \
                 (height {} round {} {:?}): an honest validator double-signed",
                evidence.first.vote.height, evidence.first.vote.round, evidence.first.vote.kind
            ));
        }
        Ok(offender)
    }

    /// A whole stored chain, re-checked at the end of a run (hashes and links; the certificates
    /// were verified when each block was committed).
    pub(crate) fn check_chain(
        &self,
        node: usize,
        genesis: Hash,
        chain: &[Committed],
    ) -> Result<(), String> {
        let mut tip = (0, genesis);
        for entry in chain {
            let block = &entry.block;
            let linked = block.valid_on(tip.0, tip.1) && block.compute_hash() == block.hash;
            let certified = entry.certificate.block_hash == block.hash;
            let agreed = self.decided.get(&block.height).map(|d| d.0) == Some(block.hash);
            if !(linked && certified && agreed) {
                return Err(format!(
                    "n{node}'s stored chain breaks at height {}: linked {linked}, certified \
                     {certified}, agreed {agreed}",
                    block.height
                ));
            }
            tip = (block.height, block.hash);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Checker, Signed};
    use zl_consensus::SignedStep;
    use zl_types::Hash;

    #[test]
    fn a_second_different_signature_in_one_slot_is_caught_and_a_repeat_is_not() {
        let mut checker = Checker::default();
        let slot = (3, 1, SignedStep::Prevote);
        let v = Signed::Vote(Some(Hash([1; 32])));
        checker.on_sign(0, slot, v).unwrap();
        checker.on_sign(0, slot, v).unwrap();
        checker.on_sign(1, slot, Signed::Vote(None)).unwrap();
        let error = checker.on_sign(0, slot, Signed::Vote(None)).unwrap_err();
        assert!(
            error.contains("n0 signed two different messages"),
            "{error}"
        );
    }
}
