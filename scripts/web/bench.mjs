// One size of scripts/bench-web: drives Debian's headless Chromium (through
// playwright-core, resolved from web/'s packages) against a running `korral serve`.
// Prints one JSON line of figures on stdout and a readable block on stderr.
//
//   node scripts/web/bench.mjs --base http://127.0.0.1:PORT --token T --kubeconfig F \
//        --objects N [--recorded SECONDS] [--serve-pid PID]

import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith("--")) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const base = args.base;
const token = args.token;
const patience = 180_000;

/** Resident memory (KiB) of a process, from /proc. */
function rssKiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = status.match(/VmRSS:\s+(\d+)/);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Chromium's renderer and GPU processes (children of the browser), by type. */
function chromiumChildren(browserPid) {
  const out = [];
  const tasks = readFileSync(`/proc/${browserPid}/task/${browserPid}/children`, "utf8")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const seen = new Set();
  const visit = (pid) => {
    if (seen.has(pid)) return;
    seen.add(pid);
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      return;
    }
    const type = (cmd.match(/--type=(\S+)/) || [])[1] || "other";
    out.push({ pid, type });
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) visit(child);
    } catch {
      // Gone meanwhile.
    }
  };
  tasks.forEach(visit);
  return out;
}

/** The API server's URL and token from the test server's kubeconfig. */
function cluster(kubeconfig) {
  const text = readFileSync(kubeconfig, "utf8");
  return {
    server: text.match(/server:\s*(\S+)/)[1],
    token: text.match(/token:\s*(\S+)/)[1],
  };
}

async function getJson(path) {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return { value: JSON.parse(text), ms: performance.now() - started, bytes: text.length };
}

// Playwright starts Chromium with a new, empty profile of its own.
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--enable-precise-memory-info",
  ],
});
const result = { objects: Number(args.objects), recordedSeconds: Number(args.recorded || 0) };
try {
  const clusters = (await getJson("/api/v1/clusters")).value;
  const name = clusters[0].name;
  // The server's side, twice: the first answer warms its caches.
  await getJson(`/api/v1/clusters/${encodeURIComponent(name)}/map`);
  const map = await getJson(`/api/v1/clusters/${encodeURIComponent(name)}/map`);
  result.mapAnswerMs = Math.round(map.ms);
  result.mapAnswerBytes = map.bytes;
  result.mapNodes = map.value.totals.nodes;
  result.mapEdges = map.value.totals.edges;
  result.mapFold = map.value.fold;
  if (args["serve-pid"]) result.serverRssMiB = Math.round(rssKiB(args["serve-pid"]) / 1024);

  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const navigated = Date.now();
  await page.goto(`${base}/map#token=${token}`);
  const mapElement = page.locator("[data-testid=topology-map][data-rendered-nodes]");
  await mapElement.waitFor({ timeout: patience });
  result.seenDrawnMs = Date.now() - navigated;
  result.firstDrawMs = Number(await mapElement.getAttribute("data-first-draw-ms"));
  result.renderedNodes = Number(await mapElement.getAttribute("data-rendered-nodes"));
  result.renderedEdges = Number(await mapElement.getAttribute("data-rendered-edges"));

  // Frames while panning and zooming for 5 s, driven once per animation frame.
  result.fps = await page.evaluate(async () => {
    const map = window.__korralMap;
    const start = map.frames;
    const t0 = performance.now();
    let step = 0;
    await new Promise((done) => {
      const tick = () => {
        step += 1;
        map.panBy(6, 3);
        if (step % 5 === 0) map.zoomBy(step % 100 < 50 ? 1.03 : 1 / 1.03);
        if (performance.now() - t0 < 5000) requestAnimationFrame(tick);
        else done();
      };
      requestAnimationFrame(tick);
    });
    return ((map.frames - start) * 1000) / (performance.now() - t0);
  });
  result.fps = Math.round(result.fps * 10) / 10;

  // Memory of the tab.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const metrics = Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  result.jsHeapMiB = Math.round(metrics.JSHeapUsedSize / 1048576);
  const browserCdp = await browser.newBrowserCDPSession();
  const processes = (await browserCdp.send("SystemInfo.getProcessInfo")).processInfo;
  const browserPid = processes.find((p) => p.type === "browser")?.id;
  if (browserPid) {
    const children = chromiumChildren(browserPid);
    const sum = (type) => children.filter((c) => c.type === type).reduce((kib, c) => kib + rssKiB(c.pid), 0);
    result.rendererRssMiB = Math.round(sum("renderer") / 1024);
    result.gpuRssMiB = Math.round(sum("gpu-process") / 1024);
  }

  // A live change: a pod created through the API server, until the map has drawn it.
  const api = cluster(args.kubeconfig);
  const namespace = map.value.nodes.find((n) => n.namespace)?.namespace ?? "default";
  const before = await page.evaluate(() => window.__korralMap.lastChangeDrawnAt || 0);
  const created = Date.now();
  const response = await fetch(`${api.server}/api/v1/namespaces/${namespace}/pods`, {
    method: "POST",
    headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `bench-web-${created}`, namespace },
      spec: { containers: [{ name: "app", image: "busybox:1" }] },
    }),
  });
  if (!response.ok) throw new Error(`creating a pod: ${response.status} ${await response.text()}`);
  await page.waitForFunction((b) => (window.__korralMap.lastChangeDrawnAt || 0) > b, before, { timeout: patience, polling: 10 });
  const drawnAt = await page.evaluate(() => window.__korralMap.lastChangeDrawnAt);
  result.liveChangeMs = Math.round(drawnAt - created);
  await page.screenshot({ path: join(process.env.KORRAL_SCREENSHOTS || tmpdir(), `bench-web-${args.objects}.png`) });
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
console.error(
  [
    `${result.objects} objects (recorded in ${result.recordedSeconds.toFixed?.(1) ?? result.recordedSeconds} s; server ${result.serverRssMiB} MiB)`,
    `  GET /map: ${result.mapAnswerMs} ms, ${(result.mapAnswerBytes / 1024).toFixed(0)} KiB, ${result.mapNodes} nodes, ${result.mapEdges} edges (fold ${result.mapFold})`,
    `  navigation → map drawn: ${result.firstDrawMs} ms (page), ${result.seenDrawnMs} ms (seen by the driver); ${result.renderedNodes} nodes, ${result.renderedEdges} edges drawn`,
    `  panning and zooming: ${result.fps} frames/s`,
    `  tab memory: JS heap ${result.jsHeapMiB} MiB, renderer ${result.rendererRssMiB} MiB, GPU process ${result.gpuRssMiB} MiB`,
    `  live change (pod created → drawn): ${result.liveChangeMs} ms`,
  ].join("\n"),
);
