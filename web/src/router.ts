// Client routes. Every view has a URL that can be shared and reloaded; the server answers
// index.html for each of them.

export type Route =
  | { page: "map"; namespace: string | null; focus: string | null; at: string | null }
  | { page: "object"; namespace: string | null; kind: string; name: string; tab: string | null }
  | { page: "kinds"; kind: string | null; namespace: string | null; selector: string | null }
  | { page: "status"; namespace: string | null }
  | { page: "audit"; namespace: string | null; severity: string | null }
  | { page: "events"; namespace: string | null; type: string | null }
  | { page: "signin"; next: string | null }
  | { page: "notfound"; path: string };

/** `_` stands for "no namespace" (a cluster-scoped object) in object URLs. */
export const CLUSTER_SCOPED = "_";

function seg(s: string): string {
  return encodeURIComponent(s);
}

function qs(params: Record<string, string | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function parseRoute(pathname: string, search: string): Route {
  const q = new URLSearchParams(search);
  const get = (k: string): string | null => q.get(k) || null;
  const parts = pathname.split("/").filter((p) => p !== "").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [head, ...rest] = parts;
  switch (head) {
    case undefined:
    case "map":
      if (rest.length > 0) break;
      return { page: "map", namespace: get("namespace"), focus: get("focus"), at: get("at") };
    case "objects":
      if (rest.length !== 3) break;
      return {
        page: "object",
        namespace: rest[0] === CLUSTER_SCOPED ? null : rest[0]!,
        kind: rest[1]!,
        name: rest[2]!,
        tab: get("tab"),
      };
    case "kinds":
      if (rest.length > 1) break;
      return { page: "kinds", kind: rest[0] ?? null, namespace: get("namespace"), selector: get("selector") };
    case "status":
      return { page: "status", namespace: get("namespace") };
    case "audit":
      return { page: "audit", namespace: get("namespace"), severity: get("minSeverity") };
    case "events":
      return { page: "events", namespace: get("namespace"), type: get("type") };
    case "signin":
      return { page: "signin", next: get("next") };
  }
  return { page: "notfound", path: pathname };
}

export function formatRoute(route: Route): string {
  switch (route.page) {
    case "map":
      return `/map${qs({ namespace: route.namespace, focus: route.focus, at: route.at })}`;
    case "object":
      return `/objects/${seg(route.namespace ?? CLUSTER_SCOPED)}/${seg(route.kind)}/${seg(route.name)}${qs({ tab: route.tab })}`;
    case "kinds":
      return `/kinds${route.kind ? `/${seg(route.kind)}` : ""}${qs({ namespace: route.namespace, selector: route.selector })}`;
    case "status":
      return `/status${qs({ namespace: route.namespace })}`;
    case "audit":
      return `/audit${qs({ namespace: route.namespace, minSeverity: route.severity })}`;
    case "events":
      return `/events${qs({ namespace: route.namespace, type: route.type })}`;
    case "signin":
      return `/signin${qs({ next: route.next })}`;
    case "notfound":
      return route.path;
  }
}

/** The URL of an object's page. */
export function objectUrl(kind: string, namespace: string | null | undefined, name: string, tab?: string): string {
  return formatRoute({ page: "object", kind, namespace: namespace ?? null, name, tab: tab ?? null });
}

/**
 * A topology node id (`Kind.group/ns/name`, `Kind/ns/name` for the core group, no
 * namespace part for cluster-scoped objects) split into its parts.
 */
export function parseNodeId(id: string): { kind: string; group: string; namespace: string | null; name: string } {
  const parts = id.split("/");
  const kindGroup = parts[0] ?? "";
  const dot = kindGroup.indexOf(".");
  const kind = dot < 0 ? kindGroup : kindGroup.slice(0, dot);
  const group = dot < 0 ? "" : kindGroup.slice(dot + 1);
  if (parts.length >= 3) return { kind, group, namespace: parts[1]!, name: parts.slice(2).join("/") };
  return { kind, group, namespace: null, name: parts[1] ?? "" };
}

/** The object page of a node id. */
export function nodeUrl(id: string): string {
  const { kind, group, namespace, name } = parseNodeId(id);
  return objectUrl(group ? `${kind}.${group}` : kind, namespace, name);
}

type Listener = () => void;
const listeners = new Set<Listener>();

export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  for (const l of listeners) l();
}

export function onNavigate(l: Listener): () => void {
  listeners.add(l);
  window.addEventListener("popstate", l);
  return () => {
    listeners.delete(l);
    window.removeEventListener("popstate", l);
  };
}
