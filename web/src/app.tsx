// The app shell: sign-in, header (navigation, search, cluster, theme), routes, keys.
import type { ComponentType } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ClusterSummary } from "./api";
import { cluster, getJson, setCluster, setUnauthorizedHandler } from "./api";
import { getToken, setToken } from "./auth";
import { GO_KEYS, Shortcuts } from "./keys";
import { MapPage } from "./map/MapPage";
import { fetchMap } from "./map/fetch";
import { MapModel } from "./map/model";
import type { MapNode } from "./map/types";
import { AuditPage } from "./pages/audit";
import { EventsPage } from "./pages/events";
import { KindsPage } from "./pages/kinds";
import { SignIn } from "./pages/signin";
import { StatusPage } from "./pages/status";
import type { Route } from "./router";
import { formatRoute, navigate, nodeUrl, onNavigate, parseRoute } from "./router";
import { shared } from "./store";

type Theme = "dark" | "light";
const THEME_KEY = "korral.theme";

function initialTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === "dark" || saved === "light") return saved;
  return matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

function currentRoute(): Route {
  return parseRoute(location.pathname, location.search);
}

export function App() {
  const [route, setRoute] = useState<Route>(currentRoute);
  const [signedIn, setSignedIn] = useState(Boolean(getToken()));
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [help, setHelp] = useState(false);
  const [clusters, setClusters] = useState<ClusterSummary[]>([]);
  const [clusterName, setClusterName] = useState(cluster());
  const [error, setError] = useState<string | null>(null);
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => onNavigate(() => setRoute(currentRoute())), []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setToken(null);
      setSignedIn(false);
    });
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(THEME_KEY, theme);
  }, [theme]);

  useEffect(() => {
    if (!signedIn) return;
    getJson<ClusterSummary[]>("/api/v1/clusters")
      .then((list) => {
        setClusters(list);
        setError(null);
        if (!list.some((c) => c.name === cluster()) && list[0]) {
          setCluster(list[0].name);
          setClusterName(list[0].name);
        }
      })
      .catch((e: unknown) => setError(String(e instanceof Error ? e.message : e)));
  }, [signedIn]);

  // Internal links navigate without a page load.
  useEffect(() => {
    const click = (e: MouseEvent): void => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const a = (e.target as Element).closest("a");
      if (!a || a.target || a.hasAttribute("download")) return;
      const href = a.getAttribute("href");
      if (!href || !href.startsWith("/") || href.startsWith("//") || href.startsWith("/api/")) return;
      e.preventDefault();
      navigate(href);
    };
    document.addEventListener("click", click);
    return () => document.removeEventListener("click", click);
  }, []);

  useEffect(() => {
    const keys = new Shortcuts();
    const down = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement;
      const typing = t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName);
      const action = keys.press(e.key, performance.now(), typing);
      if (!action) return;
      switch (action.action) {
        case "search":
          e.preventDefault();
          search.current?.focus();
          search.current?.select();
          break;
        case "help":
          setHelp((h) => !h);
          break;
        case "close":
          setHelp(false);
          if (typing && t === search.current) t.blur();
          break;
        case "theme":
          setTheme((x) => (x === "dark" ? "light" : "dark"));
          break;
        case "go":
          navigate(action.url);
          break;
      }
    };
    window.addEventListener("keydown", down);
    return () => window.removeEventListener("keydown", down);
  }, []);

  if (!signedIn || route.page === "signin") {
    return (
      <SignIn
        onSignedIn={() => {
          setSignedIn(true);
          const next = route.page === "signin" ? route.next : null;
          navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : route.page === "signin" ? "/map" : location.pathname + location.search, true);
          setRoute(currentRoute());
        }}
      />
    );
  }

  const active = (page: string): string => (route.page === page || (page === "kinds" && route.page === "object") ? "active" : "");

  return (
    <div class="app" key={clusterName}>
      <header class="top">
        <a href="/map" class="brand">korral</a>
        <nav>
          <a href="/map" class={active("map")}>Map</a>
          <a href="/kinds" class={active("kinds")}>Kinds</a>
          <a href="/status" class={active("status")}>Status</a>
          <a href="/audit" class={active("audit")}>Audit</a>
          <a href="/events" class={active("events")}>Events</a>
        </nav>
        <SearchBox inputRef={search} onMap={route.page === "map"} />
        <span class="spacer" />
        {clusters.length > 1 ? (
          <select
            aria-label="cluster"
            data-testid="cluster"
            value={clusterName}
            onChange={(e) => {
              const name = (e.target as HTMLSelectElement).value;
              setCluster(name);
              setClusterName(name);
            }}
          >
            {clusters.map((c) => (
              <option key={c.name} value={c.name}>{c.name}{c.readOnly ? " (files)" : ""}</option>
            ))}
          </select>
        ) : (
          <span class="cluster-name" data-testid="cluster" title={clusters[0]?.readOnly ? "served from files, read-only" : "live"}>
            {clusterName}{clusters[0]?.readOnly ? " · files" : ""}
          </span>
        )}
        <button class="icon" onClick={() => setTheme(theme === "dark" ? "light" : "dark")} aria-label="switch theme" title="theme (t)">
          {theme === "dark" ? "☀" : "☾"}
        </button>
        <button class="icon" onClick={() => setHelp(true)} aria-label="keyboard shortcuts" title="keys (?)">?</button>
        <button class="icon" onClick={() => { setToken(null); setSignedIn(false); }} title="forget the token in this tab" data-testid="sign-out">sign out</button>
      </header>
      {error && <div class="banner error" role="alert">{error}</div>}
      {/* Pages ask for the cluster by name: they wait for the list that names it. */}
      <main>{clusters.length > 0 ? page(route, theme) : !error && <div class="page muted">connecting…</div>}</main>
      {help && <Help onClose={() => setHelp(false)} />}
    </div>
  );
}

