/* Glassbox Studio, inspect page: the progress area of a running analysis. A line of text with a ticking "12 s", a
 * Cancel button and a bar: indeterminate until the server reports a fraction done; with a streamed analysis also a
 * progress line (what is done of how much, the time so far and an estimate of the time left, lib/progress.js). */
import { el } from "../../lib/dom.js";
import { progressText, secondsLeft } from "../../lib/progress.js";
import { icon } from "../../lib/ui.js";
import { seconds } from "./inspect-common.js";

/** @typedef {import("./inspect-common.js").Busy} Busy */
/** @typedef {import("../../lib/progress.js").ProgressEvent} ProgressEvent */

/**
 * An indeterminate progress block; its clock ticks until stop() (the timer is kept in `timers` so the page can end
 * it when it is left).
 * @param {Set<any>} timers @param {string} text @param {string} detail @param {(() => void)|null} onCancel
 * @param {string} [id]  the block's id ("attr-busy"); its Cancel button gets id + "-cancel", its progress line
 *   (once there is one) the id with "-progress" for "-busy" ("attr-progress")
 * @returns {Busy}
 */
export function busy(timers, text, detail, onCancel, id) {
  const clock = el("b", { class: "ins-clock" });
  const fill = el("span", { class: "progress-fill" });
  const bar = el("div", { class: "progress indeterminate", role: "progressbar", "aria-label": text, "aria-valuemin": "0", "aria-valuemax": "100" }, fill);
  const node = el("div", { class: "ins-busy", id, dataset: { state: "running" } }, [
    el("div", { class: "ins-busy-line" }, [
      el("span", { class: "ins-busy-text" }, [el("span", { class: "ins-busy-title", text: text }), " ", clock]),
      onCancel ? el("button", { type: "button", class: "btn small", id: id ? id + "-cancel" : null, onclick: onCancel }, [icon("close"), "Cancel"]) : null,
    ]),
    bar,
    detail ? el("div", { class: "ins-busy-detail", text: detail }) : null,
  ]);
  const t0 = performance.now();
  /** @type {HTMLElement|null} */
  let line = null;
  /** @type {{p: ProgressEvent, unit: string, at: number}|null} the last progress event and when it came */
  let last = null;
  // The progress line between events of a count (done of total): the time so far goes on, and the estimate counts
  // down from the last event's (given to progressText as the fraction that makes it so; the text shows the count,
  // not the fraction, and the line's data-* keep the event's own numbers).
  const render = () => {
    if (!line || !last) return;
    const p = last.p, q = Object.assign({}, p);
    if (typeof p.done === "number" && typeof p.total === "number") {
      const dt = (performance.now() - last.at) / 1000, left = secondsLeft(p.fraction, p.elapsed_s);
      q.elapsed_s = p.elapsed_s + dt;
      if (left !== null && left > 0) q.fraction = q.elapsed_s / (q.elapsed_s + Math.max(0, left - dt));
      // the last events of a refinement can count a little past the total they announced: never "84 of 81"
      if (p.done > p.total) q.total = p.done;
    }
    line.textContent = progressText(q, last.unit);
  };
  const tick = () => { clock.textContent = seconds(performance.now() - t0); render(); };
  tick();
  const timer = setInterval(tick, 250);
  timers.add(timer);
  /** @param {number} f */
  const fraction = (f) => {
    bar.classList.remove("indeterminate");
    bar.setAttribute("aria-valuenow", String(Math.round(100 * f)));
    fill.style.width = (100 * Math.max(0, Math.min(1, f))).toFixed(1) + "%";
  };
  return {
    node,
    stop() { clearInterval(timer); timers.delete(timer); },
    /** From the first reported fraction (0..1) on, the bar shows how far the work is. */
    fraction,
    detail(t) {
      let d = node.querySelector(".ins-busy-detail");
      if (!d) { d = el("div", { class: "ins-busy-detail" }); node.appendChild(d); }
      d.textContent = t;
    },
    progress(p, unit, toBar) {
      const q = Object.assign({}, p);
      if (typeof q.elapsed_s !== "number") q.elapsed_s = (performance.now() - t0) / 1000;
      if (!line) {
        line = el("div", { class: "ins-busy-progress", id: id ? id.replace(/-busy$/, "") + "-progress" : null, style: { fontVariantNumeric: "tabular-nums" } });
        node.insertBefore(line, bar.nextSibling);
      }
      Object.assign(line.dataset, { part: String(q.part || ""), fraction: String(typeof q.fraction === "number" ? q.fraction : ""),
        done: String(typeof q.done === "number" ? q.done : ""), total: String(typeof q.total === "number" ? q.total : "") });
      last = { p: q, unit, at: performance.now() };
      render();
      if (toBar !== false && typeof q.fraction === "number") fraction(q.fraction);
    },
  };
}
