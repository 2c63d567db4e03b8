#!/usr/bin/env python3
"""Browser test of Glassbox Studio's pages against a running `glassbox serve`.

The caller starts the server and the trainings; this script only looks. It prints one line per check and exits
non-zero when any check fails. Every wait has a timeout, and a watchdog ends the whole script.

Needs Debian's chromium and chromium-driver (`apt-get install -y chromium chromium-driver`) and Selenium 4
(`python3 -m venv /root/.cache/glassbox-browser-venv && /root/.cache/glassbox-browser-venv/bin/pip install selenium`).

    /root/.cache/glassbox-browser-venv/bin/python tests/browser/studio_test.py \\
        --url http://127.0.0.1:8765 --screenshots /tmp/studio-shots --live-run live-c --runs small-a,small-b

What the pages expose for it: body[data-ready="1"] once a page's first data is drawn; the runs table
#runs-table with rows tr[data-run-id] holding input.select-run; #compare-btn; chart sections #chart-loss,
#chart-lr, #chart-grad_norm, #chart-throughput with data-points (points drawn), data-series (series with data),
data-checksum (a hash of the drawn line values) and data-live-points (points appended from the event stream);
the smoothing slider #smoothing; #run-legend .legend-chip per compared run; #hp-table tr.differs for
hyper-parameters that differ; #theme-toggle and html[data-theme].
"""
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from browsing import (API_ERRORS, ActionChains, By, Page, api, begin, browser_session, page_test_parser, report, start_browser, summary,
                      wait_for)


class Studio(Page):
    def chart(self, cid):
        return self.js("""
            const c = document.getElementById(arguments[0]);
            if (!c) return null;
            return {points: +c.dataset.points || 0, series: +c.dataset.series || 0, checksum: c.dataset.checksum || '',
                    live: +c.dataset.livePoints || 0, drawn: c.dataset.drawn === '1'};
        """, cid)

    def chart_ink(self, cid):
        """How many pixels of the chart's canvas differ from its background (a blank canvas has none): every 7th."""
        return self.canvas_ink("#%s canvas" % cid, threshold=60, every=7)


def resolve(base, spec):
    """A run's id and name from an id, a name or an id prefix (GET /api/runs/{run})."""
    r = api(base, "/api/runs/" + urllib.parse.quote(spec, safe=""))
    return r["id"], r["name"], r


