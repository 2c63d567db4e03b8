#!/usr/bin/env python3
"""Browser test of Glassbox Studio's inspect page (/inspect) against a running `glassbox serve`.

The caller starts the server (tests/browser/run-inspect-test.sh does, over a fresh runs folder); this script only
looks, through headless Chromium. It prints one line per check and exits non-zero when any check fails. Every wait
has a timeout, and a watchdog ends the whole script. Needs the bundled SmolLM2 (scripts/fetch-model.sh).

    /root/.cache/glassbox-browser-venv/bin/python tests/browser/inspect_test.py --url http://127.0.0.1:8765 \\
        [--screenshots DIR] [--checkpoint-run NAME]

Screenshots go to --screenshots, else $GLASSBOX_SCREENSHOTS, else .build/studio-screenshots.

What the page exposes for it (pages/inspect-page.js and panels/inspect/): #inspect-page with data-phase (empty | running | shown | error |
cancelled), data-attr (none | running | done | cancelled | error), data-patch and data-tab; the form #prompt-input,
#target-input, #steps-select, #model-select; #attr-busy (with #attr-busy-cancel) while the attributions compute,
#attr-cancelled after Cancel; the patch tab #tab-patch with #patch-clean, #patch-corrupted, #patch-answer,
#patch-wrong, #patch-btn, #patch-errors; and views/report-views.js's views: #lens-table, #head-grid .thumb, #head-zoom.open,
#head-view, #token-strip[data-attributed], #gap, #patch-residual-svg, #patch-heads-svg; the contribution graph
#graph-canvas (data-edges: the edges drawn, data-probe: a point on a strong attention edge and the prediction's node),
#graph-threshold, #graph-details[data-kind] with #graph-heads or #graph-lens and #graph-neurons, and the page's
data-graph (first | running | done | offered | ...); the glossary #glossary / #patch-glossary opened by .v-help
buttons; .v-read (how to read each panel); .v-hook (a hook name with its meaning); #patch-heads-top (the heads that
restore the most).
"""
import json
import re
import sys
import time
import urllib.parse

from browsing import (ActionBuilder, By, Keys, Page, bad_text, begin, browser_session, check_bundled, fetch, page_test_parser, report, start_browser,
                      summary, wait_for)

PROMPT = "The capital of France is"                 # 5 tokens: attributions in seconds, not minutes
PROMPT2 = "The capital of Germany is"               # submitted while PROMPT's attributions compute
PATCH = {"clean": "The capital of France is", "corrupted": "The capital of Italy is", "answer": " Paris", "wrong": " Rome"}
PATCH_UNEVEN = "The capital of the United Kingdom is"  # more tokens than the clean prompt: the server answers 422
# Over 128 tokens: the page offers the contribution graph instead of asking for it with the first parts.
LONG = ("The history of the city begins with a small fishing village on the river. Over the centuries, merchants and builders "
        "came from far away, and the village grew into a busy port with markets, churches and a great stone bridge. In the winter "
        "the river froze, and children skated on the ice while their parents traded wool, salt and wine. Later a university was "
        "founded, and scholars from many countries argued about stars, medicine and law in its halls. Wars came and went, the "
        "bridge fell twice, and each time the people built it again, a little wider and stronger than before. Today the old town "
        "is a quiet place, and visitors walk along the narrow streets to see the cathedral and the")  # 141 tokens in SmolLM2
# The terms the glossary must explain (views/report-views.js GLOSSARY keys).
TERMS = ["token", "logit", "probability", "lens", "residual", "head", "pattern", "dla", "ig", "baseline", "gap", "neuron",
         "patching", "restored", "graph"]


