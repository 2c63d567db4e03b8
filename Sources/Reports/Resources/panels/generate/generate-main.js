/* Glassbox Studio, generate page: the output and, beside it, the side panel of the chosen token (.gen-main). */
import { el } from "../../lib/dom.js";
import { definePanel, mountPanels } from "../../lib/panels.js";
import { outputPanel } from "./generate-output.js";
import { tokenPanel } from "./generate-token-panel.js";

/** The output card and the token panel, side by side. */
export const mainPanel = definePanel({
  id: "generate/main",
  title: "The output and the chosen token's side panel",
  needs: [],
  render: (state, ctx) => {
    const main = el("div", { class: "gen-main" });
    mountPanels(main, [outputPanel, tokenPanel], state, ctx);
    return main;
  },
});
