#!/usr/bin/env python3
"""Browser test of Glassbox Studio's model cards (/models/ID) and of the way in from a run's checkpoints, against a
running `glassbox serve`.

The caller starts the server over a runs folder holding a short run with several checkpoints
(tests/browser/run-model-test.sh does); this script only looks, through headless Chromium. It prints one line per
check and exits non-zero when any check fails. Every wait has a timeout, and a watchdog ends the whole script. The
bundled model's card needs the bundled SmolLM2 (scripts/fetch-model.sh).

    ~/.cache/glassbox-browser-venv/bin/python tests/browser/model_test.py --url http://127.0.0.1:8765 --run tiny \\
        [--screenshots DIR]

What the pages expose for it: the run page's loss chart (#chart-loss, data-marker-links) with one
a.chart-marker-link per checkpoint (data-step; it opens /inspect?model=RUN@STEP) and #checkpoint-table; the inspect
page's #model-select, #model-card-link and #inspect-page[data-phase]; the model page (pages/model-page.js) #model-page
[data-state], #size-class[data-class], .sc-item, #param-split, #arch-diagram, #arch-tree, #types-table, #weight-grid
td.wg-cell[data-name], #weight-metric, #weight-detail[data-name], #weight-dequant, canvas#weight-hist, #weights-table.
"""
import sys
import time
import urllib.parse

from browsing import (ActionChains, By, Keys, Page, Select, api, begin, browser_session, check_bundled, fetch_models_and_run, page_test_parser, quote, report,
                      start_browser, summary, wait_for)

PROMPT = "ROMEO:\nWhat light"  # the tiny character-level run reads any text


class Browser(Page):
    load_timeout, script_timeout = 60, 20
    screenshot_height, screenshot_settle = 6000, 0.8

    def state(self):
        return self.data("model-page", "state")

    def detail(self):
        return self.data("weight-detail", "name") or ""

    def click(self, element):
        """A real click in the middle of the element (scrolled to the middle of the window first)."""
        self.scroll_to(element)
        time.sleep(0.2)
        ActionChains(self.d).move_to_element(element).click().perform()

    def open_card(self, model_id, theme=None, timeout=180):
        ok = self.open("/models/" + quote(model_id), theme, timeout)
        wait_for(lambda: self.state() in ("shown", "error"), timeout, 0.2)
        return ok and self.state() == "shown"


