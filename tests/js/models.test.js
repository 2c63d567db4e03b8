// Unit test of the models page's grouping: every model in its section, checkpoints by run, newest step first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { groupModels } from "../../Sources/Reports/Resources/pages/models-page.js";

test("models are grouped into bundled, given, checkpoints and adapters", () => {
  const list = [
    { id: "r1@10", name: "a step 10", kind: "checkpoint", path: "/r/1/10", run: "r1", step: 10, run_kind: "gpt", adapter: false },
    { id: "bundled", name: "SmolLM2", kind: "bundled", path: "/m.gguf" },
    { id: "r1@30", name: "a step 30", kind: "checkpoint", path: "/r/1/30", run: "r1", step: 30, run_kind: "gpt", adapter: false },
    { id: "ft@5", name: "ft step 5", kind: "checkpoint", path: "/r/ft/5", run: "ft", step: 5, run_kind: "finetune", adapter: true },
    { id: "model-1", name: "other.gguf", kind: "given", path: "/o.gguf" },
  ];
  const g = groupModels(list);
  assert.deepEqual(g.bundled.map((m) => m.id), ["bundled"]);
  assert.deepEqual(g.given.map((m) => m.id), ["model-1"]);
  assert.deepEqual(g.checkpoints.map((m) => m.id), ["r1@30", "r1@10"]);
  assert.deepEqual(g.adapters.map((m) => m.id), ["ft@5"]);
});
