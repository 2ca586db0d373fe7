// The console shell: login form, navigation, and a hash router (#/dashboard, #/regions,
// #/keys?region=…, #/entry?region=…&key=…, #/query, #/users) that shows one page at a time.

import * as client from "/console/assets/api.js";
import { h, mount, button, field, notice, toast } from "/console/assets/ui.js";
import * as dashboard from "/console/assets/dashboard.js";
import * as regions from "/console/assets/regions.js";
import * as keys from "/console/assets/keys.js";
import * as entry from "/console/assets/entry.js";
import * as query from "/console/assets/query.js";
import * as users from "/console/assets/users.js";

// Pages in navigation order; `entry` has no tab (it is reached from the key browser).
const PAGES = [
  { id: "dashboard", title: "Dashboard", page: dashboard },
  { id: "regions", title: "Regions", page: regions },
  { id: "keys", title: "Keys", page: keys },
  { id: "query", title: "JSON query", page: query },
  { id: "users", title: "Users", page: users, adminOnly: true },
  { id: "entry", title: "Entry", page: entry, hidden: true, tab: "keys" },
];

const root = document.getElementById("app");
let cleanup = null;

/** The page and its parameters from the location hash. */
function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [id, search] = hash.split("?", 2);
  const params = Object.fromEntries(new URLSearchParams(search || ""));
  const page = PAGES.find((p) => p.id === id && (!p.adminOnly || client.isAdmin()));
  return { page: page || PAGES[0], params };
}

/** Builds `#/page?params`. */
export function href(id, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""));
  const text = query.toString();
  return `#/${id}${text ? `?${text}` : ""}`;
}

function stopPage() {
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
}

function showLogin(message) {
  stopPage();
  const username = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const error = h("div", { class: "login-error" });
  const submit = button("Log in", null, { type: "submit", kind: "primary" });
  if (message) mount(error, notice(message, "info"));
  const form = h(
    "form",
    {
      class: "login-card",
      "aria-label": "Log in",
      onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        mount(error);
        try {
          await client.login(username.value, password.value);
          password.value = "";
          if (!location.hash || location.hash === "#/") location.hash = href("dashboard");
          showShell();
        } catch (err) {
          mount(error, notice(err.status === 401 ? "Wrong user name or password, or the user is disabled." : err.message));
          password.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("div", { class: "brand brand-large" }, h("img", { src: "/console/assets/favicon.svg", alt: "" }), "Kuber"),
    h("p", { class: "muted" }, "Sign in with a Kuber user (the same users as AUTH and the REST API)."),
    field("User name", username),
    field("Password", password),
    error,
    submit,
  );
  mount(root, h("div", { class: "login-page" }, form));
  username.focus();
}

function showShell() {
  const user = client.currentUser();
  const nav = h("nav", { class: "tabs", "aria-label": "Pages" });
  const main = h("main", { class: "page", id: "page" });
  const logout = button(
    "Log out",
    async () => {
      stopPage();
      try {
        await client.logout();
      } catch (e) {
        toast(e.message, "error");
      }
      history.replaceState(null, "", location.pathname);
      showLogin("You are logged out.");
    },
    { small: true },
  );
  mount(
    root,
    h(
      "header",
      { class: "topbar" },
      h("a", { class: "brand", href: href("dashboard") }, h("img", { src: "/console/assets/favicon.svg", alt: "" }), "Kuber"),
      nav,
      h(
        "div",
        { class: "whoami" },
        h("span", { class: "user-name" }, user.username),
        h("span", { class: `badge role role-${user.role.toLowerCase()}`, id: "role-badge" }, user.role),
        logout,
      ),
    ),
    main,
  );
  renderPage();
}

function renderPage() {
  const main = document.getElementById("page");
  const nav = root.querySelector("nav.tabs");
  if (!main || !nav) return;
  stopPage();
  const { page, params } = route();
  mount(
    nav,
    PAGES.filter((p) => !p.hidden && (!p.adminOnly || client.isAdmin())).map((p) =>
      h("a", { href: href(p.id), class: (page.tab || page.id) === p.id ? "tab active" : "tab", "aria-current": (page.tab || page.id) === p.id ? "page" : null }, p.title),
    ),
  );
  mount(main);
  document.title = `${page.title} · Kuber console`;
  cleanup = page.page.render(main, params, { href, go: (id, p) => (location.hash = href(id, p)) });
}

window.addEventListener("hashchange", () => {
  if (client.currentUser()) renderPage();
});

client.whenSessionExpires(() => showLogin("Your session ended; please log in again."));

// Exposed for debugging from the browser's console (and for the browser tests, which check that
// the server refuses a READER's writes even when the page's own helper sends them).
window.kuber = { api: client.api, currentUser: client.currentUser };

(async () => {
  try {
    if (await client.restoreSession()) showShell();
    else showLogin();
  } catch (e) {
    showLogin(e.message);
  }
})();
