/* Glassbox Studio, probe timeline: the timeline's state (the read-outs, the probe and the checkpoint chosen, the live
 * stream) and the context its panels share. */
import { store } from "../../lib/storage.js";

/** @typedef {import("./probe-data.js").Probe} Probe */

/**
 * @typedef {Object} ProbeState
 * @property {any[]} docs  the read-outs as the server sent them
 * @property {Probe[]} probes
 * @property {number} index  the probe shown
 * @property {"probability"|"rank"} mode  what colours the lens cells
 * @property {{step: number, l: number}|null} sel  the selected checkpoint and depth; null: the newest at the output
 * @property {"loading"|"loaded"|"error"} state
 * @property {string|null} status  the run's status (live, finished, ...)
 * @property {boolean} stopped
 * @property {EventSource|null} es
 * @property {Set<any>} timers
 * @property {number} seq  the number of the latest read (older answers are dropped)
 * @property {number|null} want  a checkpoint step whose read-outs are awaited
 * @property {ResizeObserver} [resize]
 */

/**
 * @typedef {Object} ProbeParts  the nodes of the drawn probe view (probe-layout.js)
 * @property {HTMLElement} pickNode
 * @property {HTMLElement} textNode
 * @property {HTMLElement} verdict
 * @property {HTMLElement} facts
 * @property {HTMLElement} seg  the probability / rank switch
 * @property {HTMLElement} lensLegend
 * @property {HTMLElement} lensFind
 * @property {HTMLElement} cellNode
 * @property {HTMLElement} headsLegend
 * @property {HTMLElement} headsFind
 * @property {HTMLElement} headsMenu
 * @property {HTMLElement} tableWrap
 * @property {HTMLElement} chartsFind
 */

/**
 * @typedef {Object} ProbeContext  what the timeline's panels share
 * @property {string} runId
 * @property {ProbeState} S
 * @property {HTMLElement} root  section#probes
 * @property {HTMLElement} body  #probe-body
 * @property {HTMLElement} errorsNode
 * @property {ProbeParts|null} parts
 * @property {import("../../lib/charts.js").LineChart} lossChart
 * @property {import("../../lib/charts.js").LineChart} probChart
 * @property {any} headsFigure  the heads Figure (null before it is drawn)
 * @property {HTMLElement} headsWrap
 * @property {HTMLElement} lensWrap
 * @property {number} lensWidth  the lens wrap's width when last drawn
 * @property {() => Probe|null} cur  the probe shown
 * @property {(step: number, l: number|null) => void} select  selects a checkpoint (and a depth; null: keep it)
 * @property {() => void} render  draws everything anew
 */

/** The timeline's state at the start. @returns {ProbeState} */
export function probeState() {
  return {
    docs: [], probes: [], index: 0,
    mode: store.get("probe-mode", "probability") === "rank" ? "rank" : "probability",
    sel: null, state: "loading", status: null, stopped: false,
    es: null, timers: new Set(), seq: 0, want: null,
  };
}
