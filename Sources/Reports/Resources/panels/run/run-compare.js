/* Glassbox Studio, compare page: the "Group by" menu (runs that agree on chosen hyper-parameters drawn as one line)
 * and the legend of runs (or groups) above the charts. */
import { clear, el } from "../../lib/dom.js";
import { icon, statusBadge } from "../../lib/ui.js";
import { redrawAll } from "./run-charts.js";
import { allHPKeys, differingKeys, grouping } from "./run-grouping.js";
import { HP_NOT_MODEL } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */

const enc = encodeURIComponent;

/** The menu's summary text: what the runs are grouped by. @param {string[]} groupBy @param {string[]} allButSeed */
function groupSummary(groupBy, allButSeed) {
  const same = (a, b) => a.length === b.length && a.every((k) => b.includes(k));
  if (!groupBy.length) return "Group by";
  if (same(groupBy, allButSeed)) return "Grouped: all but seed";
  return "Grouped: " + (groupBy.length <= 2 ? groupBy.join(", ") : groupBy.length + " fields");
}

/** The "Group by" menu: a checkbox per hyper-parameter (the differing ones marked), "Everything but seed", "None".
 * @param {RunState} S */
export function renderGroupMenu(S) {
  const menu = S.ui.groupMenu;
  if (!menu) return;
  const keys = allHPKeys(S);
  const diff = new Set(differingKeys(S));
  const panel = el("div", { class: "menu-panel group-panel" });
  const seedLike = keys.filter((k) => /seed/i.test(k));
  const allButSeed = keys.filter((k) => !seedLike.includes(k) && !HP_NOT_MODEL.has(k));
  clear(menu);
  menu.appendChild(el("summary", { class: ["btn", "small", S.groupBy.length ? "primary" : ""], id: "group-by", title: "Draw runs that agree on the chosen hyper-parameters as one line (their mean, with the min–max band)" },
    [groupSummary(S.groupBy, allButSeed), icon("chevron")]));
  menu.appendChild(panel);
  panel.appendChild(el("div", { class: "menu-title", text: "Group runs with equal" }));
  const setGroup = (list) => { S.groupBy = list; renderGroupMenu(S); menu.open = true; regroup(S); };
  panel.appendChild(el("div", { class: "menu-actions" }, [
    el("button", { type: "button", class: "btn small", id: "group-all-but-seed", text: "Everything but seed", onclick: () => setGroup(allButSeed) }),
    el("button", { type: "button", class: "btn small ghost", text: "None", onclick: () => setGroup([]) }),
  ]));
  for (const k of keys) {
    panel.appendChild(el("label", { class: ["menu-check", diff.has(k) ? "differs" : ""] }, [
      el("input", { type: "checkbox", checked: S.groupBy.includes(k), dataset: { key: k }, onchange: (e) => {
        const set = new Set(S.groupBy);
        if (e.target.checked) set.add(k); else set.delete(k);
        S.groupBy = keys.filter((q) => set.has(q));
        renderGroupMenu(S);
        menu.open = true;
        /** @type {HTMLElement} */ (menu.querySelector('input[data-key="' + CSS.escape(k) + '"]')).focus();
        regroup(S);
      } }),
      el("span", { text: k }),
      diff.has(k) ? el("span", { class: "tag-differs", text: "differs" }) : null,
    ]));
  }
}

/** The grouping changed: every chart and the legend again. @param {RunState} S */
function regroup(S) {
  renderLegend(S);
  redrawAll(S);
}

/** A colour swatch. @param {string} c */
export function swatch(c) {
  const sw = el("span", { class: "swatch" });
  sw.style.setProperty("--c", c);
  return sw;
}

/** The legend: each run (its link, status and a way to drop it from the comparison), or each group. @param {RunState} S */
export function renderLegend(S) {
  const node = S.ui.legend;
  if (!node) return;
  clear(node);
  const groups = grouping(S);
  if (groups) {
    for (const g of groups) {
      node.appendChild(el("span", { class: "legend-chip group" }, [swatch(g.color), el("span", { text: g.label }),
        el("span", { class: "muted", text: g.runs.map((r) => r.name).join(", ") })]));
    }
    return;
  }
  for (const r of S.runs) {
    const others = S.runs.filter((q) => q.id !== r.id).map((q) => q.id);
    node.appendChild(el("span", { class: "legend-chip", dataset: { runId: r.id } }, [swatch(r.color),
      el("a", { href: "/runs/" + enc(r.id), text: r.name }), statusBadge(r.detail.status),
      others.length >= 2 ? el("a", { class: "chip-remove", href: "/compare?runs=" + others.map(enc).join(","), title: "Remove " + r.name + " from the comparison", "aria-label": "Remove " + r.name }, icon("close")) : null]));
  }
}

/** The compare page's legend of runs (or groups). */
export const legendPanel = definePanel({
  id: "run/legend", title: "The compared runs (or groups): colour, link and status", needs: ["runs"],
  /** @param {RunState} S */
  when: (S) => S.compare,
  render: (S) => (S.ui.legend = el("div", { class: "run-legend", id: "run-legend" })),
});
