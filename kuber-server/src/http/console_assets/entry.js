// One entry: its value (documents, hashes, lists, sets and sorted sets pretty-printed as JSON), type
// and TTL; strings and JSON documents can be edited and saved, any entry deleted.

import { api, canWrite, seg } from "/console/assets/api.js";
import { h, mount, button, field, toast, notice, confirmDialog, busy, formatTtl, typeBadge, pretty } from "/console/assets/ui.js";

const EDITABLE = new Set(["string", "json"]);

function valueText(entry) {
  return entry.type === "string" ? String(entry.value) : pretty(entry.value);
}

export function render(main, params, nav) {
  const region = params.region || "default";
  const key = params.key;
  const body = h("div");
  let stopped = false;

  const backLink = h("a", { href: nav.href("keys", { region }), class: "back" }, `← keys of ${region}`);
  mount(main, h("div", { class: "crumbs" }, backLink), body);
  if (key === undefined) {
    mount(body, notice("No key given."));
    return undefined;
  }

  function showEditor(entry) {
    const textarea = h("textarea", { name: "value", rows: 16, spellcheck: false, class: "mono", value: valueText(entry), "aria-label": "Value" });
    const ttl = h("input", { name: "ttl", type: "number", min: 1, value: entry.ttl > 0 ? entry.ttl : "", placeholder: "none" });
    const error = h("div");
    const save = button("Save", null, { type: "submit", kind: "primary", write: true });
    const form = h(
      "form",
      {
        class: "panel editor",
        "aria-label": "Editor",
        onsubmit: async (e) => {
          e.preventDefault();
          mount(error);
          const request = {};
          if (entry.type === "json") {
            try {
              request.value = JSON.parse(textarea.value);
            } catch (err) {
              mount(error, notice(`Not valid JSON: ${err.message}`));
              return;
            }
          } else {
            request.value = textarea.value;
          }
          if (ttl.value) request.ttl = Number(ttl.value);
          const base = entry.type === "json" ? "/json" : "/cache";
          save.disabled = true;
          try {
            await api("PUT", `${base}/${seg(region)}/${seg(key)}`, request);
            toast("Saved.", "success");
            load();
          } catch (err) {
            mount(error, notice(err.message));
          } finally {
            save.disabled = false;
          }
        },
      },
      h("h2", {}, entry.type === "json" ? "Edit document (JSON)" : "Edit string"),
      textarea,
      h(
        "div",
        { class: "editor-foot" },
        field("TTL (s)", ttl, "empty = no expiry"),
        h("div", { class: "form-actions" }, save, button("Cancel", () => load())),
      ),
      error,
    );
    return form;
  }

  /** Set or remove the TTL of any entry (POST/DELETE …/expire). */
  function ttlControls(entry) {
    const seconds = h("input", { type: "number", min: 1, name: "expire", placeholder: "seconds", "aria-label": "New TTL in seconds", class: "ttl-input" });
    const form = h(
      "form",
      {
        class: "inline-form",
        "aria-label": "Change TTL",
        onsubmit: async (e) => {
          e.preventDefault();
          if (!seconds.value) return;
          await busy(e.submitter, async () => {
            await api("POST", `/cache/${seg(region)}/${seg(key)}/expire`, { seconds: Number(seconds.value) });
            toast(`${key} expires in ${formatTtl(Number(seconds.value))}.`, "success");
            load();
          });
        },
      },
      seconds,
      button("Set TTL", null, { type: "submit", small: true, write: true }),
      entry.ttl > 0
        ? button(
            "Remove TTL",
            (e) =>
              busy(e.target, async () => {
                await api("DELETE", `/cache/${seg(region)}/${seg(key)}/expire`);
                toast(`${key} no longer expires.`, "success");
                load();
              }),
            { small: true, write: true },
          )
        : null,
    );
    return form;
  }

  function show(entry) {
    const valuePanel = h("section", { class: "panel" }, h("h2", {}, "Value"), h("pre", { class: "value mono", id: "entry-value" }, valueText(entry)));
    const actions = [];
    if (canWrite()) {
      if (EDITABLE.has(entry.type)) {
        actions.push(button("Edit", () => valuePanel.replaceWith(showEditor(entry)), { kind: "primary", write: true }));
      }
      actions.push(
        button(
          "Delete",
          async (e) => {
            const sure = await confirmDialog(`Delete ${key}?`, `This deletes the ${entry.type} “${key}” from region “${region}”.`, "Delete entry");
            if (!sure) return;
            await busy(e.target, async () => {
              await api("DELETE", `/cache/${seg(region)}/${seg(key)}`);
              toast(`Deleted ${key}.`, "success");
              nav.go("keys", { region });
            });
          },
          { kind: "danger", write: true },
        ),
      );
    }
    mount(
      body,
      h(
        "div",
        { class: "page-head" },
        h("h1", { class: "mono entry-key" }, key),
        h("div", { class: "row-actions" }, actions),
      ),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Region"),
        h("dd", {}, region),
        h("dt", {}, "Type"),
        h("dd", {}, typeBadge(entry.type)),
        h("dt", {}, "TTL"),
        h("dd", {}, formatTtl(entry.ttl), canWrite() ? ttlControls(entry) : null),
      ),
      valuePanel,
      canWrite() && !EDITABLE.has(entry.type)
        ? h("p", { class: "muted small" }, `The console edits strings and JSON documents; change a ${entry.type} with RESP commands or the REST API.`)
        : null,
    );
  }

  async function load() {
    try {
      const entry = await api("GET", `/cache/${seg(region)}/${seg(key)}`);
      if (!stopped) show(entry);
    } catch (e) {
      if (!stopped) mount(body, h("h1", { class: "mono entry-key" }, key), notice(e.status === 404 ? `There is no key “${key}” in region “${region}” (it may have expired).` : e.message));
    }
  }
  load();
  return () => {
    stopped = true;
  };
}
