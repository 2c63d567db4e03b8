// Unit tests of lib/tokens.js: Chinese characters split across byte-level tokens are shown whole.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeBytes, groupIndex, groupTitle, groupTokens, groupedText, isPartial, tokenBytes, tokenLabel, partTitle } from "../../Sources/Reports/Resources/lib/tokens.js";

// "注意" is E6 B3 A8 E6 84 8F; a byte-level BPE may give it as "\xE6\xB3", "\xA8", "意".
const split = ["\\xE6\\xB3", "\\xA8", "意", "力"];

test("tokenBytes reads escapes and text", () => {
  assert.deepEqual(tokenBytes("\\xE6\\xB3"), [0xe6, 0xb3]);
  assert.deepEqual(tokenBytes("意"), [0xe6, 0x84, 0x8f]);
  assert.deepEqual(tokenBytes(" the"), [0x20, 0x74, 0x68, 0x65]);
  assert.deepEqual(tokenBytes(""), []);
  assert.equal(isPartial("\\xA8"), true);
  assert.equal(isPartial("a\\xA8"), false);
});

test("groupTokens joins the tokens of one character", () => {
  const g = groupTokens(split);
  assert.deepEqual(g.map((x) => [x.start, x.end, x.text, x.complete]), [[0, 1, "注", true], [2, 2, "意", true], [3, 3, "力", true]]);
  assert.deepEqual(groupIndex(g, 4), [0, 0, 1, 2]);
  assert.equal(groupedText(split), "注意力");
});

test("a group whose last bytes have not come yet is unfinished", () => {
  const g = groupTokens(["你", "\\xE5\\xA5"]);
  assert.equal(g.length, 2);
  assert.equal(g[1].complete, false);
  assert.equal(g[1].text, "");
  assert.equal(groupedText(["你", "\\xE5\\xA5"]), "你\u2026");
  // ... and becomes whole when they do
  assert.equal(groupedText(["你", "\\xE5\\xA5", "\\xBD"]), "你好");
});

test("a token can end one character and hold the next whole", () => {
  // "好的": E5 A5 BD E7 9A 84, tokenized as "\xE5\xA5", then "\xBD" + "的" in one token? Its shown text is then all escapes.
  const g = groupTokens(["\\xE5\\xA5", "\\xBD\\xE7\\x9A\\x84"]);
  assert.equal(g.length, 1);
  assert.equal(g[0].text, "好的");
});

test("emoji (4 bytes) and plain ASCII", () => {
  assert.equal(groupedText(["\\xF0\\x9F", "\\x98\\x80", " ok"]), "😀 ok");
  assert.equal(groupTokens(["Hello", ",", " world"]).length, 3);
});

test("stray bytes never become U+FFFD or escapes", () => {
  const text = decodeBytes([0xa8, 0x41]);
  assert.equal(text.includes("\uFFFD"), false);
  assert.equal(text.includes("\\x"), false);
  assert.equal(text, "\u2039A8\u203aA");
  assert.equal(groupedText(["\\xA8"]).includes("\\x"), false);
});

test("a lone part of a character gets a readable label and title", () => {
  assert.equal(tokenLabel("\\xE6\\xB3"), "\u2039E6 B3\u203a");
  assert.equal(tokenLabel("意"), "意");
  assert.match(partTitle("\\xE6\\xB3"), /first 2 of the 3 bytes/);
  assert.match(partTitle("\\xA8"), /end of a character/);
  assert.equal(partTitle("意"), "");
});

test("groupTitle lists the tokens and their bytes", () => {
  const t = groupTitle(groupTokens(split)[0]);
  assert.match(t, /^"注"/);
  assert.match(t, /token 0: bytes E6 B3 \(part of a character\)/);
  assert.match(t, /token 1: bytes A8/);
  assert.equal(groupTitle(groupTokens(["意"])[0]), '"意"');
});

test("vocabulary strings give their bytes (GPT-2's byte alphabet, SentencePiece's byte tokens)", async () => {
  const { vocabBytes, shownFromVocab } = await import("../../Sources/Reports/Resources/lib/tokens.js");
  assert.deepEqual(vocabBytes("\u0120Paris"), [0x20, 0x50, 0x61, 0x72, 0x69, 0x73]);
  assert.deepEqual(vocabBytes("<0xE6>"), [0xe6]);
  assert.equal(vocabBytes("注"), null);                       // a character-level vocabulary's entry
  assert.equal(shownFromVocab("\u0120Paris"), " Paris");
  assert.equal(shownFromVocab("\u00e6\u00b3"), "\\xE6\\xB3");      // "æ³": the first two bytes of 注
  assert.equal(shownFromVocab("注"), "注");
});
