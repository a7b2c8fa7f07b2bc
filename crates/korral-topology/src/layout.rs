//! A layered layout of the graph: Ingress → Service → workloads → Pods →
//! config/storage → Nodes, top to bottom. The SVG, PNG and PDF exports draw it, and the
//! web UI will reuse it.

use crate::graph::Graph;

/// The band a node is drawn in, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Ingresses, Gateways and routes: where traffic enters; and what makes the API
    /// server call a Service (admission webhooks, APIServices).
    Ingress,
    /// Services, EndpointSlices, and what selects or scales workloads (HPA, PDB,
    /// NetworkPolicy).
    Service,
    /// Deployments, StatefulSets, DaemonSets, CronJobs, custom resources.
    Workload,
    /// ReplicaSets and Jobs: what workloads create to run pods.
    Controller,
    /// Pods.
    Pod,
    /// ConfigMaps, Secrets, claims, ServiceAccounts and RBAC.
    Config,
    /// Nodes, PersistentVolumes, classes and other cluster-scoped objects.
    Cluster,
}

impl Layer {
    /// Every layer, top to bottom.
    pub const ALL: [Layer; 7] = [
        Self::Ingress,
        Self::Service,
        Self::Workload,
        Self::Controller,
        Self::Pod,
        Self::Config,
        Self::Cluster,
    ];

    /// The layer a kind is drawn in; `namespaced` decides for kinds korral does not
    /// know.
    pub fn of(kind: &str, namespaced: bool) -> Self {
        match kind {
            "Ingress"
            | "Gateway"
            | "HTTPRoute"
            | "GRPCRoute"
            | "TCPRoute"
            | "TLSRoute"
            | "UDPRoute"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "APIService" => Self::Ingress,
            "Service"
            | "EndpointSlice"
            | "Endpoints"
            | "HorizontalPodAutoscaler"
            | "VerticalPodAutoscaler"
            | "PodDisruptionBudget"
            | "NetworkPolicy" => Self::Service,
            "ReplicaSet" | "Job" | "ControllerRevision" => Self::Controller,
            "Pod" => Self::Pod,
            "ConfigMap"
            | "Secret"
            | "PersistentVolumeClaim"
            | "ServiceAccount"
            | "Role"
            | "RoleBinding"
            | "ClusterRole"
            | "ClusterRoleBinding" => Self::Config,
            _ if namespaced => Self::Workload,
            _ => Self::Cluster,
        }
    }
}

/// Where each node sits, in SVG user units.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Width of the whole drawing.
    pub width: f32,
    /// Height of the whole drawing.
    pub height: f32,
    /// Width of one node's box.
    pub node_width: f32,
    /// Height of one node's box.
    pub node_height: f32,
    /// Top-left corner of each node's box, by node index.
    pub positions: Vec<Position>,
}

/// A point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Horizontal, from the left.
    pub x: f32,
    /// Vertical, from the top.
    pub y: f32,
}

const NODE_WIDTH: f32 = 190.0;
const NODE_HEIGHT: f32 = 38.0;
const GAP_X: f32 = 24.0;
const GAP_Y: f32 = 70.0;
const MARGIN: f32 = 30.0;
/// Room for the legend under even the smallest drawing.
const MIN_WIDTH: f32 = 760.0;
/// Wide layers wrap onto several rows: a row of ten thousand pods is unreadable.
const MAX_PER_ROW: usize = 24;

/// Lays the graph out in [`Layer`]s. Within a layer, nodes are ordered by the mean
/// position of their neighbours in the layers above (two barycentric sweeps), which
/// keeps related objects close and edges short; ties keep namespace and id order so the
/// result is deterministic.
pub fn layout(graph: &Graph) -> Layout {
    let nodes = graph.nodes();
    let items: Vec<Item<'_>> = nodes
        .iter()
        .map(|node| Item {
            layer: Layer::of(&node.kind, node.namespace.is_some()),
            namespace: node.namespace.as_deref(),
            id: &node.id,
        })
        .collect();
    let edges: Vec<(usize, usize)> = graph.edges().iter().map(|e| (e.source, e.target)).collect();
    place(
        &items,
        &edges,
        Grid {
            columns: MAX_PER_ROW,
            node_width: NODE_WIDTH,
            node_height: NODE_HEIGHT,
        },
    )
}

