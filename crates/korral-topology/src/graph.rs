use std::fmt;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::relation::Relation;

/// The graph of how a set of objects relate: nodes sorted by id, edges sorted by
/// (source, target, relation), and the problems found while building it.
///
/// The same objects give the same graph, byte for byte in every export, whatever order
/// they were read in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    pub(crate) nodes: Vec<Node>,
    pub(crate) edges: Vec<Edge>,
    pub(crate) problems: Vec<Problem>,
    pub(crate) folds: Vec<Fold>,
}

/// Above this many pods (or pod templates) in a namespace, a selector that selects
/// every one of them is a [`Fold`] rather than an edge to each.
pub const FOLD_EVERY_POD_ABOVE: usize = 100;

/// A selector that selects every pod of its namespace (an empty `podSelector`, a
/// `policy/v1` PodDisruptionBudget's empty selector) in a namespace of more than
/// [`FOLD_EVERY_POD_ABOVE`] pods, kept as one entry instead of a `selects` edge per
/// pod: 20,000 default-deny policies over 20,000 pods would otherwise be 400 million
/// edges. Ask [`Graph::folded_selectors_of`] which folded selectors cover a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fold {
    /// The selecting node (NetworkPolicy, PodDisruptionBudget).
    pub source: usize,
    /// What it stands for: pods, or the pod templates of workloads when its namespace
    /// has no pods (manifests never applied).
    pub target: FoldTarget,
    /// How many pods (or workloads) of the namespace that is.
    pub count: usize,
}

/// What a [`Fold`] selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FoldTarget {
    /// Every pod of the namespace.
    Pods,
    /// Every workload's pod template in the namespace (it has no pods).
    Templates,
}

/// One object in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Stable, unique id: `Kind[.group]/namespace/name`, or `Kind[.group]/name` when
    /// cluster-scoped (`Deployment.apps/shop/web`, `Node/worker-1`).
    pub id: String,
    /// API group; empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
    /// Namespace; `None` when cluster-scoped.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// uid, when the object came from a cluster.
    pub uid: Option<String>,
    /// Index of the object in the [`korral_core::ObjectSet`] the graph was built from.
    pub object: usize,
}

/// A relation from one node to another, by node index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    /// The node that owns, selects or names.
    pub source: usize,
    /// The node owned, selected or named.
    pub target: usize,
    /// How they relate.
    pub relation: Relation,
}

/// Something wrong in the graph: reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The node the problem is about.
    pub object: usize,
    /// What sort of problem.
    pub kind: ProblemKind,
    /// What is wrong, in words.
    pub message: String,
}

/// The sorts of [`Problem`]. The names are a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemKind {
    /// A reference to an object that is not there (`dangling-reference`).
    DanglingReference,
    /// A Service whose selector matches no pod (`selects-nothing`).
    SelectsNothing,
    /// The same object was read twice (`duplicate-object`).
    DuplicateObject,
    /// A label selector Kubernetes would reject (`invalid-selector`).
    InvalidSelector,
}

