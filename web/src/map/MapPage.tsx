// The topology map page: the WebGL map, its toolbar (namespace, relations, folding,
// focus, the past), the selected node's panel, live updates and exports.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import type { KubeObject } from "../api";
import { podSummary } from "../pages/health";
import { formatRoute, navigate, nodeUrl, parseNodeId } from "../router";
import { shared } from "../store";
import type { Camera } from "./camera";
import { fit, panBy, zoomAt } from "./camera";
import { download, inView, toJson, toSvg } from "./export";
import { fetchMap, mapQuery } from "./fetch";
import { MapModel } from "./model";
import { DARK, LIGHT } from "./palette";
import { MapRenderer } from "./renderer";
import type { GraphDiff, MapNode } from "./types";
import { LiveSocket } from "../ws";
import type { WsMessage } from "../ws";

declare global {
  interface Window {
    __korralMap?: {
      frames: number;
      lastChangeDrawnAt: number;
      ready: boolean;
      seq: number;
      /** The main thread's time in the last frame's render (ms; the GPU's work is not in it). */
      renderMs: number;
      /** What the GPU was given to draw after culling and bundling. */
      onGpu: { nodes: number; edges: number };
      panBy(dx: number, dy: number): void;
      zoomBy(f: number): void;
    };
  }
}

/** How long after the last pan or zoom the labels are drawn again (ms). */
const LABELS_AFTER_MS = 150;

/** The `at` slider's stops, back from now. */
export const AT_STOPS = ["", "-5m", "-15m", "-30m", "-1h", "-2h", "-6h", "-12h", "-24h", "-48h", "-168h"];

