//! Narrowing a graph to what the user asked to see.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;

use korral_core::{LabelSelector, ObjectSet};

use crate::graph::{Graph, Node};
use crate::relation::Relation;

/// What part of a graph to show.
///
/// 1. `namespace` keeps the objects of one namespace and the cluster-scoped objects
///    they relate to directly (their Nodes, PersistentVolumes, ClusterRoles…).
/// 2. `relations` keeps only edges of those relations.
/// 3. `focus` or `selector` pick the objects to start from; the view then shows them,
///    their owners up the chain, what they own down the chain, and whatever any of those
///    relate to, up to `depth` hops away (default 1). Without either, everything in
///    scope is shown.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// Only this namespace (and the cluster-scoped objects its objects relate to).
    pub namespace: Option<String>,
    /// Start from the objects whose labels match.
    pub selector: Option<LabelSelector>,
    /// Start from one object.
    pub focus: Option<Focus>,
    /// How many relation hops to follow from the starting objects; ownership chains
    /// are followed whole and do not count. Default 1.
    pub depth: Option<usize>,
    /// Only these relations.
    pub relations: Option<Vec<Relation>>,
}

/// One object named on the command line: `KIND/NAME` or `KIND/NAMESPACE/NAME`. KIND may
/// be a kind (`Deployment`), its plural or short name as kubectl takes them
/// (`deployments`, `deploy`), with an optional group (`deployment.apps`); any case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focus {
    /// The kind as written.
    pub kind: String,
    /// The namespace, when given.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

/// Why a view cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    /// `--focus` is not `KIND/NAME` or `KIND/NAMESPACE/NAME`.
    #[error(
        "`{0}` is not an object; write KIND/NAME or KIND/NAMESPACE/NAME, for example deployment/shop/frontend"
    )]
    FocusSyntax(String),
    /// No object matches `--focus`.
    #[error("no object `{0}` in the input; list what is there with `korral topology -o json`")]
    NotFound(Focus),
    /// `--focus KIND/NAME` matches objects in several namespaces.
    #[error("`{focus}` is in several namespaces ({}); name one: KIND/NAMESPACE/NAME or -n", namespaces.join(", "))]
    Ambiguous {
        /// What was asked for.
        focus: Focus,
        /// The namespaces it is found in.
        namespaces: Vec<String>,
    },
}

impl fmt::Display for Focus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{ns}/{}", self.kind, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

impl FromStr for Focus {
    type Err = ViewError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let focus = match parts.as_slice() {
            [kind, name] => Focus {
                kind: (*kind).to_owned(),
                namespace: None,
                name: (*name).to_owned(),
            },
            [kind, namespace, name] => Focus {
                kind: (*kind).to_owned(),
                namespace: Some((*namespace).to_owned()),
                name: (*name).to_owned(),
            },
            _ => return Err(ViewError::FocusSyntax(s.to_owned())),
        };
        let empty = focus.kind.is_empty()
            || focus.name.is_empty()
            || focus.namespace.as_deref().is_some_and(str::is_empty);
        if empty {
            return Err(ViewError::FocusSyntax(s.to_owned()));
        }
        Ok(focus)
    }
}

impl Focus {
    /// Whether `node` is the object this names (namespace aside).
    fn matches_kind_and_name(&self, node: &Node) -> bool {
        node.name == self.name && kind_matches(&self.kind, node)
    }
}

/// kubectl's short names for the kinds korral relates.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("po", "pod"),
    ("svc", "service"),
    ("deploy", "deployment"),
    ("rs", "replicaset"),
    ("sts", "statefulset"),
    ("ds", "daemonset"),
    ("cj", "cronjob"),
    ("cm", "configmap"),
    ("pvc", "persistentvolumeclaim"),
    ("pv", "persistentvolume"),
    ("sa", "serviceaccount"),
    ("ns", "namespace"),
    ("no", "node"),
    ("ing", "ingress"),
    ("hpa", "horizontalpodautoscaler"),
    ("vpa", "verticalpodautoscaler"),
    ("pdb", "poddisruptionbudget"),
    ("netpol", "networkpolicy"),
    ("sc", "storageclass"),
    ("crd", "customresourcedefinition"),
    ("rc", "replicationcontroller"),
    ("ep", "endpoints"),
];

fn kind_matches(query: &str, node: &Node) -> bool {
    kind_is(query, &node.kind, &node.group)
}

