// Summaries: the daily or weekly text, who wrote it (the model or the
// template), and the facts it rests on one click away.

import { ApiError } from "../api.js";
import { addDays, clear, errorBox, fmtDate, h, isoWeek, options, table, todayIso } from "../dom.js";
import { teamChoices, teamOptions } from "./today.js";

const FALLBACK_WORDS = {
  llm_unavailable: "the model could not be asked or did not answer",
  empty_text: "the model answered with no text",
  ungrounded_number: "the model's text stated a number, date or time that is not in the facts",
  unknown_name: "the model's text named a person or team that is not in the facts",
  missing_headline: "the model's text left out a headline fact",
  internal: "the server could not hand the facts to the model",
};

function humanize(key) {
  const s = String(key).replace(/_/g, " ").replace(/\bwfh\b/gi, "WFH").replace(/\bwfo\b/gi, "WFO");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function isFlat(v) {
  return v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => x === null || typeof x !== "object");
}

/**
 * A record as one row: its scalars, and the members of a nested flat
 * record beside them (a weekly team's totals); null when it nests deeper.
 */
function flatten(r) {
  if (!r || typeof r !== "object" || Array.isArray(r)) return null;
  const row = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === null || typeof v !== "object") {
      row[k] = v;
    } else if (isFlat(v)) {
      for (const [k2, v2] of Object.entries(v)) row[k2 in r || k2 in row ? `${k} ${k2}` : k2] = v2;
    } else {
      return null;
    }
  }
  return row;
}

function scalar(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

/** Any JSON value as nested lists of text: keys humanized, nothing raw. */
export function factsView(value) {
  if (Array.isArray(value)) {
    if (!value.length) return h("span", { class: "muted" }, "none");
    // A list of like records (teams, late arrivals) reads best as a table.
    const records = value.map(flatten);
    if (records.every(Boolean)) {
      const keys = Object.keys(records[0]);
      if (records.every((r) => Object.keys(r).join() === keys.join())) {
        return table(keys.map(humanize), records.map((r) => keys.map((k) => scalar(r[k]))));
      }
    }
    return h("ul", {}, value.map((item) => h("li", {}, factsView(item))));
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    const flat = entries.every(([, v]) => v === null || typeof v !== "object");
    if (flat && entries.length <= 4) {
      return h("span", {}, entries.map(([k, v]) => `${humanize(k)}: ${scalar(v)}`).join(" · "));
    }
    return h("dl", { class: "facts" }, entries.map(([k, v]) => [h("dt", {}, humanize(k)), h("dd", {}, factsView(v))]));
  }
  return document.createTextNode(scalar(value));
}

function source(summary) {
  const model = summary.generated_by === "llm";
  const el = h("p", { id: "summary-source", "data-generated-by": model ? "model" : "template" },
    h("span", { class: `badge ${model ? "model" : "template"}` }, model ? "Written by the model" : "Written from the template"));
  if (!model && summary.fallback_reason) {
    el.append(" ", h("span", { class: "muted" },
      `The template wrote it because ${FALLBACK_WORDS[summary.fallback_reason] || "the model's text could not be used"}.`));
  } else if (model) {
    el.append(" ", h("span", { class: "muted" }, "Its numbers were checked against the facts below."));
  }
  return el;
}

export async function render(root, ctx, params) {
  const teams = await teamChoices(ctx);
  const today = todayIso();
  const kind = h("select", { id: "summary-kind", name: "kind" },
    options([{ value: "daily", label: "Daily" }, { value: "weekly", label: "Weekly" }], params.kind === "weekly" ? "weekly" : "daily"));
  const date = h("input", { id: "summary-date", name: "date", type: "date", required: true, value: /^\d{4}-\d{2}-\d{2}$/.test(params.date || "") ? params.date : today });
  const week = h("input", { id: "summary-week", name: "week", type: "week", required: true, pattern: "\\d{4}-W\\d{2}", placeholder: "2026-W10", value: /^\d{4}-W\d{2}$/.test(params.week || "") ? params.week : isoWeek(addDays(today, -7)) });
  const team = h("select", { id: "summary-team", name: "team" }, teamOptions(ctx, teams, params.team || ""));
  const dateField = h("div", { class: "field" }, h("label", { for: "summary-date" }, "Day"), date);
  const weekField = h("div", { class: "field" }, h("label", { for: "summary-week" }, "Week"), week);
  const out = h("div", { id: "summary-output" });

  function syncFields() {
    const weekly = kind.value === "weekly";
    dateField.hidden = weekly;
    weekField.hidden = !weekly;
  }
  syncFields();

  root.append(
    h("h1", {}, "Summaries"),
    h("form", { id: "summary-form", class: "toolbar", on: { submit: (e) => { e.preventDefault(); refresh(); } } },
      h("div", { class: "field" }, h("label", { for: "summary-kind" }, "Kind"), kind),
      dateField, weekField,
      h("div", { class: "field" }, h("label", { for: "summary-team" }, "Team"), team),
      h("button", { type: "submit", id: "summary-show", class: "secondary" }, "Show")),
    out);

  // The key of the latest request: setting a control to the value it
  // already has asks nothing again (each summary may cost a model call and
  // counts against the rate limit).
  let requested = null;
  const key = () => `${kind.value}|${kind.value === "weekly" ? week.value : date.value}|${team.value}`;

  async function load(isCurrent = () => true) {
    const weekly = kind.value === "weekly";
    const value = weekly ? week.value : date.value;
    if (!value) return;
    const summary = weekly
      ? await ctx.api.get("/summaries/weekly", { week: value, team_id: team.value })
      : await ctx.api.get("/summaries/daily", { date: value, team_id: team.value });
    if (!isCurrent()) return;
    const f = summary.facts;
    const scope = f.scope === "company" ? "the company" : f.scope;
    const when = weekly ? `week ${f.week} (${fmtDate(f.from)} to ${fmtDate(f.to)})` : fmtDate(f.date);
    clear(out).append(
      h("section", { class: "panel" },
        h("h2", {}, `${weekly ? "Weekly" : "Daily"} summary for ${scope}, ${when}`),
        source(summary),
        h("p", { id: "summary-text", class: "summary-text" }, summary.text),
        h("details", { id: "summary-facts" },
          h("summary", {}, "The facts this summary rests on"),
          factsView(f))));
  }
  function refresh(force = true) {
    if (!force && key() === requested) return undefined;
    requested = key();
    return ctx.busy(load, out);
  }
  kind.addEventListener("change", () => {
    syncFields();
    refresh(false);
  });
  for (const el of [date, week, team]) el.addEventListener("change", () => refresh(false));

  requested = key();
  try {
    await load();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 404)) throw err;
    // Keep the form so another day, week or team can be picked.
    out.append(errorBox(err));
    return "error";
  }
  return "ready";
}
