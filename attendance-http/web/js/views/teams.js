// The teams a manager manages, or every team for an admin, each linking
// to its page.

import { h } from "../dom.js";

export async function render(main, ctx) {
  let teams = await ctx.api.getAll("/teams");
  if (ctx.me.kind !== "admin") {
    // A member also sees their own team; this list is the teams they lead.
    const manages = new Set((ctx.me.manages || []).map(Number));
    teams = teams.filter((t) => manages.has(Number(t.id)));
  }
  teams.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  main.append(
    h("h1", {}, "Teams"),
    teams.length
      ? h(
          "ul",
          { id: "teams", class: "link-list" },
          teams.map((t) =>
            h("li", {}, h("a", { href: `#/teams/${Number(t.id)}` }, t.name), h("span", { class: "muted" }, ` · ${t.timezone}`)),
          ),
        )
      : [h("ul", { id: "teams", class: "link-list" }), h("p", { class: "empty" }, "No teams to show.")],
  );
}
