/* Glassbox Studio, generate page: the result of Compare (#iv-result). The KL divergence of the next-token
 * distributions with and without the edits, the originally predicted token's logit before and after, whether the top
 * prediction changed, the edits as the server applied them, then two columns (original, with edits): the top tokens
 * (with their change) and the greedy continuations, where they diverge marked. */
import { clear, el } from "../../lib/dom.js";
import { fixed } from "../../lib/format.js";
import { barList, v3 } from "./generate-common.js";
import { groupedText } from "../../lib/tokens.js";
import { tokenQuoted } from "./generate-token-text.js";

/** A continuation's text: from its tokens as shown where the server gives them (a character's tokens grouped back),
 * a character cut off at its end as "…"; never U+FFFD. @param {{text: string, shown?: string[]}} c */
const whole = (c) => (c.shown ? groupedText(c.shown) : String(c.text || "").replace(/\uFFFD+/g, "\u2026"));

/** One column: the next token, the top list (with the change from `other`), the continuation.
 * @param {any} doc @param {string} title @param {any} P @param {any} other @param {string} id @param {HTMLElement} [cont] */
function column(doc, title, P, other, id, cont) {
  const vocab = doc.vocab || {};
  const text = (tid) => tokenQuoted(String(tid) in vocab ? vocab[String(tid)] : "#" + tid);
  const pOf = (id2) => { const x = other.top.find(([j]) => j === id2); return x ? x[1] : null; };
  return el("div", { class: "iv-col", id }, [
    el("h3", { text: title }),
    el("div", { class: "v-line" }, ["next token: ", el("b", { text: P.top[0] ? text(P.top[0][0]) : "\u2013" }), " \u00b7 entropy ", el("b", { text: fixed(P.entropy, 2) }), " nats"]),
    barList(P.top.map(([tid, p]) => {
      const q = other ? pOf(tid) : undefined;
      const delta = other === null ? null : q === null ? el("span", { class: "iv-delta new", title: "not in the original's top list", text: "new" })
        : Math.abs(p - q) >= 0.005 ? el("span", { class: ["iv-delta", p > q ? "up" : "down"], text: (p > q ? "+" : "\u2212") + fixed(Math.abs(p - q), 3) }) : null;
      return [text(tid), p, tid === doc.target_id ? "target" : null, delta];
    }), id + "-top"),
    cont !== undefined ? el("div", { class: "iv-cont-wrap" }, [el("div", { class: "field-label", text: "Greedy continuation" }), cont]) : null,
  ]);
}

/** The two greedy continuations, where they diverge marked; sets result's data-same. @param {HTMLElement} result @param {any} doc */
function continuations(result, doc) {
  if (!doc.generation) return [undefined, undefined];
  const a = whole(doc.generation.original), b = whole(doc.generation.intervened);
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  const nl = (x) => x.replace(/\n/g, "\u21b5\n");
  result.dataset.same = a === b ? "1" : "0";
  return [
    el("div", { class: "iv-cont", id: "iv-cont-original" }, [nl(a.slice(0, k)), el("mark", { class: "iv-diverge", text: nl(a.slice(k)) })]),
    el("div", { class: "iv-cont", id: "iv-cont-intervened" }, [nl(b.slice(0, k)), el("mark", { class: "iv-diverge", text: nl(b.slice(k)) })]),
  ];
}

/** An applied edit in words: the server's description, a steering vector's said the page's way (away from its
 * "from" text, towards its "to" text). @param {any} x */
function describe(x) {
  if (x.kind !== "steer" || typeof x.from !== "string" || typeof x.to !== "string") return x.description;
  return "steer at layer " + x.layer + " ×" + v3(x.scale) + ": away from " + JSON.stringify(x.from) + ", towards " + JSON.stringify(x.to) +
    (typeof x.norm === "number" ? " (the vector's norm " + v3(x.norm) + " before scaling)" : "");
}

/** Draws an intervention document into result (#iv-result). @param {HTMLElement} result @param {any} doc */
export function drawComparison(result, doc) {
  const vocab = doc.vocab || {};
  const O = doc.original, I = doc.intervened;
  const kl = doc.kl_divergence, dLogit = doc.target_logit.intervened - doc.target_logit.original;
  const changed = O.top[0] && I.top[0] && O.top[0][0] !== I.top[0][0];
  const target = tokenQuoted(doc.target_text !== undefined ? doc.target_text : String(doc.target_id) in vocab ? vocab[String(doc.target_id)] : "#" + doc.target_id);
  const [contO, contI] = continuations(result, doc);
  clear(result).append(
    el("div", { class: "v-facts iv-facts" }, [
      el("span", { class: ["badge", kl < 1e-4 ? "v-ok" : "v-warn"], id: "iv-kl", dataset: { kl: String(kl) }, title: "KL(original \u2016 with edits) of the next-token distributions: 0 means no change" },
        "KL divergence " + v3(kl) + " nats"),
      el("span", { id: "iv-target" }, ["logit of ", el("b", { text: target }), " ",
        el("b", { text: v3(doc.target_logit.original) }), " \u2192 ", el("b", { text: v3(doc.target_logit.intervened) }),
        el("span", { class: ["iv-delta", dLogit > 0 ? "up" : dLogit < 0 ? "down" : null], text: " (" + (dLogit >= 0 ? "+" : "\u2212") + v3(Math.abs(dLogit)) + ")" })]),
      el("span", { id: "iv-top-changed" }, changed ? ["top prediction ", el("b", { text: "changed" })] : ["top prediction ", el("b", { text: "unchanged" })]),
    ]),
    el("ul", { class: "iv-applied" }, (doc.interventions || []).map((x) => el("li", { text: describe(x) }))),
    el("div", { class: "iv-cols" }, [column(doc, "Original", O, null, "iv-original", contO), column(doc, "With edits", I, O, "iv-intervened", contI)]),
  );
  result.dataset.changed = changed ? "1" : "0";
}
