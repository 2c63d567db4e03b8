/* Glassbox Studio, inspect page: what its panels share. The page's state as the address holds it, the runs in
 * flight (`live`), the context object the page hands every panel (`InspectContext`), the page addresses of the
 * three tabs, and small helpers (the "12 s" clock text, Enter submits a form, an error box with "Try again"). */
import { query } from "../../api.js";
import { el } from "../../lib/dom.js";
import { retryBox } from "../../lib/ui.js";

/** @typedef {import("../../api.js").Job} Job */
/** @typedef {import("../../api.js").ModelEntry} ModelEntry */

export const FIRST = "lens,attention,dla,neurons";
// The contribution graph holds a T x T table per layer: asked for with the first parts up to this many tokens (as
// the CLI does by default), offered on a button beyond.
export const GRAPH_TOKENS = 128;
export const DEFAULT_STEPS = 64;
export const STEP_CHOICES = [16, 32, 64, 128, 256, 512, 1024];
// Query parameters handed on to the analysis as they are (links from `glassbox inspect` users): to the first
// request, to the attributions request.
export const PASS_FIRST = ["layers", "top_k", "neuron"];
export const PASS_ATTR = ["baseline", "rule", "top_k", "max_steps"];
export const TABS = ["inspect", "patch", "diff"];

/**
 * @typedef {Object} InspectState  the page's state as the address holds it (the forms' last run goes back into it)
 * @property {string} tab  inspect, patch or diff
 * @property {string} model
 * @property {string} prompt
 * @property {string} target
 * @property {string} contrast
 * @property {number} steps
 * @property {Object<string, string>} pass  options that came with a link (layers=, baseline=, ...)
 * @property {string} clean
 * @property {string} corrupted
 * @property {string} answer
 * @property {string} wrong
 * @property {string} a
 * @property {string} b
 * @property {boolean} chat  (diff) the prompt in model a's chat template (the address says chat=0 when not)
 */

/**
 * @typedef {Object} Busy  a progress block (inspect-busy.js)
 * @property {HTMLElement} node
 * @property {() => void} stop
 * @property {(f: number) => void} fraction
 * @property {(text: string) => void} detail
 * @property {(p: import("../../lib/progress.js").ProgressEvent, unit: string, toBar?: boolean) => void} progress  a streamed
 *   progress event: the progress line (done of total, time so far and left) and, unless toBar is false, the bar
 */

/**
 * @typedef {Object} InspectRun  one analysis of the inspect tab (its first parts, then the graph and attributions)
 * @property {{model: string, prompt: string, target: string, contrast: string, steps: number, pass: Object<string, string>}} s
 * @property {Job} job
 * @property {Job} [attrJob]
 * @property {Job} [graphJob]
 * @property {number} t0
 * @property {Busy} [busy]
 * @property {boolean} [dead]
 * @property {any} [doc]
 * @property {number} [firstMs]
 * @property {number} [attrMs]
 * @property {import("../../lib/progress.js").ProgressEvent} [attrProgress]  the attributions' last progress event
 * @property {HTMLElement} [pending]  where the attributions' progress goes (in the analysis drawn)
 * @property {(() => void)|null} [pendingStop]
 * @property {HTMLElement|null} [graphPending]  where the graph's progress goes, when the first answer has none
 */

/**
 * @typedef {Object} OtherRun  one scan of the patch tab, or one comparison of the diff tab
 * @property {any} s  the form's values
 * @property {Job} job
 * @property {Job} [headJob]  (diff) the head patterns asked for
 * @property {number} t0
 * @property {Busy} [busy]
 * @property {boolean} [dead]
 * @property {any} [doc]
 * @property {number} [ms]
 */

/**
 * @typedef {Object} InspectLive  what runs and what is drawn
 * @property {InspectRun|null} run
 * @property {OtherRun|null} patch
 * @property {OtherRun|null} diff
 * @property {any} view  report-views.js's inspect view
 * @property {any} patchView
 * @property {any} diffView
 * @property {ModelEntry[]} models
 * @property {Map<string, {name: string, ids: [number, string][]}>|null} runs  runs with two checkpoints or more
 * @property {Set<any>} timers
 * @property {boolean} stopped
 */

/**
 * @typedef {Object} InspectActions  what panels ask of each other (wired by the page: no import cycles)
 * @property {(push: boolean) => void} inspect
 * @property {(push: boolean) => void} patch
 * @property {(push: boolean) => void} diff
 * @property {() => void} showSummary
 * @property {(name: string, focus?: boolean) => void} showTab
 */

/**
 * @typedef {Object} InspectContext  what the page hands its panels
 * @property {InspectState} state
 * @property {InspectLive} live
 * @property {HTMLElement} page  #inspect-page (its data-* say how the analyses stand)
 * @property {InspectActions} act
 * @property {import("./inspect-head.js").InspectHead} head
 * @property {import("./inspect-model-picker.js").ModelPicker} picker
 * @property {import("./inspect-tabs.js").InspectTabs} tabs
 * @property {import("./inspect-form.js").InspectForm} form
 * @property {import("./inspect-patch-form.js").PatchForm} patchForm
 * @property {import("./inspect-diff-form.js").DiffForm} diffForm
 */

