//! `GET /api/v1/clusters/{cluster}/map`: the topology as the web UI draws it.
//!
//! - **Folding.** A Pod, ReplicaSet, Job, ControllerRevision or EndpointSlice folds into
//!   the object that controls it, followed up its owner references (a Pod into its
//!   Deployment through the ReplicaSet, a Job's Pod into the CronJob): the top controller.
//!   `fold=auto` (the default) folds when the view holds more than [`FOLD_ABOVE`] nodes,
//!   `owners` always, `none` never; `expand=ID,…` unfolds those folded nodes (a click).
//! - **Edges** of a folded object move to its folded node and are counted; edges between
//!   members of one folded node are dropped. A selector of every pod of a namespace (kept
//!   folded by the graph) becomes an edge to each folded node that holds such pods.
//! - **Health** per node from korral-status's readiness rules ([`Health`]), and for a
//!   controller, what its members' health makes of it.
//! - **Layout** computed here ([`layout`]): namespaces as boxes, a layered layout in each.
//! - `seq`: the hub's update number the answer is current to (for `/watch?since=`).
//!
//! At 20,000 pods (60,000 objects) the work is a pass over the nodes and edges plus the
//! health of each object read from a trimmed parse (see `scripts/bench-web` and the
//! `map` bench for figures).

mod health;
mod layout;

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use korral_core::{ApiVersion, Object, ObjectKey, ObjectSet};
use korral_topology::{FoldTarget, Graph, InferOptions, Layer, Node, Relation, View, infer};
use serde::{Deserialize, Serialize};

pub use health::Health;
pub use layout::{NODE_HEIGHT, NODE_WIDTH, NamespaceBox};

use super::topology::TopologyQuery;
use super::{cluster, current_objects};
use crate::error::{ApiError, ApiResult};
use crate::live::ClusterView;
use crate::state::AppState;

/// `fold=auto` folds a view of more nodes than this.
pub const FOLD_ABOVE: usize = 2_000;

/// The most nodes one answer holds (after folding); more is refused with what to
/// narrow. 100,000 nodes are about 25 MB of JSON.
pub const MAX_NODES: usize = 100_000;

/// The most edges drawn for selectors of every pod (a NetworkPolicy with an empty
/// `podSelector` to each folded node holding pods of its namespace); past it they are
/// counted in `totals.hiddenEdges` instead. 20,000 such policies over 20,000 unfolded
/// pods would otherwise be 400 million edges.
pub const MAX_SELECTOR_EDGES: usize = 200_000;

/// Whether to fold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FoldMode {
    /// Fold when the view holds more than [`FOLD_ABOVE`] nodes.
    #[default]
    Auto,
    /// Always fold.
    Owners,
    /// Never fold.
    None,
}

/// What a map shows beyond the topology's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapOptions {
    /// Whether to fold.
    pub fold: FoldMode,
    /// Ids of folded nodes to show unfolded.
    pub expand: Vec<String>,
    /// The most nodes an answer holds (default [`MAX_NODES`]).
    pub max_nodes: usize,
}

impl Default for MapOptions {
    fn default() -> Self {
        Self {
            fold: FoldMode::Auto,
            expand: Vec::new(),
            max_nodes: MAX_NODES,
        }
    }
}

/// The map's own query parameters (the topology's are read too).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MapQuery {
    /// `auto` (default: fold above 2,000 nodes), `owners` (always fold) or `none`.
    fold: Option<String>,
    /// Comma-separated ids of folded nodes to unfold (`Deployment.apps/shop/api`).
    expand: Option<String>,
}

impl MapQuery {
    fn options(&self) -> ApiResult<MapOptions> {
        let fold = match self.fold.as_deref().unwrap_or("auto") {
            "auto" | "" => FoldMode::Auto,
            "owners" => FoldMode::Owners,
            "none" => FoldMode::None,
            other => {
                return Err(ApiError::bad_request(format!(
                    "fold: `{}` is not a fold mode; use auto, owners or none",
                    super::shown(other)
                )));
            }
        };
        let expand = self
            .expand
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(MapOptions {
            fold,
            expand,
            ..MapOptions::default()
        })
    }
}

