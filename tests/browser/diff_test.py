#!/usr/bin/env python3
"""Browser test of Glassbox Studio's model comparison (the inspect page's "Compare models" tab, /inspect?tab=diff)
and of the contrast field on its inspect tab, against a running `glassbox serve`.

The caller starts the server over a runs folder holding a short run with several checkpoints
(tests/browser/run-diff-test.sh does); this script only looks, through headless Chromium. It prints one line per
check and exits non-zero when any check fails. Every wait has a timeout, and a watchdog ends the whole script. The
contrast checks and the comparison of models of different shapes need the bundled SmolLM2 (scripts/fetch-model.sh).

    ~/.cache/glassbox-browser-venv/bin/python tests/browser/diff_test.py --url http://127.0.0.1:8765 --run tiny \\
        [--screenshots DIR]

What the pages expose for it: the run page's #checkpoint-table a.ck-diff (a row's "Compare with step PREV") and the
probe timeline's #probe-cell-diff; the inspect page's #inspect-page[data-diff] (none | running | done | error |
cancelled) and [data-tab], #tab-diff, #diff-run, #diff-a, #diff-b, #diff-swap, #diff-prompt, #diff-target,
#diff-btn, #diff-busy(-cancel), #diff-cancelled, #diff-same, #diff-errors, #diff-empty .ins-example[data-run]; and
report.js's GB.diffView: #diff-predictions (#diff-kl[data-kl], #diff-logit[data-a][data-b], #diff-top-a,
#diff-top-b), #diff-layers (#diff-dla-attention, #diff-dla-mlp with data-layers), #diff-heads (#diff-dla-heads and
#diff-attn-heads with data-rows, data-cols, data-cells: the cells painted; #diff-heads-top rows with data-layer and
data-head; #diff-head-zoom[data-state] with #diff-head-a, #diff-head-b, #diff-head-change), #diff-neurons
(#diff-neuron-table), #diff-glossary.
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse

from browsing import api, install_watchdog, Page, page_test_arguments, report, summary, wait_for

try:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
except ImportError:  # pragma: no cover (browsing.py says what is missing)
    sys.exit(2)

PROMPT = "ROMEO:\nWhat light"  # the tiny character-level run reads any text of its alphabet
CONTRAST = {"prompt": "The Eiffel Tower is located in the city of", "target": " Paris", "contrast": " Rome"}
PANELS = ["diff-predictions", "diff-layers", "diff-heads", "diff-neurons"]
q = lambda s: urllib.parse.quote(s, safe="")


class Browser(Page):
    home = "/inspect"

    def __init__(self, base, shots):
        super().__init__(base, shots, load_timeout=60, script_timeout=20)

    def screenshot(self, name):
        return super().screenshot(name, max_height=6000, settle=0.8)

    def page(self, key):
        return self.js("const p = document.getElementById('inspect-page'); return p ? p.dataset[arguments[0]] : null", key)

    def value(self, element_id):
        return self.js("const n = document.getElementById(arguments[0]); return n ? n.value : null", element_id)

    def heat(self, element_id):
        """A heat map's rows, columns and painted cells (drawn when it comes into view: brought there first)."""
        self.js("const n = document.getElementById(arguments[0]); if (n) n.scrollIntoView({block: 'center'})", element_id)
        return wait_for(lambda: self.js("""const n = document.getElementById(arguments[0]);
            return n && n.dataset.drawn === '1' && +n.dataset.cells > 0 ? [+n.dataset.rows, +n.dataset.cols, +n.dataset.cells] : null""", element_id), 5)

    def fill(self, element_id, text):
        """Types text into a field; a text with a newline is set directly (typed, the newline would be Enter: submit)."""
        box = self.d.find_element(By.ID, element_id)
        box.clear()
        if "\n" in text:
            self.js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}))", box, text)
        elif text:
            box.send_keys(text)
        return box

    def wait_diff(self, timeout=120):
        wait_for(lambda: self.page("diff") in ("done", "error", "cancelled"), timeout, 0.2)
        return self.page("diff")

    def record_requests(self):
        """Keeps the URL of every request the page makes from now on (fetchJSON looks fetch up at each call)."""
        self.js("""if (!window.__requests) { const f = window.fetch; window.__requests = [];
                   window.fetch = function (u) { window.__requests.push(String(u)); return f.apply(this, arguments); }; }""")

    def requests(self, part):
        return [u for u in (self.js("return window.__requests || []") or []) if part in u]


