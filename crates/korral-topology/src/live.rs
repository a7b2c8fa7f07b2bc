//! A graph kept current from watch events.
//!
//! [`LiveGraph`] holds objects and the edges between them, and applies one change at a
//! time: an object added, modified or deleted. A change costs in proportion to what it
//! touches — the object's own references, the objects that reference it, and for pods
//! the selectors of their namespace (or, for a selector, the pods its label index
//! offers) — never to the cluster's size. Each change returns a [`GraphDiff`]: the
//! nodes and edges it added and removed.
//!
//! The edges are the ones [`crate::infer`] draws for the same objects (both read the
//! same declarations); problems are left to `infer`, which sees the whole set.

use std::collections::BTreeMap;

use korral_core::{ApiVersion, LabelSelector, Object, ObjectKey};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::graph::{Edge, FOLD_EVERY_POD_ABOVE, Fold, FoldTarget, Graph, Node};
use crate::infer::{Declare, Ref, Selection, declare};
use crate::relation::Relation;
use crate::select::{LabelIndex, candidates};

/// What one change did to the graph. Ids are node ids as in [`Graph`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GraphDiff {
    /// Nodes that appeared.
    pub added_nodes: Vec<String>,
    /// Nodes that went away.
    pub removed_nodes: Vec<String>,
    /// Edges that appeared: (source, target, relation).
    pub added_edges: Vec<(String, String, Relation)>,
    /// Edges that went away.
    pub removed_edges: Vec<(String, String, Relation)>,
}

impl GraphDiff {
    /// Whether the change left the graph as it was.
    pub fn is_empty(&self) -> bool {
        self.added_nodes.is_empty()
            && self.removed_nodes.is_empty()
            && self.added_edges.is_empty()
            && self.removed_edges.is_empty()
    }

    /// Sorts each list, for stable output.
    fn sort(&mut self) {
        self.added_nodes.sort();
        self.removed_nodes.sort();
        self.added_edges.sort();
        self.removed_edges.sort();
    }
}

/// A reference an object declares, kept so it can be resolved again when its target
/// appears, or dropped when the object changes.
struct Declared {
    relation: Relation,
    key: ObjectKey,
    uid: Option<String>,
    reversed: bool,
    /// The slot it resolves to, when the target is there.
    target: Option<usize>,
}

/// How an object selects pods, once parsed.
enum Selects {
    Nothing,
    /// Pods its selector matches; when none, workloads whose pod template it matches.
    Pods(LabelSelector),
    /// Every pod of the namespace: no edge is kept per pod; [`LiveGraph::graph`]
    /// draws them (or a [`Fold`]) from the namespace's index, as inference does. A
    /// change's [`GraphDiff`] does not list them.
    All,
}

struct Slot {
    object: Object,
    id: String,
    declared: Vec<Declared>,
    selects: Selects,
    /// Pods this object selects.
    selected: FxHashSet<usize>,
    /// Workloads whose pod template this object selects (only while it selects no pod).
    selected_templates: FxHashSet<usize>,
    /// This workload's pod template labels, when no other workload manages it.
    template: Option<BTreeMap<String, String>>,
    /// (holder slot, declared index) of the references of others that resolve here.
    referenced_by: FxHashSet<(usize, usize)>,
    /// Selector holders that select this pod (or this workload's template).
    selected_by: FxHashSet<usize>,
}

