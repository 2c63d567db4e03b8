/* Glassbox Studio, inspect page: what its panels share. The page's address (its fields, for lib/url-state.js's
 * store) and the state it gives, the runs in flight (`live`), the context object the page hands every panel
 * (`InspectContext`), the address fields of what each tab ran, and small helpers (the "12 s" clock text, Enter
 * submits a form, an error box with "Try again"). */
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
 * @property {(fields: Object<string, any>, push: boolean) => void} address  puts a tab's fields (inspectFields,
 *   patchFields, diffFields; the others at their defaults) in the address: a new history entry (push) or in place
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

/**
 * The page's address: every parameter with its type and default (lib/url-state.js). A tab's run writes its own
 * fields and leaves the others at their defaults (left out): /inspect?model=&prompt=&target=&contrast=&steps= and the
 * options a link brought (PASS_FIRST, PASS_ATTR); tab=patch&model=&clean=&corrupted=&answer=&wrong=;
 * tab=diff&a=&b=&prompt=&target=&chat=0 (chat=0 only when the chat template is switched off).
 * @type {import("../../lib/url-state.js").Schema}
 */
export const INSPECT_ADDRESS = Object.assign({
  tab: { type: "string", choices: TABS, default: "inspect" },
  model: { type: "string", default: "" },
  a: { type: "string", default: "" },
  b: { type: "string", default: "" },
  prompt: { type: "string", default: "" },
  target: { type: "string", default: "" },
  contrast: { type: "string", default: "" },
  steps: { type: "int", min: 1, default: DEFAULT_STEPS },
  clean: { type: "string", default: "" },
  corrupted: { type: "string", default: "" },
  answer: { type: "string", default: "" },
  wrong: { type: "string", default: "" },
  chat: { type: "string", choices: ["0"], default: "" },
}, Object.fromEntries([...new Set(PASS_FIRST.concat(PASS_ATTR))].map((k) => [k, /** @type {import("../../lib/url-state.js").Field} */ ({ type: "string", default: null })])));

/** The page's state from the address's fields (the store's state). @param {Object<string, any>} a @returns {InspectState} */
export function addressState(a) {
  /** @type {Object<string, string>} */
  const pass = {};
  for (const k of new Set(PASS_FIRST.concat(PASS_ATTR))) if (a[k] !== null && a[k] !== undefined) pass[k] = a[k];
  return {
    tab: a.tab, model: a.model, prompt: a.prompt, target: a.target, contrast: a.contrast, steps: a.steps, pass,
    clean: a.clean, corrupted: a.corrupted, answer: a.answer, wrong: a.wrong, a: a.a, b: a.b, chat: a.chat !== "0",
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

// ---------------------------------------------------------------- what each tab puts in the address

/** The address fields of an inspect run. @param {InspectRun["s"]} s @returns {Object<string, any>} */
export function inspectFields(s) {
  return Object.assign({ model: s.model, prompt: s.prompt, target: s.target, contrast: s.contrast || "", steps: s.steps }, s.pass || {});
}
/** The address fields of a patch scan. @param {{model: string, clean: string, corrupted: string, answer: string, wrong: string}} s */
export function patchFields(s) {
  return { tab: "patch", model: s.model, clean: s.clean, corrupted: s.corrupted, answer: s.answer, wrong: s.wrong };
}
/** The address fields of a comparison. @param {{a: string, b: string, prompt: string, target: string, chat: boolean}} s */
export function diffFields(s) {
  return { tab: "diff", a: s.a, b: s.b, prompt: s.prompt, target: s.target, chat: s.chat ? "" : "0" };
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
