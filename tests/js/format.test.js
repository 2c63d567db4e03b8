// Unit tests of lib/format.js: how numbers, durations and times read on every page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checksum, compact, duration, fixed, int, isNum, num, relTime, slug, toCSV } from "../../Sources/Reports/Resources/lib/format.js";

test("isNum accepts finite numbers only", () => {
  assert.equal(isNum(0), true);
  assert.equal(isNum(-2.5), true);
  for (const v of [NaN, Infinity, -Infinity, "1", null, undefined]) assert.equal(isNum(v), false);
});

test("compact keeps three significant digits with k, M, G suffixes", () => {
  assert.equal(compact(1234), "1234");
  assert.equal(compact(12345), "12.3k");
  assert.equal(compact(812544), "813k");
  assert.equal(compact(2.5e6), "2.5M");
  assert.equal(compact(0.00098), "9.8e-4");
  assert.equal(compact(0), "0");
  assert.equal(compact(NaN), "–");
});

test("num: four significant digits, integers as they are, scientific when tiny or huge", () => {
  assert.equal(num(3.14159265), "3.142");
  assert.equal(num(42), "42");
  assert.equal(num(1e-5), "1e-5");
  assert.equal(num(2.5e7), "25000000");
  assert.equal(num(2.5e9), "2.5e9");
  assert.equal(num(1234567.5), "1.235e6");
  assert.equal(num(0.5, 2), "0.5");
  assert.equal(num(null), "–");
  assert.equal(num(Infinity), "Infinity");
});

test("fixed and int", () => {
  assert.equal(fixed(1.005, 1), "1.0");
  assert.equal(fixed(undefined), "–");
  assert.equal(int(1234567.4), "1,234,567");
});

test("duration reads like a person writes it", () => {
  assert.equal(duration(0), "0s");
  assert.equal(duration(0.4), "<1s");
  assert.equal(duration(42.5), "43s");
  assert.equal(duration(3725), "1h 02m");
  assert.equal(duration(61), "1m 01s");
  assert.equal(duration(-1), "–");
});

test("relTime against a fixed now", () => {
  const now = 1800000000;
  assert.equal(relTime(now - 10, now), "just now");
  assert.equal(relTime(now - 60, now), "1 min ago");
  assert.equal(relTime(now - 600, now), "10 min ago");
  assert.equal(relTime(now - 5 * 3600, now), "5 hours ago");
  assert.equal(relTime(now - 30 * 3600, now), "yesterday");
});

test("toCSV quotes what needs quoting", () => {
  assert.equal(toCSV([["step", "text"], [1, 'a "b", c'], [2, null]]), 'step,text\n1,"a ""b"", c"\n2,\n');
});

test("slug makes a file name", () => {
  assert.equal(slug("train/loss"), "train-loss");
  assert.equal(slug("///"), "data");
  assert.equal(slug("注意力"), "data");
});

test("checksum is stable and sensitive", () => {
  assert.equal(checksum([1, 2, 3]), checksum([1, 2, 3]));
  assert.notEqual(checksum([1, 2, 3]), checksum([1, 2, 3.0001]));
  assert.match(checksum([]), /^[0-9a-f]{8}$/);
});
