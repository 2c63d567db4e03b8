/* Glassbox Studio: the runs page (GET /api/runs as a sortable, filterable table). Plain ES2020; needs core.js. */
import { fetchJSON } from "../api.js";
import { append, clear, el } from "../lib/dom.js";
import { compact, dateTime, duration, fixed, int, isNum, num, relTime } from "../lib/format.js";
import { store } from "../lib/storage.js";
import { debounce, emptyState, errorBox, icon, ready, statusBadge } from "../lib/ui.js";

// Hyper-parameters shown by default (others can be switched on in the Columns menu).
const DEFAULT_HP = ["layers", "heads", "width", "block", "batch", "learningRate", "dropout", "seed"];
// Settings that are not hyper-parameters worth a column by default, or that duplicate a fixed column.
const HP_SKIP = new Set(["name", "tokenizer"]);
const STATUS_ORDER = { live: 0, stale: 1, interrupted: 2, failed: 3, "stopped-early": 4, finished: 5 };

const last = (r, tag) => (r.last && isNum(r.last[tag]) ? r.last[tag] : null);
const hp = (r) => r.hyper_parameters || {};
/** Processes that trained the run (data-parallel over MPI); 1 when the server does not say. */
const ranksOf = (r) => (isNum(r.ranks) && r.ranks >= 1 ? r.ranks : 1);
const hostOf = (r) => (typeof r.host === "string" && r.host ? r.host : null);
const userOf = (r) => (typeof r.user === "string" && r.user ? r.user : null);
// the quick filters' value for "recorded no host / user"
const NONE = "\u2205";

/** The fixed columns; hyper-parameter columns are added from the runs. */
function fixedColumns() {
  return [
    { key: "name", label: "Run", always: true, sort: (r) => String(r.name).toLowerCase(), cell: nameCell },
    { key: "status", label: "Status", sort: (r) => STATUS_ORDER[r.status] ?? 9, cell: (r) => statusBadge(r.status) },
    { key: "steps", label: "Steps", num: true, sort: (r) => r.step, cell: stepsCell },
    { key: "train_loss", label: "Train loss", num: true, sort: (r) => last(r, "train/loss"), cell: (r) => fixed(last(r, "train/loss"), 3) },
    { key: "val_loss", label: "Val loss", num: true, sort: (r) => last(r, "val/loss"), cell: (r) => fixed(last(r, "val/loss"), 3) },
    { key: "tokens_per_s", label: "Tokens/s", num: true, sort: (r) => last(r, "train/tokens_per_s"), cell: throughputCell },
    // shown by default when a run is data-parallel (buildColumns)
    { key: "ranks", label: "Ranks", num: true, sort: ranksOf, cell: ranksCell },
    { key: "started", label: "Started", sort: (r) => r.created_at, cell: (r) => el("span", { title: dateTime(r.created_at), text: relTime(r.created_at) }) },
    { key: "duration", label: "Duration", num: true, sort: (r) => r.duration_s, cell: (r) => duration(r.duration_s) },
    // shown by default when the runs come from more than one machine / person (buildColumns)
    { key: "host", label: "Host", sort: (r) => (hostOf(r) || "").toLowerCase() || null, cell: (r) => textCell(hostOf(r), "Trained on " + hostOf(r)) },
    { key: "user", label: "User", sort: (r) => (userOf(r) || "").toLowerCase() || null, cell: (r) => textCell(userOf(r), "Trained by " + userOf(r)) },
    { key: "parameter_count", label: "Params", num: true, hidden: true, sort: (r) => r.parameter_count, cell: (r) => el("span", { title: int(r.parameter_count), text: compact(r.parameter_count) }) },
    { key: "tokenizer", label: "tokenizer", sort: (r) => r.tokenizer || "", cell: (r) => r.tokenizer || "–" },
    { key: "data_set", label: "data_set", sort: (r) => r.data_set || "", cell: (r) => r.data_set || "–" },
    { key: "id", label: "Id", hidden: true, sort: (r) => r.id, cell: (r) => el("code", { text: r.id }) },
  ];
}

