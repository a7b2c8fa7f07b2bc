//! Relationship inference: from an [`ObjectSet`] to a [`Graph`].
//!
//! One pass indexes every object by key, uid and (for pods) labels; a second reads the
//! few spec fields that name other objects (see `refs`) and resolves them through the
//! indexes. Selectors are matched through a per-namespace label index, so a Service
//! costs in proportion to the pods it could select, not to the cluster's size.

mod declare;
mod refs;

pub(crate) use declare::{Declare, Selection, declare};

use korral_core::{ApiVersion, LabelSelector, Object, ObjectSet, Warning};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::graph::{Edge, Graph, Node, Problem, ProblemKind};
use crate::relation::Relation;
use crate::select::{LabelIndex, candidates};

/// How inference treats incomplete input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InferOptions {
    /// Report references to kinds that are absent from the input entirely. Off by
    /// default: a folder of manifests rarely holds the Nodes or the `default`
    /// ServiceAccount its pods name.
    pub strict: bool,
}

/// Builds the graph of `set`.
pub fn infer(set: &ObjectSet, options: InferOptions) -> Graph {
    let mut builder = Builder::new(set, options);
    for (index, object) in set.objects().iter().enumerate() {
        declare(object, index, &mut builder);
    }
    builder.duplicates(set.warnings());
    builder.finish()
}

pub(crate) const RBAC: &str = "rbac.authorization.k8s.io";

type Key<'a> = (&'a str, &'a str, Option<&'a str>, &'a str);

/// A reference from one object to another, as the referring object writes it.
pub(crate) struct Ref<'r> {
    pub(crate) group: &'r str,
    pub(crate) kind: &'r str,
    pub(crate) namespace: Option<&'r str>,
    pub(crate) name: &'r str,
    pub(crate) uid: Option<&'r str>,
    /// `optional: true` on a ConfigMap or Secret source: a missing target is fine.
    pub(crate) optional: bool,
}

impl<'r> Ref<'r> {
    fn new(group: &'r str, kind: &'r str, namespace: Option<&'r str>, name: &'r str) -> Self {
        Self {
            group,
            kind,
            namespace,
            name,
            uid: None,
            optional: false,
        }
    }

    fn optional(mut self, optional: Option<bool>) -> Self {
        self.optional = optional.unwrap_or(false);
        self
    }
}

impl LabelIndex for PodIndex<'_> {
    fn labelled(&self, key: &str, value: &str) -> Vec<usize> {
        self.by_label
            .get(&(key, value))
            .cloned()
            .unwrap_or_default()
    }

    fn keyed(&self, key: &str) -> Vec<usize> {
        self.by_key.get(key).cloned().unwrap_or_default()
    }

    fn all(&self) -> Vec<usize> {
        self.all.clone()
    }
}

#[derive(Default)]
struct PodIndex<'a> {
    all: Vec<usize>,
    by_label: FxHashMap<(&'a str, &'a str), Vec<usize>>,
    by_key: FxHashMap<&'a str, Vec<usize>>,
}

struct Builder<'a> {
    objects: &'a [Object],
    strict: bool,
    by_key: FxHashMap<Key<'a>, usize>,
    by_uid: FxHashMap<&'a str, usize>,
    kinds: FxHashSet<(&'a str, &'a str)>,
    pods: FxHashMap<Option<&'a str>, PodIndex<'a>>,
    edges: Vec<Edge>,
    problems: Vec<Problem>,
}

impl<'a> Builder<'a> {
    fn new(set: &'a ObjectSet, options: InferOptions) -> Self {
        let objects = set.objects();
        let mut by_key = FxHashMap::default();
        let mut by_uid = FxHashMap::default();
        let mut kinds = FxHashSet::default();
        let mut pods: FxHashMap<Option<&str>, PodIndex<'_>> = FxHashMap::default();
        by_key.reserve(objects.len());
        by_uid.reserve(objects.len());
        for (index, object) in objects.iter().enumerate() {
            let group = object.group();
            by_key.insert(
                (group, object.kind(), object.namespace(), object.name()),
                index,
            );
            if let Some(uid) = object.metadata().uid.as_deref() {
                by_uid.insert(uid, index);
            }
            kinds.insert((group, object.kind()));
            if group.is_empty() && object.kind() == "Pod" {
                let pod_index = pods.entry(object.namespace()).or_default();
                pod_index.all.push(index);
                for (key, value) in object.labels() {
                    pod_index
                        .by_label
                        .entry((key.as_str(), value.as_str()))
                        .or_default()
                        .push(index);
                    pod_index
                        .by_key
                        .entry(key.as_str())
                        .or_default()
                        .push(index);
                }
            }
        }
        Self {
            objects,
            strict: options.strict,
            by_key,
            by_uid,
            kinds,
            pods,
            edges: Vec::with_capacity(objects.len() * 3),
            problems: Vec::new(),
        }
    }

    fn finish(self) -> Graph {
        let nodes = self
            .objects
            .iter()
            .enumerate()
            .map(|(index, object)| {
                let api = ApiVersion::parse(object.api_version());
                Node {
                    id: object.key().to_string(),
                    group: api.group.to_owned(),
                    version: api.version.to_owned(),
                    kind: object.kind().to_owned(),
                    namespace: object.namespace().map(str::to_owned),
                    name: object.name().to_owned(),
                    uid: object.metadata().uid.clone(),
                    object: index,
                }
            })
            .collect();
        Graph::from_parts(nodes, self.edges, self.problems)
    }

