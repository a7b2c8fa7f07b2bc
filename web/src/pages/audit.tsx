import { useState } from "preact/hooks";
import { clusterPath, getJson, query } from "../api";
import { formatRoute, navigate, objectUrl } from "../router";
import { NamespaceFilter, Status, Table, Ticks, useLoad } from "./common";

interface Finding {
  code: string;
  severity: string;
  object: { kind: string; namespace: string | null; name: string };
  path: string;
  message: string;
  fix: string;
  standards: string[];
}

interface Report {
  findings: Finding[];
  summary: Record<string, number | string>;
}

export const SEVERITIES = ["critical", "high", "medium", "low", "info"];

export function AuditPage(props: { namespace: string | null; severity: string | null }) {
  const [standard, setStandard] = useState("");
  const [text, setText] = useState("");
  const loaded = useLoad(
    (signal) => getJson<Report>(clusterPath(`/audit${query({ namespace: props.namespace, minSeverity: props.severity, standard })}`), { signal }),
    [props.namespace, props.severity, standard],
  );
  const go = (change: { namespace?: string | null; severity?: string | null }): void =>
    navigate(formatRoute({ page: "audit", namespace: props.namespace, severity: props.severity, ...change }));
  const q = text.trim().toLowerCase();
  const rows = (loaded.data?.findings ?? []).filter(
    (f) => !q || `${f.code} ${f.object.kind}/${f.object.namespace ?? ""}/${f.object.name} ${f.message}`.toLowerCase().includes(q),
  );
  const s = loaded.data?.summary;
  return (
    <div class="page" data-testid="audit-page">
      <div class="page-head">
        <h2>Audit</h2>
        <NamespaceFilter value={props.namespace} onChange={(ns) => go({ namespace: ns })} />
        <label>
          severity at least{" "}
          <select value={props.severity ?? ""} onChange={(e) => go({ severity: (e.target as HTMLSelectElement).value || null })}>
            <option value="">any</option>
            {SEVERITIES.map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </label>
        <label>
          standard{" "}
          <select value={standard} onChange={(e) => setStandard((e.target as HTMLSelectElement).value)}>
            <option value="">all rules</option>
            {["pss-baseline", "pss-restricted", "nsa", "cis"].map((x) => <option key={x} value={x}>{x}</option>)}
          </select>
        </label>
        <label>
          filter <input value={text} placeholder="code, object, text" onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      <Status loaded={loaded} />
      {s && (
        <p class="summary">
          {SEVERITIES.map((x) => (
            <span key={x} class={`sev ${x}`}>{String(s[x] ?? 0)} {x}</span>
          ))}{" "}
          · {String(s.objectsWithFindings ?? "")} of {String(s.objects ?? "")} objects
        </p>
      )}
      {loaded.data && (
        <Table
          testid="audit-findings"
          columns={[
            { title: "severity", value: (f) => SEVERITIES.indexOf(f.severity), render: (f) => <span class={`sev ${f.severity}`}>{f.severity}</span> },
            { title: "code", value: (f) => f.code },
            {
              title: "object",
              value: (f) => `${f.object.kind}/${f.object.namespace ?? ""}/${f.object.name}`,
              render: (f) => <a href={objectUrl(f.object.kind, f.object.namespace, f.object.name)}>{f.object.kind}/{f.object.namespace ? `${f.object.namespace}/` : ""}{f.object.name}</a>,
            },
            { title: "finding", value: (f) => f.message, render: (f) => <span title={f.path}><Ticks text={f.message} /></span> },
            { title: "fix", value: (f) => f.fix, render: (f) => <Ticks text={f.fix} />, className: "wide" },
          ]}
          rows={rows}
          rowKey={(f) => `${f.code}|${f.object.kind}|${f.object.namespace ?? ""}|${f.object.name}|${f.path}|${f.message}`}
          empty="no findings"
        />
      )}
    </div>
  );
}
