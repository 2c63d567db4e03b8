/* Glassbox Studio, inspect page: the progress area of a running analysis. A line of text with a ticking "12 s", a
 * Cancel button and a bar: indeterminate until the server reports a fraction done. */
import { el } from "../../lib/dom.js";
import { icon } from "../../lib/ui.js";
import { seconds } from "./inspect-common.js";

/** @typedef {import("./inspect-common.js").Busy} Busy */

/**
 * An indeterminate progress block; its clock ticks until stop() (the timer is kept in `timers` so the page can end
 * it when it is left).
 * @param {Set<any>} timers @param {string} text @param {string} detail @param {(() => void)|null} onCancel
 * @param {string} [id]  the block's id; its Cancel button gets id + "-cancel"
 * @returns {Busy}
 */
export function busy(timers, text, detail, onCancel, id) {
  const clock = el("b", { class: "ins-clock" });
  const fill = el("span", { class: "progress-fill" });
  const bar = el("div", { class: "progress indeterminate", role: "progressbar", "aria-label": text }, fill);
  const node = el("div", { class: "ins-busy", id, dataset: { state: "running" } }, [
    el("div", { class: "ins-busy-line" }, [
      el("span", { class: "ins-busy-text" }, [el("span", { class: "ins-busy-title", text: text }), " ", clock]),
      onCancel ? el("button", { type: "button", class: "btn small", id: id ? id + "-cancel" : null, onclick: onCancel }, [icon("close"), "Cancel"]) : null,
    ]),
    bar,
    detail ? el("div", { class: "ins-busy-detail", text: detail }) : null,
  ]);
  const t0 = performance.now();
  const tick = () => { clock.textContent = seconds(performance.now() - t0); };
  tick();
  const timer = setInterval(tick, 250);
  timers.add(timer);
  return {
    node,
    stop() { clearInterval(timer); timers.delete(timer); },
    /** From the first reported fraction (0..1) on, the bar shows how far the work is. */
    fraction(f) {
      bar.classList.remove("indeterminate");
      bar.setAttribute("aria-valuenow", String(Math.round(100 * f)));
      fill.style.width = (100 * Math.max(0, Math.min(1, f))).toFixed(1) + "%";
    },
    detail(t) {
      let d = node.querySelector(".ins-busy-detail");
      if (!d) { d = el("div", { class: "ins-busy-detail" }); node.appendChild(d); }
      d.textContent = t;
    },
  };
}
