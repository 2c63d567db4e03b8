/* Glassbox Studio: the theme in force, applied before the page paints (a classic script in <head>; the modules run
 * after parsing). lib/core.js keeps the same rule: data-theme is the user's choice, data-scheme the theme in force. */
(function () {
  "use strict";
  var root = document.documentElement, choice = null;
  try { choice = JSON.parse(localStorage.getItem("glassbox.theme") || "null"); } catch (e) { choice = null; }
  if (choice === "light" || choice === "dark") root.dataset.theme = choice;
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  root.dataset.scheme = root.dataset.theme || (dark ? "dark" : "light");
})();
