/* Glassbox Studio, inspect page: the three tabs (inspect a prompt, activation patching, compare models). A tab
 * shows its panel, takes the model picker into its form, and puts what it last ran into the address; the arrow
 * keys, Home and End move between them. */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { tooltip } from "../../lib/tooltip.js";
import { TABS, diffFields, inspectFields, patchFields, setData, tabRun } from "./inspect-common.js";

/** @typedef {import("./inspect-common.js").InspectContext} InspectContext */

/**
 * @typedef {Object} InspectTabs
 * @property {HTMLElement} node  the tab list
 * @property {Object<string, HTMLButtonElement>} buttons  by tab name
 */

/** @returns {InspectTabs} */
export function inspectTabs() {
  const button = (name, panel, text) => el("button", { type: "button", role: "tab", id: "tab-" + name, class: "ins-tab", "aria-controls": panel, text });
  const buttons = {
    inspect: button("inspect", "inspect-panel", "Inspect a prompt"),
    patch: button("patch", "patch-panel", "Activation patching"),
    diff: button("diff", "diff-panel", "Compare models"),
  };
  const node = el("div", { class: "ins-tabs", role: "tablist", "aria-label": "What to do" }, [buttons.inspect, buttons.patch, buttons.diff]);
  return { node, buttons };
}

/** The tab's panel and form. @param {InspectContext} ctx @param {string} name @returns {{panel: HTMLElement, form: HTMLFormElement}} */
function parts(ctx, name) {
  return name === "patch" ? ctx.patchForm : name === "diff" ? ctx.diffForm : ctx.form;
}

/** Shows tab `name` (and focuses its button). @param {InspectContext} ctx @param {string} name @param {boolean} [focus] */
export function showTab(ctx, name, focus) {
  ctx.state.tab = name;
  setData(ctx, "tab", name);
  for (const key of TABS) {
    const t = ctx.tabs.buttons[key], on = key === name;
    t.setAttribute("aria-selected", on ? "true" : "false");
    t.tabIndex = on ? 0 : -1;
    t.classList.toggle("on", on);
    parts(ctx, key).panel.hidden = !on;
  }
  // the one model picker serves the inspect and patch forms; the compare form has its two
  if (name !== "diff") {
    const row = parts(ctx, name).form.querySelector(".ins-row"), field = ctx.picker.field;
    if (field.parentNode !== row) row.prepend(field);
  }
  if (focus) ctx.tabs.buttons[name].focus();
  ctx.act.showSummary();
  tooltip.hide();
}

/** The address of the tab shown: what it last ran (edits not run yet stay out of the address). @param {InspectContext} ctx */
function tabAddress(ctx) {
  const tab = ctx.state.tab, r = tabRun(ctx.live, tab);
  const fields = tab === "patch" ? (r ? patchFields(r.s) : { tab }) : tab === "diff" ? (r ? diffFields(r.s) : { tab })
    : r ? inspectFields(/** @type {import("./inspect-common.js").InspectRun} */ (r).s) : {};
  ctx.act.address(fields, false);
}

/** A prompt typed in the inspect tab goes along to an empty compare form. @param {InspectContext} ctx */
function carryPrompt(ctx) {
  const f = ctx.diffForm;
  if (!f.prompt.value.trim() && ctx.form.prompt.value.trim()) { f.prompt.value = ctx.form.prompt.value; if (!f.target.value) f.target.value = ctx.form.target.value; }
}

/** Clicks and keys on the tabs. @param {InspectContext} ctx */
function bindTabs(ctx) {
  for (const key of TABS) ctx.tabs.buttons[key].addEventListener("click", () => { showTab(ctx, key); tabAddress(ctx); });
  ctx.tabs.buttons.diff.addEventListener("click", () => carryPrompt(ctx));
  ctx.tabs.node.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight" && e.key !== "Home" && e.key !== "End") return;
    e.preventDefault();
    const i = TABS.indexOf(ctx.state.tab), n = TABS.length;
    const next = e.key === "Home" ? TABS[0] : e.key === "End" ? TABS[n - 1] : TABS[(i + (e.key === "ArrowRight" ? 1 : n - 1)) % n];
    showTab(ctx, next, true);
    tabAddress(ctx);
  });
}

/** The tab list (its clicks and keys bound: they act on the forms, which the page mounts after it). */
export const tabsPanel = definePanel({
  id: "inspect/tabs",
  title: "the three tabs: inspect a prompt, activation patching, compare models",
  needs: ["tab"],
  render: (state, ctx) => {
    ctx.tabs = inspectTabs();
    bindTabs(ctx);
    return ctx.tabs.node;
  },
});
