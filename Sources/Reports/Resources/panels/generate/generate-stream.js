/* Glassbox Studio, generate page: a generation streamed into the output. Tokens come as server-sent events (read
 * with fetch by api.js, so that a refused request shows its message and a dropped stream is never reconnected, which
 * would start the generation again). Chat: the first message goes with chat=1 (the server applies the model's chat
 * template); later messages continue the conversation as ChatML text (chat=0): the previous prompt as fed, the
 * answer, then the new user turn. Stop asks the server to end the job, and drops the stream if that takes long. */
import { Job, cancel, generateStream } from "../../api.js";
import { clear, el } from "../../lib/dom.js";
import { saveAddress } from "./generate-address.js";
import { ALTERNATIVES, CHAT_END, STOPS, errorBox, note, refused } from "./generate-common.js";
import { readSettings } from "./generate-form.js";
import { showStats } from "./generate-output.js";
import { addToken, emptyTokens } from "./generate-token-text.js";

/** @typedef {import("./generate-common.js").GenerateContext} GenerateContext */
/** @typedef {import("./generate-common.js").Gen} Gen */

/** A new generation (no tokens yet) with its box: text mode after the prompt, chat mode in an assistant bubble.
 * @param {number} key @param {boolean} interactive @returns {Gen} */
export function newGen(key, interactive) {
  const g = /** @type {Gen} */ (Object.assign({ key, interactive }, emptyTokens()));
  g.box = el("div", { class: "gen-text", dataset: { gen: String(key) } });
  g.caret = el("span", { class: "gen-caret", "aria-hidden": "true" });
  return g;
}

/**
 * Streams one generation into view (g.box), keeping its events in g: start, tokens, done. Resolves when the
 * stream ends; rejects with the server's error (a refused request, or an error event) or AbortError.
 * @param {Gen} g @param {[string, any][]} pairs @param {(i: number) => void} [onToken]
 */
export async function streamInto(g, pairs, onToken) {
  g.job = new Job();
  Object.assign(g, emptyTokens());
  g.t0 = performance.now();
  let failure = null;
  await generateStream(pairs, g.job, (event, d) => {
    if (g.dead) return;
    if (event === "start") {
      g.start = d;
      if (g.onStart) g.onStart(d);
    } else if (event === "token") {
      if (!g.t1) g.t1 = performance.now();
      addToken(g, d);
      if (onToken) onToken(g.tokens.length - 1);
    } else if (event === "done") {
      g.done = d;
    } else if (event === "error") {
      failure = new Error(d && d.error ? d.error : String(d));
    }
  });
  if (failure) throw failure;
  if (!g.done && !g.dead) throw new Error("the stream ended before the generation finished");
}

/** The parameters of the next generation: the prompt (in chat mode the conversation) and the settings.
 * @param {GenerateContext} ctx @param {string} message @param {[string, string][]} settings @returns {[string, any][]} */
function request(ctx, message, settings) {
  /** @type {[string, any][]} */
  const pairs = [["model", ctx.modelID()]];
  const prev = ctx.conv.last;
  if (ctx.mode === "chat" && prev && prev.chatml) {
    const answer = (prev.done ? prev.done.text : prev.tokens.map((t) => t.text).join("")).replace(/<\|im_end\|>\s*$/, "").replace(/<\|endoftext\|>\s*$/, "");
    pairs.push(["prompt", prev.start.prompt_text + answer + CHAT_END + "\n<|im_start|>user\n" + message + CHAT_END + "\n<|im_start|>assistant\n"]);
  } else {
    pairs.push(["prompt", message]);
    if (ctx.mode === "chat") { pairs.push(["chat", "1"]); if (ctx.form.systemInput.value.trim()) pairs.push(["system", ctx.form.systemInput.value]); }
  }
  return pairs.concat(settings, [["alternatives", ALTERNATIVES]]);
}

/** The prompt and the settings, checked (a notice names what is missing or wrong); null when they are not fit.
 * @param {GenerateContext} ctx */
