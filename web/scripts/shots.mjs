// Screenshots of the main pages in headless Chromium (Debian's), for docs/web.md and to
// look at: node scripts/shots.mjs BASE_URL TOKEN OUT_DIR [pages…]
// Uses playwright-core with the system browser; no browser download.
import { chromium } from "playwright-core";

const [base, token, out = "/tmp/wf-shots", ...only] = process.argv.slice(2);
const pages = [
  ["map", "/map"],
  ["map-shop", "/map?namespace=shop"],
  ["kinds", "/kinds"],
  ["pods", "/kinds/Pod?namespace=shop"],
  ["object", "/objects/shop/Deployment.apps/api"],
  ["yaml", "/objects/shop/ConfigMap/api-config?tab=yaml"],
  ["status", "/status"],
  ["audit", "/audit?minSeverity=high"],
  ["events", "/events"],
];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const theme = process.env.THEME ?? "dark";
const mobile = process.env.MOBILE === "1";
const context = await browser.newContext(mobile ? { viewport: { width: 390, height: 800 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } : { viewport: { width: 1280, height: 760 } });
await context.addInitScript((t) => localStorage.setItem("korral.theme", t), theme);
const page = await context.newPage();
page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") console.log(`console ${m.type()}: ${m.text()}`); });
page.on("pageerror", (e) => console.log(`pageerror: ${e.message}`));
await page.goto(`${base}/map#token=${token}`);
for (const [name, path] of pages) {
  if (only.length && !only.includes(name)) continue;
  await page.goto(`${base}${path}`);
  if (name.startsWith("map")) {
    await page.waitForSelector('[data-testid="topology-map"][data-rendered-nodes]', { timeout: 20000 }).catch(() => console.log("map: not drawn"));
    const attrs = await page.$eval('[data-testid="topology-map"]', (e) => ({ ...e.dataset }));
    console.log(name, JSON.stringify(attrs));
    // One namespace close enough for its labels.
    if (name === "map-shop") {
      await page.evaluate(() => window.__korralMap.zoomBy(1.6));
      await page.waitForTimeout(300);
    }
  } else {
    await page.waitForTimeout(1200);
  }
  await page.screenshot({ path: `${out}/${name}${mobile ? "-phone" : ""}${theme === "light" ? "-light" : ""}.png` });
}
await browser.close();
