/* Glassbox Studio, generate page: what its panels share. The sampling settings and the examples, the page's state
 * (its types), small formatters, the colour shading of token chips, bar lists, colour legends, progress blocks with
 * Cancel, error boxes with "Try again" and notices. */
import { colorScale } from "../../lib/colors.js";
import { el } from "../../lib/dom.js";
import { fixed, num } from "../../lib/format.js";
import { icon, retryBox } from "../../lib/ui.js";

/**
 * @typedef {import("../../api.js").Job} Job
 * @typedef {import("../../api.js").ModelEntry} ModelEntry
 */

/**
 * @typedef {Object} TokenEvent  one generated token (the `token` event of the generate stream)
 * @property {number} index
 * @property {number} id
 * @property {string} text  the text it completes ("" for a part of a character that a later token completes)
 * @property {string} token  the vocabulary string
 * @property {string} shown  its text, or "\xHH" escapes for a part of a character
 * @property {number} probability
 * @property {number} rank
 * @property {number} entropy
 * @property {[number, string, number][]} alternatives  [id, shown text, probability]
 */

/**
 * @typedef {Object} Gen  one generation on the page, as it streams in
 * @property {number} key
 * @property {boolean} interactive  whether its tokens open the side panel
 * @property {TokenEvent[]} tokens
 * @property {string[]} shown  each token's shown text
 * @property {HTMLElement[]} spans  each token's element
 * @property {import("../../lib/tokens.js").TokenGroup[]} groupOf  each token's character group (token indices)
 * @property {number} pending  the first token of an unfinished character, or -1
 * @property {string} [mode]
 * @property {string} [model]
 * @property {any} [start]  the start event: prompt_ids, prompt_text, prompt_tokens
 * @property {any} [done]  the done event (the GenerationDocument)
 * @property {Job} [job]
 * @property {HTMLElement} [box]  where its tokens go
 * @property {HTMLElement} [caret]
 * @property {HTMLElement} [bubble]  chat: the assistant's bubble
 * @property {HTMLElement} [status]  Generate with edits: the column's status line
 * @property {HTMLElement} [node]  Generate with edits: the column
 * @property {[string, string][]} [extra]  Generate with edits: the edit parameters of this column
 * @property {boolean} [finished]
 * @property {boolean} [dead]  dropped: its events are ignored
 * @property {boolean} [chatml]  chat: whether its prompt is ChatML (the conversation can go on)
 * @property {number} [t0]
 * @property {number} [t1]  when its first token came
 * @property {any} [stopTimer]
 * @property {(start: any) => void} [onStart]
 */

/**
 * @typedef {Object} Selection  the token shown in the side panel
 * @property {Gen} g
 * @property {number} i
 * @property {TokenEvent} t
 * @property {number[]} prefix  the ids it was predicted from
 * @property {any} [doc]
 * @property {number} [attnLayer]
 * @property {() => void} [stopBusy]
 */

/**
 * @typedef {Object} Live  what runs and what is shown
 * @property {ModelEntry[]} models
 * @property {Gen|null} gen  the generation of the output
 * @property {Map<number, Gen>} gens  the output's generations by key (chat: every answer)
 * @property {Selection|null} sel
 * @property {Job|null} lensJob
 * @property {Job|null} attrJob
 * @property {any} iv  the running comparison
 * @property {any} pair  the running Generate with edits
 * @property {Set<any>} timers
 * @property {boolean} stopped  the page was left
 * @property {number} seq  a counter for keys and edit numbers
 * @property {number} [attnLayer]  the attention layer and head last looked at
 * @property {number} [attnHead]
 */

