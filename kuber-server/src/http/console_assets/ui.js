// DOM helpers. Every piece of text reaches the page as a text node (never as HTML), because keys,
// values, region descriptions and user names are untrusted.

/**
 * Builds an element. `attrs`: `class`, `on<event>` handlers, `dataset` (object), boolean and string
 * attributes, and `value`/`checked` set as properties. Children: nodes, strings (as text), arrays,
 * null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "value" || name === "checked") el[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A button; `write: true` marks it as a write control (never built for READERs). */
export function button(label, onclick, opts = {}) {
  return h(
    "button",
    {
      type: opts.type || "button",
      class: ["btn", opts.kind ? `btn-${opts.kind}` : "", opts.small ? "btn-small" : ""].join(" ").trim(),
      onclick,
      title: opts.title,
      dataset: opts.write ? { write: "" } : undefined,
      disabled: opts.disabled,
    },
    label,
  );
}

let nextId = 0;

/** A labelled form field; the hint is the input's description, not part of its name. */
export function field(label, input, hint) {
  if (!input.id) input.id = `f${(nextId += 1)}`;
  let note = null;
  if (hint) {
    note = h("small", { class: "hint", id: `${input.id}-hint` }, hint);
    input.setAttribute("aria-describedby", note.id);
  }
  return h("div", { class: "field" }, h("label", { class: "field-label", for: input.id }, label), input, note);
}

/** A table: `columns` = [{title, cell: row => node|string, class?}]. */
export function table(columns, rows, empty = "Nothing here yet.") {
  const head = h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.class }, c.title))));
  const body = h("tbody");
  if (rows.length === 0) {
    body.appendChild(h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, empty)));
  }
  for (const row of rows) {
    body.appendChild(h("tr", {}, columns.map((c) => h("td", { class: c.class }, c.cell(row)))));
  }
  return h("div", { class: "table-wrap" }, h("table", {}, head, body));
}

/** A short-lived message in the corner; errors stay a little longer. */
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  box.appendChild(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

/** An inline message box (errors of a form, empty results). */
export function notice(message, kind = "error") {
  return h("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
}

/**
 * Asks before something that cannot be undone. Resolves to true when confirmed. `confirmLabel` is
 * the danger button's text.
 */
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "dialog", "aria-label": title });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    mount(
      dialog,
      h("h3", {}, title),
      h("p", {}, message),
      h(
        "div",
        { class: "dialog-actions" },
        button("Cancel", () => finish(false)),
        button(confirmLabel, () => finish(true), { kind: "danger", write: true }),
      ),
    );
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      finish(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}

/** Runs `work` with `btn` disabled, reporting an error as a toast. Resolves to work's result or undefined. */
export async function busy(btn, work) {
  if (btn) btn.disabled = true;
  try {
    return await work();
  } catch (e) {
    toast(e.message || String(e), "error");
    return undefined;
  } finally {
    if (btn) btn.disabled = false;
  }
}

export function formatBytes(n) {
  n = Number(n) || 0;
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatDuration(seconds) {
  seconds = Math.max(0, Math.floor(Number(seconds) || 0));
  const d = Math.floor(seconds / 86400);
  const hh = Math.floor((seconds % 86400) / 3600);
  const mm = Math.floor((seconds % 3600) / 60);
  const ss = seconds % 60;
  if (d > 0) return `${d}d ${hh}h ${mm}m`;
  if (hh > 0) return `${hh}h ${mm}m ${ss}s`;
  if (mm > 0) return `${mm}m ${ss}s`;
  return `${ss}s`;
}

/** A TTL as the key browser shows it: -1 means no expiry. */
export function formatTtl(ttl) {
  if (ttl === -1 || ttl === undefined || ttl === null) return "no expiry";
  if (ttl === -2) return "gone";
  return formatDuration(ttl);
}

export function formatNumber(n, digits = 0) {
  return Number(n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** A hit ratio in percent, or null when nothing was read yet. */
export function hitRatio(stats) {
  const total = (stats.hits || 0) + (stats.misses || 0);
  return total === 0 ? null : (100 * stats.hits) / total;
}

/** A horizontal bar for a percentage (set through the CSSOM, which the CSP allows). */
export function ratioBar(percent) {
  const fill = h("span", { class: "bar-fill" });
  fill.style.width = `${percent === null ? 0 : Math.min(100, Math.max(0, percent))}%`;
  return h(
    "span",
    { class: "ratio" },
    h("span", { class: "bar" }, fill),
    h("span", { class: "ratio-text" }, percent === null ? "–" : `${percent.toFixed(1)} %`),
  );
}

/** A type badge (string, hash, json, …). */
export function typeBadge(type) {
  return h("span", { class: `badge badge-${/^[a-z]+$/.test(type) ? type : "other"}` }, type);
}

/** Pretty JSON text of any value. */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** The region names, default first. */
export function sortRegions(regions) {
  return [...regions].sort((a, b) => (a.name === "default" ? -1 : b.name === "default" ? 1 : a.name.localeCompare(b.name)));
}
