/* Glassbox Studio, run and compare pages: the hyper-parameters section (one run's table; on the compare page a
 * column per run, the differing rows marked, "Show only differing"). */
import { clear, el } from "../../lib/dom.js";
import { store } from "../../lib/storage.js";
import { swatch } from "./run-compare.js";
import { allHPKeys, differingKeys } from "./run-grouping.js";
import { hpText } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */

const enc = encodeURIComponent;

/** Draws the section S.ui.hp again. @param {RunState} S */
export function renderHP(S) {
  const node = S.ui.hp;
  clear(node);
  const keys = allHPKeys(S);
  const head = el("div", { class: "section-head" }, [el("h2", { class: "section-title", text: "Hyper-parameters" })]);
  node.appendChild(head);
  if (!keys.length) { node.appendChild(el("p", { class: "muted", text: "No hyper-parameters recorded." })); return; }
  if (!S.compare) {
    const hp = S.runs[0].detail.hyper_parameters || {};
    const table = el("table", { class: "kv-table", id: "hp-table" }, el("tbody", {}, keys.map((k) =>
      el("tr", { dataset: { key: k } }, [el("th", { scope: "row", text: k }), el("td", { class: "mono", text: hpText(hp[k]) })]))));
    node.appendChild(el("div", { class: "card kv-card" }, table));
    return;
  }
  const diff = new Set(differingKeys(S));
  const toggle = el("input", { type: "checkbox", id: "only-differing", checked: S.onlyDiffering, onchange: (e) => {
    S.onlyDiffering = e.target.checked;
    store.set("compare.onlyDiffering", S.onlyDiffering);
    renderHP(S);
    document.getElementById("only-differing").focus();
  } });
  head.appendChild(el("span", { class: "section-sub", text: diff.size ? diff.size + " of " + keys.length + " differ" : "all equal" }));
  head.appendChild(el("span", { class: "spacer" }));
  head.appendChild(el("label", { class: "control check" }, [toggle, el("span", { text: "Show only differing" })]));
  const rows = keys.filter((k) => !S.onlyDiffering || diff.has(k)).map((k) =>
    el("tr", { class: diff.has(k) ? "differs" : "", dataset: { key: k } }, [
      el("th", { scope: "row" }, [k, diff.has(k) ? el("span", { class: "visually-hidden", text: " (differs)" }) : null]),
      S.runs.map((r) => el("td", { class: "mono", text: hpText((r.detail.hyper_parameters || {})[k]) }))]));
  const table = el("table", { class: "compare-table", id: "hp-table" }, [
    el("thead", {}, el("tr", {}, [el("th", { text: "" }), S.runs.map((r) => el("th", { scope: "col" }, [swatch(r.color), el("a", { href: "/runs/" + enc(r.id), text: r.name })]))])),
    el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: String(S.runs.length + 1), class: "muted", text: "Every hyper-parameter is equal across these runs." }))),
  ]);
  node.appendChild(el("div", { class: "card table-wrap" }, table));
}

/** The hyper-parameters (a column per run on the compare page). */
export const hyperParametersPanel = definePanel({
  id: "run/hyper-parameters", title: "The hyper-parameters, the differing ones marked when comparing", needs: ["runs"],
  /** @param {RunState} S */
  render(S) {
    S.ui.hp = el("section", { class: "section hp-section", id: "hyper-parameters" });
    renderHP(S);
    return S.ui.hp;
  },
});
