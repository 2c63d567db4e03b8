#!/usr/bin/env python3
"""Browser test of the encoder-decoder view (views/classic.js's seq2seqView) against a running `glassbox serve`.

The caller trains a seq2seq run with attention on the dates task (several checkpoints and evaluations) and one with
--attention none, and starts the server (tests/browser/run-seq2seq-test.sh does); this script looks through headless
Chromium and compares what the pages show with GET /api/runs/RUN/figures?name=seq2seq, .../scalars and
.../translate. It prints one line per check and exits non-zero when any check fails; every wait has a timeout and a
watchdog ends the whole script.

    ~/.cache/glassbox-browser-venv/bin/python tests/browser/seq2seq_test.py --url http://127.0.0.1:8765 \\
        --run dates --plain-run noatt [--screenshots DIR]

What the pages expose for it: section#s2s on the run page (data-state: loading | shown | empty | error,
data-checkpoints) holding the view .s2s-view (data-index, data-step, data-checkpoints, data-example); the player
#s2s-player (data-playing) with #s2s-prev, #s2s-play, #s2s-next, the range #s2s-slider and the step #s2s-step; the
example picker #s2s-examples (buttons .s2s-ex with data-index, data-ok, aria-selected); the output and target lines
#s2s-compare; the heatmap canvas #s2s-heat (data-step, data-example, data-rows, data-cols, data-input,
data-checksum); the held-out exact match #s2s-exact-value and its chart #s2s-exact-chart (data-points); "Try your own
input": #s2s-input, #s2s-go, the chips #s2s-chips, the result #s2s-try-out (data-state: idle | loading | shown |
error, data-step) with #s2s-try-lines and the canvas #s2s-try-heat (data-output); the run page's charts
#chart-exact and #chart-throughput; a run without attention: #s2s-note and no #s2s; the runs list's
.kind-badge[data-kind=seq2seq] and .run-metric. A transformer run (--tf-run) also has the panel #s2s-layers
(data-kind, data-layers) with the switch #s2s-kind-encoder_self | -decoder_self | -cross (aria-pressed), the how-to
line #s2s-layers-read, the grid #s2s-heads (data-kind, data-layers, data-heads, data-checksum) of buttons .s2s-thumb
(data-layer, data-head, data-kind, data-rows, data-cols, data-above: non-zero cells above the diagonal,
data-checksum), the enlarged head #s2s-zoom (.open, data-layer, data-head, data-kind) with the canvas
#s2s-zoom-heat (as #s2s-heat, plus data-cell, data-left, data-top), the note #s2s-layers-note with the button
#s2s-layers-first, and the picker's .s2s-ex[data-layers] with their .s2s-ex-tag.
"""
import re
import sys

from browsing import (API_ERRORS, Keys, Page, api, begin, browser_session, check_runs_list, check_show_button, page_test_parser,
                      pct, quote, report, start_browser, summary, wait_for)

GLOSSARY_TERMS = ["checkpoint", "attention", "alignment", "encoder", "decoder", "exact", "teacher", "heldout"]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STATES = ("shown", "empty", "error")


class Browser(Page):
    view_selector = ".s2s-view"
    element_height = 2400

    def try_input(self, text):
        """Types text into "Try your own input" and presses Enter; returns the result's state once it settles."""
        field = self.scroll_to("#s2s-input")
        field.clear()
        if text:
            field.send_keys(text)
        self.js("document.getElementById('s2s-try-out').dataset.state = 'asked'")  # the view sets it again when it answers
        field.send_keys(Keys.ENTER)
        return self.wait_data("s2s-try-out", "state", ("shown", "error"), 10)


KINDS = ["encoder_self", "decoder_self", "cross"]
TF_TERMS = ["selfatt", "crossatt", "causal", "head", "layer"]


def dims(E, kind):
    """The rows and columns of one kind of attention pattern of an example."""
    n, T = len(E["output_tokens"]), len(E["input_tokens"])
    return {"encoder_self": (T, T), "decoder_self": (n, n), "cross": (n, T)}[kind]


