/* Glassbox Studio: the generate and chat page (/generate?model=ID&prompt=TEXT[&chat=1][&temperature=..]...). Tokens
 * stream in, each coloured by its probability (a Chinese character split into byte-level tokens shown whole). A click
 * on a generated token opens a side panel: its alternatives, then the logit lens and the attention row at the step
 * that produced it, and its attributions on request. Below, interventions: heads and neurons scaled or removed and a
 * steering vector (away from one text, towards another), compared with the plain model or generated with side by
 * side. This module holds the page's state (its address, one store: panels/generate/generate-address.js), mounts
 * its panels in order (PANELS, panels/generate/) and wires the theme, the models' list and the cleanup.
 *
 * For tests: #generate-page carries data-phase (empty | running | done | error | cancelled), data-count (tokens
 * shown so far), data-ids (done's ids count), data-stop (done's stop_reason), data-mode (text | chat),
 * data-intervene (none | running | done | error | cancelled) and data-pair (the same, for Generate with edits);
 * #token-panel carries data-state (empty | shown), data-i, data-lens (none | loading | shown | error | cancelled) and
 * data-attr (none | running | done | error | cancelled); generated tokens are .gen-tok[data-i][data-id][data-v]. */
import { colorScale } from "../lib/colors.js";
import { clear, el } from "../lib/dom.js";
import { mountPanels } from "../lib/panels.js";
import { ready } from "../lib/ui.js";
import { generateStore } from "../panels/generate/generate-address.js";
import { paint } from "../panels/generate/generate-common.js";
import { showIvPrompt } from "../panels/generate/generate-edits.js";
import { errorsPanel } from "../panels/generate/generate-errors.js";
import { formPanel, loadModels, setMode } from "../panels/generate/generate-form.js";
import { headPanel } from "../panels/generate/generate-head.js";
import { interventionsPanel, stopIv } from "../panels/generate/generate-interventions.js";
import { mainPanel } from "../panels/generate/generate-main.js";
import { modelNotesPanel } from "../panels/generate/generate-model-notes.js";
import { clearOutput, newConversation } from "../panels/generate/generate-output.js";
import { stopPair } from "../panels/generate/generate-pair.js";
import { generate, stop } from "../panels/generate/generate-stream.js";
import { closePanel, select } from "../panels/generate/generate-token-panel.js";

/** @typedef {import("../panels/generate/generate-common.js").GenerateContext} GenerateContext */

/** The page's panels, in order: the head, the notes about the models, the form, the errors, the output beside the
 * chosen token's panel, the interventions. */
export const PANELS = [headPanel, modelNotesPanel, formPanel, errorsPanel, mainPanel, interventionsPanel];

/** The page's context before its panels exist: what runs, the conversation and the actions, which call the panels'
 * functions with it (each panel stores its parts on it as it renders). */
function createContext() {
  const ctx = /** @type {GenerateContext} */ ({
    mode: "text",
    live: { models: [], gen: null, gens: new Map(), sel: null, lensJob: null, attrJob: null, iv: null, pair: null, timers: new Set(), stopped: false, seq: 0 },
    conv: { turns: [], last: null },
  });
  ctx.setData = (key, value) => { ctx.page.dataset[key] = String(value); };
  ctx.modelID = () => ctx.form.modelSelect.value || ctx.store.get().model || "bundled";
  ctx.generate = () => { generate(ctx); };
  ctx.stop = (hard) => stop(ctx, hard);
  ctx.clearOutput = () => clearOutput(ctx);
  ctx.newConversation = (focus) => newConversation(ctx, focus);
  ctx.select = (g, i, keepFocus) => select(ctx, g, i, keepFocus);
  ctx.closePanel = () => closePanel(ctx);
  ctx.showIvPrompt = () => showIvPrompt(ctx);
  return ctx;
}

/** Colours the page's shaded nodes and legends again (a theme change). @param {HTMLElement} page */
function repaint(page) {
  for (const n of page.querySelectorAll("[data-scale]")) paint(/** @type {HTMLElement} */ (n));
  for (const b of page.querySelectorAll("[data-gradient]")) /** @type {HTMLElement} */ (b).style.backgroundImage = colorScale(/** @type {HTMLElement} */ (b).dataset.gradient).gradient();
}

/** The generate page in app; returns its cleanup (requests, timers and the address's listener stopped). @param {HTMLElement} app */
export function generatePage(app) {
  const ctx = createContext();
  ctx.store = generateStore(ctx);
  const state = ctx.store.get(), { live } = ctx;
  ctx.mode = state.chat ? "chat" : "text";
  ctx.page = el("div", { class: "page generate-page", id: "generate-page", dataset: { phase: "empty", count: "0", mode: ctx.mode, intervene: "none", pair: "none" } });
  mountPanels(ctx.page, PANELS, state, ctx);
  clear(app).appendChild(ctx.page);

  const onTheme = () => repaint(ctx.page);
  document.addEventListener("gb-theme", onTheme);

  setMode(ctx, ctx.mode, false, true);
  loadModels(ctx).then(() => {
    if (live.stopped) return;
    ready();
    ctx.form.promptInput.focus({ preventScroll: true });
  });

  return () => {
    live.stopped = true;
    ctx.store.destroy();
    document.removeEventListener("gb-theme", onTheme);
    if (live.gen && live.gen.job) live.gen.job.abort();
    if (live.lensJob) live.lensJob.abort();
    if (live.attrJob) live.attrJob.abort();
    stopIv(ctx);
    stopPair(ctx);
    for (const id of live.timers) clearInterval(id);
  };
}
