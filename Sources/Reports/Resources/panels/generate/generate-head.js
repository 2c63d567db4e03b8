/* Glassbox Studio, generate page: the head — the title and what the page does (#gen-summary). */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */

/** The title and the summary. */
export const headPanel = definePanel({
  id: "generate/head",
  title: "The title and what the page does",
  needs: [],
  render: (state, /** @type {GenerateContext} */ ctx) => {
    ctx.summary = el("div", { class: "summary ins-summary", id: "gen-summary", "aria-live": "polite" }, "Watch a model write, token by token, and look inside any step.");
    return el("div", { class: "page-head ins-head" }, [el("div", { class: "ins-title" }, [el("h1", { text: "Generate" }), ctx.summary])]);
  },
});
