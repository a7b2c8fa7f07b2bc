//! [`Store`]: the async handle every part of korral records and reads history through.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jiff::Timestamp;
use korral_core::Object;
use serde_json::Value;

use crate::db::{self, Db, Tx, Val};
use crate::error::Result;
use crate::model::{
    Change, ChangeFilter, ChangeRecord, ClusterId, ClusterInfo, ObjectRef, RecordStats, Retention,
    RetentionStats, SnapshotInfo, Version,
};
use crate::record::timestamp;
use crate::url::Location;
use crate::{events, migrate, query, record, retention, snapshot};

/// A handle on the store: cheap to clone, `Send + Sync`. Every method runs its
/// statements in one transaction on a blocking thread, never on the async runtime.
#[derive(Clone)]
pub struct Store {
    db: Arc<Db>,
    last_retention: Arc<Mutex<Option<Result<RetentionStats, String>>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match *self.db {
            Db::Sqlite(_) => "Store(sqlite)",
            Db::Postgres(_) => "Store(postgres)",
        })
    }
}

impl Store {
    /// Opens `sqlite:PATH`, `sqlite://PATH`, a bare path, or `postgres://…` /
    /// `postgresql://…`, creating the SQLite file (and its folder) if missing and bringing
    /// the schema up to date. PostgreSQL's database must exist; the store's tables go in
    /// the connection's current schema (choose one with `?options=-csearch_path%3DNAME`).
    pub async fn open(url: &str) -> Result<Store> {
        let location = Location::parse(url)?;
        let db = tokio::task::spawn_blocking(move || Db::open(&location))
            .await
            .map_err(|e| crate::Error::Task(e.to_string()))??;
        let store = Store {
            db: Arc::new(db),
            last_retention: Arc::new(Mutex::new(None)),
        };
        store.write(migrate::migrate).await?;
        Ok(store)
    }

