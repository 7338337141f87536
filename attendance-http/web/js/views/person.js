// One employee: their sessions, newest first, a page at a time; their
// trend; and their ledger day by day with the running balance.

import { h, clear, errorBox, table, fmtDate, fmtTime, fmtHours } from "../dom.js";
import { PERSON_METRICS, trendSection } from "../trend.js";
import { minutesAsHours, signedHours } from "../time.js";

const PAGE = 20;
const ABSENCE = { vacation: "Vacation", sick: "Sick leave", other: "Other absence" };

function sessionRow(s, timeZone, own) {
  const hours = s.clock_out ? (Date.parse(s.clock_out) - Date.parse(s.clock_in)) / 3600000 : null;
  const note = s.clock_out ? (s.auto_closed ? "Closed by the forgotten clock-out policy" : "") : "Open";
  return {
    attrs: { "data-session-id": s.id },
    cells: [
      fmtDate(s.work_date),
      fmtTime(s.clock_in, timeZone),
      s.clock_out ? fmtTime(s.clock_out, timeZone) : "–",
      s.work_mode,
      hours === null ? "–" : fmtHours(hours),
      note,
      // Only the employee asks for a change to their own session.
      own ? h("a", { href: `#/requests?session=${Number(s.id)}` }, "Ask for a change") : null,
    ].filter((c) => c !== null),
  };
}

function dayNote(d) {
  const notes = [];
  if (d.holiday) notes.push(d.holiday === "full" ? "Holiday" : "Half holiday");
  if (d.absence) notes.push(`${ABSENCE[d.absence.kind] || "Absence"}${d.absence.portion === "full" ? "" : " (half day)"}`);
  if (d.absent_without_leave) notes.push("Absent without leave");
  if (d.late) notes.push("Late");
  if (d.open) notes.push("Open session");
  return notes.join(", ");
}

function ledgerTable(ledger) {
  const rows = (ledger.days || []).map((d) => ({
    attrs: { "data-date": d.date },
    cells: [fmtDate(d.date), minutesAsHours(d.expected_minutes), minutesAsHours(d.worked_net_minutes + d.absence_credit_minutes), signedHours(d.balance_minutes), dayNote(d)],
  }));
  const wrap = table(
    ["Date", "Owed", "Worked or credited", "Balance", "Note"],
    rows,
    { id: "ledger", class: "ledger" },
    { empty: "No days in this range.", caption: "Hours owed and worked, day by day, with the running balance" },
  );
  const t = ledger.totals;
  wrap.querySelector("table").append(
    h(
      "tfoot",
      {},
      h(
        "tr",
        { class: "total-row" },
        h("th", {}, "Total"),
        h("td", {}, minutesAsHours(t.expected_minutes)),
        h("td", {}, minutesAsHours(t.worked_net_minutes + t.absence_credit_minutes)),
        h("td", { id: "balance" }, signedHours(t.balance_minutes)),
        h("td", {}, `Overtime ${minutesAsHours(t.overtime_minutes)}, undertime ${minutesAsHours(t.undertime_minutes)}`),
      ),
    ),
  );
  return wrap;
}

export async function render(main, ctx, params) {
  const id = Number(params.id);
  const person = await ctx.api.get(`/employees/${encodeURIComponent(params.id)}`);
  // Times read in the team's zone; a caller who may not read the team
  // (an employee of another team's manager is fine, others not) gets the
  // browser's zone.
  const team = await ctx.api.get(`/teams/${Number(person.team_id)}`).catch(() => null);
  const timeZone = team ? team.timezone : undefined;
  const canSeeTeam = ctx.me.kind === "admin" || (ctx.me.manages || []).map(Number).includes(Number(person.team_id));

  // Sessions, a page at a time.
  const own = Boolean(ctx.me.employee && Number(ctx.me.employee.id) === id);
  const columns = ["Date", "In", "Out", "Mode", "Hours", "Note", own ? "Correction" : null].filter(Boolean);
  const tbody = h("tbody");
  const sessionsTable = h(
    "table",
    { id: "sessions" },
    h("caption", { class: "visually-hidden" }, `Sessions of ${person.name}, newest first`),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    tbody,
  );
  const sessionsError = h("div");
  let cursor = null;
  const more = h("button", { type: "button", id: "more-sessions", hidden: true }, "More sessions");
  const loadSessions = async () => {
    more.disabled = true;
    try {
      const page = await ctx.api.get("/attendance", { employee_id: id, limit: PAGE, cursor });
      for (const s of page.items || []) {
        const r = sessionRow(s, timeZone, own);
        tbody.append(h("tr", r.attrs, r.cells.map((c) => h("td", {}, c))));
      }
      if (!tbody.children.length) tbody.append(h("tr", { class: "empty-row" }, h("td", { colspan: columns.length, class: "empty" }, "No sessions yet.")));
      cursor = page.next_cursor || null;
      // Removing the button (not only hiding it) tells the tests and
      // screen readers alike that there is nothing more.
      if (cursor) {
        more.hidden = false;
        if (!more.isConnected) sessionsSection.append(more);
      } else {
        more.remove();
      }
      clear(sessionsError);
    } catch (err) {
      clear(sessionsError).append(errorBox(err));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", async () => {
    await loadSessions();
    ctx.status(`${tbody.querySelectorAll("tr[data-session-id]").length} sessions shown`);
  });
  const sessionsSection = h(
    "section",
    { class: "sessions", "aria-labelledby": "sessions-heading" },
    h("h2", { id: "sessions-heading" }, "Sessions"),
    sessionsError,
    h("div", { class: "table-wrap" }, sessionsTable),
  );

  // Ledger over the chart's range.
  const ledgerOut = h("div", { class: "ledger-out" });
  let seq = 0;
  const loadLedger = async ({ from, to }) => {
    const mine = ++seq;
    try {
      const ledger = await ctx.api.get(`/ledger/employees/${id}`, { from, to });
      if (mine !== seq) return;
      clear(ledgerOut).append(
        h("p", { class: "balance-line" }, `Balance at ${fmtDate(ledger.to)}: `, h("strong", {}, signedHours(ledger.totals.balance_minutes)), ` (from zero at ${fmtDate(ledger.from)})`),
        ledgerTable(ledger),
      );
    } catch (err) {
      if (mine === seq) clear(ledgerOut).append(errorBox(err));
    }
  };

  const trend = trendSection({ api: ctx.api, path: `/trends/employees/${id}`, metrics: PERSON_METRICS, title: person.name, onRange: loadLedger, busy: ctx.busy });

  main.append(
    h("h1", {}, person.name),
    h(
      "p",
      { class: "muted" },
      person.role,
      person.is_manager ? " · manager" : "",
      " · ",
      canSeeTeam ? h("a", { href: `#/teams/${Number(person.team_id)}` }, team ? team.name : `Team ${person.team_id}`) : team ? team.name : `Team ${person.team_id}`,
    ),
    sessionsSection,
    trend.el,
    h("section", { class: "ledger-section", "aria-labelledby": "ledger-heading" }, h("h2", { id: "ledger-heading" }, "Ledger and balance"), ledgerOut),
  );
  await Promise.all([loadSessions(), trend.load(), loadLedger(trend.range())]);
}
