import { describe, expect, it } from "vitest";
import { centred, mapQuery } from "../src/map/fetch";
import { layoutTopology } from "../src/map/layout";
import { MapModel } from "../src/map/model";
import type { MapData, MapNode } from "../src/map/types";
import { kindCounts } from "../src/pages/kinds";

function node(id: string, x: number, y: number, extra: Partial<MapNode> = {}): MapNode {
  const [kg, ns, name] = id.split("/");
  return { id, kind: kg!.split(".")[0]!, namespace: ns ?? null, name: name ?? "", health: "healthy", folded: 0, x, y, ...extra };
}

function shop(): MapData {
  return {
    nodes: [
      node("Deployment.apps/shop/api", 100, 100, { folded: 3, foldedKinds: { Pod: 2, ReplicaSet: 1 } }),
      node("Service/shop/api", 100, 40),
      node("ConfigMap/shop/settings", 200, 100),
    ],
    edges: [
      { source: "Service/shop/api", target: "Deployment.apps/shop/api", relation: "selects", count: 2 },
      { source: "Deployment.apps/shop/api", target: "ConfigMap/shop/settings", relation: "mounts", count: 1 },
    ],
    namespaces: [{ name: "shop", x: 0, y: 0, width: 400, height: 300 }],
    totals: { objects: 6, nodes: 3, edges: 2, folded: 3 },
    seq: 10,
  };
}

describe("map model", () => {
  it("adds a pod as a node beside its first neighbour", () => {
    const m = new MapModel(shop());
    const v = m.version;
    const changed = m.apply({
      added_nodes: ["Pod/shop/debug"],
      added_edges: [["Pod/shop/debug", "ConfigMap/shop/settings", "mounts"]],
    }, 11);
    expect(changed).toBe(true);
    expect(m.version).toBe(v + 1);
    expect(m.seq).toBe(11);
    const pod = m.get("Pod/shop/debug")!;
    expect(pod.kind).toBe("Pod");
    expect(pod.namespace).toBe("shop");
    expect(pod.health).toBe("unknown");
    // Beside the ConfigMap, on a spot no other node holds.
    expect(Math.abs(pod.y - 100)).toBeLessThan(100);
    for (const n of m.nodes) if (n !== pod) expect(n.x === pod.x && n.y === pod.y).toBe(false);
    expect(m.edges).toContainEqual({ source: "Pod/shop/debug", target: "ConfigMap/shop/settings", relation: "mounts", count: 1 });
  });

  it("folds a new pod of a folded Deployment into it (its ReplicaSet is not on the map)", () => {
    const m = new MapModel(shop());
    m.apply({
      added_nodes: ["Pod/shop/api-5d4f8-x2x7q"],
      added_edges: [
        ["ReplicaSet.apps/shop/api-5d4f8", "Pod/shop/api-5d4f8-x2x7q", "owns"],
        ["Pod/shop/api-5d4f8-x2x7q", "ConfigMap/shop/settings", "mounts"],
      ],
    });
    expect(m.get("Pod/shop/api-5d4f8-x2x7q")).toBeUndefined();
    const d = m.get("Deployment.apps/shop/api")!;
    expect(d.folded).toBe(4);
    expect(d.foldedKinds?.Pod).toBe(3);
    // Its edge moves to the folded node, where one of the same kind exists: counted.
    expect(m.edges.filter((e) => e.relation === "mounts")).toEqual([{ source: "Deployment.apps/shop/api", target: "ConfigMap/shop/settings", relation: "mounts", count: 2 }]);
    m.apply({ removed_nodes: ["Pod/shop/api-5d4f8-x2x7q"] });
    expect(m.get("Deployment.apps/shop/api")!.folded).toBe(3);
  });

  it("removes a node with its edges, and an edge alone", () => {
    const m = new MapModel(shop());
    m.apply({ removed_edges: [["Service/shop/api", "Deployment.apps/shop/api", "selects"]] });
    expect(m.edges).toHaveLength(1);
    m.apply({ removed_nodes: ["ConfigMap/shop/settings"] });
    expect(m.nodes.map((n) => n.id).sort()).toEqual(["Deployment.apps/shop/api", "Service/shop/api"]);
    expect(m.edges).toHaveLength(0);
    // The index still finds the node moved into the removed one's place.
    expect(m.get("Service/shop/api")?.id).toBe("Service/shop/api");
    expect(m.indexOf("Deployment.apps/shop/api")).toBeGreaterThanOrEqual(0);
  });

  it("ignores a diff that changes nothing it shows", () => {
    const m = new MapModel(shop());
    const v = m.version;
    expect(m.apply({ added_nodes: ["Service/shop/api"], removed_nodes: ["Pod/other/x"], removed_edges: [["a", "b", "owns"]] })).toBe(false);
    expect(m.version).toBe(v);
  });

  it("walks N hops", () => {
    const m = new MapModel(shop());
    expect([...m.neighbourhood("Service/shop/api", 1)].sort()).toEqual(["Deployment.apps/shop/api", "Service/shop/api"]);
    expect(m.neighbourhood("Service/shop/api", 2).size).toBe(3);
  });

  it("finds nodes by name, exact first", () => {
    const m = new MapModel(shop());
    expect(m.search("api").map((n) => n.id)).toEqual(["Deployment.apps/shop/api", "Service/shop/api"]);
    expect(m.search("settings")[0]!.id).toBe("ConfigMap/shop/settings");
    expect(m.search("configmap/set")[0]!.id).toBe("ConfigMap/shop/settings");
    expect(m.search("  ")).toEqual([]);
  });

  it("counts kinds with the folded ones", () => {
    const counts = kindCounts(new MapModel(shop()));
    expect(counts).toContainEqual({ kind: "Pod", group: "", count: 2 });
    expect(counts).toContainEqual({ kind: "ReplicaSet", group: "apps", count: 1 });
    expect(counts).toContainEqual({ kind: "Deployment", group: "", count: 1 });
  });
});

