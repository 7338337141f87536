// Period locks: the standing ones with a reopen button each, and a form
// that locks a range of work dates for a team or the company.

import { h, clear, errorBox, fmtDate, todayIso, addDays } from "../dom.js";
import { problemBox } from "../conflict.js";

function actorText(actor, names) {
  if (!actor) return "";
  if (actor.kind === "admin") return actor.name;
  if (actor.kind === "employee") return names.get(actor.id) || `Employee ${actor.id}`;
  return "The system";
}

function lastMonth() {
  const today = todayIso();
  const firstOfThis = `${today.slice(0, 8)}01`;
  const to = addDays(firstOfThis, -1);
  return { from: `${to.slice(0, 8)}01`, to };
}

export async function render(main, ctx) {
  const teams = await ctx.api.getAll("/teams");
  teams.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  const teamName = (id) => (id === null || id === undefined ? "Company" : (teams.find((t) => t.id === id) || {}).name || `Team ${id}`);
  const names = new Map();

  const tbody = h("tbody");
  const listMessage = h("div");
  const loadLocks = async () => {
    const list = await ctx.api.get("/periods");
    const locks = (list.items || []).slice().sort((a, b) => (a.from < b.from ? 1 : a.from > b.from ? -1 : b.id - a.id));
    const employees = [...new Set(locks.filter((l) => l.locked_by && l.locked_by.kind === "employee").map((l) => l.locked_by.id))];
    await Promise.all(
      employees.filter((id) => !names.has(id)).map((id) =>
        ctx.api
          .get(`/employees/${Number(id)}`)
          .then((e) => names.set(id, e.name))
          .catch(() => null),
      ),
    );
    clear(tbody);
    for (const lock of locks) tbody.append(lockRow(lock));
    if (!locks.length) tbody.append(h("tr", { class: "empty-row" }, h("td", { colspan: 6, class: "empty" }, "No period is locked.")));
  };

  const lockRow = (lock) => {
    const reason = h("input", { type: "text", name: "reason", id: `reopen-reason-${Number(lock.id)}`, placeholder: "Why reopen" });
    const rowMessage = h("div", { class: "row-message" });
    const button = h("button", { type: "button", "data-action": "reopen", class: "secondary" }, "Reopen");
    const row = h(
      "tr",
      { "data-lock-id": lock.id },
      h("td", {}, teamName(lock.team_id)),
      h("td", {}, fmtDate(lock.from)),
      h("td", {}, fmtDate(lock.to)),
      h("td", { class: "wrap" }, lock.reason || ""),
      h("td", {}, actorText(lock.locked_by, names), h("br"), h("span", { class: "muted" }, fmtDate(lock.locked_at))),
      h("td", {}, h("label", { for: reason.id, class: "visually-hidden" }, `Why reopen ${fmtDate(lock.from)} to ${fmtDate(lock.to)}`), reason, " ", button, rowMessage),
    );
    button.addEventListener("click", () =>
      ctx.busy(async () => {
        clear(rowMessage);
        const why = reason.value.trim();
        if (!why) {
          rowMessage.append(h("span", { class: "alert inline", role: "alert" }, "Say why the period opens again."));
          reason.focus();
          return;
        }
        button.disabled = true;
        try {
          await ctx.api.post(`/periods/${Number(lock.id)}/reopen`, { reason: why });
          ctx.status(`Reopened ${teamName(lock.team_id)}, ${fmtDate(lock.from)} to ${fmtDate(lock.to)}.`);
          await loadLocks();
        } catch (err) {
          rowMessage.append(problemBox(err, { teamName }));
          button.disabled = false;
        }
      }),
    );
    return row;
  };

  const range = lastMonth();
  const from = h("input", { id: "lock-from", name: "from", type: "date", value: range.from, required: true });
  const to = h("input", { id: "lock-to", name: "to", type: "date", value: range.to, required: true });
  const team = h(
    "select",
    { id: "lock-team", name: "team_id" },
    h("option", { value: "" }, "The whole company"),
    teams.map((t) => h("option", { value: t.id }, t.name)),
  );
  const reason = h("input", { id: "lock-reason", name: "reason", type: "text", placeholder: "e.g. February is paid" });
  const message = h("div", { id: "lock-message" });
  const submit = h("button", { type: "submit" }, "Lock period");
  const form = h(
    "form",
    {
      id: "lock-form",
      class: "panel",
      on: {
        submit: (e) => {
          e.preventDefault();
          ctx.busy(async () => {
            clear(message);
            const body = { from: from.value, to: to.value };
            if (team.value) body.team_id = Number(team.value);
            if (reason.value.trim()) body.reason = reason.value.trim();
            submit.disabled = true;
            try {
              const lock = await ctx.api.post("/periods", body);
              message.append(h("p", { class: "note", role: "status" }, `Locked ${teamName(lock.team_id)}, ${fmtDate(lock.from)} to ${fmtDate(lock.to)}.`));
              reason.value = "";
              await loadLocks();
            } catch (err) {
              message.append(problemBox(err, { teamName }));
            } finally {
              submit.disabled = false;
            }
          });
        },
      },
    },
    h("h2", {}, "Lock a period"),
    h("p", { class: "muted" }, "Sessions and absences dated in a locked period can no longer be created, changed or removed."),
    h(
      "div",
      { class: "row" },
      h("div", { class: "field" }, h("label", { for: "lock-from" }, "From"), from),
      h("div", { class: "field" }, h("label", { for: "lock-to" }, "To"), to),
      h("div", { class: "field" }, h("label", { for: "lock-team" }, "Team"), team),
      h("div", { class: "field grow" }, h("label", { for: "lock-reason" }, "Reason (optional)"), reason),
    ),
    h("div", { class: "row" }, submit),
    message,
  );

  main.append(
    h("h1", {}, "Periods"),
    h("h2", {}, "Locked periods"),
    listMessage,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { id: "locks" },
        h("caption", { class: "visually-hidden" }, "Locked periods, latest first"),
        h("thead", {}, h("tr", {}, ["Team", "From", "To", "Reason", "Locked by", "Reopen"].map((c) => h("th", { scope: "col" }, c)))),
        tbody,
      ),
    ),
    form,
  );
  try {
    await loadLocks();
  } catch (err) {
    if (err.status === 404) throw err;
    listMessage.append(errorBox(err));
  }
}
