// Correction requests: an employee asks for a missing session or a change
// to one of theirs and sees their requests; a manager (or an admin)
// approves or rejects the open ones they may decide.

import { h, clear, errorBox, table, fmtDate, fmtTime, todayIso } from "../dom.js";
import { problemBox } from "../conflict.js";
import { zonedInstant } from "../time.js";

const STATE = { open: "Open", approved: "Approved", rejected: "Rejected" };

/** What a request asks for, in a line, times in `timeZone`. */
function describe(change, timeZone) {
  if (!change) return "";
  const t = (i) => fmtTime(i, timeZone);
  if (change.kind === "missing") {
    return `Missing session ${t(change.clock_in)}–${t(change.clock_out)}, ${change.work_mode}`;
  }
  const seen = change.seen || {};
  const parts = [];
  if (change.clock_in) parts.push(`in ${t(seen.clock_in)} → ${t(change.clock_in)}`);
  if (change.clock_out) parts.push(`out ${seen.clock_out ? t(seen.clock_out) : "open"} → ${t(change.clock_out)}`);
  if (change.work_mode) parts.push(`mode ${seen.work_mode} → ${change.work_mode}`);
  return `Change: ${parts.join("; ") || "nothing"}`;
}

function hhmm(iso, timeZone) {
  const t = fmtTime(iso, timeZone);
  return /^\d{2}:\d{2}$/.test(t) ? t : "";
}