def main():
    ap = page_test_parser("Browser test of Glassbox Studio (needs a running glassbox serve).", timeout=240)
    ap.add_argument("--live-run", required=True, help="a run that is recording now (id, name or id prefix)")
    ap.add_argument("--runs", required=True, help="two finished runs A,B with some differing hyper-parameter")
    args, base = begin(ap)
    specs = [s for s in args.runs.split(",") if s]
    if len(specs) < 2:
        print("FAIL arguments: --runs needs two runs, A,B")
        return 2

    # the server answers, and the runs exist
    try:
        runs = api(base, "/api/runs")
        a_id, a_name, _ = resolve(base, specs[0])
        b_id, b_name, _ = resolve(base, specs[1])
        live_id, live_name, live = resolve(base, args.live_run)
    except API_ERRORS as e:
        report(False, "server and runs", str(e))
        return 1
    report(True, "server and runs", "%d runs; A=%s B=%s live=%s (%s)" % (len(runs), a_name, b_name, live_name, live.get("status")))

    st = start_browser(Studio, base, args.screenshots)
    if not st:
        return 1
    with browser_session(st):
        # ------------------------------------------------------------ runs page
        ready = st.open("/", theme="light")
        report(ready, "runs page loads (data-ready)", "" if ready else "body[data-ready] never set; errors: %s" % st.error_boxes())
        ids = wait_for(lambda: st.js("return [...document.querySelectorAll('#runs-table tbody tr[data-run-id]')].map(r => r.dataset.runId)"), 5) or []
        missing = [n for i, n in [(a_id, a_name), (b_id, b_name), (live_id, live_name)] if i not in ids]
        report(not missing, "runs page lists the runs", "%d rows" % len(ids) if not missing else "missing: " + ", ".join(missing))
        badge = st.js("const r = document.querySelector('#runs-table tr[data-run-id=\"' + arguments[0] + '\"] .badge'); return r && r.dataset.status", live_id)
        report(badge == "live", "runs page shows the live run as live", "badge: %s" % badge)
        st.check_console("on the runs page")

        # theme toggle flips the theme and remembers it
        before = st.js("return document.documentElement.dataset.theme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')")
        st.toggle_theme()
        after = st.js("return document.documentElement.dataset.theme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')")
        stored = st.js("return localStorage.getItem('glassbox.theme')")
        report(before != after, "theme toggle switches the theme", "%s → %s (stored %s)" % (before, after, stored))
        st.toggle_theme()

        # ------------------------------------------------------------ run page of A
        ready = st.open_checked("/runs/" + urllib.parse.quote(a_id), "run page of %s loads (data-ready)" % a_name)
        for cid in ["chart-loss", "chart-lr", "chart-grad_norm", "chart-throughput"]:
            info = wait_for(lambda: (lambda c: c if c and c["points"] > 0 else None)(st.chart(cid)), 5) or st.chart(cid)
            ink = st.chart_ink(cid) if info else 0
            report(bool(info) and info["points"] > 0 and ink > 50, "run page draws " + cid,
                   "points=%s series=%s ink=%s" % (info and info["points"], info and info["series"], ink))
        loss = st.chart("chart-loss")
        report(bool(loss) and loss["series"] >= 2, "loss chart has train and val series", "series=%s" % (loss and loss["series"]))
        heat = wait_for(lambda: st.js("const h = document.getElementById('heatmap-grad-norm'); return h && +h.dataset.cells > 0 ? +h.dataset.cells : 0"), 5)
        report(bool(heat), "gradient-norm heatmap has cells", "cells=%s" % heat)

        # smoothing changes the drawn line
        before = st.chart("chart-loss")["checksum"]
        target = "0" if float(st.js("return document.getElementById('smoothing').value")) > 0.3 else "0.9"
        st.js("""const s = document.getElementById('smoothing'); s.value = arguments[0];
                 s.dispatchEvent(new Event('input', {bubbles: true})); s.dispatchEvent(new Event('change', {bubbles: true}));""", target)
        after = wait_for(lambda: (lambda c: c["checksum"] if c and c["checksum"] != before else None)(st.chart("chart-loss")), 5)
        report(bool(after), "moving the smoothing slider changes the drawn line", "checksum %s → %s (smoothing %s)" % (before, after, target))
        st.js("""const s = document.getElementById('smoothing'); s.value = '0.6'; s.dispatchEvent(new Event('input', {bubbles: true}));""")
        wait_for(lambda: st.chart("chart-loss")["checksum"] == before, 3)

        # clicking the loss chart shows the nearest text sample
        samples = st.js("const s = document.getElementById('samples'); return s ? +s.dataset.samples : 0")
        if samples:
            box = st.js("const r = document.querySelector('#chart-loss canvas').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]")
            st.js("window.scrollTo(0, 0)")
            canvas = st.d.find_element(By.CSS_SELECTOR, "#chart-loss canvas")
            ActionChains(st.d).move_to_element_with_offset(canvas, int(-box[2] * 0.3), 0).click().perform()
            step = wait_for(lambda: st.js("return document.getElementById('samples').dataset.step"), 3)
            report(bool(step), "clicking the loss chart picks a text sample", "sample at step %s" % step)
        st.check_console("on the run page")

        # ------------------------------------------------------------ compare (by ticking two runs)
        st.open("/", theme="light")
        st.js("localStorage.removeItem('glassbox.runs.selected')")
        st.open("/")
        for rid in (a_id, b_id):
            st.click_on('#runs-table tr[data-run-id="%s"] input.select-run' % rid)
        btn = st.d.find_element(By.ID, "compare-btn")
        enabled = wait_for(lambda: btn.is_enabled(), 3)
        report(bool(enabled), "ticking two runs enables Compare selected")
        btn.click()
        wait_for(lambda: "/compare" in st.d.current_url, 5)
        ready = st.wait_ready()
        report(ready and "/compare" in st.d.current_url, "compare page loads", st.d.current_url)
        chips = wait_for(lambda: st.js("return [...document.querySelectorAll('#run-legend .legend-chip')].map(c => c.dataset.runId)"), 5) or []
        report(a_id in chips and b_id in chips, "compare page lists both runs in the legend", ", ".join(chips))
        loss = wait_for(lambda: (lambda c: c if c and c["series"] >= 2 else None)(st.chart("chart-loss")), 5) or st.chart("chart-loss")
        report(bool(loss) and loss["series"] >= 2 and st.chart_ink("chart-loss") > 50, "compare page overlays both runs on the loss chart",
               "series=%s points=%s" % (loss and loss["series"], loss and loss["points"]))
        differs = st.js("return [...document.querySelectorAll('#hp-table tr.differs')].map(r => r.dataset.key)") or []
        report(len(differs) > 0, "compare page highlights the differing hyper-parameters", ", ".join(differs))
        st.check_console("on the compare page")
        compare_path = "/compare?runs=" + urllib.parse.quote(a_id) + "," + urllib.parse.quote(b_id)

        # ------------------------------------------------------------ live updates
        live_now = api(base, "/api/runs/" + urllib.parse.quote(live_id))
        if live_now.get("status") != "live":
            report(False, "live run is recording", "%s is %s" % (live_name, live_now.get("status")))
        else:
            ready = st.open_checked("/runs/" + urllib.parse.quote(live_id), "run page of the live run loads")
            start = st.chart("chart-loss") or {"points": 0, "live": 0}
            # the first point pushed by the event stream (training writes one every --log-interval steps)
            first = wait_for(lambda: (lambda c: c if c and c["live"] > 0 else None)(st.chart("chart-loss")), 30, 0.02)
            if not first:
                report(False, "live points arrive over the event stream", "no point in 30 s")
            else:
                t0 = time.time()
                grown = wait_for(lambda: (lambda c: c if c and c["points"] > start["points"] else None)(st.chart("chart-loss")), 3, 0.02)
                report(bool(grown), "the live loss chart grows within 3 s of the first streamed point",
                       "points %s → %s in %.2f s" % (start["points"], grown and grown["points"], time.time() - t0))
                # and keeps growing (a second point within a few seconds)
                n1 = (grown or first)["points"]
                more = wait_for(lambda: (lambda c: c if c and c["points"] > n1 else None)(st.chart("chart-loss")), 8, 0.05)
                report(bool(more), "the live loss chart keeps growing", "points %s → %s" % (n1, more and more["points"]))
            st.check_console("on the live run page")

        # ------------------------------------------------------------ a constant learning rate: flat, one tick
        st.open("/runs/" + urllib.parse.quote(b_id), theme="light")
        ticks = wait_for(lambda: st.js("const c = document.getElementById('chart-lr'); return c && c.dataset.drawn === '1' ? c.dataset.yTicks : null"), 5)
        labels = (ticks or "").split("|")
        report(ticks is not None and len(labels) == 1 and labels[0] == "0.003", "a constant learning rate has one tick at its value", "ticks: %s" % ticks)
        all_ticks = st.js("return [...document.querySelectorAll('[data-y-ticks]')].map(c => c.dataset.yTicks)") or []
        dup = [t for t in all_ticks if len(t.split("|")) != len(set(t.split("|")))]
        report(bool(all_ticks) and not dup, "no chart's axis shows one label twice", "%d charts; duplicated: %s" % (len(all_ticks), dup))

        # ------------------------------------------------------------ the charts' view lives in the address
        st.open("/runs/" + urllib.parse.quote(a_id) + "?from=40&to=120&x=relative&smoothing=0", theme="light")
        view = st.js("""return [document.getElementById('x-axis').value, document.getElementById('smoothing').value,
                                document.getElementById('reset-zoom').disabled]""")
        report(view == ["relative", "0", False], "a run page's address sets its charts' view (x axis, smoothing, zoom)", str(view))
        st.click_id("reset-zoom")
        unzoomed = wait_for(lambda: "from=" not in st.d.current_url and st.js("return document.getElementById('reset-zoom').disabled"), 5)
        st.d.back()
        rezoomed = wait_for(lambda: "from=40" in st.d.current_url and st.js("return !document.getElementById('reset-zoom').disabled"), 5)
        report(bool(unzoomed) and bool(rezoomed), "Reset zoom is a step Back undoes", "after Back: %s" % st.d.current_url)
        st.check_console("on the run page with its view in the address")

        # ------------------------------------------------------------ every model, and a page that is not there
        ready = st.open("/models", theme="light")
        count = st.js("const p = document.getElementById('models-page'); return p ? +p.dataset.count : -1")
        rows = st.js("""return [...document.querySelectorAll('#models-page tr.model-row')].map(r => ({id: r.dataset.model,
            links: [...r.querySelectorAll('.model-links a')].map(a => a.getAttribute('href'))}))""") or []
        ck = [r for r in rows if r["id"].startswith(a_id + "@")]
        report(ready and count == len(rows) and len(ck) >= 1, "the models page lists every model, the runs' checkpoints included",
               "%s models; %d checkpoints of %s" % (count, len(ck), a_name))
        want = ["/models/", "/inspect?model=", "/generate?model="]
        report(bool(ck) and all(any(l.startswith(w) for l in ck[0]["links"]) for w in want), "each model links its card, inspect and generate",
               str(ck[0]["links"] if ck else None))
        st.check_console("on the models page")
        try:
            urllib.request.urlopen(base + "/no/such/page", timeout=10)
            status = 200
        except urllib.error.HTTPError as e:
            status = e.code
        ready = st.open("/no/such/page", theme="light")
        back = st.js("const n = document.getElementById('not-found'); return n ? [...n.querySelectorAll('a')].map(a => a.getAttribute('href')) : null")
        report(status == 404 and ready and back is not None and "/" in back, "an unknown address is a 404 page with a way back",
               "status %s, links %s" % (status, back))
        # the browser logs the 404 itself (the page's own status): expected here, and only here
        rest = [p for p in st.console_problems() if "/no/such/page" not in p.get("message", "")]
        report(not rest, "no other console errors on the 404 page", "; ".join(p["message"][:200] for p in rest[:3]))

        # ------------------------------------------------------------ screenshots, light and dark
        st.screenshot_pages([("runs", "/"), ("run", "/runs/" + urllib.parse.quote(a_id)), ("compare", compare_path)])

    return summary()


if __name__ == "__main__":
    sys.exit(main())