function checkedInput(ctx) {
  const message = ctx.form.promptInput.value, errors = ctx.genErrors;
  clear(errors);
  if (!message.trim()) {
    errors.appendChild(el("div", { class: "notice warn", role: "alert", id: "prompt-missing" }, el("span", { class: "notice-text",
      text: ctx.mode === "chat" ? "Write a message first (or pick an example)." : "Type a prompt first (or pick an example)." })));
    ctx.form.promptInput.focus();
    return null;
  }
  try {
    return { message, settings: readSettings(ctx.form.inputs) };
  } catch (err) {
    errors.appendChild(el("div", { class: "notice warn", role: "alert", id: "settings-invalid" }, el("span", { class: "notice-text", text: err.message })));
    return null;
  }
}

/** Puts a new generation's box in the output: text mode replaces the output, chat mode adds two bubbles.
 * @param {GenerateContext} ctx @param {Gen} g @param {string} message */
function placeGen(ctx, g, message) {
  const { output } = ctx.out;
  if (ctx.mode === "chat") {
    const empty = output.querySelector("#gen-empty");
    if (empty) empty.remove();
    const user = el("div", { class: "gen-bubble user", dataset: { role: "user" } }, [el("div", { class: "gen-who", text: "You" }), el("div", { class: "gen-bubble-text", text: message })]);
    g.bubble = el("div", { class: "gen-bubble assistant", dataset: { role: "assistant" } }, [el("div", { class: "gen-who", text: "Assistant" }), g.box]);
    output.append(user, g.bubble);
    ctx.conv.turns.push({ role: "user", text: message });
    ctx.form.promptInput.value = "";
    ctx.form.systemInput.disabled = true;
  } else {
    // the prompt as it was fed, muted; the model's tokens after it
    clear(output).appendChild(g.box);
    g.box.appendChild(el("span", { class: "gen-prompt", text: message }));
    ctx.live.gens.clear();
    ctx.live.gens.set(g.key, g);
  }
  g.box.appendChild(g.caret);
}

/** Marks the page as running g (Stop offered, the count at 0, a note if the server is busy elsewhere); returns
 * what clears that note. @param {GenerateContext} ctx @param {Gen} g */
function showRunning(ctx, g) {
  const { out, form } = ctx;
  ctx.setData("phase", "running");
  ctx.setData("count", 0);
  delete ctx.page.dataset.ids;
  delete ctx.page.dataset.stop;
  clear(out.outStatus);
  form.genBtn.disabled = true;
  form.stopBtn.disabled = false;
  out.stats.textContent = "waiting for the model\u2026";
  const slow = setTimeout(() => {
    if (ctx.live.gen === g && !g.start && !g.finished) out.outStatus.appendChild(note("The server runs one computation at a time: an earlier one may still be finishing.", "gen-wait"));
  }, 2500);
  const unslow = () => { clearTimeout(slow); const w = out.outStatus.querySelector("#gen-wait"); if (w) w.remove(); };
  g.onStart = unslow;
  return unslow;
}

/** Generates from the form: the prompt (or the next chat message) streamed into the output. @param {GenerateContext} ctx */
export async function generate(ctx) {
  const input = checkedInput(ctx);
  if (!input) return;
  const { live } = ctx, { message } = input;
  if (live.gen && !live.gen.finished) stop(ctx, true);
  saveAddress(ctx, ctx.mode === "chat" ? "" : message);
  const pairs = request(ctx, message, input.settings);
  const g = newGen(++live.seq, true);
  g.mode = ctx.mode;
  g.model = ctx.modelID();
  live.gen = g;
  live.gens.set(g.key, g);
  ctx.closePanel();
  placeGen(ctx, g, message);
  const unslow = showRunning(ctx, g);
  try {
    await streamInto(g, pairs, () => {
      ctx.setData("count", g.tokens.length);
      showStats(ctx.out.stats, g);
      if (ctx.mode === "chat") g.bubble.scrollIntoView({ block: "nearest" });
    });
  } catch (err) {
    unslow();
    finish(ctx, g);
    if (live.gen === g) failed(ctx, g, err, message);
    return;
  }
  unslow();
  finish(ctx, g);
  if (live.gen === g) finished(ctx, g);
}

