/* Glassbox front end: saving data and pictures as files. */
import { el } from "./dom.js";
import { toCSV } from "./format.js";

export function downloadBlob(filename, blob) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: filename, class: "hidden" });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

export function downloadText(filename, text, mime) {
  downloadBlob(filename, new Blob([text], { type: (mime || "text/plain") + ";charset=utf-8" }));
}

export function downloadJSON(filename, value) {
  downloadText(filename, JSON.stringify(value, null, 2), "application/json");
}

/** rows: arrays of cells; the first row is the header. */
export function downloadCSV(filename, rows) { downloadText(filename, toCSV(rows), "text/csv"); }
