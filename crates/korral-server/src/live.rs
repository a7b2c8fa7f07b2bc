//! The clusters served and their current state.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use korral_core::ObjectSet;
use korral_topology::LiveGraph;

/// The clusters served, by name. Cheap to clone.
#[derive(Clone, Default)]
pub struct Clusters {
    inner: Arc<RwLock<BTreeMap<String, Arc<ClusterView>>>>,
}

impl Clusters {
    /// One read-only cluster made of files, dumps or a snapshot (`korral serve -f`).
    pub fn offline(name: &str, set: &ObjectSet) -> Self {
        let clusters = Self::default();
        clusters.insert(Arc::new(ClusterView {
            name: name.to_owned(),
            server: None,
            read_only: true,
            graph: RwLock::new(LiveGraph::from_objects(set.objects().iter().cloned())),
        }));
        clusters
    }

    /// Adds or replaces a cluster.
    pub fn insert(&self, view: Arc<ClusterView>) {
        let mut map = self
            .inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(view.name.clone(), view);
    }

    /// The cluster called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<ClusterView>> {
        let map = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(name).cloned()
    }

    /// Every cluster, by name.
    pub fn all(&self) -> Vec<Arc<ClusterView>> {
        let map = self
            .inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.values().cloned().collect()
    }
}

/// One cluster as served now.
pub struct ClusterView {
    /// The kube context's name, or the `-f` path.
    pub name: String,
    /// The API server's URL, for a live cluster.
    pub server: Option<String>,
    /// Files, dumps or a snapshot: nothing can be written.
    pub read_only: bool,
    /// The current objects and how they relate, kept up to date by the recorder.
    pub graph: RwLock<LiveGraph>,
}

impl ClusterView {
    /// Runs `f` on the current graph (a read lock: keep it short).
    pub fn read<T>(&self, f: impl FnOnce(&LiveGraph) -> T) -> T {
        let graph = self
            .graph
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&graph)
    }
}