/**
 * @typedef {Object} GenerateContext  the page's state, its elements and what its panels do, passed to every panel
 * @property {import("./generate-address.js").AddressStore} store  the page's address (model, mode, prompt, settings)
 * @property {"text"|"chat"} mode
 * @property {Live} live
 * @property {{turns: any[], last: Gen|null}} conv  the conversation (chat mode)
 * @property {HTMLElement} page  #generate-page
 * @property {HTMLElement} summary  #gen-summary, in the head
 * @property {HTMLElement} modelNotes  #model-notes: the notes about the models (none listed, the address's one missing)
 * @property {HTMLElement} genErrors  #gen-errors: why a generation did not start or failed
 * @property {import("./generate-form.js").FormElements} form  the form's elements
 * @property {import("./generate-output.js").OutputElements} out  the output's elements
 * @property {HTMLElement} panel  #token-panel
 * @property {HTMLElement} ivCard  #intervene
 * @property {import("./generate-edits.js").Interventions} iv  the interventions card's elements and edits
 * @property {(key: string, value: any) => void} setData
 * @property {() => string} modelID
 * @property {() => void} generate
 * @property {(hard?: boolean) => void} stop
 * @property {() => void} clearOutput
 * @property {(focus?: boolean) => void} newConversation
 * @property {(g: Gen, i: number, keepFocus?: boolean) => void} select
 * @property {() => void} closePanel
 * @property {() => void} showIvPrompt
 */

// The sampling settings: query parameter, label, default, input limits, what it does in a few words.
export const SETTINGS = [
  { key: "max_tokens", label: "Max tokens", def: 64, min: 1, max: 4096, step: 1, int: true, hint: "length limit" },
  { key: "temperature", label: "Temperature", def: 0.8, min: 0, max: 5, step: 0.1, hint: "0 = greedy",
    title: "Divides the logits before sampling: lower is safer and more repetitive, 0 always takes the most likely token" },
  { key: "top_k", label: "Top-k", def: 40, min: 0, max: 100000, step: 1, int: true, hint: "0 = off", title: "Sample only among the k most likely tokens" },
  { key: "top_p", label: "Top-p", def: 0.95, min: 0, max: 1, step: 0.01, hint: "1 = off", title: "Sample only among the most likely tokens whose probabilities add up to p (nucleus sampling)" },
  { key: "min_p", label: "Min-p", def: 0.05, min: 0, max: 1, step: 0.01, hint: "0 = off", title: "Drop tokens less likely than min-p times the most likely one" },
  { key: "repeat_penalty", label: "Repeat penalty", def: 1, min: 0.1, max: 10, step: 0.05, hint: "1 = off", title: "Lowers the logits of tokens that already appeared (above 1 discourages repeating)" },
  { key: "seed", label: "Seed", def: "", min: 0, max: 4294967295, step: 1, int: true, hint: "empty = random", title: "The same seed and settings give the same text" },
];
export const ALTERNATIVES = 8;
export const EXAMPLES = {
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
export const CHAT_END = "<|im_end|>";
export const STOPS = {
  eos: "The model ended its answer (end-of-sequence token).",
  max_tokens: "Stopped at the token limit (Max tokens).",
  stop_string: "Stopped at a stop string.",
  context_full: "Stopped: the model's context is full.",
  cancelled: "Stopped.",
};

/** "1.2 s" (tenths below 10 s). @param {number} ms */
export const seconds = (ms) => (ms < 10000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)) + " s";
/** A value with 3 significant digits. @param {number} v */
export const v3 = (v) => num(v, 3);
/** @param {string} t @param {number} n */
export const clip = (t, n) => (t.length > n ? t.slice(0, n - 1) + "\u2026" : t);
/** Token text made visible on one line: newlines and tabs as arrows, an empty or all-space token as a symbol.
 * @param {string} t */
export function visible(t) {
  const v = String(t).replace(/\n/g, "\u21b5").replace(/\t/g, "\u21e5");
  return v === "" ? "\u2205" : /^ +$/.test(v) ? v.replace(/ /g, "\u2423") : v;
}
/** Text quoted, made visible. @param {string} t */
export const quoted = (t) => JSON.stringify(visible(t));

