/* Glassbox Studio, probe timeline: small pieces its panels share. The colour legend, the "how to read it" line, a
 * card's head, the key of the first top-1 mark, and a step linking to the inspect page. */
import { colorScale } from "../../lib/colors.js";
import { el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";

/** A colour legend: the bar with numbers under it (at 0, ¼, ½, ¾, 1 of the scale), then a note.
 * @param {(t: number) => string} tick @param {string} note @param {Node} [extra] */
export function legend(tick, note, extra) {
  const sc = colorScale("sequential");
  const bar = el("span", { class: "v-scale-bar" });
  bar.style.backgroundImage = sc.gradient();
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => el("span", { style: { left: 100 * t + "%" }, text: tick(t) }));
  return el("div", { class: "v-legend" }, [el("span", { class: "v-scale" }, [bar, el("span", { class: "v-ticks" }, ticks)]),
    note ? el("span", { class: "muted", text: note }) : null, extra || null]);
}

/** The key of the mark on each depth's first top-1 cell. */
export function firstKey() {
  return el("span", { class: "probe-first-key" }, [el("span", { class: "probe-first-mark", "aria-hidden": "true" }), "first checkpoint where that depth ranks the answer first"]);
}

/** "How to read it: ..." @param {string} text */
export const howToRead = (text) => el("p", { class: "v-read" }, [el("b", { text: "How to read it: " }), text]);

/** A card's head: its title, a note, then controls at the right. @param {string} title @param {string} [sub] @param {any} [extra] */
export const cardHead = (title, sub, extra) => el("div", { class: "probe-card-head" }, [el("h3", { class: "chart-title", text: title }),
  sub ? el("span", { class: "chart-sub", text: sub }) : null, el("span", { class: "spacer" }), extra]);

/** A link to the inspect page on a checkpoint (a.probe-step-link[data-step]). @param {string} href @param {number} step @param {string} text */
export const stepLink = (href, step, text) => el("a", { href, class: "probe-step-link", dataset: { step: String(step) },
  title: "Look inside the checkpoint at step " + int(step), text });