/** A chat answer joins the conversation (as far as it got). @param {GenerateContext} ctx @param {Gen} g */
function keepTurn(ctx, g) {
  g.chatml = !!(g.start && /<\|im_start\|>assistant\n$/.test(g.start.prompt_text || ""));
  ctx.conv.last = g;
  ctx.conv.turns.push({ role: "assistant", gen: g });
}

/** A generation that was stopped or failed. @param {GenerateContext} ctx @param {Gen} g @param {any} err @param {string} message */
function failed(ctx, g, err, message) {
  const { out, form } = ctx;
  if (err.name === "AbortError") {
    // a stopped answer stays part of the conversation, as far as it got
    if (ctx.mode === "chat" && g.start) keepTurn(ctx, g);
    ctx.setData("phase", "cancelled");
    const n = g.tokens.length;
    out.outStatus.appendChild(note(n ? "Stopped after " + n + " token" + (n === 1 ? "." : "s.") : "Stopped.", "gen-cancelled"));
    showStats(out.stats, g);
    return;
  }
  ctx.setData("phase", "error");
  ctx.genErrors.appendChild(errorBox(err, refused(err) ? "The model cannot take this request" : "Could not generate", () => ctx.generate()));
  if (!g.tokens.length && ctx.mode === "chat") {
    if (g.bubble) { g.bubble.previousSibling.remove(); g.bubble.remove(); }
    ctx.conv.turns.pop();
    form.promptInput.value = message;
    if (!ctx.conv.last) form.systemInput.disabled = false;
  }
}

/** A generation that ended: the counts, the speed and why it stopped. @param {GenerateContext} ctx @param {Gen} g */
function finished(ctx, g) {
  const { out } = ctx, chat = ctx.mode === "chat";
  if (chat) keepTurn(ctx, g);
  ctx.setData("count", g.tokens.length);
  ctx.setData("ids", g.done.ids ? g.done.ids.length : g.tokens.length);
  ctx.setData("stop", g.done.stop_reason || "");
  ctx.setData("phase", g.done.stop_reason === "cancelled" ? "cancelled" : "done");
  showStats(out.stats, g);
  out.outStatus.appendChild(el("div", { class: "gen-stop-line", id: "gen-stop-reason", text: STOPS[g.done.stop_reason] || "Finished (" + g.done.stop_reason + ")." }));
  if (chat && !g.chatml && g.start) out.outStatus.appendChild(note("This model's prompt is not ChatML, so every message starts a new conversation.", "gen-no-chatml"));
  if (chat) ctx.form.promptInput.focus();
  ctx.showIvPrompt();
}

/** @param {GenerateContext} ctx @param {Gen} g */
function finish(ctx, g) {
  g.finished = true;
  if (g.stopTimer) clearTimeout(g.stopTimer);
  if (g.caret) g.caret.remove();
  if (ctx.live.gen === g) { ctx.form.genBtn.disabled = false; ctx.form.stopBtn.disabled = true; }
}

/** Stop: the server is asked to end the job (it then sends done with stop_reason cancelled); the stream is
 * dropped if that does not come soon. hard: drop it at once. @param {GenerateContext} ctx @param {boolean} [hard] */
export function stop(ctx, hard) {
  const g = ctx.live.gen;
  if (!g || g.finished) return;
  if (hard) { g.dead = true; if (g.job) g.job.abort(); finish(ctx, g); return; }
  ctx.form.stopBtn.disabled = true;
  if (g.job) cancel(g.job.id);
  g.stopTimer = setTimeout(() => { if (!g.finished && g.job) g.job.abort(); }, 2000);
}