/// The topology folded, with health and a layout: what the web UI's map draws.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/map", tag = "topology",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), TopologyQuery, MapQuery),
    responses((status = 200, description = "nodes (folded, with health and x/y), edges with counts, namespace boxes, totals, seq", body = serde_json::Value),
              (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn map(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(topology): Query<TopologyQuery>,
    Query(query): Query<MapQuery>,
) -> ApiResult<impl IntoResponse> {
    let view = topology.view()?;
    let options = query.options()?;
    // Read before the graph: diffs after it may already be in what is read, and a
    // client applies an add or remove twice harmlessly; one missed would stay missed.
    let seq = state.hub.seq();
    let past = match &topology.at {
        Some(at) => Some(
            super::history::objects_at(&state, &name, at, topology.namespace.as_deref()).await?,
        ),
        None => None,
    };
    let live = if past.is_none() {
        Some(cluster(&state, &name)?)
    } else {
        None
    };
    // Every object is read: off the async threads.
    let body = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let (graph, facts) = match (past, live) {
            (Some(set), _) => from_set(&set, &view)?,
            (None, Some(live)) if view.selector.is_some() => {
                // The selector reads labels through an object set.
                from_set(&current_objects(&live), &view)?
            }
            (None, Some(live)) => from_live(&live, &view)?,
            (None, None) => unreachable!("one source is always set"),
        };
        let map = build(&graph, &facts, &options, seq)
            .map_err(|count| ApiError::bad_request(too_many(count)))?;
        serde_json::to_vec(&map).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(([(CONTENT_TYPE, "application/json")], body))
}

fn too_many(count: usize) -> String {
    format!(
        "the map would hold {count} nodes; at most {MAX_NODES} are sent: use fold=auto or fold=owners, or narrow it with namespace=, selector= or focus="
    )
}

/// The graph of a set of objects (a past moment, or a selector's view), with the facts
/// of each node.
fn from_set(set: &ObjectSet, view: &View) -> ApiResult<(Graph, Vec<Facts>)> {
    let graph = infer(set, InferOptions::default());
    let graph = if view.is_everything() {
        graph
    } else {
        view.apply(&graph, set)
            .map_err(|e| ApiError::bad_request(e.to_string()))?
    };
    let facts = graph
        .nodes()
        .iter()
        .map(|node| Facts::of(set.objects().get(node.object)))
        .collect();
    Ok((graph, facts))
}

/// The live graph, narrowed by a view without a selector, with the facts of each node,
/// read under one read lock.
pub fn from_live(live: &ClusterView, view: &View) -> ApiResult<(Graph, Vec<Facts>)> {
    live.read(|live| {
        let graph = live.graph();
        let graph = if view.is_everything() {
            graph
        } else {
            // Only a selector reads the set; the caller sends those through `from_set`.
            view.apply(&graph, &ObjectSet::default())
                .map_err(|e| ApiError::bad_request(e.to_string()))?
        };
        let facts = graph
            .nodes()
            .iter()
            .map(|node| {
                let key = ObjectKey::new(
                    &node.group,
                    &node.kind,
                    node.namespace.as_deref(),
                    &node.name,
                );
                Facts::of(live.get(&key))
            })
            .collect();
        Ok((graph, facts))
    })
}

/// What the map needs of one object besides its node: its own health and the owner
/// that controls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    health: Health,
    owner: Option<Owner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner {
    group: String,
    kind: String,
    name: String,
    uid: Option<String>,
}

impl Facts {
    /// The facts of `object` (none: health unknown, no owner).
    pub fn of(object: Option<&Object>) -> Self {
        let Some(object) = object else {
            return Self {
                health: Health::Unknown,
                owner: None,
            };
        };
        let owners = &object.metadata().owner_references;
        // The controller; a lone owner reference written without the flag counts too.
        let owner = owners
            .iter()
            .find(|o| o.controller == Some(true))
            .or_else(|| (owners.len() == 1).then(|| &owners[0]))
            .filter(|_| is_member(object.group(), object.kind()))
            .map(|o| Owner {
                group: ApiVersion::parse(&o.api_version).group.to_owned(),
                kind: o.kind.clone(),
                name: o.name.clone(),
                uid: o.uid.clone(),
            });
        Self {
            health: health::of(object),
            owner,
        }
    }
}

/// Kinds that fold into the object controlling them.
fn is_member(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "Pod")
            | ("apps", "ReplicaSet" | "ControllerRevision")
            | ("batch", "Job")
            | ("discovery.k8s.io", "EndpointSlice")
    )
}