def check_card(b, model_id, label, want_class, want_type, layers, theme_name):
    """The checks every model card passes; returns the number of heatmap cells."""
    shown = b.open_card(model_id, theme="light")
    report(shown, "the model card of %s is drawn" % label, "state=%s; errors: %s" % (b.state(), b.error_boxes()))
    if not shown:
        return 0
    card = api(b.base, "/api/models/" + quote(model_id) + "/card", timeout=300)
    cls = b.js("const n = document.getElementById('size-class'); return n ? n.dataset.class : ''")
    items = b.js("return [...document.querySelectorAll('.sc-item')].map(n => [n.dataset.class, n.classList.contains('on')])") or []
    report(cls == want_class == card["model"]["size_class"] and [c for c, on in items if on] == [want_class] and len(items) == 4,
           "%s: the size class (%s) is shown among the four, explained" % (label, want_class), "data-class=%s items=%s" % (cls, items))
    parts = b.js("return [...document.querySelectorAll('#param-split .ps-seg')].map(s => s.dataset.part)") or []
    report("attention" in parts and "mlp" in parts and "embedding" in parts, "%s: the parameters split into embedding, attention, MLP, norms" % label, ", ".join(parts))
    boxes = b.js("return document.querySelectorAll('#arch-diagram .af-box').length")
    tree = b.js("""const t = document.getElementById('arch-tree');
        return t ? {layers: t.querySelectorAll('details[data-path^="model/layers/"][data-depth="2"]').length,
                    open: t.querySelectorAll('details[open]').length, all: t.querySelectorAll('details').length,
                    top: (t.querySelector('summary .mt-count') || {}).textContent} : null""")
    report(boxes >= 6 and tree and tree["layers"] == layers and tree["open"] < tree["all"],
           "%s: the architecture diagram and a collapsible tree with a node per layer" % label, "boxes=%s tree=%s" % (boxes, tree))
    types = b.js("return [...document.querySelectorAll('#types-table tbody tr')].map(r => r.dataset.type)") or []
    report(want_type in types and sorted(types) == sorted(t["type"] for t in card["types"]), "%s: the weight types table" % label, ", ".join(types))
    cells = b.js("return document.querySelectorAll('#weight-grid td.wg-cell[data-name]').length") or 0
    in_layers = len([w for w in card["weights"] if w.get("layer") is not None])
    rows = b.js("return document.querySelectorAll('#weight-grid tbody tr').length")
    if not report(cells == in_layers and rows == layers and cells > 0, "%s: a layers × kind heatmap with a cell per weight matrix" % label,
                  "%s cells for %s matrices, %s rows" % (cells, in_layers, rows)):
        b.screenshot("model-%s-light" % theme_name)
        return cells

    # a cell, clicked: its histogram, its facts
    target = b.d.find_elements(By.CSS_SELECTOR, "#weight-grid tbody tr:last-child td.wg-cell[data-name]")[-1]
    name = target.get_attribute("data-name")
    b.click(target)
    got = wait_for(lambda: b.detail() == name, 3)
    b.js("document.getElementById('weight-hist').scrollIntoView({block: 'center'})")
    ink = wait_for(lambda: b.canvas_ink("#weight-hist"), 3) or 0
    facts = b.js("return [...document.querySelectorAll('#weight-detail .wd-fact dt')].map(d => d.textContent)") or []
    w = next(x for x in card["weights"] if x["name"] == name)
    bins = b.js("const c = document.getElementById('weight-hist'); return c ? c.dataset.bins : ''")
    report(bool(got) and ink > 200 and bins == str(len(w["histogram"]["counts"])) and all(f in facts for f in ["shape", "type", "bytes", "mean", "std", "min", "max"]),
           "%s: clicking a cell shows that matrix's histogram, shape, type, bytes, mean, std, min, max" % label,
           "%s: %s inked pixels, %s bins, facts %s" % (name, ink, bins, facts))
    dequant = b.js("return !!document.getElementById('weight-dequant')")
    report(dequant == (w["type"] not in ("F32", "F16", "BF16")), "%s: quantised weights say 'after dequantisation'" % label, "%s is %s" % (name, w["type"]))
    q = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
    report(q.get("weight") == [name], "%s: the address names the chosen weight" % label, b.d.current_url)
    # a hover on the histogram says how many weights fall in the bin
    tip = b.hover("#weight-hist", timeout=2)
    report("weights" in tip, "%s: hovering the histogram tells the count of a bin" % label, tip[:120])

    # the keyboard: arrows move within the grid, Enter shows the matrix
    first = b.d.find_element(By.CSS_SELECTOR, "#weight-grid tbody tr:first-child td.wg-cell[data-name]")
    b.click(first)
    first_name = first.get_attribute("data-name")
    b.js("arguments[0].focus()", first)
    below = b.js("const r = document.querySelector('#weight-grid tbody tr:nth-child(2) td.wg-cell[data-name]'); return r ? r.dataset.name : ''")
    right = b.js("const r = document.querySelector('#weight-grid tbody tr:nth-child(2) td.wg-cell[data-name] + td.wg-cell[data-name]'); return r ? r.dataset.name : ''")
    ActionChains(b.d).send_keys(Keys.ARROW_DOWN, Keys.ARROW_RIGHT, Keys.ENTER).perform()
    moved = wait_for(lambda: b.detail() == right, 2)
    report(bool(moved) and first_name != below, "%s: arrow keys and Enter pick a cell" % label, "%s → %s" % (first_name, b.detail()))
    # another statistic recolours the grid
    before = b.js("return document.querySelector('#weight-grid td.wg-cell[data-name]').style.background")
    Select(b.d.find_element(By.ID, "weight-metric")).select_by_value("std")
    after = wait_for(lambda: b.js("return document.getElementById('weight-grid').dataset.metric") == "std" and b.js(
        "return document.querySelector('#weight-grid td.wg-cell[data-name]').textContent"), 2)
    report(bool(after), "%s: the grid can show the standard deviation instead of the norm" % label, "first cell: %s → %s" % (before, after))
    Select(b.d.find_element(By.ID, "weight-metric")).select_by_value("norm")
    # the table of every weight: a row shows its histogram too
    trs = b.d.find_elements(By.CSS_SELECTOR, "#weights-table tbody tr[data-name]")
    report(len(trs) == len(card["weights"]), "%s: the table lists every weight tensor" % label, "%s rows for %s" % (len(trs), len(card["weights"])))
    if trs:
        pick = trs[0]
        b.click(pick.find_element(By.CSS_SELECTOR, ".wt-pick"))
        report(wait_for(lambda: b.detail() == pick.get_attribute("data-name"), 2), "%s: a table row shows its histogram" % label, b.detail())
    b.check_console("on the model card of " + label)
    b.screenshot("model-%s-light" % theme_name)

    # the dark theme repaints the grid
    light = b.js("return document.querySelector('#weight-grid td.wg-cell[data-name]').style.background")
    b.toggle_theme()
    dark = wait_for(lambda: (lambda c: c if c != light else None)(b.js("return document.querySelector('#weight-grid td.wg-cell[data-name]').style.background")), 3)
    report(bool(dark) and b.scheme() == "dark", "%s: the theme switch repaints the heatmap" % label, "%s → %s" % (light, dark))
    b.js("document.getElementById('weight-hist').scrollIntoView({block: 'center'})")
    report((wait_for(lambda: b.canvas_ink("#weight-hist"), 3) or 0) > 200, "%s: the histogram is drawn in the dark theme" % label)
    b.screenshot("model-%s-dark" % theme_name)
    b.check_console("on the dark model card of " + label)
    b.toggle_theme()
    if tree:
        b.js("document.getElementById('tree-expand').click()")
        opened = b.js("return document.querySelectorAll('#arch-tree details:not([open])').length")
        b.js("document.getElementById('tree-collapse').click()")
        closed = b.js("return document.querySelectorAll('#arch-tree details[open]').length")
        report(opened == 0 and closed == 1, "%s: Expand all and Collapse all" % label, "closed after expanding=%s, open after collapsing=%s" % (opened, closed))
    return cells


