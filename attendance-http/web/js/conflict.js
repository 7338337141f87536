// Plain words for the API's refusals that the team, request and period
// views meet: a conflict names what is in the way, so say it.

import { h, errorBox, fmtDate, fmtTime } from "./dom.js";

function lockText(lock, teamName) {
  if (!lock) return "a locked period";
  const who = lock.team_id === null || lock.team_id === undefined ? "the whole company" : teamName(lock.team_id);
  return `${fmtDate(lock.from)} to ${fmtDate(lock.to)} for ${who}`;
}

function sessionText(s, timeZone) {
  if (!s) return "";
  const out = s.clock_out ? fmtTime(s.clock_out, timeZone) : "still open";
  return `${fmtDate(s.work_date)}, ${fmtTime(s.clock_in, timeZone)} to ${out}, ${s.work_mode}`;
}

/** The sentence for a 409 of the API, or null for any other error. */
export function conflictText(err, { teamName = (id) => `team ${id}`, timeZone } = {}) {
  const body = err && err.body && typeof err.body === "object" ? err.body : null;
  if (!err || err.status !== 409 || !body) return null;
  switch (body.conflict) {
    case "period_locked":
      return `That work date is locked (${lockText(body.lock, teamName)}). An admin has to reopen the period first.`;
    case "lock_overlap":
      return `A lock already covers part of these dates (${lockText(body.existing_lock, teamName)}). Reopen it or choose other dates.`;
    case "open_sessions": {
      const open = Array.isArray(body.open_sessions) ? body.open_sessions : [];
      return `${open.length || "Some"} ${open.length === 1 ? "session is" : "sessions are"} still open in these dates. They have to be clocked out or corrected before the period is locked.`;
    }
    case "request_stale":
      return `The session changed after the request was made${body.current_session ? ` (it is now ${sessionText(body.current_session, timeZone)})` : ""}. The request no longer fits it: reject it and ask for a new one.`;
    case "request_decided": {
      const state = body.request && body.request.state ? body.request.state : "decided";
      return `Someone already decided this request (${state}).`;
    }
    case "overlap":
      return `It would overlap another session${body.existing_session ? ` (${sessionText(body.existing_session, timeZone)})` : ""}.`;
    default:
      return body.detail || "This conflicts with the current state.";
  }
}

/** An alert for any API error, with a conflict said in plain words. */
export function problemBox(err, opts) {
  const text = conflictText(err, opts);
  if (!text) return errorBox(err);
  const box = h("div", { class: "alert", role: "alert" }, h("strong", {}, "Not done"), h("p", {}, text));
  const open = err.body && Array.isArray(err.body.open_sessions) ? err.body.open_sessions : [];
  if (open.length) {
    box.append(
      h(
        "ul",
        { class: "open-sessions" },
        open.map((s) =>
          h("li", {}, h("a", { href: `#/people/${Number(s.employee_id)}` }, `Employee ${Number(s.employee_id)}`), `: ${sessionText(s, opts && opts.timeZone)}`),
        ),
      ),
    );
  }
  return box;
}
