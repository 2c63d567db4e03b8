#!/usr/bin/env python3
"""Browser test of the probe timeline on Glassbox Studio's run page (/runs/RUN, panels/probe-timeline.js) against a running
`glassbox serve`.

The caller trains a short run with two probes and starts the server (tests/browser/run-probes-test.sh does); this
script looks through headless Chromium, compares what the page shows with GET /api/runs/RUN/probes, and (given
--bin and --runs-dir) resumes the run for more steps while the page is open, to see it follow the new checkpoints.
It prints one line per check and exits non-zero when any check fails; every wait has a timeout and a watchdog ends
the whole script.

    ~/.cache/glassbox-browser-venv/bin/python tests/browser/probes_test.py --url http://127.0.0.1:8765 --run probed \\
        [--bin .build/release/glassbox --runs-dir RUNS --resume-steps 90] [--screenshots DIR]

What the page exposes for it: section#probes with data-state (loading | empty | shown | error), data-probes,
data-probe (the chosen probe's index), data-checkpoints, data-layers (depths: layers + 1), data-heads (layers x
heads), data-first-top (the step at which the answer first ranks first at the output; empty: not yet); the picker
#probe-select; the mode switch #probe-mode-probability / #probe-mode-rank; the lens grid #probe-lens-table
(data-rows, data-cols, data-cells, data-mode; cells td.probe-c[data-j][data-l], the first top-1 cells .first, the
selected .sel; a.probe-step-link[data-step] links to the inspect page); #probe-verdict (data-step); the selected
cell's top tokens #probe-cell (data-step, data-layer) with #probe-cell-inspect; the line charts #probe-loss-chart and
#probe-prob-chart (data-points); the heads canvas #probe-heads-canvas (data-rows, data-cols); the table
#probe-top-table (data-rows).
"""
import sys
import urllib.parse

from browsing import (API_ERRORS, By, Keys, Page, Select, api, begin, browser_session, page_test_parser, quote, report, resume_arguments,
                      resume_run, start_browser, summary, wait_for)


class Browser(Page):
    screenshot_height, screenshot_settle = 7000, 0.8

    def probes(self, key):
        return self.data("probes", key)

    def lens(self, key):
        return self.data("probe-lens-table", key)


def shown_token(t):
    """A token as the page shows it (views/report-views.js `shown`): newlines and tabs as arrows, all-space as ␣."""
    v = t.replace("\n", "\u21b5").replace("\t", "\u21e5")
    return "\u2205" if v == "" else v.replace(" ", "\u2423") if v.strip(" ") == "" else v


def by_probe(docs):
    """{probe index: [documents in step order]}"""
    out = {}
    for d in docs:
        out.setdefault(d["probe"], []).append(d)
    for v in out.values():
        v.sort(key=lambda d: d["step"])
    return out


