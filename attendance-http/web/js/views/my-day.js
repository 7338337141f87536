// My day: clock in (office or home) and out with one press, today's
// sessions, this week's hours and the employee's own trend.

import { chart } from "../chart.js";
import { addDays, clear, errorBox, fmtDate, fmtHours, fmtTime, h, mondayOf, table, todayIso } from "../dom.js";

const MODE_WORDS = { WFO: "Office", WFH: "Home" };
const TREND_WEEKS = 12;

function minutesBetween(from, to) {
  return Math.max(0, Math.round((new Date(to) - new Date(from)) / 60000));
}

function fmtDuration(minutes) {
  const hrs = Math.floor(minutes / 60);
  const mins = minutes % 60;
  return hrs ? `${hrs} h ${String(mins).padStart(2, "0")} min` : `${mins} min`;
}

function conflictWords(err, tz) {
  const body = err && err.body ? err.body : {};
  switch (body.conflict) {
    case "already_clocked_in": {
      const open = body.open_session;
      return open ? `You are already clocked in, since ${fmtTime(open.clock_in, tz)} on ${fmtDate(open.work_date)}.` : "You are already clocked in.";
    }
    case "not_clocked_in":
      return "You are not clocked in, so there is nothing to clock out of.";
    case "period_locked":
      return "This day is in a closed (locked) period; ask your manager for a correction.";
    default:
      return null;
  }
}

