// Key browser: pick a region and a glob pattern, page through the keys by SCAN cursor (with each
// key's type and TTL), open one, or add a string or JSON entry.

import { api, canWrite, seg } from "/console/assets/api.js";
import { h, mount, button, field, table, toast, notice, formatTtl, typeBadge, sortRegions } from "/console/assets/ui.js";

const PAGE_SIZES = [20, 50, 100, 500];

function wide(node) {
  node.classList.add("wide");
  return node;
}

/** Region names for a <select>, the chosen one first selected. */
export async function regionSelect(chosen, attrs = {}) {
  const regions = sortRegions(await api("GET", "/regions"));
  const names = regions.map((r) => r.name);
  if (chosen && !names.includes(chosen)) names.push(chosen);
  return h(
    "select",
    attrs,
    names.map((n) => h("option", { value: n, selected: n === (chosen || "default") }, n)),
  );
}

function newEntryForm(region, nav) {
  const key = h("input", { name: "key", required: true, autocomplete: "off", placeholder: "user:42" });
  const kind = h("select", { name: "type" }, h("option", { value: "json" }, "JSON document"), h("option", { value: "string" }, "String"));
  const value = h("textarea", { name: "value", rows: 6, spellcheck: false, placeholder: '{"name": "Ada", "age": 36}' });
  const ttl = h("input", { name: "ttl", type: "number", min: 1, placeholder: "none" });
  const error = h("div");
  const submit = button("Save entry", null, { type: "submit", kind: "primary", write: true });
  const form = h(
    "form",
    {
      class: "panel form-grid hidden",
      "aria-label": "New entry",
      onsubmit: async (e) => {
        e.preventDefault();
        mount(error);
        const body = {};
        if (kind.value === "json") {
          try {
            body.value = JSON.parse(value.value);
          } catch (err) {
            mount(error, notice(`Not valid JSON: ${err.message}`));
            return;
          }
        } else {
          body.value = value.value;
        }
        if (ttl.value) body.ttl = Number(ttl.value);
        const base = kind.value === "json" ? "/json" : "/cache";
        submit.disabled = true;
        try {
          await api("PUT", `${base}/${seg(region)}/${seg(key.value)}`, body);
          toast(`Saved ${key.value}.`, "success");
          nav.go("entry", { region, key: key.value });
        } catch (err) {
          mount(error, notice(err.message));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h2", {}, `New entry in ${region}`),
    field("Key", key),
    field("Type", kind),
    wide(field("Value", value)),
    field("TTL (s)", ttl),
    h("div", { class: "form-actions" }, submit, button("Cancel", () => form.classList.add("hidden"))),
    error,
  );
  return form;
}

export function render(main, params, nav) {
  const region = params.region || "default";
  const pattern = h("input", { name: "pattern", value: params.pattern || "*", autocomplete: "off", spellcheck: false, "aria-label": "Pattern" });
  const count = h("select", { name: "count", "aria-label": "Page size" }, PAGE_SIZES.map((n) => h("option", { value: n, selected: n === Number(params.count || 50) }, `${n} per page`)));
  const results = h("div");
  const pager = h("div", { class: "pager" });
  const newForm = canWrite() ? newEntryForm(region, nav) : null;
  let stopped = false;
  // Cursors of the pages before the current one, so "Previous" can go back.
  const previous = [];
  let current = "0";

  async function load(cursor) {
    mount(results, h("p", { class: "muted" }, "Loading…"));
    try {
      const query = new URLSearchParams({ pattern: pattern.value || "*", cursor, count: count.value, details: "true" });
      const page = await api("GET", `/cache/${seg(region)}/keys?${query}`);
      if (stopped) return;
      current = cursor;
      const rows = (page.details || page.keys.map((k) => ({ key: k, type: "?", ttl: null }))).sort((a, b) => a.key.localeCompare(b.key));
      mount(
        results,
        table(
          [
            { title: "Key", class: "key-col", cell: (r) => h("a", { href: nav.href("entry", { region, key: r.key }), class: "mono" }, r.key) },
            { title: "Type", cell: (r) => typeBadge(r.type) },
            { title: "TTL", cell: (r) => formatTtl(r.ttl) },
          ],
          rows,
          page.cursor === "0" ? "No keys match." : "No matching keys on this page; there are more pages.",
        ),
      );
      const pageNo = previous.length + 1;
      mount(
        pager,
        button("← Previous", () => load(previous.pop()), { small: true, disabled: previous.length === 0 }),
        h("span", { class: "muted small" }, `page ${pageNo}${page.cursor === "0" ? " (last)" : ""}`),
        button(
          "Next →",
          () => {
            previous.push(current);
            load(page.cursor);
          },
          { small: true, disabled: page.cursor === "0" },
        ),
      );
    } catch (e) {
      if (!stopped) mount(results, notice(e.message));
    }
  }

  const search = (e) => {
    e.preventDefault();
    const target = nav.href("keys", { region: select.value, pattern: pattern.value === "*" ? "" : pattern.value, count: count.value === "50" ? "" : count.value });
    if (location.hash === target) {
      // Same search again: no hashchange, so reload from the first page here.
      previous.length = 0;
      load("0");
    } else {
      location.hash = target;
    }
  };
  let select = h("select", { "aria-label": "Region" }, h("option", {}, region));
  const form = h(
    "form",
    { class: "toolbar", onsubmit: search, "aria-label": "Find keys" },
    field("Region", select),
    field("Pattern", pattern, "glob: * ? [abc]"),
    field("Page size", count),
    h("div", { class: "form-actions" }, button("Find keys", null, { type: "submit", kind: "primary" })),
  );

  mount(
    main,
    h(
      "div",
      { class: "page-head" },
      h("h1", {}, "Keys"),
      canWrite()
        ? button(
            "New entry",
            () => {
              newForm.classList.remove("hidden");
              newForm.querySelector("input").focus();
            },
            { small: true, kind: "primary", write: true },
          )
        : null,
    ),
    h("section", { class: "panel" }, form),
    newForm,
    h("section", { class: "panel" }, results, pager),
  );

  regionSelect(region, { name: "region", "aria-label": "Region" })
    .then((s) => {
      if (stopped) return;
      s.addEventListener("change", search);
      select.replaceWith(s);
      select = s;
    })
    .catch((e) => toast(e.message, "error"));
  load("0");
  return () => {
    stopped = true;
  };
}
