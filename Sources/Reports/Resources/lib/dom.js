/* Glassbox front end: building the DOM (el, append, clear, $). */
/**
 * el("div", {class: "x", text: "hi", onclick: fn, dataset: {a: 1}}, [children]); "svg:rect" makes an SVG element.
 * @template {string} K
 * @param {K} tag
 * @param {Object<string, any>} [attrs]
 * @param {any} [children]  a node, a string or number, or an array of them (nested; null, undefined and false skipped)
 * @returns {K extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[K] : HTMLElement}
 */
export function el(tag, attrs, children) {
  const svg = tag.startsWith("svg:");
  const node = /** @type {any} */ (svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag));
  if (attrs) {
    for (const key of Object.keys(attrs)) {
      const v = attrs[key];
      if (v === undefined || v === null || v === false) continue;
      if (key === "class") node.setAttribute("class", Array.isArray(v) ? v.filter(Boolean).join(" ") : v);
      else if (key === "text") node.textContent = String(v);
      else if (key === "dataset") Object.assign(node.dataset, v);
      else if (key === "style" && typeof v === "object") Object.assign(node.style, v); // CSSOM: allowed under a strict CSP
      else if (key.startsWith("on") && typeof v === "function") node.addEventListener(key.slice(2), v);
      else if (key === "value" && !svg) node.value = v;
      else if (key === "checked" || key === "disabled" || key === "selected") node[key] = !!v;
      else node.setAttribute(key, v === true ? "" : String(v));
    }
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  if (children === undefined || children === null || children === false) return node;
  if (!Array.isArray(children)) children = [children];
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(node, c);
    else node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function $(sel, root) { return (root || document).querySelector(sel); }