class Browser(Page):
    home = "/inspect"
    load_timeout, script_timeout, ready_timeout = 30, 20, 30
    # Panels draw when they come into view (next frames): a longer page and a longer pause than the run pages.
    screenshot_height, screenshot_settle = 6000, 0.8
    element_height, element_min_bytes = 2400, 10000  # the graph is taller than the window: the window grows for it

    def page(self, key):
        return self.data("inspect-page", key)

    def lens_rows(self, timeout=10):
        """Rows of the logit-lens table (the panel draws when it comes into view: brought there first)."""
        self.js("const p = document.getElementById('logit-lens'); if (p) p.scrollIntoView({block: 'start'})")
        return wait_for(lambda: self.js("return document.querySelectorAll('#lens-table tbody tr').length"), timeout) or 0

    def lens_cell_colour(self):
        return self.js("const c = document.querySelector('#lens-table tbody td'); return c ? c.style.backgroundColor : ''")

    def graph_edges(self):
        return int(self.js("const c = document.getElementById('graph-canvas'); return c ? +(c.dataset.edges || 0) : -1"))

    def set_threshold(self, value):
        """Moves the graph's threshold slider as a user would (an input event); returns the edges then drawn."""
        self.js("const s = document.getElementById('graph-threshold'); s.value = arguments[0]; s.dispatchEvent(new Event('input', {bubbles: true}))", value)
        return self.graph_edges()

    def click_canvas(self, element_id, x, y):
        """A real click at (x, y) in the element's own pixels: the point is scrolled to the middle of the window (and
        of a scrolling box around the element), then clicked at its place in the window."""
        at = self.js("""const c = document.getElementById(arguments[0]), x = arguments[1], y = arguments[2];
            const box = c.closest('.v-scroll');
            if (box) box.scrollLeft = Math.max(0, x - box.clientWidth / 2);
            const r0 = c.getBoundingClientRect();
            window.scrollBy(0, r0.top + y - innerHeight / 2);
            const r = c.getBoundingClientRect();
            return [Math.round(r.left + x), Math.round(r.top + y)];""", element_id, x, y)
        time.sleep(0.3)
        actions = ActionBuilder(self.d)
        actions.pointer_action.move_to_location(at[0], at[1]).click()
        actions.perform()


CHINESE = "注意力机制是什么？"


def check_chinese(b):
    """A Chinese prompt (most characters split over two or three byte-level tokens): the token strip, the lens and
    the attention grid's labels show its characters, no byte escape and no U+FFFD; every head's thumbnail says its
    layer and head, an order by a named statistic is offered and says which is in force."""
    ready = b.open("/inspect?model=bundled&steps=16&prompt=" + urllib.parse.quote(CHINESE), theme="light")
    wait_for(lambda: b.page("phase") in ("shown", "error"), 120, 0.25)
    strip = b.js("const s = document.getElementById('token-strip'); return s ? s.textContent : ''") or ""
    joined = "".join(strip.split())
    conts = b.js("return document.querySelectorAll('#token-strip .tok.tok-cont').length")
    report(ready and CHINESE in joined and not bad_text(strip) and conts > 0,
           "a Chinese prompt's tokens show its characters (split ones grouped), no byte escape or U+FFFD",
           "strip %r, %s continuation tokens" % (joined[:60], conts))
    b.lens_rows()
    lens_head = b.js("const t = document.querySelector('#lens-table thead'); return t ? t.textContent : ''") or ""
    report(bool(lens_head) and not bad_text(lens_head) and "注" in lens_head, "the logit lens names the prompt's characters", lens_head[:80])
    names = b.js("return [...document.querySelectorAll('#head-grid .v-head-name')].map(n => n.textContent)") or []
    thumbs = b.js("return document.querySelectorAll('#head-grid .thumb').length")
    report(len(names) == thumbs and thumbs > 0 and names[0] == "L0 H0" and len(set(names)) == len(names),
           "every attention thumbnail says its layer and head", "%d labels for %d thumbnails: %s" % (len(names), thumbs, names[:3]))
    before = names[:5]
    b.js("const s = document.getElementById('head-order'); s.value = 'entropy'; s.dispatchEvent(new Event('change', {bubbles: true}))")
    order = wait_for(lambda: b.js("const g = document.getElementById('head-grid'); return g && g.dataset.order === 'entropy' ? g.dataset.order : null"), 5)
    after = b.js("return [...document.querySelectorAll('#head-grid .v-head-name')].slice(0, 5).map(n => n.textContent)") or []
    note = b.text("head-order-note", trim=True) or ""
    report(order == "entropy" and after != before and "entropy" in note, "the thumbnails can be ordered by a named statistic, which the page names",
           "first heads %s → %s; note %r" % (before, after, note[:80]))
    b.js("const c = document.getElementById('attr-busy-cancel'); if (c) c.click()")
    wait_for(lambda: b.page("attr") in ("cancelled", "done", "error"), 10)
    b.screenshot("inspect-chinese-light")
    b.check_console("with a Chinese prompt")


