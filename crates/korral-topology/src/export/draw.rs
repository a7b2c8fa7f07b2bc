//! What the SVG, PNG and PDF drawings show: the graph, or for a large one a folded
//! version a person can read. Past [`FOLD_OWNED_ABOVE`] objects, what a workload owns
//! (its ReplicaSets, Jobs and Pods) folds into the workload's box as a count; past
//! [`MAX_BOXES`] boxes, objects of one kind in one namespace fold into one box, then
//! objects of one kind across namespaces. Every fold is said in a note on the drawing.

use std::collections::BTreeMap;

use crate::graph::Graph;
use crate::layout::Layer;
use crate::relation::Relation;

/// Above this many objects, owned objects fold into their owners.
pub(super) const FOLD_OWNED_ABOVE: usize = 150;
/// The most boxes a drawing holds; past it, objects of one kind fold into groups.
pub(super) const MAX_BOXES: usize = 400;
/// A group of one kind in one namespace folds first when it is larger than this.
const GROUP_ABOVE: usize = 6;

/// One box of the drawing: an object, an object with what it owns, or a group.
pub(super) struct DrawBox {
    /// The node id, or the group's (`ConfigMap/shop/*`), for the SVG `id` and title.
    pub id: String,
    /// The kind line: `Deployment · shop`, or `ConfigMap × 120 · shop`.
    pub kind: String,
    pub namespace: Option<String>,
    /// The object's name; a group's says what it holds.
    pub name: String,
    /// What folded into it: `+ 2 ReplicaSets, 20 Pods`.
    pub detail: Option<String>,
    pub layer: Layer,
    /// An object in it has a problem.
    pub problem: bool,
}

/// The boxes, the edges between them, and what was folded.
pub(super) struct Drawing {
    pub boxes: Vec<DrawBox>,
    pub edges: Vec<(usize, usize, Relation)>,
    /// Sentences for the drawing's note; empty when nothing was folded.
    pub notes: Vec<String>,
}

