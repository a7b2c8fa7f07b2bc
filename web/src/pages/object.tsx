// One object: overview (status, conditions, labels, relations, events), YAML (view,
// edit, dry run with a diff, apply), logs (pods) and history (versions from the store,
// diffs between them).
import { useEffect, useRef, useState } from "preact/hooks";
import type { ApplyAnswer, HistoryVersion, KubeObject, Topology } from "../api";
import { ApiError, clusterPath, getJson, query, request } from "../api";
import { createDiff, createEditor, setText } from "../editor";
import type { Route } from "../router";
import { nodeUrl, objectUrl, parseNodeId } from "../router";
import { LiveSocket } from "../ws";
import { age, shortTime, Status, useLoad } from "./common";
import { podSummary } from "./health";
import { eventObjectLink } from "./status";
import { check, editable, explainApplyError, forDiff, REDACTED, toYaml } from "./yaml";

type ObjectRoute = Extract<Route, { page: "object" }>;

declare global {
  interface Window {
    __korralEditor?: { get(): string; set(text: string): void };
  }
}

function objectPath(r: ObjectRoute): string {
  return clusterPath(`/objects/${encodeURIComponent(r.kind)}/${encodeURIComponent(r.name)}${query({ namespace: r.namespace })}`);
}

const TABS = ["overview", "yaml", "logs", "history"] as const;

