// DOM helpers. Every value from the data becomes a text node or a property
// set through a known attribute name, so markup in a name stays text.

const BOOLEAN_PROPS = new Set(["disabled", "hidden", "required", "selected", "checked", "open", "multiple", "readonly", "autofocus"]);
const NAME_RE = /^[a-z][a-z0-9-]*$/;

function append(el, child) {
  if (child === null || child === undefined || child === false || child === true) return;
  if (Array.isArray(child)) {
    for (const c of child) append(el, c);
  } else if (child instanceof Node) {
    el.appendChild(child);
  } else {
    el.appendChild(document.createTextNode(String(child)));
  }
}

/**
 * Creates an element: `h("button", {type: "button", on: {click: fn}}, "Go")`.
 * Refuses attribute names that would run code or style (`on*`, `style`).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "on") {
      for (const [type, fn] of Object.entries(value || {})) el.addEventListener(type, fn);
      continue;
    }
    const name = key.toLowerCase();
    if (name.startsWith("on") || name === "style" || !NAME_RE.test(name)) {
      throw new Error(`h(): attribute "${key}" is not allowed`);
    }
    if (value === null || value === undefined || value === false) {
      if (BOOLEAN_PROPS.has(name)) el[name] = false;
      continue;
    }
    if (name === "class") {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : String(value);
    } else if (name === "for") {
      el.htmlFor = String(value);
    } else if (BOOLEAN_PROPS.has(name)) {
      // The attribute too: a detached <option> keeps it when inserted.
      el.setAttribute(name, "");
      el[name] = Boolean(value);
    } else if (name === "value") {
      el.value = String(value);
      el.setAttribute("value", String(value));
    } else if (name === "href") {
      const href = String(value);
      if (/^\s*(javascript|data|vbscript):/i.test(href)) throw new Error("h(): unsafe href");
      el.setAttribute("href", href);
    } else {
      el.setAttribute(name, String(value));
    }
  }
  for (const c of children) append(el, c);
  return el;
}

/** Removes every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** `7.5` → "7.5 h"; one decimal at most; "–" when unknown. */
export function fmtHours(hours) {
  if (hours === null || hours === undefined || Number.isNaN(Number(hours))) return "–";
  const n = Math.round(Number(hours) * 10) / 10;
  return `${n.toLocaleString("en", { maximumFractionDigits: 1 })} h`;
}

/** A share 0..1 as "42 %"; "–" when unknown. */
export function fmtPercent(share) {
  if (share === null || share === undefined || Number.isNaN(Number(share))) return "–";
  return `${Math.round(Number(share) * 1000) / 10} %`;
}

/** "2026-03-02" → "Mon 2 Mar 2026" (a calendar date, no time zone shift). */
export function fmtDate(iso) {
  if (!iso) return "–";
  const d = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T00:00:00Z`) : new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const opts = { weekday: "short", day: "numeric", month: "short", year: "numeric" };
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) opts.timeZone = "UTC";
  return new Intl.DateTimeFormat("en-GB", opts).format(d);
}

/** An instant as "HH:MM" in `timeZone` (the browser's when absent). */
export function fmtTime(isoInstant, timeZone) {
  if (!isoInstant) return "–";
  const d = new Date(isoInstant);
  if (Number.isNaN(d.getTime())) return String(isoInstant);
  const opts = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  if (timeZone) opts.timeZone = timeZone;
  try {
    return new Intl.DateTimeFormat("en-GB", opts).format(d);
  } catch {
    delete opts.timeZone;
    return new Intl.DateTimeFormat("en-GB", opts).format(d);
  }
}

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

/** Today's calendar date, "YYYY-MM-DD", in `timeZone` (the browser's when absent). */
export function todayIso(timeZone) {
  const d = new Date();
  if (timeZone) {
    try {
      const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(d);
      const get = (t) => parts.find((p) => p.type === t).value;
      return `${get("year")}-${get("month")}-${get("day")}`;
    } catch {
      // An unknown zone falls back to the browser's.
    }
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function parseDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso));
  if (!m) throw new Error(`not a date: ${iso}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

function formatDate(d) {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `iso` plus `n` days (negative goes back). */
export function addDays(iso, n) {
  const d = parseDate(iso);
  d.setUTCDate(d.getUTCDate() + n);
  return formatDate(d);
}

/** The Monday of the ISO week holding `iso`. */
export function mondayOf(iso) {
  const d = parseDate(iso);
  const dow = (d.getUTCDay() + 6) % 7;
  return addDays(iso, -dow);
}

/** The ISO week of a date: "2026-W10". */
export function isoWeek(dateIso) {
  const d = parseDate(dateIso);
  const dow = (d.getUTCDay() + 6) % 7;
  // The Thursday of the week decides its year.
  d.setUTCDate(d.getUTCDate() - dow + 3);
  const year = d.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week1Monday = new Date(jan4);
  week1Monday.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() + 6) % 7));
  const week = 1 + Math.round((d - week1Monday) / (7 * 86400000) - 3 / 7);
  return `${year}-W${pad(week)}`;
}

