//! Where the recorder publishes what changed, for WebSocket clients.
//!
//! Every published [`Update`] gets the next hub-wide sequence number. Subscribers read
//! from one shared, bounded broadcast buffer: a client that falls more than
//! [`HubOptions::client_queue`] updates behind loses its place (and is sent a resync
//! and a fresh state by [`crate::ws`]) instead of holding memory for itself. The last
//! [`HubOptions::replay`] updates are kept in a ring, so that a client that reconnects
//! with the last `seq` it saw gets what it missed without a fresh state.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use korral_topology::GraphDiff;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::broadcast;

/// How many updates a client may be behind before it is resynced (default 1,024).
pub const DEFAULT_CLIENT_QUEUE: usize = 1024;

/// How many updates the replay ring keeps for reconnecting clients (default 4,096).
pub const DEFAULT_REPLAY: usize = 4096;

/// The bounds of a [`Hub`].
#[derive(Debug, Clone, Copy)]
pub struct HubOptions {
    /// Updates a subscriber may lag before it is resynced.
    pub client_queue: usize,
    /// Updates kept for clients that resume with `since`.
    pub replay: usize,
}

impl Default for HubOptions {
    fn default() -> Self {
        Self {
            client_queue: DEFAULT_CLIENT_QUEUE,
            replay: DEFAULT_REPLAY,
        }
    }
}

/// What changed in one cluster.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "topic", rename_all = "lowercase")]
pub enum Update {
    /// An object was stored as added, modified or deleted.
    Objects(ObjectChange),
    /// The graph changed.
    Topology {
        /// Nodes and edges added and removed.
        diff: GraphDiff,
    },
    /// A Kubernetes Event was seen (the Event object, as the API server sent it).
    Events {
        /// `added`, `modified` or `deleted`.
        change: ChangeType,
        /// The Event.
        event: Value,
    },
}

/// Whether an object appeared, changed or went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeType {
    /// Created, or new to the watch.
    Added,
    /// Changed.
    Modified,
    /// Deleted (the object is its last state).
    Deleted,
}

/// One stored change of one object.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectChange {
    /// Added, modified or deleted.
    pub change: ChangeType,
    /// The API group (empty for the core group).
    pub group: String,
    /// The kind.
    pub kind: String,
    /// The namespace; `None` for a cluster-scoped object.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
    /// The object as changed; a Secret's values are replaced by their digests
    /// (see [`crate::live::redact`]).
    pub object: Value,
}

/// One update as published: its sequence number and cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    /// Hub-wide, increasing by one per update.
    pub seq: u64,
    /// The cluster it happened in.
    pub cluster: String,
    /// What changed.
    #[serde(flatten)]
    pub update: Update,
    /// The `diff` message as every client in its scope gets it, serialised once
    /// (1,000 clients of one update cost one serialisation, not 1,000).
    #[serde(skip)]
    text: std::sync::OnceLock<String>,
}

impl Published {
    /// An update as published (for tests and tools that drive a hub by hand).
    pub fn new(seq: u64, cluster: &str, update: Update) -> Self {
        Self {
            seq,
            cluster: cluster.to_owned(),
            update,
            text: std::sync::OnceLock::new(),
        }
    }

    /// The whole `diff` message: `{"type":"diff","seq":…,"cluster":…,"topic":…,…}`.
    pub fn message(&self) -> &str {
        self.text
            .get_or_init(|| diff_message(self.seq, &self.cluster, &self.update).to_string())
    }
}

/// A `diff` message of `update`.
pub(crate) fn diff_message(seq: u64, cluster: &str, update: &Update) -> serde_json::Value {
    let mut value = serde_json::to_value(update).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("type".to_owned(), "diff".into());
        map.insert("seq".to_owned(), seq.into());
        map.insert("cluster".to_owned(), cluster.into());
    }
    value
}

/// The publish side of live updates. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Arc<Published>>,
    /// The last updates (and the last seq), behind one lock so that publishing,
    /// subscribing and replaying see one order.
    ring: Mutex<Ring>,
    replay: usize,
}

struct Ring {
    seq: u64,
    updates: VecDeque<Arc<Published>>,
}

