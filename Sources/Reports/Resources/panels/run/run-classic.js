/* Glassbox Studio, run page: what the sections hosting classic.js's views share (an MLP's pictures, a seq2seq run's
 * attention, a fine-tuning run's answers, checkpoint by checkpoint): the section's frame, reading its figures (none
 * before the first checkpoint: then a calm note says what it waits for, and the view comes with the checkpoint),
 * and picking a checkpoint in its player. */
import * as api from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { hasFigures, later } from "./run-state.js";

/** @typedef {import("./run-state.js").RunState} RunState */
/** @typedef {import("./run-state.js").ClassicSection} ClassicSection */

/**
 * A section for a view: its head (title, what it shows) and a body that says what is loading.
 * @param {{id: string, className: string, titleId: string, title: string, sub: string, bodyId: string, bodyClass: string, loading: string}} o
 * @returns {ClassicSection}
 */
export function classicSection(o) {
  const title = el("h2", { class: "section-title", id: o.titleId, text: o.title });
  const body = el("div", { class: o.bodyClass, id: o.bodyId }, el("p", { class: "muted small-text", text: o.loading }));
  const node = el("section", { class: o.className, id: o.id, dataset: { state: "loading" }, "aria-labelledby": o.titleId }, [
    el("div", { class: "section-head" }, [title, el("span", { class: "section-sub", text: o.sub })]), body]);
  return { node, title, body, view: null, count: -1, seq: 0, timer: null };
}

/** Loads the section again soon (figures are written just before their checkpoint: read them once its event has
 * come). @param {RunState} S @param {ClassicSection|null} M @param {() => void} load */
export function scheduleClassic(S, M, load) {
  if (!M || M.timer) return;
  M.timer = later(S, () => { M.timer = null; load(); }, 250);
}

/** A checkpoint row's Show: that checkpoint in the section's player. @param {ClassicSection|null} M @param {any[]|null} figures
 * @param {number} step */
export function showInPlayer(M, figures, step) {
  const i = (figures || []).findIndex((f) => f.step === step);
  if (i < 0 || !M || !M.view) return;
  M.view.select(i);
  M.node.scrollIntoView({ block: "start" });
}

/**
 * The run's figures of one name, or null when it has none yet: before the first checkpoint the server has none
 * (and answers 404 naming the figures the run has), which is not an error but a wait.
 * @param {RunState} S @param {string} name @returns {Promise<any[]|null>}
 */
export async function figuresOrNone(S, name) {
  const d = S.runs[0].detail;
  if (!hasFigures(d, name) && !S.checkpoints.length) return null;
  try {
    const got = await api.figures(d.id, name);
    return Array.isArray(got) && got.length ? got : null;
  } catch (err) {
    if (err && err.status === 404) return null;
    throw err;
  }
}

/**
 * No figures: while the run is live, a note that says what the section waits for (data-state "waiting": the view
 * comes with the first checkpoint's event); else why there is nothing (data-state "empty").
 * @param {RunState} S @param {ClassicSection} M
 * @param {{prefix: string, appear: string, none: string, records: string}} o  prefix: the note's id is PREFIX-waiting;
 *   appear: what appears then; none: the finished run's first words; records: what every checkpoint records
 */
export function showNoFigures(S, M, o) {
  const d = S.runs[0].detail;
  M.node.dataset.checkpoints = "0";
  if (d.status === "live") {
    const every = Number((d.hyper_parameters || {}).checkpointInterval);
    const which = "Waiting for the " + (S.checkpoints.length ? "next" : "first") + " checkpoint (every ";
    M.node.dataset.state = "waiting";
    clear(M.body).appendChild(el("div", { class: "card probe-empty run-waiting", id: o.prefix + "-waiting", role: "status", dataset: { state: "waiting" } },
      el("p", {}, every > 0
        ? [which + every + " steps): " + o.appear + " then."]
        : [which, el("code", { text: "--checkpoint-interval" }), " steps): " + o.appear + " then."])));
    return;
  }
  M.node.dataset.state = "empty";
  clear(M.body).appendChild(el("div", { class: "card probe-empty" }, el("p", {}, [
    o.none, "Every checkpoint (", el("code", { text: "--checkpoint-interval" }), ") " + o.records])));
}
