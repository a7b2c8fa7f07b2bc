//! The recorder: watches every kind of each configured cluster, keeps its live graph,
//! writes every change to the store and publishes it to the hub.
//!
//! Per cluster, one task discovers every resource that can be listed and watched,
//! lists them all (the graph's starting point), and then reads every watch at once.
//! Changes are written in batches, one transaction each ([`RecorderOptions::batch`]
//! changes or [`RecorderOptions::flush_every`], whichever comes first), together with
//! each resource's last resourceVersion (its bookmark). While a batch is written the
//! watches are not read: a slow database slows the watches (the API server holds the
//! events) rather than growing korral's memory.
//!
//! A restart resumes each watch from its bookmark, so the changes made while korral
//! was down are recorded one by one and nothing is recorded twice. A resource without
//! a bookmark, or one the API server no longer has the history for (410 Gone), is
//! listed and the store resynced to the list ([`korral_store::Store::resync`]).
//!
//! Events (`v1` Event) go to the store's event table rather than object history;
//! `events.k8s.io` Events, the same objects through another API, are not watched.

mod batch;
mod churn;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use jiff::Timestamp;
use korral_core::Object;
use korral_kube::{ClusterConfig, ListOptions, Resource, WatchEvent};
use korral_store::{ChangeKind, ClusterId, Store};
use tokio::task::JoinHandle;

use crate::hub::{ChangeType, Hub, ObjectChange, Update};
use crate::live::{ClusterView, Clusters, redact};
use batch::Batch;

/// How the recorder batches.
#[derive(Debug, Clone, Copy)]
pub struct RecorderOptions {
    /// The longest a change waits before it is written (default 100 ms).
    pub flush_every: Duration,
    /// The most changes in one transaction (default 1,000).
    pub batch: usize,
}

impl Default for RecorderOptions {
    fn default() -> Self {
        Self {
            flush_every: Duration::from_millis(100),
            batch: 1000,
        }
    }
}

/// How many times a batch is tried before the round ends (and resumes from the
/// bookmarks).
const STORE_ATTEMPTS: u32 = 3;

