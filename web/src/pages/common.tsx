// Pieces shared by the pages: loading a resource, tables with sort, time.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    load(abort.signal)
      .then((d) => {
        if (abort.signal.aborted) return;
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => {
        if (abort.signal.aborted) return;
        setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
      })
      .finally(() => !abort.signal.aborted && setLoading(false));
    return () => abort.abort();
  }, [...deps, n]);
  return { data, error, loading, reload: () => setN((x) => x + 1) };
}

export function Status(props: { loaded: Loaded<unknown> }) {
  if (props.loaded.error) return <div class="banner error" role="alert">{props.loaded.error}</div>;
  if (props.loaded.loading && !props.loaded.data) return <div class="muted">loading…</div>;
  return null;
}

/** "3m", "2h", "5d" since an RFC 3339 time, as kubectl prints ages. */
export function age(time: string | undefined | null, now = Date.now()): string {
  if (!time) return "";
  const t = Date.parse(time);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** `2026-12-06T21:16:00.821767Z` as `2026-12-06 21:16:00 UTC`. */
export function shortTime(at: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(at);
  return m ? `${m[1]} ${m[2]} UTC` : at;
}

export interface Column<T> {
  title: string;
  value: (row: T) => string | number;
  render?: (row: T) => ComponentChildren;
  className?: string;
}

/** Rows compared by a column: numbers as numbers, text naturally ("pod-2" < "pod-10"). */
export function compareBy<T>(col: Column<T>, desc: boolean): (a: T, b: T) => number {
  return (a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return desc ? -c : c;
  };
}

export function Table<T>(props: { columns: Column<T>[]; rows: T[]; rowKey: (row: T) => string; testid?: string; empty?: string }) {
  const [sort, setSort] = useState(0);
  const [desc, setDesc] = useState(false);
  const col = props.columns[sort];
  const rows = col ? props.rows.slice().sort(compareBy(col, desc)) : props.rows;
  return (
    <div class="table-wrap">
      <table class="list" data-testid={props.testid}>
        <thead>
          <tr>
            {props.columns.map((c, i) => (
              <th
                key={c.title}
                class={c.className}
                aria-sort={i === sort ? (desc ? "descending" : "ascending") : "none"}
                onClick={() => {
                  if (i === sort) setDesc(!desc);
                  else {
                    setSort(i);
                    setDesc(false);
                  }
                }}
              >
                {c.title}
                {i === sort ? (desc ? " ▾" : " ▴") : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={props.rowKey(r)}>
              {props.columns.map((c) => (
                <td key={c.title} class={c.className}>{c.render ? c.render(r) : c.value(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="muted">{props.empty ?? "nothing here"}</p>}
    </div>
  );
}

/** Text with `quoted` parts shown as code, as korral's messages quote values. */
export function Ticks(props: { text: string }) {
  const parts = props.text.split("`");
  return <>{parts.map((p, i) => (i % 2 === 1 ? <code key={i}>{p}</code> : p))}</>;
}

/** A namespace filter that keeps itself in the URL (`?namespace=`). */
export function NamespaceFilter(props: { value: string | null; onChange: (ns: string | null) => void }) {
  const [v, setV] = useState(props.value ?? "");
  useEffect(() => setV(props.value ?? ""), [props.value]);
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        props.onChange(v.trim() || null);
      }}
    >
      <label>
        namespace <input value={v} placeholder="all" size={14} data-testid="namespace-filter" onInput={(e) => setV((e.target as HTMLInputElement).value)} onBlur={() => props.onChange(v.trim() || null)} />
      </label>
    </form>
  );
}
