/* Glassbox Studio, model page: the status line (#model-status) under the head: the progress line while the
 * weights are read (#model-busy, its clock counting from when the card was asked for), or why the card could not
 * be read (an error box); empty once the card is shown. */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";
import { errorBox } from "../../lib/ui.js";

/** The progress line while the card is computed; stop() ends its clock. @param {number} t0 when it began (performance.now())
 * @returns {{node: HTMLElement, stop: () => void}} */
export function readingBusy(t0) {
  const clock = el("b", { class: "ins-clock" });
  const tick = () => { clock.textContent = ((performance.now() - t0) / 1000).toFixed(1) + " s"; };
  tick();
  const timer = setInterval(tick, 250);
  const node = el("div", { class: "ins-busy", id: "model-busy" }, [
    el("div", { class: "ins-busy-line" }, [el("span", { class: "ins-busy-text" }, [el("span", { class: "ins-busy-title", text: "Reading the weights" }), " ", clock])]),
    el("div", { class: "progress indeterminate", role: "progressbar", "aria-label": "Reading the weights" }, el("span", { class: "progress-fill" })),
    el("div", { class: "ins-busy-detail", text: "Every matrix is read once (and dequantised if it is quantised) for its statistics: a few seconds for a model of a hundred million parameters." }),
  ]);
  return { node, stop: () => clearInterval(timer) };
}

/** The status line of a page state; a progress line is left in ctx.busy (the page stops it).
 * @param {{id: string, phase: string, started: number, error: any}} s @param {{busy: {node: HTMLElement, stop: () => void}|null}} ctx */
function statusLine(s, ctx) {
  const node = el("div", { class: "ins-status", id: "model-status", role: "status", "aria-live": "polite" });
  if (s.phase === "loading") node.appendChild((ctx.busy = readingBusy(s.started)).node);
  else if (s.phase === "error" && s.error) {
    node.appendChild(errorBox(s.error, s.error.status === 404 ? "There is no model '" + s.id + "' here" : "Could not read this model's card"));
  }
  return node;
}

/** Reading the weights, or why the card could not be read. */
export const statusPanel = definePanel({
  id: "model/status", title: "The progress line while the weights are read, or why the card could not be read", needs: ["id", "phase", "started", "error"],
  render: statusLine,
});
