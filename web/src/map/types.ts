// The `/map` answer (WEB-CONTRACT.md): server-side layout and folding.

export type Health = "healthy" | "progressing" | "degraded" | "failed" | "unknown";

export interface MapNode {
  id: string;
  kind: string;
  group?: string;
  namespace?: string | null;
  name: string;
  health: Health;
  /** Objects folded into this node (0 = none). */
  folded: number;
  foldedKinds?: Record<string, number>;
  unhealthy?: number;
  x: number;
  y: number;
}

export interface MapEdge {
  source: string;
  target: string;
  relation: string;
  count?: number;
}

export interface MapNamespace {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MapData {
  nodes: MapNode[];
  edges: MapEdge[];
  namespaces: MapNamespace[];
  totals?: { objects: number; nodes: number; edges: number; folded: number };
  seq?: number;
  /** The width of a node's cell in the layout (the room a label has). */
  cellWidth?: number;
  /** The height of a node's cell (labels need room below their node). */
  cellHeight?: number;
}

/** A `topology` diff of the watch WebSocket (GraphDiff, snake_case; edges as triples). */
export interface GraphDiff {
  added_nodes?: string[];
  removed_nodes?: string[];
  added_edges?: [string, string, string][];
  removed_edges?: [string, string, string][];
}

export const NODE_RADIUS = 14;
