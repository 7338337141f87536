// Boot, session, router and navigation. Views live in ./views/<name>.js and
// export `render(root, ctx, params)`; the router hands each a fresh root
// element and puts it into <main> when the view has rendered, so a slow
// view that was navigated away from never writes over the next one. An
// ApiError 404 thrown by a view shows "Not found"; any other error shows
// in plain words; a view that shows an error itself returns "error".
// `params` holds the route's captures and the hash's query
// (`#/today?date=2026-03-02` gives `{date: "2026-03-02"}`).

import { api, ApiError, SIGN_IN } from "./api.js";
import { clear, errorBox, h } from "./dom.js";

const isManager = (me) => me.kind === "manager" || me.kind === "admin";
const everyone = () => true;

/**
 * Every view: its hash pattern, module, nav label (null when it has no nav
 * entry) and who may use it.
 */
const VIEWS = [
  { name: "my-day", pattern: /^\/my-day$/, label: "My day", allowed: (me) => Boolean(me.employee) },
  { name: "today", pattern: /^\/today$/, label: "Today", allowed: isManager },
  { name: "teams", pattern: /^\/teams$/, label: "Teams", allowed: isManager },
  { name: "team", pattern: /^\/teams\/(?<id>\d+)$/, label: null, allowed: isManager },
  { name: "person", pattern: /^\/people\/(?<id>\d+)$/, label: null, allowed: everyone },
  { name: "summaries", pattern: /^\/summaries$/, label: "Summaries", allowed: isManager },
  { name: "ask", pattern: /^\/ask$/, label: "Ask", allowed: everyone },
  { name: "requests", pattern: /^\/requests$/, label: "Requests", allowed: everyone },
  { name: "periods", pattern: /^\/periods$/, label: "Periods", allowed: (me) => me.kind === "admin" },
  { name: "exports", pattern: /^\/exports$/, label: "Exports", allowed: isManager },
];

const main = document.getElementById("view");
const nav = document.getElementById("nav");
const whoami = document.getElementById("whoami");
const signOutButton = document.getElementById("sign-out");
const statusRegion = document.getElementById("status");

let me = null;
let generation = 0;

function status(text) {
  statusRegion.textContent = text || "";
}

function navigate(hash) {
  const target = hash.startsWith("#") ? hash : `#${hash}`;
  if (location.hash === target) route();
  else location.hash = target;
}

function defaultHash() {
  if (me && me.employee) return "#/my-day";
  if (me && isManager(me)) return "#/today";
  return "#/ask";
}

function setState(view, state) {
  main.dataset.view = view;
  main.dataset.state = state;
}

function show(view, state, ...children) {
  clear(main);
  for (const c of children) main.appendChild(c);
  setState(view, state);
}

function renderNav(current) {
  clear(nav);
  if (!me) return;
  for (const v of VIEWS) {
    if (!v.label || !v.allowed(me)) continue;
    const active = current === v.name || (current === "team" && v.name === "teams");
    nav.appendChild(h("a", {
      href: `#/${v.name}`,
      "data-nav": v.name,
      "aria-current": active ? "page" : null,
    }, v.label));
  }
}

function renderWho() {
  whoami.textContent = me ? `${me.name}${me.kind === "employee" ? "" : ` (${me.kind})`}` : "";
  signOutButton.hidden = !(me && SIGN_IN === "token");
}

function notFound(name) {
  document.title = "Not found · Attendance";
  show(name, "not-found", h("h1", {}, "Not found"),
    h("p", {}, "There is nothing here, or it is not yours to see."),
    h("p", {}, h("a", { href: defaultHash() }, "Back to the start")));
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "");
  const [path, queryString] = raw.split("?", 2);
  const query = Object.fromEntries(new URLSearchParams(queryString || ""));
  return { path, query };
}