impl ProblemKind {
    /// The kind's name as korral prints it.
    pub fn name(self) -> &'static str {
        match self {
            Self::DanglingReference => "dangling-reference",
            Self::SelectsNothing => "selects-nothing",
            Self::DuplicateObject => "duplicate-object",
            Self::InvalidSelector => "invalid-selector",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Graph {
    /// Builds a graph from parts, sorting nodes by id and remapping edges and problems;
    /// duplicate edges and problems are dropped.
    pub(crate) fn from_parts(
        mut nodes: Vec<Node>,
        mut edges: Vec<Edge>,
        mut problems: Vec<Problem>,
        mut folds: Vec<Fold>,
    ) -> Self {
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_unstable_by(|&a, &b| nodes[a].id.cmp(&nodes[b].id));
        let mut new_index = vec![0; nodes.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut slots: Vec<Option<Node>> = nodes.drain(..).map(Some).collect();
        let nodes: Vec<Node> = order.iter().filter_map(|&old| slots[old].take()).collect();
        for edge in &mut edges {
            edge.source = new_index[edge.source];
            edge.target = new_index[edge.target];
        }
        edges.sort_unstable();
        edges.dedup();
        for problem in &mut problems {
            problem.object = new_index[problem.object];
        }
        problems.sort_unstable();
        problems.dedup();
        for fold in &mut folds {
            fold.source = new_index[fold.source];
        }
        sort_folds(&nodes, &mut folds);
        Self {
            nodes,
            edges,
            problems,
            folds,
        }
    }

    /// Selections kept as one entry each rather than an edge per pod, by namespace.
    /// See [`Fold`].
    pub fn folds(&self) -> &[Fold] {
        &self.folds
    }

    /// The folded selectors that select `node` (a Pod, or a workload through its pod
    /// template): those of its namespace that select every pod. With the sources of
    /// its `selects` edges, these are all its selectors: what a coverage check asks
    /// ("does any NetworkPolicy select this pod?") without a pair per pod. Costs a
    /// binary search and the folds of the namespace.
    pub fn folded_selectors_of(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let target = &self.nodes[node];
        let kind = if target.group.is_empty() && target.kind == "Pod" {
            FoldTarget::Pods
        } else {
            FoldTarget::Templates
        };
        let namespace = target.namespace.as_deref();
        let key = |f: &Fold| (self.nodes[f.source].namespace.as_deref(), f.target);
        let start = self.folds.partition_point(|f| key(f) < (namespace, kind));
        self.folds[start..]
            .iter()
            .take_while(move |f| key(f) == (namespace, kind))
            .map(|f| f.source)
    }

    /// The nodes, sorted by id.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The edges, sorted by source, target and relation.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// The problems, sorted by object.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// The node with this id.
    pub fn node_by_id(&self, id: &str) -> Option<usize> {
        self.nodes.binary_search_by(|n| n.id.as_str().cmp(id)).ok()
    }

    /// The part of the graph made of the nodes for which `keep` is true, and the edges
    /// and problems among them.
    #[must_use]
    pub fn subgraph(&self, keep: &[bool]) -> Self {
        let mut new_index = vec![usize::MAX; self.nodes.len()];
        let mut nodes = Vec::new();
        for (old, node) in self.nodes.iter().enumerate() {
            if keep[old] {
                new_index[old] = nodes.len();
                nodes.push(node.clone());
            }
        }
        let edges = self
            .edges
            .iter()
            .filter(|e| keep[e.source] && keep[e.target])
            .map(|e| Edge {
                source: new_index[e.source],
                target: new_index[e.target],
                relation: e.relation,
            })
            .collect();
        let problems = self
            .problems
            .iter()
            .filter(|p| keep[p.object])
            .map(|p| Problem {
                object: new_index[p.object],
                ..p.clone()
            })
            .collect();
        let mut folds: Vec<Fold> = self
            .folds
            .iter()
            .filter(|f| keep[f.source])
            .map(|f| Fold {
                source: new_index[f.source],
                ..*f
            })
            .collect();
        sort_folds(&nodes, &mut folds);
        Self {
            nodes,
            edges,
            problems,
            folds,
        }
    }

    /// Keeps only the edges whose relation is in `relations`.
    pub fn retain_relations(&mut self, relations: &[Relation]) {
        self.edges.retain(|e| relations.contains(&e.relation));
        if !relations.contains(&Relation::Selects) {
            self.folds.clear();
        }
    }
}

/// Folds in (namespace, target, source) order, so the folds of one namespace are found
/// by binary search.
fn sort_folds(nodes: &[Node], folds: &mut Vec<Fold>) {
    folds.sort_unstable_by(|a, b| {
        let key = |f: &Fold| (nodes[f.source].namespace.as_deref(), f.target, f.source);
        key(a).cmp(&key(b))
    });
    folds.dedup();
}

/// The JSON (and YAML) shape, a public contract:
/// `{"nodes":[{"id","group","version","kind","namespace","name","uid"}],
///   "edges":[{"source","target","relation"}], "problems":[{"kind","object","message"}],
///   "folded":[{"source","relation","namespace","target","count"}]}`; `folded` (see
/// [`Fold`]) only when there is one, `target` is `every-pod` or `every-pod-template`.
impl Serialize for Graph {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = 3 + usize::from(!self.folds.is_empty());
        let mut doc = serializer.serialize_struct("Graph", fields)?;
        doc.serialize_field("nodes", &self.nodes)?;
        let edges: Vec<EdgeOut<'_>> = self
            .edges
            .iter()
            .map(|e| EdgeOut {
                source: &self.nodes[e.source].id,
                target: &self.nodes[e.target].id,
                relation: e.relation,
            })
            .collect();
        doc.serialize_field("edges", &edges)?;
        let problems: Vec<ProblemOut<'_>> = self
            .problems
            .iter()
            .map(|p| ProblemOut {
                kind: p.kind.name(),
                object: &self.nodes[p.object].id,
                message: &p.message,
            })
            .collect();
        doc.serialize_field("problems", &problems)?;
        if self.folds.is_empty() {
            doc.skip_field("folded")?;
        } else {
            let folds: Vec<FoldOut<'_>> = self
                .folds
                .iter()
                .map(|f| FoldOut {
                    source: &self.nodes[f.source].id,
                    relation: Relation::Selects,
                    namespace: self.nodes[f.source]
                        .namespace
                        .as_deref()
                        .unwrap_or_default(),
                    target: match f.target {
                        FoldTarget::Pods => "every-pod",
                        FoldTarget::Templates => "every-pod-template",
                    },
                    count: f.count,
                })
                .collect();
            doc.serialize_field("folded", &folds)?;
        }
        doc.end()
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = 5 + usize::from(self.namespace.is_some()) + usize::from(self.uid.is_some());
        let mut map = serializer.serialize_map(Some(fields))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("group", &self.group)?;
        map.serialize_entry("version", &self.version)?;
        map.serialize_entry("kind", &self.kind)?;
        if let Some(namespace) = &self.namespace {
            map.serialize_entry("namespace", namespace)?;
        }
        map.serialize_entry("name", &self.name)?;
        if let Some(uid) = &self.uid {
            map.serialize_entry("uid", uid)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct EdgeOut<'a> {
    source: &'a str,
    target: &'a str,
    relation: Relation,
}

#[derive(Serialize)]
struct FoldOut<'a> {
    source: &'a str,
    relation: Relation,
    namespace: &'a str,
    target: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct ProblemOut<'a> {
    kind: &'static str,
    object: &'a str,
    message: &'a str,
}
