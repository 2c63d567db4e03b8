/* Glassbox Studio: the one client of the studio's HTTP API (docs/studio-api.md). Every route the front end calls is
 * a function here, and no other module writes an `/api/` address. The @typedefs mirror the documents of
 * docs/studio-api.md and docs/inspect-json.md (the fields the front end reads; the server may send more). */

/**
 * @typedef {Object} RunSummary  A run as GET /api/runs lists it.
 * @property {string} id
 * @property {string|null} name
 * @property {"gpt"|"mlp"|"seq2seq"|"finetune"|string} kind
 * @property {string} status  live, finished, failed, interrupted, stopped-early, imported or stale
 * @property {string} stored_status
 * @property {number} step
 * @property {number|null} total_steps
 * @property {number|null} parameter_count
 * @property {number} created_at  seconds since 1970
 * @property {number} updated_at
 * @property {number|null} duration_s
 * @property {string|null} data_set
 * @property {string|null} tokenizer
 * @property {Object<string, any>} hyper_parameters
 * @property {Object<string, number>} last  the newest value of the headline tags
 * @property {string|null} host
 * @property {string|null} user
 * @property {number} ranks
 */

/**
 * @typedef {RunSummary & {tags: string[], histogram_tags: string[], checkpoints: Checkpoint[], messages: RunMessage[],
 *   sample_count: number, figures: {name: string, count: number}[]}} RunDetail  GET /api/runs/{run}
 * @typedef {{step: number, path: string}} Checkpoint
 * @typedef {{step: number, level: string, text: string}} RunMessage
 * @typedef {{step: number, text: string}} Sample
 */

/**
 * @typedef {Object} ScalarBucket
 * @property {number} first_step
 * @property {number} last_step
 * @property {number} min
 * @property {number} max
 * @property {number} mean
 * @property {number} last
 * @property {number} count
 * @property {number} wall_time
 * @property {number} [smoothed]
 */

/**
 * @typedef {Object} ScalarSeries  GET /api/runs/{run}/scalars
 * @property {string} run
 * @property {string} tag
 * @property {number} count
 * @property {number|null} from
 * @property {number|null} to
 * @property {number} smoothing
 * @property {ScalarBucket[]} buckets
 * @property {{last: number, count: number}} [ema]
 */

/**
 * @typedef {{run: string, tag: string, steps: {step: number, min: number, max: number, counts: number[]}[]}} HistogramSeries
 * @typedef {{run: string, parameters: string[], steps: number[], grad_norm: (number|null)[][], update_ratio: (number|null)[][]}} ParameterHealth
 * @typedef {{input: string, output: string, step: number, input_tokens: string[], output_tokens: string[], attention: number[][]}} Translation
 */

/**
 * @typedef {Object} ProbeReadout  one probe at one checkpoint (GET /api/runs/{run}/probes)
 * @property {number} step
 * @property {number} probe
 * @property {string} text
 * @property {string[]} tokens
 * @property {number} answer_id
 * @property {string} answer_text
 * @property {number} loss
 * @property {[number, number][]} top
 * @property {number} answer_rank
 * @property {number} answer_probability
 * @property {{layer: number, rank: number, probability: number, top: [number, number][]}[]} lens
 * @property {number[][]} head_entropy
 * @property {Object<string, string>} vocab
 */

/**
 * @typedef {{id: string, name: string, kind: string, path: string, run?: string, step?: number, run_kind?: string,
 *   adapter?: boolean}} ModelEntry  GET /api/models (kind: bundled, given or checkpoint)
 */

/**
 * @typedef {Object} TokenInfo  a prompt token of an inspect document
 * @property {number} position
 * @property {number} id
 * @property {string} text  the vocabulary string
 * @property {string} decoded  the token's text (U+FFFD inside a multi-byte character)
 * @property {string} [shown]  the text, or \xHH escapes for a part of a character
 * @property {number} [group]  the position of the first token of its character group
 * @property {string} [group_text]  the text the whole group forms
 */

/**
 * @typedef {Object<string, string|number|boolean|null|undefined>} Params  query parameters (empty ones are left out)
 */

// ---------------------------------------------------------------- errors, JSON and event streams

/** A refused or failed request: the server's `error` text, the HTTP status (0: the server could not be reached). */
export class HTTPError extends Error {
  /** @param {string} message @param {number} status @param {string} url */
  constructor(message, status, url) { super(message); this.name = "HTTPError"; this.status = status; this.url = url; }
}

/** "a=1&b=x%20y" from an object or [key, value] pairs; undefined, null and "" are left out. */
export function query(params) {
  const pairs = Array.isArray(params) ? params : Object.entries(params || {});
  return pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => encodeURIComponent(k) + "=" + encodeURIComponent(String(v))).join("&");
}

