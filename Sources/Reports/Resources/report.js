/* Glassbox's self-contained HTML report: the entry module. The report inlines it with every module it imports
 * (Reports/ModuleInliner.swift) and it draws the document embedded as #glassbox-data: an inspect, patch or diff
 * document (views/report-views.js), an MLP run or a fine-tuning run (views/classic.js). */
import { redrawAll } from "./lib/charts.js";
import { clear, el } from "./lib/dom.js";
import { downloadJSON } from "./lib/download.js";
import { exposeForInspection } from "./lib/inspector.js";
import { themeToggle } from "./lib/theme.js";
import { tooltip } from "./lib/tooltip.js";
import { bindMenus, icon, logo } from "./lib/ui.js";
import { finetuneView, mlpView } from "./views/classic.js";
import { diffView, inspectView, patchView, views } from "./views/report-views.js";

const { modelFacts } = views;

/** Draws a self-contained report from its embedded document (the element #glassbox-data). */
function boot(dataNode) {
  const doc = JSON.parse(dataNode.textContent);
  const kind = doc.kind === "patch" ? "patch" : doc.kind === "diff" || (doc.a && doc.b && doc.dla_head_change) ? "diff"
    : doc.kind === "mlp" ? "mlp" : doc.kind === "finetune" ? "finetune" : "inspect";
  bindMenus();
  const stale = document.getElementById("tooltip"); // the page's old tooltip box: tooltip makes its own
  if (stale) stale.remove();
  const header = document.getElementById("top");
  if (header) {
    const brand = header.querySelector(".brand");
    if (brand) clear(brand).append(logo(), el("span", { class: "brand-name" }, ["Glassbox ", el("span", { class: "brand-sub", text: { patch: "Patching", diff: "Compare", mlp: "MLP", finetune: "Fine-tuning" }[kind] || "Inspect" })]));
    const line = document.getElementById("model-line");
    // an MLP run (train mlp --html) or a fine-tuning (finetune --html) has no `model`: the run's own facts instead
    if (line) clear(line).append(...(kind === "mlp" ? mlpView.facts(doc) : kind === "finetune" ? finetuneView.facts(doc) : modelFacts(kind === "diff" ? Object.assign({}, doc.a.model, { name: doc.a.id + " \u2192 " + doc.b.id }) : doc.model)));
    const data = el("button", { type: "button", class: "btn small ghost v-data", title: "Download this report's data (JSON)",
      onclick: () => downloadJSON("glassbox-" + kind + ".json", doc) }, [icon("download"), "Data"]);
    header.append(el("span", { class: "spacer" }), data, themeToggle(() => {
      tooltip.hide();
      document.dispatchEvent(new CustomEvent("gb-theme"));
      redrawAll();
    }));
  }
  const app = document.getElementById("app");
  const view = (kind === "patch" ? patchView : kind === "diff" ? diffView : kind === "mlp" ? mlpView
    : kind === "finetune" ? finetuneView : inspectView).render(app, doc);
  // Deep links: report.html#attention opens at that panel, #head-3-2 with layer 3's head 2 enlarged.
  function follow() {
    const m = /^#head-(\d+)-(\d+)$/.exec(location.hash);
    if (m && view.openHead) view.openHead(+m[1], +m[2]);
    else if (m) return;
    else if (location.hash) {
      let id = location.hash.slice(1);
      try { id = decodeURIComponent(id); } catch (e) { /* keep it as written */ }
      const target = document.getElementById(id);
      if (target) target.scrollIntoView();
    }
  }
  follow();
  window.addEventListener("hashchange", follow);
  document.body.dataset.ready = "1";
}

exposeForInspection();
const dataNode = document.getElementById("glassbox-data");
if (dataNode) boot(dataNode);
