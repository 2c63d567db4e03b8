/* Glassbox Studio, run page: the warnings and messages card beside the loss chart (newest first; a warning is also
 * a red marker on the validation curve). */
import { clear, el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";

/** @typedef {import("./run-state.js").RunState} RunState */

/** Draws the card S.ui.messages again. @param {RunState} S */
export function renderMessages(S) {
  const panel = S.ui.messages;
  if (!panel) return;
  clear(panel);
  const list = S.messages;
  panel.dataset.messages = String(list.length);
  const warnings = list.filter((m) => m.level === "warning" || m.level === "error").length;
  panel.appendChild(el("header", { class: "chart-head" }, [el("h3", { class: "chart-title", text: list.length && !warnings ? "Messages" : "Warnings" }),
    warnings ? el("span", { class: "count", title: warnings + " warnings or errors", text: String(warnings) }) : null]));
  if (!list.length) {
    panel.appendChild(el("p", { class: "muted small-text", text: "None. A warning appears here (and as a red marker on the validation curve) when validation loss rises while training loss falls." }));
    return;
  }
  panel.appendChild(el("ul", { class: "message-list" }, list.slice().reverse().map((m) =>
    el("li", { class: ["message", "level-" + m.level] }, [
      el("span", { class: "message-step", text: "step " + int(m.step) }),
      el("span", { class: "message-text", text: m.text })]))));
}
