/* Glassbox's seq2seq view (glassbox train seq2seq): the panel "Try your own input" (the studio only): the checkpoint
 * chosen in the player runs on a text the user writes (api.js's translate) and its alignment is drawn. */
import { translate } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { fixed, int } from "../../lib/format.js";
import { debounce, errorBox } from "../../lib/ui.js";
import { alignmentFigure } from "./seq2seq-alignment-figure.js";
import { S2S_CHIPS, outputLines } from "./seq2seq-words.js";

/** @typedef {import("./classic-common.js").ClassicContext} ClassicContext */

/** The form: the text box, Translate, and example inputs of the run's task (ask() runs the checkpoint on the box's text). */
function tryForm(task, ask) {
  const input = /** @type {HTMLInputElement} */ (el("input", { type: "text", class: "input mono s2s-input", id: "s2s-input", maxlength: "200", spellcheck: "false", autocomplete: "off",
    placeholder: (S2S_CHIPS[task] || S2S_CHIPS.dates)[0], "aria-label": "Your own input" }));
  const go = el("button", { type: "submit", class: "btn small primary", id: "s2s-go", text: "Translate" });
  const chips = el("div", { class: "s2s-chips", id: "s2s-chips" }, [el("span", { class: "muted", text: "Examples:" })].concat((S2S_CHIPS[task] || S2S_CHIPS.dates).map((t) =>
    el("button", { type: "button", class: "s2s-chip", text: t, onclick: () => { input.value = t; ask(); } }))));
  const form = el("form", { class: "s2s-form", onsubmit: (e) => { e.preventDefault(); ask(); } }, [input, go]);
  return { input, form, chips };
}

/** Your own input, at the chosen checkpoint. @param {ClassicContext} ctx */
export function tryPanel(ctx) {
  const { v, V, cfg, run, cur } = ctx;
  const task = cfg.task || "dates";
  const p = v.panel("s2s-try", "Try your own input",
    task === "dates" ? "Write a date any way you like: the checkpoint chosen in the player writes it as YYYY-MM-DD, and the grid shows where it looked."
      : "Type a string of digits (3 to 12): the checkpoint chosen in the player " + (task === "sort" ? "sorts" : "reverses") + " it, and the grid shows where it looked.",
    "read the grid as the one on the left. Inputs unlike the training data (other words, other lengths) show where the model's " +
    "knowledge ends: its attention blurs and the output goes wrong. Move the player to see how an early checkpoint handles the same input.",
    ["attention", "alignment"]);
  p.classList.add("s2s-try-panel");
  const { input, form, chips } = tryForm(task, () => ask());
  const out = el("div", { class: "s2s-try-out", id: "s2s-try-out", dataset: { state: "idle" } });
  p.append(form, chips, out);
  let result = null, seq = 0, asked = null;
  const fig = alignmentFigure(v, "s2s-try-heat", "your-alignment", () => result && { input: result.input, output: result.output, input_tokens: result.input_tokens, output_tokens: result.output_tokens, weights: result.attention });
  const caption = el("span");
  const lines = el("div", { class: "s2s-compare", id: "s2s-try-lines" });
  const legend = V.themedLegend(v, "sequential", 1, "attention weight", (x) => (x === 0 ? "0" : x === 1 ? "1" : fixed(x, 2)));
  const shownNode = el("div", { class: "v-fig" }, [lines, V.figHead(caption, fig), el("div", { class: "v-scroll" }, fig.root), legend]);

  async function ask() {
    ctx.stop();
    const text = input.value;
    asked = text;
    const my = ++seq, step = cur().step;
    out.dataset.state = "loading";
    try {
      const r = await translate(run.id, text, step);
      if (my !== seq) return;
      result = r;
      clear(lines).appendChild(outputLines(r.output, null));
      clear(caption).append("your input at step ", el("b", { text: int(r.step) }));
      fig.root.dataset.step = String(r.step);
      fig.root.dataset.output = r.output;
      fig.opts.fileName = "glassbox-your-alignment-step-" + r.step;
      if (shownNode.parentNode !== out) clear(out).appendChild(shownNode);
      out.dataset.state = "shown";
      out.dataset.step = String(r.step);
      fig.draw();
    } catch (err) {
      if (my !== seq) return;
      result = null;
      out.dataset.state = "error";
      clear(out).appendChild(errorBox(err, "Could not translate that"));
    }
  }
  // a new checkpoint in the player: the same input again, at that checkpoint (after a pause, so playing stays smooth)
  const again = debounce(() => { if (asked !== null && out.dataset.state !== "error" && String(cur().step) !== out.dataset.step) ask(); }, 160);
  ctx.onSelect.push(() => { if (asked !== null && result) again(); });
  return p;
}