/** The Monday of an ISO week "2026-W10" as "YYYY-MM-DD". */
export function weekMonday(week) {
  const m = /^(\d{4})-W(\d{2})$/.exec(String(week));
  if (!m) throw new Error(`not a week: ${week}`);
  const jan4 = new Date(Date.UTC(Number(m[1]), 0, 4));
  jan4.setUTCDate(jan4.getUTCDate() - ((jan4.getUTCDay() + 6) % 7) + (Number(m[2]) - 1) * 7);
  return formatDate(jan4);
}

const STATUS_WORDS = {
  0: "The server could not be reached. Check the connection and try again.",
  400: "The request was not understood.",
  401: "You are not signed in, or your session has ended. Sign in again.",
  403: "You are not allowed to do this.",
  404: "Not found, or not yours to see.",
  409: "This conflicts with the current state.",
  413: "The request is too large.",
  415: "The request was not sent in a form the server accepts.",
  422: "The server could not accept this.",
  423: "This period is locked.",
  429: "Too many requests just now. Wait a moment and try again.",
  503: "A service the server needs is unavailable. Try again shortly.",
};

/** Plain words for an error: the problem's detail, else the status's meaning. */
export function explainError(err) {
  const status = err && typeof err.status === "number" ? err.status : null;
  const general = status !== null
    ? (STATUS_WORDS[status] || (status >= 500 ? "The server had a problem. Try again later." : "The request failed."))
    : "Something went wrong.";
  const title = err && err.title ? String(err.title) : null;
  const detail = err && err.detail ? String(err.detail) : null;
  return { general, title, detail };
}

/** An element with role="alert" saying what went wrong in plain words. */
export function errorBox(err) {
  const { general, title, detail } = explainError(err);
  const fields = err && err.body && Array.isArray(err.body.errors) ? err.body.errors : [];
  return h("div", { class: "alert", role: "alert" },
    h("strong", {}, title || general),
    detail ? h("p", {}, detail) : null,
    fields.length ? h("ul", {}, fields.map((f) => h("li", {}, `${f.field}: ${f.detail}`))) : null,
    title && title !== general ? h("p", { class: "small" }, general) : null,
  );
}

function cell(tag, content) {
  if (content && typeof content === "object" && !(content instanceof Node) && !Array.isArray(content)) {
    const { content: inner, ...attrs } = content;
    return h(tag, attrs, inner);
  }
  return h(tag, {}, content);
}

/**
 * A table in a scrolling `.table-wrap`. `columns`: strings or
 * `{content, class}`; `rows`: arrays of cells, or `{attrs, cells}` to set
 * the row's attributes (e.g. `data-session-id`); a cell is text, a node, or
 * `{content, class}`. `attrs` go on the `<table>`; `opts.empty` is shown in
 * one row when there are no rows; `opts.caption` becomes the caption.
 */
export function table(columns, rows, attrs = {}, opts = {}) {
  const thead = h("thead", {}, h("tr", {}, columns.map((c) => {
    const th = cell("th", c);
    th.setAttribute("scope", "col");
    return th;
  })));
  const tbody = h("tbody");
  for (const row of rows) {
    const spec = Array.isArray(row) ? { attrs: {}, cells: row } : row;
    tbody.appendChild(h("tr", spec.attrs || {}, spec.cells.map((c) => cell("td", c))));
  }
  if (rows.length === 0 && opts.empty) {
    tbody.appendChild(h("tr", { class: "empty-row" }, h("td", { colspan: Math.max(columns.length, 1), class: "empty" }, opts.empty)));
  }
  const t = h("table", attrs, opts.caption ? h("caption", { class: "visually-hidden" }, opts.caption) : null, thead, tbody);
  return h("div", { class: "table-wrap" }, t);
}

let fieldSeq = 0;

/** A label and its control in a `.field`; gives the control an id if it has none. */
export function field(labelText, control) {
  if (!control.id) {
    fieldSeq += 1;
    control.id = `field-${fieldSeq}`;
  }
  return h("div", { class: "field" }, h("label", { for: control.id }, labelText), control);
}

/** An `<option>` list: `[{value, label}]`, the one equal to `selected` chosen. */
export function options(list, selected) {
  return list.map((o) => h("option", { value: o.value, selected: String(o.value) === String(selected) }, o.label));
}
