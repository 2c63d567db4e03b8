/* Glassbox front end: the one tooltip every chart and table shares. */
import { append, clear, el } from "./dom.js";

let tipNode = null;
export const tooltip = {
  /** content: a string or DOM nodes; (x, y): client coordinates of the pointer. */
  show(content, x, y) {
    if (!tipNode) {
      tipNode = el("div", { class: "gb-tooltip", role: "tooltip" });
      document.body.appendChild(tipNode);
    }
    clear(tipNode);
    append(tipNode, content);
    tipNode.classList.add("on");
    const w = tipNode.offsetWidth, h = tipNode.offsetHeight;
    const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
    let left = x + 14, top = y + 14;
    if (left + w > vw - 6) left = Math.max(6, x - w - 14);
    if (top + h > vh - 6) top = Math.max(6, y - h - 14);
    tipNode.style.left = left + "px";
    tipNode.style.top = top + "px";
  },
  hide() { if (tipNode) tipNode.classList.remove("on"); },
  /** Shows contentOf(event) while the pointer moves over node (nothing when it returns a falsy value): one
   * listener for a whole grid of cells, found with event.target. */
  attach(node, contentOf) {
    node.addEventListener("pointermove", (e) => {
      const c = contentOf(e);
      if (c) tooltip.show(c, e.clientX, e.clientY); else tooltip.hide();
    });
    node.addEventListener("pointerleave", () => tooltip.hide());
    return node;
  },
  /** Tooltip content in the charts' style: a head line, [label, value] rows, then notes (muted, below a rule). */
  content(head, rows, notes) {
    const n = (notes || []).filter(Boolean);
    return [
      head ? el("div", { class: "tip-head", text: head }) : null,
      (rows || []).filter(Boolean).map(([label, value]) => el("div", { class: "tip-row" }, [
        el("span", { class: "tip-label", text: label }), el("b", { text: String(value) })])),
      n.length ? el("div", { class: "tip-marker", text: n.join("\n") }) : null,
    ];
  },
};
