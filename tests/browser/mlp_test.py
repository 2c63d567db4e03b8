#!/usr/bin/env python3
"""Browser test of the MLP view (views/classic.js's mlpView) against a running `glassbox serve` and a
`train mlp --html` file.

The caller trains a classification run on two inputs (a decision boundary) and a regression run on one (a fitted
function), writes the first as an HTML file and starts the server (tests/browser/run-mlp-test.sh does); this script
looks through headless Chromium and compares what the pages show with GET /api/runs/RUN/figures?name=mlp. It prints
one line per check and exits non-zero when any check fails; every wait has a timeout and a watchdog ends the whole
script.

    ~/.cache/glassbox-browser-venv/bin/python tests/browser/mlp_test.py --url http://127.0.0.1:8765 \\
        --boundary-run spirals --fit-run sine --html spirals.html [--screenshots DIR]

What the pages expose for it: section#mlp on the run page (data-state: loading | shown | empty | error,
data-checkpoints) holding the view .mlp-view (data-index, data-step, data-checkpoints, data-figure: boundary | fit |
table); the player #mlp-player (data-playing) with #mlp-prev, #mlp-play, #mlp-next, the range #mlp-slider and the
step #mlp-step; the map canvas #mlp-boundary or #mlp-fit (data-step, data-checksum; the boundary's data-classes,
the fit's data-curve); the numbers #mlp-train-metric, #mlp-val-metric, #mlp-train-loss, #mlp-val-loss; the line
charts #mlp-metric-chart and #mlp-loss-chart (data-points); the importance table #mlp-importance-table (rows
tr[data-feature][data-method] with a .mlp-bar); the first layer's canvas #mlp-first-layer-map (data-units,
data-inputs); the runs list's .kind-badge[data-kind=mlp]. The exported file shows the same view in #app.
"""
import os
import sys
import time

from browsing import (API_ERRORS, Keys, Page, api, begin, browser_session, check_show_button, page_test_parser, pct, quote, report, resume_arguments,
                      resume_run, start_browser, summary, wait_for)

GLOSSARY_TERMS = ["boundary", "validation", "overfitting", "standardisation", "permutation", "gradxinput", "activation"]
STATES = ("shown", "empty", "error")


class Browser(Page):
    view_selector = ".mlp-view"
    element_height = 2200


def figures(base, run):
    r = api(base, "/api/runs/" + quote(run))
    return r, api(base, "/api/runs/" + quote(r["id"]) + "/figures?name=mlp")