def check_compare(b, run_id, steps, doc):
    """The comparison of the run's first and last checkpoints, drawn: every panel with what the document holds."""
    L, H = len(doc["a"]["attention"]), len(doc["a"]["heads"][0])
    present = b.js("return arguments[0].filter(id => !document.getElementById(id))", PANELS)
    report(not present, "the comparison draws its four panels", "missing: %s" % present)
    unread = b.js("return [...document.querySelectorAll('#diff-out .v-panel:not(.v-glossary)')].filter(p => !p.querySelector(':scope > .v-read')).map(p => p.id)")
    report(not unread, "every comparison panel says in plain words how to read it", "without: %s" % unread)
    kl = b.js("const n = document.getElementById('diff-kl'); return n ? [+n.dataset.kl, n.textContent] : null")
    report(kl is not None and abs(kl[0] - doc["kl_divergence"]) <= 1e-6 * max(1, doc["kl_divergence"]) and "KL" in kl[1] and "nats" in kl[1],
           "the KL divergence of the two predictions is shown", "%s (the API: %s)" % (kl, doc["kl_divergence"]))
    logit = b.js("const n = document.getElementById('diff-logit'); return n ? [+n.dataset.a, +n.dataset.b, n.textContent] : null")
    report(logit is not None and abs(logit[0] - doc["a"]["logit"]) < 1e-4 and abs(logit[1] - doc["b"]["logit"]) < 1e-4 and "\u2192" in logit[2],
           "the target's logit in a and in b", str(logit))
    tops = b.js("return ['a', 'b'].map(k => document.querySelectorAll('#diff-top-' + k + ' tbody tr').length)")
    report(tops == [len(doc["a"]["top"]), len(doc["b"]["top"])], "both next-token distributions side by side", "rows %s" % tops)
    for fig in ["diff-dla-attention", "diff-dla-mlp"]:
        b.js("document.getElementById(arguments[0]).scrollIntoView({block: 'center'})", fig)
        drawn = wait_for(lambda: b.js("""const n = document.getElementById(arguments[0]);
            return n && n.dataset.drawn === '1' ? [+n.dataset.layers, n.querySelectorAll('rect').length] : null""", fig), 5)
        report(bool(drawn) and drawn[0] == L and drawn[1] >= 2 * L, "per-layer DLA of a and b as paired bars (%s)" % fig, str(drawn))
    for fig in ["diff-dla-heads", "diff-attn-heads"]:
        got = b.heat(fig)
        report(got == [L, H, L * H], "an L \u00d7 H heat map of %s" % fig, "rows, cols, cells: %s for %d \u00d7 %d" % (got, L, H))
    ticks = b.js("return [...document.querySelectorAll('#diff-heads .v-ticks span')].map(s => s.textContent)") or []
    report(len(ticks) == 10 and ticks[2] == "0" and ticks[5] == "0", "both maps have a legend with numbers (the diverging one centred on 0)", ", ".join(ticks))
    zero = b.js("""const card = getComputedStyle(document.querySelector('#diff-out .v-panel')).backgroundColor.replace(/ /g, '');
        return [GB.colorScale('diverging').css(0), GB.colorScale('sequential').css(0), card]""")
    report(zero[0] == zero[1] == zero[2], "a change of exactly 0 is drawn in the panel's colour", " / ".join(zero))
    ranked = b.js("return [...document.querySelectorAll('#diff-heads-top tbody tr')].map(r => [+r.dataset.layer, +r.dataset.head])") or []
    want = [[x["layer"], x["head"]] for x in doc["heads"]][:len(ranked)]
    report(len(ranked) == min(12, len(doc["heads"])) and ranked == want, "the heads whose attention moved most, ranked", str(ranked[:4]))
    neurons = b.js("return document.querySelectorAll('#diff-neuron-table tbody tr').length")
    report(neurons == len(doc["neurons"]) and neurons > 0, "the neurons that changed most, a \u2192 b", "%s rows" % neurons)
    helps = b.js("return [...document.querySelectorAll('#diff-out .v-help')].map(h => h.dataset.term)") or []
    b.js("document.querySelector('#diff-predictions .v-help[data-term=\"kl\"]').click()")
    opened = wait_for(lambda: b.js("const g = document.getElementById('diff-glossary'); return !!(g && g.open && g.querySelector('dt[data-term=\"kl\"]'))"), 3)
    report("kl" in helps and "checkpoint" in helps and bool(opened), "glossary links explain the KL divergence and checkpoints", ", ".join(sorted(set(helps))))
    b.js("document.getElementById('diff-glossary').open = false")

    # a head in the ranked list: its pattern in a, in b, and the difference
    if ranked:
        l, h = ranked[0]
        b.js("document.querySelector('#diff-heads-top tbody tr .v-link').click()")
        state = wait_for(lambda: (lambda s: s if s in ("shown", "error") else None)(b.js(
            "const z = document.getElementById('diff-head-zoom'); return z ? z.dataset.state : ''")), 60, 0.2)
        figs = b.js("return ['a', 'b', 'change'].map(k => { const f = document.getElementById('diff-head-' + k); return f ? +(f.dataset.cells || 0) : 0 })") or []
        marked = b.js("const p = document.getElementById('diff-heads'); return p ? p.dataset.marked : ''")
        T = len(doc["tokens"])
        report(state == "shown" and marked == "%d:%d" % (l, h) and all(n >= T * (T + 1) // 2 for n in figs),
               "clicking a ranked head shows its attention in a, in b and the difference", "state=%s marked=%s rects=%s" % (state, marked, figs))


def main():
    ap = argparse.ArgumentParser(description="Browser test of the studio's model comparison (needs a running glassbox serve).")
    ap.add_argument("--url", required=True, help="the studio, e.g. http://127.0.0.1:8765")
    ap.add_argument("--run", required=True, help="a run (name or id) with three or more checkpoints")
    page_test_arguments(ap, timeout=600)
    args = ap.parse_args()

    install_watchdog(args.timeout)

    base = args.url.rstrip("/")
    os.makedirs(args.screenshots, exist_ok=True)
    try:
        models = api(base, "/api/models")
        run = api(base, "/api/runs/" + q(args.run))
    except (urllib.error.URLError, OSError, ValueError) as e:
        report(False, "server answers /api/models and /api/runs/" + args.run, str(e))
        return 1
    run_id = run["id"]
    steps = sorted(c["step"] for c in run.get("checkpoints") or [])
    if not report(len(steps) >= 3, "the run has three checkpoints or more", str(steps)):
        return 1
    first, last = "%s@%d" % (run_id, steps[0]), "%s@%d" % (run_id, steps[-1])
    try:
        doc = api(base, "/api/diff?a=%s&b=%s&prompt=%s" % (q(first), q(last), q(PROMPT)), timeout=120)
    except (urllib.error.URLError, OSError, ValueError) as e:
        report(False, "the server answers /api/diff", str(e))
        return 1
    report(all(k in doc for k in ["tokens", "a", "b", "kl_divergence", "dla_head_change", "attention_change", "heads", "neurons"]),
           "/api/diff answers with the diff document", ", ".join(sorted(doc)))
    bundled = any(m.get("id") == "bundled" for m in models)
    report(bundled, "the bundled model is available", "" if bundled else "no bundled model (scripts/fetch-model.sh)")

    try:
        b = Browser(base, args.screenshots)
    except WebDriverException as e:
        report(False, "start headless chromium", str(e).splitlines()[0])
        return 1

    try:
        # ------------------------------------------------------------ the ways in: the run page's checkpoints and probes
        b.open("/runs/" + q(args.run), theme="light")
        links = wait_for(lambda: b.js("return [...document.querySelectorAll('#checkpoint-table a.ck-diff')].map(a => a.getAttribute('href'))") or None, 10) or []
        want = ["/inspect?tab=diff&a=%s&b=%s" % (q("%s@%d" % (run_id, p)), q("%s@%d" % (run_id, s))) for p, s in zip(steps, steps[1:])]
        report(links == want, "each checkpoint after the first links to a comparison with the one before", "%s" % links[:2])
        b.js("const p = document.getElementById('probes'); if (p) p.scrollIntoView()")
        probe = wait_for(lambda: b.js("const a = document.getElementById('probe-cell-diff'); return a ? a.getAttribute('href') : ''"), 15) or ""
        pq = urllib.parse.parse_qs(urllib.parse.urlparse(probe).query)
        report(pq.get("tab") == ["diff"] and pq.get("a") == ["%s@%d" % (run_id, steps[-2])] and pq.get("b") == [last] and bool(pq.get("prompt")),
               "the probe timeline links the newest checkpoint to a comparison with the one before, on the probe", probe[:160])
        b.check_console("on the run page")

        # a checkpoint row's link: the compare tab with both models chosen, waiting for a prompt
        b.js("document.querySelectorAll('#checkpoint-table a.ck-diff')[0].click()")
        wait_for(lambda: b.js("return location.pathname === '/inspect' && document.body.dataset.ready === '1'"), 20)
        picked = [b.value("diff-a"), b.value("diff-b"), b.value("diff-run")]
        report(b.page("tab") == "diff" and picked == ["%s@%d" % (run_id, steps[0]), "%s@%d" % (run_id, steps[1]), run_id] and b.page("diff") == "none"
               and b.js("return !!document.getElementById('diff-empty')"),
               "the link opens the compare tab with both checkpoints chosen", "tab=%s pickers=%s" % (b.page("tab"), picked))

        # the probe's link compares at once
        if probe:
            b.open(probe, theme="light")
            state = b.wait_diff()
            report(state == "done" and b.value("diff-a") == "%s@%d" % (run_id, steps[-2]), "the probe's link compares the two checkpoints on the probe",
                   "data-diff=%s; errors: %s" % (state, b.error_boxes()))

        # ------------------------------------------------------------ the empty tab: defaults, then a comparison typed in
        b.open("/inspect?tab=diff", theme="light")
        examples = b.js("return [...document.querySelectorAll('#diff-empty .ins-example')].map(e => e.dataset.run)") or []
        picked = [b.value("diff-a"), b.value("diff-b"), b.value("diff-run")]
        report(b.page("tab") == "diff" and picked == [first, last, run_id] and run_id in examples,
               "the compare tab starts on the first and the last checkpoint of a run", "pickers %s, examples %s" % (picked, examples))
        b.screenshot("diff-empty-light")
        b.record_requests()
        box = b.fill("diff-prompt", "")
        box.send_keys(Keys.ENTER)
        asked = wait_for(lambda: b.js("return !!document.getElementById('diff-prompt-missing')"), 3)
        report(bool(asked) and b.page("diff") == "none", "Enter on an empty prompt asks for one")
        # the same model twice: nothing to compare
        Select(b.d.find_element(By.ID, "diff-b")).select_by_value(first)
        b.fill("diff-prompt", PROMPT.split("\n")[0])
        b.d.find_element(By.ID, "diff-btn").click()
        same = wait_for(lambda: b.js("return !!document.getElementById('diff-same')"), 3)
        report(bool(same) and not b.requests("/api/diff"), "a and b the same model: the form asks for two", "requests: %s" % b.requests("/api/diff"))
        b.js("document.getElementById('diff-run').value = arguments[0]; document.getElementById('diff-run').dispatchEvent(new Event('change'))", run_id)
        report([b.value("diff-a"), b.value("diff-b")] == [first, last], "choosing a run picks its first and last checkpoints again", str([b.value("diff-a"), b.value("diff-b")]))
        b.d.find_element(By.ID, "diff-swap").click()
        swapped = [b.value("diff-a"), b.value("diff-b")]
        b.d.find_element(By.ID, "diff-swap").click()
        report(swapped == [last, first], "the swap button exchanges a and b", str(swapped))

        b.fill("diff-prompt", PROMPT)
        t0 = time.time()
        b.d.find_element(By.ID, "diff-btn").click()
        state = b.wait_diff()
        report(state == "done", "Compare runs the two checkpoints on the prompt", "data-diff=%s in %.1f s; errors: %s" % (state, time.time() - t0, b.error_boxes()))
        addr = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
        report(addr.get("tab") == ["diff"] and addr.get("a") == [first] and addr.get("b") == [last] and addr.get("prompt") == [PROMPT],
               "the address holds the comparison (tab=diff&a=&b=&prompt=)", b.d.current_url)
        reqs = b.requests("/api/diff")
        report(len(reqs) == 1 and "job=" in reqs[0], "one /api/diff request, with a job id", str(reqs))
        title = b.js("return document.getElementById('inspect-summary').textContent") or ""
        report(first in title and last in title and "compared in" in title, "the title line names a and b and the time taken", title[:160])
        if state == "done":
            check_compare(b, run_id, steps, doc)
        b.check_console("after a comparison")
        b.screenshot("diff-light")

        # ------------------------------------------------------------ the dark theme repaints the maps
        b.heat("diff-dla-heads")
        fills = lambda: b.js("return [...document.querySelectorAll('#diff-attn-heads rect')].map(r => r.getAttribute('fill')).join()")
        light = fills()
        b.d.find_element(By.ID, "theme-toggle").click()
        b.heat("diff-attn-heads")
        dark = wait_for(lambda: (lambda f: f if f != light else None)(fills()), 5)
        zero = b.js("""const card = getComputedStyle(document.querySelector('#diff-out .v-panel')).backgroundColor.replace(/ /g, '');
            return [GB.colorScale('diverging').css(0), card]""")
        report(bool(dark) and b.js("return document.documentElement.dataset.scheme") == "dark" and zero[0] == zero[1],
               "the theme switch repaints the maps, zero still the panel's colour", " / ".join(zero))
        b.screenshot("diff-dark")
        b.check_console("in the dark theme")
        b.d.find_element(By.ID, "theme-toggle").click()

        # ------------------------------------------------------------ cancel (the answer held back, so that Cancel comes first)
        b.js("""const f = window.fetch; window.fetch = function (u, o) {
                  if (String(u).includes('/api/diff')) return new Promise((ok, no) => { const t = setTimeout(() => ok(f(u, o)), 4000);
                    if (o && o.signal) o.signal.addEventListener('abort', () => { clearTimeout(t); no(new DOMException('aborted', 'AbortError')); }); });
                  return f.apply(this, arguments); };""")
        b.fill("diff-target", "e")
        b.d.find_element(By.ID, "diff-btn").click()
        running = wait_for(lambda: b.page("diff") == "running" and b.js("return !!document.getElementById('diff-busy-cancel')"), 3)
        b.js("const c = document.getElementById('diff-busy-cancel'); if (c) c.click()")
        state = wait_for(lambda: (lambda s: s if s != "running" else None)(b.page("diff")), 5)
        report(bool(running) and state == "cancelled" and b.js("return !!document.getElementById('diff-cancelled')"),
               "Cancel stops a comparison and says so", "data-diff=%s" % state)
        # Back: the comparison before, from the address
        b.d.back()
        back = wait_for(lambda: b.page("diff") == "done" and b.value("diff-target") == "", 30, 0.2)
        report(bool(back), "Back shows the comparison before again", b.d.current_url)
        b.check_console("after cancelling")

        # the empty tab's example: the run's first and last checkpoints, on its first probe
        b.open("/inspect?tab=diff", theme="light")
        b.js("const x = document.querySelector('#diff-empty .ins-example[data-run]'); if (x) x.click()")
        state = b.wait_diff()
        report(state == "done" and bool((b.value("diff-prompt") or "").strip()) and [b.value("diff-a"), b.value("diff-b")] == [first, last],
               "the empty tab's example compares the run's first and last checkpoints on its probe", "data-diff=%s prompt=%r" % (state, b.value("diff-prompt")))

        # ------------------------------------------------------------ models that do not compare
        if bundled:
            b.open("/inspect?tab=diff&a=bundled&b=%s&prompt=%s" % (q(last), q("ROMEO:")), theme="light")
            b.expected.append("422")
            state = b.wait_diff(180)
            err = b.js("const e = document.querySelector('#diff-errors .error-box'); return e ? e.textContent : ''") or ""
            report(state == "error" and "cannot be compared" in err, "models of different shapes: a plain error", err[:200])
            b.check_console("after a refused comparison")

        # ------------------------------------------------------------ the contrast field on the inspect tab
        if bundled:
            b.open("/inspect?model=bundled", theme="light")
            b.record_requests()
            b.fill("target-input", CONTRAST["target"])
            b.fill("contrast-input", CONTRAST["contrast"])
            Select(b.d.find_element(By.ID, "steps-select")).select_by_value("16")
            b.fill("prompt-input", CONTRAST["prompt"]).send_keys(Keys.ENTER)
            wait_for(lambda: b.page("phase") in ("shown", "error"), 180, 0.2)
            wait_for(lambda: b.page("attr") in ("done", "error", "cancelled"), 300, 0.3)
            reqs = b.requests("/api/inspect")
            report(b.page("attr") == "done" and len(reqs) >= 2 and all("contrast=%20Rome" in u for u in reqs),
                   "the inspect requests carry contrast=", "attr=%s; %s" % (b.page("attr"), [u[:120] for u in reqs]))
            addr = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
            report(addr.get("contrast") == [CONTRAST["contrast"]], "the address holds the contrast", b.d.current_url)
            sub = b.js("const p = document.getElementById('tokens'); return p ? p.querySelector('.v-sub').textContent + ' | ' + p.querySelector('.v-fig').textContent : ''") or ""
            report("rather than" in sub and "Rome" in sub and "Paris" in sub, "the attributions panel explains Paris rather than Rome", sub[:240])
            dla = b.js("const p = document.getElementById('dla'); return p ? p.querySelector('.v-sub').textContent : ''") or ""
            report("Rome" in dla and "Paris" in dla and "#" not in dla, "the direct logit attribution reads logit(Paris) \u2212 logit(Rome)", dla[:240])
            b.check_console("after a contrastive inspection")
            b.screenshot("inspect-contrast-light")
            b.js("document.getElementById('tokens').scrollIntoView()")
            b.d.find_element(By.ID, "theme-toggle").click()
            b.screenshot("inspect-contrast-dark")
            b.d.find_element(By.ID, "theme-toggle").click()
        b.js("localStorage.removeItem('glassbox.theme')")
    except WebDriverException as e:
        report(False, "browser", str(e).splitlines()[0] if str(e) else repr(e))
    finally:
        b.quit()

    return summary()


if __name__ == "__main__":
    sys.exit(main())