def main():
    ap = page_test_parser("Browser test of the studio's inspect page (needs a running glassbox serve).", timeout=900)
    ap.add_argument("--checkpoint-run", default="", help="a run whose checkpoints the model picker must list as a group")
    ap.add_argument("--slow", type=int, default=300, help="seconds to wait for one attribution or patching request (default 300)")
    args, base = begin(ap)
    models = fetch(base, "server answers /api/models", "/api/models")
    if not models or not check_bundled(models[0]):
        return 1

    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1
    with browser_session(b):
        # ------------------------------------------------------------ the empty page
        ready = b.open_checked("/inspect", "inspect page loads (data-ready)")
        examples = b.js("return document.querySelectorAll('#inspect-empty .ins-example').length")
        report(b.page("phase") == "empty" and examples >= 3, "empty state explains the page with example prompts",
               "phase=%s examples=%s" % (b.page("phase"), examples))
        options = b.js("return [...document.querySelectorAll('#model-select option')].map(o => [o.value, o.parentNode.dataset.group || ''])")
        report(["bundled", "Bundled"] in [list(o) for o in options], "model picker lists the bundled model in its group", json.dumps(options)[:300])
        if args.checkpoint_run:
            groups = b.js("return [...document.querySelectorAll('#model-select optgroup')].map(g => g.label)")
            report(any(args.checkpoint_run in g for g in groups), "model picker groups the checkpoints of run " + args.checkpoint_run, ", ".join(groups))
        b.screenshot("inspect-empty-light")
        b.check_console("on the empty inspect page")

        # record the requests the page aborts (fetchJSON looks fetch up at each call)
        b.js("""const f = window.fetch; window.__aborted = []; window.__fetched = [];
                window.fetch = function (u) { window.__fetched.push(String(u)); const p = f.apply(this, arguments);
                  p.catch((e) => { if (e && e.name === 'AbortError') window.__aborted.push(String(u)); }); return p; };""")

        # Enter on an empty prompt asks for one; Shift+Enter adds a line and does not run
        box = b.d.find_element(By.ID, "prompt-input")
        box.send_keys(Keys.ENTER)
        asked = wait_for(lambda: b.js("return !!document.getElementById('prompt-missing')"), 3)
        report(asked and b.page("phase") == "empty", "Enter on an empty prompt asks for a prompt")
        box.send_keys("The capital of")
        box.send_keys(Keys.SHIFT, Keys.ENTER)
        time.sleep(0.3)
        value = b.js("return document.getElementById('prompt-input').value")
        report(value == "The capital of\n" and b.page("phase") == "empty", "Shift+Enter adds a line without running", repr(value))

        # ------------------------------------------------------------ type a prompt and press Enter
        box = b.type_into("prompt-input", PROMPT)
        t0 = time.time()
        box.send_keys(Keys.ENTER)
        shown = wait_for(lambda: b.page("phase") in ("shown", "error"), 60)
        first_s = time.time() - t0
        phase, attr = b.page("phase"), b.page("attr")
        report(phase == "shown", "Enter runs the prompt: the first parts are drawn", "phase=%s after %.1f s; errors: %s" % (phase, first_s, b.error_boxes()))
        url = b.d.current_url
        q = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        report(q.get("prompt") == [PROMPT] and q.get("model") == ["bundled"], "the address holds the model and the prompt", url)
        report(attr in ("running", "done") and (attr == "done" or b.js("return !!document.querySelector('#attr-busy .progress[role=progressbar]')")),
               "attributions computing after the first answer, with a progress bar", "attr=%s" % attr)
        if attr == "running":
            plan = b.js("const d = document.querySelector('#attr-busy .ins-busy-detail'); return d ? d.textContent : ''") or ""
            report("64 to 256 gradient evaluations" in plan and "completeness gap" in plan,
                   "the attributions say first how many gradient evaluations they may take", plan[:160])
        if attr == "running":
            plain = b.js("const s = document.getElementById('token-strip'); return s && s.dataset.attributed")
            report(plain == "0", "the prompt's tokens show before their attributions", "data-attributed=%s" % plain)
        rows = b.lens_rows()
        cells = b.js("return document.querySelectorAll('#lens-table tbody td').length")
        report(rows >= 2 and cells >= rows, "logit lens table is drawn", "%s rows, %s cells" % (rows, cells))
        thumbs = b.js("return document.querySelectorAll('#head-grid .thumb').length")
        # the first thumbnail itself into view (the grid is taller than the window; thumbnails paint as they come into view)
        b.js("const t = document.querySelector('#head-grid .thumb'); if (t) t.scrollIntoView({block: 'center'})")
        ink = wait_for(lambda: b.canvas_ink("#head-grid .thumb"), 5) or 0
        report(thumbs >= 2 and ink > 0, "attention grid with painted head thumbnails", "%s thumbnails, first has %s inked pixels" % (thumbs, ink))
        b.js("const g = document.getElementById('graph-canvas'); if (g) g.scrollIntoView({block: 'center'})")
        graph_ink = wait_for(lambda: b.canvas_ink("#graph-canvas"), 5) or 0
        report(b.page("graph") == "first" and b.graph_edges() > 0 and graph_ink > 0,
               "the contribution graph comes with the first parts and is drawn",
               "data-graph=%s, %s edges, %s inked pixels" % (b.page("graph"), b.graph_edges(), graph_ink))
        b.check_console("after the first answer")

        # ------------------------------------------------------------ a new prompt while the attributions compute
        if b.page("attr") == "running":
            box = b.type_into("prompt-input", PROMPT2)
            box.send_keys(Keys.ENTER)
            def dropped():
                urls = b.js("return window.__fetched") or []
                jobs = [urllib.parse.parse_qs(urllib.parse.urlparse(u).query).get("job", [""])[0] for u in urls
                        if "only=attributions" in u and urllib.parse.quote(PROMPT) in u]
                return [u for u in urls if "/api/cancel" in u and any(j and "job=" + j in u for j in jobs)]
            aborted = wait_for(dropped, 5) or []
            report(bool(aborted), "a new prompt aborts the running attributions (their job cancelled on the server)", "; ".join(aborted)[:200])
            new = wait_for(lambda: b.page("phase") == "shown" and "Germany" in (b.js(
                "const s = document.getElementById('token-strip'); return s ? s.textContent : ''") or ""), 120, 0.25)
            report(bool(new), "the new prompt's analysis replaces the old one", "phase=%s" % b.page("phase"))

        # ------------------------------------------------------------ the attributions arrive
        t1 = time.time()
        done = wait_for(lambda: b.page("attr") in ("done", "error", "cancelled"), args.slow, 0.25)
        attr = b.page("attr")
        report(attr == "done", "attributions arrive and colour the prompt", "attr=%s after %.0f s more; errors: %s" % (attr, time.time() - t1, b.error_boxes()))
        if attr == "done":
            strip = b.js("""const s = document.getElementById('token-strip');
                return s ? {attributed: s.dataset.attributed, colours: [...new Set([...s.querySelectorAll('.tok[data-pos]')].map(c => c.style.backgroundColor))].length} : null""")
            gap = b.js("const g = document.getElementById('gap'); return g ? g.textContent : ''")
            report(bool(strip) and strip["attributed"] == "1" and strip["colours"] >= 2 and "completeness gap" in gap,
                   "token strip is coloured and the completeness gap shown", "%s; %s" % (strip, gap))
            timing = b.js("const t = document.getElementById('inspect-timing'); return t ? t.textContent : ''")
            report("attributions in" in timing, "the page says how long each part took", timing)

        # ------------------------------------------------------------ the contribution graph
        b.js("document.getElementById('graph-canvas').scrollIntoView({block: 'center'})")
        at_default = b.graph_edges()
        ink_default = wait_for(lambda: b.canvas_ink("#graph-canvas"), 5) or 0  # drawn as it comes into view
        more = b.set_threshold("0.01")
        ink_more = wait_for(lambda: (lambda n: n if n != ink_default else None)(b.canvas_ink("#graph-canvas")), 3) or ink_default
        fewer = b.set_threshold("0.2")
        report(more > at_default > fewer >= 1 and ink_more != ink_default, "the threshold slider re-prunes the graph and redraws it",
               "edges at 0.01 / 0.04 / 0.2: %s / %s / %s; inked pixels %s -> %s" % (more, at_default, fewer, ink_default, ink_more))
        back_to = b.set_threshold("0.04")
        report(back_to == at_default, "the default threshold gives the same graph again", "%s edges" % back_to)
        probe = json.loads(b.js("return document.getElementById('graph-canvas').dataset.probe") or "{}")
        if probe.get("attention"):
            b.click_canvas("graph-canvas", *probe["attention"])
            heads = wait_for(lambda: b.js("""const d = document.getElementById('graph-details');
                return d && d.dataset.kind === 'attention' ? [...document.querySelectorAll('#graph-heads tr')].map(r => r.textContent) : null"""), 3) or []
            report(len(heads) >= 2 and all(re.match(r"L\d+ H\d+", h) for h in heads), "clicking an attention edge lists the heads behind it, ranked",
                   "; ".join(heads[:3]))
            name = b.js("const n = document.querySelector('#graph-heads button.v-link'); return n ? n.textContent : ''")
            b.js("document.querySelector('#graph-heads button.v-link').click()")
            opened = wait_for(lambda: b.js("const h = document.querySelector('#head-zoom.open h3'); return h ? h.textContent : ''"), 3) or ""
            m = re.match(r"L(\d+) H(\d+)", name or "")
            report(bool(m) and opened == "Layer %s, head %s" % m.groups(), "a head named in the graph opens in the attention panel", "%s -> %s" % (name, opened))
        else:
            report(False, "clicking an attention edge lists the heads behind it, ranked", "no attention edge to click: %s" % probe)
        b.click_canvas("graph-canvas", *probe.get("node", [0, 0]))
        node = wait_for(lambda: b.js("""const d = document.getElementById('graph-details');
            return d && d.dataset.kind === 'node' ? {lens: (document.getElementById('graph-lens') || {}).textContent || '',
              neurons: document.querySelectorAll('#graph-neurons tr').length, hook: (d.querySelector('.v-hook') || {}).textContent || ''} : null"""), 3)
        report(bool(node) and "Logit lens" in node["lens"] and node["neurons"] >= 1 and "residual stream" in node["hook"],
               "clicking a node shows its logit lens, its neurons and its hook in words", json.dumps(node)[:240])
        b.shot_element("contribution-graph", "graph-light")
        b.check_console("after using the contribution graph")

        # ------------------------------------------------------------ reading help: the glossary, how-to-read lines, zero is white
        gloss = b.js("""const g = document.getElementById('glossary');
            return g ? {open: g.open, terms: [...g.querySelectorAll('dt[data-term]')].map(d => d.dataset.term)} : null""")
        missing = [t for t in TERMS if not gloss or t not in gloss["terms"]]
        report(bool(gloss) and not gloss["open"] and not missing, "a closed glossary explains every term", "missing: %s" % missing if missing else "%d terms" % len(gloss["terms"]))
        b.js("document.querySelector('#logit-lens .v-help[data-term=\"lens\"]').click()")
        shown_term = wait_for(lambda: b.js("""const g = document.getElementById('glossary'), d = g && g.querySelector('dt[data-term="lens"]');
            if (!g || !g.open || !d) return false; const r = d.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight"""), 3)
        report(bool(shown_term), "a panel's ? button opens the glossary at its term")
        unread = b.js("return [...document.querySelectorAll('#inspect-out .v-panel:not(.v-glossary)')].filter(p => !p.querySelector(':scope > .v-read')).map(p => p.id)")
        report(not unread, "every panel has a plain-language line on how to read it", "without: %s" % unread)
        zero = b.zero_colours("#inspect-out .v-panel")
        report(zero[0] == zero[1] == zero[2], "a value of exactly 0 is drawn in the panel's colour", " / ".join(zero))
        ticks = b.js("return [...document.querySelectorAll('#logit-lens .v-ticks span')].map(s => s.textContent)")
        report(len(ticks) >= 3 and ticks[0] == "0" and ticks[-1] == "1", "colour scales carry numbers", ", ".join(ticks))

        # ------------------------------------------------------------ a head, enlarged
        b.click_on("#head-grid .thumb[data-head='1']")
        opened = wait_for(lambda: b.js("return !!document.querySelector('#head-zoom.open #head-view')"), 5)
        title = b.js("const h = document.querySelector('#head-zoom h3'); return h ? h.textContent : ''")
        hv_ink = wait_for(lambda: b.canvas_ink("canvas#head-view"), 3) or 0
        zoom_ink = b.canvas_ink("canvas#zoom-canvas")
        report(bool(opened) and "head 1" in title and hv_ink > 0 and zoom_ink > 0, "clicking a head opens its weights and head view",
               "%s (inked pixels: head view %s, weights %s)" % (title, hv_ink, zoom_ink))
        # keyboard: the next head with Enter on a focused thumbnail
        nxt = b.d.find_element(By.CSS_SELECTOR, "#head-grid .thumb[data-head='2']")
        b.js("arguments[0].focus()", nxt)
        nxt.send_keys(Keys.ENTER)
        title2 = wait_for(lambda: (lambda t: t if "head 2" in t else None)(b.js("const h = document.querySelector('#head-zoom h3'); return h ? h.textContent : ''")), 3)
        report(bool(title2), "Enter on a focused thumbnail opens that head", title2 or "")
        b.check_console("after opening a head")

        # ------------------------------------------------------------ light and dark
        b.screenshot("inspect-light")
        b.lens_rows()
        light_cell = b.lens_cell_colour()
        b.toggle_theme()
        scheme = b.scheme()
        b.lens_rows()  # a theme change redraws each panel as it next comes into view
        dark_cell = wait_for(lambda: (lambda c: c if c and c != light_cell else None)(b.lens_cell_colour()), 5) or b.lens_cell_colour()
        report(scheme == "dark" and light_cell != dark_cell, "the theme switch repaints the views", "%s: %s → %s" % (scheme, light_cell, dark_cell))
        b.screenshot("inspect-dark")
        b.shot_element("contribution-graph", "graph-dark")
        zero = b.zero_colours("#inspect-out .v-panel", ["diverging"])
        report(zero[0] == zero[1], "a value of exactly 0 is drawn in the dark panel's colour too", " / ".join(zero))
        b.check_console("in the dark theme")
        b.toggle_theme()

        # the address is the state: Back shows the previous prompt again, twice Back the empty page
        b.d.back()
        back = wait_for(lambda: b.page("phase") == "shown" and "France" in (b.js(
            "const s = document.getElementById('token-strip'); return s ? s.textContent : ''") or ""), 60, 0.2)
        report(back and b.js("return document.getElementById('prompt-input').value") == PROMPT, "Back shows the previous prompt's analysis", b.d.current_url)
        b.d.back()
        back = wait_for(lambda: b.page("phase") == "empty" and b.js("return !!document.getElementById('inspect-empty')"), 5)
        report(back, "Back again returns to the empty page", b.d.current_url)

        # ------------------------------------------------------------ patching
        b.click_id("tab-patch")
        on = wait_for(lambda: b.js("return !document.getElementById('patch-panel').hidden && document.getElementById('inspect-panel').hidden"), 3)
        report(on and b.page("tab") == "patch", "the Patch tab shows the patching form", b.d.current_url)
        b.type_into("patch-clean", PATCH["clean"])
        b.type_into("patch-corrupted", PATCH_UNEVEN)
        b.type_into("patch-answer", PATCH["answer"])
        b.type_into("patch-wrong", " London")
        b.expected.append("status of 422")  # the browser logs the refused request itself
        b.click_id("patch-btn")
        err = wait_for(lambda: b.js("const e = document.querySelector('#patch-errors .error-box'); return e ? e.textContent : ''"), args.slow)
        report(bool(err) and "tokens" in err and b.page("patch") == "error", "uneven prompts show the server's 422 message", (err or "")[:200])
        b.type_into("patch-corrupted", PATCH["corrupted"])
        b.type_into("patch-wrong", PATCH["wrong"])
        t2 = time.time()
        b.click_id("patch-btn")
        busy = wait_for(lambda: b.js("return !!document.querySelector('#patch-busy .progress')") or b.page("patch") == "done", 5)
        report(busy, "patching shows its progress")
        line = wait_for(lambda: b.js("const p = document.getElementById('patch-progress'); return p && p.dataset.total ? p.textContent : ''")
                        or (b.page("patch") in ("done", "error") and "(finished before a count)"), 60, 0.1)
        report(bool(line), "the scan's progress line counts the rows run", str(line)[:120])
        wait_for(lambda: b.page("patch") in ("done", "error"), args.slow, 0.25)
        figs = b.js("return ['patch-residual-svg', 'patch-heads-svg'].filter(id => document.getElementById(id)).length")
        report(b.page("patch") == "done" and figs == 2, "a patch draws the residual and head scans",
               "patch=%s figures=%s after %.0f s; errors: %s" % (b.page("patch"), figs, time.time() - t2, b.error_boxes()))
        groups = int(b.js("return document.getElementById('inspect-page').dataset.patchRows || '0'") or 0)
        report(groups >= 2 and not b.js("return !!document.getElementById('patch-pending')"),
               "the maps streamed in groups of layers and the finished scan has no pending cells", "groups of layers drawn: %d" % groups)
        q = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
        report(q.get("tab") == ["patch"] and q.get("answer") == [PATCH["answer"]], "the address holds the patch (a leading space kept)", b.d.current_url)
        ranked = b.js("""return [...document.querySelectorAll('#patch-heads-top tr')].map(r => [r.querySelector('.t').textContent, +r.querySelector('td.num:last-child').textContent])""") or []
        values = [v for _, v in ranked]
        report(len(ranked) == 10 and all(re.match(r"^L\d+ H\d+$", n) for n, _ in ranked) and values == sorted(values, reverse=True),
               "the ten heads that restore the most, ranked beside the heads map", "; ".join("%s %s" % (n, v) for n, v in ranked[:4]))
        b.js("document.querySelector('#patch-heads-top button.v-link').click()")
        marked = wait_for(lambda: b.js("return !!document.querySelector('#patch-heads-top tr.sel')"), 2)
        report(bool(marked), "a ranked head marks its cell")
        hooks = b.js("return [...document.querySelectorAll('#patch-out .v-hook')].map(h => h.textContent)") or []
        report(any("residual stream entering" in h for h in hooks) and any("head outputs" in h for h in hooks),
               "hook names come with their meaning", " | ".join(hooks))
        dupes = b.js("""const seen = new Set(), twice = new Set();
            for (const n of document.querySelectorAll('[id]')) { if (seen.has(n.id)) twice.add(n.id); seen.add(n.id); }
            return document.getElementById('patch-glossary') ? [...twice] : null""")
        report(dupes == [], "the patch view has its own glossary (no id twice on the page)", "twice: %s" % dupes)
        b.screenshot_themes("patch")
        b.check_console("on the patch tab")

        # ------------------------------------------------------------ cancel: a slow attribution (512 gradient points) from a link
        link = "/inspect?model=bundled&prompt=" + urllib.parse.quote(PROMPT) + "&steps=512"
        ready = b.open(link, theme="light")
        wait_for(lambda: b.page("phase") in ("shown", "error"), 60)
        running = wait_for(lambda: b.page("attr") == "running" and b.js("return !!document.getElementById('attr-busy-cancel')"), 10)
        steps = b.js("return document.getElementById('steps-select').value")
        report(bool(ready and running) and steps == "512", "a link with steps=512 reproduces the view and starts the attributions", "steps=%s attr=%s" % (steps, b.page("attr")))
        if running:
            plan = b.js("const d = document.querySelector('#attr-busy .ins-busy-detail'); return d ? d.textContent : ''") or ""
            report("512 to 2048 gradient evaluations" in plan, "the attributions' plan follows the steps setting", plan[:120])
            counted = wait_for(lambda: b.js("""const p = document.getElementById('attr-progress'), bar = document.querySelector('#attr-busy .progress');
                return p && p.dataset.part === 'attributions' && +p.dataset.fraction >= 0.05 ? {done: +p.dataset.done, total: +p.dataset.total,
                  fraction: +p.dataset.fraction, text: p.textContent, bar: bar.classList.contains('indeterminate') ? null : bar.getAttribute('aria-valuenow')} : null"""), 90, 0.25)
            report(bool(counted) and counted["total"] >= 512 and 0 < counted["done"] <= counted["total"] and counted["bar"] is not None
                   and re.search(r"attributions: \d+ of \d+ gradient evaluations \u00b7 .* so far \u00b7 about .* left", counted["text"]),
                   "the attributions' progress counts gradient evaluations, with a bar, the time so far and an estimate", counted["text"] if counted else "no count")
            b.click_id("attr-busy-cancel")
            cancelled = wait_for(lambda: b.page("attr") == "cancelled" and b.js("return !!document.getElementById('attr-cancelled')"), 5)
            text = b.js("const n = document.getElementById('attr-cancelled'); return n ? n.textContent : ''")
            report(bool(cancelled) and "cancelled" in text, "Cancel stops waiting and says so", text[:160])
            report(b.lens_rows() > 0 and b.js("return document.querySelectorAll('#head-grid .thumb').length") > 0, "the rest of the analysis stays after Cancel")
            b.screenshot("inspect-cancelled-light")
            report("gradient evaluations" in text and b.js("return !!document.getElementById('attr-retry')"),
                   "the cancelled attributions say how far they got and offer to compute them again", text[:160])
            b.click_id("attr-retry")
            again = wait_for(lambda: b.page("attr") == "running" and b.js("return !!document.getElementById('attr-busy-cancel')"), 10)
            report(bool(again), "Compute them starts the attributions again", "attr=%s" % b.page("attr"))
            b.js("const c = document.getElementById('attr-busy-cancel'); if (c) c.click()")
            wait_for(lambda: b.page("attr") == "cancelled", 5)
        b.check_console("after cancelling")

        # ------------------------------------------------------------ over 128 tokens: the graph is offered, not asked for
        ready = b.open("/inspect?model=bundled&steps=16&prompt=" + urllib.parse.quote(LONG), theme="light")
        wait_for(lambda: b.page("phase") in ("shown", "error"), 120, 0.25)
        offered = wait_for(lambda: b.page("graph") == "offered" and b.js("return !!document.getElementById('graph-compute')"), 5)
        tokens = b.js("return document.querySelectorAll('#token-strip .tok[data-pos]').length")
        report(bool(ready and offered) and tokens > 128, "a prompt over 128 tokens offers the contribution graph on a button",
               "data-graph=%s, %s tokens" % (b.page("graph"), tokens))
        b.js("const c = document.getElementById('attr-busy-cancel'); if (c) c.click()")  # the server drops the long attributions
        wait_for(lambda: b.page("attr") in ("cancelled", "done", "error"), 10)
        b.check_console("with a long prompt")

        # ------------------------------------------------------------ a Chinese prompt: characters, never bytes
        check_chinese(b)

        # the empty page in the dark theme
        ready = b.open("/inspect", theme="dark")
        report(ready and b.page("phase") == "empty" and b.scheme() == "dark", "the empty page in the dark theme")
        b.screenshot("inspect-empty-dark")
        b.check_console("on the dark empty page")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
