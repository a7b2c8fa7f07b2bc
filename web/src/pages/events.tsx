import { clusterPath, getJson, query } from "../api";
import { formatRoute, navigate } from "../router";
import { age, NamespaceFilter, Status, Table, useLoad } from "./common";
import { eventObjectLink } from "./status";

interface EventLine {
  type: string;
  namespace: string;
  object: string;
  reason: string;
  message: string;
  count: number;
  last_seen?: string;
}

export function EventsPage(props: { namespace: string | null; type: string | null }) {
  const loaded = useLoad(
    (signal) => getJson<EventLine[]>(clusterPath(`/events${query({ namespace: props.namespace, type: props.type })}`), { signal }),
    [props.namespace, props.type],
  );
  const go = (change: { namespace?: string | null; type?: string | null }): void =>
    navigate(formatRoute({ page: "events", namespace: props.namespace, type: props.type, ...change }));
  return (
    <div class="page" data-testid="events-page">
      <div class="page-head">
        <h2>Events</h2>
        <NamespaceFilter value={props.namespace} onChange={(ns) => go({ namespace: ns })} />
        <label>
          type{" "}
          <select value={props.type ?? ""} onChange={(e) => go({ type: (e.target as HTMLSelectElement).value || null })}>
            <option value="">all</option>
            <option value="Warning">Warning</option>
            <option value="Normal">Normal</option>
          </select>
        </label>
        <button onClick={loaded.reload}>refresh</button>
      </div>
      <Status loaded={loaded} />
      {loaded.data && (
        <Table
          testid="events"
          columns={[
            { title: "last seen", value: (e) => e.last_seen ?? "", render: (e) => age(e.last_seen) },
            { title: "type", value: (e) => e.type, render: (e) => <span class={e.type === "Warning" ? "sev high" : ""}>{e.type}</span> },
            { title: "namespace", value: (e) => e.namespace },
            { title: "object", value: (e) => e.object, render: eventObjectLink },
            { title: "reason", value: (e) => e.reason },
            { title: "count", value: (e) => e.count },
            { title: "message", value: (e) => e.message, className: "wide" },
          ]}
          rows={loaded.data}
          rowKey={(e) => `${e.namespace}/${e.object}/${e.reason}/${e.message}/${e.last_seen ?? ""}`}
          empty="no events"
        />
      )}
    </div>
  );
}