const isMLP = (r) => r.kind === "mlp";
const isSeq2seq = (r) => r.kind === "seq2seq";
const isFinetune = (r) => r.kind === "finetune";
const KIND_BADGES = {
  mlp: ["MLP", "A small multilayer perceptron (glassbox train mlp)"],
  seq2seq: ["Seq2seq", "An encoder-decoder on characters, an LSTM with attention or a transformer (glassbox train seq2seq)"],
  finetune: ["Fine-tune", "A pretrained model fine-tuned on instruction data, with LoRA adapters or every weight (glassbox finetune)"],
};

function nameCell(r) {
  const link = el("a", { class: "run-link", href: "/runs/" + encodeURIComponent(r.id), text: r.name, title: "Open " + r.name });
  return el("div", { class: "run-name" }, [
    KIND_BADGES[r.kind] ? el("span", { class: "run-title" }, [link, el("span", { class: "badge kind-badge", dataset: { kind: r.kind }, title: KIND_BADGES[r.kind][1], text: KIND_BADGES[r.kind][0] })]) : link,
    r.name !== r.id ? el("span", { class: "run-id", text: r.id }) : null,
  ]);
}

// a seq2seq run's newest held-out exact match, when the run document's `last` lacks it: fetched once per run and step
const exactSeen = new Map();
function exactOf(r, node) {
  const key = r.id + "@" + r.step;
  const put = (v) => {
    node.textContent = "";
    node.append(el("span", { class: "muted", text: "exact" }), v === null ? "–" : fixed(100 * v, 1) + "%");
  };
  if (exactSeen.has(key)) { const v = exactSeen.get(key); if (v === undefined) exactSeen.get(key + ":wait").push(put); else put(v); return; }
  exactSeen.set(key, undefined);
  exactSeen.set(key + ":wait", [put]);
  fetchJSON("/api/runs/" + encodeURIComponent(r.id) + "/scalars?tag=" + encodeURIComponent("val/exact_match") + "&buckets=1")
    .then((res) => { const b = res && res.buckets && res.buckets[res.buckets.length - 1]; return b && isNum(b.last) ? b.last : null; })
    .catch(() => null)
    .then((v) => { exactSeen.set(key, v); for (const f of exactSeen.get(key + ":wait")) f(v); exactSeen.delete(key + ":wait"); });
}

// a fine-tuning run's held-out loss before any training (val/loss at step 0, the base model): fetched once per run
const baseSeen = new Map();
function baseLossOf(r, put) {
  if (baseSeen.has(r.id)) { const v = baseSeen.get(r.id); if (v === undefined) baseSeen.get(r.id + ":wait").push(put); else put(v); return; }
  baseSeen.set(r.id, undefined);
  baseSeen.set(r.id + ":wait", [put]);
  fetchJSON("/api/runs/" + encodeURIComponent(r.id) + "/scalars?tag=" + encodeURIComponent("val/loss") + "&from=0&to=0&buckets=1")
    .then((res) => { const b = res && res.buckets && res.buckets[0]; return b && b.first_step === 0 && isNum(b.last) ? b.last : null; })
    .catch(() => null)
    .then((v) => { baseSeen.set(r.id, v); for (const f of baseSeen.get(r.id + ":wait")) f(v); baseSeen.delete(r.id + ":wait"); });
}

/** A fine-tuning run: its newest held-out loss and how far below the base model's it is. */
function finetuneCell(r) {
  const v = last(r, "val/loss");
  const node = el("span", { class: "run-metric", title: "held-out loss at the last evaluation" });
  node.append(el("span", { class: "muted", text: "held-out" }), fixed(v, 3));
  if (v === null) return node;
  const drop = el("span", { class: "run-metric-drop" });
  node.append(drop);
  baseLossOf(r, (b) => {
    if (!isNum(b) || b <= 0) return;
    const rel = (b - v) / b;
    drop.textContent = (rel >= 0 ? "\u2212" : "+") + fixed(100 * Math.abs(rel), 1) + "%";
    drop.classList.add(rel >= 0 ? "good" : "bad");
    node.title = "held-out loss at the last evaluation; the base model's (step 0): " + fixed(b, 3);
  });
  return node;
}

