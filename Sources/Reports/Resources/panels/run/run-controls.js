/* Glassbox Studio, run and compare pages: the sticky chart controls (smoothing, x axis, log y, reset zoom, the
 * compare page's "Group by" menu) and the live indicator. */
import { el } from "../../lib/dom.js";
import { store } from "../../lib/storage.js";
import { debounce, icon } from "../../lib/ui.js";
import { setChartOptions } from "./run-charts.js";
import { renderGroupMenu } from "./run-compare.js";
import { loadSeries } from "./run-series.js";
import { clampSmoothing } from "./run-state.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./run-state.js").RunState} RunState */

/** The toolbar of chart controls. @param {RunState} S @param {import("./run-state.js").RunContext} ctx */
export function buildControls(S, ctx) {
  const smoothingInput = el("input", { type: "range", id: "smoothing", min: "0", max: "0.99", step: "0.01", value: String(S.smoothing), "aria-label": "Smoothing" });
  const smoothingOut = el("output", { for: "smoothing", class: "range-value", id: "smoothing-value", text: S.smoothing.toFixed(2) });
  const applySmoothing = debounce(() => {
    S.smoothing = clampSmoothing(Number(smoothingInput.value));
    store.set("smoothing", S.smoothing);
    ctx.saveView();
    loadSeries(S);
  }, 150);
  smoothingInput.addEventListener("input", () => { smoothingOut.textContent = Number(smoothingInput.value).toFixed(2); applySmoothing(); });

  const xSelect = el("select", { id: "x-axis", class: "select", "aria-label": "Horizontal axis" }, [
    el("option", { value: "step", text: "Step" }), el("option", { value: "relative", text: "Relative time" }), el("option", { value: "wall", text: "Wall time" })]);
  xSelect.value = S.xMode;
  xSelect.addEventListener("change", () => {
    S.xMode = xSelect.value;
    store.set("xmode", S.xMode);
    ctx.saveView();
    setChartOptions(S, { xMode: S.xMode });
  });
  const logYBox = el("input", { type: "checkbox", id: "log-y", checked: S.logY });
  logYBox.addEventListener("change", () => {
    S.logY = logYBox.checked;
    ctx.saveView();
    setChartOptions(S, { logY: S.logY });
  });
  S.ui.resetBtn = el("button", { type: "button", id: "reset-zoom", class: ["btn small", S.zoom ? "primary" : null], disabled: !S.zoom, title: "Drag across a chart to zoom; double-click it or press this to see every step", onclick: () => ctx.setZoom(null) }, [icon("reset"), "Reset zoom"]);
  S.ui.live = el("span", { class: "live-indicator", id: "live-indicator", "aria-live": "polite" });

  /** @type {HTMLElement[]} */
  const parts = [
    el("label", { class: "control" }, [el("span", { class: "control-label", text: "Smoothing" }), smoothingInput, smoothingOut]),
    el("label", { class: "control" }, [el("span", { class: "control-label", text: "X axis" }), xSelect]),
    el("label", { class: "control check" }, [logYBox, el("span", { text: "Log y" })]),
    S.ui.resetBtn,
  ];
  if (S.compare) {
    S.ui.groupMenu = el("details", { class: "menu group-menu" });
    parts.push(S.ui.groupMenu);
    renderGroupMenu(S);
  }
  parts.push(el("span", { class: "spacer" }), S.ui.live);
  return el("div", { class: "toolbar controls sticky", role: "group", "aria-label": "Chart controls" }, parts);
}

/** Zooms every chart to a span of steps (null: every step) and fetches the series for it. @param {RunState} S
 * @param {{from: number, to: number}|null} z */
export function setZoom(S, z) {
  S.zoom = z;
  S.ui.resetBtn.disabled = !z;
  S.ui.resetBtn.classList.toggle("primary", !!z);
  setChartOptions(S, { zoom: z });
  loadSeries(S);
}

/** "live: updating" while an event stream is open on a live run. @param {RunState} S */
export function setLiveText(S) {
  const node = S.ui.live;
  if (!node) return;
  const open = S.sources.filter((s) => s.readyState === 1).length;
  const live = S.runs.filter((r) => r.detail.status === "live").length;
  node.classList.toggle("on", open > 0 && live > 0);
  node.textContent = open > 0 && live > 0 ? (S.compare ? live + " live" : "live: updating") : "";
}

/** The chart controls. */
export const controlsPanel = definePanel({
  id: "run/controls", title: "Smoothing, x axis, log scale, zoom reset, grouping and the live indicator", needs: ["smoothing", "xMode"],
  render: (S, ctx) => buildControls(S, ctx),
});
