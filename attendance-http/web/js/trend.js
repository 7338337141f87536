// The trend section of the team and person views: metric, granularity and
// range controls over one chart. Changing the metric redraws the points
// already fetched; changing the range or granularity fetches again, and
// the API's own refusal (a range too long for the width) is shown as is.

import { h, clear, errorBox, todayIso, addDays, mondayOf } from "./dom.js";
import { chart } from "./chart.js";

const percent = (v) => `${Math.round(v * 1000) / 10} %`;
const hours = (v) => `${Math.round(v * 10) / 10} h`;
const count = (v) => String(Math.round(v * 10) / 10);

/** WFH days over days with a mode; null when there were none. */
function wfhShare(p) {
  const total = (p.wfh_days || 0) + (p.wfo_days || 0);
  return total ? p.wfh_days / total : null;
}

/** The metrics of a team trend, as the contract names them. */
export const TEAM_METRICS = [
  { value: "presence", label: "Presence rate", unit: "%", format: percent, of: (p) => p.attendance_rate ?? null },
  { value: "hours", label: "Hours worked", unit: "h", format: hours, of: (p) => p.hours_worked },
  { value: "wfh", label: "WFH share", unit: "%", format: percent, of: wfhShare },
];

/** The metrics of an employee trend. */
export const PERSON_METRICS = [
  { value: "hours", label: "Hours worked", unit: "h", format: hours, of: (p) => p.hours_worked },
  { value: "days", label: "Days present", unit: "days", format: count, of: (p) => p.days_present },
  { value: "wfh", label: "WFH share", unit: "%", format: percent, of: wfhShare },
];

/** The default range: the last twelve ISO weeks, this one included. */
export function defaultRange() {
  const to = todayIso();
  return { from: addDays(mondayOf(to), -77), to };
}

function select(id, list, selected) {
  return h("select", { id, name: id }, list.map((o) => h("option", { value: o.value, selected: o.value === selected }, o.label)));
}

/**
 * A trend section: `path` is the API path of the trend ("/trends/teams/3");
 * `onRange({from, to})` runs after each range change (the ledger follows
 * the chart's range). Returns `{el, load}`; `load()` fetches and draws.
 */
export function trendSection({ api, path, metrics, title, range = defaultRange(), onRange, busy }) {
  const metric = select("metric", metrics, metrics[0].value);
  const granularity = select(
    "granularity",
    [
      { value: "day", label: "By day" },
      { value: "week", label: "By week" },
      { value: "month", label: "By month" },
    ],
    "week",
  );
  const from = h("input", { id: "from", name: "from", type: "date", value: range.from, required: true });
  const to = h("input", { id: "to", name: "to", type: "date", value: range.to, required: true });
  const out = h("div", { class: "trend-chart", id: "trend-chart" });
  let points = [];

  const draw = () => {
    const m = metrics.find((x) => x.value === metric.value) || metrics[0];
    clear(out);
    out.append(
      chart({
        title: `${title}: ${m.label.toLowerCase()}`,
        points: points.map((p) => ({ label: p.label, value: m.of(p) })),
        unit: m.unit,
        format: m.format,
      }),
    );
  };

  // Only the latest answer is drawn: a slow one for an older range must
  // not replace it.
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    out.setAttribute("aria-busy", "true");
    try {
      const trend = await api.get(path, { from: from.value, to: to.value, granularity: granularity.value });
      if (mine !== seq) return;
      points = trend.points || [];
      draw();
    } catch (err) {
      if (mine !== seq) return;
      points = [];
      clear(out);
      out.append(errorBox(err));
    } finally {
      if (mine === seq) out.removeAttribute("aria-busy");
    }
  };

  const reload = async () => {
    if (!from.value || !to.value) return;
    await Promise.all([load(), onRange ? onRange({ from: from.value, to: to.value }) : null]);
  };

  // Later fetches mark the view loading (the tests and screen readers
  // wait on it) through the router's `busy` when there is one.
  const run = (fn) => (busy ? busy(fn) : fn());
  metric.addEventListener("change", draw);
  granularity.addEventListener("change", () => run(load));
  from.addEventListener("change", () => run(reload));
  to.addEventListener("change", () => run(reload));

  const controls = h(
    "form",
    { class: "toolbar trend-controls", id: "trend-form", on: { submit: (e) => { e.preventDefault(); run(reload); } } },
    h("div", { class: "field" }, h("label", { for: "metric" }, "Metric"), metric),
    h("div", { class: "field" }, h("label", { for: "granularity" }, "Period"), granularity),
    h("div", { class: "field" }, h("label", { for: "from" }, "From"), from),
    h("div", { class: "field" }, h("label", { for: "to" }, "To"), to),
    h("button", { type: "submit" }, "Show"),
  );
  const el = h("section", { class: "trend panel", "aria-labelledby": "trend-heading" }, h("h2", { id: "trend-heading" }, "Trend"), controls, out);
  return { el, load, range: () => ({ from: from.value, to: to.value }) };
}
