// One team: its trend (presence rate, hours, WFH share), its members, and
// its ledger over the chart's range.

import { h, clear, errorBox, table, fmtDate } from "../dom.js";
import { TEAM_METRICS, trendSection } from "../trend.js";
import { minutesAsHours, signedHours } from "../time.js";

function ledgerTable(ledger, names) {
  const hoursCells = (t) => [
    minutesAsHours(t.expected_minutes),
    minutesAsHours(t.worked_net_minutes),
    minutesAsHours(t.overtime_minutes),
    minutesAsHours(t.undertime_minutes),
    signedHours(t.balance_minutes),
  ];
  const rows = (ledger.employees || []).map((e) => ({
    attrs: { "data-employee-id": e.employee_id },
    cells: [h("a", { href: `#/people/${Number(e.employee_id)}` }, names.get(e.employee_id) || `Employee ${e.employee_id}`), ...hoursCells(e.totals)],
  }));
  const wrap = table(
    ["Employee", "Owed", "Worked", "Overtime", "Undertime", "Balance"],
    rows,
    { id: "ledger", class: "ledger" },
    { empty: "No members in this team.", caption: `Hours owed and worked, ${fmtDate(ledger.from)} to ${fmtDate(ledger.to)}` },
  );
  const t = wrap.querySelector("table");
  t.append(h("tfoot", {}, h("tr", { class: "total-row" }, h("th", {}, "Team"), hoursCells(ledger.totals).map((c) => h("td", {}, c)))));
  return wrap;
}

export async function render(main, ctx, params) {
  const id = Number(params.id);
  const team = await ctx.api.get(`/teams/${encodeURIComponent(params.id)}`);
  const members = await ctx.api.getAll("/employees", { team_id: id });
  members.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const names = new Map(members.map((m) => [m.id, m.name]));

  const ledgerOut = h("div", { class: "ledger-out" });
  const ledgerNote = h("p", { class: "muted" });
  let seq = 0;
  const loadLedger = async ({ from, to }) => {
    const mine = ++seq;
    ledgerOut.setAttribute("aria-busy", "true");
    try {
      const ledger = await ctx.api.get(`/ledger/teams/${id}`, { from, to });
      if (mine !== seq) return;
      clear(ledgerOut).append(ledgerTable(ledger, names));
      ledgerNote.textContent = `${fmtDate(ledger.from)} to ${fmtDate(ledger.to)}; balance counted from zero at the start.`;
    } catch (err) {
      if (mine !== seq) return;
      clear(ledgerOut).append(errorBox(err));
      ledgerNote.textContent = "";
    } finally {
      if (mine === seq) ledgerOut.removeAttribute("aria-busy");
    }
  };

  const trend = trendSection({
    api: ctx.api,
    path: `/trends/teams/${id}`,
    metrics: TEAM_METRICS,
    title: team.name,
    onRange: loadLedger,
    busy: ctx.busy,
  });

  main.append(
    h("h1", {}, team.name),
    h("p", { class: "muted" }, `${members.length} ${members.length === 1 ? "member" : "members"} · ${team.timezone} · late after ${team.late_after}`),
    trend.el,
    h(
      "section",
      { class: "members", "aria-labelledby": "members-heading" },
      h("h2", { id: "members-heading" }, "Members"),
      h(
        "ul",
        { id: "members", class: "link-list" },
        members.map((m) =>
          h("li", {}, h("a", { href: `#/people/${Number(m.id)}` }, m.name), h("span", { class: "muted" }, ` · ${m.role}${m.is_manager ? " · manager" : ""}`)),
        ),
      ),
      members.length ? null : h("p", { class: "empty" }, "No members."),
    ),
    h("section", { class: "ledger-section", "aria-labelledby": "ledger-heading" }, h("h2", { id: "ledger-heading" }, "Ledger"), ledgerNote, ledgerOut),
  );
  await Promise.all([trend.load(), loadLedger(trend.range())]);
}