/// A subscription: updates after `seq`, and what the ring held for a resuming client.
pub struct Subscription {
    /// The hub's last seq when subscribed: the state a client is sent now is current
    /// up to it, and every update received is after it.
    pub seq: u64,
    /// The updates to come.
    pub receiver: broadcast::Receiver<Arc<Published>>,
    /// For a client that resumed from `since`: the updates after it (oldest first), or
    /// `None` when the ring no longer holds them all (the client needs a fresh state).
    pub missed: Option<Vec<Arc<Published>>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(HubOptions::default())
    }
}

impl Hub {
    /// A hub with these bounds (each at least 1).
    pub fn new(options: HubOptions) -> Self {
        let (sender, _) = broadcast::channel(options.client_queue.max(1));
        Self {
            inner: Arc::new(Inner {
                sender,
                ring: Mutex::new(Ring {
                    seq: 0,
                    updates: VecDeque::with_capacity(options.replay.clamp(1, 65_536)),
                }),
                replay: options.replay.max(1),
            }),
        }
    }

    /// Publishes one update and returns its seq.
    pub fn publish(&self, cluster: &str, update: Update) -> u64 {
        let mut ring = self.ring();
        ring.seq += 1;
        let published = Arc::new(Published::new(ring.seq, cluster, update));
        if ring.updates.len() == self.inner.replay {
            ring.updates.pop_front();
        }
        ring.updates.push_back(Arc::clone(&published));
        // No subscriber is not an error: nobody is listening yet.
        let _ = self.inner.sender.send(published);
        ring.seq
    }

    /// The last seq published.
    pub fn seq(&self) -> u64 {
        self.ring().seq
    }

    /// Subscribes to every update from now on; with `since`, also returns the updates
    /// after it that the ring still holds.
    pub fn subscribe(&self, since: Option<u64>) -> Subscription {
        let ring = self.ring();
        let receiver = self.inner.sender.subscribe();
        let missed = since.and_then(|since| {
            if since > ring.seq {
                // A seq from another server's life: nothing to resume from.
                return None;
            }
            let oldest = ring.updates.front().map_or(ring.seq + 1, |u| u.seq);
            (since + 1 >= oldest).then(|| {
                ring.updates
                    .iter()
                    .filter(|u| u.seq > since)
                    .cloned()
                    .collect()
            })
        });
        Subscription {
            seq: ring.seq,
            receiver,
            missed,
        }
    }

    /// How many clients are subscribed.
    pub fn subscribers(&self) -> usize {
        self.inner.sender.receiver_count()
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.inner
            .ring
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(node: &str) -> Update {
        Update::Topology {
            diff: GraphDiff {
                added_nodes: vec![node.to_owned()],
                ..GraphDiff::default()
            },
        }
    }

    #[test]
    fn seqs_increase_by_one_and_subscribers_see_what_follows() {
        let hub = Hub::default();
        assert_eq!(hub.publish("c", diff("a")), 1);
        let mut sub = hub.subscribe(None);
        assert_eq!(sub.seq, 1);
        assert_eq!(hub.publish("c", diff("b")), 2);
        let got = sub.receiver.try_recv().unwrap();
        assert_eq!(got.seq, 2);
        assert!(sub.receiver.try_recv().is_err());
    }

    #[test]
    fn a_resuming_client_gets_what_it_missed_while_the_ring_holds_it() {
        let hub = Hub::new(HubOptions {
            client_queue: 8,
            replay: 3,
        });
        for n in 0..5 {
            hub.publish("c", diff(&n.to_string()));
        }
        // Ring holds 3, 4, 5.
        let seqs = |sub: Subscription| {
            sub.missed
                .map(|m| m.iter().map(|u| u.seq).collect::<Vec<_>>())
        };
        assert_eq!(seqs(hub.subscribe(Some(2))), Some(vec![3, 4, 5]));
        assert_eq!(seqs(hub.subscribe(Some(4))), Some(vec![5]));
        assert_eq!(seqs(hub.subscribe(Some(5))), Some(vec![]));
        assert_eq!(
            seqs(hub.subscribe(Some(1))),
            None,
            "4 is gone from the ring"
        );
        assert_eq!(seqs(hub.subscribe(Some(99))), None, "a seq from the future");
    }

    #[test]
    fn a_lagging_subscriber_is_told_and_holds_no_more_than_its_queue() {
        let hub = Hub::new(HubOptions {
            client_queue: 4,
            replay: 4,
        });
        let mut slow = hub.subscribe(None);
        for n in 0..10 {
            hub.publish("c", diff(&n.to_string()));
        }
        assert!(matches!(
            slow.receiver.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(6))
        ));
    }
}
