/* Glassbox Studio, probe timeline: reading the probe read-outs and following the run. Reads them once, then follows
 * the run's event stream: a `checkpoint` means new read-outs shortly after it (read again until they are there), a
 * `reset` or a reconnection without the events since means read again, and a run that stops gets one last read. */
import { probes, runEvents } from "../../api.js";
import { clear } from "../../lib/dom.js";
import { isNum } from "../../lib/format.js";
import { store } from "../../lib/storage.js";
import { groupProbes } from "./probe-data.js";

/** @typedef {import("./probe-state.js").ProbeContext} ProbeContext */

/**
 * Reads the read-outs and draws them; resolves to the documents (null when the read failed or was overtaken).
 * @param {ProbeContext} ctx @param {(err: any, title: string) => void} showError @returns {Promise<any[]|null>}
 */
export async function loadProbes(ctx, showError) {
  const S = ctx.S;
  const seq = ++S.seq;
  try {
    const docs = await probes(ctx.runId);
    if (S.stopped || seq !== S.seq) return null;
    S.docs = Array.isArray(docs) ? docs : [];
    S.probes = groupProbes(S.docs);
    const stored = store.get("probe." + ctx.runId, 0);
    if (S.state === "loading" && isNum(stored) && stored >= 0 && stored < S.probes.length) S.index = stored;
    S.state = "loaded";
    clear(ctx.errorsNode);
    ctx.render();
    return S.docs;
  } catch (err) {
    if (S.stopped) return null;
    if (err && err.status === 404 && S.state === "loading") { S.state = "loaded"; ctx.render(); return []; } // a server without probes
    if (S.state === "loading") S.state = "error";
    showError(err, "Could not load the probes");
    if (!S.probes.length) ctx.render();
    return null;
  }
}

/** Runs fn after ms unless the timeline is destroyed first. @param {ProbeContext} ctx @param {() => void} fn @param {number} ms */
function later(ctx, fn, ms) {
  const t = setTimeout(() => { ctx.S.timers.delete(t); fn(); }, ms);
  ctx.S.timers.add(t);
}

/**
 * Follows the run's event stream (when the browser has EventSource).
 * @param {ProbeContext} ctx @param {() => Promise<any[]|null>} load
 */
export function followRun(ctx, load) {
  const S = ctx.S;
  if (typeof EventSource === "undefined") return;
  /** A checkpoint arrived: its probes are written just after it, so read again until they are there. @param {number} step */
  const expect = (step) => {
    S.want = Math.max(S.want || 0, step);
    const tries = [400, 1200, 3000, 7000];
    const attempt = async (k) => {
      const docs = await load();
      if (S.stopped || !S.want) return;
      if (docs && docs.some((d) => d.step >= S.want)) { S.want = null; return; }
      if (k + 1 < tries.length) later(ctx, () => attempt(k + 1), tries[k + 1]);
    };
    later(ctx, () => attempt(0), tries[0]);
  };
  /** @param {string} status */
  const setStatus = (status) => {
    const was = S.status;
    S.status = status;
    // the stream stays open when the run stops: `train --resume` makes it live again
    if (status !== "live" && was === "live") later(ctx, load, 800); // one last read: the final checkpoint's probes
    if (was !== status && !S.probes.length && S.state !== "loading") ctx.render();
  };
  const es = runEvents(ctx.runId);
  S.es = es;
  let greeted = false;
  const parse = (e) => { try { return JSON.parse(e.data); } catch (err) { return null; } };
  es.addEventListener("hello", (e) => {
    const d = parse(e);
    if (d && d.status) setStatus(d.status);
    if (greeted && !(d && d.resumed)) load(); // reconnected without the events since: read again
    greeted = true;
  });
  es.addEventListener("checkpoint", (e) => { const d = parse(e); if (d && isNum(d.step)) expect(d.step); });
  es.addEventListener("reset", () => load());
  es.addEventListener("status", (e) => { const d = parse(e); if (d && d.status) setStatus(d.status); });
}
