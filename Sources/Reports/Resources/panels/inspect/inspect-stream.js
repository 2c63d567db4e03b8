/* Glassbox Studio, inspect page: an inspect request streamed (api.js inspectStream), so that a slow part (the
 * attributions, a long prompt's contribution graph) shows what the server has really done: each `progress` event
 * goes to the caller, and the promise settles with the `done` document. */
import { HTTPError, inspectStream } from "../../api.js";

/** @typedef {import("../../api.js").Job} Job */
/** @typedef {import("../../api.js").Params} Params */
/** @typedef {import("../../lib/progress.js").ProgressEvent} ProgressEvent */

/**
 * The inspect document for params, streamed: onProgress(p) for each progress event. Resolves to the document; an
 * `error` event throws HTTPError (409 when the server dropped the work: "cancelled"; 422 else), a stream that ends
 * without the document throws HTTPError 0, and a cancelled Job throws AbortError.
 * @param {Params} params @param {Job} job @param {(p: ProgressEvent) => void} onProgress @returns {Promise<any>}
 */
export async function streamDocument(params, job, onProgress) {
  let doc = null, failure = null;
  await inspectStream(params, job, (event, d) => {
    if (event === "progress" && d && typeof d === "object") onProgress(d);
    else if (event === "done") doc = d;
    else if (event === "error") {
      const message = d && typeof d.error === "string" ? d.error : String(d || "the analysis failed");
      failure = new HTTPError(message, message === "cancelled" ? 409 : 422, "inspect");
    }
  });
  if (failure) throw failure;
  if (!doc) throw new HTTPError("The analysis ended before it was done. Is `glassbox serve` still running?", 0, "inspect");
  return doc;
}

/** Whether err says the work was cancelled (the Job aborted, or the server dropped it). @param {any} err */
export const wasCancelled = (err) => !!err && (err.name === "AbortError" || err.status === 409);