def check_player_and_map(b, figs, where):
    """The player over the checkpoints and the boundary map that follows it (run page or exported file)."""
    n, last = len(figs), figs[-1]
    drawn = wait_for(lambda: b.data("mlp-boundary", "step") == str(last["step"]), 10)
    report(bool(drawn), "%s: the boundary map is drawn at the newest checkpoint" % where, "data-step=%s, want %d" % (b.data("mlp-boundary", "step"), last["step"]))
    px = wait_for(lambda: (lambda c: c if c and min(c) > 800 else None)(b.class_pixels("#mlp-boundary", 2)), 5) or b.class_pixels("#mlp-boundary", 2)
    report(bool(px) and min(px) > 800, "%s: both class colours are painted on the map" % where, "pixels per class: %s" % px)
    report(b.data("mlp-boundary", "classes") == "2", "%s: the map's cells hold both classes" % where, "data-classes=%s" % b.data("mlp-boundary", "classes"))
    smax = b.js("return document.getElementById('mlp-slider').max")
    report(smax == str(n - 1) and b.view("checkpoints") == str(n) and b.view("index") == str(n - 1),
           "%s: the slider has %d steps and starts at the last checkpoint" % (where, n), "max=%s, data-checkpoints=%s, data-index=%s" % (smax, b.view("checkpoints"), b.view("index")))
    report((b.text("mlp-step") or "").replace(",", "") == "step %d" % last["step"], "%s: the player shows the step" % where, repr(b.text("mlp-step")))
    report(b.text("mlp-val-metric") == pct(last["val_metric"]) and b.text("mlp-train-metric") == pct(last["train_metric"]),
           "%s: the accuracies at the chosen checkpoint match the figures" % where, "%s / %s vs %s / %s" % (
               b.text("mlp-train-metric"), b.text("mlp-val-metric"), pct(last["train_metric"]), pct(last["val_metric"])))

    # the slider moves every panel: Home goes to the first checkpoint
    before_hash, before_sum = b.pixel_hash("#mlp-boundary"), b.data("mlp-boundary", "checksum")
    slider = b.press("#mlp-slider", Keys.HOME)
    first = figs[0]
    moved = wait_for(lambda: b.data("mlp-boundary", "step") == str(first["step"]), 5)
    after_hash = b.pixel_hash("#mlp-boundary")
    report(bool(moved) and (b.text("mlp-step") or "") == "step %d" % first["step"] and after_hash != before_hash and b.data("mlp-boundary", "checksum") != before_sum,
           "%s: moving the slider changes the shown step and the map" % where, "step %s, map %s → %s" % (b.text("mlp-step"), before_hash, after_hash))
    report(b.text("mlp-val-metric") == pct(first["val_metric"]), "%s: the numbers follow the slider" % where, "%s vs %s" % (b.text("mlp-val-metric"), pct(first["val_metric"])))
    # the arrow keys: on the slider (native) and anywhere else in the player
    slider.send_keys(Keys.ARROW_RIGHT)
    ok1 = wait_for(lambda: b.view("index") == "1", 5)
    b.press_focused("mlp-play", Keys.ARROW_RIGHT)
    ok2 = wait_for(lambda: b.view("index") == "2", 5)
    b.click_id("mlp-prev")
    # (the map redraws just after the index changes: wait for both)
    ok3 = wait_for(lambda: b.view("index") == "1" and b.data("mlp-boundary", "step") == str(figs[1]["step"]), 5)
    report(bool(ok1 and ok2 and ok3) and b.data("mlp-boundary", "step") == str(figs[1]["step"]),
           "%s: ← and → step through the checkpoints (slider, player, buttons)" % where, "slider %s, player %s, button %s; index %s, map step %s" % (
               bool(ok1), bool(ok2), bool(ok3), b.view("index"), b.data("mlp-boundary", "step")))
    # play: advances on its own, then stops at the newest checkpoint
    b.js("arguments[0].focus()", slider)
    slider.send_keys(Keys.HOME)
    wait_for(lambda: b.view("index") == "0", 3)
    b.click_id("mlp-play")
    started = wait_for(lambda: b.data("mlp-player", "playing") == "1" and int(b.view("index") or 0) >= 2, 4)
    ended = wait_for(lambda: b.data("mlp-player", "playing") == "0" and b.view("index") == str(n - 1), 6)
    report(bool(started) and bool(ended) and b.data("mlp-boundary", "step") == str(last["step"]),
           "%s: play advances through the checkpoints and stops at the newest" % where, "playing=%s index=%s" % (b.data("mlp-player", "playing"), b.view("index")))


def check_panels(b, figs, where):
    """The metrics charts, the importance bars and the first layer."""
    n, last = len(figs), figs[-1]
    for cid in ["mlp-metric-chart", "mlp-loss-chart"]:
        pts = b.wait_data(cid, "points", [str(2 * n)])
        report(bool(pts) and b.data(cid, "drawn") == "1", "%s: %s draws training and validation at every checkpoint" % (where, cid), "data-points=%s (want %d)" % (b.data(cid, "points"), 2 * n))
    bars = b.js("""return [...document.querySelectorAll('#mlp-importance-table tr[data-feature]')].map(tr =>
        [tr.dataset.feature, tr.dataset.method, parseFloat(tr.querySelector('.mlp-bar').style.width) || 0, tr.querySelector('td.num').textContent])""")
    feats = sorted(set(x[0] for x in bars))
    methods = sorted(set(x[1] for x in bars))
    report(feats == ["x1", "x2"] and methods == ["gradient", "permutation"] and len(bars) == 4 and all(x[3] and x[3] != "–" for x in bars)
           and all(any(x[2] > 5 for x in bars if x[1] == m) for m in methods),
           "%s: importance bars for x1 and x2 by both methods, with numbers" % where, str(bars))
    # pictures are drawn when they come into view
    b.scroll_to("#mlp-first-layer-map")
    wait_for(lambda: b.data("mlp-first-layer-map", "units"), 5)
    units, inputs = b.data("mlp-first-layer-map", "units"), b.data("mlp-first-layer-map", "inputs")
    ink = b.canvas_ink("#mlp-first-layer-map")
    report(units == str(len(last["first_layer"])) and inputs == "2" and ink > 2000,
           "%s: the first-layer heatmap shows every unit's weights and bias" % where, "units=%s inputs=%s, %d inked pixels" % (units, inputs, ink))
    terms = b.js("return [...new Set([...document.querySelectorAll('.mlp-view .v-help')].map(b => b.dataset.term))]")
    reads = b.js("return document.querySelectorAll('.mlp-view .v-read').length")
    report(all(t in terms for t in GLOSSARY_TERMS) and reads >= 5, "%s: each panel says how to read it, with glossary terms" % where, "%d how-to lines; terms %s" % (reads, terms))


