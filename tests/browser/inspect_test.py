#!/usr/bin/env python3
"""Browser test of Glassbox Studio's inspect page (/inspect) against a running `glassbox serve`.

The caller starts the server (tests/browser/run-inspect-test.sh does, over a fresh runs folder); this script only
looks, through headless Chromium. It prints one line per check and exits non-zero when any check fails. Every wait
has a timeout, and a watchdog ends the whole script. Needs the bundled SmolLM2 (scripts/fetch-model.sh).

    /root/.cache/glassbox-browser-venv/bin/python tests/browser/inspect_test.py --url http://127.0.0.1:8765 \\
        [--screenshots DIR] [--checkpoint-run NAME]

Screenshots go to --screenshots, else $GLASSBOX_SCREENSHOTS, else .build/studio-screenshots.

What the page exposes for it (studio-inspect.js): #inspect-page with data-phase (empty | running | shown | error |
cancelled), data-attr (none | running | done | cancelled | error), data-patch and data-tab; the form #prompt-input,
#target-input, #steps-select, #model-select; #attr-busy (with #attr-busy-cancel) while the attributions compute,
#attr-cancelled after Cancel; the patch tab #tab-patch with #patch-clean, #patch-corrupted, #patch-answer,
#patch-wrong, #patch-btn, #patch-errors; and report.js's views: #lens-table, #head-grid .thumb, #head-zoom.open,
#head-view, #token-strip[data-attributed], #gap, #patch-residual-svg, #patch-heads-svg.
"""
import argparse
import json
import os
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from browsing import RESULTS, Page, api, report, wait_for

try:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.common.action_chains import ActionChains
except ImportError:  # pragma: no cover (browsing.py says what is missing)
    sys.exit(2)

PROMPT = "The capital of France is"                 # 5 tokens: attributions in seconds, not minutes
PROMPT2 = "The capital of Germany is"               # submitted while PROMPT's attributions compute
PATCH = {"clean": "The capital of France is", "corrupted": "The capital of Italy is", "answer": " Paris", "wrong": " Rome"}
PATCH_UNEVEN = "The capital of the United Kingdom is"  # more tokens than the clean prompt: the server answers 422


class Browser(Page):
    home = "/inspect"

    def __init__(self, base, shots):
        super().__init__(base, shots, load_timeout=30, script_timeout=20)

    def open(self, path, theme=None, timeout=30):
        return super().open(path, theme, timeout)

    def screenshot(self, name):
        # Panels draw when they come into view (next frames): a longer page and a longer pause than the run pages.
        return super().screenshot(name, max_height=6000, settle=0.8)

    def page(self, key):
        return self.js("const p = document.getElementById('inspect-page'); return p ? p.dataset[arguments[0]] : null", key)

    def canvas_ink(self, selector):
        """Pixels of a canvas that differ from its first pixel (a blank canvas has none)."""
        return self.js("""
            const c = document.querySelector(arguments[0]);
            if (!c || !c.width || !c.height) return 0;
            // read a copy: reading the page's own canvas back again and again makes Chrome warn in the console
            const copy = document.createElement('canvas');
            copy.width = c.width; copy.height = c.height;
            const g = copy.getContext('2d', {willReadFrequently: true});
            g.drawImage(c, 0, 0);
            const data = g.getImageData(0, 0, c.width, c.height).data;
            const r0 = data[0], g0 = data[1], b0 = data[2];
            let n = 0;
            for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - r0) + Math.abs(data[i + 1] - g0) + Math.abs(data[i + 2] - b0) > 30) n++;
            return n;
        """, selector)

    def lens_rows(self, timeout=10):
        """Rows of the logit-lens table (the panel draws when it comes into view: brought there first)."""
        self.js("const p = document.getElementById('logit-lens'); if (p) p.scrollIntoView({block: 'start'})")
        return wait_for(lambda: self.js("return document.querySelectorAll('#lens-table tbody tr').length"), timeout) or 0

    def lens_cell_colour(self):
        return self.js("const c = document.querySelector('#lens-table tbody td'); return c ? c.style.backgroundColor : ''")

    def type_into(self, element_id, text):
        box = self.d.find_element(By.ID, element_id)
        box.clear()
        box.send_keys(text)
        return box


