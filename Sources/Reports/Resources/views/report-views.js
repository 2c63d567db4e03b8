/* Glassbox views of an inspect, patch or diff document (the JSON that `glassbox inspect --json`, `glassbox patch --json`
 * and `glassbox diff --json` print): panels that mount into any container. inspectView.render(container, doc),
 * patchView.render(container, doc) and diffView.render(container, doc) draw them and return {destroy()}; the
 * self-contained HTML report (report.js) boots them from its embedded document, and the studio's pages call them with
 * the same documents. Panels are built at once (cheap) and drawn when they first come into view, so that a 512-token
 * prompt with 30 layers x 9 heads opens at once. Each view and panel lives in views/report/; this module gathers
 * them, with `views`, the panel kit the classic views (views/classic/) share. */
import { renderDiff } from "./report/report-diff.js";
import { glossary, helpButton, hookLabel, hookName } from "./report/report-glossary.js";
import { renderInspect } from "./report/report-inspect.js";
import { View, background, figHead, frame, legend, legendPaint, modelFacts, saver, themedLegend } from "./report/report-kit.js";
import { renderPatch } from "./report/report-patch.js";
import { visible } from "./report/report-tokens.js";

export const inspectView = { render: renderInspect };
export const diffView = { render: renderDiff };
export const patchView = { render: renderPatch };
// The panel kit, for views in other files (views/classic/).
export const views = { shown: visible, modelFacts, hookName, hookLabel, View, glossary, helpButton, figHead, saver, legend, themedLegend, background, frame, legendPaint };