/// How deep an owner chain is followed (Pod → Job → CronJob is two); a longer one, or
/// a loop in hostile owner references, stops there.
const MAX_OWNER_DEPTH: usize = 8;

/// The map of `graph` (with `facts` by node), folded as `options` say; `Err(count)`
/// when it would hold more than [`MapOptions::max_nodes`] nodes.
pub fn build<'g>(
    graph: &'g Graph,
    facts: &[Facts],
    options: &MapOptions,
    seq: u64,
) -> Result<MapAnswer<'g>, usize> {
    let nodes = graph.nodes();
    let count = nodes.len();
    let top = top_controllers(nodes, facts);
    let folding = match options.fold {
        FoldMode::Owners => true,
        FoldMode::None => false,
        FoldMode::Auto => count > FOLD_ABOVE,
    };
    let mut expanded = vec![false; count];
    for id in &options.expand {
        if let Some(index) = graph.node_by_id(id) {
            expanded[index] = true;
        }
    }
    let rep: Vec<usize> = (0..count)
        .map(|i| {
            if folding && top[i] != i && !expanded[top[i]] {
                top[i]
            } else {
                i
            }
        })
        .collect();

    let (worst, mut held) = members(nodes, facts, &top, &rep);

    let shown: Vec<usize> = (0..count).filter(|&i| rep[i] == i).collect();
    if shown.len() > options.max_nodes {
        return Err(shown.len());
    }
    let mut position = vec![usize::MAX; count];
    for (at, &i) in shown.iter().enumerate() {
        position[i] = at;
    }

    let (edges, hidden) = moved_edges(graph, &rep, &position);

    let items: Vec<layout::Item<'_>> = shown
        .iter()
        .map(|&i| layout::Item {
            namespace: nodes[i].namespace.as_deref(),
            layer: Layer::of(&nodes[i].kind, nodes[i].namespace.is_some()),
        })
        .collect();
    let pairs: Vec<(usize, usize)> = edges.iter().map(|&((s, t, _), _)| (s, t)).collect();
    let placed = layout::place(&items, &pairs);

    let folded_total: usize = shown.iter().map(|&i| held[i].folded as usize).sum();
    let out_nodes = shown
        .iter()
        .zip(&placed.positions)
        .map(|(&i, &(x, y))| {
            let node = &nodes[i];
            let h = std::mem::take(&mut held[i]);
            MapNode {
                id: &node.id,
                kind: &node.kind,
                group: &node.group,
                namespace: node.namespace.as_deref(),
                name: &node.name,
                health: facts[i].health.with_members(worst[i]),
                folded: h.folded,
                folded_kinds: h.kinds,
                unhealthy: h.unhealthy,
                x,
                y,
            }
        })
        .collect::<Vec<_>>();
    let out_edges = edges
        .iter()
        .map(|&((s, t, relation), count)| MapEdge {
            source: &nodes[shown[s]].id,
            target: &nodes[shown[t]].id,
            relation,
            count,
        })
        .collect::<Vec<_>>();
    Ok(MapAnswer {
        totals: Totals {
            objects: count,
            nodes: out_nodes.len(),
            edges: out_edges.len(),
            folded: folded_total,
            hidden_edges: hidden,
        },
        fold: if folding {
            FoldMode::Owners
        } else {
            FoldMode::None
        },
        nodes: out_nodes,
        edges: out_edges,
        namespaces: placed.boxes,
        layout: LayoutSize {
            node_width: NODE_WIDTH,
            node_height: NODE_HEIGHT,
            width: placed.width,
            height: placed.height,
        },
        seq,
    })
}