const enc = encodeURIComponent;
const runPath = (run) => "/api/runs/" + enc(run);
const withQuery = (path, params) => { const q = query(params); return q ? path + "?" + q : path; };

/**
 * GET a JSON document; a 4xx/5xx throws an HTTPError carrying the server's `error` text.
 * @param {string} url @param {RequestInit} [options] @returns {Promise<any>}
 */
async function getJSON(url, options) {
  let response;
  try {
    response = await fetch(url, Object.assign({ headers: { Accept: "application/json" }, credentials: "same-origin" }, options || {}));
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new HTTPError("Cannot reach the Glassbox server (" + url + "). Is `glassbox serve` still running?", 0, url);
  }
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
  if (!response.ok) {
    const msg = body && typeof body.error === "string" ? body.error : (response.status + " " + response.statusText + " for " + url);
    throw new HTTPError(msg, response.status, url);
  }
  if (body === null && text) throw new HTTPError("The server sent something that is not JSON for " + url, response.status, url);
  return body;
}

/**
 * Reads server-sent events from a text, one line at a time: on(event, data) for each event, data parsed as JSON
 * (or the raw text). Returns the line handler; line("") at the end flushes the last event. Pure: tested by Node.
 * @param {(event: string, data: any) => void} on
 */
export function sseParser(on) {
  let event = "message", data = [];
  return function line(s) {
    if (s.endsWith("\r")) s = s.slice(0, -1);
    if (s === "") {
      if (data.length) {
        let value;
        try { value = JSON.parse(data.join("\n")); } catch (e) { value = data.join("\n"); }
        on(event, value);
      }
      event = "message"; data = [];
      return;
    }
    if (s.startsWith(":")) return; // a comment (keep-alive)
    const c = s.indexOf(":"), field = c < 0 ? s : s.slice(0, c);
    let value = c < 0 ? "" : s.slice(c + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  };
}

/**
 * GETs url as an event stream, calling on(event, data) for each event. A refused request (4xx/5xx before the
 * stream) throws HTTPError with the server's message; an abort throws AbortError. Read with fetch rather than
 * EventSource, which would reconnect after a dropped stream and so start the work again.
 * @param {string} url @param {AbortSignal} signal @param {(event: string, data: any) => void} on
 */
async function eventStream(url, signal, on) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "text/event-stream" }, credentials: "same-origin", signal });
  } catch (e) {
    if (e && e.name === "AbortError") throw e;
    throw new HTTPError("Cannot reach the Glassbox server. Is `glassbox serve` still running?", 0, url);
  }
  if (!response.ok) {
    const text = await response.text();
    let msg = response.status + " " + response.statusText;
    try { const b = JSON.parse(text); if (b && typeof b.error === "string") msg = b.error; } catch (e) { /* not JSON */ }
    throw new HTTPError(msg, response.status, url);
  }
  const reader = response.body.getReader(), decoder = new TextDecoder();
  const line = sseParser(on);
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) { line(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
  }
  buf += decoder.decode();
  if (buf) line(buf);
  line("");
}

// ---------------------------------------------------------------- jobs (analyses the server can be told to drop)

/** An analysis the page may abandon: `signal` aborts the request, and aborting also tells the server to drop the
 * job (it would otherwise finish work nobody sees, and the analyses run one at a time). */
export class Job {
  constructor() {
    this.controller = new AbortController();
    /** @type {string} */
    this.id = Math.random().toString(36).slice(2, 14);
    this.signal = this.controller.signal;
    this.signal.addEventListener("abort", () => { cancel(this.id); });
  }
  abort() { this.controller.abort(); }
  get aborted() { return this.signal.aborted; }
}

/** Tells the server to drop a job (waiting or running); never fails. @param {string} id */
export function cancel(id) { fetch(withQuery("/api/cancel", { job: id })).catch(() => {}); }

// ---------------------------------------------------------------- runs

/** @returns {Promise<RunSummary[]>} */
export function runs() { return getJSON("/api/runs"); }
/** @param {string} run @returns {Promise<RunDetail>} */
export function run(run) { return getJSON(runPath(run)); }
/** The figures of one name recorded at a run's checkpoints (mlp, seq2seq, finetune). @param {string} run @param {string} name */
export function figures(run, name) { return getJSON(withQuery(runPath(run) + "/figures", { name })); }
/** A seq2seq checkpoint on any text (an empty text is sent as it is: the server says what is wrong with it).
 * @param {string} run @param {string} text @param {number} [step] @returns {Promise<Translation>} */
export function translate(run, text, step) {
  const rest = query({ step });
  return getJSON(runPath(run) + "/translate?text=" + enc(text) + (rest ? "&" + rest : ""));
}
/**
 * One tag's series reduced to buckets; `signal` drops a request a newer one has superseded. @param {string} run @param {string} tag
 * @param {{buckets?: number, from?: number, to?: number, smoothing?: number, signal?: AbortSignal}} [options] @returns {Promise<ScalarSeries>}
 */