def check_transformer(b, base, name):
    """The run page of a `train seq2seq --arch transformer` run: the transformer's words, the panel "Every layer and
    head" (three kinds, layers × heads thumbnails, the causal mask, enlarging, the note), the player, both themes."""
    try:
        run = api(base, "/api/runs/" + quote(name))
        rid = run["id"]
        figs = api(base, "/api/runs/" + quote(rid) + "/figures?name=seq2seq")
    except API_ERRORS as e:
        report(False, "server answers the transformer run and its figures", str(e))
        return
    last, first = figs[-1], figs[0]
    E0 = last["examples"][0]
    with_layers = [k for k, E in enumerate(last["examples"]) if E.get("layers")]
    ok = (run.get("hyper_parameters", {}).get("arch") == "transformer" and len(figs) >= 2 and last.get("attention") == "transformer"
          and with_layers == [0, 1, 2] and len(last["examples"]) > 3)
    if not report(ok, "the transformer run has figures with every layer and head for its first 3 examples",
                  "arch %s, %d figures, attention %s, with layers %s" % (run.get("hyper_parameters", {}).get("arch"), len(figs), last.get("attention"), with_layers)):
        return
    L, H = len(E0["layers"]), len(E0["layers"][0]["cross"])
    upper = sum(1 for F in figs for E in F["examples"] for lay in E.get("layers", []) for hd in lay["decoder_self"]
                for q, row in enumerate(hd) for k, w in enumerate(row) if k > q and w != 0)
    report(upper == 0, "the API's decoder self-attention is causal (all zero above the diagonal)", "%d non-zero cells above it" % upper)

    ready = b.open("/runs/" + quote(rid), theme="light")
    state = b.wait_data("s2s", "state", STATES, 10)
    report(bool(ready) and state == "shown", "the transformer run page shows the section", "state %s; errors: %s" % (state, b.error_boxes()))
    if state != "shown":
        return
    head = b.js("return document.querySelector('.run-head .stats').textContent")
    want = "Transformer, %d + %d layers × %d heads × %d wide" % (L, L, H, run["hyper_parameters"].get("width", 64))
    report(want in head and "bahdanau" not in head.lower(), "the header names the transformer", head[:200])
    wait_for(lambda: b.data("s2s-heat", "step") == str(last["step"]), 8)
    cap = b.js("return document.querySelector('#s2s-align .v-caption').textContent")
    section = b.js("return document.querySelector('.s2s-view').textContent")
    report("last layer's cross-attention" in cap and "averaged over its %d heads" % H in cap and "bahdanau" not in section.lower() and b.view("attention") == "transformer",
           "the alignment is captioned as the last layer's cross-attention averaged over the heads, and nothing says bahdanau", cap[:160])
    tags = b.js("return [...document.querySelectorAll('#s2s-examples .s2s-ex')].map(x => x.dataset.layers)")
    report(tags == ["1" if k in with_layers else "0" for k in range(len(last["examples"]))]
           and b.js("return [...document.querySelectorAll('#s2s-examples .s2s-ex-tag')].filter(t => t.offsetParent).length") == len(with_layers),
           "the picker marks the examples that have every layer and head", str(tags))

    panel = b.js("const p = document.getElementById('s2s-layers'); return p ? [p.querySelector('h2').textContent, p.dataset.layers] : null")
    report(panel == ["Every layer and head", "1"], "the panel \"Every layer and head\" shows the first example", str(panel))
    sums = {}
    for kind in KINDS:
        b.click_id("s2s-kind-" + kind)
        got = wait_for(lambda: b.data("s2s-heads", "kind") == kind, 3)
        th = b.js("return [...document.querySelectorAll('#s2s-heads .s2s-thumb')].map(t => [t.dataset.layer, t.dataset.head, t.dataset.rows, t.dataset.cols, t.dataset.above, t.dataset.checksum, t.querySelector('canvas').width > 0])")
        r, c = dims(E0, kind)
        ok = bool(got) and len(th) == L * H and all(t[2] == str(r) and t[3] == str(c) and t[6] for t in th) \
            and [(t[0], t[1]) for t in th] == [(str(l), str(h)) for l in range(L) for h in range(H)]
        sums[kind] = b.data("s2s-heads", "checksum")
        read = b.text("s2s-layers-read") or ""
        report(ok and len(read) > 80 and b.js("return document.getElementById('s2s-kind-' + arguments[0]).getAttribute('aria-pressed')", kind) == "true",
               "%s: %d × %d thumbnails of %d × %d, and how to read it" % (kind, L, H, r, c), "%d thumbnails %s; read %r" % (len(th), th[:1], read[:60]))
        if kind == "decoder_self":
            report(all(t[4] == "0" for t in th) and "diagonal" in read, "decoder self-attention: nothing above the diagonal in any thumbnail", str([t[4] for t in th]))
        if kind == "encoder_self":
            report(any(t[4] not in ("0", "") for t in th), "encoder self-attention looks both ways (cells above the diagonal)", str([t[4] for t in th]))
    report(len(set(sums.values())) == 3, "switching kinds changes the thumbnails", str(sums))

    # enlarge a decoder self-attention head: its cells above the diagonal are the panel colour
    b.click_on("#s2s-kind-decoder_self")
    wait_for(lambda: b.data("s2s-heads", "kind") == "decoder_self", 3)
    b.click_on("#s2s-heads .s2s-thumb[data-layer='%d'][data-head='1']" % (L - 1))
    opened = wait_for(lambda: b.js("const z = document.getElementById('s2s-zoom'); return z && z.classList.contains('open') && z.dataset.layer === arguments[0] && z.dataset.head === '1'", str(L - 1))
                      and b.data("s2s-zoom-heat", "drawn") == "1", 4)
    n = len(E0["output_tokens"])
    report(bool(opened) and b.data("s2s-zoom-heat", "rows") == str(n) and b.data("s2s-zoom-heat", "cols") == str(n) and b.data("s2s-zoom-heat", "input") == "<s>" + E0["output"],
           "clicking a thumbnail enlarges it (decoder self-attention: rows the output, columns start + the output)",
           "rows %s cols %s keys %r" % (b.data("s2s-zoom-heat", "rows"), b.data("s2s-zoom-heat", "cols"), b.data("s2s-zoom-heat", "input")))
    px = b.canvas_js("""
        const s = c.width / c.clientWidth;
        const at = (X, Y) => { const i = 4 * (Math.round(Y * s) * c.width + Math.round(X * s)); return [d[i], d[i + 1], d[i + 2]]; };
        const bg = at(2, 2), n = +c.dataset.rows, cell = +c.dataset.cell, L = +c.dataset.left, T = +c.dataset.top;
        let above = 0, aboveBg = 0, below = 0, belowInk = 0;
        for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) {
          const p = at(L + (k + 0.5) * cell - cell * 0.3, T + (r + 0.5) * cell - cell * 0.3); // off the centre: clear of the printed numbers
          const same = Math.abs(p[0] - bg[0]) + Math.abs(p[1] - bg[1]) + Math.abs(p[2] - bg[2]) < 6;
          if (k > r) { above++; if (same) aboveBg++; } else { below++; if (!same) belowInk++; }
        }
        return [above, aboveBg, below, belowInk];
    """, "#s2s-zoom-heat")
    report(bool(px) and px[0] > 0 and px[0] == px[1] and px[3] >= px[2] // 2, "the enlarged decoder self-attention has nothing painted above the diagonal",
           "cells above %d, of the panel colour %d; on and below %d, painted %d" % tuple(px) if px else "no pixels")
    tip = b.tooltip_at("s2s-zoom-heat", 0.3, 0.8)
    report("←" in tip and "weight" in tip and ":" in tip, "hovering the enlarged head reads out query ← key: weight", tip[:140])
    # the keyboard: Enter on a focused thumbnail
    b.js("document.querySelector(arguments[0]).focus()", "#s2s-heads .s2s-thumb[data-layer='0'][data-head='%d']" % (H - 1))
    b.d.switch_to.active_element.send_keys(Keys.ENTER)
    report(bool(wait_for(lambda: b.data("s2s-zoom", "layer") == "0" and b.data("s2s-zoom", "head") == str(H - 1), 3)), "Enter on a focused thumbnail enlarges it",
           "zoom layer %s head %s" % (b.data("s2s-zoom", "layer"), b.data("s2s-zoom", "head")))
    # the cross-attention head follows the kind switch, and the glossary has the new words
    b.click_on("#s2s-kind-cross")
    ok = wait_for(lambda: b.data("s2s-zoom", "kind") == "cross" and b.data("s2s-zoom-heat", "cols") == str(len(E0["input_tokens"])), 3)
    report(bool(ok), "the enlarged head follows the kind switch", "zoom kind %s cols %s" % (b.data("s2s-zoom", "kind"), b.data("s2s-zoom-heat", "cols")))
    terms = b.js("return [...new Set([...document.querySelectorAll('#s2s-layers .v-help')].map(b => b.dataset.term))]")
    gloss = b.js("return [...document.querySelectorAll('#s2s-glossary dt')].map(d => d.dataset.term)")
    report(all(t in terms and t in gloss for t in TF_TERMS), "the panel's glossary terms: self-attention, cross-attention, causal mask, head, layer", str(terms))

    # the player: an earlier checkpoint has its own patterns
    before = b.data("s2s-heads", "checksum")
    slider = b.press("#s2s-slider", Keys.HOME)
    moved = wait_for(lambda: b.view("step") == str(first["step"]) and b.data("s2s-heads", "checksum") != before, 4)
    report(bool(moved) and str(first["step"]) in (b.js("return document.querySelector('#s2s-layers .v-caption').textContent") or "").replace(",", ""),
           "the thumbnails follow the checkpoint player", "step %s" % b.view("step"))
    slider.send_keys(Keys.END)
    wait_for(lambda: b.view("step") == str(last["step"]), 4)
    b.check_console("on the transformer run page")
    b.shot_element("s2s-layers", "seq2seq-transformer-layers-light")
    b.shot_element("s2s", "seq2seq-transformer-section-light")

    # dark theme: the thumbnails repaint
    dark = b.switch_theme("dark", "#s2s-heads .s2s-thumb canvas")
    report(bool(dark), "the theme switch repaints the thumbnails")
    b.shot_element("s2s-layers", "seq2seq-transformer-layers-dark")

    # an example without layers: the note
    k = len(last["examples"]) - 1
    b.click_on("#s2s-examples .s2s-ex[data-index='%d']" % k)
    wait_for(lambda: b.view("example") == str(k), 3)
    note = b.js("const n = document.getElementById('s2s-layers-note'); return n && !n.hidden ? n.textContent : ''")
    report("first 3 examples" in note and b.js("return document.querySelector('#s2s-layers .s2s-layers-body').hidden && !document.getElementById('s2s-zoom').classList.contains('open')"),
           "an example without layers shows the note and no thumbnails", repr(note[:100]))
    b.shot_element("s2s-layers", "seq2seq-transformer-no-layers-dark")
    b.click_on("#s2s-layers-first")
    report(bool(wait_for(lambda: b.view("example") == "0" and b.data("s2s-layers", "layers") == "1", 3)), "the note's button goes back to an example with layers")
    b.check_console("after the transformer checks")
    b.switch_theme("light", timeout=3)


