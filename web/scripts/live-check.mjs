// A walk through the live parts in headless Chromium against korral serve --context on
// the Kubernetes API test server: the map's counts, a pod created in the test server
// appearing without a reload, a ConfigMap edited, diffed and applied, its history.
// node scripts/live-check.mjs BASE_URL TOKEN APISERVER_URL [OUT_DIR]
// (web-back's end-to-end tests in Rust are the tests of record; this is a developer's check.)
import { chromium } from "playwright-core";

const [base, token, apiserver, out = "/tmp/wf-shots"] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
page.on("pageerror", (e) => console.log(`pageerror: ${e.message}`));
page.on("console", (m) => m.type() === "error" && console.log(`console: ${m.text()}`));
const step = (s) => console.log(`${new Date().toISOString().slice(11, 19)} ${s}`);

// Sign in through the form.
await page.goto(`${base}/map`);
await page.fill('[data-testid="token"]', token);
await page.click('[data-testid="sign-in"]');
await page.waitForSelector('[data-testid="topology-map"][data-rendered-nodes]');
const before = await page.$eval('[data-testid="topology-map"]', (e) => ({ ...e.dataset }));
step(`map drawn: ${JSON.stringify(before)}`);
await page.waitForFunction(() => document.querySelector('[data-testid="topology-map"]')?.dataset.live === "open");

// Search finds a pod and flies to it.
await page.click('[data-testid="search"]');
await page.keyboard.type("api-");
await page.waitForSelector('[data-testid="search-result"]');
const hits = await page.$$eval('[data-testid="search-result"]', (l) => l.map((e) => e.dataset.id));
step(`search hits: ${hits.slice(0, 4).join(", ")}`);

// A pod created in the API server appears on the map.
const name = `live-${Date.now() % 100000}`;
const created = Date.now();
const res = await fetch(`${apiserver}/api/v1/namespaces/shop/pods`, {
  method: "POST",
  headers: { Authorization: "Bearer korral-test-token", "Content-Type": "application/json" },
  body: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "shop", labels: { app: "live" } }, spec: { containers: [{ name: "c", image: "busybox:1" }] } }),
});
step(`pod ${name} created: ${res.status}`);
await page.waitForFunction((n) => Number(document.querySelector('[data-testid="topology-map"]').dataset.renderedNodes) > n, Number(before.renderedNodes), { timeout: 15000 });
const drawnAt = await page.evaluate(() => window.__korralMap.lastChangeDrawnAt);
step(`pod on the map after ${drawnAt - created} ms: ${await page.$eval('[data-testid="topology-map"]', (e) => e.dataset.renderedNodes)} nodes`);
await page.screenshot({ path: `${out}/live-map.png` });

// Edit a ConfigMap: apply → diff → confirm → result.
await page.goto(`${base}/objects/shop/ConfigMap/api-config?tab=yaml`);
await page.waitForSelector('[data-testid="yaml-editor"] .cm-content');
await page.click('[data-testid="yaml-editor"] .cm-content');
await page.keyboard.press("Control+End");
const text = await page.$eval('[data-testid="yaml-editor"] .cm-content', (e) => e.textContent);
step(`editor holds ${text.length} characters`);
// Change LOG_LEVEL: find its line and retype the value.
// One edit through the test hook, as a user's would be (typing fights auto-indent).
await page.evaluate(() => {
  const e = window.__korralEditor;
  e.set(e.get().replace(/LOG_LEVEL: .*/, `LOG_LEVEL: ${e.get().includes("LOG_LEVEL: debug") ? "info" : "debug"}`));
});
await page.click('[data-testid="apply"]');
await page.waitForSelector('[data-testid="diff-view"], [data-testid="apply-error"]');
step(`dry run: ${(await page.textContent('[data-testid="diff-view"], [data-testid="apply-error"]')).slice(0, 300)}`);
await page.screenshot({ path: `${out}/yaml-diff.png` });
await page.click('[data-testid="confirm-apply"]');
await page.waitForSelector('[data-testid="apply-result"], [data-testid="apply-error"]', { timeout: 15000 }).catch(async (e) => {
  await page.screenshot({ path: `${out}/apply-failed.png` });
  throw e;
});
step(`apply: ${await page.textContent('[data-testid="apply-result"], [data-testid="apply-error"]')}`);
await page.waitForTimeout(1500);
step(`after the apply, "changed on the server" shown: ${(await page.$('[data-testid="changed-on-server"]')) !== null} (should be false: the change was ours)`);
await page.waitForTimeout(5000);
// Someone else changes it: the page says so.
await fetch(`${apiserver}/api/v1/namespaces/shop/configmaps/api-config`, {
  method: "PATCH",
  headers: { Authorization: "Bearer korral-test-token", "Content-Type": "application/merge-patch+json" },
  body: JSON.stringify({ data: { OTHER: String(Date.now()) } }),
});
await page.waitForSelector('[data-testid="changed-on-server"]', { timeout: 10000 }).then(() => step("a change by someone else is announced"), () => step("a change by someone else was NOT announced"));
const cm = await (await fetch(`${apiserver}/api/v1/namespaces/shop/configmaps/api-config`, { headers: { Authorization: "Bearer korral-test-token" } })).json();
step(`the test server has LOG_LEVEL=${cm.data?.LOG_LEVEL}`);

// History: both versions.
await page.waitForTimeout(1500);
await page.goto(`${base}/objects/shop/ConfigMap/api-config?tab=history`);
await page.waitForSelector('[data-testid="history-timeline"]');
await page.waitForTimeout(500);
const versions = await page.$$('[data-testid="history-version"]');
step(`history versions: ${versions.length}`);
// The apply's version (the one before someone else's last change).
if (versions.length >= 2) await (await versions[versions.length - 2].$("button")).click();
await page.waitForTimeout(500);
await page.screenshot({ path: `${out}/history.png` });
await browser.close();