def check_probe(b, docs, index, label):
    """The page's view of one probe against the API's documents."""
    snaps = by_probe(docs)[index]
    C, R = len(snaps), len(snaps[-1]["lens"])
    L, H = R - 1, len(snaps[-1]["head_entropy"][0])
    shown = wait_for(lambda: b.probes("probe") == str(index) and b.lens("cols") == str(C), 10)
    report(shown, "%s: the timeline shows probe %d" % (label, index), "data-probe=%s cols=%s" % (b.probes("probe"), b.lens("cols")))
    cells = b.js("return document.querySelectorAll('#probe-lens-table td.probe-c').length")
    report(b.probes("checkpoints") == str(C) and b.probes("layers") == str(R) and b.lens("rows") == str(R) and b.lens("cols") == str(C)
           and b.lens("cells") == str(R * C) and cells == R * C,
           "%s: the lens heatmap has (layers + 1) x checkpoints cells" % label,
           "%d x %d expected; data-rows=%s data-cols=%s data-cells=%s, %s cells in the table" % (R, C, b.lens("rows"), b.lens("cols"), b.lens("cells"), cells))
    # depths bottom to top: the first row is the output, the last the embeddings
    labels = b.js("return [...document.querySelectorAll('#probe-lens-table tbody th.lab')].map(t => t.textContent)")
    report(len(labels) == R and labels[-1] == "embed" and labels[0].startswith(str(L)), "%s: depths run from the embeddings (bottom) to the output (top)" % label, str(labels))
    # the first step at which each depth ranks the answer first
    want = []
    for l in range(R):
        first = next((s["step"] for s in snaps if s["lens"][l]["rank"] == 0), None)
        want.append(first)
    got = b.js("""return [...document.querySelectorAll('#probe-lens-table tbody tr')].reverse().map(tr => {
        const a = tr.querySelector('td.probe-first-col a'); return a ? +a.dataset.step : null; })""")
    marks = b.js("""return [...document.querySelectorAll('#probe-lens-table tbody tr')].reverse().map(tr => {
        const c = tr.querySelector('td.probe-c.first'); return c ? +c.dataset.j : null; })""")
    steps = [s["step"] for s in snaps]
    report(got == want and [None if m is None else steps[m] for m in marks] == want,
           "%s: each depth's first top-1 step is marked and listed" % label, "page %s, marks %s, API %s" % (got, marks, want))
    first_out = next((s["step"] for s in snaps if s["answer_rank"] == 0), None)
    verdict = b.js("return document.getElementById('probe-verdict').textContent")
    vstep = b.js("return document.getElementById('probe-verdict').dataset.step")
    if first_out is None:
        ok = verdict.startswith("Not yet") and vstep == "" and b.probes("firstTop") == ""
    else:
        ok = ("first predicts" in verdict) and vstep == str(first_out) and ("step %d" % first_out) in verdict and b.probes("firstTop") == str(first_out)
    report(ok, "%s: the verdict names the step the answer first ranks first (or says not yet)" % label, "%r; API: %s" % (verdict, first_out))
    # line charts, heads, table
    pts = wait_for(lambda: (lambda a, c: (a, c) if a == str(C) and c == str(C) else None)(
        b.js("return document.getElementById('probe-loss-chart').dataset.points"), b.js("return document.getElementById('probe-prob-chart').dataset.points")), 5)
    report(bool(pts), "%s: loss and answer-probability charts have one point per checkpoint" % label, str(pts))
    hr = b.js("const c = document.getElementById('probe-heads-canvas'); return c ? [c.dataset.rows, c.dataset.cols, c.dataset.drawn] : null")
    report(hr == [str(L * H), str(C), "1"] and (b.canvas_ink("#probe-heads-canvas") or 0) > 50, "%s: heads heatmap has layers x heads rows and a column per checkpoint" % label, str(hr))
    rows = b.js("const t = document.getElementById('probe-top-table'); return t ? [t.dataset.rows, t.querySelectorAll('tbody tr').length] : null")
    links = b.js("return [...document.querySelectorAll('#probe-top-table a.probe-step-link')].map(a => a.getAttribute('href'))")
    report(rows == [str(C), C] and len(links) == C and all(h.startswith("/inspect?model=") for h in links),
           "%s: the top-predictions table has a row per checkpoint, each step linking to the inspect page" % label, "%s %s" % (rows, links[:2]))
    return snaps


