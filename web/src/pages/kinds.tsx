// The resource browser: the kinds the cluster holds (CRDs included), and a table of one
// kind's objects with sort and filters (namespace, label selector).
import { useEffect, useState } from "preact/hooks";
import type { KubeObject, ObjectList } from "../api";
import { clusterPath, getJson, query } from "../api";
import { fetchMap } from "../map/fetch";
import { MapModel } from "../map/model";
import type { Route } from "../router";
import { formatRoute, navigate, objectUrl } from "../router";
import { shared } from "../store";
import type { Column } from "./common";
import { age, NamespaceFilter, Status, Table, useLoad } from "./common";
import { podSummary } from "./health";

/** The group of kinds the server folds, which come as counts without a group. */
const FOLDED_GROUPS: Record<string, string> = { Pod: "", ReplicaSet: "apps", Job: "batch" };

export interface KindCount {
  kind: string;
  group: string;
  count: number;
}

/** Kinds on the map with how many objects each (folded ones counted). */
export function kindCounts(model: MapModel): KindCount[] {
  const counts = new Map<string, KindCount>();
  const add = (kind: string, group: string, n: number): void => {
    const key = `${kind}.${group}`;
    const c = counts.get(key);
    if (c) c.count += n;
    else counts.set(key, { kind, group, count: n });
  };
  for (const n of model.nodes) {
    add(n.kind, n.group ?? "", 1);
    for (const [k, v] of Object.entries(n.foldedKinds ?? {})) add(k, FOLDED_GROUPS[k] ?? "", v);
  }
  return [...counts.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.group.localeCompare(b.group));
}

export function kindRef(kind: string, group: string): string {
  return group ? `${kind}.${group}` : kind;
}

export function KindsPage(props: { route: Extract<Route, { page: "kinds" }> }) {
  if (!props.route.kind) return <KindList />;
  return <ObjectTable key={props.route.kind} route={props.route} kind={props.route.kind} />;
}

function KindList() {
  const loaded = useLoad(async (signal) => {
    // The map's nodes with what each folds: every kind the cluster holds objects of.
    const model = new MapModel(await fetchMap({}, signal));
    shared.model ??= model;
    return kindCounts(model);
  }, []);
  const [text, setText] = useState("");
  const q = text.trim().toLowerCase();
  return (
    <div class="page" data-testid="kinds-page">
      <div class="page-head">
        <h2>Kinds</h2>
        <label>
          filter <input value={text} placeholder="kind or group" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      <Status loaded={loaded} />
      {loaded.data && (
        <Table
          testid="kinds"
          columns={[
            { title: "kind", value: (k) => k.kind, render: (k) => <a href={`/kinds/${encodeURIComponent(kindRef(k.kind, k.group))}`}>{k.kind}</a> },
            { title: "group", value: (k) => k.group || "core" },
            { title: "objects", value: (k) => k.count },
          ]}
          rows={loaded.data.filter((k) => !q || `${k.kind} ${k.group}`.toLowerCase().includes(q))}
          rowKey={(k) => kindRef(k.kind, k.group)}
        />
      )}
    </div>
  );
}

const PAGE = 500;