export function ObjectPage(props: { route: ObjectRoute; theme: string }) {
  const r = props.route;
  const loaded = useLoad((signal) => getJson<KubeObject>(objectPath(r), { signal }), []);
  const o = loaded.data;
  const isPod = r.kind.split(".")[0]!.toLowerCase() === "pod";
  const tabs = TABS.filter((t) => t !== "logs" || isPod);
  const tab = tabs.includes(r.tab as (typeof TABS)[number]) ? (r.tab as (typeof TABS)[number]) : "overview";
  const baseKind = r.kind.split(".")[0]!;
  // Live: the page follows changes of its object (objects topic, its kind and namespace).
  // The overview reloads; an editor in use is not overwritten, it is told.
  const [serverRv, setServerRv] = useState<string | null>(null);
  useEffect(() => {
    const socket = new LiveSocket({
      topics: ["objects"],
      kind: baseKind,
      namespace: r.namespace,
      onMessage: (m) => {
        if (m.type !== "diff" || m.topic !== "objects" || m.name !== r.name || (m.namespace ?? null) !== r.namespace) return;
        const rv = (m.object as KubeObject | undefined)?.metadata?.resourceVersion;
        if (rv) setServerRv(rv);
      },
    });
    return () => socket.close();
  }, []);
  const changedOnServer = serverRv !== null && o?.metadata?.resourceVersion !== undefined && serverRv !== o.metadata.resourceVersion;
  // Our own apply comes back as a change too: for a few seconds after it, a change
  // reloads quietly (the editor then shows what the server made of it).
  const ownApply = useRef(0);
  useEffect(() => {
    if (changedOnServer && (tab !== "yaml" || Date.now() < ownApply.current)) loaded.reload();
  }, [serverRv]);
  return (
    <div class="page object-page" data-testid="object-page">
      <div class="page-head">
        <h2>
          <a href={`/kinds/${encodeURIComponent(r.kind)}`}>{baseKind}</a> / {r.namespace ? <span class="muted">{r.namespace}/</span> : null}
          {r.name}
        </h2>
        {o && isPod && <span class={`state ${podSummary(o).health}`}>{podSummary(o).status}</span>}
        <a class="button" href={`/map?focus=${encodeURIComponent(`${r.kind}/${r.namespace ? `${r.namespace}/` : ""}${r.name}`)}`}>on the map</a>
      </div>
      <nav class="tabs" role="tablist">
        {tabs.map((t) => (
          <a key={t} role="tab" aria-selected={t === tab} class={t === tab ? "active" : ""} href={objectUrl(r.kind, r.namespace, r.name, t === "overview" ? undefined : t)} data-testid={`tab-${t}`}>
            {t}
          </a>
        ))}
      </nav>
      <Status loaded={loaded} />
      {o && tab === "overview" && <Overview route={r} object={o} />}
      {o && tab === "yaml" && changedOnServer && Date.now() >= ownApply.current && (
        <div class="banner" role="status" data-testid="changed-on-server">
          This object changed on the server since it was loaded. <button onClick={loaded.reload}>reload</button>
        </div>
      )}
      {o && tab === "yaml" && (
        <YamlTab
          route={r}
          object={o}
          reload={() => {
            ownApply.current = Date.now() + 5000;
            loaded.reload();
          }}
        />
      )}
      {o && tab === "logs" && <Logs route={r} object={o} />}
      {tab === "history" && <History route={r} />}
    </div>
  );
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

function Overview(props: { route: ObjectRoute; object: KubeObject }) {
  const { route: r, object: o } = props;
  const md = o.metadata ?? {};
  const conditions = ((o.status?.conditions as Condition[] | undefined) ?? []).filter((c) => c && typeof c.type === "string");
  const focus = `${r.kind}/${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
  const relations = useLoad((signal) => getJson<Topology>(clusterPath(`/topology${query({ focus, depth: 1 })}`), { signal }), [focus]);
  const events = useLoad(
    (signal) => getJson<{ type: string; namespace: string; object: string; reason: string; message: string; count: number; last_seen?: string }[]>(clusterPath(`/events${query({ namespace: r.namespace })}`), { signal }),
    [r.namespace],
  );
  const baseKind = r.kind.split(".")[0]!;
  const mine = (events.data ?? []).filter((e) => e.object === `${baseKind}/${r.name}`);
  const self = relations.data?.nodes.find((n) => n.name === r.name && n.kind === baseKind && (n.namespace ?? null) === r.namespace)?.id;
  return (
    <div class="overview">
      <section>
        <h3>Metadata</h3>
        <dl class="facts">
          <dt>kind</dt><dd>{o.apiVersion} {o.kind}</dd>
          {md.namespace && (<><dt>namespace</dt><dd><a href={`/map?namespace=${encodeURIComponent(md.namespace)}`}>{md.namespace}</a></dd></>)}
          <dt>created</dt><dd>{md.creationTimestamp ? `${md.creationTimestamp} (${age(md.creationTimestamp)} ago)` : "—"}</dd>
          {(md.ownerReferences ?? []).map((ref) => (
            <><dt>owner</dt><dd><a href={objectUrl(ref.apiVersion.includes("/") ? `${ref.kind}.${ref.apiVersion.split("/")[0]}` : ref.kind, md.namespace, ref.name)}>{ref.kind}/{ref.name}</a></dd></>
          ))}
          <dt>labels</dt>
          <dd>{Object.entries(md.labels ?? {}).map(([k, v]) => <span class="chip" key={k}>{k}={v}</span>)}</dd>
        </dl>
      </section>
      {o.kind === "Secret" && <SecretValues object={o} />}
      {conditions.length > 0 && (
        <section>
          <h3>Conditions</h3>
          <div class="table-wrap">
          <table class="list">
            <thead><tr><th>type</th><th>status</th><th>reason</th><th>message</th><th>since</th></tr></thead>
            <tbody>
              {conditions.map((c) => (
                <tr key={c.type}><td>{c.type}</td><td class={c.status === "True" ? "ok" : "bad"}>{c.status}</td><td>{c.reason ?? ""}</td><td>{c.message ?? ""}</td><td>{age(c.lastTransitionTime)}</td></tr>
              ))}
            </tbody>
          </table>
          </div>
        </section>
      )}
      {o.status && Object.keys(o.status).some((k) => k !== "conditions") && (
        <section>
          <h3>Status</h3>
          <pre class="status-yaml">{toYaml(Object.fromEntries(Object.entries(o.status).filter(([k]) => k !== "conditions")))}</pre>
        </section>
      )}
      <section data-testid="relations">
        <h3>Relations</h3>
        <Status loaded={relations} />
        <ul class="relations-list">
          {(relations.data?.edges ?? [])
            .filter((e) => !self || e.source === self || e.target === self)
            .map((e) => {
              const out = e.source === self;
              const other = out ? e.target : e.source;
              const p = parseNodeId(other);
              return (
                <li key={`${e.source}|${e.target}|${e.relation}`}>
                  <span class="muted">{out ? `${e.relation} →` : `← ${e.relation}`}</span>{" "}
                  <a href={nodeUrl(other)} data-testid="relation">{p.kind}/{p.namespace ? `${p.namespace}/` : ""}{p.name}</a>
                </li>
              );
            })}
        </ul>
        {relations.data?.problems?.filter((p) => p.object === self).map((p) => <p class="bad" key={p.message}>{p.message}</p>)}
      </section>
      <section data-testid="object-events">
        <h3>Events</h3>
        {mine.length === 0 ? <p class="muted">no events</p> : (
          <table class="list">
            <thead><tr><th>last seen</th><th>type</th><th>reason</th><th>count</th><th>message</th></tr></thead>
            <tbody>
              {mine.map((e) => (
                <tr key={`${e.reason}|${e.message}`}><td>{age(e.last_seen)}</td><td>{e.type}</td><td>{e.reason}</td><td>{e.count}</td><td>{e.message} {eventObjectLink(e) && null}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/** A Secret's keys, values hidden until revealed (the server sends them only with --show-secret-values). */
function SecretValues(props: { object: KubeObject }) {
  const [shown, setShown] = useState(false);
  const data = props.object.data ?? {};
  const redacted = props.object.metadata?.annotations?.[REDACTED] === "true";
  const decode = (v: string): string => {
    try {
      return new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0)));
    } catch {
      return v;
    }
  };
  return (
    <section data-testid="secret-values">
      <h3>
        Data <button onClick={() => setShown(!shown)} data-testid="reveal">{shown ? "hide values" : "reveal values"}</button>
      </h3>
      {shown && redacted && <p class="muted">The server keeps Secret values out of its answers; start <code>korral serve --show-secret-values</code> (live contexts) to read one here.</p>}
      <dl class="facts">
        {Object.entries(data).map(([k, v]) => (
          <><dt>{k}</dt><dd><code>{shown ? (v ? decode(v) : "(hidden by the server)") : "••••••••"}</code></dd></>
        ))}
      </dl>
    </section>
  );
}

function YamlTab(props: { route: ObjectRoute; object: KubeObject; reload: () => void }) {
  const r = props.route;
  const redacted = props.object.kind === "Secret" && props.object.metadata?.annotations?.[REDACTED] === "true";
  const original = toYaml(editable(props.object));
  const host = useRef<HTMLDivElement>(null);
  const [text, setTextState] = useState(original);
  const [phase, setPhase] = useState<"edit" | "checking" | "diff" | "applying" | "done">("edit");
  const [answer, setAnswer] = useState<ApplyAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState<string | null>(null);
  const programmatic = useRef(false);
  const view = useRef<ReturnType<typeof createEditor> | null>(null);

  useEffect(() => {
    const editor = createEditor(host.current!, original, redacted, (t) => {
      setTextState(t);
      // A reload that puts the server's text in is not an edit: the result stays.
      if (programmatic.current) return;
      setPhase("edit");
      setError(null);
    });
    view.current = editor;
    // For end-to-end tests: read the text, and replace it as one user edit would.
    window.__korralEditor = { get: () => editor.state.doc.toString(), set: (text) => setText(editor, text) };
    return () => {
      delete window.__korralEditor;
      editor.destroy();
    };
  }, []);
  useEffect(() => {
    if (view.current && view.current.state.doc.toString() !== original && phase === "done") {
      programmatic.current = true;
      setText(view.current, original);
      programmatic.current = false;
    }
  }, [original]);

  const checked = check(text, { kind: props.object.kind, name: r.name, namespace: r.namespace });
  const post = async (dryRun: boolean): Promise<ApplyAnswer> => {
    const res = await request(clusterPath(`/apply${query({ name: "korral-web", namespace: r.namespace, dryRun })}`), {
      method: "POST",
      headers: { "Content-Type": "application/yaml" },
      body: text,
    });
    return (await res.json()) as ApplyAnswer;
  };
  const run = async (dryRun: boolean, anyway = false): Promise<void> => {
    setError(null);
    setStale(null);
    setPhase(dryRun ? "checking" : "applying");
    try {
      // The apply engine applies what it is given (server-side apply, no
      // resourceVersion precondition), so a change made meanwhile by someone else is
      // looked for here: the object is read again and its resourceVersion compared.
      if (dryRun && !anyway) {
        const now = await getJson<KubeObject>(objectPath(r));
        const was = props.object.metadata?.resourceVersion;
        const is = now.metadata?.resourceVersion;
        if (was && is && was !== is) {
          setStale(`The object changed on the server since you opened it (resourceVersion ${was} → ${is}). Reload to edit the latest version, or apply your text anyway: it replaces the fields it sets.`);
          setPhase("edit");
          return;
        }
      }
      const a = await post(dryRun);
      setAnswer(a);
      setPhase(dryRun ? "diff" : "done");
      if (!dryRun) props.reload();
    } catch (e) {
      setPhase("edit");
      setError(e instanceof ApiError ? explainApplyError(e.status, e.code, e.message) : String(e));
    }
  };

  return (
    <div class="yaml-tab">
      <div class="toolbar">
        <button data-testid="apply" disabled={redacted || !!checked.error || text === original || phase === "checking" || phase === "applying"} onClick={() => void run(true)}>
          {phase === "checking" ? "checking…" : "apply…"}
        </button>
        <button disabled={text === original} onClick={() => view.current && setText(view.current, original)}>undo all</button>
        <button onClick={props.reload}>reload</button>
        {redacted && <span class="muted">Secret values are hidden by the server: this Secret is shown read-only here, so an apply cannot blank them.</span>}
        {checked.error && text !== original && <span class="bad" data-testid="yaml-error">{checked.error}</span>}
      </div>
      <div class="editor" ref={host} data-testid="yaml-editor" />
      {error && <pre class="banner error" role="alert" data-testid="apply-error">{error}</pre>}
      {stale && (
        <div class="banner error" role="alert" data-testid="apply-conflict">
          {stale}{" "}
          <button onClick={props.reload}>reload</button> <button onClick={() => void run(true, true)}>apply anyway…</button>
        </div>
      )}
      {answer && (phase === "diff" || phase === "applying") && (
        <div class="diff-view" data-testid="diff-view">
          <h3>The server's dry run: {answer.changes.length === 0 ? "nothing would change" : `${answer.changes.length} change${answer.changes.length > 1 ? "s" : ""}`}</h3>
          {answer.changes.map((c, i) => <UnifiedDiff key={i} change={c.change} diff={c.diff} />)}
          <button data-testid="confirm-apply" disabled={phase === "applying" || answer.changes.length === 0} onClick={() => void run(false)}>
            {phase === "applying" ? "applying…" : "confirm apply"}
          </button>{" "}
          <button onClick={() => setPhase("edit")}>back to editing</button>
        </div>
      )}
      {answer && phase === "done" && (
        <div class="apply-result ok" data-testid="apply-result">
          applied: {answer.changes.length} change{answer.changes.length === 1 ? "" : "s"}
          {answer.outcome?.revision ? ` · revision ${answer.outcome.revision}` : ""}
          {answer.outcome?.result ? ` · ${JSON.stringify(answer.outcome.result)}` : ""}
        </div>
      )}
    </div>
  );
}

function UnifiedDiff(props: { change: string; diff: string }) {
  return (
    <div class="unified">
      <div class="muted">{props.change}</div>
      <pre>
        {props.diff.split("\n").map((line, i) => (
          <div key={i} class={line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : line.startsWith("@@") ? "hunk" : ""}>
            {line || " "}
          </div>
        ))}
      </pre>
    </div>
  );
}

/** At most this many log lines are kept on screen (older ones drop off the top). */
const MAX_LOG_LINES = 5000;

function Logs(props: { route: ObjectRoute; object: KubeObject }) {
  const spec = (props.object.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] };
  const names = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name);
  const [container, setContainer] = useState(names[0] ?? "");
  const [follow, setFollow] = useState(true);
  const [tail, setTail] = useState(500);
  const [lines, setLines] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [state, setState] = useState("");
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    setLines([]);
    setError(null);
    // A followed log answers when its first line comes: until then, say so.
    setState(follow ? "waiting for lines…" : "loading…");
    const path = clusterPath(`/namespaces/${encodeURIComponent(props.route.namespace ?? "")}/pods/${encodeURIComponent(props.route.name)}/logs${query({ container, follow, tailLines: tail })}`);
    (async () => {
      const res = await request(path, { signal: abort.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      setState(follow ? "following" : "");
      let rest = "";
      let got = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        got ||= value.length > 0;
        const parts = (rest + value).split("\n");
        rest = parts.pop() ?? "";
        if (parts.length) setLines((x) => [...x, ...parts].slice(-MAX_LOG_LINES));
      }
      if (rest) setLines((x) => [...x, rest].slice(-MAX_LOG_LINES));
      setState(got ? "ended" : "no lines");
    })().catch((e: unknown) => {
      if (abort.signal.aborted) return;
      setState("");
      setError(e instanceof Error ? e.message : String(e));
    });
    return () => abort.abort();
  }, [container, follow, tail]);

  useEffect(() => {
    const el = pre.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div class="logs-tab">
      <div class="toolbar">
        <label>
          container{" "}
          <select value={container} onChange={(e) => setContainer((e.target as HTMLSelectElement).value)} data-testid="container">
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <label><input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> follow</label>
        <label>
          last{" "}
          <select value={tail} onChange={(e) => setTail(Number((e.target as HTMLSelectElement).value))}>
            {[100, 500, 1000, 5000].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>{" "}
          lines
        </label>
        <span class="muted">{state}</span>
      </div>
      {error && <div class="banner error" role="alert">{error}</div>}
      <pre class="logs" ref={pre} data-testid="logs">{lines.join("\n")}</pre>
    </div>
  );
}

function History(props: { route: ObjectRoute }) {
  const r = props.route;
  const loaded = useLoad(
    (signal) => getJson<{ versions: HistoryVersion[] }>(clusterPath(`/history${query({ kind: r.kind, name: r.name, namespace: r.namespace })}`), { signal }),
    [],
  );
  const versions = loaded.data?.versions ?? [];
  const [picked, setPicked] = useState<number | null>(null);
  const b = picked ?? versions.length - 1;
  const a = b - 1;
  const host = useRef<HTMLDivElement>(null);
  const timeline = useRef<HTMLOListElement>(null);
  const before = versions[a] ? forDiff(versions[a].object) : "";
  const after = versions[b] ? forDiff(versions[b].object) : "";
  useEffect(() => {
    if (!host.current || !versions[b]) return;
    const view = createDiff(host.current, before, after);
    return () => view.destroy();
  }, [loaded.data, a, b]);
  // The newest version is the one shown first: keep it in sight.
  useEffect(() => {
    const el = timeline.current;
    if (el && picked === null) el.scrollLeft = el.scrollWidth;
  }, [loaded.data]);
  return (
    <div class="history-tab">
      <Status loaded={loaded} />
      {loaded.data && (
        <>
          <ol class="timeline" data-testid="history-timeline" ref={timeline}>
            {versions.map((v, i) => (
              <li key={v.seq} data-testid="history-version" class={i === b ? "active" : ""}>
                <button onClick={() => setPicked(i)}>
                  <strong>version {i + 1}</strong> <span class={`change ${v.change.toLowerCase()}`}>{v.change}</span>
                  <br />
                  <span class="muted" title={v.at}>{shortTime(v.at)} · {age(v.at)} ago</span>
                  {v.managers.length > 0 && <><br /><span class="muted">by {v.managers.join(", ")}</span></>}
                </button>
              </li>
            ))}
          </ol>
          {versions.length === 0 ? <p class="muted">no versions recorded</p> : (
            <>
              <h3>{a >= 0 ? `version ${a + 1} → version ${b + 1}` : `version ${b + 1} (the first)`}</h3>
              {a >= 0 && before === after && <p class="muted">The YAML is the same: only its resourceVersion or managedFields moved.</p>}
              <div class="merge" ref={host} data-testid="history-diff" />
            </>
          )}
        </>
      )}
    </div>
  );
}