/** Tokens per second; for an MLP (no tokens) its validation accuracy or MSE instead, for a seq2seq run its held-out exact match,
 * for a fine-tuning run its held-out loss against the base model's. */
function throughputCell(r) {
  if (isFinetune(r)) return finetuneCell(r);
  if (isSeq2seq(r)) {
    const node = el("span", { class: "run-metric", title: "exact match on the held-out set at the last evaluation (whole outputs right)" });
    const v = last(r, "val/exact_match");
    if (v !== null) node.append(el("span", { class: "muted", text: "exact" }), fixed(100 * v, 1) + "%");
    else { node.append(el("span", { class: "muted", text: "exact" }), "…"); exactOf(r, node); }
    return node;
  }
  if (!isMLP(r)) return compact(last(r, "train/tokens_per_s"));
  const acc = last(r, "val/accuracy"), mse = last(r, "val/mse");
  if (acc === null && mse === null) return "–";
  return el("span", { class: "run-metric", title: acc !== null ? "validation accuracy at the last evaluation" : "validation mean squared error at the last evaluation" },
    [el("span", { class: "muted", text: acc !== null ? "val acc" : "val MSE" }), acc !== null ? fixed(100 * acc, 1) + "%" : num(mse, 3)]);
}

/** "1", or a badge "4 ranks" for a data-parallel run. */
function ranksCell(r) {
  const n = ranksOf(r);
  if (n <= 1) return el("span", { class: "ranks-one", title: "One process", text: "1" });
  return el("span", { class: "badge ranks-badge", title: "Trained data-parallel by " + n + " processes (mpirun -np " + n + ")", text: n + " ranks" });
}

function textCell(v, title) {
  return v === null ? el("span", { class: "muted", text: "–" }) : el("span", { class: "cell-text", title, text: v });
}

function stepsCell(r) {
  const total = r.total_steps || 0;
  const frac = total > 0 ? Math.max(0, Math.min(1, r.step / total)) : 0;
  const bar = el("span", { class: "progress-fill" });
  bar.style.width = (frac * 100).toFixed(1) + "%";
  return el("div", { class: "steps-cell", title: Math.round(frac * 100) + "% of " + int(total) + " steps" }, [
    el("span", { class: "steps-text" }, [int(r.step), el("span", { class: "muted", text: " / " + int(total) })]),
    el("span", { class: ["progress", "status-" + r.status] }, bar),
  ]);
}

function hpColumn(key) {
  return {
    key: "hp:" + key, label: key, hp: true, num: true,
    sort: (r) => { const v = hp(r)[key]; return v === undefined ? null : v; },
    cell: (r) => { const v = hp(r)[key]; return v === undefined ? "–" : typeof v === "number" ? num(v) : typeof v === "object" ? JSON.stringify(v) : String(v); },
  };
}

// ---------------------------------------------------------------- filters

const OPS = ["<=", ">=", "!=", "=", "<", ">"];

