// Regions: the list with their settings and counters; create (ADMIN and USER); purge and drop
// (ADMIN only, as RPURGE/RDROP are), each behind a confirmation dialog.

import { api, canWrite, isAdmin, seg } from "/console/assets/api.js";
import { h, mount, button, field, table, toast, notice, confirmDialog, busy, formatBytes, formatNumber, formatTtl, hitRatio, ratioBar, sortRegions } from "/console/assets/ui.js";

function createForm(reload) {
  const name = h("input", { name: "name", required: true, pattern: "[A-Za-z0-9_]{1,64}", maxlength: 64, placeholder: "orders", autocomplete: "off" });
  const description = h("input", { name: "description", placeholder: "optional", autocomplete: "off" });
  const ttl = h("input", { name: "defaultTtl", type: "number", min: 0, placeholder: "0 = none" });
  const max = h("input", { name: "maxEntries", type: "number", min: 0, placeholder: "0 = unlimited" });
  const error = h("div");
  const submit = button("Create region", null, { type: "submit", kind: "primary", write: true });
  const form = h(
    "form",
    {
      class: "panel form-grid",
      "aria-label": "Create a region",
      onsubmit: async (e) => {
        e.preventDefault();
        mount(error);
        if (!/[A-Za-z]/.test(name.value)) {
          mount(error, notice("A region name needs at least one letter."));
          return;
        }
        const body = { name: name.value };
        if (description.value) body.description = description.value;
        if (ttl.value) body.defaultTtl = Number(ttl.value);
        if (max.value) body.maxEntries = Number(max.value);
        submit.disabled = true;
        try {
          await api("POST", "/regions", body);
          toast(`Region ${body.name} created.`, "success");
          form.reset();
          reload();
        } catch (err) {
          mount(error, notice(err.message));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h2", {}, "New region"),
    field("Name", name, "1–64 of A–Z a–z 0–9 _"),
    field("Description", description),
    field("Default TTL (s)", ttl),
    field("Max entries", max),
    h("div", { class: "form-actions" }, submit),
    error,
  );
  return form;
}

function actions(region, reload, nav) {
  const out = [h("a", { class: "btn btn-small", href: nav.href("keys", { region: region.name }) }, "Browse keys")];
  if (!isAdmin()) return out;
  out.push(
    button(
      "Purge",
      async (e) => {
        const sure = await confirmDialog(
          `Purge region ${region.name}?`,
          `This removes all ${formatNumber(region.entries)} keys of region “${region.name}” and keeps the region. It cannot be undone.`,
          "Purge region",
        );
        if (!sure) return;
        await busy(e.target, async () => {
          await api("POST", `/regions/${seg(region.name)}/purge`);
          toast(`Region ${region.name} purged.`, "success");
          reload();
        });
      },
      { small: true, kind: "warn", write: true },
    ),
  );
  if (region.name !== "default") {
    out.push(
      button(
        "Drop",
        async (e) => {
          const sure = await confirmDialog(
            `Drop region ${region.name}?`,
            `This deletes region “${region.name}” and all ${formatNumber(region.entries)} of its keys, in memory and on disk. It cannot be undone.`,
            "Drop region",
          );
          if (!sure) return;
          await busy(e.target, async () => {
            await api("DELETE", `/regions/${seg(region.name)}`);
            toast(`Region ${region.name} dropped.`, "success");
            reload();
          });
        },
        { small: true, kind: "danger", write: true },
      ),
    );
  }
  return out;
}

export function render(main, _params, nav) {
  const list = h("div");
  let stopped = false;

  async function reload() {
    try {
      const regions = sortRegions(await api("GET", "/regions"));
      if (stopped) return;
      mount(
        list,
        table(
          [
            {
              title: "Region",
              cell: (r) => h("div", {}, h("a", { href: nav.href("keys", { region: r.name }), class: "strong" }, r.name), r.description ? h("div", { class: "muted small" }, r.description) : null),
            },
            { title: "Entries", class: "num", cell: (r) => formatNumber(r.entries) },
            { title: "Memory", class: "num", cell: (r) => formatBytes(r.memoryBytes) },
            { title: "Default TTL", cell: (r) => (r.defaultTtl ? formatTtl(r.defaultTtl) : "none") },
            { title: "Max entries", class: "num", cell: (r) => (r.maxEntries ? formatNumber(r.maxEntries) : "unlimited") },
            { title: "Hit ratio", class: "ratio-col", cell: (r) => ratioBar(hitRatio(r.stats)) },
            { title: "Created", cell: (r) => (r.createdAt ? new Date(r.createdAt).toLocaleString() : "–") },
            { title: "", class: "actions", cell: (r) => h("div", { class: "row-actions" }, actions(r, reload, nav)) },
          ],
          regions,
          "No regions.",
        ),
      );
    } catch (e) {
      if (!stopped) mount(list, notice(e.message));
    }
  }

  mount(
    main,
    h("div", { class: "page-head" }, h("h1", {}, "Regions"), button("Refresh", (e) => busy(e.target, reload), { small: true })),
    canWrite() ? createForm(reload) : null,
    h("section", { class: "panel" }, list),
  );
  reload();
  return () => {
    stopped = true;
  };
}
