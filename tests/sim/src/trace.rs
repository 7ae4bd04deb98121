//! The run's trace: a bounded tail of compact event records, printed on failure (and every one
//! of them as it happens with `--verbose`). Records are formatted only when shown.

use crate::block::{short, Message};
use crate::world::World;
use std::collections::VecDeque;
use std::fmt;
use zl_consensus::Timeout;
use zl_types::VoteKind;

/// A consensus or sync message, in a few numbers.
#[derive(Clone, Debug)]
pub(crate) enum Summary {
    Proposal {
        proposer: Option<usize>,
        height: u64,
        round: u64,
        block: u32,
        pol_round: Option<u64>,
    },
    Vote {
        voter: Option<usize>,
        kind: VoteKind,
        height: u64,
        round: u64,
        block: Option<u32>,
    },
    SyncRequest {
        from_height: u64,
    },
    SyncResponse {
        blocks: usize,
    },
}

impl Summary {
    pub(crate) fn of(message: &Message, world: &World) -> Summary {
        match message {
            Message::Proposal { signed, .. } => Summary::Proposal {
                proposer: world.index_of(&signed.proposer),
                height: signed.proposal.height,
                round: signed.proposal.round,
                block: short(&signed.proposal.block_hash),
                pol_round: signed.proposal.pol_round,
            },
            Message::Vote(v) => Summary::Vote {
                voter: world.index_of(&v.validator),
                kind: v.vote.kind,
                height: v.vote.height,
                round: v.vote.round,
                block: v.vote.block_hash.as_ref().map(short),
            },
            Message::SyncRequest { from_height } => Summary::SyncRequest {
                from_height: *from_height,
            },
            Message::SyncResponse { blocks } => Summary::SyncResponse {
                blocks: blocks.len(),
            },
        }
    }
}

fn who(index: &Option<usize>) -> String {
    index.map_or_else(|| "?".into(), |i| format!("n{i}"))
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Summary::Proposal {
                proposer,
                height,
                round,
                block,
                pol_round,
            } => write!(
                f,
                "proposal h{height} r{round} {block:08x} pol {pol_round:?} by {}",
                who(proposer)
            ),
            Summary::Vote {
                voter,
                kind,
                height,
                round,
                block,
            } => {
                let value = block.map_or_else(|| "nil".into(), |b| format!("{b:08x}"));
                write!(f, "{kind:?} h{height} r{round} {value} by {}", who(voter))
            }
            Summary::SyncRequest { from_height } => write!(f, "sync request from h{from_height}"),
            Summary::SyncResponse { blocks } => write!(f, "sync response of {blocks} blocks"),
        }
    }
}

/// What happened.
#[derive(Clone, Debug)]
pub(crate) enum What {
    Deliver {
        from: usize,
        message: Summary,
    },
    Timeout(Timeout),
    Built {
        height: u64,
        round: u64,
    },
    Signed(Summary),
    Equivocated(Summary),
    Commit {
        height: u64,
        round: u64,
        block: u32,
    },
    Synced {
        height: u64,
        block: u32,
    },
    Evidence {
        offender: Option<usize>,
        height: u64,
        round: u64,
    },
    Crash {
        mid_event: bool,
    },
    Restart {
        tip: u64,
        resumes: bool,
    },
    Partition {
        groups: Vec<u8>,
    },
    Heal,
    FaultsEnd {
        target: u64,
    },
    Setup {
        powers: Vec<u64>,
        byzantine: Vec<bool>,
    },
}

/// One record: when, at which node, what.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    at: u64,
    node: Option<usize>,
    what: What,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>8} ms ", self.at)?;
        match self.node {
            Some(n) => write!(f, "n{n}: ")?,
            None => write!(f, "net: ")?,
        }
        match &self.what {
            What::Deliver { from, message } => write!(f, "from n{from} {message}"),
            What::Timeout(t) => write!(f, "timeout {:?} h{} r{}", t.step, t.height, t.round),
            What::Built { height, round } => write!(f, "built proposal h{height} r{round}"),
            What::Signed(s) => write!(f, "signed {s}"),
            What::Equivocated(s) => write!(f, "EQUIVOCATED, also signed {s}"),
            What::Commit {
                height,
                round,
                block,
            } => write!(f, "COMMIT h{height} r{round} {block:08x}"),
            What::Synced { height, block } => write!(f, "synced h{height} {block:08x}"),
            What::Evidence {
                offender,
                height,
                round,
            } => write!(
                f,
                "double vote evidence h{height} r{round} against {}",
                who(offender)
            ),
            What::Crash { mid_event: true } => write!(f, "CRASH in the middle of an event"),
            What::Crash { mid_event: false } => write!(f, "CRASH"),
            What::Restart { tip, resumes } => {
                write!(
                    f,
                    "RESTART at tip h{tip}, resuming from the signing record: {resumes}"
                )
            }
            What::Partition { groups } => write!(f, "PARTITION into groups {groups:?}"),
            What::Heal => write!(f, "partition healed"),
            What::Setup { powers, byzantine } => {
                write!(
                    f,
                    "validators with powers {powers:?}, Byzantine {byzantine:?}"
                )
            }
            What::FaultsEnd { target } => {
                write!(f, "FAULTS END; every honest validator must reach h{target}")
            }
        }
    }
}

/// The bounded tail of the trace.
pub(crate) struct Trace {
    tail: VecDeque<Entry>,
    capacity: usize,
    verbose: bool,
}

impl Trace {
    pub(crate) fn new(capacity: usize, verbose: bool) -> Trace {
        Trace {
            tail: VecDeque::with_capacity(capacity + 1),
            capacity,
            verbose,
        }
    }

    pub(crate) fn push(&mut self, at: u64, node: Option<usize>, what: What) {
        let entry = Entry { at, node, what };
        if self.verbose {
            println!("{entry}");
        }
        if self.capacity == 0 {
            return;
        }
        if self.tail.len() == self.capacity {
            self.tail.pop_front();
        }
        self.tail.push_back(entry);
    }

    /// The tail, formatted.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.tail.iter().map(ToString::to_string).collect()
    }
}
