//! Where the map's nodes sit: one box per namespace (the cluster-scoped objects in a box
//! of their own, last), boxes side by side and wrapping into rows; inside a box, the
//! layers of `korral topology`'s drawings top to bottom (ingress → services → workloads
//! → controllers → pods → config and storage → cluster), each layer wrapping into rows,
//! ordered so that a node sits under the mean place of its neighbours above (one
//! downward and one upward barycentric sweep). Costs O(n log n + edges); the same nodes
//! give the same layout.

use std::collections::BTreeMap;

use korral_topology::Layer;
use serde::Serialize;

/// Width of one node's cell.
pub const NODE_WIDTH: f32 = 180.0;
/// Height of one node's cell.
pub const NODE_HEIGHT: f32 = 44.0;
const GAP_X: f32 = 20.0;
/// Between the rows of one layer.
const GAP_Y: f32 = 16.0;
/// Between two layers.
const LAYER_GAP: f32 = 48.0;
/// Inside a box, around its nodes.
const PADDING: f32 = 24.0;
/// Room for the namespace's name at the top of its box.
const HEADER: f32 = 32.0;
/// Between boxes.
const BOX_GAP: f32 = 64.0;
/// A box is at least this wide, for its name.
const MIN_BOX_WIDTH: f32 = 2.0 * PADDING + NODE_WIDTH;

/// One node to place.
pub struct Item<'a> {
    /// Its namespace; `None` when cluster-scoped.
    pub namespace: Option<&'a str>,
    /// The band it is drawn in.
    pub layer: Layer,
}

/// A namespace's box.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamespaceBox {
    /// The namespace; empty for the box of cluster-scoped objects.
    pub name: String,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// The placed map.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Top-left corner of each item's cell, by item index.
    pub positions: Vec<(f32, f32)>,
    /// The boxes, in drawing order (namespaces by name, cluster-scoped last).
    pub boxes: Vec<NamespaceBox>,
    /// Width of the whole map.
    pub width: f32,
    /// Height of the whole map.
    pub height: f32,
}

/// Places `items`; `edges` (item indices) order the nodes of each layer.
pub fn place(items: &[Item<'_>], edges: &[(usize, usize)]) -> Placement {
    // Namespaces by name, the cluster-scoped box last.
    let mut groups: BTreeMap<(bool, &str), Vec<usize>> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let key = (item.namespace.is_none(), item.namespace.unwrap_or_default());
        groups.entry(key).or_default().push(index);
    }
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for &(source, target) in edges {
        // Only edges within a box order its nodes.
        if source != target && items[source].namespace == items[target].namespace {
            neighbours[source].push(target);
            neighbours[target].push(source);
        }
    }
    let mut positions = vec![(0.0, 0.0); items.len()];
    let mut rank = vec![0.0_f32; items.len()];
    let mut boxes = Vec::with_capacity(groups.len());
    let mut local = Vec::with_capacity(groups.len());
    for ((_, name), members) in &groups {
        let (width, height) = place_box(items, members, &neighbours, &mut rank, &mut positions);
        boxes.push(NamespaceBox {
            name: (*name).to_owned(),
            x: 0.0,
            y: 0.0,
            width,
            height,
        });
        local.push(members);
    }

    // Shelves: boxes left to right until the row is about as wide as the map is tall.
    let area: f32 = boxes.iter().map(|b| b.width * b.height).sum();
    let widest = boxes.iter().map(|b| b.width).fold(0.0, f32::max);
    let target = widest.max(area.sqrt() * 1.6);
    let (mut x, mut y, mut row_height, mut width) = (0.0_f32, 0.0_f32, 0.0_f32, 0.0_f32);
    for (b, members) in boxes.iter_mut().zip(&local) {
        if x > 0.0 && x + b.width > target {
            x = 0.0;
            y += row_height + BOX_GAP;
            row_height = 0.0;
        }
        b.x = x;
        b.y = y;
        for &m in *members {
            positions[m].0 += x;
            positions[m].1 += y;
        }
        x += b.width + BOX_GAP;
        row_height = row_height.max(b.height);
        width = width.max(b.x + b.width);
    }
    Placement {
        positions,
        boxes,
        width,
        height: if items.is_empty() {
            0.0
        } else {
            y + row_height
        },
    }
}

/// How many cells a layer's row holds in a box of `count` nodes: about twice as wide as
/// tall once there are many.
fn columns(count: usize) -> usize {
    ((count as f32).sqrt() * 1.5).ceil().clamp(4.0, 120.0) as usize
}

/// Places one box's `members` relative to the box's corner; returns its size.
fn place_box(
    items: &[Item<'_>],
    members: &[usize],
    neighbours: &[Vec<usize>],
    rank: &mut [f32],
    positions: &mut [(f32, f32)],
) -> (f32, f32) {
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); Layer::ALL.len()];
    for &m in members {
        layers[items[m].layer as usize].push(m);
    }
    // Start from the given order (ids, sorted), then two barycentric sweeps.
    for layer in &layers {
        for (position, &node) in layer.iter().enumerate() {
            rank[node] = position as f32 / layer.len().max(1) as f32;
        }
    }
    let layer_of = |node: usize| items[node].layer as usize;
    for downward in [true, false] {
        let order: Vec<usize> = if downward {
            (1..layers.len()).collect()
        } else {
            (0..layers.len() - 1).rev().collect()
        };
        for l in order {
            if layers[l].len() < 2 {
                continue;
            }
            let mut keyed: Vec<(f32, usize)> = layers[l]
                .iter()
                .map(|&node| {
                    let (sum, n) = neighbours[node]
                        .iter()
                        .filter(|&&other| {
                            if downward {
                                layer_of(other) < l
                            } else {
                                layer_of(other) > l
                            }
                        })
                        .fold((0.0_f32, 0_u32), |(s, n), &other| (s + rank[other], n + 1));
                    let key = if n == 0 { rank[node] } else { sum / n as f32 };
                    (key, node)
                })
                .collect();
            // Stable: ties keep the id order.
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[l] = keyed.into_iter().map(|(_, node)| node).collect();
            let len = layers[l].len() as f32;
            for (position, &node) in layers[l].iter().enumerate() {
                rank[node] = position as f32 / len;
            }
        }
    }

    let columns = columns(members.len());
    let widest = layers
        .iter()
        .map(|l| l.len().min(columns))
        .max()
        .unwrap_or(0);
    let inner = (widest as f32 * (NODE_WIDTH + GAP_X) - GAP_X).max(0.0);
    let width = (inner + 2.0 * PADDING).max(MIN_BOX_WIDTH);
    let mut y = HEADER;
    let mut any = false;
    for layer in layers.iter().filter(|l| !l.is_empty()) {
        if any {
            y += LAYER_GAP - GAP_Y;
        }
        any = true;
        for row in layer.chunks(columns) {
            let row_width = row.len() as f32 * (NODE_WIDTH + GAP_X) - GAP_X;
            let left = (width - row_width) / 2.0;
            for (i, &node) in row.iter().enumerate() {
                positions[node] = (left + i as f32 * (NODE_WIDTH + GAP_X), y);
            }
            y += NODE_HEIGHT + GAP_Y;
        }
    }
    let height = y - GAP_Y + PADDING;
    (width, height.max(HEADER + PADDING))
}
