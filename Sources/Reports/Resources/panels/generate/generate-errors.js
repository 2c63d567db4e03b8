/* Glassbox Studio, generate page: why a generation did not start or failed (#gen-errors: no prompt, a bad setting,
 * the server's refusal or error with "Try again"; filled by generate-stream.js). */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */

/** The generation's errors, empty until one happens. */
export const errorsPanel = definePanel({
  id: "generate/errors",
  title: "Why a generation did not start or failed",
  needs: [],
  render: (state, /** @type {GenerateContext} */ ctx) => (ctx.genErrors = el("div", { class: "page-errors", id: "gen-errors" })),
});
