/* Glassbox Studio: shared helpers (DOM, formatting, colours, tooltip, fetching, downloads). Plain ES2020. */
"use strict";

window.GB = window.GB || {};

(function (GB) {
  // ---------------------------------------------------------------- DOM

  /** el("div", {class: "x", text: "hi", onclick: fn, dataset: {a: 1}}, [children]) */
  function el(tag, attrs, children) {
    const svg = tag.startsWith("svg:");
    const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
    if (attrs) {
      for (const key of Object.keys(attrs)) {
        const v = attrs[key];
        if (v === undefined || v === null || v === false) continue;
        if (key === "class") node.setAttribute("class", Array.isArray(v) ? v.filter(Boolean).join(" ") : v);
        else if (key === "text") node.textContent = String(v);
        else if (key === "dataset") Object.assign(node.dataset, v);
        else if (key === "style" && typeof v === "object") Object.assign(node.style, v); // CSSOM: allowed under a strict CSP
        else if (key.startsWith("on") && typeof v === "function") node.addEventListener(key.slice(2), v);
        else if (key === "value" && !svg) node.value = v;
        else if (key === "checked" || key === "disabled" || key === "selected") node[key] = !!v;
        else node.setAttribute(key, v === true ? "" : String(v));
      }
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    if (children === undefined || children === null || children === false) return node;
    if (!Array.isArray(children)) children = [children];
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      if (Array.isArray(c)) append(node, c);
      else node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function $(sel, root) { return (root || document).querySelector(sel); }

  // ---------------------------------------------------------------- storage

  const store = {
    get(key, fallback) {
      try {
        const v = localStorage.getItem("glassbox." + key);
        return v === null ? fallback : JSON.parse(v);
      } catch (e) { return fallback; }
    },
    set(key, value) {
      try {
        if (value === undefined) localStorage.removeItem("glassbox." + key);
        else localStorage.setItem("glassbox." + key, JSON.stringify(value));
      } catch (e) { /* private mode: nothing to remember */ }
    },
  };

  // ---------------------------------------------------------------- numbers and times

  const isNum = (v) => typeof v === "number" && Number.isFinite(v);

  /** 1234 -> "1.23k", 812544 -> "813k", 0.00098 -> "9.8e-4" */
  function compact(v) {
    if (!isNum(v)) return "–";
    const a = Math.abs(v);
    if (a === 0) return "0";
    if (a >= 1e12) return trim((v / 1e12).toPrecision(3)) + "T";
    if (a >= 1e9) return trim((v / 1e9).toPrecision(3)) + "G";
    if (a >= 1e6) return trim((v / 1e6).toPrecision(3)) + "M";
    if (a >= 1e4) return trim((v / 1e3).toPrecision(3)) + "k";
    if (a >= 1000) return String(Math.round(v));
    if (a >= 0.01) return trim(v.toPrecision(3));
    return sci(v, 2);
  }

  /** A value for tables and read-outs: 4 significant digits, scientific when tiny or huge. */
  function num(v, digits) {
    if (v === null || v === undefined) return "–";
    if (typeof v !== "number") return String(v);
    if (!Number.isFinite(v)) return String(v);
    const d = digits || 4;
    const a = Math.abs(v);
    if (a === 0) return "0";
    if (Number.isInteger(v) && a < 1e9) return String(v);
    if (a >= 1e6 || a < 1e-3) return sci(v, d - 1);
    return trim(v.toPrecision(d));
  }

  function sci(v, digits) {
    const [m, e] = v.toExponential(digits).split("e");
    return trim(m) + "e" + (e.startsWith("+") ? e.slice(1) : e);
  }

  function trim(s) { return s.includes(".") && !s.includes("e") ? s.replace(/\.?0+$/, "") : s; }

  function fixed(v, d) { return isNum(v) ? v.toFixed(d === undefined ? 2 : d) : "–"; }

  function int(v) { return isNum(v) ? Math.round(v).toLocaleString("en-US") : "–"; }

  /** 42.5 -> "43s", 3725 -> "1h 02m" */
  function duration(s) {
    if (!isNum(s) || s < 0) return "–";
    if (s < 1) return s === 0 ? "0s" : "<1s";
    if (s < 60) return Math.round(s) + "s";
    const m = Math.floor(s / 60), sec = Math.round(s % 60);
    if (m < 60) return m + "m " + String(sec).padStart(2, "0") + "s";
    const h = Math.floor(m / 60);
    if (h < 48) return h + "h " + String(m % 60).padStart(2, "0") + "m";
    return Math.floor(h / 24) + "d " + (h % 24) + "h";
  }

  /** Seconds since 1970 -> "3 min ago" */
  function relTime(t, now) {
    if (!isNum(t)) return "–";
    const d = (now || Date.now() / 1000) - t;
    if (d < 0) return "just now";
    if (d < 45) return "just now";
    if (d < 90) return "1 min ago";
    if (d < 3600) return Math.round(d / 60) + " min ago";
    if (d < 2 * 3600) return "1 hour ago";
    if (d < 86400) return Math.round(d / 3600) + " hours ago";
    if (d < 2 * 86400) return "yesterday";
    if (d < 30 * 86400) return Math.round(d / 86400) + " days ago";
    return dateTime(t).slice(0, 10);
  }

  const pad2 = (n) => String(n).padStart(2, "0");

  /** Seconds since 1970 -> "2026-11-26 10:15:00" (local time) */
  function dateTime(t) {
    if (!isNum(t)) return "–";
    const d = new Date(t * 1000);
    return d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + " " +
      pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds());
  }

  function clockTime(t, withSeconds) {
    const d = new Date(t * 1000);
    return pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + (withSeconds ? ":" + pad2(d.getSeconds()) : "");
  }

  // ---------------------------------------------------------------- colours

  /** Distinct run colours, mid-lightness so that they read on white and on near-black. */
  const palette = [
    "#3b7ddd", "#e8710a", "#17a673", "#dc3f5b", "#8b5cf6", "#0ea5b7",
    "#c79a00", "#d65bb0", "#6f9a1c", "#7f7fe8", "#b5653a", "#4f93b8",
    "#e0487f", "#2a9d8f",
  ];
  function color(i) { return palette[((i % palette.length) + palette.length) % palette.length]; }

  /** A CSS variable's value on <html> (theme-dependent). */
  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function withAlpha(hex, a) {
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!m) return hex;
    return "rgba(" + parseInt(m[1], 16) + "," + parseInt(m[2], 16) + "," + parseInt(m[3], 16) + "," + a + ")";
  }

  // ---------------------------------------------------------------- colour scales (heat maps, token shading)

  // Our own stops for each theme. Zero is the panel colour itself (--panel: white, or the dark panel), so that a
  // cell of exactly 0 reads as "nothing here" rather than as a faint value; the dark theme's strong end is the
  // bright one (light on dark), so the ink on a cell is chosen by contrast.
  const SCALES = {
    /** 0..1, square-root eased so that small weights and probabilities still show. */
    sequential: {
      lo: 0, size: 256, ease: Math.sqrt,
      light: [[0, "#ffffff"], [0.55, "#8ea6ea"], [1, "#2443b8"]],
      dark: [[0, "#151a23"], [0.55, "#32539f"], [1, "#8aa6f2"]],
    },
    /** -1..1: blue below zero, red above, linear. */
    diverging: {
      lo: -1, size: 257, ease: null,
      light: [[-1, "#2b5cc4"], [0, "#ffffff"], [1, "#cc3a2f"]],
      dark: [[-1, "#5b8cff"], [0, "#151a23"], [1, "#ff6a5c"]],
    },
  };
  const scaleCache = new Map();

  function hexRGB(h) { const n = parseInt(h.slice(1), 16); return [(n >> 16) & 255, (n >> 8) & 255, n & 255]; }
  function rgbCSS(c) { return "rgb(" + c[0] + "," + c[1] + "," + c[2] + ")"; }

  /** Dark or light ink for text on the colour [r, g, b], whichever contrasts more (WCAG luminance). */
  function inkOn(c) {
    const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    const L = 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
    return 1.05 / (L + 0.05) >= (L + 0.05) / 0.061 ? "#ffffff" : "#161b26";
  }

  /**
   * colorScale("sequential" | "diverging") for the theme in force (a table of colours, built once per theme):
   * .rgb(v) -> [r, g, b], .css(v), .ink(v) (text colour on it), .gradient() (CSS, for legends), .u32 (packed RGBA
   * per table entry, for ImageData), .index(v); v is clamped to the scale's domain (0..1 or -1..1).
   */
  function colorScale(name) {
    const def = SCALES[name];
    if (!def) throw new Error("no colour scale " + name);
    const scheme = document.documentElement.dataset.scheme === "dark" ? "dark" : "light";
    const key = scheme + ":" + name;
    if (scaleCache.has(key)) return scaleCache.get(key);
    const stops = def[scheme].map(([t, h]) => [t, hexRGB(h)]);
    const n = def.size, lo = def.lo;
    const lut = new Uint8ClampedArray(n * 3), u32 = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const v = lo + ((1 - lo) * i) / (n - 1);
      const t = def.ease ? Math.sign(v) * def.ease(Math.abs(v)) : v;
      let k = 1;
      while (k < stops.length - 1 && t > stops[k][0]) k++;
      const [t0, c0] = stops[k - 1], [t1, c1] = stops[k];
      const f = Math.max(0, Math.min(1, (t - t0) / (t1 - t0)));
      for (let j = 0; j < 3; j++) lut[3 * i + j] = Math.round(c0[j] + (c1[j] - c0[j]) * f);
      u32[i] = ((255 << 24) | (lut[3 * i + 2] << 16) | (lut[3 * i + 1] << 8) | lut[3 * i]) >>> 0; // RGBA bytes, little-endian
    }
    const index = (v) => Math.round(((Math.max(lo, Math.min(1, isNum(v) ? v : 0)) - lo) / (1 - lo)) * (n - 1));
    const rgb = (v) => { const i = 3 * index(v); return [lut[i], lut[i + 1], lut[i + 2]]; };
    const scale = {
      name, scheme, domain: [lo, 1], lut, u32, index, rgb,
      css: (v) => rgbCSS(rgb(v)),
      ink: (v) => inkOn(rgb(v)),
      gradient() {
        const parts = [];
        for (let k = 0; k <= 10; k++) parts.push(rgbCSS(rgb(lo + ((1 - lo) * k) / 10)) + " " + k * 10 + "%");
        return "linear-gradient(to right, " + parts.join(", ") + ")";
      },
    };
    scaleCache.set(key, scale);
    return scale;
  }

  // ---------------------------------------------------------------- tooltip

  let tipNode = null;
  const tooltip = {
    /** content: a string or DOM nodes; (x, y): client coordinates of the pointer. */
    show(content, x, y) {
      if (!tipNode) {
        tipNode = el("div", { class: "gb-tooltip", role: "tooltip" });
        document.body.appendChild(tipNode);
      }
      clear(tipNode);
      append(tipNode, content);
      tipNode.classList.add("on");
      const w = tipNode.offsetWidth, h = tipNode.offsetHeight;
      const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
      let left = x + 14, top = y + 14;
      if (left + w > vw - 6) left = Math.max(6, x - w - 14);
      if (top + h > vh - 6) top = Math.max(6, y - h - 14);
      tipNode.style.left = left + "px";
      tipNode.style.top = top + "px";
    },
    hide() { if (tipNode) tipNode.classList.remove("on"); },
    /** Shows contentOf(event) while the pointer moves over node (nothing when it returns a falsy value): one
     * listener for a whole grid of cells, found with event.target. */
    attach(node, contentOf) {
      node.addEventListener("pointermove", (e) => {
        const c = contentOf(e);
        if (c) tooltip.show(c, e.clientX, e.clientY); else tooltip.hide();
      });
      node.addEventListener("pointerleave", () => tooltip.hide());
      return node;
    },
    /** Tooltip content in the charts' style: a head line, [label, value] rows, then notes (muted, below a rule). */
    content(head, rows, notes) {
      const n = (notes || []).filter(Boolean);
      return [
        head ? el("div", { class: "tip-head", text: head }) : null,
        (rows || []).filter(Boolean).map(([label, value]) => el("div", { class: "tip-row" }, [
          el("span", { class: "tip-label", text: label }), el("b", { text: String(value) })])),
        n.length ? el("div", { class: "tip-marker", text: n.join("\n") }) : null,
      ];
    },
  };

  // ---------------------------------------------------------------- fetching

  class HTTPError extends Error {
    constructor(message, status, url) { super(message); this.name = "HTTPError"; this.status = status; this.url = url; }
  }

  /** GET a JSON document; a 4xx/5xx throws an Error carrying the server's `error` text. */
  async function fetchJSON(url, options) {
    let response;
    try {
      response = await fetch(url, Object.assign({ headers: { Accept: "application/json" }, credentials: "same-origin" }, options || {}));
    } catch (e) {
      if (e && e.name === "AbortError") throw e;
      throw new HTTPError("Cannot reach the Glassbox server (" + url + "). Is `glassbox serve` still running?", 0, url);
    }
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!response.ok) {
      const msg = body && typeof body.error === "string" ? body.error : (response.status + " " + response.statusText + " for " + url);
      throw new HTTPError(msg, response.status, url);
    }
    if (body === null && text) throw new HTTPError("The server sent something that is not JSON for " + url, response.status, url);
    return body;
  }

  // ---------------------------------------------------------------- server-sent events over fetch

  /**
   * GETs url as an event stream, calling on(event, data) for each event (data parsed as JSON). A refused request
   * (4xx/5xx before the stream) throws GB.HTTPError with the server's message; an abort throws AbortError.
   */
  async function eventStream(url, signal, on) {
    let response;
    try {
      response = await fetch(url, { headers: { Accept: "text/event-stream" }, credentials: "same-origin", signal });
    } catch (e) {
      if (e && e.name === "AbortError") throw e;
      throw new HTTPError("Cannot reach the Glassbox server. Is `glassbox serve` still running?", 0, url);
    }
    if (!response.ok) {
      const text = await response.text();
      let msg = response.status + " " + response.statusText;
      try { const b = JSON.parse(text); if (b && typeof b.error === "string") msg = b.error; } catch (e) { /* not JSON */ }
      throw new HTTPError(msg, response.status, url);
    }
    const reader = response.body.getReader(), decoder = new TextDecoder();
    let buf = "", event = "message", data = [];
    const line = (s) => {
      if (s.endsWith("\r")) s = s.slice(0, -1);
      if (s === "") {
        if (data.length) {
          let value;
          try { value = JSON.parse(data.join("\n")); } catch (e) { value = data.join("\n"); }
          on(event, value);
        }
        event = "message"; data = [];
        return;
      }
      if (s.startsWith(":")) return; // a comment (keep-alive)
      const c = s.indexOf(":"), field = c < 0 ? s : s.slice(0, c);
      let value = c < 0 ? "" : s.slice(c + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) { line(buf.slice(0, nl)); buf = buf.slice(nl + 1); }
    }
    buf += decoder.decode();
    if (buf) line(buf);
    line("");
  }

  // ---------------------------------------------------------------- downloads

  function downloadBlob(filename, blob) {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: filename, class: "hidden" });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 5000);
  }

  function downloadText(filename, text, mime) {
    downloadBlob(filename, new Blob([text], { type: (mime || "text/plain") + ";charset=utf-8" }));
  }

  function downloadJSON(filename, value) {
    downloadText(filename, JSON.stringify(value, null, 2), "application/json");
  }

  function csvCell(v) {
    if (v === null || v === undefined) return "";
    const s = String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  /** rows: arrays of cells; the first row is the header. */
  function toCSV(rows) { return rows.map((r) => r.map(csvCell).join(",")).join("\n") + "\n"; }

  function downloadCSV(filename, rows) { downloadText(filename, toCSV(rows), "text/csv"); }

  /** A file name from free text: "train/loss" -> "train-loss" */
  function slug(s) { return String(s).replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80) || "data"; }

  // ---------------------------------------------------------------- small things

  function debounce(fn, ms) {
    let t = null;
    const d = function (...args) { clearTimeout(t); t = setTimeout(() => fn.apply(this, args), ms); };
    d.cancel = () => clearTimeout(t);
    return d;
  }

  /** A stable short hash of numbers (for data attributes that tests compare). */
  function checksum(values) {
    let h = 2166136261 >>> 0;
    for (const v of values) {
      const s = isNum(v) ? v.toPrecision(8) : "x";
      for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619) >>> 0; }
    }
    return h.toString(16).padStart(8, "0");
  }

  const statusInfo = {
    live: { label: "live", title: "Recording now" },
    finished: { label: "finished", title: "Ran to its last step" },
    failed: { label: "failed", title: "Stopped by an error" },
    interrupted: { label: "interrupted", title: "Stopped by Ctrl-C or SIGTERM; resume with glassbox train --resume RUN" },
    "stopped-early": { label: "stopped early", title: "Stopped by early stopping (validation loss rising)" },
    stale: { label: "stale", title: "Recorded as running, but the process recording it is gone (killed?); resume with glassbox train --resume RUN" },
    imported: { label: "imported", title: "Imported from TensorBoard event files (glassbox import-tensorboard)" },
  };

  function statusBadge(status) {
    const info = statusInfo[status] || { label: status || "unknown", title: "" };
    return el("span", { class: ["badge", "status-" + String(status || "unknown").replace(/[^a-z-]/g, "")], title: info.title, "data-status": status },
      [status === "live" ? el("span", { class: "pulse", "aria-hidden": "true" }) : null, info.label]);
  }

  /** A friendly, visible error box. */
  function errorBox(err, title) {
    const msg = err && err.message ? err.message : String(err);
    return el("div", { class: "error-box", role: "alert" }, [
      el("div", { class: "error-title", text: title || "Something went wrong" }),
      el("div", { class: "error-text", text: msg }),
      el("div", { class: "error-actions" }, [
        el("button", { class: "btn small", type: "button", text: "Reload", onclick: () => location.reload() }),
        el("a", { class: "btn small ghost", href: "/", text: "All runs" }),
      ]),
    ]);
  }

  function emptyState(title, lines) {
    return el("div", { class: "empty" }, [
      el("div", { class: "empty-title", text: title }),
      (lines || []).map((l) => (typeof l === "string" ? el("p", { text: l }) : l)),
    ]);
  }

  // ---------------------------------------------------------------- icons (our own paths, 16 × 16, stroked)

  const ICONS = {
    download: "M8 2.5v8M4.5 7 8 10.5 11.5 7M3 13.5h10",
    sun: "M8 4.6a3.4 3.4 0 1 0 0 6.8 3.4 3.4 0 1 0 0-6.8ZM8 1v1.6M8 13.4V15M1 8h1.6M13.4 8H15M3.05 3.05l1.13 1.13M11.82 11.82l1.13 1.13M3.05 12.95l1.13-1.13M11.82 4.18l1.13-1.13",
    moon: "M13.5 9.6A5.8 5.8 0 0 1 6.4 2.5a5.8 5.8 0 1 0 7.1 7.1Z",
    chevron: "M4 6l4 4 4-4",
    left: "M10 3.5 5.5 8l4.5 4.5",
    right: "M6 3.5 10.5 8 6 12.5",
    close: "M4 4l8 8M12 4l-8 8",
    columns: "M2.5 3h11v10h-11zM6.2 3v10M9.8 3v10",
    compare: "M2 12.5 6 7l3 3 5-6.5",
    reset: "M3 8a5 5 0 1 0 1.5-3.6M3 2.5v2.6h2.6",
  };
  function icon(name, cls) {
    const svg = el("svg:svg", { viewBox: "0 0 16 16", width: "16", height: "16", class: ["icon", cls], "aria-hidden": "true", focusable: "false" });
    svg.appendChild(el("svg:path", { d: ICONS[name] || "", fill: "none", stroke: "currentColor", "stroke-width": "1.6", "stroke-linecap": "round", "stroke-linejoin": "round" }));
    return svg;
  }

  /** The Glassbox mark (the studio's top bar draws the same one in studio.html). */
  function logo() {
    return el("svg:svg", { class: "logo", viewBox: "0 0 24 24", width: "22", height: "22", "aria-hidden": "true", focusable: "false" }, [
      el("svg:rect", { x: "2.5", y: "2.5", width: "19", height: "19", rx: "5", fill: "none", stroke: "currentColor", "stroke-width": "1.8" }),
      el("svg:path", { d: "M6.5 15.5 10 11l3 2.5 4.5-6", fill: "none", stroke: "currentColor", "stroke-width": "1.8", "stroke-linecap": "round", "stroke-linejoin": "round" }),
    ]);
  }

  // ---------------------------------------------------------------- menus

  let menusBound = false;
  /** Menus built on <details class="menu"> close on a click elsewhere and on Escape (which also hides the
   * tooltip, as scrolling does). Once per page. */
  function bindMenus() {
    if (menusBound) return;
    menusBound = true;
    document.addEventListener("click", (e) => {
      if (!e.target.isConnected) return; // a menu that redrew itself under the click stays open
      for (const d of document.querySelectorAll("details.menu[open]")) if (!d.contains(e.target)) d.open = false;
    });
    document.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      for (const d of document.querySelectorAll("details.menu[open]")) { d.open = false; const s = d.querySelector("summary"); if (s) s.focus(); }
      tooltip.hide();
    });
    window.addEventListener("scroll", () => tooltip.hide(), { passive: true });
  }

  // ---------------------------------------------------------------- theme (applied as early as possible: core.js loads in <head>)

  const themeQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function systemTheme() { return themeQuery && themeQuery.matches ? "dark" : "light"; }
  function currentTheme() { return document.documentElement.dataset.theme || systemTheme(); }
  /** `data-theme` holds the user's choice (absent: follow the system); `data-scheme` the theme in force, which
   * the CSS reads. */
  function applyTheme(choice) {
    const root = document.documentElement;
    if (choice === "light" || choice === "dark") root.dataset.theme = choice;
    else delete root.dataset.theme;
    root.dataset.scheme = root.dataset.theme || systemTheme();
  }
  applyTheme(store.get("theme", null));
  // Registered before any page's listener: the scheme follows the system first, then pages redraw.
  if (themeQuery && themeQuery.addEventListener) themeQuery.addEventListener("change", () => applyTheme(store.get("theme", null)));

  /**
   * Makes button the light/dark switch: a click flips the theme in force (picking the system's own theme means
   * "follow the system" again) and remembers the choice; onChange runs after every change of scheme, the system's
   * and another tab's included, so the page can redraw what it painted.
   */
  function bindThemeToggle(button, onChange) {
    function sync() {
      const dark = currentTheme() === "dark";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.title = dark ? "Switch to the light theme" : "Switch to the dark theme";
      button.setAttribute("aria-label", button.title);
    }
    function changed() { sync(); if (onChange) onChange(); }
    button.addEventListener("click", () => {
      const next = currentTheme() === "dark" ? "light" : "dark";
      const choice = next === systemTheme() ? null : next;
      applyTheme(choice);
      store.set("theme", choice === null ? undefined : choice);
      changed();
    });
    if (themeQuery && themeQuery.addEventListener) themeQuery.addEventListener("change", changed);
    window.addEventListener("storage", (e) => {
      if (e.key === "glassbox.theme") { applyTheme(store.get("theme", null)); changed(); }
    });
    sync();
    return button;
  }

  /** A new theme switch (moon in light, sun in dark), wired with bindThemeToggle. */
  function themeToggle(onChange) {
    const b = el("button", { type: "button", class: "icon-btn theme-toggle", "aria-pressed": "false" }, [icon("moon", "icon-moon"), icon("sun", "icon-sun")]);
    return bindThemeToggle(b, onChange);
  }

  Object.assign(GB, {
    icon, logo, themeQuery, systemTheme, currentTheme, applyTheme, bindThemeToggle, themeToggle, bindMenus,
    el, append, clear, $, store,
    isNum, compact, num, fixed, int, duration, relTime, dateTime, clockTime,
    palette, color, cssVar, withAlpha, colorScale, inkOn, rgbCSS,
    tooltip, HTTPError, fetchJSON, eventStream,
    downloadBlob, downloadText, downloadJSON, downloadCSV, toCSV, slug,
    debounce, checksum, statusInfo, statusBadge, errorBox, emptyState,
  });
})(window.GB);
