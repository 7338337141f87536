// Hand-written SVG charts: bars (or a line when there are many points),
// axes with labels, and a table of the same numbers as the text
// alternative. Every value is set as text or as a numeric attribute.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function html(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" || typeof c === "number" ? String(c) : c);
  }
  return el;
}

function roomWidth() {
  const main = document.getElementById("view");
  if (main && main.clientWidth) {
    const style = getComputedStyle(main);
    return main.clientWidth - parseFloat(style.paddingLeft || "0") - parseFloat(style.paddingRight || "0");
  }
  return typeof window !== "undefined" ? window.innerWidth - 32 : 800;
}

function isNum(v) {
  return typeof v === "number" && Number.isFinite(v);
}

function defaultFormat(unit) {
  return (v) => {
    const r = Math.round(v * 100) / 100;
    return unit ? `${r} ${unit}` : String(r);
  };
}

// A "nice" step (1, 2, 2.5 or 5 times a power of ten) so ticks read well.
function niceStep(max, count) {
  const raw = max / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * pow >= raw) return m * pow;
  }
  return 10 * pow;
}

/**
 * A chart of one series: `points` are `{label, value}` oldest first; a
 * `null` value (a period without working days) is a gap and "—" in the
 * table. `format(value)` writes a value for the axis and the table; `unit`
 * is used when no `format` is given. `kind` is "bar" or "line"; by default
 * bars up to 40 points, a line beyond.
 */
export function chart({ title, points = [], unit = "", format, kind }) {
  const fmt = format || defaultFormat(unit);
  const n = points.length;
  const values = points.map((p) => (isNum(p.value) ? p.value : null));
  const present = values.filter((v) => v !== null);
  const type = kind || (n > 40 ? "line" : "bar");

  const first = n ? points[0].label : "";
  const last = n ? points[n - 1].label : "";
  const label = n
    ? `${title}: ${n} ${n === 1 ? "point" : "points"}, ${first} to ${last}` +
      (present.length
        ? `, lowest ${fmt(Math.min(...present))}, highest ${fmt(Math.max(...present))}`
        : ", no values")
    : `${title}: no data`;

  // One unit of the drawing is about one pixel of the room it has, so
  // text stays readable on a phone; it is drawn again when that room
  // changes much (the first guess is made before the chart is attached).
  const drawing = (W) => {
    const H = W < 500 ? 220 : 260;
    const left = 52;
    const right = 12;
    const top = 14;
    const bottom = 40;
    const pw = W - left - right;
    const ph = H - top - bottom;

    const max = present.length ? Math.max(...present, 0) : 0;
    const min = present.length ? Math.min(...present, 0) : 0;
    const step = niceStep(max - min || 1, H < 240 ? 4 : 5);
    const yMax = Math.max(step, Math.ceil(max / step) * step);
    const yMin = Math.min(0, Math.floor(min / step) * step);
    const y = (v) => top + ph - ((v - yMin) / (yMax - yMin)) * ph;
    const slot = n ? pw / n : pw;
    const xCenter = (i) => left + slot * i + slot / 2;

    const root = svg("svg", {
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-label": label,
      "data-points": n,
      class: `chart-svg chart-${type}`,
      preserveAspectRatio: "xMidYMid meet",
    });

    // Horizontal grid lines and the value axis.
    const grid = svg("g", { class: "chart-grid", "aria-hidden": "true" });
    const ticks = Math.round((yMax - yMin) / step);
    for (let k = 0; k <= ticks; k += 1) {
      const v = yMin + k * step;
      const yy = y(v);
      grid.append(
        svg("line", { x1: left, x2: W - right, y1: yy, y2: yy, stroke: "#d6dae1" }),
        svg("text", { x: left - 6, y: yy + 4, "text-anchor": "end", class: "chart-tick" }, fmt(v)),
      );
    }
    root.append(grid);

    // Category labels: as many as fit, always the first one.
    const longest = points.reduce((m, p) => Math.max(m, String(p.label).length), 1);
    const fit = Math.max(1, Math.floor(pw / (longest * 7 + 10)));
    const every = Math.max(1, Math.ceil(n / fit));
    const xAxis = svg("g", { class: "chart-axis", "aria-hidden": "true" });
    xAxis.append(
      svg("line", { x1: left, x2: W - right, y1: y(0), y2: y(0), stroke: "#6b7280" }),
    );
    for (let i = 0; i < n; i += every) {
      xAxis.append(
        svg(
          "text",
          { x: xCenter(i), y: H - bottom + 18, "text-anchor": "middle", class: "chart-tick" },
          String(points[i].label),
        ),
      );
    }
    root.append(xAxis);

    const series = svg("g", { class: "chart-series" });
    if (type === "bar") {
      const bw = Math.max(1, Math.min(48, slot * 0.7));
      values.forEach((v, i) => {
        if (v === null) return;
        const y0 = y(0);
        const y1 = y(v);
        const bar = svg("rect", {
          x: xCenter(i) - bw / 2,
          y: Math.min(y0, y1),
          width: bw,
          height: Math.max(v === 0 ? 0 : 1, Math.abs(y0 - y1)),
          class: "chart-bar",
          fill: "#2563eb",
        });
        bar.append(svg("title", {}, `${points[i].label}: ${fmt(v)}`));
        series.append(bar);
      });
    } else {
      // One path per run of values, so a null breaks the line.
      let d = "";
      let run = 0;
      values.forEach((v, i) => {
        if (v === null) {
          run = 0;
          return;
        }
        d += `${run === 0 ? "M" : "L"}${xCenter(i).toFixed(1)} ${y(v).toFixed(1)} `;
        run += 1;
      });
      if (d) {
        series.append(
          svg("path", { d: d.trim(), class: "chart-line", fill: "none", stroke: "#2563eb", "stroke-width": 2 }),
        );
      }
      values.forEach((v, i) => {
        if (v === null) return;
        const dot = svg("circle", { cx: xCenter(i), cy: y(v), r: n > 120 ? 1.5 : 3, class: "chart-dot", fill: "#2563eb" });
        dot.append(svg("title", {}, `${points[i].label}: ${fmt(v)}`));
        series.append(dot);
      });
    }
    root.append(series);

    if (!present.length) {
      root.append(
        svg("text", { x: left + pw / 2, y: top + ph / 2, "text-anchor": "middle", class: "chart-empty" }, n ? "No values in this range" : "No data"),
      );
    }
    return root;
  };

  const rows = points.map((p, i) =>
    html("tr", {}, html("th", { scope: "row" }, String(p.label)), html("td", {}, values[i] === null ? "—" : fmt(values[i]))),
  );
  const table = html(
    "table",
    { class: "chart-data" },
    html("caption", { class: "visually-hidden" }, title),
    html("thead", {}, html("tr", {}, html("th", { scope: "col" }, "Period"), html("th", { scope: "col" }, unit ? `${title} (${unit})` : title))),
    html("tbody", {}, rows),
  );
  const details = html(
    "details",
    { class: "chart-numbers" },
    html("summary", {}, "Show the numbers"),
    html("div", { class: "table-wrap" }, table),
  );

  let width = Math.round(Math.min(1200, Math.max(300, roomWidth() - 36)));
  let current = drawing(width);
  const figure = html("figure", { class: "chart" }, html("figcaption", {}, title), current, details);
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => {
      const room = Math.round(Math.min(1200, Math.max(300, current.clientWidth)));
      if (!current.isConnected || !current.clientWidth || Math.abs(room - width) / width < 0.1) return;
      width = room;
      const next = drawing(width);
      current.replaceWith(next);
      current = next;
    }).observe(figure);
  }
  return figure;
}
