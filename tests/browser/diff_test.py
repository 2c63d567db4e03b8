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
views/report-views.js's diffView: #diff-predictions (#diff-kl[data-kl], #diff-logit[data-a][data-b], #diff-top-a,
#diff-top-b), #diff-layers (#diff-dla-attention, #diff-dla-mlp with data-layers), #diff-heads (#diff-dla-heads and
#diff-attn-heads with data-rows, data-cols, data-cells: the cells painted; #diff-heads-top rows with data-layer and
data-head; #diff-head-zoom[data-state] with #diff-head-a, #diff-head-b, #diff-head-change), #diff-neurons
(#diff-neuron-table), #diff-glossary.
"""
import sys
import time
import urllib.parse

from browsing import (By, Keys, Page, Select, begin, browser_session, check_bundled, fetch, fetch_models_and_run, page_test_parser, quote as q, report,
                      start_browser, summary, wait_for)

PROMPT = "ROMEO:\nWhat light"  # the tiny character-level run reads any text of its alphabet
CHAT_PROMPT = "What is the capital of France?"  # the bundled chat model, compared with itself under another id
CONTRAST = {"prompt": "The Eiffel Tower is located in the city of", "target": " Paris", "contrast": " Rome"}
PANELS = ["diff-predictions", "diff-layers", "diff-heads", "diff-neurons"]


class Browser(Page):
    home = "/inspect"
    load_timeout, script_timeout = 60, 20
    screenshot_height, screenshot_settle = 6000, 0.8

    def page(self, key):
        return self.data("inspect-page", key)

    def heat(self, element_id):
        """A heat map's rows, columns and painted cells (drawn when it comes into view: brought there first)."""
        self.scroll_to("#" + element_id)
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

    def read(self):
        """What the comparison says the models read (#diff-prompt-text), and the chat switch; None while hidden."""
        return self.js("""const r = document.getElementById('diff-prompt-text');
            return r && !document.getElementById('diff-read').hidden ? {chat: r.dataset.chat, open: r.open,
              text: document.getElementById('diff-prompt-text-body').textContent, none: !!document.getElementById('diff-no-template'),
              summary: r.querySelector('summary').textContent, checked: document.getElementById('diff-chat').checked} : null""")

    def wait_diff(self, timeout=120):
        wait_for(lambda: self.page("diff") in ("done", "error", "cancelled"), timeout, 0.2)
        return self.page("diff")


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
        b.scroll_to("#" + fig)
        drawn = wait_for(lambda: b.js("""const n = document.getElementById(arguments[0]);
            return n && n.dataset.drawn === '1' ? [+n.dataset.layers, n.querySelectorAll('rect').length] : null""", fig), 5)
        report(bool(drawn) and drawn[0] == L and drawn[1] >= 2 * L, "per-layer DLA of a and b as paired bars (%s)" % fig, str(drawn))
    for fig in ["diff-dla-heads", "diff-attn-heads"]:
        got = b.heat(fig)
        report(got == [L, H, L * H], "an L \u00d7 H heat map of %s" % fig, "rows, cols, cells: %s for %d \u00d7 %d" % (got, L, H))
    ticks = b.js("return [...document.querySelectorAll('#diff-heads .v-ticks span')].map(s => s.textContent)") or []
    report(len(ticks) == 10 and ticks[2] == "0" and ticks[5] == "0", "both maps have a legend with numbers (the diverging one centred on 0)", ", ".join(ticks))
    zero = b.zero_colours("#diff-out .v-panel")
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


def check_sides(b, a, bb):
    """Model a and model b keep one colour and one name in every panel and legend of the comparison."""
    chips = b.js("""return [...document.querySelectorAll('.v-side')].map(n => ({k: n.textContent.trim(),
        colour: getComputedStyle(n).backgroundColor, name: n.title}))""") or []
    by = {k: [c for c in chips if c["k"] == k] for k in ("a", "b")}
    colours = {k: {c["colour"] for c in by[k]} for k in by}
    names = {k: {c["name"] for c in by[k] if c["name"]} for k in by}     # legend swatches carry no title
    report(len(by["a"]) >= 2 and len(by["b"]) >= 2 and len(colours["a"]) == 1 and len(colours["b"]) == 1 and colours["a"] != colours["b"],
           "a and b keep one colour each in every panel", "%d a chips %s, %d b chips %s" % (len(by["a"]), colours["a"], len(by["b"]), colours["b"]))
    report(names["a"] == {a} and names["b"] == {bb}, "a and b keep one name each (their model ids)", "a: %s, b: %s" % (names["a"], names["b"]))


def main():
    ap = page_test_parser("Browser test of the studio's model comparison (needs a running glassbox serve).", timeout=600)
    ap.add_argument("--run", required=True, help="a run (name or id) with three or more checkpoints")
    args, base = begin(ap)
    if not (got := fetch_models_and_run(base, args.run)):
        return 1
    models, run, run_id, steps = got
    if not report(len(steps) >= 3, "the run has three checkpoints or more", str(steps)):
        return 1
    first, last = "%s@%d" % (run_id, steps[0]), "%s@%d" % (run_id, steps[-1])
    got = fetch(base, "the server answers /api/diff", "/api/diff?a=%s&b=%s&prompt=%s" % (q(first), q(last), q(PROMPT)), timeout=120)
    if not got:
        return 1
    doc = got[0]
    report(all(k in doc for k in ["tokens", "a", "b", "kl_divergence", "dla_head_change", "attention_change", "heads", "neurons"]),
           "/api/diff answers with the diff document", ", ".join(sorted(doc)))
    bundled = check_bundled(models, needed=False)

    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1
    with browser_session(b):
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
        wait_for(lambda: b.js("return location.pathname === '/inspect'") and b.wait_ready(0), 20)
        picked = [b.field("diff-a"), b.field("diff-b"), b.field("diff-run")]
        report(b.page("tab") == "diff" and picked == ["%s@%d" % (run_id, steps[0]), "%s@%d" % (run_id, steps[1]), run_id] and b.page("diff") == "none"
               and b.js("return !!document.getElementById('diff-empty')"),
               "the link opens the compare tab with both checkpoints chosen", "tab=%s pickers=%s" % (b.page("tab"), picked))

        # the probe's link compares at once
        if probe:
            b.open(probe, theme="light")
            state = b.wait_diff()
            report(state == "done" and b.field("diff-a") == "%s@%d" % (run_id, steps[-2]), "the probe's link compares the two checkpoints on the probe",
                   "data-diff=%s; errors: %s" % (state, b.error_boxes()))

        # ------------------------------------------------------------ the empty tab: defaults, then a comparison typed in
        b.open("/inspect?tab=diff", theme="light")
        examples = b.js("return [...document.querySelectorAll('#diff-empty .ins-example')].map(e => e.dataset.run)") or []
        picked = [b.field("diff-a"), b.field("diff-b"), b.field("diff-run")]
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
        b.click_id("diff-btn")
        same = wait_for(lambda: b.js("return !!document.getElementById('diff-same')"), 3)
        report(bool(same) and not b.requests("/api/diff"), "a and b the same model: the form asks for two", "requests: %s" % b.requests("/api/diff"))
        b.js("document.getElementById('diff-run').value = arguments[0]; document.getElementById('diff-run').dispatchEvent(new Event('change'))", run_id)
        report([b.field("diff-a"), b.field("diff-b")] == [first, last], "choosing a run picks its first and last checkpoints again", str([b.field("diff-a"), b.field("diff-b")]))
        b.click_id("diff-swap")
        swapped = [b.field("diff-a"), b.field("diff-b")]
        b.click_id("diff-swap")
        report(swapped == [last, first], "the swap button exchanges a and b", str(swapped))

        b.fill("diff-prompt", PROMPT)
        t0 = time.time()
        b.click_id("diff-btn")
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
            check_sides(b, first, last)
        b.check_console("after a comparison")
        b.screenshot("diff-light")

        # ------------------------------------------------------------ the dark theme repaints the maps
        b.heat("diff-dla-heads")
        fills = lambda: b.js("return [...document.querySelectorAll('#diff-attn-heads rect')].map(r => r.getAttribute('fill')).join()")
        light = fills()
        b.toggle_theme()
        b.heat("diff-attn-heads")
        dark = wait_for(lambda: (lambda f: f if f != light else None)(fills()), 5)
        zero = b.zero_colours("#diff-out .v-panel", ["diverging"])
        report(bool(dark) and b.scheme() == "dark" and zero[0] == zero[1],
               "the theme switch repaints the maps, zero still the panel's colour", " / ".join(zero))
        b.screenshot("diff-dark")
        b.check_console("in the dark theme")
        b.toggle_theme()

        # ------------------------------------------------------------ what the models read; the chat template switch
        seen = b.read()
        report(bool(seen) and seen["checked"] and seen["chat"] == "0" and seen["text"] == PROMPT and seen["none"],
               "above the comparison, the text the models read (a has no chat template: the raw text, and it says so)", str(seen)[:200])
        report(len(reqs) == 1 and "chat=" not in reqs[0], "the chat template is the default: the request leaves chat out", str(reqs)[:160])
        b.click_id("diff-chat")
        raw = wait_for(lambda: b.requests("chat=0") and b.page("diff") == "done" and (lambda r: r if r and not r["checked"] and not r["none"] else None)(b.read()), 60, 0.2)
        addr = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
        report(bool(raw) and addr.get("chat") == ["0"] and "switched off" in raw["summary"],
               "the switch off compares on the raw text at once, and the address keeps chat=0", "%s | %s" % (b.d.current_url, raw and raw["summary"]))
        b.d.back()
        again = wait_for(lambda: b.page("diff") == "done" and (lambda r: r if r and r["checked"] and r["none"] else None)(b.read()), 60, 0.2)
        report(bool(again) and "chat=" not in b.d.current_url, "Back turns the switch on again and compares as before", b.d.current_url)
        b.check_console("after the chat template switch")

        # ------------------------------------------------------------ cancel (the answer held back, so that Cancel comes first)
        b.js("""const f = window.fetch; window.fetch = function (u, o) {
                  if (String(u).includes('/api/diff')) return new Promise((ok, no) => { const t = setTimeout(() => ok(f(u, o)), 4000);
                    if (o && o.signal) o.signal.addEventListener('abort', () => { clearTimeout(t); no(new DOMException('aborted', 'AbortError')); }); });
                  return f.apply(this, arguments); };""")
        b.fill("diff-target", "e")
        b.click_id("diff-btn")
        running = wait_for(lambda: b.page("diff") == "running" and b.js("return !!document.getElementById('diff-busy-cancel')"), 3)
        b.js("const c = document.getElementById('diff-busy-cancel'); if (c) c.click()")
        state = wait_for(lambda: (lambda s: s if s != "running" else None)(b.page("diff")), 5)
        report(bool(running) and state == "cancelled" and b.js("return !!document.getElementById('diff-cancelled')"),
               "Cancel stops a comparison and says so", "data-diff=%s" % state)
        # Back: the comparison before, from the address
        b.d.back()
        back = wait_for(lambda: b.page("diff") == "done" and b.field("diff-target") == "", 30, 0.2)
        report(bool(back), "Back shows the comparison before again", b.d.current_url)
        b.check_console("after cancelling")

        # the empty tab's example: the run's first and last checkpoints, on its first probe
        b.open("/inspect?tab=diff", theme="light")
        b.js("const x = document.querySelector('#diff-empty .ins-example[data-run]'); if (x) x.click()")
        state = b.wait_diff()
        report(state == "done" and bool((b.field("diff-prompt") or "").strip()) and [b.field("diff-a"), b.field("diff-b")] == [first, last],
               "the empty tab's example compares the run's first and last checkpoints on its probe", "data-diff=%s prompt=%r" % (state, b.field("diff-prompt")))

        # ------------------------------------------------------------ models that do not compare
        if bundled:
            b.open("/inspect?tab=diff&a=bundled&b=%s&prompt=%s" % (q(last), q("ROMEO:")), theme="light")
            b.expected.append("422")
            state = b.wait_diff(180)
            err = b.js("const e = document.querySelector('#diff-errors .error-box'); return e ? e.textContent : ''") or ""
            report(state == "error" and "cannot be compared" in err, "models of different shapes: a plain error", err[:200])
            b.check_console("after a refused comparison")

        # ------------------------------------------------------------ a chat model: compared in its chat template
        path = next((m.get("path") for m in models if m["id"] == "bundled"), None)
        twin = next((m["id"] for m in models if m["id"] != "bundled" and path and m.get("path") == path), None)  # serve --model <the bundled file>
        if bundled and twin:
            b.open("/inspect?tab=diff&a=bundled&b=%s&prompt=%s" % (q(twin), q(CHAT_PROMPT)), theme="light")
            state = b.wait_diff(180)
            seen = b.read() or {}
            text = seen.get("text", "")
            report(state == "done" and seen.get("chat") == "1" and seen.get("open") and text.startswith("<|im_start|>")
                   and (CHAT_PROMPT + "<|im_end|>") in text and text.endswith("<|im_start|>assistant\n"),
                   "a chat model is compared in its chat template by default, the templated text shown", repr(text)[:200])
            target = b.js("const t = document.querySelector('#diff-tokens .tok.target'); return t ? t.textContent : ''") or ""
            report(bool(target) and "im_end" not in target, "in the template the model answers rather than predicting the end of a turn", repr(target))
            b.screenshot("diff-chat-light")
            b.click_id("diff-chat")
            raw = wait_for(lambda: b.page("diff") == "done" and (lambda r: r if r and r["chat"] == "0" else None)(b.read()), 180, 0.2)
            target = b.js("const t = document.querySelector('#diff-tokens .tok.target'); return t ? t.textContent : ''") or ""
            report(bool(raw) and raw["text"] == CHAT_PROMPT, "switched off, the raw prompt", "%r -> %r" % (raw and raw["text"], target))
            b.check_console("comparing a chat model")

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
            b.screenshot_themes("inspect-contrast", between="document.getElementById('tokens').scrollIntoView()")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
