/* Glassbox front end: the light and dark themes (data-theme: the user's choice; data-scheme: the theme in force). */
import { el } from "./dom.js";
import { store } from "./storage.js";
import { icon } from "./ui.js";

// ---------------------------------------------------------------- theme (applied as early as possible: core.js loads in <head>)

export const themeQuery = typeof window !== "undefined" && window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
export function systemTheme() { return themeQuery && themeQuery.matches ? "dark" : "light"; }
export function currentTheme() { return document.documentElement.dataset.theme || systemTheme(); }
/** `data-theme` holds the user's choice (absent: follow the system); `data-scheme` the theme in force, which
 * the CSS reads. */
export function applyTheme(choice) {
  const root = document.documentElement;
  if (choice === "light" || choice === "dark") root.dataset.theme = choice;
  else delete root.dataset.theme;
  root.dataset.scheme = root.dataset.theme || systemTheme();
}
if (typeof document !== "undefined") applyTheme(store.get("theme", null));
// Registered before any page's listener: the scheme follows the system first, then pages redraw.
if (themeQuery && themeQuery.addEventListener) themeQuery.addEventListener("change", () => applyTheme(store.get("theme", null)));

/**
 * Makes button the light/dark switch: a click flips the theme in force (picking the system's own theme means
 * "follow the system" again) and remembers the choice; onChange runs after every change of scheme, the system's
 * and another tab's included, so the page can redraw what it painted.
 */
export function bindThemeToggle(button, onChange) {
  function sync() {
    const dark = currentTheme() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    button.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
    button.setAttribute("aria-label", button.title);
  }
  function changed() { sync(); if (onChange) onChange(); }
  button.addEventListener("click", () => {
    const next = currentTheme() === "dark" ? "light" : "dark";
    const choice = next === systemTheme() ? null : next;
    applyTheme(choice);
    store.set("theme", choice === null ? undefined : choice);
    changed();
  });
  if (themeQuery && themeQuery.addEventListener) themeQuery.addEventListener("change", changed);
  window.addEventListener("storage", (e) => {
    if (e.key === "glassbox.theme") { applyTheme(store.get("theme", null)); changed(); }
  });
  sync();
  return button;
}

/** A new theme switch (moon in light, sun in dark), wired with bindThemeToggle. */
export function themeToggle(onChange) {
  const b = el("button", { type: "button", class: "icon-btn theme-toggle", "aria-pressed": "false" }, [icon("moon", "icon-moon"), icon("sun", "icon-sun")]);
  return bindThemeToggle(b, onChange);
}
