// Dashboard: the server at a glance, refreshed every 2 s from /info and /stats. Ops/s is the change
// of INFO's total_commands_processed between two refreshes; the hit-ratio chart shows, per region,
// the share of reads in the last interval that found their key.

import { api, currentUser } from "/console/assets/api.js";
import { LiveChart } from "/console/assets/chart.js";
import { h, mount, table, formatBytes, formatDuration, formatNumber, hitRatio, ratioBar, notice, sortRegions } from "/console/assets/ui.js";

const INTERVAL_MS = 2000;

function card(label, id) {
  const value = h("div", { class: "card-value", id }, "–");
  return { node: h("div", { class: "card" }, h("div", { class: "card-label" }, label), value), value };
}

function legend(chart) {
  return chart.names().map((name) => {
    const swatch = h("span", { class: "swatch" });
    swatch.style.background = chart.color(name);
    return h("span", { class: "legend-item" }, swatch, name);
  });
}

export function render(main, _params, nav) {
  const user = currentUser();
  const cards = {
    role: card("Role", "dash-role"),
    uptime: card("Uptime", "dash-uptime"),
    clients: card("Connected clients", "dash-clients"),
    memory: card("Memory used", "dash-memory"),
    ops: card("Commands / s", "dash-ops"),
    keys: card("Keys", "dash-keys"),
    hits: card("Hit ratio (all regions)", "dash-hits"),
  };
  cards.role.value.textContent = user.role;
  cards.role.node.appendChild(h("div", { class: "card-sub" }, `signed in as ${user.username}`));

  const opsCanvas = h("canvas", { class: "chart", "aria-label": "Commands per second, last minute", role: "img" });
  const hitCanvas = h("canvas", { class: "chart", "aria-label": "Hit ratio per region, last minute", role: "img" });
  const opsChart = new LiveChart(opsCanvas, { capacity: 31, fill: true, format: (v, top) => formatNumber(v, top < 10 ? 1 : 0) });
  const hitChart = new LiveChart(hitCanvas, { capacity: 31, yMax: 100, format: (v) => `${Math.round(v)} %` });
  const hitLegend = h("div", { class: "legend" });
  const regionsBox = h("div");
  const status = h("div");
  const updated = h("span", { class: "muted small" });

  mount(
    main,
    h("div", { class: "page-head" }, h("h1", {}, "Dashboard"), updated),
    status,
    h("section", { class: "cards" }, Object.values(cards).map((c) => c.node)),
    h(
      "section",
      { class: "charts" },
      h("div", { class: "panel" }, h("h2", {}, "Commands per second (RESP)"), opsCanvas),
      h("div", { class: "panel" }, h("h2", {}, "Hit ratio per region (reads in the last 2 s)"), hitCanvas, hitLegend),
    ),
    h("section", { class: "panel" }, h("h2", {}, "Regions"), regionsBox),
  );

  let previous = null; // {time, commands, regions: {name: {hits, misses}}}
  let timer = null;
  let stopped = false;

  async function tick() {
    try {
      const [info, stats] = await Promise.all([api("GET", "/info"), api("GET", "/stats")]);
      if (stopped) return;
      mount(status);
      const now = performance.now();
      const commands = Number(info.stats?.total_commands_processed || 0);
      const regions = sortRegions(stats.regions || []);

      cards.uptime.value.textContent = formatDuration(info.server?.uptime_in_seconds ?? stats.uptimeSeconds);
      cards.clients.value.textContent = formatNumber(info.clients?.connected_clients ?? stats.clients);
      cards.memory.value.textContent = formatBytes(info.memory?.used_memory ?? stats.usedMemory);
      cards.keys.value.textContent = formatNumber(regions.reduce((n, r) => n + (r.entries || 0), 0));
      const total = regions.reduce((t, r) => ({ hits: t.hits + r.stats.hits, misses: t.misses + r.stats.misses }), { hits: 0, misses: 0 });
      const overall = hitRatio(total);
      cards.hits.value.textContent = overall === null ? "no reads yet" : `${overall.toFixed(1)} %`;

      const perRegion = {};
      for (const r of regions) perRegion[r.name] = { hits: r.stats.hits, misses: r.stats.misses };
      if (previous) {
        const seconds = (now - previous.time) / 1000;
        const ops = Math.max(0, commands - previous.commands) / seconds;
        cards.ops.value.textContent = formatNumber(ops, ops < 10 ? 1 : 0);
        opsChart.push({ "ops/s": ops });
        const windowed = {};
        for (const r of regions) {
          const before = previous.regions[r.name] || { hits: 0, misses: 0 };
          windowed[r.name] = hitRatio({ hits: r.stats.hits - before.hits, misses: r.stats.misses - before.misses });
        }
        hitChart.push(windowed);
        mount(hitLegend, legend(hitChart));
      }
      previous = { time: now, commands, regions: perRegion };

      mount(
        regionsBox,
        table(
          [
            { title: "Region", cell: (r) => h("a", { href: nav.href("keys", { region: r.name }) }, r.name) },
            { title: "Entries", class: "num", cell: (r) => formatNumber(r.entries) },
            { title: "Memory", class: "num", cell: (r) => formatBytes(r.memoryBytes) },
            { title: "Hits", class: "num", cell: (r) => formatNumber(r.stats.hits) },
            { title: "Misses", class: "num", cell: (r) => formatNumber(r.stats.misses) },
            { title: "Sets", class: "num", cell: (r) => formatNumber(r.stats.sets) },
            { title: "Expired / evicted", class: "num", cell: (r) => `${formatNumber(r.stats.expired)} / ${formatNumber(r.stats.evicted)}` },
            { title: "Hit ratio", class: "ratio-col", cell: (r) => ratioBar(hitRatio(r.stats)) },
          ],
          regions,
        ),
      );
      updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      if (!stopped && e.status !== 401) mount(status, notice(`Cannot refresh: ${e.message}`));
    } finally {
      if (!stopped) timer = setTimeout(tick, INTERVAL_MS);
    }
  }
  tick();

  return () => {
    stopped = true;
    clearTimeout(timer);
    opsChart.dispose();
    hitChart.dispose();
  };
}