/** "1.2 s", "12 s" @param {number} ms */
export const seconds = (ms) => (ms < 10000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)) + " s";

/** A rough count of a prompt's tokens, to decide whether to ask for the graph with the first parts (the page does
 * not know the count before the answer; a miss only costs a second request): a word, a digit, a punctuation mark
 * or a character outside ASCII counts one. @param {string} text */
export function roughTokens(text) {
  return (String(text).match(/[A-Za-z]+|[0-9]|[^\sA-Za-z0-9]/g) || []).length;
}

/** The page's state as the address holds it. @returns {InspectState} */
export function readURL() {
  const p = new URLSearchParams(location.search);
  const steps = parseInt(p.get("steps") || "", 10);
  /** @type {Object<string, string>} */
  const pass = {};
  for (const k of new Set(PASS_FIRST.concat(PASS_ATTR))) if (p.has(k)) pass[k] = p.get(k);
  return {
    tab: TABS.includes(p.get("tab")) ? p.get("tab") : "inspect",
    model: p.get("model") || "",
    prompt: p.get("prompt") || "",
    target: p.get("target") || "",
    contrast: p.get("contrast") || "",
    steps: Number.isInteger(steps) && steps > 0 ? steps : DEFAULT_STEPS,
    pass,
    clean: p.get("clean") || "", corrupted: p.get("corrupted") || "", answer: p.get("answer") || "", wrong: p.get("wrong") || "",
    a: p.get("a") || "", b: p.get("b") || "", chat: p.get("chat") !== "0",
  };
}

/**
 * The parameters of an inspect request for the form's values s and the parts `only` (report=1: with every layer's
 * attention and the token texts; the options a link brought go to the requests they concern).
 * @param {InspectRun["s"]} s @param {string} only
 */
export function requestParams(s, only) {
  const pass = Object.entries(s.pass || {}).filter(([k]) => (only === "attributions" ? PASS_ATTR : only === "graph" ? [] : PASS_FIRST).includes(k));
  return Object.assign({ model: s.model, prompt: s.prompt, target: s.target, contrast: s.contrast || null, only, report: "1" },
    only === "attributions" ? { steps: s.steps } : {}, Object.fromEntries(pass));
}

// ---------------------------------------------------------------- the page's addresses

/** @param {InspectRun["s"]} s */
export function inspectAddress(s) {
  return "/inspect?" + query(/** @type {[string, any][]} */ ([["model", s.model], ["prompt", s.prompt], ["target", s.target], ["contrast", s.contrast || null],
    ["steps", s.steps !== DEFAULT_STEPS ? s.steps : null]]).concat(Object.entries(s.pass || {})));
}
/** @param {{model: string, clean: string, corrupted: string, answer: string, wrong: string}} s */
export function patchAddress(s) {
  return "/inspect?" + query([["tab", "patch"], ["model", s.model], ["clean", s.clean], ["corrupted", s.corrupted], ["answer", s.answer], ["wrong", s.wrong]]);
}
/** chat=0 only when the chat template is switched off (the default needs no word). @param {{a: string, b: string, prompt: string, target: string, chat: boolean}} s */
export function diffAddress(s) {
  return "/inspect?" + query([["tab", "diff"], ["a", s.a], ["b", s.b], ["prompt", s.prompt], ["target", s.target], ["chat", s.chat ? null : "0"]]);
}
/** Puts url in the address bar: a new history entry (push) or in place of the current one. @param {string} url @param {boolean} push */
export function setAddress(url, push) {
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
}

/** What a tab last ran (its address names it). @param {InspectLive} live @param {string} name @returns {InspectRun|OtherRun|null} */
export const tabRun = (live, name) => (name === "patch" ? live.patch : name === "diff" ? live.diff : live.run);

/** The model the inspect and patch forms use. @param {InspectContext} ctx */
export function modelID(ctx) { return ctx.picker.select.value || ctx.state.model || "bundled"; }

/** Sets one of #inspect-page's data-* attributes. @param {InspectContext} ctx @param {string} key @param {string} value */
export function setData(ctx, key, value) { ctx.page.dataset[key] = value; }

// ---------------------------------------------------------------- small helpers

export { retryBox };

/** A warning line (a missing field, a cancelled run). @param {string|null} id @param {string} text @param {string} [role] */
export function notice(id, text, role) {
  return el("div", { class: "notice warn", role: role || "alert", id: id || null }, el("span", { class: "notice-text", text }));
}

/** Enter runs, Shift+Enter adds a line (not while an input method is composing: Chinese, Japanese…).
 * @param {HTMLTextAreaElement} area @param {HTMLFormElement} form */
export function enterSubmits(area, form) {
  area.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    if (form.requestSubmit) form.requestSubmit(); else form.dispatchEvent(new Event("submit", { cancelable: true }));
  });
}

/** A form field: a label holding its text and its input. @param {string} cls @param {string} label @param {HTMLElement} input */
export function field(cls, label, input) {
  return el("label", { class: cls }, [el("span", { class: "field-label", text: label }), input]);
}
