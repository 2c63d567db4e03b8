/* Glassbox front end: the few shared functions a page's own tests (and a person at the browser's console) read back
 * to check what was drawn: the run colours, the heat-map scales and the chart theme, as `window.GB`. Nothing on a
 * page depends on it. */
import { chartTheme } from "./charts.js";
import { color, colorScale } from "./colors.js";

/** Publishes window.GB = {color, colorScale, chartTheme}, frozen. */
export function exposeForInspection() {
  Object.defineProperty(window, "GB", { value: Object.freeze({ color, colorScale, chartTheme }), configurable: true });
}
