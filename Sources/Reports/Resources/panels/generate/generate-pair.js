/* Glassbox Studio, generate page: Generate with edits (#pair-result). The same request twice, plain first and then
 * with the edits (one after the other: the server runs one computation at a time), streamed side by side into two
 * columns (#pair-plain, #pair-edited) with the sampling settings of the form; without a seed, one is drawn for both
 * so that only the edits differ. */
import { clear, el } from "../../lib/dom.js";
import { tooltip } from "../../lib/tooltip.js";
import { STOPS, busy, clip, errorBox, note, refused } from "./generate-common.js";
import { ivBegin } from "./generate-edits.js";
import { readSettings, setting } from "./generate-form.js";
import { tokenAt, tokenTip } from "./generate-output.js";
import { newGen, streamInto } from "./generate-stream.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */
/** @typedef {import("./generate-common.js").Gen} Gen */

/** Drops a running Generate with edits. @param {any} r */
function drop(r) {
  if (!r) return;
  r.dead = true;
  for (const g of r.gens) { g.dead = true; if (g.job) g.job.abort(); }
  if (r.busy) r.busy.stop();
}

/** The two columns' generations, their boxes showing the prompt. @param {GenerateContext} ctx @param {string} prompt
 * @param {[string, string][]} edits @returns {Gen[]} */
function columns(ctx, prompt, edits) {
  return [["Without edits", "pair-plain", []], ["With edits", "pair-edited", edits]].map(([title, id, extra]) => {
    const g = newGen(++ctx.live.seq, false);
    g.box.id = /** @type {string} */ (id);
    g.box.append(el("span", { class: "gen-prompt", text: clip(prompt, 400) }), g.caret);
    g.status = el("div", { class: "iv-pair-status", id: id + "-status" });
    g.node = el("div", { class: "iv-col" }, [el("h3", { text: /** @type {string} */ (title) }), g.box, g.status]);
    g.extra = /** @type {[string, string][]} */ (extra);
    return g;
  });
}

/** Generate with edits: both columns streamed, one after the other. @param {GenerateContext} ctx */
export async function generatePair(ctx) {
  const s = ivBegin(ctx, "pair");
  if (!s) return;
  const { live } = ctx, { ivErrors, ivStatus, pairResult } = ctx.iv;
  let settings;
  try { settings = readSettings(ctx.form.inputs); } catch (err) { ivErrors.appendChild(note(err.message, "settings-invalid")); ctx.setData("pair", "error"); return; }
  drop(live.pair);
  if (setting(settings, "seed") === null && setting(settings, "temperature") > 0) settings.push(["seed", String(1 + Math.floor(Math.random() * 2147483646))]);
  /** @type {[string, string][]} */
  const base = [["model", ctx.modelID()], ["prompt", s.prompt], ...settings, ["alternatives", "5"]];
  const r = { gens: columns(ctx, s.prompt, s.pairs), dead: false, busy: null };
  live.pair = r;
  const seed = settings.find(([k]) => k === "seed");
  r.busy = busy("Generating twice\u2026", "First without the edits, then with them" + (seed ? ", seed " + seed[1] + " for both." : "."), () => { for (const g of r.gens) if (g.job) g.job.abort(); }, "pair-busy", live.timers);
  clear(ivStatus).appendChild(r.busy.node);
  clear(pairResult).append(el("div", { class: "gen-sub-head" }, [el("b", { text: "Generated with and without the edits" }),
    el("span", { class: "muted", text: " \u00b7 " + settings.map(([k, v]) => k + " " + v).join(", ") })]), el("div", { class: "iv-cols" }, r.gens.map((g) => g.node)));
  try {
    for (const g of r.gens) {
      if (r.dead) return;
      await streamInto(g, base.concat(g.extra));
      g.caret.remove();
      g.status.textContent = (STOPS[g.done.stop_reason] || g.done.stop_reason) + " " + g.tokens.length + " tokens.";
      g.node.dataset.count = String(g.tokens.length);
    }
  } catch (err) {
    r.busy.stop();
    for (const g of r.gens) g.caret.remove();
    if (live.pair !== r || r.dead) return;
    clear(ivStatus);
    if (err.name === "AbortError") { ctx.setData("pair", "cancelled"); ivStatus.appendChild(note("Generation cancelled.", "pair-cancelled")); return; }
    ctx.setData("pair", "error");
    ivErrors.appendChild(errorBox(err, refused(err) ? "These edits cannot be applied" : "Could not generate", () => generatePair(ctx)));
    return;
  }
  r.busy.stop();
  if (live.pair !== r) return;
  clear(ivStatus);
  const [a, b] = r.gens;
  pairResult.dataset.same = a.tokens.map((t) => t.id).join(",") === b.tokens.map((t) => t.id).join(",") ? "1" : "0";
  ctx.setData("pair", "done");
}

/** The tooltip of the columns' tokens. @param {GenerateContext} ctx */
export function bindPairTooltip(ctx) {
  tooltip.attach(ctx.iv.pairResult, (e) => {
    const sp = tokenAt(e), r = ctx.live.pair;
    if (!sp || !r) return null;
    const g = r.gens.find((x) => x.key === +sp.dataset.gen);
    return g && g.tokens[+sp.dataset.i] ? tokenTip(g, +sp.dataset.i, true) : null;
  });
}

/** Drops a running Generate with edits (the page is left). @param {GenerateContext} ctx */
export function stopPair(ctx) { drop(ctx.live.pair); }