/// The longest wait between two attempts to reach a cluster or the store.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A running recorder; stops its tasks when dropped.
pub struct Recorder {
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Recorder {
    /// Starts recording each cluster of `configs` into `store` (one task each; errors
    /// are retried with a backoff up to 30 s and shown in [`ClusterView::error`]).
    pub fn start(store: Store, configs: Vec<ClusterConfig>, hub: Hub, clusters: Clusters) -> Self {
        Self::start_with(store, configs, hub, clusters, RecorderOptions::default())
    }

    /// [`Recorder::start`] with options.
    #[allow(clippy::needless_pass_by_value)] // Handles handed over, as `start` takes them.
    pub fn start_with(
        store: Store,
        configs: Vec<ClusterConfig>,
        hub: Hub,
        clusters: Clusters,
        options: RecorderOptions,
    ) -> Self {
        let tasks = configs
            .into_iter()
            .map(|config| {
                let view = Arc::new(ClusterView::new(
                    config.context(),
                    Some(config.server().to_owned()),
                    false,
                ));
                clusters.insert(Arc::clone(&view));
                let cluster = Cluster {
                    store: store.clone(),
                    config,
                    hub: hub.clone(),
                    view,
                    options,
                };
                tokio::spawn(cluster.run())
            })
            .collect();
        Self { tasks }
    }

    /// Whether every task has ended (only on a panic: they retry forever).
    pub fn is_finished(&self) -> bool {
        self.tasks.iter().all(JoinHandle::is_finished)
    }
}

/// One cluster's recording.
struct Cluster {
    store: Store,
    config: ClusterConfig,
    hub: Hub,
    view: Arc<ClusterView>,
    options: RecorderOptions,
}

/// Why one round of recording ended.
#[derive(Debug, thiserror::Error)]
enum Stop {
    #[error(transparent)]
    Kube(#[from] korral_kube::Error),
    #[error("the store failed: {0}")]
    Store(#[from] korral_store::Error),
    #[error("every watch ended")]
    WatchesEnded,
}

impl Cluster {
    async fn run(self) {
        let mut backoff = Duration::from_millis(500);
        loop {
            let err = self.record().await;
            self.view.set_error(Some(err.to_string()));
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Lists, resyncs what has no bookmark, and records every watch until one
    /// unrecoverable error.
    async fn record(&self) -> Stop {
        match self.record_inner().await {
            Ok(never) => match never {},
            Err(stop) => stop,
        }
    }

    async fn record_inner(&self) -> Result<std::convert::Infallible, Stop> {
        let client = self.config.client().await?;
        let id = self.store.cluster(&self.view.name).await?;
        let discovery = korral_kube::discover(&client).await?;
        let resources: Vec<Resource> = discovery
            .resources
            .into_iter()
            .filter(|r| r.supports("list") && r.supports("watch"))
            .filter(|r| !(r.group == "events.k8s.io" && r.kind == "Event"))
            .collect();
        let listing = list(&client, &resources).await?;
        let bookmarks = self.store.bookmarks(id).await?;

        // The graph starts from the list; watches resumed from older bookmarks replay
        // into the store, and the graph skips what it already holds newer.
        self.load(&listing.objects);
        let mut by_kind: HashMap<(String, String), Vec<Object>> = HashMap::new();
        for object in listing.objects.objects() {
            by_kind
                .entry((object.group().to_owned(), object.kind().to_owned()))
                .or_default()
                .push(object.clone());
        }
        let now = Timestamp::now();
        let mut watches = Vec::new();
        let mut marks = Vec::new();
        for resource in &resources {
            let Some(listed_at) = listing.resource_version(resource) else {
                // Left out of the list (forbidden, gone): not watched either.
                continue;
            };
            let key = bookmark_key(resource);
            let from = if let Some(rv) = bookmarks.get(&key).filter(|rv| !rv.is_empty()) {
                rv.clone()
            } else {
                let objects = by_kind
                    .remove(&(resource.group.clone(), resource.kind.clone()))
                    .unwrap_or_default();
                self.resync(id, resource, &objects, now).await?;
                marks.push((key.clone(), listed_at.to_owned()));
                listed_at.to_owned()
            };
            watches.push((resource.clone(), key, from));
        }
        self.store.set_bookmarks(id, &marks).await?;
        // Resources left out (forbidden, gone) stay said until the next round.
        let left_out = (!listing.warnings.is_empty()).then(|| listing.warnings.join("; "));
        drop(listing);
        self.view.synced.store(true, Ordering::Relaxed);
        self.view.set_error(left_out);

        let keys: Vec<(Resource, String)> = watches
            .iter()
            .map(|(r, k, _)| (r.clone(), k.clone()))
            .collect();
        let streams = watches
            .into_iter()
            .enumerate()
            .map(|(index, (resource, _, from))| {
                korral_kube::watch(&client, &resource, None, Some(from))
                    .map(move |event| (index, event))
                    .boxed()
            });
        let mut events = futures::stream::select_all(streams);
        loop {
            // Wait as long as it takes for a first change, then at most `flush_every`
            // for more.
            let Some(mut next) = events.next().await else {
                return Err(Stop::WatchesEnded);
            };
            let deadline = tokio::time::Instant::now() + self.options.flush_every;
            let mut batch = Batch::default();
            loop {
                let (index, event) = next;
                let (resource, key) = &keys[index];
                match event {
                    Ok(WatchEvent::Restarted(objects)) => {
                        self.flush(id, &mut batch).await?;
                        self.restarted(id, resource, key, objects).await?;
                    }
                    Ok(WatchEvent::Added(o)) => batch.push(key, ChangeKind::Added, o),
                    Ok(WatchEvent::Modified(o)) => batch.push(key, ChangeKind::Modified, o),
                    Ok(WatchEvent::Deleted(o)) => batch.push(key, ChangeKind::Deleted, o),
                    // The watch retries by itself (or ends, for 401/403/404): say so.
                    Err(err) => self.view.set_error(Some(err.to_string())),
                }
                if batch.len() >= self.options.batch {
                    break;
                }
                next = tokio::select! {
                    more = events.next() => match more {
                        Some(more) => more,
                        None => break,
                    },
                    () = tokio::time::sleep_until(deadline) => break,
                };
            }
            self.flush(id, &mut batch).await?;
        }
    }

    /// Puts a fresh list into the graph: whole when the graph is empty (the first
    /// round), else through published changes, so that WebSocket clients follow.
    fn load(&self, listed: &korral_core::ObjectSet) {
        if self.view.read(korral_topology::LiveGraph::is_empty) {
            self.view.write(|graph| {
                for object in listed.objects() {
                    graph.upsert(redact(object));
                }
            });
        } else {
            // A later round (after an error): the graph moves to the list through
            // published changes, so that WebSocket clients follow.
            let fresh: std::collections::HashSet<_> =
                listed.objects().iter().map(Object::key).collect();
            let gone = self.view.read(|graph| {
                graph
                    .objects()
                    .filter(|o| !fresh.contains(&o.key()))
                    .cloned()
                    .collect::<Vec<_>>()
            });
            let changes = gone.into_iter().map(|o| (ChangeKind::Deleted, o)).chain(
                listed
                    .objects()
                    .iter()
                    .map(|o| (ChangeKind::Modified, o.clone())),
            );
            self.apply(changes);
        }
    }

    /// Writes a batch (events, then changes and bookmarks in one transaction), then
    /// applies it to the graph and publishes it. A store that keeps failing ends the
    /// round: the next one resumes from the bookmarks written with the last batch.
    async fn flush(&self, id: ClusterId, batch: &mut Batch) -> Result<(), Stop> {
        if batch.is_empty() {
            return Ok(());
        }
        let marks = batch.marks();
        let mut wait = Duration::from_millis(100);
        for attempt in 1.. {
            let written = async {
                if !batch.events.is_empty() {
                    let events: Vec<Object> = batch
                        .events
                        .iter()
                        .filter(|(kind, _)| *kind != ChangeKind::Deleted)
                        .map(|(_, o)| o.clone())
                        .collect();
                    self.store.record_events(id, &events).await?;
                }
                self.store
                    .record_with_bookmarks(id, &batch.changes, &marks)
                    .await
            }
            .await;
            match written {
                Ok(_) => break,
                Err(err) if attempt >= STORE_ATTEMPTS => return Err(err.into()),
                Err(err) => {
                    self.view
                        .set_error(Some(format!("the store failed: {err}")));
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
            }
        }
        let changes = std::mem::take(&mut batch.changes)
            .into_iter()
            .map(|c| (c.kind, c.object))
            .chain(std::mem::take(&mut batch.events));
        self.apply(changes);
        batch.clear();
        Ok(())
    }

    /// A watch listed again (its history was gone): the store and graph are made to
    /// match the list, and the bookmark moves to the newest object listed.
    async fn restarted(
        &self,
        id: ClusterId,
        resource: &Resource,
        key: &str,
        objects: Vec<Object>,
    ) -> Result<(), Stop> {
        self.resync(id, resource, &objects, Timestamp::now())
            .await?;
        // The list's own resourceVersion is not given; the newest object's is as good:
        // after it, only deletions of objects not listed can come, and the store drops
        // those as repeats. None listed: relist on the next start.
        let newest = objects
            .iter()
            .filter_map(numeric_rv)
            .max()
            .map_or_else(String::new, |rv| rv.to_string());
        self.store
            .set_bookmarks(id, &[(key.to_owned(), newest)])
            .await?;
        let fresh: std::collections::HashSet<_> = objects.iter().map(Object::key).collect();
        let gone = self.view.read(|graph| {
            graph
                .keys_of(&resource.group, &resource.kind)
                .into_iter()
                .filter(|k| !fresh.contains(k))
                .filter_map(|k| graph.get(&k).cloned())
                .collect::<Vec<_>>()
        });
        let changes = gone
            .into_iter()
            .map(|o| (ChangeKind::Deleted, o))
            .chain(objects.into_iter().map(|o| (ChangeKind::Modified, o)));
        self.apply(changes);
        Ok(())
    }

    /// Applies recorded changes to the graph and publishes them: each object change
    /// that is more than churn, each graph diff, each event.
    fn apply(&self, changes: impl Iterator<Item = (ChangeKind, Object)>) {
        let name = &self.view.name;
        self.view.write(|graph| {
            for (kind, object) in changes {
                let served = redact(&object);
                drop(object);
                let key = served.key();
                let old = graph.get(&key);
                // A watch resumed from an older bookmark replays what the graph
                // (listed just now) already holds newer.
                if let (Some(old), Some(new)) = (old.and_then(numeric_rv), numeric_rv(&served))
                    && new < old
                {
                    continue;
                }
                let change = match (kind, old) {
                    (ChangeKind::Deleted, None) => continue,
                    (ChangeKind::Deleted, Some(_)) => ChangeType::Deleted,
                    (_, None) => ChangeType::Added,
                    (_, Some(_)) => ChangeType::Modified,
                };
                let quiet = change == ChangeType::Modified
                    && old.is_some_and(|old| churn::only_churn(old, &served));
                let value = (!quiet).then(|| served.raw().to_value());
                let update = value.map(|value| {
                    if is_event(served.group(), served.kind()) {
                        Update::Events {
                            change,
                            event: value,
                        }
                    } else {
                        Update::Objects(ObjectChange {
                            change,
                            group: served.group().to_owned(),
                            kind: served.kind().to_owned(),
                            namespace: served.namespace().map(str::to_owned),
                            name: served.name().to_owned(),
                            object: value,
                        })
                    }
                });
                let diff = if change == ChangeType::Deleted {
                    graph.delete(&key)
                } else {
                    graph.upsert(served)
                };
                if let Some(update) = update {
                    self.hub.publish(name, update);
                }
                if !diff.is_empty() {
                    self.hub.publish(name, Update::Topology { diff });
                }
            }
        });
    }

    async fn resync(
        &self,
        id: ClusterId,
        resource: &Resource,
        objects: &[Object],
        at: Timestamp,
    ) -> Result<(), Stop> {
        if is_event(&resource.group, &resource.kind) {
            self.store.record_events(id, objects).await?;
        } else {
            self.store
                .resync(id, &resource.group, &resource.kind, objects, at)
                .await?;
        }
        Ok(())
    }
}

/// [`korral_kube::list`] on a blocking thread of its own: its future is not `Send`
/// (a closure over borrowed resources), so it cannot run inside a spawned task.
async fn list(
    client: &korral_kube::Client,
    resources: &[Resource],
) -> korral_kube::Result<korral_kube::Listing> {
    let (client, resources) = (client.clone(), resources.to_vec());
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        runtime.block_on(korral_kube::list(
            &client,
            &resources,
            &ListOptions::default(),
        ))
    })
    .await
    .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
}

/// Whether a (group, kind) is the core Event.
fn is_event(group: &str, kind: &str) -> bool {
    group.is_empty() && kind == "Event"
}

/// A resource's bookmark key: `group/version/plural` (`/v1/configmaps` for the core
/// group).
fn bookmark_key(resource: &Resource) -> String {
    format!(
        "{}/{}/{}",
        resource.group, resource.version, resource.plural
    )
}

/// An object's resourceVersion as a number (what every API server writes; compared only
/// when both sides have one).
fn numeric_rv(object: &Object) -> Option<u64> {
    object.metadata().resource_version.as_deref()?.parse().ok()
}