/// One box to place: its band, and its namespace and id for a stable order.
pub(crate) struct Item<'a> {
    pub layer: Layer,
    pub namespace: Option<&'a str>,
    pub id: &'a str,
}

/// The box size and how many boxes a row holds before a layer wraps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    pub columns: usize,
    pub node_width: f32,
    pub node_height: f32,
}

/// Places `items` in their layers, ordered by their neighbours (`edges`), wrapping
/// each layer into rows of `grid.columns`.
pub(crate) fn place(items: &[Item<'_>], edges: &[(usize, usize)], grid: Grid) -> Layout {
    let columns = grid.columns.max(1);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); Layer::ALL.len()];
    let mut layer_of = vec![0; items.len()];
    for (index, item) in items.iter().enumerate() {
        let layer = item.layer as usize;
        layer_of[index] = layer;
        layers[layer].push(index);
    }
    for layer in &mut layers {
        layer.sort_by(|&a, &b| {
            (items[a].namespace, items[a].id).cmp(&(items[b].namespace, items[b].id))
        });
    }

    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for &(source, target) in edges {
        neighbours[source].push(target);
        neighbours[target].push(source);
    }
    let mut rank = vec![0.0_f32; items.len()];
    let set_ranks = |layers: &Vec<Vec<usize>>, rank: &mut Vec<f32>| {
        for layer in layers {
            for (position, &node) in layer.iter().enumerate() {
                rank[node] = position as f32 / layer.len().max(1) as f32;
            }
        }
    };
    set_ranks(&layers, &mut rank);
    for sweep in 0..4 {
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len() - 1).rev().collect()
        };
        for l in order {
            let keys: Vec<(usize, f32)> = layers[l]
                .iter()
                .map(|&node| {
                    let fixed: Vec<f32> = neighbours[node]
                        .iter()
                        .filter(|&&n| {
                            if downward {
                                layer_of[n] < l
                            } else {
                                layer_of[n] > l
                            }
                        })
                        .map(|&n| rank[n])
                        .collect();
                    let key = if fixed.is_empty() {
                        rank[node]
                    } else {
                        fixed.iter().sum::<f32>() / fixed.len() as f32
                    };
                    (node, key)
                })
                .collect();
            let mut keyed = keys;
            keyed.sort_by(|a, b| a.1.total_cmp(&b.1));
            layers[l] = keyed.into_iter().map(|(node, _)| node).collect();
            for (position, &node) in layers[l].iter().enumerate() {
                rank[node] = position as f32 / layers[l].len().max(1) as f32;
            }
        }
    }

    let (w, h) = (grid.node_width, grid.node_height);
    let widest = layers
        .iter()
        .map(|l| l.len().min(columns))
        .max()
        .unwrap_or(0);
    let width = (MARGIN * 2.0 + widest as f32 * (w + GAP_X) - GAP_X).max(MIN_WIDTH);
    let mut positions = vec![Position { x: 0.0, y: 0.0 }; items.len()];
    let mut y = MARGIN;
    for layer in layers.iter().filter(|l| !l.is_empty()) {
        for row in layer.chunks(columns) {
            let row_width = row.len() as f32 * (w + GAP_X) - GAP_X;
            let left = (width - row_width) / 2.0;
            for (i, &node) in row.iter().enumerate() {
                positions[node] = Position {
                    x: left + i as f32 * (w + GAP_X),
                    y,
                };
            }
            y += h + GAP_Y / 2.0;
        }
        y += GAP_Y / 2.0;
    }
    Layout {
        width,
        height: (y - GAP_Y + MARGIN).max(MARGIN * 2.0),
        node_width: w,
        node_height: h,
        positions,
    }
}