async function route(focus = false) {
  if (!me) return;
  const { path, query } = parseHash();
  if (!path.startsWith("/") || path === "/") {
    // The skip link and other in-page anchors are not routes.
    if (path === "" || path === "/") history.replaceState(null, "", defaultHash());
    else return;
    return route(focus);
  }
  let match = null;
  let view = null;
  for (const v of VIEWS) {
    const m = v.pattern.exec(path);
    if (m) {
      view = v;
      match = m;
      break;
    }
  }
  const gen = ++generation;
  renderNav(view ? view.name : null);
  status("");
  if (!view || !view.allowed(me)) {
    notFound(view ? view.name : "unknown");
    return;
  }
  const params = { ...query, ...(match.groups || {}) };
  document.title = `${view.label || view.name} · Attendance`;
  show(view.name, "loading", h("p", { class: "muted" }, "Loading…"));
  const root = h("div", { class: `view view-${view.name}` });
  try {
    const mod = await import(`./views/${view.name}.js`);
    // A view that shows its own error inside its controls returns "error".
    const outcome = await mod.render(root, context(gen), params);
    if (gen !== generation) return;
    show(view.name, outcome === "error" ? "error" : "ready", root);
  } catch (err) {
    if (gen !== generation) return;
    if (err instanceof ApiError && err.status === 401) {
      signedOut();
      return;
    }
    if (err instanceof ApiError && err.status === 404) {
      notFound(view.name);
      return;
    }
    console.error(err);
    show(view.name, "error", h("h1", {}, view.label || "Error"), errorBox(err));
  }
  if (focus && gen === generation) main.focus({ preventScroll: false });
}

function context(gen) {
  let busySeq = 0;
  return {
    me,
    api,
    navigate,
    status,
    main,
    /** Re-renders the current route (e.g. after a change the view made). */
    reload: () => route(),
    /**
     * Runs `fn(isCurrent)` with <main> marked loading, for a view that
     * refreshes part of itself (a new date, a new team). Only the latest
     * call sets the state back (to ready, or to error with the message in
     * `into` when `fn` throws); `fn` should render only while `isCurrent()`
     * so an older, slower answer never replaces a newer one.
     */
    async busy(fn, into) {
      const mine = ++busySeq;
      const isCurrent = () => mine === busySeq && gen === generation;
      main.dataset.state = "loading";
      try {
        const result = await fn(isCurrent);
        if (isCurrent()) main.dataset.state = "ready";
        return result;
      } catch (err) {
        if (!isCurrent()) return undefined;
        if (err instanceof ApiError && err.status === 401) {
          signedOut();
          return undefined;
        }
        if (into) {
          clear(into);
          into.appendChild(errorBox(err));
        }
        main.dataset.state = "error";
        return undefined;
      }
    },
  };
}

async function renderSignIn(message) {
  me = null;
  api.setCsrf(null);
  renderNav(null);
  renderWho();
  document.title = "Sign in · Attendance";
  if (SIGN_IN !== "token") {
    show("sign-in", "error", h("h1", {}, "Not signed in"),
      errorBox(new ApiError({ status: 401, title: "Not signed in", detail: "This page is signed in by its host, and the host did not sign you in." })));
    return;
  }
  const root = h("div", { class: "view view-sign-in" });
  const mod = await import("./views/sign-in.js");
  await mod.render(root, { api, status, signedIn: boot, message }, {});
  show("sign-in", "ready", root);
  const input = document.getElementById("token");
  if (input) input.focus();
}

function signedOut() {
  generation += 1;
  renderSignIn("Your session has ended. Sign in again.");
}

async function signOut() {
  signOutButton.disabled = true;
  try {
    await api.appRequest("DELETE", "/session");
    status("Signed out.");
  } catch (err) {
    // The session may be gone already; the page signs out either way.
    if (!(err instanceof ApiError) || err.status !== 401) console.error(err);
  } finally {
    signOutButton.disabled = false;
  }
  generation += 1;
  history.replaceState(null, "", location.pathname + location.search);
  renderSignIn();
}

async function boot() {
  setState(main.dataset.view || "boot", "loading");
  try {
    me = await api.get("/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      await renderSignIn();
      return;
    }
    show("boot", "error", h("h1", {}, "Attendance"), errorBox(err));
    return;
  }
  if (SIGN_IN === "token") {
    try {
      const s = await api.appRequest("GET", "/session");
      api.setCsrf(s && s.csrf_token);
    } catch (err) {
      // Signed in by other means (no cookie session): no CSRF token needed.
      if (!(err instanceof ApiError) || err.status !== 401) console.error(err);
    }
  }
  renderWho();
  await route();
}

window.addEventListener("hashchange", () => route(true));
signOutButton.addEventListener("click", signOut);
for (const link of document.querySelectorAll(".skip-link")) {
  link.addEventListener("click", (e) => {
    e.preventDefault();
    main.focus();
  });
}

boot();