/// The drawing of `graph`, folded as the module docs say.
#[allow(
    clippy::too_many_lines,
    clippy::similar_names,
    clippy::needless_range_loop,
    clippy::type_complexity
)] // the folding steps in order
pub(super) fn drawing(graph: &Graph) -> Drawing {
    let nodes = graph.nodes();
    let count = nodes.len();
    // Each node's box, by node: itself unless folded.
    let mut into: Vec<usize> = (0..count).collect();
    let mut notes = Vec::new();

    if count > FOLD_OWNED_ABOVE {
        let mut owner = vec![usize::MAX; count];
        for edge in graph.edges() {
            if edge.relation == Relation::Owns && owner[edge.target] == usize::MAX {
                owner[edge.target] = edge.source;
            }
        }
        let mut folded = 0;
        for node in 0..count {
            // Up the ownership chain to its root; a cycle stops where it closes.
            let mut root = node;
            let mut steps = 0;
            while owner[root] != usize::MAX && owner[root] != node && steps < 32 {
                root = owner[root];
                steps += 1;
            }
            if root != node {
                into[node] = root;
                folded += 1;
            }
        }
        if folded > 0 {
            notes.push(format!(
                "{folded} owned objects (ReplicaSets, Jobs, Pods…) are folded into their owners and counted there"
            ));
        }
    }

    // Roots: the boxes so far.
    let roots: Vec<usize> = (0..count).filter(|&n| into[n] == n).collect();
    // Groups, when there are too many boxes: (namespace or none, kind) → members.
    let mut group_of: Vec<Option<(Option<&str>, &str)>> = vec![None; count];
    if roots.len() > MAX_BOXES {
        let mut boxes = roots.len();
        let mut by_namespace: BTreeMap<(Option<&str>, &str), Vec<usize>> = BTreeMap::new();
        for &root in &roots {
            let node = &nodes[root];
            by_namespace
                .entry((node.namespace.as_deref(), node.kind.as_str()))
                .or_default()
                .push(root);
        }
        // Largest groups fold first; then any group of two; then kinds across
        // namespaces.
        let mut groups: Vec<(&(Option<&str>, &str), &Vec<usize>)> = by_namespace.iter().collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        let mut grouped = 0;
        for min in [GROUP_ABOVE + 1, 2] {
            for (key, members) in &groups {
                if boxes <= MAX_BOXES {
                    break;
                }
                if members.len() >= min && group_of[members[0]].is_none() {
                    for &m in *members {
                        group_of[m] = Some(**key);
                    }
                    boxes -= members.len() - 1;
                    grouped += members.len();
                }
            }
        }
        if boxes > MAX_BOXES {
            for &root in &roots {
                if let Some((Some(_), kind)) = group_of[root] {
                    group_of[root] = Some((None, kind));
                } else if group_of[root].is_none() {
                    group_of[root] = Some((None, nodes[root].kind.as_str()));
                    grouped += 1;
                }
            }
            notes.push(format!(
                "{grouped} objects are folded into one box per kind (too many to draw one by one)"
            ));
        } else if grouped > 0 {
            notes.push(format!(
                "{grouped} objects are folded into one box per kind and namespace (too many to draw one by one)"
            ));
        }
    }

    let mut problems = vec![false; count];
    for problem in graph.problems() {
        problems[problem.object] = true;
    }
    // Boxes: one per ungrouped root, one per group.
    let mut box_of = vec![usize::MAX; count];
    let mut boxes: Vec<DrawBox> = Vec::new();
    let mut group_box: BTreeMap<(Option<&str>, &str), usize> = BTreeMap::new();
    let mut group_size: Vec<usize> = Vec::new();
    for &root in &roots {
        let node = &nodes[root];
        let index = if let Some(key) = group_of[root] {
            *group_box.entry(key).or_insert_with(|| {
                boxes.push(DrawBox {
                    id: format!(
                        "{}/{}*",
                        node.kind,
                        key.0.map(|ns| format!("{ns}/")).unwrap_or_default()
                    ),
                    kind: String::new(),
                    namespace: key.0.map(str::to_owned),
                    name: String::new(),
                    detail: None,
                    layer: Layer::of(&node.kind, node.namespace.is_some()),
                    problem: false,
                });
                group_size.push(0);
                boxes.len() - 1
            })
        } else {
            boxes.push(DrawBox {
                id: node.id.clone(),
                kind: node.kind.clone(),
                namespace: node.namespace.clone(),
                name: node.name.clone(),
                detail: None,
                layer: Layer::of(&node.kind, node.namespace.is_some()),
                problem: false,
            });
            group_size.push(0);
            boxes.len() - 1
        };
        box_of[root] = index;
        group_size[index] += 1;
    }
    // What folded into each box, by kind.
    let mut owned: Vec<BTreeMap<&str, usize>> = vec![BTreeMap::new(); boxes.len()];
    for node in 0..count {
        let index = box_of[into[node]];
        box_of[node] = index;
        boxes[index].problem |= problems[node];
        if into[node] != node {
            *owned[index].entry(nodes[node].kind.as_str()).or_default() += 1;
        }
    }
    for (index, b) in boxes.iter_mut().enumerate() {
        if b.kind.is_empty() {
            // A group: its kind and size.
            let kind = b.id.split('/').next().unwrap_or_default().to_owned();
            b.kind = format!("{kind} × {}", group_size[index]);
            b.name = match &b.namespace {
                Some(ns) => format!("{} {kind}s in {ns}", group_size[index]),
                None => format!("{} {kind}s", group_size[index]),
            };
        }
        if let Some(ns) = &b.namespace {
            b.kind = format!("{} · {ns}", b.kind);
        }
        if !owned[index].is_empty() {
            let parts: Vec<String> = owned[index]
                .iter()
                .map(|(kind, n)| format!("{n} {kind}{}", if *n == 1 { "" } else { "s" }))
                .collect();
            b.detail = Some(format!("+ {}", parts.join(", ")));
        }
    }

    let mut edges: Vec<(usize, usize, Relation)> = graph
        .edges()
        .iter()
        .map(|e| (box_of[e.source], box_of[e.target], e.relation))
        .filter(|(s, t, _)| s != t)
        .collect();
    edges.sort_unstable();
    edges.dedup();
    Drawing {
        boxes,
        edges,
        notes,
    }
}
