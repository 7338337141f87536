// Today: who is present, absent, late, at home or at the office, still
// clocked in or with a forgotten clock-out, for one team or all in scope.
// The figures come from /summaries/daily/facts (no model call).

import { clear, fmtDate, fmtHours, h, options, table, todayIso } from "../dom.js";

const LIST_OPEN_UP_TO = 10;

/** The teams a principal may pick: all for an admin, the managed ones otherwise. */
export async function teamChoices(ctx) {
  const teams = await ctx.api.getAll("/teams");
  const mine = ctx.me.kind === "admin" ? teams : teams.filter((t) => (ctx.me.manages || []).includes(t.id));
  return mine.sort((a, b) => a.name.localeCompare(b.name));
}

/** The options of a team select: the whole scope first, then each team. */
export function teamOptions(ctx, teams, selected) {
  const all = ctx.me.kind === "admin" ? "Company" : "All my teams";
  return options([{ value: "", label: all }, ...teams.map((t) => ({ value: t.id, label: t.name }))], selected);
}

function names(list, label) {
  if (!list.length) return null;
  const ul = h("ul", { "aria-label": label }, list.map((n) => h("li", {}, n)));
  if (list.length <= LIST_OPEN_UP_TO) return ul;
  return h("details", {}, h("summary", {}, `Show ${list.length} names`), ul);
}

function metric(name, label, value, list, note) {
  return h("div", { class: "card", "data-card": name },
    h("div", { class: "label", id: `metric-${name}-label` }, label),
    h("div", { class: "value", "data-metric": name, "aria-describedby": `metric-${name}-label` }, String(value)),
    note ? h("div", { class: "muted small" }, note) : null,
    list ? names(list, label) : null);
}

/** "company", "your teams" or a team's name, as a heading starts it. */
export function scopeName(scope) {
  const s = String(scope || "");
  return s === "company" || s === "your teams" ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

function percent(p) {
  return p === null || p === undefined ? "–" : `${p} %`;
}

function renderFacts(box, f) {
  const late = f.late_arrivals || [];
  const still = f.still_clocked_in || [];
  const forgotten = f.forgotten_clock_outs || [];
  clear(box).append(
    h("p", { class: "muted", id: "today-scope" },
      `${scopeName(f.scope)} · ${fmtDate(f.date)} · attendance ${percent(f.attendance_percent)}` +
      (f.average_clock_in ? ` · average first clock-in ${f.average_clock_in}` : "") +
      ` · ${fmtHours(f.hours_worked)} worked in closed sessions`),
    h("div", { class: "grid metrics" },
      metric("headcount", "Headcount", f.headcount),
      metric("present", "Present", f.present),
      metric("absent", "Absent", f.absent, f.absent_names || []),
      metric("late", "Late", late.length, late.map((l) => `${l.name} (${l.team}) at ${l.clock_in}`)),
      metric("wfh", "Working from home", f.wfh),
      metric("wfo", "At the office", f.wfo),
      metric("still_clocked_in", "Still clocked in", still.length, still),
      metric("forgotten_clock_outs", "Forgotten clock-outs", forgotten.length,
        forgotten.map((x) => `${x.name}, open since ${fmtDate(x.work_date)}`),
        "Sessions left open on earlier days")),
  );
  if (f.auto_closed && f.auto_closed.length) {
    box.append(h("p", { class: "muted" }, `Closed automatically by the forgotten clock-out policy: ${f.auto_closed.join(", ")}.`));
  }
  if (f.teams && f.teams.length) {
    box.append(h("h2", {}, "By team"), table(
      ["Team", { content: "Headcount", class: "num" }, { content: "Present", class: "num" }, { content: "Absent", class: "num" },
        { content: "WFH", class: "num" }, { content: "WFO", class: "num" }, { content: "Late", class: "num" }],
      f.teams.map((t) => [t.team, ...[t.headcount, t.present, t.absent, t.wfh, t.wfo, t.late].map((n) => ({ content: n, class: "num" }))]),
      { id: "today-teams" },
      { caption: "Today by team" }));
  }
}

export async function render(root, ctx, params) {
  const teams = await teamChoices(ctx);
  const date = h("input", { id: "today-date", name: "date", type: "date", value: /^\d{4}-\d{2}-\d{2}$/.test(params.date || "") ? params.date : todayIso(), required: true });
  const team = h("select", { id: "today-team", name: "team" }, teamOptions(ctx, teams, params.team || ""));
  const box = h("div", { id: "today-figures" });

  root.append(
    h("h1", {}, "Today"),
    h("form", { class: "toolbar", id: "today-form", on: { submit: (e) => { e.preventDefault(); refresh(); } } },
      h("div", { class: "field" }, h("label", { for: "today-date" }, "Date"), date),
      h("div", { class: "field" }, h("label", { for: "today-team" }, "Team"), team),
      h("button", { type: "submit", class: "secondary" }, "Refresh")),
    box);

  // The key of the latest request: setting a control to the value it
  // already has asks nothing again.
  let requested = null;
  const key = () => `${date.value}|${team.value}`;

  async function load(isCurrent = () => true) {
    if (!date.value) return;
    const facts = await ctx.api.get("/summaries/daily/facts", { date: date.value, team_id: team.value });
    if (isCurrent()) renderFacts(box, facts);
  }
  function refresh(force = true) {
    if (!force && key() === requested) return undefined;
    requested = key();
    return ctx.busy(load, box);
  }
  date.addEventListener("change", () => refresh(false));
  team.addEventListener("change", () => refresh(false));

  requested = key();
  await load();
}
