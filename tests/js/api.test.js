// Unit tests of api.js's pure parts: query strings and the server-sent-events reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { query, sseParser } from "../../Sources/Reports/Resources/api.js";

test("query leaves out empty values and encodes the rest", () => {
  assert.equal(query({ prompt: "a b&c", target: "", model: null, steps: 32, report: undefined }), "prompt=a%20b%26c&steps=32");
  assert.equal(query([["edits", "head:1:2"], ["edits", "neuron:3:4"]]), "edits=head%3A1%3A2&edits=neuron%3A3%3A4");
  assert.equal(query({ prompt: "中文" }), "prompt=%E4%B8%AD%E6%96%87");
});

test("sseParser reads events, JSON data, multi-line data and comments", () => {
  const got = [];
  const line = sseParser((event, data) => got.push([event, data]));
  for (const l of ["event: token", 'data: {"id": 1}', "", ": keep-alive", "data: plain", "data: text\r", "", "event: done", "data: {}"]) line(l);
  line("");
  assert.deepEqual(got, [["token", { id: 1 }], ["message", "plain\ntext"], ["done", {}]]);
});
