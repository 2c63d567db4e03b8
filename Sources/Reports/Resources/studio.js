/* Glassbox Studio: the router (which page to draw), the theme toggle and error reporting. Plain ES2020. */
import { redrawAll } from "./lib/charts.js";
import { el } from "./lib/dom.js";
import { bindThemeToggle } from "./lib/theme.js";
import { tooltip } from "./lib/tooltip.js";
import { bindMenus, emptyState, errorBox, icon, ready } from "./lib/ui.js";
import { generatePage } from "./pages/generate-page.js";
import { inspectPage } from "./pages/inspect-page.js";
import { modelPage } from "./pages/model-page.js";
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
  if ([...box.children].some((c) => c.dataset.msg === msg)) return;
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

function route() {
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const nav = document.querySelectorAll(".topnav a");
  nav.forEach((a) => a.classList.toggle("active", a.getAttribute("href") === "/" ? path === "/" || path.startsWith("/runs/") || path === "/compare" : path === a.getAttribute("href")));
  try {
    if (path === "/") {
      document.title = "Runs · Glassbox Studio";
      return runsPage(app);
    }
    const m = /^\/runs\/([^/]+)$/.exec(path);
    if (m) {
      let id;
      try { id = decodeURIComponent(m[1]); } catch (e) { id = m[1]; }
      document.title = id + " · Glassbox Studio";
      return runPage(app, [id], "run");
    }
    if (path === "/inspect") {
      document.title = "Inspect · Glassbox Studio";
      return inspectPage(app);
    }
    const mm = /^\/models\/([^/]+)$/.exec(path);
    if (mm) {
      let id;
      try { id = decodeURIComponent(mm[1]); } catch (e) { id = mm[1]; }
      document.title = id + " · model card · Glassbox Studio";
      return modelPage(app, id);
    }
    if (path === "/generate") {
      document.title = "Generate · Glassbox Studio";
      return generatePage(app);
    }
    if (path === "/compare") {
      const list = (new URLSearchParams(location.search).get("runs") || "").split(",").map((s) => s.trim()).filter(Boolean);
      document.title = "Compare · Glassbox Studio";
      return runPage(app, [...new Set(list)], "compare");
    }
    document.title = "Not found · Glassbox Studio";
    app.appendChild(emptyState("There is no page here.", [el("p", {}, ["See ", el("a", { href: "/", text: "all runs" }), "."])]));
    ready();
  } catch (err) {
    app.appendChild(errorBox(err));
    ready();
  }
  return null;
}

const cleanup = route();
window.addEventListener("pagehide", () => { if (typeof cleanup === "function") cleanup(); });
// a page restored from the back-forward cache has closed its streams and timers: draw it afresh
window.addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });
