/* Glassbox Studio: the router (which page to draw), the theme toggle and error reporting. Plain ES2020. */
"use strict";

(function (GB) {
  const { el } = GB;
  const app = document.getElementById("app");

  /** Marks the page as drawn (tests wait for body[data-ready="1"]). */
  GB.ready = function () { document.body.dataset.ready = "1"; };

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
      el("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss", title: "Dismiss", onclick: () => node.remove() }, GB.icon("close")),
    ]);
    box.appendChild(node);
    GB.ready();
  }
  window.addEventListener("error", (e) => { if (e.error || e.message) reportError(e.error || new Error(e.message)); });
  window.addEventListener("unhandledrejection", (e) => { reportError(e.reason instanceof Error ? e.reason : new Error(String(e.reason))); e.preventDefault(); });

  // ---------------------------------------------------------------- theme

  // The switch in the top bar (core.js keeps the choice); pages redraw what they painted on "gb-theme".
  const toggle = document.getElementById("theme-toggle");
  if (toggle) {
    GB.bindThemeToggle(toggle, () => {
      GB.tooltip.hide();
      document.dispatchEvent(new CustomEvent("gb-theme"));
      GB.redrawAll();
    });
  }

  // menus (<details>) close on Escape and on a click elsewhere
  GB.bindMenus();

  // ---------------------------------------------------------------- routing

  function route() {
    const path = location.pathname.replace(/\/+$/, "") || "/";
    const nav = document.querySelectorAll(".topnav a");
    nav.forEach((a) => a.classList.toggle("active", a.getAttribute("href") === "/" ? path === "/" || path.startsWith("/runs/") || path === "/compare" : path === a.getAttribute("href")));
    try {
      if (path === "/") {
        document.title = "Runs · Glassbox Studio";
        return GB.runsPage(app);
      }
      const m = /^\/runs\/([^/]+)$/.exec(path);
      if (m) {
        let id;
        try { id = decodeURIComponent(m[1]); } catch (e) { id = m[1]; }
        document.title = id + " · Glassbox Studio";
        return GB.runPage(app, [id], "run");
      }
      if (path === "/inspect") {
        document.title = "Inspect · Glassbox Studio";
        return GB.inspectPage(app);
      }
      const mm = /^\/models\/([^/]+)$/.exec(path);
      if (mm) {
        let id;
        try { id = decodeURIComponent(mm[1]); } catch (e) { id = mm[1]; }
        document.title = id + " · model card · Glassbox Studio";
        return GB.modelPage(app, id);
      }
      if (path === "/generate") {
        document.title = "Generate · Glassbox Studio";
        return GB.generatePage(app);
      }
      if (path === "/compare") {
        const list = (new URLSearchParams(location.search).get("runs") || "").split(",").map((s) => s.trim()).filter(Boolean);
        document.title = "Compare · Glassbox Studio";
        return GB.runPage(app, [...new Set(list)], "compare");
      }
      document.title = "Not found · Glassbox Studio";
      app.appendChild(GB.emptyState("There is no page here.", [el("p", {}, ["See ", el("a", { href: "/", text: "all runs" }), "."])]));
      GB.ready();
    } catch (err) {
      app.appendChild(GB.errorBox(err));
      GB.ready();
    }
    return null;
  }

  const cleanup = route();
  window.addEventListener("pagehide", () => { if (typeof cleanup === "function") cleanup(); });
  // a page restored from the back-forward cache has closed its streams and timers: draw it afresh
  window.addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });
})(window.GB);
