// Ask: a question in plain language; the answer, its rows as a table and
// the SQL that produced them; a refusal explained in plain words.

import { ApiError } from "../api.js";
import { clear, errorBox, h, table } from "../dom.js";
import { factsView } from "./summaries.js";

const REFUSAL_WORDS = {
  out_of_scope: "The attendance data cannot answer this question. Ask about sessions, hours, presence, late arrivals, working from home or at the office, teams or absences.",
  unsafe_query: "No safe query over the data you may read could be written for this question. Try asking it more simply.",
  invalid_query: "The language model did not write a valid query for this question. Try rephrasing it.",
  result_too_large: "The answer would be larger than the server returns. Ask for less: a shorter period, one team, or a total instead of a list.",
  invalid_plan: "The language model did not read this question into a query the library can run. Try rephrasing it.",
  plan_out_of_bounds: "The question asks for more than is allowed at once (a period over two years, too many rows or names). Ask for less.",
};

const PROBLEM_WORDS = {
  "llm-not-configured": "Questions need a language model, and this server has none configured.",
  "llm-failed": "The language model failed to answer, or wrote no query the database could run. Try again, or rephrase the question.",
  "llm-timeout": "The language model did not answer in time. Try again in a moment.",
  "rate-limited": "Too many questions just now. Wait a moment and ask again.",
};

function kindOf(err) {
  return String(err.type || "").split("/").pop();
}

function cellText(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function renderAnswer(box, a) {
  const numeric = a.columns.map((_, i) => a.rows.length > 0 && a.rows.every((r) => r[i] === null || typeof r[i] === "number"));
  clear(box).append(
    h("section", { class: "panel", "aria-labelledby": "answer-heading" },
      h("h2", { id: "answer-heading" }, "Answer"),
      h("p", { id: "answer-text", class: "summary-text" }, a.text),
      h("p", { class: "muted small", id: "answer-meta" },
        a.phrased_by === "llm" ? "Phrased by the model from the rows below." : "Written from the rows below (no model phrasing).",
        a.attempts > 1 ? ` The model needed ${a.attempts} tries to write a query that ran.` : ""),
      table(
        a.columns.map((c, i) => (numeric[i] ? { content: c, class: "num" } : c)),
        a.rows.map((r) => r.map((v, i) => (numeric[i] ? { content: cellText(v), class: "num" } : cellText(v)))),
        { id: "answer-rows" },
        { empty: "The query returned no rows.", caption: "Rows of the answer" }),
      a.plan && typeof a.plan === "object"
        ? h("details", { id: "answer-plan" },
            h("summary", {}, a.plan_sentence ? `Read as: ${a.plan_sentence}` : "How the question was read"),
            factsView(a.plan))
        : null,
      h("details", { id: "answer-sql" }, h("summary", {}, "The SQL that produced the rows"), h("pre", {}, a.sql))));
}

function renderRefusal(box, err) {
  const category = err.body && err.body.refusal;
  clear(box).append(
    h("div", { id: "ask-refusal", class: "alert", role: "alert", "data-refusal": category || "" },
      h("strong", {}, "This question was not answered."),
      h("p", {}, REFUSAL_WORDS[category] || "The question was refused."),
      !REFUSAL_WORDS[category] && err.detail ? h("p", { class: "small" }, `The server said: ${err.detail}.`) : null));
}

export async function render(root, ctx, params) {
  const question = h("textarea", { id: "question", name: "question", rows: 3, required: true, maxlength: 500, placeholder: "Who worked from home most last week?" });
  if (params.q) question.value = params.q;
  const button = h("button", { id: "ask", type: "submit" }, "Ask");
  const result = h("div", { id: "ask-result" });

  async function submit(e) {
    e.preventDefault();
    const text = question.value.trim();
    if (!text) {
      clear(result).append(h("div", { class: "alert", role: "alert" }, "Write a question first."));
      question.focus();
      return;
    }
    button.disabled = true;
    ctx.status("Asking…");
    await ctx.busy(async () => {
      try {
        const answer = await ctx.api.post("/ask", { question: text });
        renderAnswer(result, answer);
        ctx.status("Answered.");
      } catch (err) {
        if (err instanceof ApiError && err.status === 422 && kindOf(err) === "question-refused") {
          renderRefusal(result, err);
          ctx.status("The question was refused.");
          return;
        }
        if (err instanceof ApiError && PROBLEM_WORDS[kindOf(err)]) {
          clear(result).append(h("div", { class: "alert", role: "alert" },
            h("strong", {}, PROBLEM_WORDS[kindOf(err)]), err.detail ? h("p", { class: "small" }, err.detail) : null));
          ctx.status("No answer.");
          return;
        }
        throw err;
      }
    }, result);
    button.disabled = false;
  }

  question.addEventListener("keydown", (e) => {
    // Ctrl+Enter (or Cmd+Enter) asks, as in most chat boxes; Enter alone is a new line.
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      button.form.requestSubmit();
    }
  });

  root.append(
    h("h1", {}, "Ask"),
    h("p", { class: "muted" }, "Ask about the attendance data you may see. The answer shows the rows it comes from and the query that read them."),
    h("form", { id: "ask-form", class: "panel", on: { submit } },
      h("div", { class: "field" }, h("label", { for: "question" }, "Your question"), question),
      h("p", { class: "muted small" }, "Ctrl+Enter asks too."),
      h("p", {}, button)),
    result);
}
