import { describe, expect, it } from "vitest";
import { inView, toSvg } from "../src/map/export";
import { MapModel } from "../src/map/model";
import { DARK } from "../src/map/palette";
import { fitText } from "../src/map/renderer";
import { age, compareBy, shortTime } from "../src/pages/common";
import { podSummary } from "../src/pages/health";
import { check, editable, explainApplyError, toYaml } from "../src/pages/yaml";

describe("yaml edit", () => {
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web", namespace: "shop", uid: "u", resourceVersion: "7", managedFields: [{}], creationTimestamp: "2026-01-01T00:00:00Z" }, data: { a: "1" } };

  it("leaves out what the server owns and keeps resourceVersion", () => {
    const text = toYaml(editable(cm));
    expect(text).not.toContain("managedFields");
    expect(text).not.toContain("uid");
    expect(text).toContain('resourceVersion: "7"');
    expect(cm.metadata.managedFields).toHaveLength(1);
  });

  it("accepts the object and refuses broken YAML with its line", () => {
    const original = { kind: "ConfigMap", name: "web", namespace: "shop" };
    expect(check(toYaml(editable(cm)), original).error).toBeNull();
    const broken = check("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n data: [", original);
    expect(broken.error).toMatch(/^line \d+: /);
    expect(check("- a\n- b\n", original).error).toMatch(/one object/);
    expect(check("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: shop\n", original).error).toMatch(/not `web`/);
    expect(check("apiVersion: v1\nkind: Secret\nmetadata:\n  name: web\n", original).error).toMatch(/kind is `Secret`/);
  });

  it("explains a conflict with what to do", () => {
    expect(explainApplyError(422, "invalid_manifests", "1 of the manifests set fields that another field manager owns")).toMatch(/reload/);
    expect(explainApplyError(422, "invalid_manifests", "spec.replicas: Invalid value")).toMatch(/^the cluster refused it/);
  });
});

describe("pods", () => {
  it("reads status as kubectl prints it", () => {
    expect(podSummary({ spec: { containers: [{}, {}] }, status: { phase: "Running", containerStatuses: [{ ready: true, restartCount: 1 }, { ready: false, restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff" } } }] } })).toEqual({
      ready: "1/2",
      status: "CrashLoopBackOff",
      restarts: 3,
      health: "failed",
    });
    expect(podSummary({ spec: { containers: [{}] }, status: { phase: "Running", containerStatuses: [{ ready: true }] } }).health).toBe("healthy");
    expect(podSummary({ status: { phase: "Pending" } }).health).toBe("progressing");
  });
});

describe("tables and text", () => {
  it("sorts numbers as numbers and names naturally", () => {
    const rows = [{ n: "pod-10", c: 3 }, { n: "pod-2", c: 20 }];
    expect(rows.slice().sort(compareBy({ title: "n", value: (r) => r.n }, false)).map((r) => r.n)).toEqual(["pod-2", "pod-10"]);
    expect(rows.slice().sort(compareBy({ title: "c", value: (r) => r.c }, true)).map((r) => r.c)).toEqual([20, 3]);
  });

  it("prints ages", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(age("2026-12-06T11:59:30Z", now)).toBe("30s");
    expect(age("2026-12-06T11:00:00Z", now)).toBe("60m");
    expect(age("2026-12-01T12:00:00Z", now)).toBe("5d");
    expect(age("nonsense", now)).toBe("");
  });

  it("prints times short", () => {
    expect(shortTime("2026-12-06T21:16:00.821767Z")).toBe("2026-12-06 21:16:00 UTC");
    expect(shortTime("yesterday")).toBe("yesterday");
  });

  it("elides the middle of long labels", () => {
    expect(fitText("short", 10)).toBe("short");
    const t = fitText("api-5d4f8-x2x7q-long-name", 11);
    expect(t).toHaveLength(11);
    expect(t.startsWith("api-5")).toBe(true);
    expect(t.endsWith("name")).toBe(true);
  });
});

describe("exports", () => {
  const m = new MapModel({
    nodes: [
      { id: "Pod/a/<script>", kind: "Pod", namespace: "a", name: "<script>", health: "failed", folded: 0, x: 10, y: 10 },
      { id: "Pod/a/far", kind: "Pod", namespace: "a", name: "far", health: "healthy", folded: 0, x: 5000, y: 5000 },
    ],
    edges: [{ source: "Pod/a/<script>", target: "Pod/a/far", relation: "owns" }],
    namespaces: [{ name: "a", x: 0, y: 0, width: 6000, height: 6000 }],
  });
  const camera = { x: 0, y: 0, scale: 1 };

  it("keeps to what is on screen", () => {
    const v = inView(m, camera, 200, 200);
    expect(v.nodes.map((n) => n.name)).toEqual(["<script>"]);
    expect(v.edges).toHaveLength(0);
    expect(v.totals).toMatchObject({ nodes: 1, edges: 0 });
  });

  it("writes an SVG with names escaped", () => {
    const svg = toSvg(m, camera, 200, 200, DARK);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("&#60;script&#62;");
    expect(svg).not.toContain("<script>");
    expect(svg).not.toContain(">far<");
  });
});

describe("cell table", () => {
  it("answers the first item of each key, and a new key takes the item given", async () => {
    const { CellTable } = await import("../src/map/renderer");
    const t = new CellTable(3);
    expect(t.slot(1, 2, 3, 4, 0)).toBe(0);
    expect(t.slot(1, 2, 3, 5, 1)).toBe(1);
    expect(t.slot(1, 2, 3, 4, 2)).toBe(0);
    expect(t.slot(-1, -2, 3, 4, 3)).toBe(3);
    // Many keys in a small table: no key lost or confused.
    const big = new CellTable(1000);
    for (let i = 0; i < 1000; i++) expect(big.slot(i, i * 7, -i, 3, i)).toBe(i);
    for (let i = 0; i < 1000; i++) expect(big.slot(i, i * 7, -i, 3, 5000)).toBe(i);
  });
});
