//! The objects the TUI shows, kept current from watch events: by kind, each with its
//! [`Row`], and (once the topology is first asked for) a [`LiveGraph`].

use std::collections::BTreeMap;

use korral_core::{Object, ObjectKey};
use korral_kube::Resource;
use korral_topology::LiveGraph;
use rustc_hash::FxHashMap;

use crate::row::{Health, Row, row};

/// `(group, kind)`.
pub type GroupKind = (String, String);

/// An object and its row.
#[derive(Clone)]
pub struct Entry {
    /// The object (Secrets' values already masked).
    pub object: Object,
    /// Its row in its kind's table.
    pub row: Row,
}

impl Entry {
    /// The row of `object`, computed now.
    pub fn new(object: Object) -> Self {
        let row = row(&object);
        Self { object, row }
    }
}

/// A change to one kind's objects, as a watch reports it.
// One per watch event, moved once through a channel: boxing would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Change {
    /// Added or modified.
    Upsert(Entry),
    /// Deleted.
    Delete(ObjectKey),
    /// The whole current list (a watch's first list, or a list after 410 Gone).
    Replace(Vec<Entry>),
}

impl std::fmt::Debug for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Upsert(entry) => write!(f, "Upsert({})", entry.object.key()),
            Self::Delete(key) => write!(f, "Delete({key})"),
            Self::Replace(entries) => write!(f, "Replace({} objects)", entries.len()),
        }
    }
}

/// One kind's objects.
pub struct KindData {
    /// How the server serves it (for writes and for the command bar).
    pub resource: Resource,
    /// Objects by (namespace, name).
    pub objects: FxHashMap<(Option<String>, String), Entry>,
    /// Whether the first list arrived.
    pub synced: bool,
    /// Bumped on every change: views re-sort only when it moved.
    pub generation: u64,
}

/// Every object shown, by kind.
#[derive(Default)]
pub struct Cache {
    kinds: BTreeMap<GroupKind, KindData>,
    /// Built the first time a topology is asked for, then kept current: a cluster that
    /// never opens one never pays for it.
    graph: Option<LiveGraph>,
    unhealthy_pods: usize,
    generation: u64,
}

impl Cache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes `resource` known (listed in the command bar) before its objects come.
    pub fn add_resource(&mut self, resource: Resource) {
        let key = (resource.group.clone(), resource.kind.clone());
        self.kinds.entry(key).or_insert_with(|| KindData {
            resource,
            objects: FxHashMap::default(),
            synced: false,
            generation: 0,
        });
    }

    /// The kinds known, in discovery order of groups then kind name.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.kinds.values().map(|k| &k.resource)
    }

    /// One kind's objects.
    pub fn kind(&self, group: &str, kind: &str) -> Option<&KindData> {
        self.kinds.get(&(group.to_owned(), kind.to_owned()))
    }

    /// The object with this key.
    pub fn get(&self, key: &ObjectKey) -> Option<&Entry> {
        self.kind(&key.group, &key.kind)?
            .objects
            .get(&(key.namespace.clone(), key.name.clone()))
    }

    /// Bumped on every change to any kind.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Pods whose row is [`Health::Bad`], in every namespace.
    pub fn unhealthy_pods(&self) -> usize {
        self.unhealthy_pods
    }

    /// How many objects, all kinds.
    pub fn len(&self) -> usize {
        self.kinds.values().map(|k| k.objects.len()).sum()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.kinds.values().all(|k| k.objects.is_empty())
    }

    /// Every object, any order.
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.kinds
            .values()
            .flat_map(|k| k.objects.values().map(|e| &e.object))
    }

    /// Applies a change to `resource`'s objects.
    pub fn apply(&mut self, resource: &Resource, change: Change) {
        self.add_resource(resource.clone());
        let key = (resource.group.clone(), resource.kind.clone());
        let is_pod = resource.group.is_empty() && resource.kind == "Pod";
        let Some(data) = self.kinds.get_mut(&key) else {
            return;
        };
        data.generation += 1;
        self.generation += 1;
        let bad = |e: &Entry| is_pod && e.row.health == Health::Bad;
        match change {
            Change::Upsert(entry) => {
                let slot = (
                    entry.object.namespace().map(str::to_owned),
                    entry.object.name().to_owned(),
                );
                if bad(&entry) {
                    self.unhealthy_pods += 1;
                }
                if let Some(graph) = &mut self.graph {
                    graph.upsert(entry.object.clone());
                }
                if let Some(old) = data.objects.insert(slot, entry)
                    && bad(&old)
                {
                    self.unhealthy_pods -= 1;
                }
            }
            Change::Delete(key) => {
                if let Some(old) = data
                    .objects
                    .remove(&(key.namespace.clone(), key.name.clone()))
                {
                    if bad(&old) {
                        self.unhealthy_pods -= 1;
                    }
                    if let Some(graph) = &mut self.graph {
                        graph.delete(&key);
                    }
                }
            }
            Change::Replace(entries) => {
                data.synced = true;
                let old = std::mem::take(&mut data.objects);
                for entry in old.values() {
                    if bad(entry) {
                        self.unhealthy_pods -= 1;
                    }
                    if let Some(graph) = &mut self.graph {
                        graph.delete(&entry.object.key());
                    }
                }
                for entry in entries {
                    if bad(&entry) {
                        self.unhealthy_pods += 1;
                    }
                    if let Some(graph) = &mut self.graph {
                        graph.upsert(entry.object.clone());
                    }
                    let slot = (
                        entry.object.namespace().map(str::to_owned),
                        entry.object.name().to_owned(),
                    );
                    data.objects.insert(slot, entry);
                }
            }
        }
    }

    /// Marks every kind synced (offline sources are whole from the start).
    pub fn mark_synced(&mut self) {
        for data in self.kinds.values_mut() {
            data.synced = true;
        }
    }

    /// The relation graph, built now if it was never asked for.
    pub fn graph(&mut self) -> &LiveGraph {
        if self.graph.is_none() {
            let objects: Vec<Object> = self.objects().cloned().collect();
            self.graph = Some(LiveGraph::from_objects(objects));
        }
        self.graph.get_or_insert_with(LiveGraph::new)
    }
}
