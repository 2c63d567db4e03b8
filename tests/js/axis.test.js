// Unit tests of lib/axis.js: ticks, their labels, and the range a series is drawn over.
import { test } from "node:test";
import assert from "node:assert/strict";
import { linearTicks, logTicks, niceStep, tickLabels, uniqueTicks, valueRange } from "../../Sources/Reports/Resources/lib/axis.js";

test("niceStep picks 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceStep(10, 5), 2);
  assert.equal(niceStep(1, 4), 0.2);
  assert.equal(niceStep(700, 4), 200);
});

test("linearTicks cover the range on round numbers", () => {
  assert.deepEqual(linearTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(linearTicks(5, 5, 4), [5]);
  const t = linearTicks(-0.3, 0.3, 3);
  assert.ok(t.includes(0));
});

test("a constant series (a fixed learning rate read back from float32) is flat with one tick", () => {
  const lr = Math.fround(0.01);                // 0.009999999776482582
  const r = valueRange(lr, 0.01);
  assert.notEqual(r.constant, null);
  assert.ok(r.lo < lr && r.hi > 0.01);
  assert.ok(Math.abs(r.constant - 0.01) < 1e-9);
  const zero = valueRange(0, 0);
  assert.equal(zero.constant, 0);
  assert.deepEqual([zero.lo, zero.hi], [-1, 1]);
  const moving = valueRange(1, 2);
  assert.equal(moving.constant, null);
  assert.ok(Math.abs(moving.lo - 0.94) < 1e-12 && Math.abs(moving.hi - 2.06) < 1e-12);
});

test("an axis never shows a label twice", () => {
  // the ticks of a range narrower than the labels' three digits
  const ticks = linearTicks(0.0099999, 0.0100001, 4);
  const labels = tickLabels(ticks, ticks.length > 1 ? ticks[1] - ticks[0] : 1);
  const u = uniqueTicks(ticks, labels);
  assert.equal(new Set(u.labels).size, u.labels.length);
  assert.equal(u.ticks.length, u.labels.length);
  assert.deepEqual(uniqueTicks([1, 2, 3], ["a", "a", "b"]), { ticks: [1, 3], labels: ["a", "b"] });
});

test("tickLabels: plain decimals, thousands compacted, tiny values in scientific notation", () => {
  assert.deepEqual(tickLabels([0, 0.5, 1], 0.5), ["0", "0.5", "1.0"]);
  assert.deepEqual(tickLabels([0, 20000, 40000], 20000), ["0", "20k", "40k"]);
  assert.deepEqual(tickLabels([0.001, 0.002], 0.001), ["1e-3", "2e-3"]);
});

test("logTicks stay within the decades", () => {
  const t = logTicks(-2, 1);
  assert.ok(t.every((v) => v >= -2 - 1e-9 && v <= 1 + 1e-9));
  assert.ok(t.includes(0));
});
