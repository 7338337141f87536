// Timesheet downloads: the form builds the link from the API base and its
// values; the session cookie authenticates the download itself. Before
// showing the link the API is asked once (the CSV, cut after its headers)
// so that a refusal is read here in words, not saved as a file.

import { h, clear, errorBox, todayIso, addDays, fmtDate } from "../dom.js";

function lastMonth() {
  const today = todayIso();
  const to = addDays(`${today.slice(0, 8)}01`, -1);
  return { from: `${to.slice(0, 8)}01`, to };
}

/** The API's answer to the same query, as CSV, without reading the body. */
async function check(ctx, params) {
  const controller = new AbortController();
  const res = await fetch(ctx.api.apiUrl("/exports/timesheet", { ...params, format: "csv" }), {
    credentials: "same-origin",
    headers: { Accept: "text/csv, application/problem+json" },
    signal: controller.signal,
  });
  if (res.ok) {
    const locked = res.headers.get("attendance-period-locked");
    controller.abort();
    return { ok: true, locked };
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { ok: false, status: res.status, body };
}

export async function render(main, ctx) {
  let teams = await ctx.api.getAll("/teams");
  if (ctx.me.kind !== "admin") {
    const manages = new Set((ctx.me.manages || []).map(Number));
    teams = teams.filter((t) => manages.has(Number(t.id)));
  }
  teams.sort((a, b) => String(a.name).localeCompare(String(b.name)));

  const range = lastMonth();
  const from = h("input", { id: "export-from", name: "from", type: "date", value: range.from, required: true });
  const to = h("input", { id: "export-to", name: "to", type: "date", value: range.to, required: true });
  const team = h(
    "select",
    { id: "export-team", name: "team_id" },
    h("option", { value: "" }, ctx.me.kind === "admin" ? "The whole company" : "Everyone I may see"),
    teams.map((t) => h("option", { value: t.id }, t.name)),
  );
  const format = h(
    "select",
    { id: "export-format", name: "format" },
    h("option", { value: "csv" }, "CSV"),
    h("option", { value: "xlsx" }, "Excel (XLSX)"),
  );
  const out = h("div", { id: "export-result", "aria-live": "polite" });
  const submit = h("button", { type: "submit" }, "Prepare download");

  const prepare = async () => {
    clear(out);
    const params = { from: from.value, to: to.value, team_id: team.value || null, format: format.value };
    submit.disabled = true;
    try {
      let answer;
      try {
        answer = await check(ctx, params);
      } catch {
        answer = { ok: false, status: 0, body: { title: "No connection", detail: "The server could not be reached." } };
      }
      if (!answer.ok) {
        const b = answer.body && typeof answer.body === "object" ? answer.body : {};
        out.append(errorBox({ status: answer.status, title: b.title || "", detail: b.detail || "", body: b }));
        return;
      }
      const name = `timesheet-${params.from}-${params.to}.${params.format}`;
      const link = h("a", { id: "export-link", class: "button", href: ctx.api.apiUrl("/exports/timesheet", params) }, `Download ${name}`);
      link.setAttribute("download", name);
      const locked = { full: "Every date is in a locked period: the figures are final.", partial: "Some dates are in a locked period; the others may still change.", none: "No date is locked yet: the figures may still change." }[answer.locked];
      out.append(
        h("p", {}, link),
        h("p", { class: "muted" }, `${team.value ? team.options[team.selectedIndex].textContent : team.options[0].textContent}, ${fmtDate(params.from)} to ${fmtDate(params.to)}.`, locked ? ` ${locked}` : ""),
      );
      ctx.status("The download is ready.");
    } finally {
      submit.disabled = false;
    }
  };

  main.append(
    h("h1", {}, "Exports"),
    h(
      "form",
      {
        id: "export-form",
        class: "panel",
        on: {
          submit: (e) => {
            e.preventDefault();
            ctx.busy(prepare, out);
          },
        },
      },
      h("h2", {}, "Timesheet"),
      h("p", { class: "muted" }, "One line per employee and work date, and one total line per employee."),
      h(
        "div",
        { class: "row" },
        h("div", { class: "field" }, h("label", { for: "export-from" }, "From"), from),
        h("div", { class: "field" }, h("label", { for: "export-to" }, "To"), to),
        h("div", { class: "field" }, h("label", { for: "export-team" }, "Team"), team),
        h("div", { class: "field" }, h("label", { for: "export-format" }, "Format"), format),
      ),
      h("div", { class: "row" }, submit),
      out,
    ),
  );
}