/// For each root: the worst health of its members (folded or not), and what is folded
/// into it.
fn members<'g>(
    nodes: &'g [Node],
    facts: &[Facts],
    top: &[usize],
    rep: &[usize],
) -> (Vec<Option<Health>>, Vec<Held<'g>>) {
    let mut worst: Vec<Option<Health>> = vec![None; nodes.len()];
    let mut held: Vec<Held<'g>> = (0..nodes.len()).map(|_| Held::default()).collect();
    for (i, node) in nodes.iter().enumerate() {
        let root = top[i];
        if root == i {
            continue;
        }
        let health = facts[i].health;
        worst[root] = Some(worst[root].map_or(health, |w| w.max(health)));
        if rep[i] == root {
            let h = &mut held[root];
            h.folded += 1;
            *h.kinds.entry(node.kind.as_str()).or_default() += 1;
            h.unhealthy += u32::from(health.is_unhealthy());
        }
    }
    (worst, held)
}

/// An edge between drawn nodes: (source, target) by drawn position, and its relation.
type EdgeKey = (usize, usize, Relation);

/// The graph's edges between the drawn nodes (by `position`), counted, sorted; and how
/// many every-pod selector edges were left out.
fn moved_edges(graph: &Graph, rep: &[usize], position: &[usize]) -> (Vec<(EdgeKey, u32)>, usize) {
    let mut counted: HashMap<EdgeKey, u32> = HashMap::new();
    for edge in graph.edges() {
        let (s, t) = (rep[edge.source], rep[edge.target]);
        if s != t {
            *counted
                .entry((position[s], position[t], edge.relation))
                .or_default() += 1;
        }
    }
    let hidden = selector_edges(graph, rep, position, &mut counted);
    let mut edges: Vec<(EdgeKey, u32)> = counted.into_iter().collect();
    edges.sort_unstable_by_key(|&(key, _)| key);
    (edges, hidden)
}

/// The top controller of each node: itself, or the last owner up its chain of members.
fn top_controllers(nodes: &[Node], facts: &[Facts]) -> Vec<usize> {
    let by_uid: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.uid.as_deref().map(|uid| (uid, i)))
        .collect();
    let parent: Vec<Option<usize>> = nodes
        .iter()
        .zip(facts)
        .enumerate()
        .map(|(i, (node, facts))| {
            let owner = facts.owner.as_ref()?;
            let found = owner
                .uid
                .as_deref()
                .and_then(|uid| by_uid.get(uid).copied())
                .or_else(|| {
                    // Manifests carry no uids: by name, in the node's namespace.
                    let id = ObjectKey::new(
                        &owner.group,
                        &owner.kind,
                        node.namespace.as_deref(),
                        &owner.name,
                    )
                    .to_string();
                    nodes.binary_search_by(|n| n.id.as_str().cmp(&id)).ok()
                })?;
            let target = &nodes[found];
            // A uid names one object; it must still be the kind the reference says.
            // A mirror pod's Node is no controller to fold into.
            (found != i
                && target.kind == owner.kind
                && target.group == owner.group
                && !(target.group.is_empty() && target.kind == "Node"))
                .then_some(found)
        })
        .collect();
    // Every chain ends at a node that is its own top (a root, the end of a loop, or
    // where the depth ran out), so a folded node is always one that is drawn.
    let mut top = vec![usize::MAX; nodes.len()];
    let mut path = Vec::with_capacity(MAX_OWNER_DEPTH);
    for i in 0..nodes.len() {
        path.clear();
        let mut at = i;
        let root = loop {
            if top[at] != usize::MAX {
                break top[at];
            }
            match parent[at] {
                Some(next) if path.len() < MAX_OWNER_DEPTH && !path.contains(&next) => {
                    path.push(at);
                    at = next;
                }
                _ => {
                    top[at] = at;
                    break at;
                }
            }
        };
        for &p in &path {
            top[p] = root;
        }
    }
    top
}