/// Whether `query`, as a user writes a kind on the command line (`Deployment`,
/// `deployments`, `deploy`, `deployment.apps`, any case), names `kind` of `group`.
pub fn kind_is(query: &str, kind: &str, group: &str) -> bool {
    let query = query.to_ascii_lowercase();
    let (wanted, group_query) = match query.split_once('.') {
        Some((kind, group)) => (kind, Some(group)),
        None => (query.as_str(), None),
    };
    let wanted = SHORT_NAMES
        .iter()
        .find(|(short, _)| *short == wanted)
        .map_or(wanted, |(_, long)| long);
    let actual = kind.to_ascii_lowercase();
    let plural_y = actual
        .strip_suffix('y')
        .is_some_and(|stem| wanted == format!("{stem}ies"));
    let kind_ok = wanted == actual
        || wanted == format!("{actual}s")
        || wanted == format!("{actual}es")
        || plural_y;
    let group_ok = group_query.is_none_or(|g| g == group || (g == "core" && group.is_empty()));
    kind_ok && group_ok
}

impl View {
    /// Whether the view shows everything.
    pub fn is_everything(&self) -> bool {
        self.namespace.is_none()
            && self.selector.is_none()
            && self.focus.is_none()
            && self.relations.is_none()
    }

    /// The part of `graph` this view shows. `set` is the object set the graph was built
    /// from (the selector reads labels from it).
    pub fn apply(&self, graph: &Graph, set: &ObjectSet) -> Result<Graph, ViewError> {
        let mut graph = graph.clone();
        if let Some(relations) = &self.relations {
            graph.retain_relations(relations);
        }
        let nodes = graph.nodes();
        let in_namespace: Vec<bool> = nodes
            .iter()
            .map(|n| self.namespace.is_none() || n.namespace == self.namespace)
            .collect();
        let mut in_scope = in_namespace.clone();
        if self.namespace.is_some() {
            // Only direct neighbours of the namespace's own objects: a Node stays, the
            // Node's own cluster-scoped relations do not.
            for edge in graph.edges() {
                let (s, t) = (edge.source, edge.target);
                if in_namespace[s] && nodes[t].namespace.is_none() {
                    in_scope[t] = true;
                } else if in_namespace[t] && nodes[s].namespace.is_none() {
                    in_scope[s] = true;
                }
            }
        }

        let seeds: Vec<usize> = if let Some(focus) = &self.focus {
            vec![self.find(&graph, focus, &in_scope)?]
        } else if let Some(selector) = &self.selector {
            let objects = set.objects();
            (0..nodes.len())
                .filter(|&i| {
                    in_scope[i]
                        && objects
                            .get(nodes[i].object)
                            .is_some_and(|o| selector.matches(o.labels()))
                })
                .collect()
        } else {
            return Ok(graph.subgraph(&in_scope));
        };

        let keep = neighbourhood(&graph, &seeds, &in_scope, self.depth.unwrap_or(1));
        Ok(graph.subgraph(&keep))
    }

    fn find(&self, graph: &Graph, focus: &Focus, in_scope: &[bool]) -> Result<usize, ViewError> {
        let namespace = focus.namespace.as_ref().or(self.namespace.as_ref());
        let found: Vec<usize> = graph
            .nodes()
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                in_scope[*i]
                    && focus.matches_kind_and_name(n)
                    && namespace.is_none_or(|ns| n.namespace.as_ref().is_none_or(|n| n == ns))
            })
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [] => Err(ViewError::NotFound(focus.clone())),
            [one] => Ok(*one),
            many => Err(ViewError::Ambiguous {
                focus: focus.clone(),
                namespaces: many
                    .iter()
                    .map(|&i| graph.nodes()[i].namespace.clone().unwrap_or_default())
                    .collect(),
            }),
        }
    }
}

/// The seeds, their whole ownership chains, and everything within `depth` hops of those.
fn neighbourhood(graph: &Graph, seeds: &[usize], allowed: &[bool], depth: usize) -> Vec<bool> {
    let count = graph.nodes().len();
    let mut out: Vec<Vec<(usize, Relation)>> = vec![Vec::new(); count];
    let mut inc: Vec<Vec<(usize, Relation)>> = vec![Vec::new(); count];
    for e in graph.edges() {
        out[e.source].push((e.target, e.relation));
        inc[e.target].push((e.source, e.relation));
    }
    let mut keep = vec![false; count];
    let mut queue: VecDeque<usize> = VecDeque::new();
    // Ownership, down from the seeds and up from them, does not count as a hop.
    for adjacency in [&out, &inc] {
        let mut stack: Vec<usize> = seeds.to_vec();
        let mut seen = vec![false; count];
        while let Some(node) = stack.pop() {
            if seen[node] || !allowed[node] {
                continue;
            }
            seen[node] = true;
            if !keep[node] {
                keep[node] = true;
                queue.push_back(node);
            }
            for &(next, relation) in &adjacency[node] {
                if relation == Relation::Owns {
                    stack.push(next);
                }
            }
        }
    }
    let mut hops = vec![0_usize; count];
    while let Some(node) = queue.pop_front() {
        if hops[node] >= depth {
            continue;
        }
        for &(next, _) in out[node].iter().chain(&inc[node]) {
            if allowed[next] && !keep[next] {
                keep[next] = true;
                hops[next] = hops[node] + 1;
                queue.push_back(next);
            }
        }
    }
    keep
}
