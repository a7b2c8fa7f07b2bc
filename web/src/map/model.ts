// The map's data on the client: the `/map` answer plus live diffs applied in place.
// Each change touches only what it names (an index from id to node), so a live update
// costs in proportion to the update, not to the map.
import { parseNodeId } from "../router";
import type { GraphDiff, MapData, MapEdge, MapNamespace, MapNode } from "./types";
import { NODE_RADIUS } from "./types";

const GAP = NODE_RADIUS * 3;

export class MapModel {
  nodes: MapNode[] = [];
  edges: MapEdge[] = [];
  namespaces: MapNamespace[] = [];
  seq = 0;
  /** The room a label has, in world units (the layout's cell width). */
  cellWidth = NODE_RADIUS * 4;
  cellHeight = NODE_RADIUS * 4;
  /** Bumped on every change; the renderer re-uploads when it differs from its own. */
  version = 0;
  private index = new Map<string, number>();
  private edgeKeys = new Set<string>();
  /** Objects known to be folded into a node (learned from live diffs): member → node. */
  private foldedInto = new Map<string, string>();

  constructor(data?: MapData) {
    if (data) this.reset(data);
  }

  reset(data: MapData): void {
    this.nodes = data.nodes.slice();
    this.edges = data.edges.slice();
    this.namespaces = data.namespaces.slice();
    this.seq = data.seq ?? 0;
    this.cellWidth = data.cellWidth ?? NODE_RADIUS * 4;
    this.cellHeight = data.cellHeight ?? NODE_RADIUS * 4;
    this.reindex();
    this.edgeKeys = new Set(this.edges.map(edgeKey));
    this.foldedInto.clear();
    this.version++;
  }

  private reindex(): void {
    this.index = new Map(this.nodes.map((n, i) => [n.id, i]));
  }