impl LabelIndex for PodIndex {
    fn labelled(&self, key: &str, value: &str) -> Vec<usize> {
        let found = self.by_label.get(&(key.to_owned(), value.to_owned()));
        found
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    fn keyed(&self, key: &str) -> Vec<usize> {
        let found = self.by_key.get(key);
        found
            .map(|set| set.iter().copied().collect())
            .unwrap_or_default()
    }

    fn all(&self) -> Vec<usize> {
        self.all.iter().copied().collect()
    }
}

#[derive(Default)]
struct PodIndex {
    all: FxHashSet<usize>,
    by_label: FxHashMap<(String, String), FxHashSet<usize>>,
    by_key: FxHashMap<String, FxHashSet<usize>>,
}

/// A graph kept current one change at a time. See the module docs.
#[derive(Default)]
pub struct LiveGraph {
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    by_key: FxHashMap<ObjectKey, usize>,
    by_uid: FxHashMap<String, usize>,
    pods: FxHashMap<Option<String>, PodIndex>,
    /// Workloads' pod templates by namespace, indexed as pods are.
    templates: FxHashMap<Option<String>, PodIndex>,
    /// Objects with a selection, by namespace.
    selectors: FxHashMap<Option<String>, FxHashSet<usize>>,
    /// Unresolved references by the key they name: (holder slot, declared index).
    waiting: FxHashMap<ObjectKey, FxHashSet<(usize, usize)>>,
    /// Edges and how many declarations draw each.
    edges: FxHashMap<(usize, usize, Relation), u32>,
}

/// Collects what one object declares.
#[derive(Default)]
struct Collect {
    declared: Vec<Declared>,
    selects: Option<Result<Selects, ()>>,
    template: Option<BTreeMap<String, String>>,
}

impl Declare for Collect {
    fn reference(&mut self, _from: usize, relation: Relation, r: &Ref<'_>, reversed: bool) {
        if r.name.is_empty() {
            return;
        }
        self.declared.push(Declared {
            relation,
            key: ObjectKey::new(r.group, r.kind, r.namespace, r.name),
            uid: r.uid.map(str::to_owned),
            reversed,
            target: None,
        });
    }

    fn selection(&mut self, _from: usize, selection: Selection<'_>) {
        self.selects = Some(match selection {
            Selection::Service(labels) if labels.is_empty() => Ok(Selects::Nothing),
            Selection::Service(labels) => Ok(Selects::Pods(LabelSelector::from_labels(labels))),
            Selection::Selector(spec) => LabelSelector::from_spec(spec)
                .map(|selector| {
                    if selector.is_empty() {
                        Selects::All
                    } else {
                        Selects::Pods(selector)
                    }
                })
                .map_err(drop),
        });
    }

    fn template(&mut self, _from: usize, labels: &BTreeMap<String, String>) {
        self.template = Some(labels.clone());
    }
}

fn is_pod(object: &Object) -> bool {
    object.group().is_empty() && object.kind() == "Pod"
}

impl LiveGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// A graph of `objects`, built one at a time.
    pub fn from_objects(objects: impl IntoIterator<Item = Object>) -> Self {
        let mut graph = Self::new();
        for object in objects {
            graph.upsert(object);
        }
        graph
    }

    /// How many objects.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// The object with this key.
    pub fn get(&self, key: &ObjectKey) -> Option<&Object> {
        self.by_key.get(key).map(|&s| &self.slot(s).object)
    }

