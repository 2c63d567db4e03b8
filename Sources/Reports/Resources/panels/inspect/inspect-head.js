/* Glassbox Studio, inspect page: the head. The title, under it the model of the shown tab's analysis and how long
 * its parts took (or what the tab is for), and the Data button that downloads the shown tab's document. */
import { clear, el } from "../../lib/dom.js";
import { downloadJSON } from "../../lib/download.js";
import { definePanel } from "../../lib/panels.js";
import { icon } from "../../lib/ui.js";
import { views } from "../../views/report-views.js";
import { seconds, tabRun } from "./inspect-common.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */
/** @typedef {{node: HTMLElement, summary: HTMLElement, dataBtn: HTMLButtonElement}} InspectHead */

/** The document of the tab shown (for the Data button and the summary under the title). @param {InspectContext} ctx */
export function shownDoc(ctx) {
  const r = tabRun(ctx.live, ctx.state.tab);
  return r && r.doc ? r.doc : null;
}

/** @param {InspectContext} ctx @returns {InspectHead} */
export function inspectHead(ctx) {
  const summary = el("div", { class: "summary ins-summary", id: "inspect-summary", "aria-live": "polite" });
  const dataBtn = el("button", { type: "button", class: "btn small ghost", id: "inspect-data", hidden: true,
    onclick: () => { const d = shownDoc(ctx); if (d) downloadJSON("glassbox-" + ctx.state.tab + ".json", d); } }, [icon("download"), "Data"]);
  const node = el("div", { class: "page-head ins-head" }, [
    el("div", { class: "ins-title" }, [el("h1", { text: "Inspect" }), summary]),
    dataBtn,
  ]);
  return { node, summary, dataBtn };
}

/** Under the title: the model of the tab's analysis and how long its parts took. @param {InspectContext} ctx */
export function showSummary(ctx) {
  const { summary, dataBtn } = ctx.head, tab = ctx.state.tab;
  const r = /** @type {any} */ (tabRun(ctx.live, tab)), d = shownDoc(ctx);
  dataBtn.hidden = !d;
  dataBtn.title = tab === "patch" ? "Download this scan as JSON (the document of glassbox patch --json)"
    : tab === "diff" ? "Download this comparison as JSON (the document of glassbox diff --json)" : "Download this analysis as JSON (the document of glassbox inspect --json)";
  clear(summary);
  if (!d) {
    summary.textContent = tab === "patch" ? "Which layers, positions and heads carry an answer."
      : tab === "diff" ? "What changed inside a model between two checkpoints." : "What a model predicts next, and why.";
    return;
  }
  if (tab === "diff") {
    summary.append(el("span", { class: "ins-facts" }, [el("span", { class: "v-fact" }, [el("span", { class: "v-side v-side-a", text: "a" }), " ", el("b", { text: d.a.id })]),
      el("span", { class: "v-fact" }, [el("span", { class: "v-side v-side-b", text: "b" }), " ", el("b", { text: d.b.id })]),
      ...views.modelFacts(Object.assign({}, d.a.model, { name: null }))]),
    el("span", { class: "ins-timing", id: "diff-timing", text: "compared in " + seconds(r.ms) }));
    return;
  }
  const timing = tab === "patch"
    ? el("span", { class: "ins-timing", id: "patch-timing", text: "patched in " + seconds(r.ms) })
    : el("span", { class: "ins-timing", id: "inspect-timing" }, [
      r.firstMs !== undefined ? "first answer in " + seconds(r.firstMs) : null,
      r.attrMs !== undefined ? " \u00b7 attributions in " + seconds(r.attrMs) : null,
    ]);
  summary.append(el("span", { class: "ins-facts" }, d.model ? views.modelFacts(d.model) : []), timing);
}

/** The head: the title, the model and timing of the shown tab's analysis, the Data button. */
export const headPanel = definePanel({
  id: "inspect/head",
  title: "the title, the shown analysis's model and timing, and its Data button",
  needs: ["tab"],
  render: (state, ctx) => (ctx.head = inspectHead(ctx)).node,
});
