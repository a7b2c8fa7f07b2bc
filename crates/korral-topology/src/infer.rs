//! Relationship inference: from an [`ObjectSet`] to a [`Graph`].
//!
//! One pass indexes every object by key, uid and (for pods) labels; a second reads the
//! few spec fields that name other objects (see `refs`) and resolves them through the
//! indexes. Selectors are matched through a per-namespace label index, so a Service
//! costs in proportion to the pods it could select, not to the cluster's size.

mod declare;
mod refs;

pub(crate) use declare::{Declare, Selection, declare};

use std::collections::BTreeMap;

use korral_core::{ApiVersion, LabelSelector, Object, ObjectSet, Warning};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::graph::{
    Edge, FOLD_EVERY_POD_ABOVE, Fold, FoldTarget, Graph, Node, Problem, ProblemKind,
};
use crate::relation::Relation;
use crate::select::{LabelIndex, TemplateIndex, candidates};

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
    // Selections wait until every pod template is known.
    for (from, selection) in std::mem::take(&mut builder.selections) {
        builder.select(from, &selection);
    }
    builder.duplicates(set.warnings());
    builder.finish()
}

/// A selection read from an object, resolved once every template is indexed.
struct Pending {
    selector: LabelSelector,
    /// A Service's: it alone is reported when it selects nothing.
    service: bool,
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
    /// Workloads' pod templates by namespace, labelled as their pods will be.
    templates: FxHashMap<Option<&'a str>, TemplateIndex>,
    selections: Vec<(usize, Pending)>,
    edges: Vec<Edge>,
    problems: Vec<Problem>,
    folds: Vec<Fold>,
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
            templates: FxHashMap::default(),
            selections: Vec::new(),
            edges: Vec::with_capacity(objects.len() * 3),
            problems: Vec::new(),
            folds: Vec::new(),
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
        Graph::from_parts(nodes, self.edges, self.problems, self.folds)
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

    /// Draws what `from` selects: its pods; when it selects none, the workloads whose
    /// pod templates it matches (manifests hold no pods); a selector that selects
    /// everything is one [`Fold`], not an edge per pod.
    fn select(&mut self, from: usize, pending: &Pending) {
        let namespace = self.objects[from].namespace();
        let selector = &pending.selector;
        if selector.is_empty() {
            // Every pod (else every template): an edge each while there are few, one
            // fold when there are many, so N such selectors over N pods stay linear.
            let pods = self.pods.get(&namespace).map_or(&[][..], |p| &p.all[..]);
            let (target, all) = if pods.is_empty() {
                let templates = self.templates.get(&namespace);
                (
                    FoldTarget::Templates,
                    templates.map_or(&[][..], |t| &t.all[..]),
                )
            } else {
                (FoldTarget::Pods, pods)
            };
            if all.len() > FOLD_EVERY_POD_ABOVE {
                self.folds.push(Fold {
                    source: from,
                    target,
                    count: all.len(),
                });
            } else {
                let all = all.to_vec();
                for target in all {
                    self.edge(from, target, Relation::Selects);
                }
            }
            return;
        }
        let mut targets = self.matching_pods(namespace, selector);
        if targets.is_empty()
            && let Some(templates) = self.templates.get(&namespace)
        {
            targets = templates.matching(selector);
        }
        let judged = self.strict
            || self.kinds.contains(&("", "Pod"))
            || self.templates.values().any(|t| !t.all.is_empty());
        if targets.is_empty() && pending.service && judged {
            self.problem(
                from,
                ProblemKind::SelectsNothing,
                format!(
                    "selector `{selector}` matches no pod (nor any workload's pod template) in namespace `{}`",
                    namespace.unwrap_or_default()
                ),
            );
        }
        for target in targets {
            self.edge(from, target, Relation::Selects);
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
        let pending = match selection {
            // A Service without a selector (or with an empty one) selects nothing: its
            // endpoints are managed by hand.
            Selection::Service(labels) if labels.is_empty() => return,
            Selection::Service(labels) => Pending {
                selector: LabelSelector::from_labels(labels),
                service: true,
            },
            Selection::Selector(spec) => match LabelSelector::from_spec(spec) {
                Ok(selector) => Pending {
                    selector,
                    service: false,
                },
                Err(err) => {
                    self.problem(from, ProblemKind::InvalidSelector, err.to_string());
                    return;
                }
            },
        };
        self.selections.push((from, pending));
    }

    fn template(&mut self, from: usize, labels: &BTreeMap<String, String>) {
        let namespace = self.objects[from].namespace();
        self.templates
            .entry(namespace)
            .or_default()
            .insert(from, labels.clone());
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