/** "layers=4 learningRate<0.001" -> {tests: [fn], errors: [text]} */
function parseHPFilter(text, knownKeys) {
  const tests = [], errors = [];
  const lower = new Map();
  for (const k of knownKeys) lower.set(k.toLowerCase(), k);
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([^<>=!]+?)(<=|>=|!=|==|=|<|>)(.*)$/.exec(token);
    if (!m || m[3] === "") { errors.push("'" + token + "' is not key=value, key<value or key>value"); continue; }
    const keyText = m[1], op = m[2] === "==" ? "=" : m[2], want = m[3];
    const key = lower.get(keyText.toLowerCase());
    if (!key) { errors.push("no hyper-parameter '" + keyText + "'"); continue; }
    const wantNum = Number(want);
    tests.push((run) => {
      const v = valueOf(run, key);
      if (v === undefined || v === null) return op === "!=";
      if (isNum(v) && want.trim() !== "" && Number.isFinite(wantNum)) {
        switch (op) {
          case "=": return Math.abs(v - wantNum) <= 1e-12 * Math.max(1, Math.abs(wantNum));
          case "!=": return Math.abs(v - wantNum) > 1e-12 * Math.max(1, Math.abs(wantNum));
          case "<": return v < wantNum;
          case ">": return v > wantNum;
          case "<=": return v <= wantNum;
          case ">=": return v >= wantNum;
        }
      }
      const a = String(v).toLowerCase(), b = want.toLowerCase();
      switch (op) {
        case "=": return a === b;
        case "!=": return a !== b;
        case "<": return a < b;
        case ">": return a > b;
        case "<=": return a <= b;
        case ">=": return a >= b;
      }
      return false;
    });
  }
  return { tests, errors };
}

const TOP_KEYS = { step: (r) => r.step, total_steps: (r) => r.total_steps, status: (r) => r.status, data_set: (r) => r.data_set,
  tokenizer: (r) => r.tokenizer, parameter_count: (r) => r.parameter_count, name: (r) => r.name, id: (r) => r.id,
  train_loss: (r) => last(r, "train/loss"), val_loss: (r) => last(r, "val/loss"), duration_s: (r) => r.duration_s,
  ranks: ranksOf, host: hostOf, user: userOf };

function valueOf(run, key) {
  if (key in hp(run)) return hp(run)[key];
  if (TOP_KEYS[key]) return TOP_KEYS[key](run);
  return undefined;
}

// ---------------------------------------------------------------- the page

