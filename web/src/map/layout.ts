// A layered layout on the client, for a server without the `/map` endpoint (it answers
// `/topology` only): namespaces as boxes side by side wrapping into rows, inside each
// rows of kinds (ingress → services → workloads → pods → config and storage).
import type { Topology } from "../api";
import type { MapData, MapNamespace, MapNode } from "./types";
import { NODE_RADIUS } from "./types";

const RANKS: Record<string, number> = {
  Ingress: 0, Gateway: 0, HTTPRoute: 0, IngressClass: 0,
  Service: 1, Endpoints: 1, EndpointSlice: 1,
  Deployment: 2, StatefulSet: 2, DaemonSet: 2, CronJob: 2, HorizontalPodAutoscaler: 2,
  ReplicaSet: 3, Job: 3,
  Pod: 4,
  ConfigMap: 5, Secret: 5, PersistentVolumeClaim: 5, ServiceAccount: 5,
};
const OTHER_RANK = 6;
export const CELL = NODE_RADIUS * 4;
const PAD = NODE_RADIUS * 3;
const HEADER = NODE_RADIUS * 2;

export function rankOf(kind: string): number {
  return RANKS[kind] ?? OTHER_RANK;
}

export function layoutTopology(topology: Topology): MapData {
  const groups = new Map<string, Topology["nodes"]>();
  for (const n of topology.nodes) {
    const ns = n.namespace ?? "";
    let g = groups.get(ns);
    if (!g) groups.set(ns, (g = []));
    g.push(n);
  }
  // Cluster-scoped objects (namespace "") in their own box, last.
  const names = [...groups.keys()].sort((a, b) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b)));
  const boxes: { name: string; nodes: MapNode[]; width: number; height: number }[] = [];
  for (const name of names) {
    const members = groups.get(name)!.slice().sort((a, b) => rankOf(a.kind) - rankOf(b.kind) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
    const perRow = Math.max(4, Math.ceil(Math.sqrt(members.length) * 1.6));
    const placed: MapNode[] = [];
    let row = 0;
    let col = 0;
    let lastRank = -1;
    let widest = 0;
    for (const m of members) {
      const rank = rankOf(m.kind);
      if ((lastRank !== -1 && rank !== lastRank) || col >= perRow) {
        row++;
        col = 0;
      }
      lastRank = rank;
      placed.push({
        id: m.id, kind: m.kind, group: m.group ?? "", namespace: m.namespace ?? null, name: m.name,
        health: "unknown", folded: 0,
        x: PAD + col * CELL, y: HEADER + PAD + row * CELL,
      });
      col++;
      widest = Math.max(widest, col);
    }
    boxes.push({ name, nodes: placed, width: PAD * 2 + (widest - 1) * CELL, height: HEADER + PAD * 2 + row * CELL });
  }
  const area = boxes.reduce((a, b) => a + b.width * b.height, 0);
  const rowWidth = Math.max(Math.sqrt(area) * 1.6, ...boxes.map((b) => b.width));
  const nodes: MapNode[] = [];
  const namespaces: MapNamespace[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const b of boxes) {
    if (x > 0 && x + b.width > rowWidth) {
      x = 0;
      y += rowHeight + PAD * 2;
      rowHeight = 0;
    }
    namespaces.push({ name: b.name, x, y, width: b.width, height: b.height });
    for (const n of b.nodes) nodes.push({ ...n, x: n.x + x, y: n.y + y });
    x += b.width + PAD * 2;
    rowHeight = Math.max(rowHeight, b.height);
  }
  const ids = new Set(nodes.map((n) => n.id));
  const edges = topology.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => ({ ...e, count: 1 }));
  return { nodes, edges, namespaces, totals: { objects: nodes.length, nodes: nodes.length, edges: edges.length, folded: 0 } };
}
