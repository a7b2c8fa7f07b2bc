import { describe, expect, it } from "vitest";
import { tokenFromFragment } from "../src/auth";
import { formatRoute, nodeUrl, parseNodeId, parseRoute } from "../src/router";
import type { Route } from "../src/router";

describe("routes", () => {
  const cases: [string, Route][] = [
    ["/map", { page: "map", namespace: null, focus: null, at: null }],
    ["/map?namespace=shop", { page: "map", namespace: "shop", focus: null, at: null }],
    ["/map?focus=Deployment.apps%2Fshop%2Fapi&at=-15m", { page: "map", namespace: null, focus: "Deployment.apps/shop/api", at: "-15m" }],
    ["/objects/shop/Pod/api-0", { page: "object", namespace: "shop", kind: "Pod", name: "api-0", tab: null }],
    ["/objects/_/ClusterRole.rbac.authorization.k8s.io/view?tab=yaml", { page: "object", namespace: null, kind: "ClusterRole.rbac.authorization.k8s.io", name: "view", tab: "yaml" }],
    ["/kinds/Pod?namespace=shop&selector=app%3Dweb", { page: "kinds", kind: "Pod", namespace: "shop", selector: "app=web" }],
    ["/kinds", { page: "kinds", kind: null, namespace: null, selector: null }],
    ["/status?namespace=shop", { page: "status", namespace: "shop" }],
    ["/audit?minSeverity=high", { page: "audit", namespace: null, severity: "high" }],
    ["/events?type=Warning", { page: "events", namespace: null, type: "Warning" }],
  ];
  for (const [url, route] of cases) {
    it(`parses and writes ${url}`, () => {
      const [path, search = ""] = url.split("?");
      expect(parseRoute(path!, search ? `?${search}` : "")).toEqual(route);
      expect(formatRoute(route)).toBe(url);
    });
  }

  it("takes / as the map and an unknown path as not found", () => {
    expect(parseRoute("/", "").page).toBe("map");
    expect(parseRoute("/objects/shop/Pod", "")).toEqual({ page: "notfound", path: "/objects/shop/Pod" });
    expect(parseRoute("/nothing", "").page).toBe("notfound");
  });

  it("keeps names with odd characters whole through a URL", () => {
    const route: Route = { page: "object", namespace: "a b", kind: "ConfigMap", name: "x/y?z#1", tab: null };
    const url = formatRoute(route);
    expect(url).toBe("/objects/a%20b/ConfigMap/x%2Fy%3Fz%231");
    const [path, search = ""] = url.split("?");
    expect(parseRoute(path!, search)).toEqual(route);
  });

  it("splits node ids of the topology contract", () => {
    expect(parseNodeId("Deployment.apps/shop/api")).toEqual({ kind: "Deployment", group: "apps", namespace: "shop", name: "api" });
    expect(parseNodeId("Pod/shop/api-0")).toEqual({ kind: "Pod", group: "", namespace: "shop", name: "api-0" });
    expect(parseNodeId("ClusterRole.rbac.authorization.k8s.io/view")).toEqual({ kind: "ClusterRole", group: "rbac.authorization.k8s.io", namespace: null, name: "view" });
    expect(nodeUrl("Node/worker-1")).toBe("/objects/_/Node/worker-1");
    expect(nodeUrl("Deployment.apps/shop/api")).toBe("/objects/shop/Deployment.apps/api");
  });
});

describe("token fragment", () => {
  it("takes the token and leaves the rest of the fragment", () => {
    expect(tokenFromFragment("#token=abc")).toEqual({ token: "abc", rest: "" });
    expect(tokenFromFragment("#token=abc&x=1")).toEqual({ token: "abc", rest: "#x=1" });
    expect(tokenFromFragment("#section")).toEqual({ token: null, rest: "#section" });
    expect(tokenFromFragment("")).toEqual({ token: null, rest: "" });
    expect(tokenFromFragment("#token=")).toEqual({ token: null, rest: "" });
  });
});