def main():
    ap = page_test_parser("Browser test of the MLP views (needs a running glassbox serve).", timeout=240)
    ap.add_argument("--boundary-run", required=True, help="a finished train mlp run on two inputs with classes (name or id)")
    ap.add_argument("--fit-run", required=True, help="a finished train mlp run on one input, regression (name or id)")
    ap.add_argument("--html", default="", help="the --html file of the boundary run")
    resume_arguments(ap, "the boundary run")
    args, base = begin(ap)
    try:
        run, figs = figures(base, args.boundary_run)
        frun, ffigs = figures(base, args.fit_run)
    except API_ERRORS as e:
        report(False, "server answers the runs and their figures", str(e))
        return 1
    if not report(run.get("kind") == "mlp" and len(figs) >= 3 and figs[-1]["kind"] == "boundary" and ffigs and ffigs[-1]["kind"] == "fit",
                  "the runs are MLPs with a boundary and a fit at several checkpoints",
                  "kind %s, %d boundary figures, %d fit figures" % (run.get("kind"), len(figs), len(ffigs))):
        return 1

    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1
    with browser_session(b):
        # ---- the boundary run's page
        ready = b.open_checked("/runs/" + quote(run["id"]), "run page loads (data-ready)")
        state = b.wait_data("mlp", "state", STATES, 10)
        title = b.text("mlp-title") or ""
        report(state == "shown" and title == "Decision boundary across training" and b.view("figure") == "boundary",
               "the run page has the section with the boundary view", "state=%s title=%r; errors: %s" % (state, title, b.error_boxes()))
        if state != "shown":
            return 1
        head = b.js("return document.querySelector('.run-head .stats').textContent")
        report("2 → 64 → 64 → 2" in head and "spirals" in head, "the run's header shows its network and task", head[:160])
        check_player_and_map(b, figs, "run page")
        tip = b.tooltip_at("mlp-boundary", 0.5, 0.45)
        report(("predicted" in tip and "confidence" in tip) or "point" in tip, "hovering the map reads out the inputs, the class and the confidence", tip[:160])
        check_panels(b, figs, "run page")
        b.check_console("on the MLP run page")
        b.shot_element("mlp", "mlp-section-light")
        b.screenshot("mlp-run-light", max_height=5000, settle=0.8)

        # dark theme: the map repaints on the dark panel, both classes still there
        dark = b.switch_theme("dark", "#mlp-boundary")
        px = b.class_pixels("#mlp-boundary", 2)
        report(bool(dark) and bool(px) and min(px) > 800, "the theme switch repaints the map (both classes on the dark panel)", "pixels per class: %s" % px)
        report(b.canvas_ink("#mlp-first-layer-map") > 2000, "the first layer draws in the dark theme")
        b.shot_element("mlp", "mlp-section-dark")
        b.check_console("after switching to the dark theme")

        # live: the run resumes for more checkpoints while the page is open; the view follows the newest
        if args.bin and args.runs_dir and args.resume_steps:
            b.mark_loaded()
            resume_run(args, run["id"], kind=["mlp"], timeout=120)
            _, figs2 = figures(base, run["id"])
            grown = wait_for(lambda: b.view("checkpoints") == str(len(figs2)) and b.data("mlp-boundary", "step") == str(figs2[-1]["step"]), 20, 0.2)
            report(bool(grown) and len(figs2) > len(figs) and b.not_reloaded() and b.js("return document.getElementById('mlp-slider').max") == str(len(figs2) - 1),
                   "the view follows the new checkpoints live (no reload)", "%d → %s checkpoints (API %d), map at step %s" % (
                       len(figs), b.view("checkpoints"), len(figs2), b.data("mlp-boundary", "step")))
            b.check_console("after the live update")

        # the checkpoints table: Show picks that checkpoint in the player
        # (the table is drawn anew as the run's live updates land: a button found just before may be gone, so find it again)
        check_show_button(b, figs[1]["step"], lambda: b.view("index") == "1" and b.data("mlp-boundary", "step") == str(figs[1]["step"]))

        # ---- the fit run's page
        ready = b.open("/runs/" + quote(frun["id"]), theme="dark")
        state = b.wait_data("mlp", "state", STATES, 10)
        title = b.text("mlp-title") or ""
        report(bool(ready) and state == "shown" and title == "Fitted function across training" and b.view("figure") == "fit",
               "the regression run's page shows the fitted function", "state=%s title=%r" % (state, title))
        fl = ffigs[-1]
        drawn = wait_for(lambda: b.data("mlp-fit", "step") == str(fl["step"]), 10)
        report(bool(drawn) and b.data("mlp-fit", "curve") == str(len(fl["curve"])) and b.data("mlp-fit", "points") == str(len(fl["points"]))
               and b.canvas_ink("#mlp-fit") > 3000, "the fit draws the curve over the points", "curve=%s points=%s ink=%d" % (b.data("mlp-fit", "curve"), b.data("mlp-fit", "points"), b.canvas_ink("#mlp-fit")))
        before = b.data("mlp-fit", "checksum")
        b.press("#mlp-slider", Keys.HOME)
        moved = wait_for(lambda: b.data("mlp-fit", "step") == str(ffigs[0]["step"]) and b.data("mlp-fit", "checksum") != before, 5)
        report(bool(moved), "the fit follows the slider", "step %s" % b.data("mlp-fit", "step"))
        mse = b.text("mlp-val-metric")
        report(mse and mse != "–" and b.data("mlp-loss-chart", "points") == str(2 * len(ffigs)), "the fit's error and loss are shown", "validation MSE %s" % mse)
        b.check_console("on the regression run page")
        b.shot_element("mlp", "mlp-fit-dark")

        # ---- the runs list
        ready = b.open("/", theme="light")
        b.wait_runs(2)
        badges = [r for r, _ in b.kind_badges("mlp")]
        metrics = b.run_metrics(listed=False)
        report(run["id"] in badges and frun["id"] in badges, "the runs list marks the MLP runs", str(badges))
        report(any("val acc" in m for m in metrics) and any("val MSE" in m for m in metrics), "the runs list shows validation accuracy or MSE for MLP runs", str(metrics))
        b.check_console("on the runs list")

        # ---- the exported file, opened from disk
        if args.html:
            b.d.get("file://" + os.path.abspath(args.html))
            ready = b.wait_ready()
            line = b.text("model-line") or ""
            report(bool(ready) and b.js("return !!document.querySelector('#app .mlp-view')") and "2 → 64 → 64 → 2" in line and "spirals" in line,
                   "the exported HTML opens with the view and the network in its header", "ready=%s header %r" % (ready, line[:120]))
            b.js("localStorage.setItem('glassbox.theme', JSON.stringify('light'))")
            b.d.refresh()
            b.wait_ready()
            check_player_and_map(b, figs, "exported file")
            check_panels(b, figs, "exported file")
            b.check_console("in the exported file")
            b.screenshot("mlp-export-light", max_height=5000, settle=0.8)
            dark = b.switch_theme("dark", timeout=3, selector="#top .theme-toggle")
            time.sleep(0.4)
            px = b.class_pixels("#mlp-boundary", 2)
            report(bool(dark) and bool(px) and min(px) > 800, "the exported file's theme switch repaints the map", "pixels per class: %s" % px)
            b.screenshot("mlp-export-dark", max_height=5000, settle=0.8)
            b.check_console("in the exported file, dark")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