export function scalars(run, tag, options) {
  const o = options || {};
  return getJSON(withQuery(runPath(run) + "/scalars", { tag, buckets: o.buckets, from: o.from, to: o.to, smoothing: o.smoothing }),
    o.signal ? { signal: o.signal } : undefined);
}
/** @param {string} run @param {string} tag @param {number} [buckets] @returns {Promise<HistogramSeries>} */
export function histograms(run, tag, buckets) { return getJSON(withQuery(runPath(run) + "/histograms", { tag, buckets })); }
/** @param {string} run @param {number} buckets @returns {Promise<ParameterHealth>} */
export function parameters(run, buckets) { return getJSON(withQuery(runPath(run) + "/parameters", { buckets })); }
/** @param {string} run @returns {Promise<Sample[]>} */
export function samples(run) { return getJSON(runPath(run) + "/samples"); }
/** @param {string} run @returns {Promise<RunMessage[]>} */
export function messages(run) { return getJSON(runPath(run) + "/messages"); }
/** @param {string} run @returns {Promise<Checkpoint[]>} */
export function checkpoints(run) { return getJSON(runPath(run) + "/checkpoints"); }
/** @param {string} run @returns {Promise<ProbeReadout[]>} */
export function probes(run) { return getJSON(runPath(run) + "/probes"); }
/** A run's live events (hello, scalars, sample, message, checkpoint, status, reset): an EventSource, which
 * reconnects by itself with Last-Event-ID. @param {string} run */
export function runEvents(run) { return new EventSource(runPath(run) + "/events"); }

// ---------------------------------------------------------------- models and analyses

/** @param {AbortSignal} [signal] @returns {Promise<ModelEntry[]>} */
export function models(signal) { return getJSON("/api/models", signal ? { signal } : undefined); }
/** The model card (docs/inspect-json.md, ModelCard). @param {string} id @param {AbortSignal} [signal] */
export function modelCard(id, signal) { return getJSON("/api/models/" + enc(id) + "/card", signal ? { signal } : undefined); }

/**
 * The inspect document (docs/inspect-json.md) for `params` (model, prompt or ids, target, contrast, only, layers,
 * steps, baseline, report, ...). @param {Params} params @param {Job} [job]
 */
export function inspect(params, job) {
  return getJSON(withQuery("/api/inspect", Object.assign({}, params, { job: job ? job.id : undefined })), job ? { signal: job.signal } : undefined);
}
/**
 * The inspect document, streamed: `progress` ({part, fraction, done, total, elapsed_s}: attributions count their
 * gradient evaluations, and `total` grows when the adaptive rule refines), then `done` (the document) or `error`.
 * @param {Params} params @param {Job} job @param {(event: string, data: any) => void} on
 */
export function inspectStream(params, job, on) {
  return eventStream(withQuery("/api/inspect", Object.assign({}, params, { stream: "1", job: job.id })), job.signal, on);
}
/** The address of an inspect document, for a "JSON" link a person can open. @param {Params} params */
export function inspectURL(params) { return withQuery("/api/inspect", params); }
/** The diff document of two models on one prompt. @param {Params} params a, b, prompt, target @param {Job} [job] */
export function diff(params, job) {
  return getJSON(withQuery("/api/diff", Object.assign({}, params, { job: job ? job.id : undefined })), job ? { signal: job.signal } : undefined);
}
/** The intervention document (edits, steering). @param {Params|[string, string][]} params @param {Job} [job] */
export function intervene(params, job) {
  const pairs = Array.isArray(params) ? params.slice() : Object.entries(params);
  if (job) pairs.push(["job", job.id]);
  return getJSON(withQuery("/api/intervene", pairs), job ? { signal: job.signal } : undefined);
}
/**
 * Activation patching, streamed: start, progress, rows, then done or error.
 * @param {Params} params clean, corrupted, answer, wrong, model @param {Job} job @param {(event: string, data: any) => void} on
 */
export function patchStream(params, job, on) {
  return eventStream(withQuery("/api/patch", Object.assign({}, params, { stream: "1", job: job.id })), job.signal, on);
}
/**
 * Generation, streamed: start, one token per generated token, then done or error.
 * @param {Params|[string, string][]} params @param {Job} job @param {(event: string, data: any) => void} on
 */
export function generateStream(params, job, on) {
  const pairs = Array.isArray(params) ? params.slice() : Object.entries(params);
  pairs.push(["job", job.id]);
  return eventStream(withQuery("/api/generate", pairs), job.signal, on);
}

// The raw readers, for the pages not yet moved onto the functions above (to go once none uses them).
export { getJSON as fetchJSON, eventStream };
