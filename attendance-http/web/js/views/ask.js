// Placeholder until the view is written.

import { h } from "../dom.js";

export async function render(root) {
  root.appendChild(h("h1", {}, "Coming"));
  root.appendChild(h("p", { class: "muted" }, "This view is coming."));
}