export function runsPage(app) {
  const state = {
    runs: [], text: "", hpText: "", selected: new Set(store.get("runs.selected", [])),
    sort: store.get("runs.sort", { key: "started", dir: -1 }),
    colPrefs: store.get("runs.columns", {}),
    columns: [], rowCache: new Map(), shownIds: [], timer: null, stopped: false, errorNode: null, lastJSON: "", loaded: false,
  };
  const params = new URLSearchParams(location.search);
  state.text = params.get("q") || "";
  state.hpText = params.get("hp") || "";
  state.host = params.get("host") || "";
  state.user = params.get("user") || "";

  // --- skeleton
  const search = el("input", { type: "search", id: "run-filter", class: "input", placeholder: "Name, id, status, data set, host, user", value: state.text, "aria-label": "Filter runs by name, id, status, data set, host or user", autocomplete: "off", spellcheck: "false" });
  const hpInput = el("input", { type: "search", id: "hp-filter", class: "input mono", placeholder: "layers=4 learningRate<0.001 ranks>1", value: state.hpText,
    "aria-label": "Filter runs by hyper-parameters and by ranks, host or user, e.g. layers=4 learningRate<0.001 ranks>1 host=NAME",
    title: "Space-separated conditions, all of which must hold: key=value, key!=value, key<value, key>value (<=, >= too).\nKeys: any hyper-parameter, and ranks, host, user, status, step, train_loss, val_loss, …",
    autocomplete: "off", spellcheck: "false" });
  // quick filters by machine and by person: shown when the runs come from more than one (renderQuickFilters)
  const hostSelect = el("select", { id: "host-filter", class: "select", "aria-label": "Show the runs of one host" });
  const userSelect = el("select", { id: "user-filter", class: "select", "aria-label": "Show the runs of one user" });
  const hostField = el("label", { class: "field quick-filter", hidden: true }, [el("span", { class: "field-label", text: "Host" }), hostSelect]);
  const userField = el("label", { class: "field quick-filter", hidden: true }, [el("span", { class: "field-label", text: "User" }), userSelect]);
  const hpHint = el("div", { class: "filter-hint", id: "hp-filter-hint", "aria-live": "polite" });
  const colPanel = el("div", { class: "menu-panel columns-panel" });
  const colMenu = el("details", { class: "menu columns-menu" }, [
    el("summary", { class: "btn", title: "Show or hide columns" }, [icon("columns"), "Columns"]), colPanel]);
  const compareBtn = el("button", { type: "button", id: "compare-btn", class: "btn primary", disabled: true, onclick: compare }, [icon("compare"), "Compare selected"]);
  const summary = el("div", { class: "summary", id: "runs-summary", "aria-live": "polite" });
  const thead = el("thead");
  const tbody = el("tbody");
  const table = el("table", { id: "runs-table", class: "runs-table" }, [thead, tbody]);
  const tableWrap = el("div", { class: "table-wrap card" }, table);
  const empty = el("div", { class: "runs-empty" });
  const errors = el("div", { class: "page-errors" });

  append(app, el("div", { class: "page runs-page" }, [
    el("div", { class: "page-head" }, [
      el("div", {}, [el("h1", { text: "Runs" }), summary]),
      el("span", { class: "spacer" }),
      compareBtn,
    ]),
    errors,
    el("div", { class: "toolbar runs-toolbar" }, [
      el("label", { class: "field grow" }, [el("span", { class: "field-label", text: "Search" }), search]),
      hostField,
      userField,
      el("label", { class: "field grow" }, [el("span", { class: "field-label", text: "Hyper-parameters" }), hpInput]),
      colMenu,
    ]),
    hpHint,
    tableWrap,
    empty,
  ]));

  const refilter = debounce(() => { saveQuery(); render(); }, 80);
  search.addEventListener("input", () => { state.text = search.value; refilter(); });
  hpInput.addEventListener("input", () => { state.hpText = hpInput.value; refilter(); });
  hostSelect.addEventListener("change", () => { state.host = hostSelect.value; renderQuickFilters(); saveQuery(); render(); });
  userSelect.addEventListener("change", () => { state.user = userSelect.value; renderQuickFilters(); saveQuery(); render(); });
  colMenu.addEventListener("keydown", (e) => { if (e.key === "Escape") { colMenu.open = false; colMenu.querySelector("summary").focus(); } });

  tbody.addEventListener("change", (e) => {
    const box = e.target;
    if (!box.classList || !box.classList.contains("select-run")) return;
    const id = box.closest("tr").dataset.runId;
    if (box.checked) state.selected.add(id); else state.selected.delete(id);
    box.closest("tr").classList.toggle("selected", box.checked);
    selectionChanged();
  });

  function saveQuery() {
    const p = new URLSearchParams();
    if (state.text) p.set("q", state.text);
    if (state.hpText) p.set("hp", state.hpText);
    if (state.host) p.set("host", state.host);
    if (state.user) p.set("user", state.user);
    const qs = p.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  function selectionChanged() {
    const present = new Set(state.runs.map((r) => r.id));
    const ids = [...state.selected].filter((id) => present.has(id));
    store.set("runs.selected", ids);
    compareBtn.disabled = ids.length < 2;
    compareBtn.lastChild.textContent = ids.length ? "Compare selected (" + ids.length + ")" : "Compare selected";
    compareBtn.title = ids.length < 2 ? "Tick two or more runs to compare them" : "Overlay the " + ids.length + " selected runs";
    const all = thead.querySelector("input.select-all");
    if (all) {
      const shown = state.shownIds;
      const n = shown.filter((id) => state.selected.has(id)).length;
      all.checked = shown.length > 0 && n === shown.length;
      all.indeterminate = n > 0 && n < shown.length;
    }
  }

  function compare() {
    const present = state.runs.filter((r) => state.selected.has(r.id)).map((r) => r.id);
    if (present.length < 2) return;
    location.href = "/compare?runs=" + present.map(encodeURIComponent).join(",");
  }

  // --- columns

  function buildColumns() {
    const keys = new Set();
    for (const r of state.runs) for (const k of Object.keys(hp(r))) if (!HP_SKIP.has(k)) keys.add(k);
    const hpKeys = [...keys].sort((a, b) => {
      const ia = DEFAULT_HP.indexOf(a), ib = DEFAULT_HP.indexOf(b);
      if (ia >= 0 || ib >= 0) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      return a.localeCompare(b);
    });
    const cols = fixedColumns();
    const at = cols.findIndex((c) => c.key === "tokenizer");
    const hpCols = hpKeys.map((k) => Object.assign(hpColumn(k), { hidden: !DEFAULT_HP.includes(k) }));
    cols.splice(at, 0, ...hpCols);
    // Ranks when a run is data-parallel; Host and User when the runs come from more than one machine or person
    const distinct = (f) => new Set(state.runs.map(f).filter((v) => v !== null)).size;
    const auto = { ranks: state.runs.some((r) => ranksOf(r) > 1), host: distinct(hostOf) > 1, user: distinct(userOf) > 1 };
    for (const c of cols) if (c.key in auto) c.hidden = !auto[c.key];
    for (const c of cols) c.shown = c.always || (c.key in state.colPrefs ? !!state.colPrefs[c.key] : !c.hidden);
    return cols;
  }

  /** The Host and User selects: All and each value, shown when the runs hold more than one (or one is chosen). */
  function renderQuickFilters() {
    for (const [field, select, of, key, noun] of [[hostField, hostSelect, hostOf, "host", "host"], [userField, userSelect, userOf, "user", "user"]]) {
      const values = [...new Set(state.runs.map(of).filter((v) => v !== null))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      const missing = state.runs.some((r) => of(r) === null);
      const chosen = state[key];
      field.hidden = values.length < 2 && !chosen;
      const keys = values.concat(missing && values.length ? [NONE] : []);
      if (chosen && !keys.includes(chosen)) keys.push(chosen);
      // each value with its number of runs
      const opts = [["", "All " + noun + "s"]].concat(keys.map((v) => [v, (v === NONE ? "(not recorded)" : v) + " (" +
        state.runs.filter((r) => (of(r) === null ? NONE : of(r)) === v).length + ")"]));
      const sig = JSON.stringify(opts);
      if (select.dataset.sig !== sig) {
        select.dataset.sig = sig;
        clear(select);
        for (const [v, label] of opts) select.appendChild(el("option", { value: v, text: label }));
      }
      select.value = chosen;
      select.classList.toggle("active", !!chosen);
    }
  }

  function columnsSignature(cols) { return cols.map((c) => c.key + (c.shown ? "+" : "-")).join(","); }

  function renderColumnsMenu() {
    clear(colPanel);
    colPanel.appendChild(el("div", { class: "menu-title", text: "Columns" }));
    const groups = [["Run", state.columns.filter((c) => !c.hp)], ["Hyper-parameters", state.columns.filter((c) => c.hp)]];
    for (const [title, cols] of groups) {
      if (!cols.length) continue;
      colPanel.appendChild(el("div", { class: "menu-group", text: title }));
      for (const c of cols) {
        if (c.always) continue;
        colPanel.appendChild(el("label", { class: "menu-check" }, [
          el("input", { type: "checkbox", checked: c.shown, dataset: { col: c.key }, onchange: (e) => {
            state.colPrefs[c.key] = e.target.checked;
            store.set("runs.columns", state.colPrefs);
            c.shown = e.target.checked;
            state.rowCache.clear();
            renderHead();
            render();
          } }),
          el("span", { text: c.label }),
        ]));
      }
    }
    colPanel.appendChild(el("button", { type: "button", class: "btn small ghost menu-reset", text: "Default columns", onclick: () => {
      state.colPrefs = {};
      store.set("runs.columns", undefined);
      state.columns = buildColumns();
      state.colSig = columnsSignature(state.columns);
      state.rowCache.clear();
      renderColumnsMenu();
      renderHead();
      render();
    } }));
  }

  function renderHead() {
    const tr = el("tr");
    const all = el("input", { type: "checkbox", class: "select-all", "aria-label": "Select every shown run", onchange: (e) => {
      for (const id of state.shownIds) if (e.target.checked) state.selected.add(id); else state.selected.delete(id);
      for (const row of tbody.rows) {
        const box = row.querySelector("input.select-run");
        if (box) { box.checked = state.selected.has(row.dataset.runId); row.classList.toggle("selected", box.checked); }
      }
      selectionChanged();
    } });
    tr.appendChild(el("th", { class: "col-select" }, all));
    for (const c of state.columns) {
      if (!c.shown) continue;
      const active = state.sort.key === c.key;
      const th = el("th", { class: [c.num ? "num" : "", c.hp ? "hp" : "", "col-" + c.key.replace(/[^a-z0-9_-]/gi, "_")], "aria-sort": active ? (state.sort.dir > 0 ? "ascending" : "descending") : "none", scope: "col" },
        el("button", { type: "button", class: ["sort", active ? "active" : ""], title: "Sort by " + c.label, onclick: () => {
          state.sort = state.sort.key === c.key ? { key: c.key, dir: -state.sort.dir } : { key: c.key, dir: c.key === "started" ? -1 : 1 };
          store.set("runs.sort", state.sort);
          renderHead();
          render();
        } }, [el("span", { text: c.label }), el("span", { class: "sort-arrow", "aria-hidden": "true", text: active ? (state.sort.dir > 0 ? "▲" : "▼") : "" })]));
      tr.appendChild(th);
    }
    clear(thead).appendChild(tr);
  }

  // --- rows

  function buildRow(r, minute) {
    const tr = el("tr", { dataset: { runId: r.id, status: r.status }, class: state.selected.has(r.id) ? "selected" : "" });
    tr.appendChild(el("td", { class: "col-select" }, el("input", { type: "checkbox", class: "select-run", checked: state.selected.has(r.id), "aria-label": "Select " + r.name })));
    for (const c of state.columns) {
      if (!c.shown) continue;
      const td = document.createElement("td");
      if (c.num) td.className = "num";
      const v = c.cell(r);
      if (v instanceof Node) td.appendChild(v); else td.textContent = v;
      tr.appendChild(td);
    }
    tr._minute = minute;
    return tr;
  }

  function matches(r, words, tests) {
    if (words.length) {
      const hay = (r.name + " " + r.id + " " + r.status + " " + (r.data_set || "") + " " + (hostOf(r) || "") + " " + (userOf(r) || "")).toLowerCase();
      for (const w of words) if (!hay.includes(w)) return false;
    }
    if (state.host && (hostOf(r) === null ? NONE : hostOf(r)) !== state.host) return false;
    if (state.user && (userOf(r) === null ? NONE : userOf(r)) !== state.user) return false;
    for (const t of tests) if (!t(r)) return false;
    return true;
  }

  function compareValues(a, b) {
    const an = a === null || a === undefined || (typeof a === "number" && !Number.isFinite(a));
    const bn = b === null || b === undefined || (typeof b === "number" && !Number.isFinite(b));
    if (an || bn) return an && bn ? 0 : an ? 1 : -1; // missing values last, whichever the direction
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), undefined, { numeric: true });
  }

  function render() {
    if (!state.loaded) return;
    const words = state.text.toLowerCase().split(/\s+/).filter(Boolean);
    const known = new Set(Object.keys(TOP_KEYS));
    for (const r of state.runs) for (const k of Object.keys(hp(r))) known.add(k);
    const { tests, errors } = parseHPFilter(state.hpText, known);
    hpHint.textContent = errors.length ? errors.join("; ") + (errors.some((e) => e.startsWith("no hyper")) ? ". Known: " + [...known].sort().join(", ") : "") : "";
    hpHint.classList.toggle("on", errors.length > 0);
    hpInput.classList.toggle("invalid", errors.length > 0);

    const col = state.columns.find((c) => c.key === state.sort.key) || state.columns.find((c) => c.key === "started");
    const dir = state.sort.dir || 1;
    const shown = state.runs.filter((r) => matches(r, words, tests));
    const keyed = shown.map((r) => ({ r, k: col.sort(r) }));
    keyed.sort((a, b) => {
      const missA = a.k === null || a.k === undefined, missB = b.k === null || b.k === undefined;
      if (missA || missB) return compareValues(a.k, b.k);
      return dir * compareValues(a.k, b.k) || a.r.created_at - b.r.created_at;
    });

    const minute = Math.floor(Date.now() / 60000);
    const rows = keyed.map(({ r }) => {
      const sig = r._json;
      const cached = state.rowCache.get(r.id);
      if (cached && cached.sig === sig && cached.tr._minute === minute) return cached.tr;
      const tr = buildRow(r, minute);
      state.rowCache.set(r.id, { sig, tr });
      return tr;
    });
    const same = rows.length === tbody.rows.length && rows.every((tr, i) => tbody.rows[i] === tr);
    if (!same) {
      const frag = document.createDocumentFragment();
      for (const tr of rows) frag.appendChild(tr);
      tbody.replaceChildren(frag);
    }
    state.shownIds = keyed.map(({ r }) => r.id);

    const live = state.runs.filter((r) => r.status === "live").length;
    summary.textContent = state.runs.length === 0 ? "" :
      state.runs.length + (state.runs.length === 1 ? " run" : " runs") + (live ? " · " + live + " live" : "") +
      (shown.length !== state.runs.length ? " · " + shown.length + " shown" : "");

    clear(empty);
    tableWrap.hidden = state.runs.length === 0;
    if (state.runs.length === 0) {
      empty.appendChild(emptyState("No runs yet.", [
        el("p", {}, ["Train one: ", el("code", { class: "cmd", text: "glassbox train --preset s" })]),
        el("p", { class: "muted", text: "Runs are read from the runs directory this server was started with (--runs-dir). New runs appear here by themselves." }),
      ]));
    } else if (shown.length === 0) {
      empty.appendChild(emptyState("No run matches the filter.", [
        el("button", { type: "button", class: "btn small", text: "Clear the filters", onclick: () => {
          search.value = hpInput.value = state.text = state.hpText = state.host = state.user = "";
          renderQuickFilters();
          saveQuery();
          render();
        } }),
      ]));
    }
    selectionChanged();
  }

  // --- data

  async function load() {
    try {
      const runs = await fetchJSON("/api/runs");
      if (state.stopped) return;
      if (!Array.isArray(runs)) throw new Error("The server's run list is not a list.");
      const json = JSON.stringify(runs);
      if (state.errorNode) { state.errorNode.remove(); state.errorNode = null; }
      if (json !== state.lastJSON || !state.loaded) {
        state.lastJSON = json;
        for (const r of runs) r._json = JSON.stringify(r);
        state.runs = runs;
        renderQuickFilters();
        const cols = buildColumns();
        const sig = columnsSignature(cols);
        if (sig !== state.colSig) {
          state.columns = cols;
          state.colSig = sig;
          state.rowCache.clear();
          renderColumnsMenu();
          renderHead();
        }
        state.loaded = true;
        render();
      } else {
        render(); // relative times move on
      }
      ready();
    } catch (err) {
      if (state.stopped) return;
      if (!state.loaded) {
        clear(errors).appendChild(errorBox(err, "Could not load the runs"));
        ready();
      } else if (!state.errorNode) {
        state.errorNode = el("div", { class: "notice warn", role: "status", text: "Lost contact with the server (" + err.message + "). Retrying…" });
        errors.appendChild(state.errorNode);
      }
    }
    schedule();
  }

  function schedule() {
    if (state.stopped) return;
    clearTimeout(state.timer);
    const live = state.runs.some((r) => r.status === "live");
    state.timer = setTimeout(load, document.hidden ? 10000 : live ? 2000 : 8000);
  }

  document.addEventListener("visibilitychange", () => { if (!document.hidden && !state.stopped) { clearTimeout(state.timer); load(); } });
  load();

  return () => { state.stopped = true; clearTimeout(state.timer); };
};

export { parseHPFilter };