def main():
    ap = argparse.ArgumentParser(description="Browser test of the studio's inspect page (needs a running glassbox serve).")
    ap.add_argument("--url", required=True, help="the studio, e.g. http://127.0.0.1:8765")
    ap.add_argument("--screenshots", default=os.environ.get("GLASSBOX_SCREENSHOTS") or ".build/studio-screenshots",
                    help="folder for the PNG screenshots (default $GLASSBOX_SCREENSHOTS or .build/studio-screenshots)")
    ap.add_argument("--checkpoint-run", default="", help="a run whose checkpoints the model picker must list as a group")
    ap.add_argument("--timeout", type=int, default=900, help="the whole script's limit in seconds (default 900)")
    ap.add_argument("--slow", type=int, default=300, help="seconds to wait for one attribution or patching request (default 300)")
    args = ap.parse_args()

    def watchdog(signum, frame):
        print("FAIL watchdog: the test ran past %d s" % args.timeout, flush=True)
        os._exit(3)
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(args.timeout)

    base = args.url.rstrip("/")
    os.makedirs(args.screenshots, exist_ok=True)
    try:
        models = api(base, "/api/models")
    except (urllib.error.URLError, OSError, ValueError) as e:
        report(False, "server answers /api/models", str(e))
        return 1
    bundled = [m for m in models if m.get("id") == "bundled"]
    if not report(bool(bundled), "the bundled model is available", ", ".join(m["id"] for m in models) or "no models (scripts/fetch-model.sh)"):
        return 1

    try:
        b = Browser(base, args.screenshots)
    except WebDriverException as e:
        report(False, "start headless chromium", str(e).splitlines()[0])
        return 1

    try:
        # ------------------------------------------------------------ the empty page
        ready = b.open("/inspect", theme="light")
        report(ready, "inspect page loads (data-ready)", "" if ready else "errors: %s" % b.error_boxes())
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
        b.js("""const f = window.fetch; window.__aborted = [];
                window.fetch = function (u) { const p = f.apply(this, arguments);
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
        report(attr in ("running", "done") and (attr == "done" or b.js("return !!document.querySelector('#attr-busy .progress.indeterminate')")),
               "attributions computing after the first answer, with a progress bar", "attr=%s" % attr)
        if attr == "running":
            plain = b.js("const s = document.getElementById('token-strip'); return s && s.dataset.attributed")
            report(plain == "0", "the prompt's tokens show before their attributions", "data-attributed=%s" % plain)
        rows = b.lens_rows()
        cells = b.js("return document.querySelectorAll('#lens-table tbody td').length")
        report(rows >= 2 and cells >= rows, "logit lens table is drawn", "%s rows, %s cells" % (rows, cells))
        thumbs = b.js("return document.querySelectorAll('#head-grid .thumb').length")
        b.js("const g = document.getElementById('head-grid'); if (g) g.scrollIntoView({block: 'center'})")
        ink = wait_for(lambda: b.canvas_ink("#head-grid .thumb"), 5) or 0
        report(thumbs >= 2 and ink > 0, "attention grid with painted head thumbnails", "%s thumbnails, first has %s inked pixels" % (thumbs, ink))
        b.check_console("after the first answer")

        # ------------------------------------------------------------ a new prompt while the attributions compute
        if b.page("attr") == "running":
            box = b.type_into("prompt-input", PROMPT2)
            box.send_keys(Keys.ENTER)
            aborted = wait_for(lambda: [u for u in (b.js("return window.__aborted") or []) if "only=attributions" in u], 5) or []
            report(any(urllib.parse.quote(PROMPT) in u for u in aborted), "a new prompt aborts the running attributions request", "; ".join(aborted)[:200])
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

        # ------------------------------------------------------------ a head, enlarged
        thumb = b.d.find_element(By.CSS_SELECTOR, "#head-grid .thumb[data-head='1']")
        b.js("arguments[0].scrollIntoView({block: 'center'})", thumb)
        thumb.click()
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
        b.d.find_element(By.ID, "theme-toggle").click()
        scheme = b.js("return document.documentElement.dataset.scheme")
        b.lens_rows()  # a theme change redraws each panel as it next comes into view
        dark_cell = wait_for(lambda: (lambda c: c if c and c != light_cell else None)(b.lens_cell_colour()), 5) or b.lens_cell_colour()
        report(scheme == "dark" and light_cell != dark_cell, "the theme switch repaints the views", "%s: %s → %s" % (scheme, light_cell, dark_cell))
        b.screenshot("inspect-dark")
        b.check_console("in the dark theme")
        b.d.find_element(By.ID, "theme-toggle").click()

        # the address is the state: Back shows the previous prompt again, twice Back the empty page
        b.d.back()
        back = wait_for(lambda: b.page("phase") == "shown" and "France" in (b.js(
            "const s = document.getElementById('token-strip'); return s ? s.textContent : ''") or ""), 60, 0.2)
        report(back and b.js("return document.getElementById('prompt-input').value") == PROMPT, "Back shows the previous prompt's analysis", b.d.current_url)
        b.d.back()
        back = wait_for(lambda: b.page("phase") == "empty" and b.js("return !!document.getElementById('inspect-empty')"), 5)
        report(back, "Back again returns to the empty page", b.d.current_url)

        # ------------------------------------------------------------ patching
        b.d.find_element(By.ID, "tab-patch").click()
        on = wait_for(lambda: b.js("return !document.getElementById('patch-panel').hidden && document.getElementById('inspect-panel').hidden"), 3)
        report(on and b.page("tab") == "patch", "the Patch tab shows the patching form", b.d.current_url)
        b.type_into("patch-clean", PATCH["clean"])
        b.type_into("patch-corrupted", PATCH_UNEVEN)
        b.type_into("patch-answer", PATCH["answer"])
        b.type_into("patch-wrong", " London")
        b.expected.append("status of 422")  # the browser logs the refused request itself
        b.d.find_element(By.ID, "patch-btn").click()
        err = wait_for(lambda: b.js("const e = document.querySelector('#patch-errors .error-box'); return e ? e.textContent : ''"), args.slow)
        report(bool(err) and "tokens" in err and b.page("patch") == "error", "uneven prompts show the server's 422 message", (err or "")[:200])
        b.type_into("patch-corrupted", PATCH["corrupted"])
        b.type_into("patch-wrong", PATCH["wrong"])
        t2 = time.time()
        b.d.find_element(By.ID, "patch-btn").click()
        busy = wait_for(lambda: b.js("return !!document.querySelector('#patch-busy .progress.indeterminate')") or b.page("patch") == "done", 5)
        report(busy, "patching shows its progress")
        wait_for(lambda: b.page("patch") in ("done", "error"), args.slow, 0.25)
        figs = b.js("return ['patch-residual-svg', 'patch-heads-svg'].filter(id => document.getElementById(id)).length")
        report(b.page("patch") == "done" and figs == 2, "a patch draws the residual and head scans",
               "patch=%s figures=%s after %.0f s; errors: %s" % (b.page("patch"), figs, time.time() - t2, b.error_boxes()))
        q = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
        report(q.get("tab") == ["patch"] and q.get("answer") == [PATCH["answer"]], "the address holds the patch (a leading space kept)", b.d.current_url)
        b.screenshot("patch-light")
        b.d.find_element(By.ID, "theme-toggle").click()
        b.screenshot("patch-dark")
        b.d.find_element(By.ID, "theme-toggle").click()
        b.check_console("on the patch tab")

        # ------------------------------------------------------------ cancel: a slow attribution (512 gradient points) from a link
        link = "/inspect?model=bundled&prompt=" + urllib.parse.quote(PROMPT) + "&steps=512"
        ready = b.open(link, theme="light")
        wait_for(lambda: b.page("phase") in ("shown", "error"), 60)
        running = wait_for(lambda: b.page("attr") == "running" and b.js("return !!document.getElementById('attr-busy-cancel')"), 10)
        steps = b.js("return document.getElementById('steps-select').value")
        report(bool(ready and running) and steps == "512", "a link with steps=512 reproduces the view and starts the attributions", "steps=%s attr=%s" % (steps, b.page("attr")))
        time.sleep(1.5)
        if running:
            b.d.find_element(By.ID, "attr-busy-cancel").click()
            cancelled = wait_for(lambda: b.page("attr") == "cancelled" and b.js("return !!document.getElementById('attr-cancelled')"), 5)
            text = b.js("const n = document.getElementById('attr-cancelled'); return n ? n.textContent : ''")
            report(bool(cancelled) and "cancelled" in text, "Cancel stops waiting and says so", text[:160])
            report(b.lens_rows() > 0 and b.js("return document.querySelectorAll('#head-grid .thumb').length") > 0, "the rest of the analysis stays after Cancel")
            b.screenshot("inspect-cancelled-light")
        b.check_console("after cancelling")

        # the empty page in the dark theme
        ready = b.open("/inspect", theme="dark")
        report(ready and b.page("phase") == "empty" and b.js("return document.documentElement.dataset.scheme") == "dark", "the empty page in the dark theme")
        b.screenshot("inspect-empty-dark")
        b.check_console("on the dark empty page")
        b.js("localStorage.removeItem('glassbox.theme')")
    except WebDriverException as e:
        report(False, "browser", str(e).splitlines()[0] if str(e) else repr(e))
    finally:
        b.quit()

    failed = RESULTS.count(False)
    print("%d passed, %d failed" % (len(RESULTS) - failed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