/** The form and the list of one's own requests. */
async function mine(ctx, section, employee, query) {
  const team = await ctx.api.get(`/teams/${Number(employee.team_id)}`).catch(() => null);
  const timeZone = team ? team.timezone : undefined;
  const recent = await ctx.api.get("/attendance", { employee_id: employee.id, limit: 50 }).catch(() => ({ items: [] }));
  const sessions = recent.items || [];

  const kind = h(
    "select",
    { id: "request-kind", name: "kind" },
    h("option", { value: "missing" }, "A session I did not record"),
    h("option", { value: "change", disabled: sessions.length === 0 }, "A change to a recorded session"),
  );
  const date = h("input", { id: "request-date", name: "date", type: "date", value: todayIso(), max: todayIso() });
  const session = h(
    "select",
    { id: "request-session", name: "session_id" },
    sessions.map((s) =>
      h(
        "option",
        { value: s.id },
        `${fmtDate(s.work_date)}, ${fmtTime(s.clock_in, timeZone)}–${s.clock_out ? fmtTime(s.clock_out, timeZone) : "open"}, ${s.work_mode}`,
      ),
    ),
  );
  const clockIn = h("input", { id: "request-in", name: "clock_in", type: "time" });
  const clockOut = h("input", { id: "request-out", name: "clock_out", type: "time" });
  const mode = h(
    "select",
    { id: "request-mode", name: "work_mode" },
    h("option", { value: "", hidden: true }, "Keep as it is"),
    h("option", { value: "WFO" }, "Office (WFO)"),
    h("option", { value: "WFH" }, "Home (WFH)"),
  );
  const reason = h("textarea", { id: "request-reason", name: "reason", required: true, placeholder: "Why, for whoever decides" });
  const dateField = h("div", { class: "field" }, h("label", { for: "request-date" }, "Date"), date);
  const sessionField = h("div", { class: "field", hidden: true }, h("label", { for: "request-session" }, "Session"), session);
  const message = h("div", { id: "request-message" });
  const submit = h("button", { type: "submit", id: "request-submit" }, "Send request");

  const setKind = () => {
    const missing = kind.value === "missing";
    dateField.hidden = !missing;
    sessionField.hidden = missing;
    clockIn.required = missing;
    clockOut.required = missing;
    mode.options[0].hidden = missing;
    if (missing && mode.value === "") mode.value = "WFO";
    if (!missing) {
      mode.value = "";
      clockIn.value = "";
      clockOut.value = "";
    }
  };
  kind.addEventListener("change", setKind);
  if (query.session && sessions.some((s) => String(s.id) === String(query.session))) {
    kind.value = "change";
    session.value = String(query.session);
  }
  setKind();

  const body = () => {
    if (kind.value === "missing") {
      const clockInAt = zonedInstant(date.value, clockIn.value, timeZone);
      // A clock-out earlier than the clock-in is after midnight.
      const next = clockOut.value <= clockIn.value ? 1 : 0;
      return {
        kind: "missing",
        employee_id: employee.id,
        clock_in: clockInAt,
        clock_out: zonedInstant(date.value, clockOut.value, timeZone, next),
        work_mode: mode.value,
        reason: reason.value,
      };
    }
    const s = sessions.find((x) => String(x.id) === session.value);
    const b = { kind: "change", session_id: Number(session.value), reason: reason.value };
    if (clockIn.value) b.clock_in = zonedInstant(s.work_date, clockIn.value, timeZone);
    if (clockOut.value) {
      const inTime = clockIn.value || hhmm(s.clock_in, timeZone);
      b.clock_out = zonedInstant(s.work_date, clockOut.value, timeZone, inTime && clockOut.value <= inTime ? 1 : 0);
    }
    if (mode.value) b.work_mode = mode.value;
    return b;
  };

  const list = h("div", { class: "my-requests" });
  const loadMine = async () => {
    try {
      const page = await ctx.api.get("/attendance/requests", { employee_id: employee.id, limit: 50 });
      const rows = (page.items || []).map((r) => ({
        attrs: { "data-request-id": r.id, "data-state": r.state },
        cells: [fmtDate(r.work_date), describe(r.change, timeZone), r.reason, STATE[r.state] || r.state, r.decision_reason || ""],
      }));
      clear(list).append(
        table(["Date", "What", "Reason", "State", "Decision"], rows, { id: "my-requests" }, { empty: "No requests yet.", caption: "My requests, newest first" }),
      );
      if (page.next_cursor) list.append(h("p", { class: "muted" }, "Older requests are not shown."));
    } catch (err) {
      clear(list).append(errorBox(err));
    }
  };

  const form = h(
    "form",
    {
      id: "request-form",
      class: "panel",
      on: {
        submit: async (e) => {
          e.preventDefault();
          clear(message);
          if (kind.value === "change" && !clockIn.value && !clockOut.value && !mode.value) {
            message.append(h("div", { class: "alert", role: "alert" }, "Say what should change: a time or the work mode."));
            return;
          }
          submit.disabled = true;
          try {
            const created = await ctx.api.post("/attendance/requests", body());
            form.reset();
            date.value = todayIso();
            setKind();
            message.append(h("p", { class: "note", role: "status" }, `Request sent for ${fmtDate(created.work_date)}. It waits for a manager.`));
            ctx.status("Request sent.");
            await loadMine();
          } catch (err) {
            message.append(problemBox(err, { timeZone, teamName: (id) => (team && team.id === id ? team.name : `team ${id}`) }));
          } finally {
            submit.disabled = false;
          }
        },
      },
    },
    h("h2", {}, "Ask for a correction"),
    h("p", { class: "muted" }, `Times are local to ${timeZone || "this browser"}.`),
    h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "request-kind" }, "What is wrong"), kind), dateField, sessionField),
    h(
      "div",
      { class: "row" },
      h("div", { class: "field" }, h("label", { for: "request-in" }, "Clock-in"), clockIn),
      h("div", { class: "field" }, h("label", { for: "request-out" }, "Clock-out"), clockOut),
      h("div", { class: "field" }, h("label", { for: "request-mode" }, "Work mode"), mode),
    ),
    h("div", { class: "field" }, h("label", { for: "request-reason" }, "Reason"), reason),
    h("div", { class: "row" }, submit),
    message,
  );
  section.append(form, h("h2", {}, "My requests"), list);
  await loadMine();
}