/// Adds the edges of selectors that select every pod of their namespace (the graph
/// keeps those as folds): one edge, counted, from the selector to each shown node that
/// holds such pods. Returns how many edges were left out past [`MAX_SELECTOR_EDGES`].
fn selector_edges(
    graph: &Graph,
    rep: &[usize],
    position: &[usize],
    counted: &mut HashMap<EdgeKey, u32>,
) -> usize {
    let folds: Vec<_> = graph
        .folds()
        .iter()
        .filter(|f| f.target == FoldTarget::Pods)
        .collect();
    if folds.is_empty() {
        return 0;
    }
    let nodes = graph.nodes();
    // Per namespace: the shown nodes holding its pods, and how many each holds.
    let mut holders: BTreeMap<Option<&str>, BTreeMap<usize, u32>> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if node.group.is_empty() && node.kind == "Pod" {
            *holders
                .entry(node.namespace.as_deref())
                .or_default()
                .entry(position[rep[i]])
                .or_default() += 1;
        }
    }
    let (mut added, mut hidden) = (0_usize, 0_usize);
    for fold in folds {
        let source = position[rep[fold.source]];
        let Some(targets) = holders.get(&nodes[fold.source].namespace.as_deref()) else {
            continue;
        };
        for (&target, &pods) in targets {
            if target == source {
                continue;
            }
            if added >= MAX_SELECTOR_EDGES {
                hidden += 1;
                continue;
            }
            let entry = counted
                .entry((source, target, Relation::Selects))
                .or_default();
            if *entry == 0 {
                added += 1;
            }
            *entry += pods;
        }
    }
    hidden
}

#[derive(Default)]
struct Held<'g> {
    folded: u32,
    kinds: BTreeMap<&'g str, u32>,
    unhealthy: u32,
}

/// The answer of `/map` (see the module docs and docs/web.md).
#[derive(Debug, Serialize)]
pub struct MapAnswer<'g> {
    pub nodes: Vec<MapNode<'g>>,
    pub edges: Vec<MapEdge<'g>>,
    pub namespaces: Vec<NamespaceBox>,
    pub layout: LayoutSize,
    pub totals: Totals,
    /// Whether this answer is folded (`owners`) or not (`none`).
    pub fold: FoldMode,
    pub seq: u64,
}

/// One node drawn: an object, or a controller with what is folded into it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MapNode<'g> {
    pub id: &'g str,
    pub kind: &'g str,
    pub group: &'g str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<&'g str>,
    pub name: &'g str,
    pub health: Health,
    /// Objects folded into it (0: none).
    pub folded: u32,
    /// Of those, how many of each kind.
    pub folded_kinds: BTreeMap<&'g str, u32>,
    /// Of those, how many are progressing, degraded or failed.
    pub unhealthy: u32,
    /// Top-left corner of its cell.
    pub x: f32,
    pub y: f32,
}

/// Edges of one relation between two drawn nodes.
#[derive(Debug, Serialize)]
pub struct MapEdge<'g> {
    pub source: &'g str,
    pub target: &'g str,
    pub relation: Relation,
    /// How many edges of the unfolded graph it stands for.
    pub count: u32,
}

/// The size of a node's cell and of the whole map.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutSize {
    pub node_width: f32,
    pub node_height: f32,
    pub width: f32,
    pub height: f32,
}

/// Counts.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Objects in the view, before folding.
    pub objects: usize,
    /// Nodes in `nodes`.
    pub nodes: usize,
    /// Edges in `edges`.
    pub edges: usize,
    /// Objects folded into the nodes drawn.
    pub folded: usize,
    /// Edges of every-pod selectors left out past [`MAX_SELECTOR_EDGES`].
    pub hidden_edges: usize,
}

#[cfg(test)]
mod tests;
