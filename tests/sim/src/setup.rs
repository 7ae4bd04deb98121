//! Drawing a run from its seed: the validators (count, powers, keys, who is Byzantine), the
//! chain's identity and the intensity of every fault.

use crate::network::Network;
use crate::node::Node;
use crate::rng::SimRng;
use crate::world::World;
use crate::Options;
use zl_consensus::Timeouts;
use zl_types::{CryptoSuite, Hash, SecretKey, Validator, ValidatorSet};

/// Validators a run draws, at most.
pub const VALIDATORS_MAX: usize = 7;

/// How often and how hard the fault injector strikes during the fault phase.
#[derive(Clone, Debug)]
pub(crate) struct Faults {
    /// Probability per fault tick of crashing a random node.
    pub(crate) crash: f64,
    /// Probability per handled event that the node crashes in the middle of it.
    pub(crate) crash_mid_event: f64,
    /// Probability per fault tick of partitioning the network (when not partitioned).
    pub(crate) partition: f64,
    /// Time between fault ticks (ms).
    pub(crate) tick_ms: (u64, u64),
    /// How long a crashed node stays down (ms).
    pub(crate) downtime_ms: (u64, u64),
    /// How long a partition lasts (ms).
    pub(crate) partition_ms: (u64, u64),
}

/// Everything a run starts from.
pub(crate) struct Drawn {
    pub(crate) world: World,
    pub(crate) nodes: Vec<Node>,
    pub(crate) net: Network,
    pub(crate) faults: Faults,
}

/// Draws the run of `seed` under `options`.
pub(crate) fn draw(rng: &mut SimRng, options: &Options) -> Drawn {
    let n = options
        .validators
        .unwrap_or_else(|| rng.range(1, VALIDATORS_MAX as u64) as usize);
    assert!(n >= 1, "a chain needs at least one validator");
    let power_mode = if options.equal_power { 0 } else { rng.below(3) };
    let mut nodes = Vec::with_capacity(n);
    let mut validators = Vec::with_capacity(n);
    for i in 0..n {
        let key = SecretKey::from_seed(CryptoSuite::Ed25519, &rng.bytes32())
            .expect("every 32-byte string is an Ed25519 seed");
        let power = match power_mode {
            0 => 1,
            1 => rng.range(1, 5),
            _ => rng.range(1, 1_400),
        };
        validators.push(Validator {
            name: format!("n{i}"),
            public_key: key.public_key(),
            power,
        });
        nodes.push(Node::new(i, key));
    }
    let validators = ValidatorSet { validators };
    let byzantine = draw_byzantine(rng, options, &validators);
    let key_bytes = nodes
        .iter()
        .map(|node| {
            let bytes = node.public.to_bytes();
            <[u8; 32]>::try_from(bytes.as_slice()).expect("Ed25519 keys are 32 bytes")
        })
        .collect();
    let world = World {
        chain_id: "zl-sim".into(),
        genesis_hash: Hash(rng.bytes32()),
        validators,
        key_bytes,
        byzantine,
        timeouts: Timeouts::default(),
        equivocation: options
            .equivocation
            .unwrap_or_else(|| rng.pick(&[0.2, 0.5, 1.0])),
        poison: 0.2,
        forget_signer_state: options.forget_signer_state,
    };
    let low = rng.range(1, 10);
    let mut net = Network::calm(n, (low, low + rng.range(10, 300)));
    if options.network_faults {
        net.loss = rng.pick(&[0.0, 0.0, 0.01, 0.05, 0.2, 0.4]);
        net.duplicate = rng.pick(&[0.0, 0.02, 0.1]);
        net.long_delay = rng.pick(&[0.0, 0.01, 0.05]);
        net.long_delay_ms_max = 3_000;
    }
    let faults = Faults {
        crash: match (options.crashes, options.crash_probability) {
            (false, _) => 0.0,
            (true, Some(p)) => p,
            (true, None) => rng.pick(&[0.0, 0.15, 0.4]),
        },
        crash_mid_event: match (options.crashes, options.crash_mid_event_probability) {
            (false, _) => 0.0,
            (true, Some(p)) => p,
            (true, None) => rng.pick(&[0.0, 0.000_5, 0.002]),
        },
        partition: if options.network_faults {
            rng.pick(&[0.0, 0.1, 0.3])
        } else {
            0.0
        },
        tick_ms: (100, 1_000),
        downtime_ms: (200, 10_000),
        partition_ms: (300, 15_000),
    };
    Drawn {
        world,
        nodes,
        net,
        faults,
    }
}

/// Picks the Byzantine validators: up to f = (N-1)/3 of them (or as many as asked), fewer if
/// their power would reach a third of the total (BFT tolerates strictly less).
fn draw_byzantine(rng: &mut SimRng, options: &Options, set: &ValidatorSet) -> Vec<bool> {
    let n = set.validators.len();
    let f = (n - 1) / 3;
    let wanted = options
        .byzantine
        .unwrap_or_else(|| rng.below(f as u64 + 1) as usize)
        .min(n);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.index(i + 1));
    }
    let mut chosen: Vec<usize> = order.into_iter().take(wanted).collect();
    let total = set.total_power();
    let power = |chosen: &[usize]| -> u64 { chosen.iter().map(|&i| set.validators[i].power).sum() };
    while !chosen.is_empty() && power(&chosen) * 3 >= total {
        chosen.pop();
    }
    let mut byzantine = vec![false; n];
    for i in chosen {
        byzantine[i] = true;
    }
    byzantine
}
