// Sign-in with a bearer token: the server trades it for a session cookie.

import { ApiError } from "../api.js";
import { errorBox, explainError, h } from "../dom.js";

export async function render(root, ctx) {
  const input = h("input", {
    id: "token", name: "token", type: "password", required: true,
    autocomplete: "current-password", spellcheck: "false", placeholder: "att_…",
  });
  const button = h("button", { type: "submit" }, "Sign in");
  const error = h("div", { id: "sign-in-error" });
  if (ctx.message) error.appendChild(h("p", { class: "note" }, ctx.message));

  async function submit(e) {
    e.preventDefault();
    error.textContent = "";
    const token = input.value.trim();
    if (!token) {
      error.appendChild(h("div", { class: "alert", role: "alert" }, "Enter your access token."));
      input.focus();
      return;
    }
    button.disabled = true;
    try {
      const s = await ctx.api.appRequest("POST", "/session", { token });
      ctx.api.setCsrf(s && s.csrf_token);
      input.value = "";
      ctx.status("Signed in.");
      await ctx.signedIn();
    } catch (err) {
      button.disabled = false;
      if (err instanceof ApiError && err.status === 401) {
        error.appendChild(h("div", { class: "alert", role: "alert" },
          h("strong", {}, "That token was not accepted."),
          h("p", {}, "Check that you copied the whole token (it starts with att_) and that it has not been revoked or expired.")));
      } else {
        const { general } = explainError(err);
        error.appendChild(errorBox(err));
        ctx.status(general);
      }
      input.focus();
    }
  }

  root.appendChild(h("section", { class: "panel sign-in-panel" },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, "Paste the access token you were given. The page keeps a session for you; the token itself is not stored."),
    h("form", { id: "sign-in", on: { submit } },
      h("div", { class: "field" }, h("label", { for: "token" }, "Access token"), input),
      h("p", {}, button),
    ),
    error,
  ));
}
