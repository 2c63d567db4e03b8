// Unit tests of panels/runs/runs-filter.js: the runs page's filter syntax (parseHPFilter), its search and quick
// filters (matchesRun) and the table's sort order (sortRuns).
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareValues, knownKeys, matchesRun, NONE, parseHPFilter, searchWords, sortRuns, valueOf }
  from "../../Sources/Reports/Resources/panels/runs/runs-filter.js";

/** A run as GET runs lists it (only the fields the filters read). */
function run(id, fields) {
  return Object.assign({ id, name: id, kind: "gpt", status: "finished", step: 100, total_steps: 100, created_at: 0,
    data_set: "tinyshakespeare", tokenizer: "char", parameter_count: 1000, duration_s: 60, last: {}, host: null, user: null, ranks: 1,
    hyper_parameters: {} }, fields);
}

const runs = [
  run("a", { hyper_parameters: { layers: 4, learningRate: 0.0003, optimizer: "adamw" }, last: { "train/loss": 1.5, "val/loss": 1.7 }, host: "gpu1", user: "ana", created_at: 3 }),
  run("b", { hyper_parameters: { layers: 2, learningRate: 0.001, optimizer: "sgd" }, last: { "train/loss": 2.5 }, host: "gpu2", ranks: 4, created_at: 1 }),
  run("c", { hyper_parameters: { layers: 4 }, status: "live", name: "Tiny Shakespeare", created_at: 2 }),
];
const known = knownKeys(runs);
const pass = (text) => { const { tests, errors } = parseHPFilter(text, known); assert.deepEqual(errors, []); return runs.filter((r) => tests.every((t) => t(r))).map((r) => r.id); };

test("knownKeys: the hyper-parameters of every run and the run's own fields", () => {
  for (const k of ["layers", "learningRate", "optimizer", "step", "status", "ranks", "host", "user", "train_loss", "val_loss"]) assert.ok(known.has(k), k);
});

test("parseHPFilter: = and == compare numbers as numbers", () => {
  assert.deepEqual(pass("layers=4"), ["a", "c"]);
  assert.deepEqual(pass("layers==4.0"), ["a", "c"]);
  assert.deepEqual(pass("learningRate=3e-4"), ["a"]);
});

test("parseHPFilter: <, >, <=, >= and != on numbers", () => {
  assert.deepEqual(pass("learningRate<0.001"), ["a"]);
  assert.deepEqual(pass("learningRate<=0.001"), ["a", "b"]);
  assert.deepEqual(pass("layers>2"), ["a", "c"]);
  assert.deepEqual(pass("layers>=2"), ["a", "b", "c"]);
  assert.deepEqual(pass("layers!=4"), ["b"]);
});

test("parseHPFilter: a run without the key passes only !=", () => {
  assert.deepEqual(pass("learningRate>0"), ["a", "b"]);
  assert.deepEqual(pass("learningRate!=0.001"), ["a", "c"]);
  assert.deepEqual(pass("val_loss<2"), ["a"]);
});

test("parseHPFilter: keys ignore case, text values compare ignoring case", () => {
  assert.deepEqual(pass("LAYERS=2"), ["b"]);
  assert.deepEqual(pass("optimizer=AdamW"), ["a"]);
  assert.deepEqual(pass("status=live"), ["c"]);
  assert.deepEqual(pass("host=GPU2"), ["b"]);
});

test("parseHPFilter: every condition must hold; ranks, host and user are keys", () => {
  assert.deepEqual(pass("layers=4 learningRate<0.001"), ["a"]);
  assert.deepEqual(pass("ranks>1"), ["b"]);
  assert.deepEqual(pass("  layers=4   train_loss<2  "), ["a"]);
  assert.deepEqual(pass(""), ["a", "b", "c"]);
});

test("parseHPFilter: says what it cannot read, and keeps the conditions it can", () => {
  const { tests, errors } = parseHPFilter("layers=4 depth=3 nonsense lr= =2", known);
  assert.equal(tests.length, 1);
  assert.deepEqual(errors, ["no hyper-parameter 'depth'", "'nonsense' is not key=value, key<value or key>value",
    "'lr=' is not key=value, key<value or key>value", "'=2' is not key=value, key<value or key>value"]);
});

test("valueOf: a hyper-parameter first, then the run's fields", () => {
  assert.equal(valueOf(runs[0], "layers"), 4);
  assert.equal(valueOf(runs[0], "train_loss"), 1.5);
  assert.equal(valueOf(runs[1], "ranks"), 4);
  assert.equal(valueOf(runs[2], "host"), null);
  assert.equal(valueOf(runs[2], "nothing"), undefined);
});

test("matchesRun: search words, host and user (NONE: not recorded)", () => {
  const q = (o) => Object.assign({ words: [], host: "", user: "", tests: [] }, o);
  const ids = (o) => runs.filter((r) => matchesRun(r, q(o))).map((r) => r.id);
  assert.deepEqual(searchWords("  Tiny  SHAKESPEARE "), ["tiny", "shakespeare"]);
  assert.deepEqual(ids({ words: searchWords("tiny shakespeare") }), ["a", "b", "c"]); // the data set
  assert.deepEqual(ids({ words: searchWords("Tiny Shakespeare live") }), ["c"]);
  assert.deepEqual(ids({ words: ["ana"] }), ["a"]);
  assert.deepEqual(ids({ host: "gpu1" }), ["a"]);
  assert.deepEqual(ids({ host: NONE }), ["c"]);
  assert.deepEqual(ids({ user: NONE }), ["b", "c"]);
  assert.deepEqual(ids({ tests: parseHPFilter("layers=4", known).tests, user: "ana" }), ["a"]);
});

test("sortRuns: either direction, missing values last, ties by creation time", () => {
  const lr = (r) => r.hyper_parameters.learningRate;
  assert.deepEqual(sortRuns(runs, lr, 1).map((r) => r.id), ["a", "b", "c"]);
  assert.deepEqual(sortRuns(runs, lr, -1).map((r) => r.id), ["b", "a", "c"]);
  assert.deepEqual(sortRuns(runs, (r) => r.hyper_parameters.layers, 1).map((r) => r.id), ["b", "c", "a"]);
  assert.deepEqual(sortRuns(runs, (r) => r.name, 1).map((r) => r.id), ["a", "b", "c"]);
});

test("compareValues: numbers, natural text order, non-finite numbers as missing", () => {
  assert.ok(compareValues(2, 10) < 0);
  assert.ok(compareValues("run-2", "run-10") < 0);
  assert.equal(compareValues(null, undefined), 0);
  assert.ok(compareValues(NaN, 1) > 0);
  assert.ok(compareValues(1, Infinity) < 0);
});
