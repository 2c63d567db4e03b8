// Unit tests of lib/progress.js: a progress line counts the real work and estimates honestly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { progressText, secondsLeft } from "../../Sources/Reports/Resources/lib/progress.js";

test("no estimate before there is something to estimate from", () => {
  assert.equal(secondsLeft(0.01, 10), null);
  assert.equal(secondsLeft(0.5, 0.2), null);
  assert.equal(secondsLeft(0.5, 10), 10);
  assert.equal(secondsLeft(1, 10), 0);
});

test("the line counts units and grows with the total", () => {
  const a = progressText({ part: "attributions", fraction: 0.5, done: 40, total: 80, elapsed_s: 12 }, "gradient evaluations");
  assert.equal(a, "attributions: 40 of 80 gradient evaluations \u00b7 12s so far \u00b7 about 12s left");
  const b = progressText({ part: "attributions", fraction: 0.3, done: 82, total: 273, elapsed_s: 30 }, "gradient evaluations");
  assert.match(b, /82 of 273 gradient evaluations/);
  assert.match(b, /about 1m 10s left/);
  assert.equal(progressText({ part: "patching", fraction: 0.25 }), "patching: 25%");
});
