// Loads the map: the server's `/map` (layout and folding done there), or, from a server
// that has no `/map` yet, `/topology` laid out here.
import { ApiError, clusterPath, getJson, query } from "../api";
import type { Topology } from "../api";
import { layoutTopology } from "./layout";
import type { MapData } from "./types";

export interface MapParams {
  namespace?: string | null;
  focus?: string | null;
  depth?: number | null;
  relation?: string | null;
  at?: string | null;
  expand?: string[];
  fold?: "auto" | "owners" | "none" | null;
}

interface MapAnswer extends MapData {
  layout?: { nodeWidth?: number; nodeHeight?: number };
}

/** Node x/y from the server are the top-left of a cell; the renderer wants centres. */
export function centred(answer: MapAnswer): MapData {
  const w = answer.layout?.nodeWidth;
  const h = answer.layout?.nodeHeight;
  if (!w || !h) return answer;
  return { ...answer, cellWidth: w, cellHeight: h, nodes: answer.nodes.map((n) => ({ ...n, x: n.x + w / 2, y: n.y + h / 2 })) };
}

let noMapEndpoint = false;

/** The query string of `/map` for these parameters (also set on the map element as `data-map-query`). */
export function mapQuery(p: MapParams): string {
  return query({
    namespace: p.namespace,
    focus: p.focus,
    depth: p.focus ? (p.depth ?? 2) : null,
    relation: p.relation,
    at: p.at,
    fold: p.fold,
    expand: p.expand?.length ? p.expand.join(",") : null,
  }).slice(1);
}

export async function fetchMap(p: MapParams, signal?: AbortSignal): Promise<MapData> {
  const common = {
    namespace: p.namespace,
    focus: p.focus,
    depth: p.focus ? (p.depth ?? 2) : null,
    relation: p.relation,
    at: p.at,
  };
  if (!noMapEndpoint) {
    try {
      const answer = await getJson<MapAnswer>(
        clusterPath(`/map?${mapQuery(p)}`),
        signal ? { signal } : {},
        true,
      );
      return centred(answer);
    } catch (e) {
      // An older server answers an unknown /api path with 401 (or 404): check the
      // token on a route that exists before taking that as "no /map".
      if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 401)) throw e;
      // Only a missing route counts ("no route …"); a 404 about the cluster is its own.
      if (e.status === 404 && !e.message.startsWith("no route")) throw e;
      await getJson("/api/v1/clusters");
      noMapEndpoint = true;
    }
  }
  const topology = await getJson<Topology>(clusterPath(`/topology${query(common)}`), signal ? { signal } : {});
  return layoutTopology(topology);
}