    /// The embedded default: `sqlite://<user data dir>/korral/korral.db` (on Linux
    /// `~/.local/share/korral/korral.db`), or `korral.db` here when there is no data dir.
    pub fn default_url() -> String {
        let path = dirs::data_dir().map_or_else(
            || PathBuf::from("korral.db"),
            |d| d.join("korral").join("korral.db"),
        );
        format!("sqlite://{}", path.display())
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        db::blocking(&self.db, true, f).await
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Tx) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        db::blocking(&self.db, false, f).await
    }

    /// The schema version of the database (the latest migration applied).
    pub async fn schema_version(&self) -> Result<i64> {
        self.read(|tx| {
            Ok(tx
                .query_opt("SELECT MAX(version) FROM korral_migrations", &[])?
                .map(|r| r.opt_int(0))
                .transpose()?
                .flatten()
                .unwrap_or(0))
        })
        .await
    }

    /// The cluster's id, created on first use (name = the kube context, or the `-f` path).
    pub async fn cluster(&self, name: &str) -> Result<ClusterId> {
        let name = name.to_owned();
        self.write(move |tx| record::cluster(tx, &name, Timestamp::now()))
            .await
    }

    /// Every recorded cluster with its counts, by name.
    pub async fn clusters(&self) -> Result<Vec<ClusterInfo>> {
        self.read(|tx| {
            tx.query(
                "SELECT c.id, c.name, c.first_seen, c.last_seen,
                    (SELECT COUNT(*) FROM objects o WHERE o.cluster_id = c.id AND o.live = 1),
                    (SELECT COUNT(*) FROM versions v WHERE v.cluster_id = c.id),
                    (SELECT COUNT(*) FROM events e WHERE e.cluster_id = c.id)
                 FROM clusters c ORDER BY c.name",
                &[],
            )?
            .into_iter()
            .map(|row| {
                Ok(ClusterInfo {
                    id: ClusterId(row.int(0)?),
                    name: row.text(1)?.to_owned(),
                    first_seen: timestamp(row.int(2)?)?,
                    last_seen: timestamp(row.int(3)?)?,
                    objects: row.int(4)? as u64,
                    versions: row.int(5)? as u64,
                    events: row.int(6)? as u64,
                })
            })
            .collect()
        })
        .await
    }

    /// Records a batch of changes in one transaction. Churn (only resourceVersion,
    /// managedFields times, heartbeat or Lease renew times changed) and repeats are
    /// dropped and counted; Secret values are replaced by digests before anything is
    /// written.
    pub async fn record(&self, cluster: ClusterId, changes: &[Change]) -> Result<RecordStats> {
        self.record_with_bookmarks(cluster, changes, &[]).await
    }

    /// [`Store::record`] and [`Store::set_bookmarks`] in the same transaction: after a
    /// crash either both are there or neither, so a restarted watch resumes exactly
    /// after the last recorded change.
    pub async fn record_with_bookmarks(
        &self,
        cluster: ClusterId,
        changes: &[Change],
        bookmarks: &[(String, String)],
    ) -> Result<RecordStats> {
        let changes = changes.to_vec();
        let bookmarks = bookmarks.to_vec();
        self.write(move |tx| record::record(tx, cluster, &changes, &bookmarks))
            .await
    }

    /// Replaces every stored live object of one (group, kind) with `objects` (a watch
    /// relisted): records Added/Modified for real differences, Deleted for the missing.
    pub async fn resync(
        &self,
        cluster: ClusterId,
        group: &str,
        kind: &str,
        objects: &[Object],
        at: Timestamp,
    ) -> Result<RecordStats> {
        let (group, kind, objects) = (group.to_owned(), kind.to_owned(), objects.to_vec());
        self.write(move |tx| record::resync(tx, cluster, &group, &kind, &objects, at))
            .await
    }

    /// Saves the last resourceVersion seen per resource (`group/version/resource`).
    pub async fn set_bookmarks(
        &self,
        cluster: ClusterId,
        marks: &[(String, String)],
    ) -> Result<()> {
        let marks = marks.to_vec();
        self.write(move |tx| {
            record::check_cluster(tx, cluster)?;
            record::set_bookmarks(tx, cluster, &marks)
        })
        .await
    }

    /// The saved resourceVersions, by resource.
    pub async fn bookmarks(&self, cluster: ClusterId) -> Result<HashMap<String, String>> {
        self.read(move |tx| record::bookmarks(tx, cluster)).await
    }

    /// Records events, each once (by uid and resourceVersion, whichever API group it came
    /// through); returns how many were new.
    pub async fn record_events(&self, cluster: ClusterId, events: &[Object]) -> Result<usize> {
        let events = events.to_vec();
        self.write(move |tx| events::record(tx, cluster, &events, Timestamp::now()))
            .await
    }

    /// Events in a window, newest first (`kinds` = the kind of the object each is about).
    pub async fn events(&self, cluster: ClusterId, filter: &ChangeFilter) -> Result<Vec<Value>> {
        let filter = filter.clone();
        self.read(move |tx| events::list(tx, cluster, &filter))
            .await
    }

    /// The objects that existed at `at`, each as its stored version at that moment.
    pub async fn objects_at(
        &self,
        cluster: ClusterId,
        at: Timestamp,
        filter: &ChangeFilter,
    ) -> Result<Vec<Value>> {
        let texts = self.objects_at_json(cluster, at, filter).await?;
        tokio::task::spawn_blocking(move || {
            texts
                .iter()
                .map(|text| record::parse(text, "stored object"))
                .collect()
        })
        .await
        .map_err(|e| crate::Error::Task(e.to_string()))?
    }

    /// [`Store::objects_at`] as korral's own objects (JSON text with parsed metadata), ready
    /// for an `ObjectSet`: at 100,000 objects a fraction of the memory and time of
    /// generic JSON trees.
    pub async fn objects_at_set(
        &self,
        cluster: ClusterId,
        at: Timestamp,
        filter: &ChangeFilter,
    ) -> Result<Vec<Object>> {
        let texts = self.objects_at_json(cluster, at, filter).await?;
        tokio::task::spawn_blocking(move || {
            texts
                .iter()
                .map(|text| {
                    Object::from_json(text, korral_core::Source::default())
                        .map_err(|e| crate::Error::corrupt(format!("stored object: {e}")))
                })
                .collect()
        })
        .await
        .map_err(|e| crate::Error::Task(e.to_string()))?
    }

    async fn objects_at_json(
        &self,
        cluster: ClusterId,
        at: Timestamp,
        filter: &ChangeFilter,
    ) -> Result<Vec<String>> {
        let filter = filter.clone();
        self.read(move |tx| query::objects_at(tx, cluster, at, &filter))
            .await
    }

    /// One object's versions, oldest first, whole (rebuilt from the patches).
    pub async fn history(
        &self,
        cluster: ClusterId,
        object: &ObjectRef,
        since: Option<Timestamp>,
    ) -> Result<Vec<Version>> {
        let object = object.clone();
        self.read(move |tx| query::history(tx, cluster, &object, since))
            .await
    }

    /// Changes in a window, newest first, filtered by namespace / kind / label selector
    /// (the object's latest labels), at most `limit`.
    pub async fn changes(
        &self,
        cluster: ClusterId,
        filter: &ChangeFilter,
    ) -> Result<Vec<ChangeRecord>> {
        let filter = filter.clone();
        self.read(move |tx| query::changes(tx, cluster, &filter))
            .await
    }

    /// Copies the object set at `at` under `name` (kept through retention).
    pub async fn create_snapshot(
        &self,
        cluster: ClusterId,
        name: &str,
        at: Timestamp,
    ) -> Result<()> {
        let name = name.to_owned();
        self.write(move |tx| {
            record::check_cluster(tx, cluster)?;
            snapshot::create(tx, cluster, &name, at, Timestamp::now()).map(drop)
        })
        .await
    }

    /// The cluster's snapshots, oldest moment first.
    pub async fn snapshots(&self, cluster: ClusterId) -> Result<Vec<SnapshotInfo>> {
        self.read(move |tx| snapshot::list(tx, cluster)).await
    }

    /// A snapshot's objects.
    pub async fn snapshot_objects(&self, cluster: ClusterId, name: &str) -> Result<Vec<Value>> {
        let name = name.to_owned();
        self.read(move |tx| snapshot::objects(tx, cluster, &name))
            .await
    }

    /// Deletes a snapshot.
    pub async fn delete_snapshot(&self, cluster: ClusterId, name: &str) -> Result<()> {
        let name = name.to_owned();
        self.write(move |tx| snapshot::delete(tx, cluster, &name))
            .await
    }

    /// Deletes history older than `max_age` and then, oldest first, until the stored data
    /// fits in `max_bytes` — never an object's current version, never a snapshot.
    pub async fn enforce_retention(&self, policy: &Retention) -> Result<RetentionStats> {
        let policy = *policy;
        self.write(move |tx| retention::enforce(tx, &policy, Timestamp::now()))
            .await
    }

    /// Runs [`Store::enforce_retention`] now and then every `every` (see
    /// [`RETENTION_INTERVAL`](crate::RETENTION_INTERVAL)) until the task is aborted. A
    /// failed run is kept for [`Store::last_retention`] and retried next time.
    pub fn spawn_retention(
        &self,
        policy: Retention,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let store = self.clone();
        tokio::spawn(async move {
            loop {
                let outcome = store
                    .enforce_retention(&policy)
                    .await
                    .map_err(|e| e.to_string());
                *store
                    .last_retention
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(outcome);
                tokio::time::sleep(every).await;
            }
        })
    }

    /// What the last background retention run did (or its error).
    pub fn last_retention(&self) -> Option<Result<RetentionStats, String>> {
        self.last_retention
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The database's size on disk (the SQLite file, or the store's PostgreSQL tables).
    pub async fn size_bytes(&self) -> Result<u64> {
        self.read(retention::size_bytes).await
    }

    /// The bytes of stored history that [`Retention::max_bytes`] bounds (JSON text of
    /// versions, current copies, events and snapshots).
    pub async fn data_bytes(&self) -> Result<u64> {
        self.read(retention::data_bytes).await
    }
}

impl From<ClusterId> for Val {
    fn from(id: ClusterId) -> Self {
        Val::Int(id.0)
    }
}
