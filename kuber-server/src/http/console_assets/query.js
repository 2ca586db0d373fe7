// JSON query page: runs a JSEARCH query over a region's documents (POST /json/{region}/search),
// shows the plan (which index serves which condition) and the matching documents, page by page.

import { api, seg } from "/console/assets/api.js";
import { h, mount, button, field, notice, table, formatNumber } from "/console/assets/ui.js";
import { regionSelect } from "/console/assets/keys.js";

const EXAMPLES = ["$.age>25", "$.address.city=New York", "$.roles CONTAINS admin", "$.name LIKE A%", "$.status IN [open|pending]"];

/** The query with a caret under the position an error names ("… at 7"). */
function errorWithCaret(query, message) {
  const at = /\bat (\d+)\s*$/.exec(message);
  const parts = [notice(message)];
  if (at) {
    const pos = Math.min(Number(at[1]), query.length);
    parts.push(h("pre", { class: "caret mono", "aria-label": "Where the error is" }, `${query}\n${" ".repeat(pos)}^`));
  }
  return parts;
}

export function render(main, params, nav) {
  let region = params.region || "default";
  const query = h("input", { name: "query", class: "mono", value: params.q || "", placeholder: "$.age>25,$.roles CONTAINS admin", autocomplete: "off", spellcheck: false, required: true });
  const limit = h("input", { name: "limit", type: "number", min: 1, max: 100000, value: 50 });
  const explain = h("input", { name: "explain", type: "checkbox", checked: true });
  const planBox = h("div");
  const resultsBox = h("div");
  const more = h("div", { class: "pager" });
  let stopped = false;
  let shown = 0;

  async function run(cursor) {
    const q = query.value.trim();
    if (!q) return;
    if (cursor === "0") {
      shown = 0;
      mount(planBox);
      mount(resultsBox, h("p", { class: "muted" }, "Searching…"));
    }
    mount(more);
    try {
      const request = { query: q, limit: Number(limit.value) || 50, cursor };
      if (cursor === "0" && explain.checked) request.explain = true;
      const started = performance.now();
      const page = await api("POST", `/json/${seg(region)}/search`, request);
      if (stopped) return;
      const ms = performance.now() - started;
      if (page.plan) {
        mount(planBox, h("section", { class: "panel plan" }, h("h2", {}, "Plan"), h("ol", { id: "query-plan", class: "mono" }, page.plan.map((step) => h("li", {}, step)))));
      }
      shown += page.results.length;
      const rows = table(
        [
          { title: "Key", class: "key-col", cell: (r) => h("a", { href: nav.href("entry", { region, key: r.key }), class: "mono" }, r.key) },
          // Compact here so a page of results stays scannable; the entry view pretty-prints.
          { title: "Document", cell: (r) => h("code", { class: "doc mono" }, JSON.stringify(r.value)) },
        ],
        page.results,
        "No document matches.",
      );
      if (cursor === "0") {
        mount(resultsBox, h("h2", { id: "query-summary" }, ""), rows);
      } else {
        resultsBox.appendChild(rows);
      }
      const summary = resultsBox.querySelector("#query-summary");
      summary.textContent = `${formatNumber(shown)} result${shown === 1 ? "" : "s"}${page.cursor === "0" ? "" : " so far"} · ${ms.toFixed(0)} ms`;
      if (page.cursor !== "0") {
        mount(more, button("More results", () => run(page.cursor), { small: true }));
      }
    } catch (e) {
      if (!stopped) mount(resultsBox, errorWithCaret(q, e.message));
    }
  }

  let select = h("select", { "aria-label": "Region" }, h("option", {}, region));
  const form = h(
    "form",
    {
      class: "toolbar",
      "aria-label": "Search documents",
      onsubmit: (e) => {
        e.preventDefault();
        history.replaceState(null, "", nav.href("query", { region, q: query.value }));
        run("0");
      },
    },
    field("Region", select),
    h("div", { class: "grow" }, field("Query", query)),
    field("Limit", limit),
    h("label", { class: "check" }, explain, "show plan"),
    h("div", { class: "form-actions" }, button("Run query", null, { type: "submit", kind: "primary" })),
  );

  mount(
    main,
    h("div", { class: "page-head" }, h("h1", {}, "JSON query")),
    h(
      "section",
      { class: "panel" },
      form,
      h(
        "p",
        { class: "muted small examples" },
        "Conditions joined by commas (AND); operators = != > >= < <= ~= LIKE CONTAINS IN. Try: ",
        EXAMPLES.map((ex) => h("button", { type: "button", class: "chip mono", onclick: () => { query.value = ex; query.focus(); } }, ex)),
      ),
    ),
    planBox,
    h("section", { class: "panel" }, resultsBox, more),
  );

  regionSelect(region, { name: "region", "aria-label": "Region" })
    .then((s) => {
      if (stopped) return;
      s.addEventListener("change", () => {
        region = s.value;
      });
      select.replaceWith(s);
      select = s;
    })
    .catch(() => {});
  if (query.value) run("0");
  return () => {
    stopped = true;
  };
}
