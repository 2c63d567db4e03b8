/* Glassbox Studio, model page: the breadcrumbs. A checkpoint's card leads back to its run (Runs / the run /
 * checkpoint at step N); any other model's to the inspect page (Inspect / model card). */
import { el } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { definePanel } from "../../lib/panels.js";

/** @typedef {import("../../api.js").ModelEntry} ModelEntry */

const enc = encodeURIComponent;

/** The breadcrumbs of model id (entry: its listing, null when it is not listed or not yet read).
 * @param {string} id @param {ModelEntry|null} entry */
export function modelCrumbs(id, entry) {
  const sep = () => el("span", { class: "crumb-sep", "aria-hidden": "true", text: "/" });
  if (entry && entry.kind === "checkpoint" && entry.run) {
    const runName = String(entry.name || "").replace(/ step \d+$/, "") || entry.run;
    return el("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, [el("a", { href: "/", text: "Runs" }), sep(),
      el("a", { href: "/runs/" + enc(entry.run), text: runName }), sep(), el("span", { text: "checkpoint at step " + int(entry.step) })]);
  }
  return el("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, [el("a", { href: "/inspect?model=" + enc(id), text: "Inspect" }), sep(), el("span", { text: "model card" })]);
}

/** Where the page is. */
export const crumbsPanel = definePanel({
  id: "model/crumbs", title: "Where the page is: a checkpoint's run, or the inspect page", needs: ["id", "entry"],
  /** @param {{id: string, entry: ModelEntry|null}} s */
  render: (s) => modelCrumbs(s.id, s.entry),
});
