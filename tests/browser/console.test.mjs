// Browser tests of the web console: headless Debian Chromium driven by playwright-core against the
// real kuber-server binary. Steps run in order and share one server; a failing step fails the run.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

import { ADMIN, KuberServer } from "./server.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "docs", "img", "console.png");
const READER = { username: "watcher", password: "reader-password-1" };
const REGION = "orders";
// A key that needs percent-encoding in every URL: a slash, a space, a question mark, non-ASCII.
const KEY = "order/1 ü?x";
const DOC = { customer: "Ada", total: 42, tags: ["vip", "eu"], address: { city: "New York" } };
// Button labels a READER must never be shown.
const WRITE_LABELS = /^(create|new|save|edit|delete|drop|purge|add|disable|enable|change|set|remove)\b/i;

let server;
let browser; // the persistent context (one browser, one profile)
let profile;
let page;
const pageErrors = [];

async function login(user) {
  await page.goto(server.base + "/");
  await page.getByLabel("User name").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.locator("#role-badge").waitFor();
}

async function logout() {
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("button", { name: "Log in" }).waitFor();
  const session = await page.evaluate(async () => (await fetch("/console/session")).status);
  assert.equal(session, 401, "the session ends on logout");
}

/** Opens a page by its navigation tab. */
async function tab(name) {
  await page.locator("nav.tabs").getByRole("link", { name, exact: true }).click();
  await page.locator("h1", { hasText: name }).first().waitFor();
}

/** Every visible button on the page that looks like a write control. */
async function writeControls() {
  return page.evaluate((pattern) => {
    const re = new RegExp(pattern, "i");
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const marked = [...document.querySelectorAll("[data-write]")].filter(visible).map((el) => `[data-write] ${el.textContent}`);
    const labelled = [...document.querySelectorAll("button, a.btn, input[type=submit]")]
      .filter(visible)
      .map((el) => el.textContent.trim() || el.value)
      .filter((label) => re.test(label));
    return [...marked, ...labelled];
  }, WRITE_LABELS.source);
}