def check_waiting(b, live):
    """A live run before its first checkpoint: the section says what it waits for (no error), then shows the view
    when the checkpoint arrives, without a reload."""
    b.open_checked("/runs/" + quote(live), "the live run's page loads (data-ready)")
    state = b.wait_data("s2s", "state", ("waiting", "shown", "empty", "error"), 10)
    note = b.text("s2s-waiting", trim=True) or ""
    report(state == "waiting" and "Waiting for the first checkpoint (every 300 steps)" in note and not b.error_boxes(),
           "before its first checkpoint, a live run's section says what it waits for", "state=%s note=%r errors=%s" % (state, note[:120], b.error_boxes()))
    b.mark_loaded()
    shown = b.wait_data("s2s", "state", ("shown",), 150, 0.5)
    report(shown == "shown" and b.js("return !!document.querySelector('#s2s .s2s-view') && !document.getElementById('s2s-waiting')")
           and b.not_reloaded() and not b.error_boxes(),
           "the view appears when the first checkpoint arrives, without a reload", "state=%s errors=%s" % (b.data("s2s", "state"), b.error_boxes()))
    b.check_console("on the live seq2seq run's page")


def main():
    ap = page_test_parser("Browser test of the seq2seq view (needs a running glassbox serve).", timeout=480)
    ap.add_argument("--run", required=True, help="a finished train seq2seq run with attention on the dates task, several checkpoints (name or id)")
    ap.add_argument("--plain-run", default="", help="a finished train seq2seq run with --attention none (name or id)")
    ap.add_argument("--tf-run", default="", help="a finished train seq2seq --arch transformer run with two checkpoints or more (name or id)")
    ap.add_argument("--live-run", default="", help="a train seq2seq run recording now, before its first checkpoint (name or id)")
    args, base = begin(ap)
    try:
        run = api(base, "/api/runs/" + quote(args.run))
        rid = run["id"]
        figs = api(base, "/api/runs/" + quote(rid) + "/figures?name=seq2seq")
        exact = api(base, "/api/runs/" + quote(rid) + "/scalars?tag=" + quote("val/exact_match") + "&buckets=500")["buckets"]
        plain = api(base, "/api/runs/" + quote(args.plain_run)) if args.plain_run else None
    except API_ERRORS as e:
        report(False, "server answers the runs, their figures and scalars", str(e))
        return 1
    if not report(run.get("kind") == "seq2seq" and len(figs) >= 3 and all(len(f["examples"]) >= 4 for f in figs) and len(exact) >= 2,
                  "the run is a seq2seq run with attention figures at several checkpoints and exact match at several evaluations",
                  "kind %s, %d figures, %d exact-match points" % (run.get("kind"), len(figs), len(exact))):
        return 1
    n, first, last = len(figs), figs[0], figs[-1]

    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1
    with browser_session(b):
        if args.live_run:
            check_waiting(b, args.live_run)
        # ---- the run page: the section, the header, the charts
        ready = b.open_checked("/runs/" + quote(rid), "run page loads (data-ready)")
        state = b.wait_data("s2s", "state", STATES, 10)
        title = b.text("s2s-title") or ""
        report(state == "shown" and title == "Attention across training" and b.js("return !!document.querySelector('#s2s .s2s-view')"),
               "the run page has the section \"Attention across training\" with the view", "state=%s title=%r; errors: %s" % (state, title, b.error_boxes()))
        if state != "shown":
            return 1
        head = b.js("return document.querySelector('.run-head .stats').textContent")
        report("dates" in head and "LSTM, bahdanau attention" in head and "Tokenizer" not in head, "the run's header shows its task and model", head[:160])
        for cid, want in [("chart-exact", len(exact)), ("chart-throughput", 1)]:
            got = b.wait_data(cid, "points", lambda v: v and int(v) >= want, 8)
            report(bool(got) and b.data(cid, "drawn") == "1", "the run page's %s chart is drawn" % cid, "data-points=%s (want %s%d)" % (b.data(cid, "points"), "" if cid == "chart-exact" else "≥", want))
        sub = b.js("const n = document.querySelector('#chart-throughput .chart-sub'); return n ? n.textContent : ''")
        report(sub == "train/examples_per_s", "throughput is in examples per second", repr(sub))
        report(b.js("return !!document.getElementById('samples')"), "the samples panel stays on the page")

        # ---- the heatmap at the newest checkpoint, example 0
        b.scroll_to("#s2s-heat")
        E0 = last["examples"][0]
        drawn = wait_for(lambda: b.data("s2s-heat", "drawn") == "1" and b.data("s2s-heat", "step") == str(last["step"]), 10)
        report(bool(drawn) and b.data("s2s-heat", "rows") == str(len(E0["output_tokens"])) and b.data("s2s-heat", "cols") == str(len(E0["input_tokens"]))
               and b.data("s2s-heat", "input") == E0["input"], "the heatmap shows the first example at the newest checkpoint",
               "step %s rows %s cols %s input %r (want %d, %d×%d, %r)" % (b.data("s2s-heat", "step"), b.data("s2s-heat", "rows"), b.data("s2s-heat", "cols"),
                                                                           b.data("s2s-heat", "input"), last["step"], len(E0["output_tokens"]), len(E0["input_tokens"]), E0["input"]))
        px = b.scale_pixels("#s2s-heat")
        report(bool(px) and px[0] > 1500 and px[1] > 8000, "the heatmap is painted in the sequential scale (strong cells and light ones)", "strong pixels, inked pixels: %s" % px)
        comp = b.text("s2s-compare") or ""
        report(E0["output"] in comp and E0["target"] in comp and ("exact match" in comp or "wrong" in comp), "the output and the target are shown above it", comp[:120])
        smax = b.js("return document.getElementById('s2s-slider').max")
        report(smax == str(n - 1) and b.view("checkpoints") == str(n) and b.view("index") == str(n - 1) and (b.text("s2s-step") or "").replace(",", "") == "step %d" % last["step"],
               "the player has %d checkpoints and starts at the newest" % n, "max=%s data-checkpoints=%s index=%s %r" % (smax, b.view("checkpoints"), b.view("index"), b.text("s2s-step")))
        marks = b.js("return [...document.querySelectorAll('#s2s-examples .s2s-ex')].map(x => [x.dataset.ok, x.querySelector('.s2s-mark').textContent])")
        want = [("1", "✓") if E["output"] == E["target"] else ("0", "✗") for E in last["examples"]]
        report([tuple(m) for m in marks] == want, "the picker lists every example with ✓ or ✗ as the API says", "%s vs %s" % (marks, want))
        tip = b.tooltip_at("s2s-heat", 0.6, 0.5)
        report("←" in tip and "attention weight" in tip, "hovering a cell reads out output ← input and the weight", tip[:140])

        # ---- the player moves the heatmap
        before_hash, before_sum = b.pixel_hash("#s2s-heat"), b.data("s2s-heat", "checksum")
        slider = b.press("#s2s-slider", Keys.HOME)
        moved = wait_for(lambda: b.data("s2s-heat", "step") == str(first["step"]) and b.pixel_hash("#s2s-heat") != before_hash, 5)
        report(bool(moved) and (b.text("s2s-step") or "").replace(",", "") == "step %d" % first["step"] and b.data("s2s-heat", "checksum") != before_sum,
               "the slider changes the step and the heatmap", "step %s, checksum %s → %s" % (b.text("s2s-step"), before_sum, b.data("s2s-heat", "checksum")))
        b.click_id("s2s-next")
        ok1 = wait_for(lambda: b.view("index") == "1" and b.data("s2s-heat", "step") == str(figs[1]["step"]), 5)
        b.press_focused("s2s-play", Keys.END)
        ok2 = wait_for(lambda: b.view("index") == str(n - 1), 5)
        report(bool(ok1 and ok2), "the buttons and keys step through the checkpoints", "next %s, End %s" % (bool(ok1), bool(ok2)))
        slider.send_keys(Keys.HOME)
        wait_for(lambda: b.view("index") == "0", 3)
        b.click_id("s2s-play")
        ended = wait_for(lambda: b.data("s2s-player", "playing") == "0" and b.view("index") == str(n - 1), 8)
        report(bool(ended) and b.data("s2s-heat", "step") == str(last["step"]), "play runs through the checkpoints and stops at the newest", "index %s" % b.view("index"))

        # ---- the picker switches examples (the last one: the longest input, often the hardest)
        k = len(last["examples"]) - 1
        Ek = last["examples"][k]
        before_hash = b.pixel_hash("#s2s-heat")
        btn = b.click_on("#s2s-examples .s2s-ex[data-index='%d']" % k)
        switched = wait_for(lambda: b.data("s2s-heat", "input") == Ek["input"] and b.pixel_hash("#s2s-heat") != before_hash, 5)
        report(bool(switched) and b.view("example") == str(k) and b.data("s2s-heat", "cols") == str(len(Ek["input_tokens"])) and btn.get_attribute("aria-selected") == "true"
               and Ek["output"] in (b.text("s2s-compare") or ""), "the picker switches the example (heatmap, output and target)",
               "input %r cols %s example %s" % (b.data("s2s-heat", "input"), b.data("s2s-heat", "cols"), b.view("example")))
        btn.send_keys(Keys.ARROW_UP)
        report(bool(wait_for(lambda: b.view("example") == str(k - 1), 3)), "↑ in the picker chooses the example above", "example %s" % b.view("example"))
        # a wrong example (when the checkpoint has one): its wrong characters are marked, and so is its verdict
        wrongs = [j for j, E in enumerate(last["examples"]) if E["output"] != E["target"]]
        j = wrongs[0] if wrongs else k - 1
        Ej = last["examples"][j]
        b.click_on("#s2s-examples .s2s-ex[data-index='%d']" % j)
        wait_for(lambda: b.view("example") == str(j), 3)
        bad = b.js("return document.querySelectorAll('#s2s-compare .s2s-ch.bad').length")
        ok = b.js("const n = document.querySelector('#s2s-compare .s2s-lines'); return n ? n.dataset.ok : null")
        wrong = sum(1 for x, y in zip(Ej["output"], Ej["target"]) if x != y) + max(0, len(Ej["output"]) - len(Ej["target"]))
        report(bad == wrong and ok == ("0" if wrongs else "1"), "wrong output characters are marked", "example %d: %d marked, %d wrong, data-ok %s" % (j, bad, wrong, ok))

        # ---- exact match across training
        value = b.text("s2s-exact-value")
        pts = b.wait_data("s2s-exact-chart", "points", [str(len(exact))])
        report(bool(pts) and b.data("s2s-exact-chart", "drawn") == "1" and value == pct(exact[-1]["last"]),
               "the exact-match chart draws every evaluation and the value at the chosen checkpoint", "points %s (want %d), value %s (want %s)" % (
                   b.data("s2s-exact-chart", "points"), len(exact), value, pct(exact[-1]["last"])))
        where = b.text("s2s-exact-where", trim=True) or ""
        report(where.startswith("exact match (held-out)"), "the metric has the terminal's name, exact match (held-out)", where[:100])

        # ---- try your own input, at the chosen checkpoint
        b.expected.append("translate?text=&step")  # the empty input below: the browser logs the server's 400
        chips = b.js("return [...document.querySelectorAll('#s2s-chips .s2s-chip')].map(c => c.textContent)")
        report("23 Nov 2026" in chips and "twenty-third of November 2026" in chips, "example chips are offered", str(chips))
        st = b.try_input("23 Nov 2026")
        want = api(base, "/api/runs/" + quote(rid) + "/translate?text=" + quote("23 Nov 2026") + "&step=%d" % last["step"])
        out = b.data("s2s-try-heat", "output") or ""
        report(st == "shown" and ISO_DATE.match(out) is not None and out == want["output"] and b.data("s2s-try-out", "step") == str(last["step"]),
               "\"23 Nov 2026\" gives an ISO date at the chosen checkpoint", "state %s, output %r (API %r), step %s" % (st, out, want["output"], b.data("s2s-try-out", "step")))
        wait_for(lambda: b.data("s2s-try-heat", "drawn") == "1", 3)
        px = b.scale_pixels("#s2s-try-heat")
        report(bool(px) and px[1] > 5000 and b.data("s2s-try-heat", "cols") == "11" and b.data("s2s-try-heat", "rows") == str(len(want["output_tokens"])),
               "and its heatmap is painted", "cols %s rows %s pixels %s" % (b.data("s2s-try-heat", "cols"), b.data("s2s-try-heat", "rows"), px))
        b.press("#s2s-slider", Keys.HOME)
        again = wait_for(lambda: b.data("s2s-try-out", "step") == str(first["step"]) and b.data("s2s-try-out", "state") == "shown", 6)
        report(bool(again), "moving the player asks the chosen checkpoint again", "step %s" % b.data("s2s-try-out", "step"))
        b.click_on("#s2s-chips .s2s-chip")
        chip = wait_for(lambda: b.data("s2s-try-out", "state") == "shown" and (b.data("s2s-try-heat", "cols") == str(len("twenty-third of November 2026"))), 6)
        report(bool(chip) and b.js("return document.getElementById('s2s-input').value") == "twenty-third of November 2026", "a chip fills the field and translates it",
               "cols %s" % b.data("s2s-try-heat", "cols"))
        st = b.try_input("")
        err = b.js("const n = document.querySelector('#s2s-try-out .error-box'); return n ? n.textContent : ''")
        report(st == "error" and "text is required" in err, "an empty input shows the server's error", repr(err[:120]))
        st = b.try_input("11/23/2026")
        report(st == "shown" and ISO_DATE.match(b.data("s2s-try-heat", "output") or "") is not None, "a new input after the error works again", repr(b.data("s2s-try-heat", "output")))
        b.press("#s2s-slider", Keys.END)
        wait_for(lambda: b.view("index") == str(n - 1) and b.data("s2s-try-out", "step") == str(last["step"]), 6)

        terms = b.js("return [...new Set([...document.querySelectorAll('.s2s-view .v-help')].map(b => b.dataset.term))]")
        gloss = b.js("return [...document.querySelectorAll('#s2s-glossary dt')].map(d => d.dataset.term)")
        reads = b.js("return document.querySelectorAll('.s2s-view .v-read').length")
        report(all(t in terms and t in gloss for t in GLOSSARY_TERMS) and reads >= 4, "each panel says how to read it, with glossary terms", "%d how-to lines; terms %s" % (reads, terms))
        b.check_console("on the seq2seq run page")
        b.shot_element("s2s", "seq2seq-section-light")
        b.screenshot("seq2seq-run-light", max_height=5000, settle=0.8)

        # ---- dark theme: the heatmaps repaint on the dark panel
        dark = b.switch_theme("dark", "#s2s-heat")
        px = b.scale_pixels("#s2s-heat")
        report(bool(dark) and bool(px) and px[0] > 800, "the theme switch repaints the heatmap in the dark scale", "pixels %s" % (px,))
        b.shot_element("s2s", "seq2seq-section-dark")
        b.check_console("after switching to the dark theme")

        # ---- the checkpoints table: Show picks that checkpoint in the player
        check_show_button(b, figs[1]["step"], lambda: b.view("index") == "1" and b.data("s2s-heat", "step") == str(figs[1]["step"]))

        # ---- a run without attention: a note, no section
        if plain:
            ready = b.open("/runs/" + quote(plain["id"]), theme="light")
            wait_for(lambda: b.js("return !!document.getElementById('s2s-note')"), 5)
            note = b.text("s2s-note") or ""
            head = b.js("return document.querySelector('.run-head .stats').textContent")
            report(bool(ready) and "no attention" in note.lower() and not b.js("return !!document.getElementById('s2s') || !!document.querySelector('.s2s-view')")
                   and "LSTM, no attention" in head, "the attention-less run shows the note and no attention section", "note %r; header %r" % (note[:80], head[:120]))
            b.check_console("on the attention-less run page")
            b.shot_element("s2s-note", "seq2seq-no-attention")

        # ---- a transformer run: its words, and every layer and head
        if args.tf_run:
            check_transformer(b, base, args.tf_run)

        # ---- the runs list
        check_runs_list(b, "seq2seq", "Seq2seq", [rid] + ([plain["id"]] if plain else []), "the runs list marks the seq2seq runs",
                        "exact" + pct(exact[-1]["last"]), "the runs list shows the held-out exact match")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