    /// Every object, in no particular order (to serve the current state without a
    /// second copy of it).
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.slots.iter().flatten().map(|s| &s.object)
    }

    /// The keys of the objects of one group and kind (to replace them all when a watch
    /// lists again).
    pub fn keys_of(&self, group: &str, kind: &str) -> Vec<ObjectKey> {
        self.slots
            .iter()
            .flatten()
            .filter(|s| s.object.group() == group && s.object.kind() == kind)
            .map(|s| s.object.key())
            .collect()
    }

    fn slot(&self, slot: usize) -> &Slot {
        self.slots[slot].as_ref().expect("live slot")
    }

    fn slot_mut(&mut self, slot: usize) -> &mut Slot {
        self.slots[slot].as_mut().expect("live slot")
    }

    /// Adds an object, or replaces the one with its key (a watch's ADDED or MODIFIED).
    pub fn upsert(&mut self, object: Object) -> GraphDiff {
        let mut diff = GraphDiff::default();
        let key = object.key();
        let slot = if let Some(&slot) = self.by_key.get(&key) {
            self.detach(slot, &mut diff);
            self.unindex_pod(slot, &mut diff);
            let old_uid = self.slot(slot).object.metadata().uid.clone();
            if let Some(uid) = old_uid {
                self.by_uid.remove(&uid);
            }
            self.slot_mut(slot).object = object;
            slot
        } else {
            let id = key.to_string();
            let slot = Slot {
                object,
                id: id.clone(),
                declared: Vec::new(),
                selects: Selects::Nothing,
                selected: FxHashSet::default(),
                selected_templates: FxHashSet::default(),
                template: None,
                referenced_by: FxHashSet::default(),
                selected_by: FxHashSet::default(),
            };
            let index = if let Some(free) = self.free.pop() {
                self.slots[free] = Some(slot);
                free
            } else {
                self.slots.push(Some(slot));
                self.slots.len() - 1
            };
            self.by_key.insert(key.clone(), index);
            diff.added_nodes.push(id);
            index
        };
        if let Some(uid) = self.slot(slot).object.metadata().uid.clone() {
            self.by_uid.insert(uid, slot);
        }
        self.attach(slot, &mut diff);
        self.index_pod(slot, &mut diff);
        // References that were waiting for this object resolve now.
        if let Some(waiting) = self.waiting.remove(&key) {
            for (holder, declared) in waiting {
                self.resolve(holder, declared, &mut diff);
            }
        }
        diff.sort();
        diff
    }

    /// Removes the object with this key (a watch's DELETED).
    pub fn delete(&mut self, key: &ObjectKey) -> GraphDiff {
        let mut diff = GraphDiff::default();
        let Some(slot) = self.by_key.get(key).copied() else {
            return diff;
        };
        self.detach(slot, &mut diff);
        self.unindex_pod(slot, &mut diff);
        // Whatever referenced it waits for it again.
        let referenced_by: Vec<(usize, usize)> =
            self.slot(slot).referenced_by.iter().copied().collect();
        for (holder, declared) in referenced_by {
            self.unresolve(holder, declared, &mut diff);
            let wanted = self.slot(holder).declared[declared].key.clone();
            self.waiting
                .entry(wanted)
                .or_default()
                .insert((holder, declared));
        }
        let Some(removed) = self.slots[slot].take() else {
            return diff;
        };
        if let Some(uid) = removed.object.metadata().uid.as_deref()
            && self.by_uid.get(uid) == Some(&slot)
        {
            self.by_uid.remove(uid);
        }
        self.by_key.remove(key);
        self.free.push(slot);
        diff.removed_nodes.push(removed.id);
        diff.sort();
        diff
    }

    /// Reads what the object in `slot` declares and links it.
    fn attach(&mut self, slot: usize, diff: &mut GraphDiff) {
        let mut collect = Collect::default();
        declare(&self.slot(slot).object, slot, &mut collect);
        let namespace = self.slot(slot).object.namespace().map(str::to_owned);
        let selects = match collect.selects {
            Some(Ok(selects)) => {
                self.selectors
                    .entry(namespace.clone())
                    .or_default()
                    .insert(slot);
                selects
            }
            Some(Err(())) | None => Selects::Nothing,
        };
        let count = collect.declared.len();
        {
            let s = self.slot_mut(slot);
            s.declared = collect.declared;
            s.selects = selects;
        }
        for declared in 0..count {
            self.resolve(slot, declared, diff);
        }
        // The pods it selects, through the label index; else the templates.
        let candidates: Vec<usize> = match &self.slot(slot).selects {
            Selects::Nothing | Selects::All => Vec::new(),
            Selects::Pods(selector) => self.candidates(&self.pods, namespace.as_deref(), selector),
        };
        for &pod in &candidates {
            self.select(slot, pod, diff);
        }
        if candidates.is_empty() {
            self.select_templates(slot, diff);
        }
        if let Some(labels) = collect.template {
            self.index_template(slot, labels, diff);
        }
    }

    /// Selects the templates `holder` matches, while it selects no pod.
    fn select_templates(&mut self, holder: usize, diff: &mut GraphDiff) {
        let namespace = self.slot(holder).object.namespace().map(str::to_owned);
        let found = match &self.slot(holder).selects {
            Selects::Pods(selector) => {
                self.candidates(&self.templates, namespace.as_deref(), selector)
            }
            Selects::Nothing | Selects::All => Vec::new(),
        };
        for workload in found {
            if self.slot_mut(holder).selected_templates.insert(workload) {
                self.slot_mut(workload).selected_by.insert(holder);
                self.add_edge(holder, workload, Relation::Selects, diff);
            }
        }
    }

    /// Drops the template edges of `holder` (it selects a pod now, or goes).
    fn unselect_templates(&mut self, holder: usize, diff: &mut GraphDiff) {
        let selected: Vec<usize> = self.slot_mut(holder).selected_templates.drain().collect();
        for workload in selected {
            self.slot_mut(workload).selected_by.remove(&holder);
            self.remove_edge(holder, workload, Relation::Selects, diff);
        }
    }

    /// Puts a workload's template in its namespace's index and lets the namespace's
    /// selectors that select no pod judge it.
    fn index_template(
        &mut self,
        slot: usize,
        labels: BTreeMap<String, String>,
        diff: &mut GraphDiff,
    ) {
        let namespace = self.slot(slot).object.namespace().map(str::to_owned);
        index_labels(
            self.templates.entry(namespace.clone()).or_default(),
            slot,
            &labels,
        );
        let holders = self.selector_holders(&namespace);
        for holder in holders {
            let h = self.slot(holder);
            let matches = h.selected.is_empty()
                && matches!(&h.selects, Selects::Pods(selector) if selector.matches(&labels));
            if matches && self.slot_mut(holder).selected_templates.insert(slot) {
                self.slot_mut(slot).selected_by.insert(holder);
                self.add_edge(holder, slot, Relation::Selects, diff);
            }
        }
        self.slot_mut(slot).template = Some(labels);
    }

    /// Takes a workload's template out of the index and drops its selectors' edges.
    fn unindex_template(&mut self, slot: usize, diff: &mut GraphDiff) {
        let Some(labels) = self.slot_mut(slot).template.take() else {
            return;
        };
        let namespace = self.slot(slot).object.namespace().map(str::to_owned);
        if let Some(index) = self.templates.get_mut(&namespace) {
            unindex_labels(index, slot, &labels);
        }
        let holders: Vec<usize> = self.slot_mut(slot).selected_by.drain().collect();
        for holder in holders {
            self.slot_mut(holder).selected_templates.remove(&slot);
            self.remove_edge(holder, slot, Relation::Selects, diff);
        }
    }

    /// Undoes [`LiveGraph::attach`]: the object's own edges go, and its unresolved
    /// references stop waiting.
    fn detach(&mut self, slot: usize, diff: &mut GraphDiff) {
        let count = self.slot(slot).declared.len();
        for declared in 0..count {
            self.unresolve(slot, declared, diff);
            let key = self.slot(slot).declared[declared].key.clone();
            if let Some(waiting) = self.waiting.get_mut(&key) {
                waiting.remove(&(slot, declared));
                if waiting.is_empty() {
                    self.waiting.remove(&key);
                }
            }
        }
        let selected: Vec<usize> = self.slot_mut(slot).selected.drain().collect();
        for pod in selected {
            self.slot_mut(pod).selected_by.remove(&slot);
            self.remove_edge(slot, pod, Relation::Selects, diff);
        }
        self.unselect_templates(slot, diff);
        self.unindex_template(slot, diff);
        let namespace = self.slot(slot).object.namespace().map(str::to_owned);
        if let Some(holders) = self.selectors.get_mut(&namespace) {
            holders.remove(&slot);
        }
        let s = self.slot_mut(slot);
        s.declared.clear();
        s.selects = Selects::Nothing;
    }

    /// Resolves one declared reference, or leaves it waiting for its target.
    fn resolve(&mut self, holder: usize, declared: usize, diff: &mut GraphDiff) {
        let d = &self.slot(holder).declared[declared];
        let by_uid = d
            .uid
            .as_deref()
            .and_then(|uid| self.by_uid.get(uid))
            .copied();
        let by_key = || {
            self.by_key.get(&d.key).copied().or_else(|| {
                d.key.namespace.as_ref().and_then(|_| {
                    let cluster = ObjectKey {
                        namespace: None,
                        ..d.key.clone()
                    };
                    self.by_key.get(&cluster).copied()
                })
            })
        };
        let found = by_uid.or_else(|| {
            by_key().filter(|&t| {
                // An owner recreated under the same name is not the owner.
                match (
                    d.uid.as_deref(),
                    self.slot(t).object.metadata().uid.as_deref(),
                ) {
                    (Some(wanted), Some(actual)) => wanted == actual,
                    _ => true,
                }
            })
        });
        let (relation, reversed, key) = (d.relation, d.reversed, d.key.clone());
        match found {
            Some(target) => {
                self.slot_mut(holder).declared[declared].target = Some(target);
                self.slot_mut(target)
                    .referenced_by
                    .insert((holder, declared));
                let (source, target) = if reversed {
                    (target, holder)
                } else {
                    (holder, target)
                };
                self.add_edge(source, target, relation, diff);
            }
            None => {
                self.waiting
                    .entry(key)
                    .or_default()
                    .insert((holder, declared));
            }
        }
    }

    fn unresolve(&mut self, holder: usize, declared: usize, diff: &mut GraphDiff) {
        let d = &mut self.slot_mut(holder).declared[declared];
        let Some(target) = d.target.take() else {
            return;
        };
        let (relation, reversed) = (d.relation, d.reversed);
        self.slot_mut(target)
            .referenced_by
            .remove(&(holder, declared));
        let (source, target) = if reversed {
            (target, holder)
        } else {
            (holder, target)
        };
        self.remove_edge(source, target, relation, diff);
    }

    fn select(&mut self, holder: usize, pod: usize, diff: &mut GraphDiff) {
        if self.slot_mut(holder).selected.insert(pod) {
            // A selector that selects a pod no longer stands for templates.
            self.unselect_templates(holder, diff);
            self.slot_mut(pod).selected_by.insert(holder);
            self.add_edge(holder, pod, Relation::Selects, diff);
        }
    }

    /// Pods (or templates) of `namespace` in `index` that `selector` matches.
    fn candidates(
        &self,
        index: &FxHashMap<Option<String>, PodIndex>,
        namespace: Option<&str>,
        selector: &LabelSelector,
    ) -> Vec<usize> {
        let Some(found) = index.get(&namespace.map(str::to_owned)) else {
            return Vec::new();
        };
        candidates(found, selector)
            .into_iter()
            .filter(|&slot| {
                let s = self.slot(slot);
                let labels = s.template.as_ref().filter(|_| !is_pod(&s.object));
                selector.matches(labels.unwrap_or_else(|| s.object.labels()))
            })
            .collect()
    }

    /// The objects whose selectors pick pods in `namespace`, copied out so that the
    /// caller may change the graph while it walks them.
    #[allow(clippy::ref_option)] // the map's key type; `Option<&str>` would allocate a key
    fn selector_holders(&self, namespace: &Option<String>) -> Vec<usize> {
        self.selectors
            .get(namespace)
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Puts a pod in its namespace's label index and lets the namespace's selectors
    /// judge it.
    fn index_pod(&mut self, slot: usize, diff: &mut GraphDiff) {
        if !is_pod(&self.slot(slot).object) {
            return;
        }
        let namespace = self.slot(slot).object.namespace().map(str::to_owned);
        let labels: BTreeMap<String, String> = self.slot(slot).object.labels().clone();
        index_labels(
            self.pods.entry(namespace.clone()).or_default(),
            slot,
            &labels,
        );
        let holders = self.selector_holders(&namespace);
        for holder in holders {
            let matches = match &self.slot(holder).selects {
                Selects::Pods(selector) => selector.matches(&labels),
                Selects::Nothing | Selects::All => false,
            };
            if matches {
                self.select(holder, slot, diff);
            }
        }
    }

    /// Takes a pod out of the label index and drops its selectors' edges. When the pod
    /// is only changing, [`LiveGraph::index_pod`] draws what still holds again and the
    /// diff keeps only the net change.
    fn unindex_pod(&mut self, slot: usize, diff: &mut GraphDiff) {
        if !is_pod(&self.slot(slot).object) {
            return;
        }
        let namespace = self.slot(slot).object.namespace().map(str::to_owned);
        let labels = self.slot(slot).object.labels().clone();
        if let Some(index) = self.pods.get_mut(&namespace) {
            unindex_labels(index, slot, &labels);
        }
        let holders: Vec<usize> = self.slot_mut(slot).selected_by.drain().collect();
        for holder in holders {
            self.slot_mut(holder).selected.remove(&slot);
            self.remove_edge(holder, slot, Relation::Selects, diff);
            // Its last pod gone, a selector stands for the templates it matches again.
            if self.slot(holder).selected.is_empty() {
                self.select_templates(holder, diff);
            }
        }
    }

    fn add_edge(&mut self, source: usize, target: usize, relation: Relation, diff: &mut GraphDiff) {
        let count = self.edges.entry((source, target, relation)).or_insert(0);
        *count += 1;
        if *count == 1 {
            let edge = (
                self.slot(source).id.clone(),
                self.slot(target).id.clone(),
                relation,
            );
            // Removed and added again within one change: no change at all.
            if let Some(at) = diff.removed_edges.iter().position(|e| *e == edge) {
                diff.removed_edges.swap_remove(at);
            } else {
                diff.added_edges.push(edge);
            }
        }
    }

    fn remove_edge(
        &mut self,
        source: usize,
        target: usize,
        relation: Relation,
        diff: &mut GraphDiff,
    ) {
        let key = (source, target, relation);
        let Some(count) = self.edges.get_mut(&key) else {
            return;
        };
        *count -= 1;
        if *count == 0 {
            self.edges.remove(&key);
            let edge = (
                self.slot(source).id.clone(),
                self.slot(target).id.clone(),
                relation,
            );
            if let Some(at) = diff.added_edges.iter().position(|e| *e == edge) {
                diff.added_edges.swap_remove(at);
            } else {
                diff.removed_edges.push(edge);
            }
        }
    }

    /// The whole graph as it stands (nodes and edges; problems come from
    /// [`crate::infer`]).
    pub fn graph(&self) -> Graph {
        let mut nodes = Vec::with_capacity(self.len());
        let mut index_of = vec![usize::MAX; self.slots.len()];
        for (slot, s) in self.slots.iter().enumerate() {
            let Some(s) = s else { continue };
            index_of[slot] = nodes.len();
            let api = ApiVersion::parse(s.object.api_version());
            nodes.push(Node {
                id: s.id.clone(),
                group: api.group.to_owned(),
                version: api.version.to_owned(),
                kind: s.object.kind().to_owned(),
                namespace: s.object.namespace().map(str::to_owned),
                name: s.object.name().to_owned(),
                uid: s.object.metadata().uid.clone(),
                object: slot,
            });
        }
        let mut edges: Vec<Edge> = self
            .edges
            .keys()
            .map(|&(source, target, relation)| Edge {
                source: index_of[source],
                target: index_of[target],
                relation,
            })
            .collect();
        // Selectors of every pod keep no edges here; they are drawn (or folded) as
        // inference draws them, from the namespace's index.
        let mut folds = Vec::new();
        for (namespace, holders) in &self.selectors {
            let pods = self
                .pods
                .get(namespace)
                .map(|i| &i.all)
                .filter(|all| !all.is_empty());
            let (target, all) = match pods {
                Some(all) => (FoldTarget::Pods, all),
                None => match self.templates.get(namespace) {
                    Some(index) => (FoldTarget::Templates, &index.all),
                    None => continue,
                },
            };
            for &holder in holders {
                if !matches!(self.slot(holder).selects, Selects::All) {
                    continue;
                }
                if all.len() > FOLD_EVERY_POD_ABOVE {
                    folds.push(Fold {
                        source: index_of[holder],
                        target,
                        count: all.len(),
                    });
                } else {
                    edges.extend(all.iter().map(|&slot| Edge {
                        source: index_of[holder],
                        target: index_of[slot],
                        relation: Relation::Selects,
                    }));
                }
            }
        }
        Graph::from_parts(nodes, edges, Vec::new(), folds)
    }
}

fn index_labels(index: &mut PodIndex, slot: usize, labels: &BTreeMap<String, String>) {
    index.all.insert(slot);
    for (key, value) in labels {
        index
            .by_label
            .entry((key.clone(), value.clone()))
            .or_default()
            .insert(slot);
        index.by_key.entry(key.clone()).or_default().insert(slot);
    }
}

fn unindex_labels(index: &mut PodIndex, slot: usize, labels: &BTreeMap<String, String>) {
    index.all.remove(&slot);
    for (key, value) in labels {
        if let Some(set) = index.by_label.get_mut(&(key.clone(), value.clone())) {
            set.remove(&slot);
        }
        if let Some(set) = index.by_key.get_mut(key) {
            set.remove(&slot);
        }
    }
}

#[cfg(test)]
mod tests;
