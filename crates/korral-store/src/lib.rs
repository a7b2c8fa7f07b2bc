//! korral's history store: every version of every object of the clusters korral
//! watches, their events and named snapshots, in SQLite (the default: one file, nothing
//! to install) or PostgreSQL (shared by a team and by several server replicas), behind one
//! async [`Store`].
//!
//! - [`Store::record`] writes a batch of [`Change`]s in one transaction: the first version
//!   of an object whole, later ones as RFC 6902 patches against the one before, a whole
//!   one every [`FULL_EVERY`] versions. Churn (only resourceVersion, managedFields times,
//!   heartbeats, Lease renewals changed) is dropped, and Secret values never reach the
//!   database (keys and sha256 digests only).
//! - [`Store::objects_at`], [`Store::history`] and [`Store::changes`] read it back: the
//!   object set at a time, one object's versions with who made each, and what changed in
//!   a window ([`ChangeFilter`]).
//! - [`Store::enforce_retention`] / [`Store::spawn_retention`] bound it by age and size
//!   ([`Retention`]).
//!
//! ```no_run
//! # async fn demo(object: korral_core::Object) -> korral_store::Result<()> {
//! use korral_store::{Change, ChangeFilter, ChangeKind, Store};
//!
//! let store = Store::open(&Store::default_url()).await?;
//! let cluster = store.cluster("prod").await?;
//! let at = jiff::Timestamp::now();
//! store.record(cluster, &[Change { kind: ChangeKind::Added, object, at }]).await?;
//! let then = store.objects_at(cluster, at, &ChangeFilter::default()).await?;
//! # Ok(()) }
//! ```
//!
//! How the data is laid out, and why, is in `docs/history.md` ("How history is stored").

mod db;
mod error;
mod events;
mod migrate;
mod model;
mod query;
mod record;
mod retention;
mod scrub;
mod snapshot;
mod store;
mod url;

pub use error::{Error, Result};
pub use model::{
    Change, ChangeFilter, ChangeKind, ChangeRecord, ClusterId, ClusterInfo, ObjectRef, RecordStats,
    Retention, RetentionStats, SnapshotInfo, Version,
};
pub use record::FULL_EVERY;
pub use retention::RETENTION_INTERVAL;
pub use scrub::mask_secret;
pub use store::Store;