/** Colours a node from data-scale (sequential | diverging) and data-v; again after a theme change. @param {HTMLElement} node */
export function paint(node) {
  const sc = colorScale(node.dataset.scale), v = +node.dataset.v;
  node.style.backgroundColor = sc.css(v);
  node.style.color = sc.ink(v);
}

/** A colour-scale legend in report.js's style (bar with numbers under it, then a note); the bar follows the theme.
 * @param {string} name @param {number} max @param {string} note @param {string} [id] */
export function scaleLegend(name, max, note, id) {
  const sc = colorScale(name), lo = sc.domain[0];
  const fmt = (x) => (x === 0 ? "0" : (x > 0 && lo < 0 ? "+" : x < 0 ? "\u2212" : "") + v3(Math.abs(x)));
  const bar = el("span", { class: "v-scale-bar", dataset: { gradient: name } });
  bar.style.backgroundImage = sc.gradient();
  return el("div", { class: "v-legend gen-legend", id }, [
    el("span", { class: "v-scale" }, [bar, el("span", { class: "v-ticks" },
      [0, 0.25, 0.5, 0.75, 1].map((t) => el("span", { style: { left: 100 * t + "%" }, text: fmt((lo + (1 - lo) * t) * max) })))]),
    note ? el("span", { class: "muted", text: note }) : null]);
}

/**
 * A bar list (the inspect views' .v-alts table) of rows [text, probability, extra classes, note, title].
 * @param {Array<[string, number, (string|null)?, any?, string?]>} rows @param {string} [id]
 */
export function barList(rows, id) {
  return el("table", { class: "v-alts gen-alts", id }, el("tbody", {}, rows.map(([text, p, cls, note, title]) => el("tr", { class: cls || null }, [
    el("td", { class: "t", text, title: title || null }),
    el("td", { class: "bar" }, el("div", { class: "v-pbar", style: { width: Math.max(0.5, 100 * p) + "%" } })),
    el("td", { class: "num", text: fixed(p, 3) }),
    el("td", { class: "note" }, note || null),
  ]))));
}

/** A ticking "12 s" in node while a request runs; returns stop(). @param {HTMLElement} node @param {number} t0 @param {Set<any>} timers */
export function ticker(node, t0, timers) {
  const tick = () => { node.textContent = seconds(performance.now() - t0); };
  tick();
  const id = setInterval(tick, 250);
  timers.add(id);
  return () => { clearInterval(id); timers.delete(id); };
}

/**
 * An indeterminate progress block with an elapsed-time read-out and a Cancel button (as on the inspect page);
 * `stop` ends its clock. @param {string} text @param {string} detail @param {(() => void)|null} onCancel
 * @param {string} id @param {Set<any>} timers @returns {{node: HTMLElement, stop: () => void}}
 */
export function busy(text, detail, onCancel, id, timers) {
  const clock = el("b", { class: "ins-clock" });
  const node = el("div", { class: "ins-busy", id, dataset: { state: "running" } }, [
    el("div", { class: "ins-busy-line" }, [
      el("span", { class: "ins-busy-text" }, [el("span", { class: "ins-busy-title", text }), " ", clock]),
      onCancel ? el("button", { type: "button", class: "btn small", id: id ? id + "-cancel" : null, onclick: onCancel }, [icon("close"), "Cancel"]) : null,
    ]),
    el("div", { class: "progress indeterminate", role: "progressbar", "aria-label": text }, el("span", { class: "progress-fill" })),
    detail ? el("div", { class: "ins-busy-detail", text: detail }) : null,
  ]);
  return { node, stop: ticker(clock, performance.now(), timers) };
}

export { retryBox as errorBox };

/** A notice line (warn unless kind says otherwise). @param {string} text @param {string} id @param {string} [kind] */
export const note = (text, id, kind) => el("div", { class: "notice " + (kind || "warn"), role: "status", id }, el("span", { class: "notice-text", text }));

/** Whether a request was refused as impossible (400 or 422) rather than failed. @param {any} err */
export const refused = (err) => err && (err.status === 400 || err.status === 422);
