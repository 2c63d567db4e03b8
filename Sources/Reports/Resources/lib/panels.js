/* Glassbox front end: panels. A panel declares itself once, in its own file, with `definePanel`: its id, the page it
 * belongs to, what it shows, which fields of the page's state it needs, when it applies, and `render(state, ctx)`,
 * which returns its DOM (or null when it has nothing to show). A page is then an ordered list of panels handed to
 * `mountPanels`, which checks their needs, skips those that do not apply, and marks each one's root with
 * `data-panel="ID"` (so the element under the mouse names its file: panels/PAGE/ID.js or views/…). The registry
 * (`registeredPanels`) is what docs/front-end.md's panel list is checked against (tests/js/panels.test.js). */

/**
 * @typedef {Object} PanelSpec
 * @property {string} id       unique: "PAGE/NAME" (e.g. "run/samples")
 * @property {string} title    what it shows, in a few words
 * @property {string[]} needs  the fields of the page's state it reads (each must be defined when it mounts)
 * @property {(state: any) => boolean} [when]  whether it applies to this state (default: always)
 * @property {(state: any, ctx: any) => (Node|null)} render  its DOM, or null when there is nothing to show
 */

/** @type {Map<string, PanelSpec>} */
const registry = new Map();

/**
 * Declares a panel (once per id) and returns it, for its page's list.
 * @param {PanelSpec} spec @returns {PanelSpec}
 */
export function definePanel(spec) {
  if (!spec || typeof spec.id !== "string" || !/^[a-z0-9-]+\/[a-z0-9-]+$/.test(spec.id)) throw new Error("a panel needs an id PAGE/NAME, got " + JSON.stringify(spec && spec.id));
  if (typeof spec.title !== "string" || !spec.title) throw new Error("panel " + spec.id + " has no title");
  if (!Array.isArray(spec.needs)) throw new Error("panel " + spec.id + " does not say what it needs");
  if (typeof spec.render !== "function") throw new Error("panel " + spec.id + " has no render function");
  if (registry.has(spec.id)) throw new Error("panel " + spec.id + " is declared twice");
  const frozen = Object.freeze(Object.assign({}, spec, { needs: Object.freeze(spec.needs.slice()) }));
  registry.set(spec.id, frozen);
  return frozen;
}

/** Every declared panel (of one page when given), in the order they were declared. @param {string} [page] */
export function registeredPanels(page) {
  const all = [...registry.values()];
  return page ? all.filter((p) => p.id.startsWith(page + "/")) : all;
}

/** The fields of `state` a panel needs that are undefined. @param {PanelSpec} panel @param {any} state */
export function missingNeeds(panel, state) {
  return panel.needs.filter((k) => state == null || state[k] === undefined);
}

/**
 * Mounts `panels` in order into `container`: each that applies is rendered and appended, its root marked with
 * data-panel. A panel whose needs are missing is a programming error and throws, naming the panel and the fields.
 * Returns the mounted panels' roots by id.
 * @param {Node} container @param {PanelSpec[]} panels @param {any} state @param {any} [ctx] @returns {Map<string, Node>}
 */
export function mountPanels(container, panels, state, ctx) {
  /** @type {Map<string, Node>} */
  const mounted = new Map();
  for (const panel of panels) {
    const missing = missingNeeds(panel, state);
    if (missing.length) throw new Error("panel " + panel.id + " needs " + missing.join(", ") + ", which the page's state lacks");
    if (panel.when && !panel.when(state)) continue;
    const node = panel.render(state, ctx);
    if (!node) continue;
    const data = /** @type {any} */ (node).dataset;
    if (data && !data.panel) data.panel = panel.id;
    container.appendChild(node);
    mounted.set(panel.id, node);
  }
  return mounted;
}