def main():
    ap = page_test_parser("Browser test of the studio's probe timeline (needs a running glassbox serve).", timeout=300)
    ap.add_argument("--run", required=True, help="a finished run trained with two --probe prompts (name or id)")
    resume_arguments(ap)
    args, base = begin(ap)
    try:
        run = api(base, "/api/runs/" + quote(args.run))
        docs = api(base, "/api/runs/" + quote(run["id"]) + "/probes")
    except API_ERRORS as e:
        report(False, "server answers /api/runs/%s and its probes" % args.run, str(e))
        return 1
    run_id = run["id"]
    probes = by_probe(docs)
    if not report(len(probes) >= 2 and all(len(v) >= 2 for v in probes.values()), "the run has two probes read out at several checkpoints",
                  "%d probes, checkpoints %s" % (len(probes), [len(v) for v in probes.values()])):
        return 1

    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1
    with browser_session(b):
        path = "/runs/" + quote(run_id)
        ready = b.open_checked(path, "run page loads (data-ready)")
        shown = wait_for(lambda: b.probes("state") in ("shown", "empty", "error"), 15)
        report(b.probes("state") == "shown", "the run page has a probe timeline", "state=%s; errors: %s" % (b.probes("state"), b.error_boxes()))
        if not shown or b.probes("state") != "shown":
            return 1
        report(b.probes("probes") == str(len(probes)), "the timeline knows both probes", "data-probes=%s" % b.probes("probes"))
        # the probe text with its answer highlighted
        P0 = probes[0][-1]
        toks = b.js("return [...document.querySelectorAll('#probe-text .tok')].map(t => [t.textContent, t.className])")
        report(len(toks) == len(P0["tokens"]) and "probe-answer" in toks[-1][1] and sum("probe-answer" in t[1] for t in toks) == 1,
               "the probe's text shows token by token with the answer (its last token) highlighted", str(toks[-3:]))
        check_probe(b, docs, 0, "probe 0")
        reads = b.js("return document.querySelectorAll('#probes .v-read').length")
        finds = b.js("return [...document.querySelectorAll('#probes .probe-finding')].filter(p => p.textContent.trim().length > 20).length")
        report(reads >= 4 and finds >= 3, "each part says in plain words how to read it and what it found", "%d how-to lines, %d findings" % (reads, finds))

        # hover: a read-out of step, depth, rank, probability and the top token there
        C = len(probes[0])
        tip = b.hover("#probe-lens-table td.probe-c[data-j='%d'][data-l='0']" % (C - 1))
        report("step" in tip and "rank" in tip and "probability" in tip and "top token" in tip and "embeddings" in tip,
               "hovering a lens cell reads out step, depth, rank, probability and the top token", tip[:160])
        b.js("document.getElementById('probes-title').scrollIntoView()")
        w, h = b.js("const r = document.getElementById('probe-heads-canvas').getBoundingClientRect(); return [r.width, r.height]")
        htip = b.hover("#probe-heads-canvas", (int(w / 2 - 10), -int(h / 2) + 8))
        report("L0 H0" in htip and "entropy" in htip and "nats" in htip, "hovering the heads heatmap reads out head, step and entropy", htip[:160])

        # click a cell: that checkpoint's lens top tokens at that depth
        b.click_on("#probe-lens-table td.probe-c[data-j='0'][data-l='1']")
        step0 = probes[0][0]["step"]
        got = wait_for(lambda: (lambda d: d if d == [str(step0), "1"] else None)(b.js("const c = document.getElementById('probe-cell'); return [c.dataset.step, c.dataset.layer]")), 3)
        top_rows = b.js("return document.querySelectorAll('#probe-cell-top tr').length")
        want_rows = len(probes[0][0]["lens"][1]["top"])
        report(bool(got) and top_rows == want_rows, "clicking a cell shows that checkpoint's top tokens at that depth", "%s, %d rows (API %d)" % (got, top_rows, want_rows))
        marked = b.js("return [...document.querySelectorAll('#probe-top-table tr.sel')].map(r => r.dataset.step)")
        report(marked == [str(step0)], "the selected checkpoint is marked in the table", str(marked))
        # the keyboard: arrows move the selection across the grid
        b.js("document.querySelector('#probe-lens-table td.probe-c.sel').focus()")
        active = b.d.switch_to.active_element
        active.send_keys(Keys.ARROW_RIGHT)
        active = b.d.switch_to.active_element
        active.send_keys(Keys.ARROW_UP)
        step1 = probes[0][1]["step"]
        got = wait_for(lambda: (lambda d: d if d == [str(step1), "2"] else None)(b.js("const c = document.getElementById('probe-cell'); return [c.dataset.step, c.dataset.layer]")), 3)
        focus = b.js("const a = document.activeElement; return a && a.dataset ? [a.dataset.j, a.dataset.l] : null")
        report(bool(got) and focus == ["1", "2"], "arrow keys move the selection (and the focus) across the grid", "%s, focus %s" % (got, focus))

        # the switch: rank instead of probability
        before = b.js("return document.querySelector('#probe-lens-table td.probe-c[data-l=\"0\"]').textContent")
        b.click_id("probe-mode-rank")
        mode = wait_for(lambda: b.lens("mode") == "rank", 3)
        texts = b.js("return [...document.querySelectorAll('#probe-lens-table td.probe-c')].map(c => c.textContent)")
        want = [str(s["lens"][l]["rank"] + 1) for l in range(len(probes[0][0]["lens"]) - 1, -1, -1) for s in probes[0]]
        pressed = b.js("return document.getElementById('probe-mode-rank').getAttribute('aria-pressed')")
        legend = b.js("return document.getElementById('probe-lens-legend').textContent")
        report(bool(mode) and pressed == "true" and texts == want and "rank" in legend,
               "the switch shows the answer's rank (1 = top) in the cells, with its legend", "before %r; %s vs %s" % (before, texts[:6], want[:6]))
        b.click_id("probe-mode-probability")
        wait_for(lambda: b.lens("mode") == "probability", 3)
        ticks = b.js("return [...document.querySelectorAll('#probe-lens-legend .v-ticks span')].map(s => s.textContent)")
        report(ticks == ["0", "0.25", "0.5", "0.75", "1"], "the probability legend has numbers", str(ticks))

        b.screenshot("probes-run-light")
        b.shot_element("probes", "probes-panel-light")
        b.check_console("on the run page with the probe timeline")

        # switch probe with the keyboard-reachable picker
        sel = b.d.find_element(By.ID, "probe-select")
        report(sel.tag_name == "select" and len(Select(sel).options) == len(probes), "a picker lists the probes", "%d options" % len(Select(sel).options))
        sel.send_keys(Keys.ARROW_DOWN)  # a native select: the arrow key changes it
        wait_for(lambda: b.probes("probe") == "1", 3)
        if b.probes("probe") != "1":
            Select(b.d.find_element(By.ID, "probe-select")).select_by_value("1")
        ans1 = probes[1][-1]["tokens"][-1]
        answer_tok = b.js("const t = document.querySelector('#probe-text .tok.probe-answer'); return t ? t.textContent : ''")
        report(b.probes("probe") == "1" and b.js("return document.activeElement && document.activeElement.id") == "probe-select",
               "the picker switches the probe and keeps the keyboard focus", "data-probe=%s" % b.probes("probe"))
        check_probe(b, docs, 1, "probe 1")
        report(answer_tok == shown_token(ans1), "probe 1's answer token is highlighted", "%r vs %r" % (answer_tok, ans1))

        # dark theme: the cells repaint
        light = b.js("return document.querySelector('#probe-lens-table td.probe-c').style.backgroundColor")
        b.toggle_theme()
        dark = wait_for(lambda: (lambda c: c if c != light else None)(b.js("return document.querySelector('#probe-lens-table td.probe-c').style.backgroundColor")), 3)
        report(bool(dark) and b.scheme() == "dark", "the theme switch repaints the lens cells", "%s → %s" % (light, dark))
        report((wait_for(lambda: b.canvas_ink("#probe-heads-canvas"), 3) or 0) > 50, "the heads heatmap draws in the dark theme")
        b.screenshot("probes-run-dark")
        b.shot_element("probes", "probes-panel-dark")
        b.check_console("on the dark run page")

        # live: resume the run for more steps while the page is open; new checkpoints come in without a reload
        if args.bin and args.runs_dir and args.resume_steps:
            before = int(b.probes("checkpoints") or 0)
            b.mark_loaded()
            resume_run(args, run_id, extra=["--threads", "1"])
            docs2 = api(base, "/api/runs/" + quote(run_id) + "/probes")
            C2 = len(by_probe(docs2)[1])
            grown = wait_for(lambda: b.probes("checkpoints") == str(C2), 20, 0.2)
            report(bool(grown) and C2 > before and b.not_reloaded(),
                   "the timeline follows the new checkpoints live (no reload)", "%d → %s checkpoints (API %d)" % (before, b.probes("checkpoints"), C2))
            if grown:
                check_probe(b, docs2, 1, "probe 1 after the resume")
            docs = docs2

        # a step link opens the inspect page on that checkpoint
        snaps = by_probe(docs)[1]
        step = snaps[len(snaps) // 2]["step"]
        # (the table is drawn anew as live updates land: the link is found again if it was redrawn meanwhile)
        selector = "#probe-top-table a.probe-step-link[data-step='%d']" % step
        href = b.d.find_element(By.CSS_SELECTOR, selector).get_attribute("href")
        b.click_css(selector)
        model = run_id + "@" + str(step)
        landed = wait_for(lambda: b.d.current_url.split("?")[0].endswith("/inspect") and b.wait_ready(0), 20)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
        chosen = wait_for(lambda: (lambda v: v if v == model else None)(b.js("const s = document.getElementById('model-select'); return s ? s.value : ''")), 10)
        report(bool(landed) and q.get("model") == [model] and chosen == model,
               "a step link lands on /inspect with that checkpoint selected", "%s; model-select=%s" % (href, chosen))
        prompt = b.js("const p = document.getElementById('prompt-input'); return p ? p.value : ''")
        report(snaps[-1]["text"].startswith(prompt) and len(prompt) > 0, "the inspect page gets the probe (less its answer) as the prompt", repr(prompt))
        phase = wait_for(lambda: b.js("const p = document.getElementById('inspect-page'); return p && ['shown', 'error'].includes(p.dataset.phase) ? p.dataset.phase : null"), 60)
        report(phase == "shown", "the inspect page looks inside the checkpoint on the probe", "phase=%s; errors: %s" % (phase, b.error_boxes()))
        b.screenshot("probes-inspect-dark")
        b.check_console("after following a step link")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