/** The inbox of open requests the caller may decide. */
async function inbox(ctx, section) {
  const teams = await ctx.api.getAll("/teams").catch(() => []);
  const zones = new Map(teams.map((t) => [t.id, t.timezone]));
  const people = new Map();
  const person = async (id) => {
    if (!people.has(id)) people.set(id, ctx.api.get(`/employees/${Number(id)}`).catch(() => null));
    return people.get(id);
  };

  const out = h("div", { class: "inbox" });
  const more = h("button", { type: "button", id: "more-inbox", class: "secondary", hidden: true }, "More requests");
  let cursor = null;
  let tbody = null;

  const decide = async (row, request, action, reasonInput, rowMessage, buttons) => {
    clear(rowMessage);
    const reason = reasonInput.value.trim();
    if (action === "reject" && !reason) {
      rowMessage.append(h("span", { class: "alert inline", role: "alert" }, "Say why you reject it."));
      reasonInput.focus();
      return;
    }
    buttons.forEach((b) => (b.disabled = true));
    try {
      const done = await ctx.api.post(`/attendance/requests/${Number(request.id)}/${action}`, action === "reject" ? { reason } : {});
      row.dataset.state = done.request.state;
      const word = done.request.state === "approved" ? "Approved" : "Rejected";
      clear(row.lastChild).append(h("span", { class: "badge decided" }, word));
      reasonInput.disabled = true;
      ctx.status(`${word}: request ${request.id}.`);
    } catch (err) {
      const p = await person(request.employee_id);
      rowMessage.append(problemBox(err, { timeZone: p ? zones.get(p.team_id) : undefined, teamName: (id) => (teams.find((t) => t.id === id) || {}).name || `team ${id}` }));
      buttons.forEach((b) => (b.disabled = false));
    }
  };

  const addRows = async (items) => {
    const who = await Promise.all(items.map((r) => person(r.employee_id)));
    items.forEach((r, i) => {
      const p = who[i];
      const timeZone = p ? zones.get(p.team_id) : undefined;
      const reasonInput = h("input", { type: "text", name: "reason", id: `reject-reason-${Number(r.id)}`, placeholder: "Reason to reject" });
      const rowMessage = h("div", { class: "row-message" });
      const approve = h("button", { type: "button", "data-action": "approve" }, "Approve");
      const reject = h("button", { type: "button", "data-action": "reject", class: "danger" }, "Reject");
      const row = h(
        "tr",
        { "data-request-id": r.id, "data-state": r.state },
        h("td", {}, h("a", { href: `#/people/${Number(r.employee_id)}` }, p ? p.name : `Employee ${r.employee_id}`)),
        h("td", {}, fmtDate(r.work_date)),
        h("td", {}, describe(r.change, timeZone)),
        h("td", { class: "wrap" }, r.reason),
        h(
          "td",
          {},
          h("label", { for: reasonInput.id, class: "visually-hidden" }, `Why reject request ${r.id}`),
          reasonInput,
          rowMessage,
        ),
        h("td", { class: "actions" }, approve, " ", reject),
      );
      approve.addEventListener("click", () => ctx.busy(() => decide(row, r, "approve", reasonInput, rowMessage, [approve, reject])));
      reject.addEventListener("click", () => ctx.busy(() => decide(row, r, "reject", reasonInput, rowMessage, [approve, reject])));
      tbody.append(row);
    });
  };

  const load = async () => {
    const page = await ctx.api.get("/attendance/requests/inbox", { limit: 50, cursor });
    cursor = page.next_cursor || null;
    await addRows(page.items || []);
    more.hidden = !cursor;
    if (!tbody.children.length) tbody.append(h("tr", { class: "empty-row" }, h("td", { colspan: 6, class: "empty" }, "Nothing to decide.")));
  };
  more.addEventListener("click", () => ctx.busy(load, out));

  tbody = h("tbody");
  out.append(
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "inbox" },
        h("caption", { class: "visually-hidden" }, "Open requests to decide"),
        h("thead", {}, h("tr", {}, ["Employee", "Date", "What", "Reason", "Rejection reason", "Decide"].map((c) => h("th", { scope: "col" }, c)))),
        tbody,
      ),
    ),
    more,
  );
  section.append(h("h2", {}, "To decide"), out);
  try {
    await load();
  } catch (err) {
    out.append(errorBox(err));
  }
}

export async function render(main, ctx, params) {
  main.append(h("h1", {}, "Requests"));
  const decides = ctx.me.kind === "admin" || (ctx.me.manages || []).length > 0;
  if (decides) {
    const section = h("section", { class: "inbox-section", "aria-label": "Requests to decide" });
    main.append(section);
    await inbox(ctx, section);
  }
  if (ctx.me.employee) {
    const section = h("section", { class: "mine-section", "aria-label": "My requests" });
    main.append(section);
    await mine(ctx, section, ctx.me.employee, params || {});
  } else if (!decides) {
    main.append(h("p", { class: "muted" }, "Requests are made by employees for their own sessions."));
  }
}
