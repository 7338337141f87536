// The API client: same-origin fetches with the session cookie, the CSRF
// token on every state-changing request, problem+json turned into ApiError.

function meta(name) {
  const el = document.querySelector(`meta[name="${name}"]`);
  const value = el ? el.getAttribute("content") || "" : "";
  // An unfilled template (opened from disk) means "served at the root".
  return value.startsWith("{{") ? "" : value.replace(/\/+$/, "");
}

/** The app's base path (e.g. "/ui"), "" at the root. */
export const APP_BASE = meta("attendance-app");
/** The API's base path (e.g. "/api"), "" at the root. */
export const API_BASE = meta("attendance-api");
/** "token" when the page signs in with a bearer token, "none" otherwise. */
export const SIGN_IN = meta("attendance-sign-in") === "none" ? "none" : "token";

/** An error answer of the API (problem+json), or a network failure (status 0). */
export class ApiError extends Error {
  constructor({ status, type = "about:blank", title = "", detail = "", body = null }) {
    super(detail || title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.type = type;
    this.title = title;
    this.detail = detail;
    this.body = body;
  }
}

let csrfToken = null;

function query(params) {
  if (!params) return "";
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === "") continue;
    q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function request(method, url, body) {
  const headers = { Accept: "application/json, application/problem+json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError({ status: 0, type: "network", title: "No connection", detail: "The server could not be reached." });
  }
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  let data = null;
  if (type.includes("json")) {
    try {
      data = await res.json();
    } catch {
      data = null;
    }
  } else {
    data = await res.text().catch(() => null);
  }
  if (!res.ok) {
    const p = data && typeof data === "object" ? data : {};
    throw new ApiError({
      status: res.status,
      type: p.type || "about:blank",
      title: p.title || res.statusText || "",
      detail: p.detail || "",
      body: data,
    });
  }
  return data;
}

/** The client every view uses through `ctx.api`. */
export const api = {
  /** Full URL of an API path with its query (for download links). */
  apiUrl(path, params) {
    return `${API_BASE}${path}${query(params)}`;
  },
  /** URL of an app path (e.g. "/session"). */
  app(path) {
    return `${APP_BASE}${path}`;
  },
  /** Remembers the CSRF token sent on state-changing requests. */
  setCsrf(token) {
    csrfToken = token || null;
  },
  /** The CSRF token, if known. */
  csrf() {
    return csrfToken;
  },
  get(path, params) {
    return request("GET", api.apiUrl(path, params));
  },
  post(path, body) {
    return request("POST", api.apiUrl(path), body === undefined ? {} : body);
  },
  patch(path, body) {
    return request("PATCH", api.apiUrl(path), body);
  },
  del(path) {
    return request("DELETE", api.apiUrl(path));
  },
  /** Requests to the app itself (the session routes), not the API. */
  appRequest(method, path, body) {
    return request(method, api.app(path), body);
  },
  /** Every item of a cursor-paged listing, 200 per page. */
  async getAll(path, params = {}) {
    const items = [];
    let cursor = null;
    for (;;) {
      const page = await api.get(path, { ...params, limit: 200, cursor });
      items.push(...(page.items || []));
      if (!page.next_cursor) return items;
      cursor = page.next_cursor;
    }
  },
};