export function MapPage(props: { namespace: string | null; focus: string | null; at: string | null; theme: "dark" | "light" }) {
  const root = useRef<HTMLDivElement>(null);
  const glCanvas = useRef<HTMLCanvasElement>(null);
  const labelCanvas = useRef<HTMLCanvasElement>(null);
  const renderer = useRef<MapRenderer | null>(null);
  const model = useMemo(() => new MapModel(), []);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [selected, setSelected] = useState<MapNode | null>(null);
  const [expand, setExpand] = useState<string[]>([]);
  const [relations, setRelations] = useState<string[]>([]);
  const [allRelations, setAllRelations] = useState<string[]>([]);
  const [namespaces, setNamespaces] = useState<string[]>([]);
  const [fold, setFold] = useState<"auto" | "owners" | "none">("auto");
  const [depth, setDepth] = useState(2);
  const [live, setLive] = useState<"connecting" | "open" | "closed" | "off">("off");
  const [totals, setTotals] = useState("");
  const [version, setVersion] = useState(0);
  const firstDrawn = useRef(false);
  const pendingChange = useRef(false);
  const frame = useRef(0);
  const loadingRef = useRef(true);
  const lastMove = useRef(-Infinity);
  const labelTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastFit = useRef("");
  const selectedRef = useRef<string | null>(null);

  const draw = (): void => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const r = renderer.current;
      const el = root.current;
      if (!r || !el) return;
      const t0 = performance.now();
      // Labels wait until the map stops moving (LABELS_AFTER_MS), then one more frame
      // draws them.
      const moving = t0 - lastMove.current < LABELS_AFTER_MS;
      if (moving && !labelTimer.current) {
        labelTimer.current = setTimeout(() => {
          labelTimer.current = null;
          draw();
        }, LABELS_AFTER_MS);
      }
      const drawn = r.render(!moving);
      const api = window.__korralMap!;
      api.frames++;
      api.renderMs = performance.now() - t0;
      api.onGpu = r.onGpu;
      if (pendingChange.current) {
        pendingChange.current = false;
        api.lastChangeDrawnAt = Date.now();
      }
      // The counts are set once the answer is drawn (a test waits for them), and
      // removed while another answer loads.
      if (loadingRef.current) return;
      if (el.dataset.renderedNodes !== String(drawn.nodes)) el.dataset.renderedNodes = String(drawn.nodes);
      if (el.dataset.renderedEdges !== String(drawn.edges)) el.dataset.renderedEdges = String(drawn.edges);
      if (!firstDrawn.current) {
        firstDrawn.current = true;
        el.dataset.firstDrawMs = String(Math.round(performance.now()));
        api.ready = true;
      }
    });
  };

  const setCamera = (c: Camera): void => {
    if (!renderer.current) return;
    renderer.current.camera = c;
    lastMove.current = performance.now();
    draw();
  };

  // The renderer lives as long as the page.
  useEffect(() => {
    const canvas = glCanvas.current!;
    try {
      renderer.current = new MapRenderer(canvas, labelCanvas.current!, model, props.theme === "dark" ? DARK : LIGHT);
    } catch (e) {
      setError(String(e instanceof Error ? e.message : e));
      return;
    }
    window.__korralMap = {
      frames: 0,
      lastChangeDrawnAt: 0,
      ready: false,
      seq: 0,
      renderMs: 0,
      onGpu: { nodes: 0, edges: 0 },
      panBy: (dx, dy) => setCamera(panBy(renderer.current!.camera, dx, dy)),
      zoomBy: (f) => {
        const [w, h] = renderer.current!.size();
        setCamera(zoomAt(renderer.current!.camera, w, h, w / 2, h / 2, f));
      },
    };
    shared.model = model;
    shared.fly = (id) => flyTo(id);
    const ro = new ResizeObserver(() => draw());
    ro.observe(canvas);
    return () => {
      ro.disconnect();
      shared.fly = null;
      renderer.current?.dispose();
      renderer.current = null;
      delete window.__korralMap;
    };
  }, []);

  useEffect(() => {
    if (renderer.current) {
      renderer.current.palette = props.theme === "dark" ? DARK : LIGHT;
      draw();
    }
  }, [props.theme]);

  // Load (and reload on a change of what is asked); then follow live diffs.
  useEffect(() => {
    const abort = new AbortController();
    let socket: LiveSocket | null = null;
    let refetch: ReturnType<typeof setTimeout> | null = null;
    const filtered = Boolean(props.focus || relations.length);
    const load = async (refit: boolean): Promise<void> => {
      setLoading(true);
      loadingRef.current = true;
      if (refit && root.current) {
        delete root.current.dataset.renderedNodes;
        delete root.current.dataset.renderedEdges;
      }
      try {
        const params = { namespace: props.namespace, focus: props.focus, depth, relation: relations.join(",") || null, at: props.at, expand, fold };
        if (root.current) root.current.dataset.mapQuery = mapQuery(params);
        const data = await fetchMap(params, abort.signal);
        model.reset(data);
        setError(null);
        setTotals(
          data.totals
            ? `${data.totals.nodes} nodes · ${data.totals.edges} edges · ${data.totals.objects} objects${data.totals.folded ? ` (${data.totals.folded} folded)` : ""}`
            : "",
        );
        if (!props.namespace && !props.focus) setNamespaces(data.namespaces.map((b) => b.name).filter((n) => n));
        if (!relations.length) setAllRelations([...new Set(data.edges.map((e) => e.relation))].sort());
        if (window.__korralMap) window.__korralMap.seq = model.seq;
        const r = renderer.current;
        if (r && refit) {
          r.resize();
          const [w, h] = r.size();
          r.camera = fit(model.bounds(), w, h);
        }
        setVersion(model.version);
      } catch (e) {
        if (abort.signal.aborted) return;
        setError(e instanceof ApiError ? e.message : String(e));
      } finally {
        if (!abort.signal.aborted) {
          loadingRef.current = false;
          setLoading(false);
          draw();
        }
      }
    };
    // A new view fits the map on screen; unfolding a node keeps the camera on it.
    const fitKey = `${props.namespace}|${props.focus}|${props.at}|${relations.join(",")}|${fold}|${depth}`;
    const refit = fitKey !== lastFit.current;
    lastFit.current = fitKey;
    void load(refit).then(() => {
      const sel = selectedRef.current;
      const r = renderer.current;
      const moved = sel ? model.get(sel) : undefined;
      if (!refit && r && moved) {
        r.camera = { ...r.camera, x: moved.x, y: moved.y };
        setSelected(moved);
        draw();
      }
      if (abort.signal.aborted || props.at) return;
      // Pods' changes too, for their health (a new pod is drawn `unknown` until its
      // status says more). Only with a `seq` to start after: without one the server
      // would first send every pod in a `state`.
      const withPods = model.seq > 0;
      socket = new LiveSocket({
        topics: withPods ? ["topology", "objects"] : ["topology"],
        kind: withPods ? "Pod" : null,
        namespace: props.namespace,
        since: model.seq || null,
        onStatus: setLive,
        onMessage: (m: WsMessage) => {
          if (m.type === "resync" || (m.type === "state" && model.seq > 0 && m.seq > model.seq)) {
            void load(false).then(() => {
              pendingChange.current = true;
              draw();
            });
            return;
          }
          if (m.type === "diff" && m.topic === "objects") {
            const o = m.object as KubeObject | undefined;
            const id = `Pod/${String(m.namespace ?? "")}/${String(m.name ?? "")}`;
            if (m.kind === "Pod" && o && m.change !== "deleted" && model.setHealth(id, podSummary(o).health)) {
              pendingChange.current = true;
              draw();
            }
            return;
          }
          if (m.type !== "diff" || m.topic !== "topology") return;
          if (filtered) {
            // A focus or relation filter is the server's to apply: fetch again, at most once a second.
            refetch ??= setTimeout(() => {
              refetch = null;
              void load(false).then(() => {
                pendingChange.current = true;
                draw();
              });
            }, 1000);
            return;
          }
          if (model.apply(m.diff as GraphDiff, m.seq)) {
            pendingChange.current = true;
            if (window.__korralMap) window.__korralMap.seq = model.seq;
            setVersion(model.version);
            draw();
          }
        },
      });
    });
    return () => {
      abort.abort();
      socket?.close();
      if (refetch) clearTimeout(refetch);
      setLive("off");
    };
  }, [props.namespace, props.focus, props.at, relations.join(","), expand.join(","), fold, depth]);

  useEffect(() => {
    selectedRef.current = selected?.id ?? null;
    const r = renderer.current;
    if (!r) return;
    r.selected = selected?.id ?? null;
    r.highlight = selected && props.focus ? model.neighbourhood(selected.id, depth) : null;
    draw();
  }, [selected, version, loading]);

  const flyTo = (id: string): void => {
    const r = renderer.current;
    const node = model.get(id);
    if (!r || !node) return;
    setSelected(node);
    const from = r.camera;
    const to = { x: node.x, y: node.y, scale: Math.max(from.scale, 1.2) };
    const start = performance.now();
    const step = (now: number): void => {
      const t = Math.min(1, (now - start) / 450);
      const e = t * (2 - t);
      setCamera({ x: from.x + (to.x - from.x) * e, y: from.y + (to.y - from.y) * e, scale: from.scale + (to.scale - from.scale) * e });
      if (t < 1) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };

  // Pointer input: drag to pan, wheel or pinch to zoom, click to select.
  useEffect(() => {
    const canvas = glCanvas.current!;
    const pointers = new Map<number, { x: number; y: number }>();
    let moved = 0;
    let pinch = 0;
    const rect = (): DOMRect => canvas.getBoundingClientRect();
    const down = (e: PointerEvent): void => {
      canvas.setPointerCapture(e.pointerId);
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      moved = 0;
      if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        pinch = Math.hypot(a!.x - b!.x, a!.y - b!.y);
      }
    };
    let hover = 0;
    const move = (e: PointerEvent): void => {
      const last = pointers.get(e.pointerId);
      const r = renderer.current;
      if (!r) return;
      if (!last) {
        // Hover: the node's name as the tooltip, looked up once a frame at most.
        if (hover) return;
        const x = e.clientX;
        const y = e.clientY;
        hover = requestAnimationFrame(() => {
          hover = 0;
          const box = rect();
          const id = r.nodeAt(x - box.left, y - box.top);
          const n = id ? model.get(id) : undefined;
          canvas.title = n ? `${n.kind} ${n.namespace ? `${n.namespace}/` : ""}${n.name} · ${n.health}${n.folded ? ` · holds ${n.folded}` : ""}` : "";
          canvas.style.cursor = n ? "pointer" : "";
        });
        return;
      }
      const dx = e.clientX - last.x;
      const dy = e.clientY - last.y;
      pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
      moved += Math.abs(dx) + Math.abs(dy);
      if (pointers.size === 1) setCamera(panBy(r.camera, dx, dy));
      else if (pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        const d = Math.hypot(a!.x - b!.x, a!.y - b!.y);
        const box = rect();
        const [w, h] = r.size();
        if (pinch > 0) setCamera(zoomAt(r.camera, w, h, (a!.x + b!.x) / 2 - box.left, (a!.y + b!.y) / 2 - box.top, d / pinch));
        pinch = d;
      }
    };
    const up = (e: PointerEvent): void => {
      const had = pointers.delete(e.pointerId);
      if (pointers.size < 2) pinch = 0;
      if (!had || moved > 6 || pointers.size > 0) return;
      const r = renderer.current;
      if (!r) return;
      const box = rect();
      const id = r.nodeAt(e.clientX - box.left, e.clientY - box.top);
      const node = id ? model.get(id) ?? null : null;
      setSelected(node);
      if (node && node.folded > 0 && !expand.includes(node.id)) setExpand((x) => [...x, node.id]);
    };
    const wheel = (e: WheelEvent): void => {
      e.preventDefault();
      const r = renderer.current;
      if (!r) return;
      const box = rect();
      const [w, h] = r.size();
      setCamera(zoomAt(r.camera, w, h, e.clientX - box.left, e.clientY - box.top, Math.exp(-e.deltaY * 0.0015)));
    };
    canvas.addEventListener("pointerdown", down);
    canvas.addEventListener("pointermove", move);
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    canvas.addEventListener("wheel", wheel, { passive: false });
    // Keys on the map: arrows pan, + and - zoom, 0 fits.
    const key = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) return;
      const r = renderer.current;
      if (!r) return;
      const [w, h] = r.size();
      const step = 80;
      const moves: Record<string, () => Camera> = {
        ArrowLeft: () => panBy(r.camera, step, 0),
        ArrowRight: () => panBy(r.camera, -step, 0),
        ArrowUp: () => panBy(r.camera, 0, step),
        ArrowDown: () => panBy(r.camera, 0, -step),
        "+": () => zoomAt(r.camera, w, h, w / 2, h / 2, 1.25),
        "=": () => zoomAt(r.camera, w, h, w / 2, h / 2, 1.25),
        "-": () => zoomAt(r.camera, w, h, w / 2, h / 2, 0.8),
        "0": () => fit(model.bounds(), w, h),
      };
      const f = moves[e.key];
      if (!f) return;
      e.preventDefault();
      setCamera(f());
    };
    window.addEventListener("keydown", key);
    return () => {
      canvas.removeEventListener("pointerdown", down);
      canvas.removeEventListener("pointermove", move);
      canvas.removeEventListener("pointerup", up);
      canvas.removeEventListener("pointercancel", up);
      canvas.removeEventListener("wheel", wheel);
      window.removeEventListener("keydown", key);
      if (hover) cancelAnimationFrame(hover);
    };
  }, [expand]);

  const go = (change: Partial<{ namespace: string | null; focus: string | null; at: string | null }>): void =>
    navigate(formatRoute({ page: "map", namespace: props.namespace, focus: props.focus, at: props.at, ...change }));

  const focusOf = (n: MapNode): string => `${n.group ? `${n.kind}.${n.group}` : n.kind}/${n.namespace ? `${n.namespace}/` : ""}${n.name}`;

  const exportAs = async (what: "svg" | "png" | "json"): Promise<void> => {
    const r = renderer.current;
    if (!r) return;
    const [w, h] = r.size();
    const base = `korral-map${props.namespace ? `-${props.namespace}` : ""}`;
    if (what === "svg") download(`${base}.svg`, toSvg(model, r.camera, w, h, r.palette), "image/svg+xml");
    else if (what === "json") download(`${base}.json`, toJson(inView(model, r.camera, w, h)), "application/json");
    else download(`${base}.png`, await r.png(), "image/png");
  };

  const atIndex = Math.max(0, AT_STOPS.indexOf(props.at ?? ""));

  return (
    <div class="map-page">
      <div class="toolbar" role="toolbar" aria-label="map">
        <label>
          namespace{" "}
          <select value={props.namespace ?? ""} onChange={(e) => go({ namespace: (e.target as HTMLSelectElement).value || null })}>
            <option value="">all</option>
            {[...new Set([...namespaces, ...(props.namespace ? [props.namespace] : [])])].sort().map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          fold{" "}
          <select value={fold} onChange={(e) => setFold((e.target as HTMLSelectElement).value as "auto" | "owners" | "none")}>
            <option value="auto">auto</option>
            <option value="owners">owners</option>
            <option value="none">none</option>
          </select>
        </label>
        <details class="relations">
          <summary>relations{relations.length ? ` (${relations.length})` : ""}</summary>
          <div class="menu">
            {allRelations.map((rel) => (
              <label key={rel}>
                <input
                  type="checkbox"
                  checked={relations.includes(rel)}
                  onChange={(e) => setRelations((x) => ((e.target as HTMLInputElement).checked ? [...x, rel].sort() : x.filter((y) => y !== rel)))}
                />{" "}
                {rel}
              </label>
            ))}
            {relations.length > 0 && <button onClick={() => setRelations([])}>all relations</button>}
          </div>
        </details>
        <label class="at" title="the map as it was then (from the store)">
          at{" "}
          <input
            type="range"
            min={0}
            max={AT_STOPS.length - 1}
            value={atIndex}
            data-testid="at-slider"
            onChange={(e) => go({ at: AT_STOPS[Number((e.target as HTMLInputElement).value)] || null })}
          />{" "}
          <span>{props.at ? props.at.replace("-", "") + " ago" : "now"}</span>
        </label>
        {props.focus && (
          <span class="chip">
            focus {props.focus} ·{" "}
            <input type="number" min={1} max={6} value={depth} aria-label="hops" onChange={(e) => setDepth(Number((e.target as HTMLInputElement).value) || 1)} /> hops{" "}
            <button onClick={() => go({ focus: null })} aria-label="clear focus">×</button>
          </span>
        )}
        <span class="spacer" />
        <button onClick={() => { const r = renderer.current; if (r) { const [w, h] = r.size(); setCamera(fit(model.bounds(), w, h)); } }}>fit</button>
        <button onClick={() => void exportAs("svg")} data-testid="export-svg">SVG</button>
        <button onClick={() => void exportAs("png")} data-testid="export-png">PNG</button>
        <button onClick={() => void exportAs("json")} data-testid="export-json">JSON</button>
      </div>
      <div class="map-body">
        <div class="map" ref={root} data-testid="topology-map" data-live={live}>
          <canvas ref={glCanvas} class="gl" />
          <canvas ref={labelCanvas} class="labels" />
          {loading && <div class="map-note">loading the map…</div>}
          {error && <div class="map-note error" role="alert">{error}</div>}
          <div class="legend">
            {(["healthy", "progressing", "degraded", "failed", "unknown"] as const).map((h) => (
              <span key={h}><i class={`dot ${h}`} /> {h}</span>
            ))}
            <span class="muted">{totals}</span>
            <span class={`live ${live}`} title="live updates">{props.at ? "past" : live === "open" ? "● live" : live}</span>
          </div>
        </div>
        {selected && (
          <aside class="panel" data-testid="node-panel">
            <button class="close" onClick={() => setSelected(null)} aria-label="close">×</button>
            <div class="muted">{selected.kind}{selected.namespace ? ` · ${selected.namespace}` : ""}</div>
            <h3>{selected.name}</h3>
            <p><i class={`dot ${selected.health}`} /> {selected.health}{selected.unhealthy ? ` · ${selected.unhealthy} not healthy` : ""}</p>
            {selected.folded > 0 && (
              <p>
                holds {selected.folded}:{" "}
                {Object.entries(selected.foldedKinds ?? {}).map(([k, v]) => `${v} ${k}`).join(", ")}{" "}
                {!expand.includes(selected.id) && <button onClick={() => setExpand((x) => [...x, selected.id])}>expand</button>}
              </p>
            )}
            {expand.includes(selected.id) && (
              <p>
                unfolded <button onClick={() => setExpand((x) => x.filter((id) => id !== selected.id))}>fold again</button>
              </p>
            )}
            <p class="actions">
              <a href={nodeUrl(selected.id)} class="button">open</a>{" "}
              <button onClick={() => go({ focus: focusOf(selected) })}>focus</button>
            </p>
            <h4>neighbours</h4>
            <ul class="neighbours">
              {model.edges
                .filter((e) => e.source === selected.id || e.target === selected.id)
                .slice(0, 50)
                .map((e) => {
                  const other = e.source === selected.id ? e.target : e.source;
                  const p = parseNodeId(other);
                  return (
                    <li key={`${e.source}|${e.target}|${e.relation}`}>
                      <span class="muted">{e.source === selected.id ? `${e.relation} →` : `← ${e.relation}`}</span>{" "}
                      <a href="#" onClick={(ev) => { ev.preventDefault(); flyTo(other); }}>{p.kind}/{p.name}</a>
                    </li>
                  );
                })}
            </ul>
          </aside>
        )}
      </div>
    </div>
  );
}