def main():
    ap = page_test_parser("Browser test of the studio's model cards and checkpoint links (needs a running glassbox serve).", timeout=600)
    ap.add_argument("--run", required=True, help="a run (name or id) with two or more checkpoints")
    args, base = begin(ap)
    if not (got := fetch_models_and_run(base, args.run)):
        return 1
    models, run, run_id, steps = got
    listed = [m for m in models if m.get("kind") == "checkpoint" and m.get("run") == run_id]
    if not report(len(steps) >= 2 and len(listed) == len(steps), "the run has checkpoints, each listed as a model",
                  "steps %s; models %s" % (steps, [m["id"] for m in listed])):
        return 1
    bundled = check_bundled(models, needed=False)

    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1
    with browser_session(b):
        # ------------------------------------------------------------ the run page: checkpoints on the loss curve
        ready = b.open("/runs/" + quote(args.run), theme="light")
        links = wait_for(lambda: (lambda n: n if n >= len(steps) else None)(int(b.js(
            "const c = document.getElementById('chart-loss'); return c ? +(c.dataset.markerLinks || 0) : 0") or 0)), 10) or 0
        hrefs = b.js("return [...document.querySelectorAll('#chart-loss a.chart-marker-link')].map(a => [+a.dataset.step, a.getAttribute('href'), a.getAttribute('aria-label')])") or []
        want = [[s, "/inspect?model=" + urllib.parse.quote("%s@%d" % (run_id, s), safe=""), None] for s in steps]
        report(ready and links == len(steps) and [h[:2] for h in hrefs] == [w[:2] for w in want] and all(h[2] for h in hrefs),
               "the loss chart marks each checkpoint with a link to the inspect page", "%s" % hrefs)
        marker = b.d.find_elements(By.CSS_SELECTOR, "#chart-loss a.chart-marker-link")[1]
        b.scroll_to(marker)
        time.sleep(0.3)
        tip = ""
        for _ in range(3):  # the pointer comes from elsewhere each time: the marker sees it enter
            ActionChains(b.d).move_to_element(b.d.find_element(By.ID, "run-name")).perform()
            ActionChains(b.d).move_to_element(marker).perform()
            tip = wait_for(lambda: (lambda t: t if "click to look inside" in t else None)(b.tooltip()), 2) or b.tooltip()
            if "click to look inside" in tip:
                break
        report("checkpoint at step %d" % steps[1] in tip and "click to look inside" in tip, "hovering a marker says what a click does", tip[:160])
        rows = b.js("return [...document.querySelectorAll('#checkpoint-table tbody tr')].map(r => [+r.dataset.step, r.querySelector('.ck-inspect').getAttribute('href'), r.querySelector('.ck-card').getAttribute('href')])") or []
        report([r[0] for r in rows] == steps and all(r[1].startswith("/inspect?model=") and r[2].startswith("/models/") for r in rows),
               "the checkpoint list has a row per checkpoint with Look inside and Model card", "%s" % rows[:2])
        b.screenshot("run-checkpoints-light")
        b.check_console("on the run page")

        # a click on the marker opens the inspect page on that checkpoint; the first parts run there
        ck = "%s@%d" % (run_id, steps[1])
        b.click(marker)
        landed = wait_for(lambda: b.js("return location.pathname === '/inspect' && document.body.dataset.ready === '1'"), 20)
        selected = b.js("const s = document.getElementById('model-select'); return s ? s.value : ''")
        report(bool(landed) and selected == ck, "clicking a checkpoint marker opens the inspect page with that checkpoint chosen",
               "%s; picker: %s" % (b.d.current_url, selected))
        card_link = b.js("const a = document.getElementById('model-card-link'); return a ? a.getAttribute('href') : ''")
        report(card_link == "/models/" + urllib.parse.quote(ck, safe=""), "the inspect page's Model card link follows the chosen model", card_link)
        box = b.d.find_element(By.ID, "prompt-input")
        box.send_keys("ROMEO:")
        box.send_keys(Keys.ENTER)
        wait_for(lambda: b.js("return document.getElementById('inspect-page').dataset.phase") in ("shown", "error"), 120, 0.2)
        phase = b.js("return document.getElementById('inspect-page').dataset.phase")
        b.js("const p = document.getElementById('logit-lens'); if (p) p.scrollIntoView()")
        lens = wait_for(lambda: b.js("return document.querySelectorAll('#lens-table tbody tr').length"), 10) or 0
        q = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
        report(phase == "shown" and lens >= 1 and q.get("model") == [ck], "the checkpoint runs on a prompt: the first parts are drawn",
               "phase=%s, %s lens rows, %s; errors: %s" % (phase, lens, b.d.current_url, b.error_boxes()))
        b.js("const c = document.getElementById('attr-busy-cancel'); if (c) c.click()")
        b.screenshot("inspect-checkpoint-light")
        b.check_console("on the inspect page of a checkpoint")

        # the keyboard: Tab reaches a marker, Enter follows it
        b.open("/runs/" + quote(args.run), theme="dark")
        wait_for(lambda: int(b.js("const c = document.getElementById('chart-loss'); return c ? +(c.dataset.markerLinks || 0) : 0") or 0) >= len(steps), 10)
        b.js("document.querySelector('#chart-loss canvas').focus()")
        ActionChains(b.d).send_keys(Keys.TAB).perform()
        focused = b.js("const a = document.activeElement; return a && a.classList.contains('chart-marker-link') ? +a.dataset.step : null")
        keytip = wait_for(lambda: (lambda t: t if "press Enter" in t else None)(b.tooltip()), 2) or b.tooltip()
        report("checkpoint at step %d" % steps[0] in keytip and "press Enter to look inside" in keytip, "a focused marker says what Enter does", keytip[:120])
        b.screenshot("run-checkpoints-dark")
        ActionChains(b.d).send_keys(Keys.ENTER).perform()
        went = wait_for(lambda: b.js("return location.pathname === '/inspect' && document.body.dataset.ready === '1'"), 20)
        selected = b.js("const s = document.getElementById('model-select'); return s ? s.value : ''")
        report(focused == steps[0] and bool(went) and selected == "%s@%d" % (run_id, steps[0]),
               "Tab from the loss chart reaches the first checkpoint marker and Enter opens it", "focused step %s; picker %s" % (focused, selected))
        # the card link follows a model chosen in the picker
        last = "%s@%d" % (run_id, steps[-1])
        Select(b.d.find_element(By.ID, "model-select")).select_by_value(last)
        link = b.d.find_element(By.ID, "model-card-link")
        report(link.get_attribute("href").endswith("/models/" + urllib.parse.quote(last, safe="")), "the Model card link follows the picker", link.get_attribute("href"))
        b.click(link)
        wait_for(lambda: b.state() in ("shown", "error"), 60, 0.2)
        crumbs = b.js("return [...document.querySelectorAll('.crumbs a')].map(a => a.getAttribute('href'))") or []
        report(b.state() == "shown" and b.js("return document.getElementById('model-page').dataset.model") == last and "/runs/" + run_id in crumbs,
               "the link opens that checkpoint's card, with a way back to its run", "%s; crumbs %s" % (b.d.current_url, crumbs))
        b.js("localStorage.removeItem('glassbox.theme')")

        # ------------------------------------------------------------ model cards
        check_card(b, "%s@%d" % (run_id, steps[-1]), "a checkpoint", "small", "F32", run["hyper_parameters"].get("layers") or 2, "checkpoint")
        if bundled:
            t0 = time.time()
            check_card(b, "bundled", "the bundled SmolLM2", "large", "Q4_1", 30, "bundled")
            print("     (the bundled card's page took %.1f s in all)" % (time.time() - t0), flush=True)

        # a model that is not there
        b.expected.append("404")
        b.open("/models/no-such-model", theme="light")
        wait_for(lambda: b.state() in ("shown", "error"), 20)
        err = b.js("const e = document.querySelector('.error-box'); return e ? e.textContent : ''") or ""
        report(b.state() == "error" and "no-such-model" in err, "a model that is not there gets a plain error", err[:160])
        b.check_console("on a missing model's page")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