    fn edge(&mut self, source: usize, target: usize, relation: Relation) {
        self.edges.push(Edge {
            source,
            target,
            relation,
        });
    }

    fn problem(&mut self, object: usize, kind: ProblemKind, message: String) {
        self.problems.push(Problem {
            object,
            kind,
            message,
        });
    }

    fn lookup(
        &self,
        group: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<usize> {
        self.by_key.get(&(group, kind, namespace, name)).copied()
    }

    /// Finds what `from` refers to, or records a dangling reference on `from` when the
    /// target should be there: it is not optional, and its kind is in the input (or the
    /// graph is strict).
    fn resolve(&mut self, from: usize, relation: Relation, r: &Ref<'_>) -> Option<usize> {
        if r.name.is_empty() {
            return None;
        }
        if let Some(&index) = r.uid.and_then(|uid| self.by_uid.get(uid)) {
            return Some(index);
        }
        let found = self
            .lookup(r.group, r.kind, r.namespace, r.name)
            .or_else(|| {
                r.namespace
                    .and_then(|_| self.lookup(r.group, r.kind, None, r.name))
            });
        let target = shown(r.kind, r.namespace, r.name);
        match (found, r.uid) {
            (Some(index), Some(uid)) => match self.objects[index].metadata().uid.as_deref() {
                Some(actual) if actual != uid => {
                    self.problem(
                        from,
                        ProblemKind::DanglingReference,
                        format!(
                            "{} {target} with uid {uid}, but that object has uid {actual}: it was deleted and created again",
                            verb(relation)
                        ),
                    );
                    None
                }
                _ => Some(index),
            },
            (Some(index), None) => Some(index),
            (None, _) => {
                if !r.optional && (self.strict || self.kinds.contains(&(r.group, r.kind))) {
                    self.problem(
                        from,
                        ProblemKind::DanglingReference,
                        format!("{} {target}, which does not exist", verb(relation)),
                    );
                }
                None
            }
        }
    }

    /// The pods of `namespace` that `selector` matches, in object order. Candidates come
    /// from the label index entry of the most selective requirement that can only match
    /// labelled pods; the full selector then checks each candidate.
    fn matching_pods(&self, namespace: Option<&str>, selector: &LabelSelector) -> Vec<usize> {
        let Some(pods) = self.pods.get(&namespace) else {
            return Vec::new();
        };
        candidates(pods, selector)
            .into_iter()
            .filter(|&pod| selector.matches(self.objects[pod].labels()))
            .collect()
    }

    fn service(
        &mut self,
        index: usize,
        namespace: Option<&str>,
        selector: Option<&std::collections::BTreeMap<String, String>>,
    ) {
        // A Service without a selector (or with an empty one) selects nothing: its
        // endpoints are managed by hand.
        let Some(labels) = selector.filter(|s| !s.is_empty()) else {
            return;
        };
        let selector = LabelSelector::from_labels(labels);
        let pods = self.matching_pods(namespace, &selector);
        if pods.is_empty() && (self.strict || self.kinds.contains(&("", "Pod"))) {
            self.problem(
                index,
                ProblemKind::SelectsNothing,
                format!(
                    "selector `{selector}` matches no pod in namespace `{}`",
                    namespace.unwrap_or_default()
                ),
            );
        }
        for pod in pods {
            self.edge(index, pod, Relation::Selects);
        }
    }

    fn select(
        &mut self,
        index: usize,
        namespace: Option<&str>,
        spec: &korral_core::LabelSelectorSpec,
    ) {
        match LabelSelector::from_spec(spec) {
            Ok(selector) => {
                for pod in self.matching_pods(namespace, &selector) {
                    self.edge(index, pod, Relation::Selects);
                }
            }
            Err(err) => self.problem(index, ProblemKind::InvalidSelector, err.to_string()),
        }
    }

    /// Reports each object that was read twice.
    fn duplicates(&mut self, warnings: &[Warning]) {
        for warning in warnings {
            if let Warning::Duplicate { key, first, second } = warning {
                let found = self.lookup(&key.group, &key.kind, key.namespace.as_deref(), &key.name);
                if let Some(index) = found {
                    self.problem(
                        index,
                        ProblemKind::DuplicateObject,
                        format!(
                            "defined twice, at {first} and {second}; the one at {second} is used"
                        ),
                    );
                }
            }
        }
    }
}

impl Declare for Builder<'_> {
    fn reference(&mut self, from: usize, relation: Relation, r: &Ref<'_>, reversed: bool) {
        if let Some(target) = self.resolve(from, relation, r) {
            if reversed {
                self.edge(target, from, relation);
            } else {
                self.edge(from, target, relation);
            }
        }
    }

    fn selection(&mut self, from: usize, selection: Selection<'_>) {
        let namespace = self.objects[from].namespace();
        match selection {
            Selection::Service(labels) => self.service(from, namespace, Some(labels)),
            Selection::Selector(spec) => self.select(from, namespace, spec),
        }
    }
}

/// How a problem message names a relation from the referring object's side: the owned
/// object refers to its owner.
fn verb(relation: Relation) -> &'static str {
    match relation {
        Relation::Owns => "owned by",
        other => other.name(),
    }
}

/// `Kind ns/name` or `Kind name`, as problems name their targets.
fn shown(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{kind} `{ns}/{name}`"),
        None => format!("{kind} `{name}`"),
    }
}
