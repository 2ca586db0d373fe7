// The console's only way to talk to the server: the session cookie rides along on every request
// (same origin), and every request that changes something carries the session's CSRF token.

/** An error answer of the API ({"error":{"code","message"}}), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

const session = { username: null, role: null, csrf: null };
let onExpired = () => {};

/** Called when the server says the session is gone (401), so the page can show the login form. */
export function whenSessionExpires(handler) {
  onExpired = handler;
}

/** Who is logged in ({username, role}), or null. */
export function currentUser() {
  return session.username ? { username: session.username, role: session.role } : null;
}

/** READERs may not change anything; the page shows them no write controls. */
export function canWrite() {
  return session.role === "ADMIN" || session.role === "USER";
}

export function isAdmin() {
  return session.role === "ADMIN";
}

function remember(info) {
  session.username = info ? info.username : null;
  session.role = info ? info.role : null;
  session.csrf = info ? info.csrf : null;
}

/** Percent-encodes one path segment: keys may hold "/", spaces, "?", "#" and any Unicode. */
export function seg(text) {
  return encodeURIComponent(text);
}

async function send(method, url, body) {
  // X-Requested-With keeps WWW-Authenticate off our 401s, so the browser shows no Basic-auth popup.
  const headers = { Accept: "application/json", "X-Requested-With": "kuber-console" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && session.csrf) headers["X-CSRF-Token"] = session.csrf;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, "NETWORK", `cannot reach the server (${e.message})`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const err = data && data.error ? data.error : {};
    throw new ApiError(
      response.status,
      err.code || `HTTP_${response.status}`,
      err.message || response.statusText || "request failed",
    );
  }
  return data;
}

/**
 * Calls `/api/v1{path}`. Resolves to the parsed JSON answer; rejects with an ApiError. A 401 means
 * the session ended (logout elsewhere, password change, idle timeout): the login form comes back.
 */
export async function api(method, path, body) {
  try {
    return await send(method, `/api/v1${path}`, body);
  } catch (e) {
    if (e.status === 401 && session.username) {
      remember(null);
      onExpired(e);
    }
    throw e;
  }
}

/** The current console session, or null when not logged in. */
export async function restoreSession() {
  try {
    const info = await send("GET", "/console/session");
    remember(info);
    return currentUser();
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function login(username, password) {
  const info = await send("POST", "/console/login", { username, password });
  remember(info);
  return currentUser();
}

export async function logout() {
  try {
    await send("POST", "/console/logout");
  } finally {
    remember(null);
  }
}
