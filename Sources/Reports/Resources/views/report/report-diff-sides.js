/* Glassbox report views, diff: the two models compared, a and b, each with ONE name (its model id) and ONE colour
 * (lib/colors.js: the palette's first two), the same in every panel, legend, table and tooltip of the diff view. The
 * view's root carries the colours as --diff-a and --diff-b, which the CSS's chips and bars read. */
import { color } from "../../lib/colors.js";
import { el } from "../../lib/dom.js";

/**
 * @typedef {Object} Side
 * @property {"a"|"b"} key
 * @property {string} name  the model's id ("tiny@40", "bundled")
 * @property {string} colour
 */

/** The sides of a diff document. @returns {{a: Side, b: Side}} */
export function diffSides(doc) {
  const name = (S) => String(S.id || (S.model && S.model.name) || "?");
  return { a: { key: "a", name: name(doc.a), colour: color(0) }, b: { key: "b", name: name(doc.b), colour: color(1) } };
}

/** Puts the sides on the view (v.sides) and their colours on its root. */
export function mountSides(v) {
  v.sides = diffSides(v.doc);
  v.root.style.setProperty("--diff-a", v.sides.a.colour);
  v.root.style.setProperty("--diff-b", v.sides.b.colour);
  return v.sides;
}

/** A side's chip: its letter on its colour, its name as the title. @param {any} v @param {"a"|"b"} k */
export function sideChip(v, k) {
  const S = v.sides[k];
  return el("span", { class: "v-side v-side-" + k, title: S.name, style: { background: S.colour }, text: k });
}

/** A side on the page: its chip and its name. @param {any} v @param {"a"|"b"} k */
export function sideTag(v, k) {
  return el("span", { class: "v-side-tag", style: { whiteSpace: "nowrap" } }, [sideChip(v, k), " ", el("b", { text: v.sides[k].name })]);
}

/** A side in plain text (canvas legends, tooltips, captions): "a · tiny@40". @param {any} v @param {"a"|"b"} k */
export const sideText = (v, k) => k + " \u00b7 " + v.sides[k].name;

/** The change from a to b in plain text: "b − a (tiny@60 − tiny@20)". @param {any} v */
export const changeText = (v) => "b \u2212 a (" + v.sides.b.name + " \u2212 " + v.sides.a.name + ")";

/** The change from a to b on the page: b's chip minus a's. @param {any} v */
export const changeTag = (v) => el("span", { class: "v-side-tag", style: { whiteSpace: "nowrap" }, title: changeText(v) }, [sideChip(v, "b"), " \u2212 ", sideChip(v, "a")]);

/** A legend of both sides: each chip with its name. @param {any} v */
export const sidesLegend = (v) => el("span", { class: "v-sides" }, [sideTag(v, "a"), "  ", sideTag(v, "b")]);
