//! The values the store takes and gives: changes, versions, filters and statistics.

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use korral_core::{LabelSelector, Object};

/// A cluster's id in the store (one per kube context or `-f` path recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterId(pub i64);

impl fmt::Display for ClusterId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a change did to an object, as a watch reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// The object appeared (created, or first seen).
    Added,
    /// The object changed.
    Modified,
    /// The object was deleted; the stored version is its last state.
    Deleted,
}

impl ChangeKind {
    /// The watch event's word (`ADDED`, `MODIFIED`, `DELETED` in upper case there).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "Added",
            Self::Modified => "Modified",
            Self::Deleted => "Deleted",
        }
    }

    pub(crate) fn code(self) -> i64 {
        match self {
            Self::Added => 0,
            Self::Modified => 1,
            Self::Deleted => 2,
        }
    }

    pub(crate) fn from_code(code: i64) -> Self {
        match code {
            0 => Self::Added,
            2 => Self::Deleted,
            _ => Self::Modified,
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change to record: an object as a watch delivered it, and when.
#[derive(Debug, Clone)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// The object after the change (for `Deleted`, its last state).
    pub object: Object,
    /// When the recorder saw it.
    pub at: Timestamp,
}

/// Identifies one object by group, kind, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// The API group (empty for the core group).
    pub group: String,
    /// The kind (`Deployment`).
    pub kind: String,
    /// The namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl ObjectRef {
    /// The reference of a stored or live object.
    pub fn of(object: &Object) -> Self {
        Self {
            group: object.group().to_owned(),
            kind: object.kind().to_owned(),
            namespace: object.namespace().map(str::to_owned),
            name: object.name().to_owned(),
        }
    }
}

/// One stored version of an object, rebuilt whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The store's sequence number of this change (increasing across the whole store).
    pub seq: i64,
    /// When the change was seen.
    pub at: Timestamp,
    /// What happened.
    pub change: ChangeKind,
    /// `metadata.resourceVersion` of this version.
    pub resource_version: String,
    /// The whole object as it was (Secret values replaced by digests).
    pub object: serde_json::Value,
    /// The field managers (`managedFields[].manager`) whose entry this change touched:
    /// those who made it.
    pub managers: Vec<String>,
}

/// One change in a window, without the object body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRecord {
    /// The store's sequence number of this change.
    pub seq: i64,
    /// When the change was seen.
    pub at: Timestamp,
    /// What happened.
    pub change: ChangeKind,
    /// The API group (empty for core).
    pub group: String,
    /// The kind.
    pub kind: String,
    /// The namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
    /// `metadata.resourceVersion` of this version.
    pub resource_version: String,
    /// The field managers that made the change (see [`Version::managers`]).
    pub managers: Vec<String>,
}

/// Narrows a query: a time window, a namespace, kinds, a label selector and a limit.
/// The default matches everything.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    /// Only at or after this time.
    pub since: Option<Timestamp>,
    /// Only at or before this time.
    pub until: Option<Timestamp>,
    /// Only this namespace (cluster-scoped objects are left out when set).
    pub namespace: Option<String>,
    /// Only these kinds (`Deployment`), case-insensitive; empty means every kind.
    pub kinds: Vec<String>,
    /// Only objects whose labels match (evaluated on the version in question).
    pub selector: Option<LabelSelector>,
    /// At most this many results (the newest for changes and events).
    pub limit: Option<usize>,
}

/// What [`crate::Store::record`] did with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Versions written.
    pub stored: usize,
    /// Changes dropped as churn: nothing but resourceVersion, managedFields times,
    /// heartbeat or Lease renew times, or leader-election renewals changed.
    pub dropped_churn: usize,
    /// Changes dropped as repeats: identical to the stored version, or a deletion of an
    /// object not stored as live.
    pub dropped_same: usize,
}

impl RecordStats {
    pub(crate) fn add(&mut self, other: Self) {
        self.stored += other.stored;
        self.dropped_churn += other.dropped_churn;
        self.dropped_same += other.dropped_same;
    }
}

/// A recorded cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// Its id.
    pub id: ClusterId,
    /// Its name (the kube context, or the `-f` path).
    pub name: String,
    /// When it was first seen.
    pub first_seen: Timestamp,
    /// When a change was last recorded (or it was first seen).
    pub last_seen: Timestamp,
    /// Live objects now.
    pub objects: u64,
    /// Versions stored.
    pub versions: u64,
    /// Events stored.
    pub events: u64,
}

/// A named snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// Its name, unique per cluster.
    pub name: String,
    /// The moment it captures.
    pub at: Timestamp,
    /// When it was taken.
    pub created: Timestamp,
    /// How many objects it holds.
    pub objects: u64,
}

/// How much history to keep. `None` fields do not limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Versions and events older than this are deleted (an object's current version
    /// never is).
    pub max_age: Option<Duration>,
    /// The oldest history is deleted until the store's data fits in this many bytes.
    pub max_bytes: Option<u64>,
}

/// What [`crate::Store::enforce_retention`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionStats {
    /// Versions deleted.
    pub versions: u64,
    /// Versions rewritten whole so that later patches still apply.
    pub rebased: u64,
    /// Deleted objects whose whole history went.
    pub objects: u64,
    /// Events deleted.
    pub events: u64,
}
