//! Which configured peer addresses to dial when: dial at start, redial with capped exponential
//! backoff while disconnected. Pure: the caller passes the time and performs the dials.

use std::time::Duration;

use libp2p::swarm::ConnectionId;
use libp2p::Multiaddr;
use tokio::time::Instant;

use crate::config::REDIAL_BACKOFF_INITIAL;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Dial when the time comes.
    Waiting {
        at: Instant,
    },
    Dialing(ConnectionId),
    Connected(ConnectionId),
    /// The address is our own; never dial it again.
    Abandoned,
}

#[derive(Debug)]
struct Target {
    address: Multiaddr,
    state: State,
    backoff: Duration,
}

/// The redial schedule of the configured peer addresses.
#[derive(Debug)]
pub(crate) struct Dialer {
    targets: Vec<Target>,
    backoff_max: Duration,
}

impl Dialer {
    /// Every address is due at `now`.
    pub(crate) fn new(addresses: Vec<Multiaddr>, backoff_max: Duration, now: Instant) -> Dialer {
        let targets = addresses
            .into_iter()
            .map(|address| Target {
                address,
                state: State::Waiting { at: now },
                backoff: REDIAL_BACKOFF_INITIAL,
            })
            .collect();
        Dialer {
            targets,
            backoff_max,
        }
    }

    /// The addresses due for a dial at `now`, by index; call `dialing` for each one dialled.
    pub(crate) fn due(&self, now: Instant) -> Vec<(usize, Multiaddr)> {
        let due = |target: &&Target| matches!(target.state, State::Waiting { at } if at <= now);
        self.targets
            .iter()
            .enumerate()
            .filter(|(_, target)| due(target))
            .map(|(index, target)| (index, target.address.clone()))
            .collect()
    }

    /// When the next address falls due, if any is waiting.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.targets
            .iter()
            .filter_map(|target| match target.state {
                State::Waiting { at } => Some(at),
                _ => None,
            })
            .min()
    }

    /// The dial of target `index` started as `connection`.
    pub(crate) fn dialing(&mut self, index: usize, connection: ConnectionId) {
        self.targets[index].state = State::Dialing(connection);
    }

    /// A dial could not even start (e.g. an unsupported address): retry later.
    pub(crate) fn dial_refused(&mut self, index: usize, now: Instant) {
        let backoff_max = self.backoff_max;
        back_off(&mut self.targets[index], now, backoff_max);
    }

    /// A connection was established; if it is one of our dials, the address is connected.
    pub(crate) fn established(&mut self, connection: ConnectionId) {
        if let Some(target) = self.find(State::Dialing(connection)) {
            target.state = State::Connected(connection);
            target.backoff = REDIAL_BACKOFF_INITIAL;
        }
    }

    /// A dial failed (unreachable, handshake failed, or denied): retry after a longer wait.
    pub(crate) fn dial_failed(&mut self, connection: ConnectionId, now: Instant) {
        let backoff_max = self.backoff_max;
        if let Some(target) = self.find(State::Dialing(connection)) {
            back_off(target, now, backoff_max);
        }
    }

    /// A dialled connection closed: redial soon (the peer may be restarting).
    pub(crate) fn closed(&mut self, connection: ConnectionId, now: Instant) {
        let backoff_max = self.backoff_max;
        let matches =
            |state| state == State::Connected(connection) || state == State::Dialing(connection);
        if let Some(target) = self.targets.iter_mut().find(|target| matches(target.state)) {
            back_off(target, now, backoff_max);
        }
    }

    /// The dial reached ourselves: drop the address for good.
    pub(crate) fn abandon(&mut self, connection: ConnectionId) {
        if let Some(target) = self.find(State::Dialing(connection)) {
            target.state = State::Abandoned;
        }
    }

    /// Dial every waiting address now, with fresh backoff (e.g. the allowed set grew).
    pub(crate) fn hurry(&mut self, now: Instant) {
        for target in &mut self.targets {
            if let State::Waiting { .. } = target.state {
                target.state = State::Waiting { at: now };
                target.backoff = REDIAL_BACKOFF_INITIAL;
            }
        }
    }

    fn find(&mut self, state: State) -> Option<&mut Target> {
        self.targets.iter_mut().find(|target| target.state == state)
    }
}

fn back_off(target: &mut Target, now: Instant, backoff_max: Duration) {
    target.state = State::Waiting {
        at: now + target.backoff,
    };
    target.backoff = (target.backoff * 2).min(backoff_max);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialer(now: Instant) -> Dialer {
        let addresses = vec!["/ip4/127.0.0.1/tcp/1".parse().unwrap()];
        Dialer::new(addresses, Duration::from_millis(500), now)
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let start = Instant::now();
        let mut dialer = dialer(start);
        assert_eq!(dialer.due(start).len(), 1);
        let mut now = start;
        let mut waits = Vec::new();
        for _ in 0..5 {
            let connection = ConnectionId::new_unchecked(waits.len());
            dialer.dialing(0, connection);
            assert_eq!(dialer.next_due(), None);
            dialer.dial_failed(connection, now);
            let at = dialer.next_due().unwrap();
            waits.push(at - now);
            assert!(dialer.due(at - Duration::from_millis(1)).is_empty());
            now = at;
        }
        let ms: Vec<u128> = waits.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [100, 200, 400, 500, 500]);
    }

    #[test]
    fn a_connection_resets_the_backoff_and_its_close_redials_soon() {
        let start = Instant::now();
        let mut dialer = dialer(start);
        let first = ConnectionId::new_unchecked(1);
        dialer.dialing(0, first);
        dialer.dial_failed(first, start);
        let second = ConnectionId::new_unchecked(2);
        dialer.dialing(0, second);
        dialer.established(second);
        assert_eq!(dialer.next_due(), None);
        dialer.closed(ConnectionId::new_unchecked(99), start);
        assert_eq!(
            dialer.next_due(),
            None,
            "another connection's close changes nothing"
        );
        dialer.closed(second, start);
        assert_eq!(dialer.next_due(), Some(start + REDIAL_BACKOFF_INITIAL));
    }

    #[test]
    fn our_own_address_is_abandoned() {
        let start = Instant::now();
        let mut dialer = dialer(start);
        let connection = ConnectionId::new_unchecked(1);
        dialer.dialing(0, connection);
        dialer.abandon(connection);
        dialer.hurry(start);
        assert_eq!(dialer.next_due(), None);
        assert!(dialer.due(start + Duration::from_secs(60)).is_empty());
    }
}