describe("map answer", () => {
  it("asks /map with the page's parameters", () => {
    expect(mapQuery({ fold: "auto" })).toBe("fold=auto");
    expect(mapQuery({ namespace: "shop", fold: "auto", expand: [] })).toBe("namespace=shop&fold=auto");
    expect(mapQuery({ focus: "Deployment.apps/shop/api", expand: ["a", "b"] })).toBe("focus=Deployment.apps%2Fshop%2Fapi&depth=2&expand=a%2Cb");
    expect(mapQuery({ at: "-15m", relation: "owns,selects", depth: 3 })).toBe("relation=owns%2Cselects&at=-15m");
  });

  it("moves cell corners to centres", () => {
    const d = centred({ ...shop(), layout: { nodeWidth: 40, nodeHeight: 20 } } as MapData);
    expect(d.nodes[0]).toMatchObject({ x: 120, y: 110 });
    expect(d.cellWidth).toBe(40);
    expect(centred(shop()).nodes[0]).toMatchObject({ x: 100, y: 100 });
  });

  it("lays out a topology in namespace boxes, every node inside its box", () => {
    const data = layoutTopology({
      nodes: [
        { id: "Service/a/s", kind: "Service", namespace: "a", name: "s" },
        { id: "Pod/a/p", kind: "Pod", namespace: "a", name: "p" },
        { id: "Pod/b/q", kind: "Pod", namespace: "b", name: "q" },
        { id: "Node/n1", kind: "Node", name: "n1" },
      ],
      edges: [{ source: "Service/a/s", target: "Pod/a/p", relation: "selects" }, { source: "Pod/a/p", target: "Gone/x", relation: "owns" }],
    });
    expect(data.namespaces.map((b) => b.name)).toEqual(["a", "b", ""]);
    for (const n of data.nodes) {
      const b = data.namespaces.find((x) => x.name === (n.namespace ?? ""))!;
      expect(n.x).toBeGreaterThanOrEqual(b.x);
      expect(n.x).toBeLessThanOrEqual(b.x + b.width);
      expect(n.y).toBeGreaterThanOrEqual(b.y);
      expect(n.y).toBeLessThanOrEqual(b.y + b.height);
    }
    // Services above pods (layered), edges to missing nodes dropped.
    const s = data.nodes.find((n) => n.id === "Service/a/s")!;
    const p = data.nodes.find((n) => n.id === "Pod/a/p")!;
    expect(s.y).toBeLessThan(p.y);
    expect(data.edges).toHaveLength(1);
  });
});

describe("live health", () => {
  it("sets a node's health, not a folded one's", () => {
    const m = new MapModel(shop());
    const v = m.version;
    expect(m.setHealth("Service/shop/api", "failed")).toBe(true);
    expect(m.get("Service/shop/api")!.health).toBe("failed");
    expect(m.version).toBe(v + 1);
    expect(m.setHealth("Service/shop/api", "failed")).toBe(false);
    expect(m.setHealth("Deployment.apps/shop/api", "failed")).toBe(false);
    expect(m.setHealth("Pod/shop/none", "failed")).toBe(false);
  });
});
