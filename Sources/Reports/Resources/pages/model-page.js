/* Glassbox Studio: the model page (/models/{id}), a model's card: its size class, where its parameters are, its
 * architecture (a diagram and a tree), how its weights are stored (types and bytes) and statistics of every weight
 * matrix (a layers × kind heatmap; a click shows that matrix's histogram). The document is the model's card
 * (api.js modelCard; docs/studio-api.md). This module fetches it and frames the panels of panels/model/
 * (model-card.js draws them).
 *
 * For tests: #model-page carries data-state (loading | shown | error); #size-class[data-class], #param-split,
 * #arch-diagram, #arch-tree (details.mt-node), #types-table, #weight-grid (td.wg-cell[data-name]), #weight-detail
 * [data-name], #weight-hist (a canvas; data-drawn, data-bins), #weights-table. */
import { modelCard as fetchCard } from "../api.js";
import { clear, el } from "../lib/dom.js";
import { downloadJSON } from "../lib/download.js";
import { compact, slug } from "../lib/format.js";
import { errorBox, ready } from "../lib/ui.js";
import { views } from "../views/report-views.js";
import { SIZE_CLASSES, partOf } from "../panels/model/model-card-common.js";
import { renderCard } from "../panels/model/model-card.js";
import { loadModels, modelHead, readingBusy, setCrumbs } from "../panels/model/model-page-head.js";

/** The card's drawing, for other pages: render(root, card, opts) returns {select(name), destroy()}. */
export const modelCard = { render: renderCard, SIZE_CLASSES, partOf };

/** Names the page after the model and fills the facts under the title. @param {any} head @param {string} id @param {any} entry @param {any} card */
function showTitle(head, id, entry, card) {
  const m = card.model || {};
  const name = entry ? (entry.kind === "checkpoint" ? entry.name : String(entry.name || m.name).replace(/\.gguf$/i, "")) : m.name || id;
  head.title.textContent = name;
  document.title = name + " · model card · Glassbox Studio";
  clear(head.summary);
  if (views && views.modelFacts) head.summary.appendChild(el("span", { class: "ins-facts" }, views.modelFacts(Object.assign({}, m, { name: null }))));
  else head.summary.textContent = [m.architecture, compact(m.parameters) + " parameters", m.layers + " layers"].join(" · ");
  head.dataBtn.hidden = false;
  head.dataBtn.onclick = () => downloadJSON(slug("model-card-" + name) + ".json", card);
}

/** Draws model id's card into app; returns what ends it. @param {HTMLElement} app @param {string} id */
export function modelPage(app, id) {
  const live = { stopped: false, view: null };
  const ctrl = new AbortController();
  const head = modelHead(id);
  const status = el("div", { class: "ins-status", id: "model-status", role: "status", "aria-live": "polite" });
  const out = el("div", { class: "mc-out", id: "model-out" });
  const page = el("div", { class: "page model-page", id: "model-page", dataset: { state: "loading", model: id } }, [head.crumbs, head.node, status, out]);
  clear(app).appendChild(page);

  async function start() {
    const b = readingBusy();
    status.appendChild(b.node);
    const [entry, card] = await Promise.all([loadModels(head, id, ctrl.signal), fetchCard(id, ctrl.signal).catch((err) => ({ error: err }))]);
    b.stop();
    if (live.stopped) return;
    clear(status);
    setCrumbs(head, id, entry);
    if (card.error) {
      const err = card.error;
      if (err.name === "AbortError") return;
      page.dataset.state = "error";
      status.appendChild(errorBox(err, err.status === 404 ? "There is no model '" + id + "' here" : "Could not read this model's card"));
      ready();
      return;
    }
    showTitle(head, id, entry, card);
    live.view = renderCard(out, card, {
      weight: new URLSearchParams(location.search).get("weight") || "",
      onSelect(w) {
        const q = new URLSearchParams(location.search);
        q.set("weight", w);
        history.replaceState(null, "", location.pathname + "?" + q.toString());
      },
    });
    page.dataset.state = "shown";
    requestAnimationFrame(() => requestAnimationFrame(() => ready()));
  }

  start().catch((err) => {
    if (live.stopped || (err && err.name === "AbortError")) return;
    page.dataset.state = "error";
    status.appendChild(errorBox(err));
    ready();
  });

  return () => {
    live.stopped = true;
    ctrl.abort();
    if (live.view) live.view.destroy();
  };
}
