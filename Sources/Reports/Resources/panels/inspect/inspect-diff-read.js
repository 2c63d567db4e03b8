/* Glassbox Studio, inspect page: above a comparison, the text the two models read. A chat model is compared on the
 * prompt as a user's message in model a's chat template (the default; the form's switch asks for the raw text),
 * so what they read is not what was typed: shown in a collapsible monospace block (#diff-prompt-text, open when
 * templated), with a note when the switch asked for the template and model a has none. */
import { clear, el } from "../../lib/dom.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */

/**
 * The block for a diff document (null for a server that does not say what the models read).
 * @param {any} doc @param {boolean} asked  whether the form asked for the chat template
 */
export function diffReadBlock(doc, asked) {
  if (typeof doc.prompt_text !== "string") return null;
  const templated = doc.chat === true;
  const summary = templated ? "the prompt as a user's message in a's chat template, the assistant's turn about to begin"
    : asked ? "the prompt as typed" : "the prompt as typed (the chat template is switched off)";
  // asked for the template and a has none: said in the summary line, which shows while the block is closed
  const none = asked && !templated ? el("span", { class: "muted", id: "diff-no-template", text: " (model a has no chat template)" }) : null;
  const details = el("details", { class: "card ins-read-box", id: "diff-prompt-text", open: templated || null, dataset: { chat: templated ? "1" : "0" } }, [
    el("summary", { class: "ins-read-summary" }, [el("b", { text: "What the models read" }), " \u2014 " + summary, none]),
    el("pre", { class: "mono", id: "diff-prompt-text-body", text: doc.prompt_text }),
  ]);
  return details;
}

/** Shows what the models read (doc) above the comparison, or nothing (doc null). @param {InspectContext} ctx @param {any} doc @param {boolean} [asked] */
export function showDiffRead(ctx, doc, asked) {
  const read = ctx.diffForm.read;
  clear(read);
  read.classList.remove("ins-stale");
  const block = doc ? diffReadBlock(doc, asked !== false) : null;
  if (block) read.appendChild(block);
  read.hidden = !block;
}