function columnsFor(kind: string): Column<KubeObject>[] {
  const name: Column<KubeObject> = {
    title: "name",
    value: (o) => o.metadata?.name ?? "",
    render: (o) => <a href={objectUrl(kind, o.metadata?.namespace, o.metadata?.name ?? "")}>{o.metadata?.name}</a>,
  };
  const ns: Column<KubeObject> = { title: "namespace", value: (o) => o.metadata?.namespace ?? "" };
  const created: Column<KubeObject> = { title: "age", value: (o) => -Date.parse(o.metadata?.creationTimestamp ?? "") || 0, render: (o) => age(o.metadata?.creationTimestamp) };
  const st = (o: KubeObject): Record<string, unknown> => o.status ?? {};
  const sp = (o: KubeObject): Record<string, unknown> => o.spec ?? {};
  const num = (v: unknown): number => (typeof v === "number" ? v : 0);
  const base = kind.split(".")[0]!.toLowerCase();
  switch (base) {
    case "pod":
    case "pods":
      return [
        name,
        ns,
        { title: "ready", value: (o) => podSummary(o).ready },
        { title: "status", value: (o) => podSummary(o).status, render: (o) => <span class={`state ${podSummary(o).health}`}>{podSummary(o).status}</span> },
        { title: "restarts", value: (o) => podSummary(o).restarts },
        { title: "node", value: (o) => String(sp(o).nodeName ?? "") },
        created,
      ];
    case "deployment":
    case "deploy":
    case "statefulset":
    case "replicaset":
      return [name, ns, { title: "ready", value: (o) => num(st(o).readyReplicas) - num(sp(o).replicas), render: (o) => `${num(st(o).readyReplicas)}/${num(sp(o).replicas ?? 1)}` }, created];
    case "daemonset":
      return [name, ns, { title: "ready", value: (o) => num(st(o).numberReady), render: (o) => `${num(st(o).numberReady)}/${num(st(o).desiredNumberScheduled)}` }, created];
    case "service":
    case "svc":
      return [
        name,
        ns,
        { title: "type", value: (o) => String(sp(o).type ?? "ClusterIP") },
        { title: "cluster ip", value: (o) => String(sp(o).clusterIP ?? "") },
        { title: "ports", value: (o) => ((sp(o).ports as { port?: number; protocol?: string }[] | undefined) ?? []).map((p) => `${p.port ?? ""}/${p.protocol ?? "TCP"}`).join(", ") },
        created,
      ];
    default:
      return [
        name,
        ns,
        { title: "labels", value: (o) => Object.entries(o.metadata?.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(", "), className: "wide" },
        created,
      ];
  }
}

function ObjectTable(props: { route: Extract<Route, { page: "kinds" }>; kind: string }) {
  const { namespace, selector } = props.route;
  const [items, setItems] = useState<KubeObject[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [sel, setSel] = useState(selector ?? "");
  useEffect(() => setSel(selector ?? ""), [selector]);
  const load = (cont: string | null, signal?: AbortSignal): Promise<ObjectList> =>
    getJson<ObjectList>(clusterPath(`/objects${query({ kind: props.kind, namespace, selector, limit: PAGE, continue: cont })}`), signal ? { signal } : {});
  const loaded = useLoad(async (signal) => {
    const list = await load(null, signal);
    setItems(list.items);
    setNext(list.metadata?.continue ?? null);
    return list;
  }, [namespace, selector]);
  const go = (change: { namespace?: string | null; selector?: string | null }): void =>
    navigate(formatRoute({ page: "kinds", kind: props.kind, namespace, selector, ...change }));
  return (
    <div class="page" data-testid="objects-page">
      <div class="page-head">
        <h2>
          <a href="/kinds">Kinds</a> / {props.kind}
        </h2>
        <NamespaceFilter value={namespace} onChange={(ns) => go({ namespace: ns })} />
        <form class="inline" onSubmit={(e) => { e.preventDefault(); go({ selector: sel.trim() || null }); }}>
          <label>
            labels <input value={sel} placeholder="app=web,tier!=db" data-testid="selector-filter" onInput={(e) => setSel((e.target as HTMLInputElement).value)} />
          </label>
        </form>
        <span class="muted">{items.length}{next ? "+" : ""} objects</span>
      </div>
      <Status loaded={loaded} />
      <Table
        testid="objects"
        columns={columnsFor(props.kind)}
        rows={items}
        rowKey={(o) => `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`}
        empty={loaded.loading ? "loading…" : "no objects"}
      />
      {next && (
        <button
          onClick={() =>
            void load(next).then((l) => {
              setItems((x) => [...x, ...l.items]);
              setNext(l.metadata?.continue ?? null);
            })
          }
        >
          load {PAGE} more
        </button>
      )}
    </div>
  );
}