async function settle(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

export async function render(root, ctx) {
  const employee = ctx.me.employee;
  if (!employee) {
    root.appendChild(h("h1", {}, "My day"));
    root.appendChild(h("p", {}, "This sign-in has no employee record, so there is nothing to clock."));
    return;
  }
  const id = employee.id;
  const team = await settle(ctx.api.get(`/teams/${employee.team_id}`));
  const tz = team.ok && team.value ? team.value.timezone : undefined;

  const heading = h("h1", {}, "My day");
  const subtitle = h("p", { class: "muted" });
  const clockState = h("p", { id: "clock-state", class: "clock-state" });
  const message = h("div", { id: "clock-message" });
  const buttons = {
    wfo: h("button", { id: "clock-in-wfo", type: "button" }, "Clock in at the office"),
    wfh: h("button", { id: "clock-in-wfh", type: "button" }, "Clock in from home"),
    out: h("button", { id: "clock-out", type: "button", class: "secondary" }, "Clock out"),
  };
  const sessionsBox = h("div");
  const weekBox = h("div");
  const trendBox = h("div");

  root.append(
    heading, subtitle,
    h("section", { class: "panel", "aria-labelledby": "clock-heading" },
      h("h2", { id: "clock-heading" }, "Clock"),
      clockState,
      h("div", { class: "big-buttons" }, buttons.wfo, buttons.wfh, buttons.out),
      message),
    h("div", { class: "cols" },
      h("section", { class: "panel", "aria-labelledby": "sessions-heading" },
        h("h2", { id: "sessions-heading" }, "Today's sessions"), sessionsBox),
      h("section", { class: "panel", "aria-labelledby": "week-heading" },
        h("h2", { id: "week-heading" }, "This week"), weekBox)),
    h("section", { class: "panel", "aria-labelledby": "trend-heading" },
      h("h2", { id: "trend-heading" }, "My hours by week"), trendBox),
  );

  let open = null;

  async function load() {
    const today = todayIso(tz);
    const monday = mondayOf(today);
    const trendFrom = addDays(monday, -7 * (TREND_WEEKS - 1));
    const [todays, latest, ledger, trend] = await Promise.all([
      ctx.api.get("/attendance", { employee_id: id, from: today, to: today, limit: 100 }),
      ctx.api.get("/attendance", { employee_id: id, limit: 1 }),
      settle(ctx.api.get(`/ledger/employees/${id}`, { from: monday, to: today })),
      settle(ctx.api.get(`/trends/employees/${id}`, { from: trendFrom, to: addDays(monday, 6), granularity: "week" })),
    ]);

    const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    subtitle.textContent = `${employee.name} · ${fmtDate(today)}` +
      (tz && tz !== browserZone ? ` · times in ${tz}, your team's time zone` : "");
    const newest = latest.items && latest.items[0];
    open = newest && !newest.clock_out ? newest : null;
    buttons.wfo.disabled = Boolean(open);
    buttons.wfh.disabled = Boolean(open);
    buttons.out.disabled = !open;
    clear(clockState);
    if (open && open.work_date !== today) {
      clockState.append(
        h("strong", {}, `Your session of ${fmtDate(open.work_date)} is still open`),
        ` (clocked in at ${fmtTime(open.clock_in, tz)}, ${MODE_WORDS[open.work_mode] || open.work_mode}). `,
        "Clock out to close it, or ask for a correction under Requests.");
    } else if (open) {
      clockState.append(h("strong", {}, "You are clocked in"),
        ` since ${fmtTime(open.clock_in, tz)}, ${open.work_mode === "WFH" ? "from home" : "at the office"}.`);
    } else {
      clockState.append(h("strong", {}, "You are not clocked in."));
    }

    const sessions = [...(todays.items || [])].sort((a, b) => a.clock_in.localeCompare(b.clock_in));
    clear(sessionsBox).append(table(
      ["In", "Out", "Where", "Duration"],
      sessions.map((s) => ({
        attrs: { "data-session-id": s.id },
        cells: [
          fmtTime(s.clock_in, tz),
          s.clock_out ? fmtTime(s.clock_out, tz) + (s.auto_closed ? " (closed automatically)" : "") : "still open",
          MODE_WORDS[s.work_mode] || s.work_mode,
          s.clock_out ? fmtDuration(minutesBetween(s.clock_in, s.clock_out)) : `${fmtDuration(minutesBetween(s.clock_in, new Date().toISOString()))} so far`,
        ],
      })),
      { id: "today-sessions" },
      { empty: "No sessions today yet.", caption: "Today's sessions" },
    ));

    clear(weekBox);
    if (ledger.ok) {
      const t = ledger.value.totals;
      weekBox.append(
        h("div", { class: "grid" },
          h("div", { class: "card" }, h("div", { class: "label" }, "Worked"), h("div", { class: "value", id: "week-hours" }, fmtHours(t.worked_net_hours))),
          h("div", { class: "card" }, h("div", { class: "label" }, "Owed so far"), h("div", { class: "value" }, fmtHours(t.expected_hours))),
          h("div", { class: "card" }, h("div", { class: "label" }, "Overtime"), h("div", { class: "value" }, fmtHours(t.overtime_hours)))),
        h("p", { class: "muted" }, `From ${fmtDate(monday)} to today, after break deductions; an open session counts up to now.`));
    } else {
      // Without the ledger, the trend's closed sessions still give the week's hours.
      const points = trend.ok ? trend.value.points : [];
      const week = points.length ? points[points.length - 1].hours_worked : null;
      weekBox.append(
        h("div", { class: "grid" },
          h("div", { class: "card" }, h("div", { class: "label" }, "Worked"), h("div", { class: "value", id: "week-hours" }, fmtHours(week)))),
        h("p", { class: "muted" }, "Closed sessions only."),
        errorBox(ledger.error));
    }

    clear(trendBox);
    if (trend.ok) {
      trendBox.append(chart({
        title: "Hours worked per week",
        points: trend.value.points.map((p) => ({ label: p.label, value: p.hours_worked })),
        unit: "h",
        format: (v) => fmtHours(v),
      }));
    } else {
      trendBox.append(errorBox(trend.error));
    }
  }

  async function clock(action, mode) {
    for (const b of Object.values(buttons)) b.disabled = true;
    clear(message);
    const body = action === "in" ? { employee_id: id, work_mode: mode } : { employee_id: id };
    let done = null;
    try {
      done = await ctx.api.post(`/attendance/clock-${action}`, body);
    } catch (err) {
      const words = conflictWords(err, tz);
      message.append(words ? h("div", { class: "alert", role: "alert" }, words) : errorBox(err));
    }
    await ctx.busy(load, message);
    if (done) {
      const text = action === "in"
        ? `Clocked in at ${fmtTime(done.clock_in, tz)}, ${mode === "WFH" ? "from home" : "at the office"}.`
        : `Clocked out at ${fmtTime(done.clock_out, tz)}.`;
      message.append(h("p", { class: "note" }, text));
      ctx.status(text);
    }
  }

  buttons.wfo.addEventListener("click", () => clock("in", "WFO"));
  buttons.wfh.addEventListener("click", () => clock("in", "WFH"));
  buttons.out.addEventListener("click", () => clock("out"));

  await load();
}