before(async () => {
  server = await KuberServer.start();
  profile = mkdtempSync(join(tmpdir(), "kuber-chromium-"));
  // A fresh, empty profile per run (Playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1360, height: 900 },
    deviceScaleFactor: 1,
  });
  const context = browser;
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  // Script errors and CSP violations (an inline style or script the policy blocks) fail the run.
  page.on("pageerror", (e) => pageErrors.push(`page error: ${e.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/Failed to load resource: the server responded with a status of (400|401|403|404)/.test(msg.text())) {
      pageErrors.push(`console error: ${msg.text()}`);
    }
  });
});

after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (server) {
    if (process.exitCode) console.error(`--- kuber-server log ---\n${server.log()}`);
    await server.stop();
  }
});

describe("web console", () => {
  test("the console is served with a strict content security policy", async () => {
    const r = await fetch(server.base + "/");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-security-policy"), /script-src 'self'; style-src 'self'/);
    const html = await r.text();
    assert.doesNotMatch(html, /<script>|style=|https?:\/\//, "no inline script, inline style or external asset");
  });

  test("a wrong password shows an error", async () => {
    await page.goto(server.base + "/");
    await page.getByLabel("User name").fill(ADMIN.username);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").filter({ hasText: "Wrong user name or password" }).waitFor();
    assert.equal(await page.locator("#role-badge").count(), 0);
  });

  test("admin logs in and sees the dashboard", async () => {
    await login(ADMIN);
    assert.equal(await page.locator("#role-badge").textContent(), "ADMIN");
    await page.locator("h1", { hasText: "Dashboard" }).waitFor();
    // Ops/s needs two refreshes (2 s apart) to have a delta.
    await page.waitForFunction(() => /^[0-9.,]+$/.test(document.getElementById("dash-ops")?.textContent || ""), null, { timeout: 10_000 });
    assert.match(await page.locator("#dash-uptime").textContent(), /\d+s/);
    assert.equal(await page.locator("canvas.chart").count(), 2);
    assert.equal(await page.locator("nav.tabs").getByRole("link", { name: "Users" }).count(), 1, "ADMIN sees the users page");
  });

  test("admin creates a region", async () => {
    await tab("Regions");
    await page.getByLabel("Name", { exact: true }).fill(REGION);
    await page.getByLabel("Description").fill("Orders from the shop");
    await page.getByLabel("Default TTL (s)").fill("3600");
    await page.getByRole("button", { name: "Create region" }).click();
    await page.getByRole("link", { name: REGION, exact: true }).waitFor();
    const r = await server.rest("GET", `/regions/${REGION}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.description, "Orders from the shop");
    assert.equal(r.body.defaultTtl, 3600);
  });

  test("admin adds a JSON entry, views it pretty-printed and edits it", async () => {
    await page.getByRole("row", { name: new RegExp(REGION) }).getByRole("link", { name: "Browse keys" }).click();
    await page.locator("h1", { hasText: "Keys" }).waitFor();
    await page.getByRole("button", { name: "New entry" }).click();
    const form = page.getByRole("form", { name: "New entry" });
    await form.getByLabel("Key").fill(KEY);
    await form.getByLabel("Type").selectOption("json");
    await form.getByLabel("Value", { exact: true }).fill(JSON.stringify(DOC));
    await form.getByRole("button", { name: "Save entry" }).click();

    await page.locator("h1.entry-key", { hasText: KEY }).waitFor();
    assert.equal(await page.locator("#entry-value").textContent(), JSON.stringify(DOC, null, 2));
    // The region's default TTL applied to the new document.
    assert.match(await page.locator(".facts").textContent(), /TTL(59m|1h)/);

    await page.getByRole("button", { name: "Edit" }).click();
    const edited = { ...DOC, total: 43 };
    await page.getByLabel("Value", { exact: true }).fill("{not json");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("alert").filter({ hasText: "Not valid JSON" }).waitFor();
    await page.getByLabel("Value", { exact: true }).fill(JSON.stringify(edited));
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("#entry-value", { hasText: '"total": 43' }).waitFor();

    const r = await server.rest("GET", `/json/${REGION}/${encodeURIComponent(KEY)}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, edited);

    await page.getByLabel("New TTL in seconds").fill("120");
    await page.getByRole("button", { name: "Set TTL" }).click();
    await page.locator(".facts", { hasText: /TTL(2m|1m 59s)/ }).waitFor();
    await page.getByRole("button", { name: "Remove TTL" }).click();
    await page.locator(".facts", { hasText: "no expiry" }).waitFor();
    assert.equal((await server.rest("GET", `/cache/${REGION}/${encodeURIComponent(KEY)}/ttl`)).body.ttl, -1);
  });

  test("the key browser lists the entry with its type and TTL", async () => {
    await page.getByRole("link", { name: `← keys of ${REGION}` }).click();
    const row = page.getByRole("row", { name: new RegExp(KEY.replace(/[?]/g, "\\?")) });
    await row.waitFor();
    assert.equal(await row.locator("td").nth(1).textContent(), "json");
    assert.equal(await row.locator("td").nth(2).textContent(), "no expiry");
    await page.getByLabel("Pattern").fill("nothing*");
    await page.getByRole("button", { name: "Find keys" }).click();
    await page.getByText("No keys match.").waitFor();
  });

  test("untrusted keys and values are shown as text, never run as HTML", async () => {
    const key = '<img src=x onerror="window.__xss=1">';
    const value = "<script>window.__xss=2</script><b>bold?</b>";
    const path = `/cache/${REGION}/${encodeURIComponent(key)}`;
    assert.equal((await server.rest("PUT", path, { value })).status, 200);
    await page.getByLabel("Pattern").fill("<img*");
    await page.getByRole("button", { name: "Find keys" }).click();
    await page.getByRole("link", { name: key, exact: true }).click();
    await page.locator("h1.entry-key", { hasText: key }).waitFor();
    assert.equal(await page.locator("#entry-value").textContent(), value);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.locator("img[src=x], #entry-value b").count(), 0);
    assert.equal((await server.rest("DELETE", path)).status, 200);
  });

  test("admin finds the entry with a JSON query and sees the plan", async () => {
    await tab("JSON query");
    await page.getByLabel("Region").selectOption(REGION);
    await page.getByLabel("Query").fill("$.total>40,$.tags CONTAINS vip");
    await page.getByRole("button", { name: "Run query" }).click();
    await page.locator("#query-summary", { hasText: "1 result" }).waitFor();
    const results = page.locator("table");
    assert.equal(await results.getByRole("link", { name: KEY }).count(), 1);
    assert.match(await results.locator("code.doc").textContent(), /"customer":"Ada"/);
    const plan = await page.locator("#query-plan li").allTextContents();
    assert.ok(plan.length > 0, "the plan has steps");
    assert.ok(plan.some((step) => /scan|index/i.test(step)), `plan: ${plan}`);

    await page.getByLabel("Query").fill("$.total ?? 3");
    await page.getByRole("button", { name: "Run query" }).click();
    await page.getByRole("alert").waitFor();
  });

  test("admin deletes the entry after confirming", async () => {
    await tab("Keys");
    await page.getByLabel("Region").selectOption(REGION);
    await page.getByRole("link", { name: KEY }).click();
    await page.locator("h1.entry-key", { hasText: KEY }).waitFor();
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    assert.equal((await server.rest("GET", `/cache/${REGION}/${encodeURIComponent(KEY)}`)).status, 200, "cancel keeps it");
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete entry" }).click();
    await page.locator("h1", { hasText: "Keys" }).waitFor();
    await page.getByText("No keys match.").waitFor();
    assert.equal((await server.rest("GET", `/cache/${REGION}/${encodeURIComponent(KEY)}`)).status, 404);
  });

  test("admin drops the region after confirming", async () => {
    await tab("Regions");
    const row = page.getByRole("row", { name: new RegExp(`^${REGION}`) });
    await row.getByRole("button", { name: "Drop" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Drop region" }).click();
    await row.waitFor({ state: "detached" });
    assert.equal((await server.rest("GET", `/regions/${REGION}`)).status, 404);
    assert.equal(await page.getByRole("row", { name: /^default/ }).getByRole("button", { name: "Drop" }).count(), 0, "default cannot be dropped");
  });

  test("admin manages users: add, disable, enable, change password", async () => {
    await tab("Users");
    const form = page.getByRole("form", { name: "Add a user" });
    await form.getByLabel("User name").fill("ops_bot");
    await form.getByLabel("Password").fill("short");
    await form.getByLabel("Role").selectOption("USER");
    await form.getByRole("button", { name: "Add user" }).click();
    await form.getByRole("alert").filter({ hasText: "at least 8 characters" }).waitFor();
    await form.getByLabel("Password").fill("ops-bot-password");
    await form.getByRole("button", { name: "Add user" }).click();
    const row = page.getByRole("row", { name: /^ops_bot/ });
    await row.waitFor();
    await row.getByRole("button", { name: "Disable" }).click();
    await row.getByText("disabled", { exact: true }).waitFor();
    assert.equal((await server.rest("GET", "/info", undefined, { username: "ops_bot", password: "ops-bot-password" })).status, 401);
    await row.getByRole("button", { name: "Enable" }).click();
    await row.getByText("enabled", { exact: true }).waitFor();
    await row.getByRole("button", { name: "Change password" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Password").fill("ops-bot-password-2");
    await dialog.getByLabel("Repeat").fill("ops-bot-password-2");
    await dialog.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Password of ops_bot changed.").waitFor();
    assert.equal((await server.rest("GET", "/info", undefined, { username: "ops_bot", password: "ops-bot-password-2" })).status, 200);
  });

  test("dashboard screenshot under load", async () => {
    // Some regions with data and a stream of reads (hits and misses) so the charts have lines.
    for (const [region, description] of [
      ["sessions", "Web sessions"],
      ["catalog", "Product catalog"],
    ]) {
      assert.equal((await server.rest("POST", "/regions", { name: region, description })).status, 201);
    }
    for (let i = 0; i < 40; i += 1) {
      await server.rest("PUT", `/cache/sessions/s${i}`, { value: `user-${i}` });
      await server.rest("PUT", `/json/catalog/p${i}`, { value: { sku: `P-${i}`, price: 10 + i, stock: i % 7 } });
    }
    await tab("Dashboard");
    // Reads over RESP (the dashboard's ops/s counts RESP commands), with a rate that rises and
    // falls, about 80 % hits in sessions, 90 % in catalog, and misses in default.
    const traffic = server.respTraffic(26_000, (tick) => {
      const n = Math.round(30 + 25 * Math.sin(tick / 18) + (tick % 7) * 3);
      const commands = [["RSELECT", "sessions"]];
      for (let i = 0; i < n; i += 1) commands.push(["GET", `s${(tick * n + i) % 50}`]);
      commands.push(["RSELECT", "catalog"]);
      for (let i = 0; i < n / 2; i += 1) commands.push(["JGET", `p${(tick + i) % 44}`]);
      commands.push(["RSELECT", "default"], ["GET", `missing-${tick % 3}`]);
      return commands;
    });
    await page.waitForFunction(() => document.querySelectorAll(".legend-item").length >= 3, null, { timeout: 15_000 });
    assert.ok((await traffic) > 1000);
    assert.match(await page.locator("#dash-ops").textContent(), /^[1-9][0-9,.]*$/, "ops/s counts the RESP reads");
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  test("admin logs out", async () => {
    await logout();
  });

  test("a READER sees no write controls and the server refuses a write from the page", async () => {
    const created = await server.rest("POST", "/users", { ...READER, roles: ["READER"] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await login(READER);
    assert.equal(await page.locator("#role-badge").textContent(), "READER");
    assert.equal(await page.locator("nav.tabs").getByRole("link", { name: "Users" }).count(), 0, "no users page");

    // Each page, once its data has loaded (write controls are built with the data).
    const visits = [
      ["#/dashboard", () => page.getByRole("row", { name: /^catalog/ }).waitFor()],
      ["#/regions", () => page.getByRole("row", { name: /^sessions/ }).waitFor()],
      ["#/keys?region=sessions", () => page.getByRole("row", { name: /^s1\b/ }).waitFor()],
      ["#/entry?region=sessions&key=s1", () => page.locator("#entry-value", { hasText: "user-1" }).waitFor()],
      ["#/entry?region=catalog&key=p1", () => page.locator("#entry-value", { hasText: '"sku": "P-1"' }).waitFor()],
      ["#/query?region=catalog&q=%24.price%3E40", () => page.locator("#query-summary", { hasText: "9 results" }).waitFor()],
      ["#/users", () => page.locator("h1", { hasText: "Dashboard" }).waitFor()],
    ];
    for (const [hash, ready] of visits) {
      await page.goto(server.base + "/" + hash);
      await ready();
      assert.deepEqual(await writeControls(), [], `write controls on ${hash}`);
    }
    assert.equal(await page.getByRole("form", { name: "Create a region" }).count(), 0);

    // The page's own API helper sends the session's CSRF token; the server still says no.
    const attempts = await page.evaluate(async () => {
      const outcome = async (call) => {
        try {
          await call;
          return "accepted";
        } catch (e) {
          return e.status;
        }
      };
      return {
        put: await outcome(window.kuber.api("PUT", "/cache/sessions/s1", { value: "hacked" })),
        region: await outcome(window.kuber.api("POST", "/regions", { name: "reader_region" })),
        del: await outcome(window.kuber.api("DELETE", "/cache/sessions/s1")),
        json: await outcome(window.kuber.api("PUT", "/json/catalog/p1", { value: {} })),
      };
    });
    assert.deepEqual(attempts, { put: 403, region: 403, del: 403, json: 403 });
    const s1 = await server.rest("GET", "/cache/sessions/s1");
    assert.equal(s1.body.value, "user-1", "the value is unchanged");
    assert.equal((await server.rest("GET", "/regions/reader_region")).status, 404);

    // Without the CSRF token even the session cookie is not enough for a write.
    const noToken = await page.evaluate(async () => (await fetch("/api/v1/cache/sessions/s1", { method: "DELETE" })).status);
    assert.equal(noToken, 403);

    await logout();
  });

  test("no script errors or CSP violations", () => {
    assert.deepEqual(pageErrors, []);
  });
});
