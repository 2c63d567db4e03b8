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

  const toggle = document.getElementById("theme-toggle");
  function syncToggle() {
    const dark = GB.currentTheme() === "dark";
    if (!toggle) return;
    toggle.setAttribute("aria-pressed", dark ? "true" : "false");
    toggle.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
    toggle.setAttribute("aria-label", toggle.title);
  }
  function themeChanged() {
    syncToggle();
    GB.tooltip.hide();
    document.dispatchEvent(new CustomEvent("gb-theme"));
    GB.redrawAll();
  }
  if (toggle) {
    toggle.addEventListener("click", () => {
      const next = GB.currentTheme() === "dark" ? "light" : "dark";
      // choosing what the system already uses means "follow the system" again
      const choice = next === GB.systemTheme() ? null : next;
      GB.applyTheme(choice);
      GB.store.set("theme", choice === null ? undefined : choice);
      themeChanged();
    });
  }
  if (GB.themeQuery && GB.themeQuery.addEventListener) GB.themeQuery.addEventListener("change", themeChanged);
  window.addEventListener("storage", (e) => {
    if (e.key === "glassbox.theme") { GB.applyTheme(GB.store.get("theme", null)); themeChanged(); }
  });
  syncToggle();

  // menus (<details>) close on Escape and on a click elsewhere
  document.addEventListener("click", (e) => {
    if (!e.target.isConnected) return; // a menu that redrew itself under the click stays open
    for (const d of document.querySelectorAll("details.menu[open]")) if (!d.contains(e.target)) d.open = false;
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    for (const d of document.querySelectorAll("details.menu[open]")) { d.open = false; const s = d.querySelector("summary"); if (s) s.focus(); }
    GB.tooltip.hide();
  });
  window.addEventListener("scroll", () => GB.tooltip.hide(), { passive: true });

  // ---------------------------------------------------------------- routing

  function route() {
    const path = location.pathname.replace(/\/+$/, "") || "/";
    const nav = document.querySelectorAll(".topnav a");
    nav.forEach((a) => a.classList.toggle("active", a.getAttribute("href") === "/" && path === "/"));
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
