// Unit tests of lib/panels.js (declaring and mounting panels), and the registry of the studio's pages: every page is a
// list of declared panels, and docs/front-end.md lists every one of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { definePanel, missingNeeds, mountPanels, registeredPanels } from "../../Sources/Reports/Resources/lib/panels.js";

/** A stand-in for a DOM container: what mountPanels appends to. */
function container() {
  return { children: [], appendChild(n) { this.children.push(n); return n; } };
}

test("a panel is declared once, with an id PAGE/NAME, a title, its needs and a render function", () => {
  const p = definePanel({ id: "unit/one", title: "One", needs: ["a"], render: () => ({ dataset: {} }) });
  assert.equal(p.id, "unit/one");
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.needs));
  assert.throws(() => definePanel({ id: "unit/one", title: "Again", needs: [], render: () => null }), /declared twice/);
  assert.throws(() => definePanel({ id: "no-page", title: "x", needs: [], render: () => null }), /PAGE\/NAME/);
  assert.throws(() => definePanel({ id: "unit/untitled", title: "", needs: [], render: () => null }), /no title/);
  assert.throws(() => definePanel(/** @type {any} */ ({ id: "unit/needless", title: "x", render: () => null })), /what it needs/);
  assert.throws(() => definePanel(/** @type {any} */ ({ id: "unit/inert", title: "x", needs: [] })), /no render/);
  assert.deepEqual(registeredPanels("unit").map((q) => q.id), ["unit/one"]);
});

test("mounting renders the panels that apply, in order, marks their roots and returns them by id", () => {
  const calls = [];
  const mk = (id, opts) => definePanel(Object.assign({ id, title: id, needs: [], render: (s, ctx) => { calls.push([id, s, ctx]); return { dataset: {}, id }; } }, opts));
  const a = mk("mount/a"), b = mk("mount/b", { when: (s) => s.showB }), c = mk("mount/c", { render: () => null }), d = mk("mount/d", { needs: ["x"] });
  const box = container(), state = { showB: false, x: 1 }, ctx = { k: 1 };
  const mounted = mountPanels(box, [d, a, b, c], state, ctx);
  assert.deepEqual(box.children.map((n) => n.id), ["mount/d", "mount/a"]);
  assert.deepEqual(box.children.map((n) => n.dataset.panel), ["mount/d", "mount/a"]);
  assert.deepEqual([...mounted.keys()], ["mount/d", "mount/a"]);
  assert.ok(calls.every(([, s, k]) => s === state && k === ctx));
  state.showB = true;
  assert.deepEqual([...mountPanels(container(), [b], state).keys()], ["mount/b"]);
});

test("a panel whose needs the state lacks is named with the fields, and nothing after it is mounted", () => {
  const p = definePanel({ id: "needs/p", title: "p", needs: ["runs", "defs"], render: () => ({ dataset: {} }) });
  const q = definePanel({ id: "needs/q", title: "q", needs: [], render: () => ({ dataset: {} }) });
  assert.deepEqual(missingNeeds(p, { runs: [] }), ["defs"]);
  assert.deepEqual(missingNeeds(p, { runs: [], defs: null }), []);
  const box = container();
  assert.throws(() => mountPanels(box, [p, q], { runs: [] }), /needs\/p needs defs/);
  assert.equal(box.children.length, 0);
});

test("every studio page is a list of its own declared panels, and docs/front-end.md's lists are up to date", async () => {
  // the page modules declare their panels when imported (their DOM work waits for a page to be drawn)
  for (const page of ["run", "runs", "inspect", "generate", "model", "models"]) {
    const { PANELS } = await import("../../Sources/Reports/Resources/pages/" + page + "-page.js");
    assert.ok(Array.isArray(PANELS) && PANELS.length >= 2, "the " + page + " page is a list of panels");
    for (const p of PANELS) assert.ok(registeredPanels(page).includes(p), p.id + " is a declared panel of the " + page + " page");
  }
  const { updatedDocument } = await import("../../scripts/front-end-list.mjs");
  const doc = readFileSync(new URL("../../docs/front-end.md", import.meta.url), "utf8");
  assert.ok(doc === await updatedDocument(), "docs/front-end.md's lists are out of date: run node scripts/front-end-list.mjs");
});
