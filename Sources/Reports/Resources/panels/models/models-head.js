/* Glassbox Studio, models page: the head: the title and what the page lists. */
import { el } from "../../lib/dom.js";
import { definePanel } from "../../lib/panels.js";

/** The head. */
export const modelsHeadPanel = definePanel({
  id: "models/head", title: "The title and what the page lists", needs: [],
  render: () => el("div", { class: "page-head" }, [
    el("h1", { text: "Models" }),
    el("p", { class: "muted", text: "Every model this studio can open. A card shows where a model's parameters are; inspect looks inside it on a prompt; generate runs it." }),
  ]),
});
