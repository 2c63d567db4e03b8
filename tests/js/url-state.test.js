// Unit tests of lib/url-state.js: a page's state in its address and back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseState, stateQuery } from "../../Sources/Reports/Resources/lib/url-state.js";

const schema = {
  model: { type: "string", default: "bundled" },
  prompt: { type: "string" },
  steps: { type: "int", default: 64, min: 1, max: 4096 },
  smoothing: { type: "number", default: 0.6, min: 0, max: 0.999 },
  chat: { type: "bool" },
  runs: { type: "list" },
  tab: { type: "string", default: "inspect", choices: ["inspect", "patch", "diff"] },
};

test("absent fields take their defaults", () => {
  assert.deepEqual(parseState("", schema), { model: "bundled", prompt: null, steps: 64, smoothing: 0.6, chat: false, runs: [], tab: "inspect" });
});

test("values are read with their types, malformed ones fall back to the default", () => {
  const s = parseState("?model=r1%4010&prompt=%E6%B3%A8%E6%84%8F&steps=128&smoothing=0.9&chat=1&runs=a,b,,c&tab=diff", schema);
  assert.deepEqual(s, { model: "r1@10", prompt: "注意", steps: 128, smoothing: 0.9, chat: true, runs: ["a", "b", "c"], tab: "diff" });
  const bad = parseState("?steps=12x&smoothing=7&tab=nope&steps=0", schema);
  assert.equal(bad.steps, 64);
  assert.equal(bad.smoothing, 0.6);
  assert.equal(bad.tab, "inspect");
});

test("the query leaves defaults out, keeps the schema's order, and round-trips", () => {
  const s = { model: "bundled", prompt: "a b&c", steps: 64, smoothing: 0.6, chat: true, runs: ["x", "y"], tab: "patch", other: "never" };
  const q = stateQuery(s, schema);
  assert.equal(q, "prompt=a+b%26c&chat=1&runs=x%2Cy&tab=patch");
  const back = parseState("?" + q, schema);
  assert.equal(back.prompt, "a b&c");
  assert.deepEqual(back.runs, ["x", "y"]);
  assert.equal(stateQuery(parseState("", schema), schema), "");
});

test("mergeQuery keeps the address's other parameters", async () => {
  const { mergeQuery } = await import("../../Sources/Reports/Resources/lib/url-state.js");
  const view = { smoothing: { type: "number" }, from: { type: "int" }, to: { type: "int" } };
  assert.equal(mergeQuery("?runs=a,b&from=3", { smoothing: 0.5, from: null, to: null }, view), "runs=a%2Cb&smoothing=0.5");
  assert.equal(mergeQuery("", { smoothing: null, from: 10, to: 90 }, view), "from=10&to=90");
});

test("a bool whose default is true is written as 0 when false, and read back", () => {
  const s = { chat: { type: "bool", default: true } };
  assert.equal(stateQuery({ chat: true }, s), "");
  assert.equal(stateQuery({ chat: false }, s), "chat=0");
  assert.deepEqual(parseState("?chat=0", s), { chat: false });
  assert.deepEqual(parseState("", s), { chat: true });
});
