import { clusterPath, getJson, query } from "../api";
import { formatRoute, navigate, objectUrl } from "../router";
import { NamespaceFilter, Status, Table, useLoad } from "./common";

interface EventLine {
  type: string;
  namespace: string;
  object: string;
  reason: string;
  message: string;
  count: number;
  last_seen?: string;
}

interface Report {
  nodes: { total: number; ready: number; issues: { name: string; problems: string[]; message?: string }[] };
  workloads: { kind: string; namespace: string; name: string; desired: number; ready: number }[];
  pods: { namespace: string; name: string; reason: string; container?: string; restarts: number; message?: string }[];
  claims: { namespace: string; name: string; phase: string }[];
  jobs: { namespace: string; name: string; reason: string; message?: string }[];
  events: EventLine[];
  not_deployed: { kind: string; namespace: string; name: string }[];
  healthy: boolean;
  summary: string;
}

/** A link to the object an event line names (`Kind/name` in a namespace). */
export function eventObjectLink(e: { namespace: string; object: string }) {
  const [kind, ...rest] = e.object.split("/");
  if (!kind || rest.length === 0) return e.object;
  return <a href={objectUrl(kind, e.namespace || null, rest.join("/"))}>{e.object}</a>;
}

export function StatusPage(props: { namespace: string | null }) {
  const loaded = useLoad((signal) => getJson<Report>(clusterPath(`/status${query({ namespace: props.namespace })}`), { signal }), [props.namespace]);
  const r = loaded.data;
  return (
    <div class="page" data-testid="status-page">
      <div class="page-head">
        <h2>Status</h2>
        <NamespaceFilter value={props.namespace} onChange={(ns) => navigate(formatRoute({ page: "status", namespace: ns }))} />
      </div>
      <Status loaded={loaded} />
      {r && (
        <>
          <p class={`summary ${r.healthy ? "ok" : "bad"}`} data-testid="status-summary">
            <i class={`dot ${r.healthy ? "healthy" : "failed"}`} /> {r.summary}
          </p>
          <section>
            <h3>Nodes: {r.nodes.ready} of {r.nodes.total} ready</h3>
            {r.nodes.issues.length > 0 && (
              <Table
                columns={[
                  { title: "node", value: (n) => n.name, render: (n) => <a href={objectUrl("Node", null, n.name)}>{n.name}</a> },
                  { title: "problems", value: (n) => n.problems.join(", ") },
                  { title: "message", value: (n) => n.message ?? "" },
                ]}
                rows={r.nodes.issues}
                rowKey={(n) => n.name}
              />
            )}
          </section>
          <section>
            <h3>Workloads short of replicas ({r.workloads.length})</h3>
            <Table
              columns={[
                { title: "kind", value: (w) => w.kind },
                { title: "namespace", value: (w) => w.namespace },
                { title: "name", value: (w) => w.name, render: (w) => <a href={objectUrl(w.kind, w.namespace, w.name)}>{w.name}</a> },
                { title: "ready", value: (w) => w.ready, render: (w) => `${w.ready}/${w.desired}` },
              ]}
              rows={r.workloads}
              rowKey={(w) => `${w.kind}/${w.namespace}/${w.name}`}
              empty="every workload has its replicas"
            />
          </section>
          <section>
            <h3>Pods with problems ({r.pods.length})</h3>
            <Table
              columns={[
                { title: "namespace", value: (p) => p.namespace },
                { title: "pod", value: (p) => p.name, render: (p) => <a href={objectUrl("Pod", p.namespace, p.name)}>{p.name}</a> },
                { title: "reason", value: (p) => p.reason },
                { title: "container", value: (p) => p.container ?? "" },
                { title: "restarts", value: (p) => p.restarts },
                { title: "message", value: (p) => p.message ?? "" },
              ]}
              rows={r.pods}
              rowKey={(p) => `${p.namespace}/${p.name}/${p.container ?? ""}`}
              empty="no failing pods"
            />
          </section>
          {(r.claims.length > 0 || r.jobs.length > 0) && (
            <section>
              <h3>Claims and jobs</h3>
              <ul>
                {r.claims.map((c) => (
                  <li key={`c${c.namespace}/${c.name}`}>
                    <a href={objectUrl("PersistentVolumeClaim", c.namespace, c.name)}>{c.namespace}/{c.name}</a> {c.phase}
                  </li>
                ))}
                {r.jobs.map((j) => (
                  <li key={`j${j.namespace}/${j.name}`}>
                    <a href={objectUrl("Job", j.namespace, j.name)}>{j.namespace}/{j.name}</a> {j.reason} {j.message ?? ""}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section>
            <h3>Warning events ({r.events.length})</h3>
            <Table
              columns={[
                { title: "namespace", value: (e) => e.namespace },
                { title: "object", value: (e) => e.object, render: eventObjectLink },
                { title: "reason", value: (e) => e.reason },
                { title: "count", value: (e) => e.count },
                { title: "message", value: (e) => e.message },
              ]}
              rows={r.events}
              rowKey={(e) => `${e.namespace}/${e.object}/${e.reason}/${e.message}`}
              empty="no warnings"
            />
          </section>
        </>
      )}
    </div>
  );
}