function page(route: Route, theme: Theme) {
  switch (route.page) {
    case "map":
      return <MapPage namespace={route.namespace} focus={route.focus} at={route.at} theme={theme} />;
    case "object":
      return <LazyObjectPage key={`${route.namespace}/${route.kind}/${route.name}`} route={route} theme={theme} />;
    case "kinds":
      return <KindsPage route={route} />;
    case "status":
      return <StatusPage namespace={route.namespace} />;
    case "audit":
      return <AuditPage namespace={route.namespace} severity={route.severity} />;
    case "events":
      return <EventsPage namespace={route.namespace} type={route.type} />;
    case "signin":
      return null;
    case "notfound":
      return (
        <div class="page">
          <h2>Not found</h2>
          <p>No page at <code>{route.path}</code>. <a href={formatRoute({ page: "map", namespace: null, focus: null, at: null })}>the map</a></p>
        </div>
      );
  }
}

type ObjectPageProps = { route: Extract<Route, { page: "object" }>; theme: Theme };
let objectPage: ComponentType<ObjectPageProps> | null = null;

/**
 * The object page with its editor (CodeMirror, the YAML parser) is loaded when first
 * opened: the map, the first page most open, does not wait for it.
 */
function LazyObjectPage(props: ObjectPageProps) {
  const [page, setPage] = useState(() => objectPage);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (page) return;
    import("./pages/object")
      .then((m) => {
        objectPage = m.ObjectPage;
        setPage(() => m.ObjectPage);
      })
      .catch((e: unknown) => setError(String(e)));
  }, []);
  if (error) return <div class="banner error">{error}</div>;
  if (!page) return <div class="page muted">loading…</div>;
  const Page = page;
  return <Page {...props} />;
}

/** Search over the map's nodes: on the map it flies to the hit, elsewhere it opens it. */
function SearchBox(props: { inputRef: { current: HTMLInputElement | null }; onMap: boolean }) {
  const [text, setText] = useState("");
  const [hits, setHits] = useState<MapNode[]>([]);
  const [active, setActive] = useState(0);
  const loading = useRef<Promise<void> | null>(null);

  const ensureModel = (): Promise<void> => {
    if (shared.model && shared.model.nodes.length) return Promise.resolve();
    loading.current ??= fetchMap({})
      .then((d) => {
        shared.model ??= new MapModel(d);
        if (!shared.model.nodes.length) shared.model.reset(d);
      })
      .catch(() => undefined)
      .finally(() => {
        loading.current = null;
      });
    return loading.current;
  };

  const update = (value: string): void => {
    setText(value);
    setActive(0);
    void ensureModel().then(() => setHits(shared.model?.search(value) ?? []));
  };

  const choose = (n: MapNode): void => {
    setText("");
    setHits([]);
    props.inputRef.current?.blur();
    if (props.onMap && shared.fly) shared.fly(n.id);
    else navigate(nodeUrl(n.id));
  };

  return (
    <div class="search">
      <input
        ref={props.inputRef}
        type="search"
        placeholder="Search (/)"
        aria-label="search objects"
        data-testid="search"
        value={text}
        onFocus={() => void ensureModel()}
        onInput={(e) => update((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((a) => Math.min(hits.length - 1, a + 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === "Enter" && hits[active]) {
            e.preventDefault();
            choose(hits[active]);
          }
        }}
      />
      {hits.length > 0 && (
        <ul class="hits" role="listbox">
          {hits.map((n, i) => (
            <li
              key={n.id}
              role="option"
              aria-selected={i === active}
              class={i === active ? "active" : ""}
              data-testid="search-result"
              data-id={n.id}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(n);
              }}
            >
              <i class={`dot ${n.health}`} /> <span class="muted">{n.kind}</span> {n.namespace ? <span class="muted">{n.namespace}/</span> : null}
              {n.name}
              {n.folded > 0 ? <span class="muted"> +{n.folded}</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Help(props: { onClose: () => void }) {
  return (
    <div class="overlay" onClick={props.onClose} role="dialog" aria-label="keyboard shortcuts" data-testid="help">
      <div class="dialog" onClick={(e) => e.stopPropagation()}>
        <h2>Keys</h2>
        <table>
          <tbody>
            <tr><td><kbd>/</kbd></td><td>search (on the map: fly to the object)</td></tr>
            {Object.entries(GO_KEYS).map(([k, v]) => (
              <tr key={k}><td><kbd>g</kbd> <kbd>{k}</kbd></td><td>go to {v.label}</td></tr>
            ))}
            <tr><td><kbd>t</kbd></td><td>dark / light theme</td></tr>
            <tr><td><kbd>?</kbd></td><td>this help</td></tr>
            <tr><td><kbd>Esc</kbd></td><td>close</td></tr>
          </tbody>
        </table>
        <p class="muted">On the map: drag or arrow keys to pan, wheel, pinch or <kbd>+</kbd> <kbd>-</kbd> to zoom, <kbd>0</kbd> to fit; click a node to select it (a folded one unfolds).</p>
        <button onClick={props.onClose}>close</button>
      </div>
    </div>
  );
}
