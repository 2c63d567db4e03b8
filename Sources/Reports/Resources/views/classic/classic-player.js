/* Glassbox views of the classic models: the checkpoint player (play and pause, previous and next, a slider, the step)
 * that the MLP, seq2seq and fine-tuning views share to replay training checkpoint by checkpoint. */
import { el, clear } from "../../lib/dom.js";
import { int } from "../../lib/format.js";
import { icon } from "../../lib/ui.js";

const FPS = 6; // checkpoints per second while playing

/**
 * The checkpoint player of a view over S.figs (sorted by step; S.i the chosen one, S.timer while playing): play and
 * pause, previous and next, a slider, the step. select(i) chooses a checkpoint; onSelect: the view's redraw list (the
 * player adds its own). o.prefix names its elements (#PREFIX-player, -prev, -play, -next, -slider, -step, -count);
 * o.read: its "How to read it" line. Returns {refresh() (after S.figs changed), stop()}.
 * @param {any} v @param {{figs: any[], i: number, timer: any}} S @param {(i: number) => void} select
 * @param {Array<() => void>} onSelect @param {{prefix: string, read: string, title?: string}} o
 */
export function checkpointPlayer(v, S, select, onSelect, o) {
  const id = (s) => o.prefix + "-" + s;
  const p = v.panel(id("player"), o.title || "Training, checkpoint by checkpoint", null, o.read, ["checkpoint"]);
  const prev = el("button", { type: "button", class: "icon-btn", id: id("prev"), title: "Previous checkpoint (\u2190)", "aria-label": "Previous checkpoint", onclick: () => { stop(); select(S.i - 1); } }, icon("left"));
  const next = el("button", { type: "button", class: "icon-btn", id: id("next"), title: "Next checkpoint (\u2192)", "aria-label": "Next checkpoint", onclick: () => { stop(); select(S.i + 1); } }, icon("right"));
  const playLabel = el("span", { text: "Play" });
  const playIcon = el("svg:svg", { viewBox: "0 0 16 16", width: "16", height: "16", class: "icon", "aria-hidden": "true", focusable: "false" });
  const play = el("button", { type: "button", class: "btn small primary mlp-play", id: id("play"), "aria-pressed": "false", onclick: () => (S.timer ? stop() : start()) }, [playIcon, playLabel]);
  const slider = el("input", { type: "range", class: "mlp-slider", id: id("slider"), min: "0", step: "1", "aria-label": "Checkpoint" });
  slider.addEventListener("input", () => select(+slider.value));
  const stepNode = el("output", { class: "mlp-step", id: id("step"), for: id("slider") });
  const countNode = el("span", { class: "mlp-count", id: id("count") });
  const lo = el("span", { class: "mlp-end" }), hi = el("span", { class: "mlp-end" });
  p.append(el("div", { class: "mlp-player", role: "group", "aria-label": "Checkpoint player" }, [
    el("div", { class: "mlp-buttons" }, [prev, play, next]),
    el("div", { class: "mlp-track" }, [lo, slider, hi]),
    el("div", { class: "mlp-where" }, [stepNode, countNode]),
  ]));
  // the arrow keys anywhere in the player (the slider does this by itself)
  p.addEventListener("keydown", (e) => {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) return;
    const to = { ArrowLeft: S.i - 1, ArrowRight: S.i + 1, Home: 0, End: S.figs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    stop();
    select(to);
  });
  function showPlaying(playing) {
    clear(playIcon).appendChild(playing
      ? el("svg:path", { d: "M5.5 3.5v9M10.5 3.5v9", fill: "none", stroke: "currentColor", "stroke-width": "2.2", "stroke-linecap": "round" })
      : el("svg:path", { d: "M5 3.2v9.6L12.6 8Z", fill: "currentColor", stroke: "currentColor", "stroke-width": "1.2", "stroke-linejoin": "round" }));
  }
  function start() {
    if (S.figs.length < 2) return;
    if (S.i >= S.figs.length - 1) select(0);
    S.timer = setInterval(() => {
      if (S.i >= S.figs.length - 1) { stop(); return; }
      select(S.i + 1);
    }, 1000 / FPS);
    sync();
  }
  function sync() {
    const on = !!S.timer;
    showPlaying(on);
    playLabel.textContent = on ? "Pause" : S.i >= S.figs.length - 1 && S.figs.length > 1 ? "Replay" : "Play";
    play.setAttribute("aria-pressed", on ? "true" : "false");
    play.title = on ? "Pause" : "Play through the checkpoints (" + FPS + " a second)";
    p.dataset.playing = on ? "1" : "0";
  }
  const stop = () => { if (S.timer) { clearInterval(S.timer); S.timer = null; } sync(); };
  function refresh() {
    slider.max = String(Math.max(0, S.figs.length - 1));
    slider.disabled = S.figs.length < 2;
    play.disabled = S.figs.length < 2;
    lo.textContent = "step " + int(S.figs[0].step);
    hi.textContent = "step " + int(S.figs[S.figs.length - 1].step);
  }
  refresh();
  onSelect.push(() => {
    const F = S.figs[S.i];
    slider.value = String(S.i);
    slider.setAttribute("aria-valuetext", "step " + F.step);
    stepNode.textContent = "step " + int(F.step);
    countNode.textContent = "checkpoint " + (S.i + 1) + " of " + S.figs.length;
    prev.disabled = S.i <= 0;
    next.disabled = S.i >= S.figs.length - 1;
    p.dataset.step = String(F.step);
    if (!S.timer) sync();
  });
  sync();
  return { refresh, stop };
}
