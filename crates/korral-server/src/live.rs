//! The clusters served and their current state.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use korral_core::{Object, ObjectSet};
use korral_topology::LiveGraph;

/// The clusters served, by name. Cheap to clone.
#[derive(Clone, Default)]
pub struct Clusters {
    inner: Arc<RwLock<BTreeMap<String, Arc<ClusterView>>>>,
}

impl Clusters {
    /// One read-only cluster made of files, dumps or a snapshot (`korral serve -f`).
    /// Secrets' values are replaced by digests ([`redact`]) as in a live cluster.
    pub fn offline(name: &str, set: &ObjectSet) -> Self {
        let clusters = Self::default();
        let view = ClusterView::new(name, None, true);
        view.write(|graph| {
            for object in set.objects() {
                graph.upsert(redact(object));
            }
        });
        clusters.insert(Arc::new(view));
        clusters
    }

    /// Adds or replaces a cluster.
    pub fn insert(&self, view: Arc<ClusterView>) {
        let mut map = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        map.insert(view.name.clone(), view);
    }

    /// The cluster called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<ClusterView>> {
        let map = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        map.get(name).cloned()
    }

    /// Every cluster, by name.
    pub fn all(&self) -> Vec<Arc<ClusterView>> {
        let map = self.inner.read().unwrap_or_else(PoisonError::into_inner);
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
    /// Secrets hold digests, never values ([`redact`]).
    pub graph: RwLock<LiveGraph>,
    /// Whether the recorder has listed every resource once (until then the graph is
    /// partial; `/readyz` can say so).
    pub synced: std::sync::atomic::AtomicBool,
    /// The recorder's last trouble with this cluster (watch or store), cleared when it
    /// recovers.
    error: std::sync::Mutex<Option<String>>,
}

impl ClusterView {
    /// An empty view.
    pub fn new(name: &str, server: Option<String>, read_only: bool) -> Self {
        Self {
            name: name.to_owned(),
            server,
            read_only,
            graph: RwLock::new(LiveGraph::new()),
            synced: std::sync::atomic::AtomicBool::new(read_only),
            error: std::sync::Mutex::new(None),
        }
    }

    /// The recorder's last trouble with this cluster, if it has not recovered.
    pub fn error(&self) -> Option<String> {
        self.error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets (or clears) [`ClusterView::error`].
    pub fn set_error(&self, error: Option<String>) {
        *self.error.lock().unwrap_or_else(PoisonError::into_inner) = error;
    }

    /// Runs `f` on the current graph (a read lock: keep it short).
    pub fn read<T>(&self, f: impl FnOnce(&LiveGraph) -> T) -> T {
        let graph = self.graph.read().unwrap_or_else(PoisonError::into_inner);
        f(&graph)
    }

    /// Runs `f` on the graph to change it (the recorder; a write lock).
    pub fn write<T>(&self, f: impl FnOnce(&mut LiveGraph) -> T) -> T {
        let mut graph = self.graph.write().unwrap_or_else(PoisonError::into_inner);
        f(&mut graph)
    }

    /// The current objects as a set (a copy: for analyses that read a whole set, such
    /// as status and audit).
    pub fn object_set(&self) -> ObjectSet {
        let objects = self.read(|graph| graph.objects().cloned().collect());
        ObjectSet::from_objects(objects, vec![self.name.clone()], Vec::new())
    }
}

/// An object fit to be served: a Secret's `data` and `stringData` values and its
/// last-applied annotation become `sha256:HEX` digests, as the store keeps them (keys
/// stay, so a change still shows). Every other object is returned as it is.
pub fn redact(object: &Object) -> Object {
    if !(object.group().is_empty() && object.kind() == "Secret") {
        return object.clone();
    }
    let mut value = object.raw().to_value();
    // The store's own masking, so the live view and history show the same digests.
    korral_store::mask_secret(&mut value);
    let text = value.to_string();
    // The text is the object's own, re-serialised: it reads back; keep the original
    // metadata-only form if it somehow does not, never the values.
    Object::from_json(&text, object.source()).unwrap_or_else(|_| {
        let bare = serde_json::json!({
            "apiVersion": object.api_version(),
            "kind": object.kind(),
            "metadata": {"name": object.name(), "namespace": object.namespace()},
        });
        Object::from_json(&bare.to_string(), object.source()).unwrap_or_else(|_| object.clone())
    })
}

/// An object from JSON, for this crate's unit tests.
#[cfg(test)]
pub(crate) fn test_object(json: &str) -> Object {
    Object::from_json(json, korral_core::Source::default()).expect("test object")
}

#[cfg(test)]
mod tests {
    use super::test_object as object;
    use super::*;

    #[test]
    fn a_secret_keeps_its_keys_and_loses_its_values() {
        let secret = object(
            r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"x",
                "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}},
                "data":{"password":"aHVudGVyMg=="},"stringData":{"token":"hunter2"}}"#,
        );
        let served = redact(&secret);
        let text = served.raw().as_str();
        assert!(
            !text.contains("aHVudGVyMg") && !text.contains("hunter2"),
            "{text}"
        );
        let value = served.raw().to_value();
        assert!(
            value["data"]["password"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        // The store's digest: of the decoded value (`printf %s hunter2 | sha256sum`).
        let hunter2 = "sha256:f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7";
        assert_eq!(value["data"]["password"], hunter2);
        assert_eq!(value["stringData"]["token"], hunter2);
        assert_eq!(served.key(), secret.key());
    }

    #[test]
    fn other_objects_are_served_as_they_are() {
        let map = object(
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"x"},"data":{"k":"v"}}"#,
        );
        assert_eq!(redact(&map).raw().as_str(), map.raw().as_str());
    }

    #[test]
    fn an_offline_cluster_holds_no_secret_values() {
        let secret = object(
            r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"x"},"data":{"k":"c2VjcmV0"}}"#,
        );
        let set = ObjectSet::from_objects(vec![secret], vec!["f".to_owned()], Vec::new());
        let clusters = Clusters::offline("f", &set);
        let view = clusters.get("f").unwrap();
        let texts: Vec<String> =
            view.read(|g| g.objects().map(|o| o.raw().as_str().to_owned()).collect());
        assert_eq!(texts.len(), 1);
        assert!(!texts[0].contains("c2VjcmV0"));
    }
}
