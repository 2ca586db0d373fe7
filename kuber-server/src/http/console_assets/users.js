// Users (ADMIN only): list, add, change role, disable/enable, change password. The server hashes
// passwords (Argon2id) into the users file and ends the changed user's console sessions.

import { api, currentUser, isAdmin, seg } from "/console/assets/api.js";
import { h, mount, button, field, table, toast, notice, busy } from "/console/assets/ui.js";

const ROLES = ["ADMIN", "USER", "READER"];

function roleSelect(selected, attrs = {}) {
  return h("select", attrs, ROLES.map((r) => h("option", { value: r, selected: r === selected }, r)));
}

/** A dialog asking for a new password twice. Resolves to the password or null. */
function passwordDialog(username) {
  return new Promise((resolve) => {
    const first = h("input", { type: "password", name: "new-password", autocomplete: "new-password", minlength: 8, required: true });
    const second = h("input", { type: "password", name: "repeat-password", autocomplete: "new-password", minlength: 8, required: true });
    const error = h("div");
    const dialog = h("dialog", { class: "dialog", "aria-label": `New password for ${username}` });
    const finish = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const form = h(
      "form",
      {
        onsubmit: (e) => {
          e.preventDefault();
          if (first.value.length < 8) mount(error, notice("A password needs at least 8 characters."));
          else if (first.value !== second.value) mount(error, notice("The two passwords differ."));
          else finish(first.value);
        },
      },
      h("h3", {}, `New password for ${username}`),
      field("Password", first, "at least 8 characters"),
      field("Repeat", second),
      error,
      h("div", { class: "dialog-actions" }, button("Cancel", () => finish(null)), button("Change password", null, { type: "submit", kind: "primary", write: true })),
    );
    dialog.appendChild(form);
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      finish(null);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    first.focus();
  });
}

function addForm(reload) {
  const username = h("input", { name: "username", required: true, pattern: "[A-Za-z0-9_.\\-]{1,64}", maxlength: 64, autocomplete: "off" });
  // No minlength: the server's own message says what a password needs.
  const password = h("input", { name: "password", type: "password", required: true, autocomplete: "new-password" });
  const role = roleSelect("READER", { name: "role" });
  const error = h("div");
  const submit = button("Add user", null, { type: "submit", kind: "primary", write: true });
  const form = h(
    "form",
    {
      class: "panel form-grid",
      "aria-label": "Add a user",
      onsubmit: async (e) => {
        e.preventDefault();
        mount(error);
        submit.disabled = true;
        try {
          await api("POST", "/users", { username: username.value, password: password.value, roles: [role.value] });
          toast(`User ${username.value} added.`, "success");
          form.reset();
          reload();
        } catch (err) {
          mount(error, notice(err.message));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h2", {}, "New user"),
    field("User name", username, "A–Z a–z 0–9 _ . -"),
    field("Password", password, "at least 8 characters"),
    field("Role", role),
    h("div", { class: "form-actions" }, submit),
    error,
  );
  return form;
}

export function render(main) {
  if (!isAdmin()) {
    mount(main, notice("Managing users needs the ADMIN role."));
    return undefined;
  }
  const me = currentUser().username;
  const list = h("div");
  let stopped = false;

  async function update(user, change, message, btn) {
    await busy(btn, async () => {
      await api("PUT", `/users/${seg(user.username)}`, change);
      toast(message, "success");
    });
    reload();
  }

  async function reload() {
    try {
      const users = (await api("GET", "/users")).sort((a, b) => a.username.localeCompare(b.username));
      if (stopped) return;
      mount(
        list,
        table(
          [
            { title: "User", cell: (u) => h("span", { class: "strong" }, u.username, u.username === me ? h("span", { class: "muted small" }, " (you)") : null) },
            {
              title: "Role",
              cell: (u) => {
                if (u.username === me) return u.roles.join(", ");
                const select = roleSelect(u.roles[0], { "aria-label": `Role of ${u.username}`, dataset: { write: "" } });
                select.addEventListener("change", () => update(u, { roles: [select.value] }, `${u.username} is now ${select.value}.`, select));
                return select;
              },
            },
            { title: "Status", cell: (u) => h("span", { class: u.enabled ? "status-on" : "status-off" }, u.enabled ? "enabled" : "disabled") },
            {
              title: "",
              class: "actions",
              cell: (u) =>
                h(
                  "div",
                  { class: "row-actions" },
                  button(
                    "Change password",
                    async (e) => {
                      const password = await passwordDialog(u.username);
                      if (password) update(u, { password }, `Password of ${u.username} changed.`, e.target);
                    },
                    { small: true, write: true },
                  ),
                  u.username === me
                    ? null
                    : u.enabled
                      ? button("Disable", (e) => update(u, { enabled: false }, `${u.username} is disabled.`, e.target), { small: true, kind: "warn", write: true })
                      : button("Enable", (e) => update(u, { enabled: true }, `${u.username} is enabled.`, e.target), { small: true, write: true }),
                ),
            },
          ],
          users,
        ),
      );
    } catch (e) {
      if (!stopped) mount(list, notice(e.message));
    }
  }

  mount(main, h("div", { class: "page-head" }, h("h1", {}, "Users")), addForm(reload), h("section", { class: "panel" }, list));
  reload();
  return () => {
    stopped = true;
  };
}
