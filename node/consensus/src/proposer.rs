//! The weighted rotating proposer: smooth weighted round robin over one period of the total
//! voting power, so a validator with power p proposes p times per period, spread out.
//!
//! `proposer(h, r) = schedule[(h + r) mod P]`, where `schedule` is the sequence of smooth
//! weighted round robin (each slot: every validator's credit grows by its power; the one with
//! the most credit, the first in set order on ties, proposes and loses P) over P = total power
//! slots. A pure function of the set, the height and the round, so every node and every
//! verifier agrees without carried state.

use zl_types::{PublicKey, ValidatorSet};

/// The proposer schedule of one validator set.
#[derive(Clone, Debug)]
pub struct ProposerSchedule {
    /// Validator index per slot; its length is the total power.
    slots: Vec<u32>,
    keys: Vec<PublicKey>,
}

impl ProposerSchedule {
    /// Builds the schedule. The set must pass [`ValidatorSet::check`] (which caps the total power).
    pub fn new(set: &ValidatorSet) -> ProposerSchedule {
        let total = set.total_power();
        assert!(total > 0, "a checked validator set has power");
        let powers: Vec<i128> = set.validators.iter().map(|v| i128::from(v.power)).collect();
        let mut credit = vec![0i128; powers.len()];
        let mut slots = Vec::with_capacity(usize::try_from(total).expect("power is capped"));
        for _ in 0..total {
            for (c, p) in credit.iter_mut().zip(&powers) {
                *c += p;
            }
            let mut best = 0;
            for (i, c) in credit.iter().enumerate() {
                if *c > credit[best] {
                    best = i;
                }
            }
            credit[best] -= i128::from(total);
            slots.push(u32::try_from(best).expect("at most 128 validators"));
        }
        ProposerSchedule {
            slots,
            keys: set
                .validators
                .iter()
                .map(|v| v.public_key.clone())
                .collect(),
        }
    }

    /// The proposer of `height`/`round`.
    pub fn proposer(&self, height: u64, round: u64) -> &PublicKey {
        let period = self.slots.len() as u64;
        let slot = (height % period + round % period) % period;
        &self.keys[self.slots[slot as usize] as usize]
    }
}