  get(id: string): MapNode | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.nodes[i];
  }

  indexOf(id: string): number {
    return this.index.get(id) ?? -1;
  }

  /**
   * The folded node an object belongs to, if any: one learned before, or the folded
   * owner found by name in the same namespace (a ReplicaSet `api-5d4f8` or a Pod
   * `api-5d4f8-x2x7q` of the Deployment `api`, a Job `backup-28391` of the CronJob
   * `backup`), as the server folds them.
   */
  foldTarget(id: string): MapNode | undefined {
    const known = this.foldedInto.get(id);
    if (known) return this.get(known);
    const { namespace, name } = parseNodeId(id);
    let best: MapNode | undefined;
    for (const n of this.nodes) {
      if (n.folded <= 0 || (n.namespace ?? null) !== namespace) continue;
      if (name.startsWith(`${n.name}-`) && (!best || n.name.length > best.name.length)) best = n;
    }
    return best;
  }

  /** Applies a live diff; returns whether anything on the map changed. */
  apply(diff: GraphDiff, seq?: number): boolean {
    if (seq !== undefined) this.seq = Math.max(this.seq, seq);
    let changed = false;
    const addedEdges = diff.added_edges ?? [];
    for (const id of diff.removed_nodes ?? []) {
      const i = this.index.get(id);
      if (i !== undefined) {
        this.removeNode(i);
        changed = true;
        continue;
      }
      const into = this.foldTarget(id);
      if (into) {
        into.folded = Math.max(0, into.folded - 1);
        const kind = parseNodeId(id).kind;
        if (into.foldedKinds?.[kind]) into.foldedKinds[kind]--;
        this.foldedInto.delete(id);
        changed = true;
      }
    }
    for (const id of diff.added_nodes ?? []) {
      if (this.index.has(id)) continue;
      // Folded when one of its owners is folded (or is itself folded into a node).
      const owners = addedEdges.filter((e) => e[1] === id && e[2] === "owns").map((e) => e[0]);
      let into: MapNode | undefined;
      for (const o of owners) {
        const owner = this.get(o);
        into = owner && owner.folded > 0 ? owner : this.foldTarget(o);
        if (into) break;
      }
      if (!into && owners.length > 0) into = this.foldTarget(id);
      if (into) {
        into.folded++;
        const kind = parseNodeId(id).kind;
        into.foldedKinds = { ...into.foldedKinds, [kind]: (into.foldedKinds?.[kind] ?? 0) + 1 };
        this.foldedInto.set(id, into.id);
        changed = true;
        continue;
      }
      this.addNode(id, addedEdges);
      changed = true;
    }
    for (const [s, t, relation] of diff.removed_edges ?? []) {
      const key = `${s}\u0000${t}\u0000${relation}`;
      if (!this.edgeKeys.delete(key)) continue;
      const i = this.edges.findIndex((e) => e.source === s && e.target === t && e.relation === relation);
      if (i >= 0) {
        this.edges[i] = this.edges[this.edges.length - 1]!;
        this.edges.pop();
      }
      changed = true;
    }
    for (const [s0, t0, relation] of addedEdges) {
      const s = this.index.has(s0) ? s0 : this.foldedInto.get(s0);
      const t = this.index.has(t0) ? t0 : this.foldedInto.get(t0);
      if (!s || !t || s === t) continue;
      const edge = { source: s, target: t, relation, count: 1 };
      const key = edgeKey(edge);
      if (this.edgeKeys.has(key)) {
        if (s !== s0 || t !== t0) {
          const e = this.edges.find((x) => edgeKey(x) === key);
          if (e) e.count = (e.count ?? 1) + 1;
        }
        continue;
      }
      this.edgeKeys.add(key);
      this.edges.push(edge);
      changed = true;
    }
    if (changed) this.version++;
    return changed;
  }

  private removeNode(i: number): void {
    const node = this.nodes[i]!;
    const last = this.nodes.pop()!;
    if (i < this.nodes.length) {
      this.nodes[i] = last;
      this.index.set(last.id, i);
    }
    this.index.delete(node.id);
    this.edges = this.edges.filter((e) => {
      const keep = e.source !== node.id && e.target !== node.id;
      if (!keep) this.edgeKeys.delete(edgeKey(e));
      return keep;
    });
  }

  /** Places a new node beside its first neighbour on the map, else in its namespace's box. */
  private addNode(id: string, edges: [string, string, string][]): void {
    const parsed = parseNodeId(id);
    let x: number;
    let y: number;
    const neighbour = edges
      .filter((e) => e[0] === id || e[1] === id)
      .map((e) => this.get(e[0] === id ? e[1] : e[0]))
      .find((n) => n !== undefined);
    if (neighbour) {
      [x, y] = this.freeSpot(neighbour.x, neighbour.y + GAP);
    } else {
      const box = this.namespaces.find((b) => b.name === (parsed.namespace ?? ""));
      if (box) {
        [x, y] = this.freeSpot(box.x + GAP, box.y + box.height - GAP);
      } else {
        const right = this.namespaces.reduce((m, b) => Math.max(m, b.x + b.width), 0);
        [x, y] = this.freeSpot(right + GAP * 2, 0);
      }
    }
    const node: MapNode = {
      id,
      kind: parsed.kind,
      group: parsed.group,
      namespace: parsed.namespace,
      name: parsed.name,
      health: "unknown",
      folded: 0,
      x,
      y,
    };
    this.index.set(id, this.nodes.length);
    this.nodes.push(node);
  }

  /** The first spot at or right of (x, y) that no node holds (a row scan, GAP apart). */
  private freeSpot(x: number, y: number): [number, number] {
    const taken = (px: number, py: number): boolean =>
      this.nodes.some((n) => Math.abs(n.x - px) < GAP * 0.9 && Math.abs(n.y - py) < GAP * 0.9);
    for (let k = 0; k < 200; k++) {
      const px = x + k * GAP;
      if (!taken(px, y)) return [px, y];
    }
    return [x, y + GAP];
  }

  /** Sets a node's health (from a live object change); whether it changed. */
  setHealth(id: string, health: MapNode["health"]): boolean {
    const n = this.get(id);
    if (!n || n.folded > 0 || n.health === health) return false;
    n.health = health;
    this.version++;
    return true;
  }

  /** Nodes within `hops` of `id` over the edges on the map. */
  neighbourhood(id: string, hops: number): Set<string> {
    const seen = new Set([id]);
    let frontier = [id];
    for (let h = 0; h < hops && frontier.length; h++) {
      const next: string[] = [];
      const f = new Set(frontier);
      for (const e of this.edges) {
        if (f.has(e.source) && !seen.has(e.target)) {
          seen.add(e.target);
          next.push(e.target);
        } else if (f.has(e.target) && !seen.has(e.source)) {
          seen.add(e.source);
          next.push(e.source);
        }
      }
      frontier = next;
    }
    return seen;
  }

  /** Nodes whose name, kind/name or id contains the text (case-insensitive), best first. */
  search(text: string, limit = 20): MapNode[] {
    const q = text.trim().toLowerCase();
    if (!q) return [];
    const hits: [number, MapNode][] = [];
    for (const n of this.nodes) {
      const name = n.name.toLowerCase();
      const full = `${n.kind}/${n.name}`.toLowerCase();
      let score = -1;
      if (name === q || full === q) score = 0;
      else if (name.startsWith(q)) score = 1;
      else if (full.includes(q) || n.id.toLowerCase().includes(q)) score = 2;
      if (score >= 0) hits.push([score * 1000 + name.length, n]);
    }
    hits.sort((a, b) => a[0] - b[0] || a[1].id.localeCompare(b[1].id));
    return hits.slice(0, limit).map((h) => h[1]);
  }

  bounds(): { minX: number; minY: number; maxX: number; maxY: number } {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const b of this.namespaces) {
      minX = Math.min(minX, b.x);
      minY = Math.min(minY, b.y);
      maxX = Math.max(maxX, b.x + b.width);
      maxY = Math.max(maxY, b.y + b.height);
    }
    for (const n of this.nodes) {
      minX = Math.min(minX, n.x - NODE_RADIUS);
      minY = Math.min(minY, n.y - NODE_RADIUS);
      maxX = Math.max(maxX, n.x + NODE_RADIUS);
      maxY = Math.max(maxY, n.y + NODE_RADIUS);
    }
    if (minX > maxX) return { minX: 0, minY: 0, maxX: 100, maxY: 100 };
    return { minX, minY, maxX, maxY };
  }
}

function edgeKey(e: MapEdge): string {
  return `${e.source}\u0000${e.target}\u0000${e.relation}`;
}
