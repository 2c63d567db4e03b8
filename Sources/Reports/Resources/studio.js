/* Glassbox Studio: the router (which page to draw), the theme toggle and error reporting. Plain ES2020. */
import { redrawAll } from "./lib/charts.js";
import { el } from "./lib/dom.js";
import { exposeForInspection } from "./lib/inspector.js";
import { bindThemeToggle } from "./lib/theme.js";
import { tooltip } from "./lib/tooltip.js";
import { bindMenus, emptyState, errorBox, icon, ready } from "./lib/ui.js";
import { generatePage } from "./pages/generate-page.js";
import { inspectPage } from "./pages/inspect-page.js";
import { modelPage } from "./pages/model-page.js";
import { modelsPage } from "./pages/models-page.js";
import { runPage } from "./pages/run-page.js";
import { runsPage } from "./pages/runs-page.js";

const app = document.getElementById("app");


// ---------------------------------------------------------------- errors: always visible, never only in the console

function reportError(err) {
  if (!err || (err.name === "AbortError")) return;
  let box = document.getElementById("global-errors");
  if (!box) {
    box = el("div", { id: "global-errors", class: "page-errors global" });
    app.prepend(box);
  }
  const msg = err.message || String(err);
  if ([...box.children].some((c) => /** @type {HTMLElement} */ (c).dataset.msg === msg)) return;
  const node = el("div", { class: "notice error", role: "alert", dataset: { msg } }, [
    el("span", { class: "notice-text", text: "Something went wrong in this page: " + msg }),
    el("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", title: "Dismiss", onclick: () => node.remove() }, icon("close")),
  ]);
  box.appendChild(node);
  ready();
}
window.addEventListener("error", (e) => { if (e.error || e.message) reportError(e.error || new Error(e.message)); });
window.addEventListener("unhandledrejection", (e) => { reportError(e.reason instanceof Error ? e.reason : new Error(String(e.reason))); e.preventDefault(); });

// ---------------------------------------------------------------- theme

// The switch in the top bar (core.js keeps the choice); pages redraw what they painted on "gb-theme".
const toggle = document.getElementById("theme-toggle");
if (toggle) {
  bindThemeToggle(toggle, () => {
    tooltip.hide();
    document.dispatchEvent(new CustomEvent("gb-theme"));
    redrawAll();
  });
}

// menus (<details>) close on Escape and on a click elsewhere
bindMenus();

// ---------------------------------------------------------------- routing

/** The page for an address that is none (the server answers it with 404): what was asked for, and the ways on. @param {string} path */
function notFound(path) {
  return el("div", { id: "not-found", class: "not-found" }, emptyState("There is no page at this address.", [
    el("p", { class: "mono", text: path }),
    el("p", {}, ["The studio's pages are ", el("a", { href: "/", text: "all runs" }), ", ", el("a", { href: "/models", text: "the models" }), ", ",
      el("a", { href: "/inspect", text: "inspect" }), " and ", el("a", { href: "/generate", text: "generate" }), "."]),
    el("p", {}, el("a", { class: "btn small", href: "/", text: "Back to all runs" })),
  ]));
}

/** Decodes a path segment, keeping it as written when it is not valid percent-encoding. @param {string} s */
function segment(s) { try { return decodeURIComponent(s); } catch (e) { return s; } }

/**
 * The studio's pages: an address pattern, the title, and what draws the page (returning its cleanup, if any).
 * @type {{pattern: RegExp, title: (m: RegExpExecArray) => string, draw: (app: HTMLElement, m: RegExpExecArray) => any}[]}
 */
const ROUTES = [
  { pattern: /^\/$/, title: () => "Runs", draw: (a) => runsPage(a) },
  { pattern: /^\/runs\/([^/]+)$/, title: (m) => segment(m[1]), draw: (a, m) => runPage(a, [segment(m[1])], "run") },
  { pattern: /^\/compare$/, title: () => "Compare", draw: (a) => runPage(a, compareList(), "compare") },
  { pattern: /^\/inspect$/, title: () => "Inspect", draw: (a) => inspectPage(a) },
  { pattern: /^\/generate$/, title: () => "Generate", draw: (a) => generatePage(a) },
  { pattern: /^\/models$/, title: () => "Models", draw: (a) => modelsPage(a) },
  { pattern: /^\/models\/([^/]+)$/, title: (m) => segment(m[1]) + " · model card", draw: (a, m) => modelPage(a, segment(m[1])) },
];

/** The runs of /compare?runs=a,b,c, each once. */
function compareList() {
  const list = (new URLSearchParams(location.search).get("runs") || "").split(",").map((s) => s.trim()).filter(Boolean);
  return [...new Set(list)];
}

/** The top bar's link for a path: Runs for the runs, a run and compare; Models for the models and a card. @param {string} path */
function section(path) {
  if (path === "/" || path.startsWith("/runs/") || path === "/compare") return "/";
  if (path.startsWith("/models")) return "/models";
  return path;
}

function route() {
  const path = location.pathname.replace(/\/+$/, "") || "/";
  document.querySelectorAll(".topnav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === section(path)));
  try {
    for (const r of ROUTES) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      document.title = r.title(m) + " · Glassbox Studio";
      return r.draw(app, m);
    }
    document.title = "Not found · Glassbox Studio";
    app.appendChild(notFound(path));
    ready();
  } catch (err) {
    app.appendChild(errorBox(err));
    ready();
  }
  return null;
}

exposeForInspection();
const cleanup = route();
window.addEventListener("pagehide", () => { if (typeof cleanup === "function") cleanup(); });
// a page restored from the back-forward cache has closed its streams and timers: draw it afresh
window.addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });
