/* Glassbox report views: the words the panels use. TransformerLens hook names in plain words (hookName, hookLabel),
 * the glossary section at the end of a view, and the "? term" buttons that open it (helpButton). */
import { el } from "../../lib/dom.js";
import { tooltip } from "../../lib/tooltip.js";

// ---------------------------------------------------------------- hook names, in words

// TransformerLens hook names (what the documents and the CLI print) and what they hold, for a reader who does not
// know the convention; the layer is a number or the placeholder {L} (then "each layer").
/** @type {[RegExp, (l: string, x?: string) => string][]} */
const HOOKS = [
  [/^hook_embed$/, () => "the token embeddings"],
  [/^blocks\.(\d+|\{L\})\.hook_resid_pre$/, (l) => "the residual stream entering " + l],
  [/^blocks\.(\d+|\{L\})\.hook_resid_mid$/, (l) => "the residual stream in " + l + ", after its attention"],
  [/^blocks\.(\d+|\{L\})\.hook_resid_post$/, (l) => "the residual stream leaving " + l],
  [/^blocks\.(\d+|\{L\})\.attn\.hook_z$/, (l) => "the head outputs of " + l + ", one vector per head before they are mixed"],
  [/^blocks\.(\d+|\{L\})\.attn\.hook_pattern$/, (l) => "the attention pattern of " + l],
  [/^blocks\.(\d+|\{L\})\.attn\.hook_(q|k|v)$/, (l, x) => "the " + { q: "queries", k: "keys", v: "values" }[x] + " of " + l],
  [/^blocks\.(\d+|\{L\})\.hook_attn_out$/, (l) => "the attention output of " + l],
  [/^blocks\.(\d+|\{L\})\.mlp\.hook_pre$/, (l) => "the MLP neurons' inputs in " + l],
  [/^blocks\.(\d+|\{L\})\.mlp\.hook_post$/, (l) => "the MLP neuron activations of " + l],
  [/^blocks\.(\d+|\{L\})\.hook_mlp_out$/, (l) => "the MLP output of " + l],
  [/^ln_final\.hook_normalized$/, () => "the final norm's output"],
];
/** "blocks.5.hook_resid_pre" -> "the residual stream entering layer 5"; null for a name we do not know. */
export function hookName(hook) {
  for (const [re, say] of HOOKS) {
    const m = re.exec(String(hook));
    if (m) return say(m[1] === "{L}" ? "each layer" : "layer " + m[1], m[2]);
  }
  return null;
}
/** A hook name as code with its meaning beside it. */
export function hookLabel(hook) {
  const words = hookName(hook);
  return el("span", { class: "v-hook" }, [el("code", { text: hook }), words ? " (" + words + ")" : null]);
}

// ---------------------------------------------------------------- the glossary

// The words the panels use, for a reader new to interpretability: one plain sentence or two each.
const GLOSSARY = [
  ["token", "Token", "A piece of text the model reads or writes: a word, part of a word, a space with a word (\u201c Paris\u201d), " +
    "or a part of a character that takes several tokens (most Chinese characters take two or three): such tokens show together " +
    "as their character, and a part shown on its own as its bytes, \u2039E5 8C\u203a. The model only ever sees the tokens' numbers (ids)."],
  ["logit", "Logit", "The raw score the model gives every possible next token. Higher means more likely; only the differences " +
    "between logits matter, and the softmax turns them into probabilities."],
  ["probability", "Probability", "How likely the model thinks a token is to come next: the softmax of the logits, between 0 and 1, " +
    "adding up to 1 over the whole vocabulary."],
  ["entropy", "Entropy", "How spread out a distribution is, in nats: 0 means certain of one token; larger means unsure among many."],
  ["kl", "KL divergence", "How different two next-token distributions are, in nats: KL(a \u2016 b) = \u03a3 p_a log(p_a / p_b) over the " +
    "vocabulary. 0 means the same; it grows when b gives little probability to tokens that a finds likely."],
  ["residual", "Residual stream", "The vector each position carries up through the model. Every layer reads it and adds its " +
    "output back to it (x = x + attention(x), then x = x + MLP(x)), so it accumulates what the layers found."],
  ["lens", "Logit lens", "The final norm and unembedding applied to the residual stream after an earlier layer, as if the model " +
    "stopped there: what it would predict at that depth."],
  ["head", "Attention head", "One of several attention units working side by side in a layer. For every position a head chooses " +
    "which earlier positions to read from and copies information from them into the residual stream."],
  ["pattern", "Attention pattern", "A head's weights: for each query position (a row), how much it reads from each key position (a " +
    "column). Each row adds up to 1, and a position can only look back, so the part above the diagonal is empty."],
  ["mlp", "MLP", "The feed-forward part of each layer. It works on each position on its own (no mixing between tokens) and writes " +
    "its output back into the residual stream."],
  ["neuron", "Neuron", "One hidden unit of an MLP. Its activation says how strongly it fires on a token; some neurons respond " +
    "to features a person can recognise."],
  ["dla", "Direct logit attribution", "How much one part's output (a layer's attention or MLP, or one head), read straight through the " +
    "final norm and unembedding, raises or lowers one token's logit. It leaves out effects that go through later layers."],
  ["ig", "Integrated gradients", "A way to say which input tokens drove a prediction: the input is moved from a baseline to the " +
    "real prompt in small steps and the gradients of the target logit along the way are added up, token by token."],
  ["baseline", "Baseline", "The \u201cnothing here\u201d input that integrated gradients starts from (by default each token's " +
    "embedding replaced by the mean embedding). The attributions explain the difference between the prompt and the baseline."],
  ["gap", "Completeness gap", "Integrated gradients should add up to exactly f(prompt) \u2212 f(baseline). The gap is how far their " +
    "sum is from that; over 5% means too few steps, and the colours are only rough."],
  ["patching", "Activation patching", "Run a corrupted prompt, but copy one activation over from the run on the clean prompt. If " +
    "the clean answer comes back, that activation carried the information that matters."],
  ["restored", "Restored fraction", "(patched \u2212 corrupted) / (clean \u2212 corrupted), of the answer's logit over the wrong " +
    "answer's: 1 means patching that one activation brings the clean answer fully back, 0 means no effect, below 0 makes it worse."],
  ["graph", "Contribution graph", "For every residual-stream state, how much of it comes from each part that adds up to it: the " +
    "state below it, each token its attention reads, its MLP (Meta's LLM Transparency Tool). Following the strong edges back from " +
    "a prediction shows the routes the information took."],
  ["checkpoint", "Checkpoint", "The model's weights saved at one step of training. Two checkpoints of one run are the same model " +
    "at two moments: comparing them on one prompt shows what training changed inside."],
  ["hook", "Hook name", "The name of a place inside the model where an activation can be read or replaced, as TransformerLens " +
    "names them: blocks.5.hook_resid_pre is the residual stream entering layer 5 (layers count from 0)."],
];
const TERMS = new Map(GLOSSARY.map(([key, name, text]) => [key, { name, text }]));

/** The glossary: a closed section at the end of the views, each term with an anchor the "?" buttons open (id: the
 * inspect and the patch view differ, as a studio page shows both). entries: [key, name, text] rows of a view's own
 * words (classic.js) in place of these; its "?" buttons then read them. */
export function glossary(v, id, entries) {
  if (entries) v.terms = new Map(entries.map(([key, name, text]) => [key, { name, text }]));
  const list = el("dl", { class: "v-gloss" }, (entries || GLOSSARY).map(([key, name, text]) => [
    el("dt", { "data-term": key, tabindex: "-1", text: name }), el("dd", { text: text })]));
  const box = el("details", { class: "card v-panel v-glossary", id }, [
    el("summary", {}, [el("h2", { text: "Glossary" }), el("span", { class: "v-caption", text: "the words on this page, in plain language" })]), list]);
  v.root.appendChild(box);
  v.glossary = box;
  return box;
}

/** A small "? term" beside a title: hover for the term's meaning, click to open it in the glossary. */
export function helpButton(v, key) {
  const t = (v.terms || TERMS).get(key);
  if (!t) return null;
  const open = () => {
    if (!v.glossary) return;
    v.glossary.open = true;
    const dt = v.glossary.querySelector("dt[data-term='" + key + "']");
    if (!dt) return;
    dt.scrollIntoView({ block: "center" });
    dt.focus({ preventScroll: true });
    dt.classList.remove("flash"); void dt.offsetWidth; dt.classList.add("flash"); // restart the highlight
  };
  const name = /^[A-Z]{2}/.test(t.name) ? t.name : t.name.toLowerCase(); // "MLP", "KL divergence" stay as they are
  const b = el("button", { type: "button", class: "v-help", "data-term": key, "aria-label": "What is " + name + "? (glossary)", onclick: open },
    [el("span", { class: "v-help-q", "aria-hidden": "true", text: "?" }), name]);
  tooltip.attach(b, () => tooltip.content(t.name, [], [t.text]));
  return b;
}
