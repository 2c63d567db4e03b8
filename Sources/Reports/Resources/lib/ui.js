/* Glassbox front end: small shared pieces of pages: the ready mark, status badges, error boxes, empty states, icons, menus. */
import { clear, el } from "./dom.js";
import { tooltip } from "./tooltip.js";

/** Marks the page as drawn (tests wait for body[data-ready="1"]). */
export function ready() { document.body.dataset.ready = "1"; }

/**
 * fn, run once `ms` after the last of a burst of calls (with that call's arguments); `.cancel()` drops a pending run.
 * @template {(...args: any[]) => void} F
 * @param {F} fn @param {number} ms
 * @returns {F & {cancel: () => void}}
 */
export function debounce(fn, ms) {
  let t = null;
  const d = /** @type {any} */ ((...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); });
  d.cancel = () => clearTimeout(t);
  return d;
}

export const statusInfo = {
  live: { label: "live", title: "Recording now" },
  finished: { label: "finished", title: "Ran to its last step" },
  failed: { label: "failed", title: "Stopped by an error" },
  interrupted: { label: "interrupted", title: "Stopped by Ctrl-C or SIGTERM; resume with glassbox train --resume RUN" },
  "stopped-early": { label: "stopped early", title: "Stopped by early stopping (validation loss rising)" },
  stale: { label: "stale", title: "Recorded as running, but the process recording it is gone (killed?); resume with glassbox train --resume RUN" },
  imported: { label: "imported", title: "Imported from TensorBoard event files (glassbox import-tensorboard)" },
};

export function statusBadge(status) {
  const info = statusInfo[status] || { label: status || "unknown", title: "" };
  return el("span", { class: ["badge", "status-" + String(status || "unknown").replace(/[^a-z-]/g, "")], title: info.title, "data-status": status },
    [status === "live" ? el("span", { class: "pulse", "aria-hidden": "true" }) : null, info.label]);
}

/** A friendly, visible error box. */
export function errorBox(err, title) {
  const msg = err && err.message ? err.message : String(err);
  return el("div", { class: "error-box", role: "alert" }, [
    el("div", { class: "error-title", text: title || "Something went wrong" }),
    el("div", { class: "error-text", text: msg }),
    el("div", { class: "error-actions" }, [
      el("button", { class: "btn small", type: "button", text: "Reload", onclick: () => location.reload() }),
      el("a", { class: "btn small ghost", href: "/", text: "All runs" }),
    ]),
  ]);
}

/** errorBox with "Try again" (calling retry) in place of the page-wide actions, or no action without retry.
 * @param {any} err @param {string} title @param {() => void} [retry] */
export function retryBox(err, title, retry) {
  const box = errorBox(err, title);
  const actions = box.querySelector(".error-actions");
  if (actions) {
    clear(actions);
    if (retry) actions.appendChild(el("button", { type: "button", class: "btn small", text: "Try again", onclick: retry }));
    else actions.remove();
  }
  return box;
}

export function emptyState(title, lines) {
  return el("div", { class: "empty" }, [
    el("div", { class: "empty-title", text: title }),
    (lines || []).map((l) => (typeof l === "string" ? el("p", { text: l }) : l)),
  ]);
}

// ---------------------------------------------------------------- icons (our own paths, 16 × 16, stroked)

const ICONS = {
  download: "M8 2.5v8M4.5 7 8 10.5 11.5 7M3 13.5h10",
  sun: "M8 4.6a3.4 3.4 0 1 0 0 6.8 3.4 3.4 0 1 0 0-6.8ZM8 1v1.6M8 13.4V15M1 8h1.6M13.4 8H15M3.05 3.05l1.13 1.13M11.82 11.82l1.13 1.13M3.05 12.95l1.13-1.13M11.82 4.18l1.13-1.13",
  moon: "M13.5 9.6A5.8 5.8 0 0 1 6.4 2.5a5.8 5.8 0 1 0 7.1 7.1Z",
  chevron: "M4 6l4 4 4-4",
  left: "M10 3.5 5.5 8l4.5 4.5",
  right: "M6 3.5 10.5 8 6 12.5",
  close: "M4 4l8 8M12 4l-8 8",
  columns: "M2.5 3h11v10h-11zM6.2 3v10M9.8 3v10",
  compare: "M2 12.5 6 7l3 3 5-6.5",
  reset: "M3 8a5 5 0 1 0 1.5-3.6M3 2.5v2.6h2.6",
};
export function icon(name, cls) {
  const svg = el("svg:svg", { viewBox: "0 0 16 16", width: "16", height: "16", class: ["icon", cls], "aria-hidden": "true", focusable: "false" });
  svg.appendChild(el("svg:path", { d: ICONS[name] || "", fill: "none", stroke: "currentColor", "stroke-width": "1.6", "stroke-linecap": "round", "stroke-linejoin": "round" }));
  return svg;
}

/** The Glassbox mark (the studio's top bar draws the same one in studio.html). */
export function logo() {
  return el("svg:svg", { class: "logo", viewBox: "0 0 24 24", width: "22", height: "22", "aria-hidden": "true", focusable: "false" }, [
    el("svg:rect", { x: "2.5", y: "2.5", width: "19", height: "19", rx: "5", fill: "none", stroke: "currentColor", "stroke-width": "1.8" }),
    el("svg:path", { d: "M6.5 15.5 10 11l3 2.5 4.5-6", fill: "none", stroke: "currentColor", "stroke-width": "1.8", "stroke-linecap": "round", "stroke-linejoin": "round" }),
  ]);
}

// ---------------------------------------------------------------- menus

let menusBound = false;
/** Menus built on <details class="menu"> close on a click elsewhere and on Escape (which also hides the
 * tooltip, as scrolling does). Once per page. */
export function bindMenus() {
  if (menusBound) return;
  menusBound = true;
  document.addEventListener("click", (e) => {
    const target = /** @type {Node} */ (e.target);
    if (!target.isConnected) return; // a menu that redrew itself under the click stays open
    for (const d of document.querySelectorAll("details.menu[open]")) if (!d.contains(target)) /** @type {HTMLDetailsElement} */ (d).open = false;
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    for (const d of /** @type {NodeListOf<HTMLDetailsElement>} */ (document.querySelectorAll("details.menu[open]"))) { d.open = false; const s = d.querySelector("summary"); if (s) s.focus(); }
    tooltip.hide();
  });
  window.addEventListener("scroll", () => tooltip.hide(), { passive: true });
}
