// The map's figures in headless Chromium: navigation → map drawn (data-first-draw-ms),
// frames per second while panning and zooming (driven through window.__korralMap, one
// step per animation frame), and the tab's JS heap.
// node scripts/bench-map.mjs BASE_URL TOKEN [PATH] [SECONDS]
// (scripts/bench-web, web-back's, is the benchmark of record; this one is for the
// front end's own work.)
import { chromium } from "playwright-core";

const [base, token, path = "/map", seconds = "4"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-precise-memory-info"],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
await context.addInitScript((t) => sessionStorage.setItem("korral.token", t), token);
const page = await context.newPage();
page.on("pageerror", (e) => console.log(`pageerror: ${e.message}`));
const t0 = Date.now();
await page.goto(`${base}${path}`);
await page.waitForSelector('[data-testid="topology-map"][data-first-draw-ms]', { timeout: 120000 });
const attrs = await page.$eval('[data-testid="topology-map"]', (e) => ({ ...e.dataset }));
console.log(`drawn: first-draw ${attrs.firstDrawMs} ms after navigation start (wall ${Date.now() - t0} ms), ${attrs.renderedNodes} nodes, ${attrs.renderedEdges} edges on screen`);
const run = (mode) =>
  page.evaluate(
    ({ mode, ms }) =>
      new Promise((resolve) => {
        const map = window.__korralMap;
        const start = performance.now();
        const f0 = map.frames;
        let i = 0;
        const times = [];
        let last = start;
        const step = (now) => {
          times.push(now - last);
          last = now;
          if (mode === "pan") map.panBy(i % 120 < 60 ? 7 : -7, i % 80 < 40 ? 3 : -3);
          else map.zoomBy(i % 60 < 30 ? 1.03 : 1 / 1.03);
          i++;
          if (now - start < ms) requestAnimationFrame(step);
          else {
            times.sort((a, b) => a - b);
            resolve({ fps: ((map.frames - f0) * 1000) / (now - start), p95: times[Math.floor(times.length * 0.95)] });
          }
        };
        requestAnimationFrame(step);
      }),
    { mode, ms: Number(seconds) * 1000 },
  );
for (const mode of ["pan", "zoom"]) {
  const r = await run(mode);
  console.log(`${mode}: ${r.fps.toFixed(1)} frames/s (p95 frame ${r.p95.toFixed(1)} ms)`);
}
const cdp = await context.newCDPSession(page);
await cdp.send("HeapProfiler.collectGarbage");
const { metrics } = await cdp.send("Performance.getMetrics").catch(() => ({ metrics: [] }));
await cdp.send("Performance.enable");
const m = Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((x) => [x.name, x.value]));
void metrics;
console.log(`JS heap used ${(m.JSHeapUsedSize / 1048576).toFixed(1)} MiB of ${(m.JSHeapTotalSize / 1048576).toFixed(1)} MiB; DOM nodes ${m.Nodes}`);
await browser.close();
