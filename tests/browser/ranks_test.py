#!/usr/bin/env python3
"""Browser test of data-parallel runs in the studio against a running `glassbox serve`.

The caller trains a run on two ranks (mpirun -np 2), one on a single process, and a copy of the first as if it came
from another machine (another host and user, four ranks, one slow), and starts the server
(tests/browser/run-ranks-test.sh does); this script looks through headless Chromium and compares what the pages show
with GET /api/runs and the runs' scalars. It prints one line per check and exits non-zero when any check fails; every
wait has a timeout and a watchdog ends the whole script.

    ~/.cache/glassbox-browser-venv/bin/python tests/browser/ranks_test.py --url http://127.0.0.1:8765 \\
        --pair pair --solo solo --remote quad --remote-host gpu-box-2 --remote-user ana --remote-ranks 4 --slow-rank 3

What the pages expose for it: the runs table's th.col-ranks / th.col-host / th.col-user (their button.sort sorts),
cells .ranks-badge (a data-parallel run) and .ranks-one; the filters #run-filter, #hp-filter (its errors in
#hp-filter-hint), the selects #host-filter and #user-filter; on a run page #run-ranks ("N ranks (data-parallel)") and
#run-origin ("by USER on HOST"); the section #ranks (data-ranks, data-slowest, data-spread: how far the slowest rank's
mean throughput is below the fastest's, as a fraction) with the charts #chart-ranks and #chart-allreduce (data-series,
data-points, a .chart-legend), the readout #ranks-slowest, the bars #rank-bars li[data-rank] (.slowest) and
#allreduce-readout.
"""
import sys
import time
import urllib.parse

from browsing import (API_ERRORS, By, Keys, Page, Select, api, begin, browser_session, page_test_parser, quote, report, start_browser,
                      summary, wait_for)


class Browser(Page):
    def rows(self):
        """The names of the runs table's rows, top to bottom."""
        return self.js("return [...document.querySelectorAll('#runs-table tbody tr[data-run-id] .run-link')].map(a => a.textContent)")

    def wait_rows(self, want, timeout=5):
        got = wait_for(lambda: (lambda r: r if r == want else None)(self.rows()), timeout)
        return got == want, self.rows()

    def text(self, element_id):
        return super().text(element_id, trim=True)

    def chart(self, cid):
        return self.js("""
            const c = document.getElementById(arguments[0]);
            if (!c) return null;
            return {points: +c.dataset.points || 0, series: +c.dataset.series || 0, drawn: c.dataset.drawn === '1',
                    legend: [...c.querySelectorAll('.chart-legend .legend-item')].map(n => n.textContent.trim())};
        """, cid)

    def type_into(self, element_id, text):
        box = self.d.find_element(By.ID, element_id)
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.DELETE)
        if text:
            box.send_keys(text)


def series_mean(base, run_id, tag):
    """The mean of a series' points (each bucket weighs its count), from the server's buckets."""
    r = api(base, "/api/runs/%s/scalars?tag=%s&buckets=2000" % (quote(run_id), quote(tag)))
    pts = [(b["mean"], b["count"]) for b in r["buckets"] if b.get("mean") is not None]
    n = sum(c for _, c in pts)
    return sum(m * c for m, c in pts) / n if n else None


def origin(run):
    """What the run page's header should say about who trained the run, and where."""
    parts = (["by " + run["user"]] if run.get("user") else []) + (["on " + run["host"]] if run.get("host") else [])
    return " ".join(parts) or None


def check_run_page(b, base, run, where, slow_rank=None):
    """The header's ranks fact and origin, and the Ranks section: one line per rank, the slowest named, the all-reduce."""
    n = run.get("ranks") or len([t for t in run.get("tags", []) if t.startswith("rank/")]) or 1
    b.open_checked("/runs/" + quote(run["id"]), "%s: the run page loads" % where)
    report(b.text("run-ranks") == "%d ranks (data-parallel)" % n, "%s: the header says %d ranks (data-parallel)" % (where, n), repr(b.text("run-ranks")))
    report(b.text("run-origin") == origin(run), "%s: the header says who trained it and where" % where, "%r, want %r" % (b.text("run-origin"), origin(run)))
    state = wait_for(lambda: (lambda c: c if c and c["drawn"] and c["series"] == n else None)(b.chart("chart-ranks")), 10) or b.chart("chart-ranks")
    report(b.data("ranks", "ranks") == str(n) and state and state["series"] == n and state["points"] >= n * 4,
           "%s: the Ranks section draws one throughput line per rank" % where, "data-ranks=%s chart %s" % (b.data("ranks", "ranks"), state))
    legend = (state or {}).get("legend", [])
    report(legend == ["rank %d" % r for r in range(n)], "%s: the legend names rank 0 … rank %d" % (where, n - 1), str(legend))
    share = b.chart("chart-allreduce")
    readout = b.text("allreduce-readout") or ""
    report(share and share["drawn"] and share["points"] >= 4 and "%" in readout and "All-reduce" in readout,
           "%s: the all-reduce share is drawn and read out as a percentage" % where, "chart %s; %r" % (share, readout))
    extra = b.js("return [...document.querySelectorAll('[data-chart]')].map(n => n.dataset.chart).filter(k => /^more:(rank\\/|train\\/allreduce_share)/.test(k))")
    report(extra == [], "%s: the per-rank tags and the all-reduce share are not repeated in More scalars" % where, str(extra))

    # the slowest rank, against the server's numbers
    tags = [t for t in api(base, "/api/runs/" + quote(run["id"]))["tags"] if t.startswith("rank/")]
    means = {int(t.split("/")[1]): series_mean(base, run["id"], t) for t in tags}
    slow = min(means, key=means.get)
    fast = max(means, key=means.get)
    gap = (means[fast] - means[slow]) / means[fast]
    verdict = b.text("ranks-slowest") or ""
    bars = b.js("return [...document.querySelectorAll('#rank-bars li[data-rank]')].map(n => [+n.dataset.rank, n.classList.contains('slowest')])")
    spread = b.data("ranks", "spread")
    report(b.data("ranks", "slowest") == str(slow) and spread is not None and abs(float(spread) - gap) < 0.005 and len(bars) == n,
           "%s: the readout finds the slowest rank and how far below the fastest it is" % where,
           "page: rank %s, %s; API: rank %d, %.4f; %d bars" % (b.data("ranks", "slowest"), spread, slow, gap, len(bars)))
    if slow_rank is not None:
        report(slow == slow_rank and verdict.startswith("Slowest: rank %d" % slow_rank) and "% below the fastest" in verdict
               and [r for r, s in bars if s] == [slow_rank],
               "%s: rank %d is named the slowest, at a glance" % (where, slow_rank), "%r; bars marked slowest: %s" % (verdict, [r for r, s in bars if s]))
        px = b.colour_pixels("#chart-ranks canvas", n)
        report(px and all(v > 30 for v in px), "%s: every rank's line is drawn in its own colour" % where, "pixels per rank colour: %s" % px)
    b.check_console("on the %s run page" % where)


def check_runs_table(b, args, pair, solo, remote, names, local_host):
    """The Ranks, Host and User columns, sorting, the filters by ranks, host and user, the Host and User selects."""
    b.open("/", theme="light")
    b.js("localStorage.removeItem('glassbox.runs.columns'); localStorage.removeItem('glassbox.runs.sort')")
    ready = b.open("/", theme="light")
    wait_for(lambda: len(b.rows()) >= 3, 10)
    report(ready and sorted(b.rows()) == sorted(names), "the runs page lists the three runs", str(b.rows()))
    heads = b.js("return ['ranks', 'host', 'user'].map(k => { const th = document.querySelector('#runs-table th.col-' + k); return th ? th.textContent.trim() : null; })")
    if not report(heads == ["Ranks", "Host", "User"], "Ranks, Host and User are shown (a data-parallel run, two hosts, two users)", str(heads)):
        return
    cells = b.js("""return Object.fromEntries([...document.querySelectorAll('#runs-table tbody tr[data-run-id]')].map(tr => {
        const i = [...tr.closest('table').querySelectorAll('thead th')].findIndex(th => th.classList.contains('col-ranks'));
        const td = tr.children[i];
        return [tr.querySelector('.run-link').textContent, [td.textContent.trim(), !!td.querySelector('.ranks-badge')]]; }))""")
    report(cells.get(solo["name"]) == ["1", False] and cells.get(pair["name"]) == ["2 ranks", True]
           and cells.get(remote["name"]) == ["%d ranks" % args.remote_ranks, True],
           "the Ranks cells: 1 plain, a badge for N ranks", str(cells))
    hosts = b.js("""return [...document.querySelectorAll('#runs-table tbody tr[data-run-id]')].map(tr => {
        const ths = [...tr.closest('table').querySelectorAll('thead th')];
        const at = (k) => tr.children[ths.findIndex(th => th.classList.contains('col-' + k))].textContent.trim();
        return [tr.querySelector('.run-link').textContent, at('host'), at('user')]; })""")
    report([remote["name"], args.remote_host, args.remote_user] in hosts and [pair["name"], local_host, pair.get("user") or "–"] in hosts,
           "the Host and User cells", str(hosts))

    # sorting by ranks, both ways
    b.d.find_element(By.CSS_SELECTOR, "#runs-table th.col-ranks button.sort").click()
    ok_up, up = b.wait_rows(names)
    b.d.find_element(By.CSS_SELECTOR, "#runs-table th.col-ranks button.sort").click()
    ok_down, down = b.wait_rows(names[::-1])
    report(ok_up and ok_down, "sorting by Ranks orders the runs by their ranks, both ways", "up %s, down %s" % (up, down))

    # the hyper-parameter filter takes ranks, host and user
    for text, want in [("ranks>1", [remote["name"], pair["name"]]), ("host=" + args.remote_host, [remote["name"]]),
                       ("user=" + args.remote_user, [remote["name"]]), ("ranks=1", [solo["name"]]), ("ranks>=2 host=" + str(local_host), [pair["name"]])]:
        b.type_into("hp-filter", text)
        ok, got = b.wait_rows(want)
        report(ok, "the filter %r shows %s" % (text, want), "rows %s" % got)
    b.type_into("hp-filter", "rnks>1")
    hint = wait_for(lambda: (lambda t: t if "rnks" in t else None)(b.text("hp-filter-hint") or ""), 3) or ""
    report(all(k in hint for k in ("ranks", "host", "user")), "an unknown key's hint lists ranks, host and user among the keys", hint[:200])
    placeholder = b.js("return document.getElementById('hp-filter').placeholder")
    report("ranks" in placeholder, "the filter's placeholder shows a ranks condition", repr(placeholder))
    b.type_into("hp-filter", "")
    b.wait_rows(names[::-1])

    # the free-text search matches the host
    b.type_into("run-filter", args.remote_host[:-1])
    ok, got = b.wait_rows([remote["name"]])
    report(ok, "the search matches the host", "rows %s" % got)
    b.type_into("run-filter", "")
    b.wait_rows(names[::-1])

    # the Host and User selects, kept in the URL
    shown = b.js("return ['host-filter', 'user-filter'].map(id => { const s = document.getElementById(id); return !!s && s.offsetParent !== null; })")
    options = b.js("return [...document.querySelectorAll('#host-filter option')].map(o => o.value)")
    report(shown == [True, True] and options[:1] == [""] and sorted(options[1:]) == sorted([args.remote_host, local_host]),
           "the Host and User quick filters are offered (All and each host)", "shown %s, host options %s" % (shown, options))
    Select(b.d.find_element(By.ID, "host-filter")).select_by_value(args.remote_host)
    ok, got = b.wait_rows([remote["name"]])
    url = b.d.current_url
    report(ok and "host=" + args.remote_host in url, "choosing a host shows its runs and puts it in the URL", "rows %s, %s" % (got, url))
    b.check_console("on the runs page")
    b.screenshot("ranks-runs-host-filter-light", max_height=1000)
    b.open(urllib.parse.urlsplit(url).path + "?" + urllib.parse.urlsplit(url).query, theme="dark")
    ok, got = b.wait_rows([remote["name"]])
    report(ok and b.js("return document.getElementById('host-filter').value") == args.remote_host, "the host filter survives a reload from the URL", "rows %s" % got)
    Select(b.d.find_element(By.ID, "user-filter")).select_by_value(args.remote_user)
    Select(b.d.find_element(By.ID, "host-filter")).select_by_value("")
    ok, got = b.wait_rows([remote["name"]])
    report(ok and "user=" + args.remote_user in b.d.current_url and "host=" not in b.d.current_url, "the User select filters the same way", "rows %s, %s" % (got, b.d.current_url))
    b.screenshot("ranks-runs-user-filter-dark", max_height=1000)
    Select(b.d.find_element(By.ID, "user-filter")).select_by_value("")
    ok, got = b.wait_rows(names[::-1])
    report(ok and "?" not in b.d.current_url, "All shows every run again", "rows %s, %s" % (got, b.d.current_url))
    b.check_console("on the runs page, dark")


def main():
    ap = page_test_parser("Browser test of data-parallel runs in the studio (needs a running glassbox serve).", timeout=240)
    ap.add_argument("--pair", required=True, help="a run trained on two ranks on this machine (name or id)")
    ap.add_argument("--solo", required=True, help="a one-process run (name or id)")
    ap.add_argument("--remote", required=True, help="a data-parallel run from another host and user (name or id)")
    ap.add_argument("--remote-host", required=True)
    ap.add_argument("--remote-user", required=True)
    ap.add_argument("--remote-ranks", type=int, required=True)
    ap.add_argument("--slow-rank", type=int, required=True, help="the remote run's slow rank")
    args, base = begin(ap)
    try:
        listed = api(base, "/api/runs")
        pair, solo, remote = [api(base, "/api/runs/" + quote(s)) for s in (args.pair, args.solo, args.remote)]
    except API_ERRORS as e:
        report(False, "server answers the runs", str(e))
        return 1
    by_id = {r["id"]: r for r in listed}
    fields = {r["name"]: (by_id.get(r["id"], {}).get("ranks"), by_id.get(r["id"], {}).get("host"), by_id.get(r["id"], {}).get("user")) for r in (pair, solo, remote)}
    report(all(k in r for r in listed for k in ("ranks", "host", "user")) and fields[pair["name"]][0] == 2 and fields[solo["name"]][0] == 1
           and fields[remote["name"]] == (args.remote_ranks, args.remote_host, args.remote_user)
           and pair.get("ranks") == 2 and remote.get("user") == args.remote_user,
           "GET /api/runs and the run documents give ranks, host and user",
           "%s; keys missing: %s" % (fields, sorted({k for r in listed + [pair, solo, remote] for k in ("ranks", "host", "user") if k not in r})))
    tags = set(pair.get("tags", []))
    if not report({"rank/0/tokens_per_s", "rank/1/tokens_per_s", "train/allreduce_share"} <= tags,
                  "the two-rank run recorded each rank's throughput and the all-reduce share", str(sorted(t for t in tags if t.startswith(("rank/", "train/"))))):
        return 1
    local_host = pair.get("host")

    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1

    names = [solo["name"], pair["name"], remote["name"]]
    with browser_session(b):
        # ---- the runs table
        check_runs_table(b, args, pair, solo, remote, names, local_host)

        # ---- the run pages
        check_run_page(b, base, pair, "two-rank")
        check_run_page(b, base, remote, "remote four-rank", slow_rank=args.slow_rank)
        b.screenshot("ranks-run-light", max_height=2400, settle=0.8)
        b.shot_element("ranks", "ranks-section-light", height=1500, min_bytes=10000, below=150)
        dark = b.switch_theme("dark", timeout=3)
        time.sleep(0.3)
        px = b.colour_pixels("#chart-ranks canvas", args.remote_ranks)
        report(bool(dark) and px and all(v > 30 for v in px), "the dark theme redraws every rank's line", "pixels per rank colour: %s" % px)
        b.shot_element("ranks", "ranks-section-dark", height=1500, min_bytes=10000, below=150)
        b.screenshot("ranks-run-dark", max_height=1300, settle=0.8)
        b.check_console("after switching to the dark theme")

        ready = b.open("/runs/" + quote(solo["id"]), theme="light")
        report(ready and b.js("return !document.getElementById('ranks') && !document.getElementById('run-ranks')") and b.text("run-origin") == origin(solo),
               "a one-process run has no ranks fact and no Ranks section", "origin %r" % b.text("run-origin"))
        b.check_console("on the one-process run page")

        ready = b.open("/compare?runs=" + ",".join(quote(r["id"]) for r in (pair, remote)), theme="light")
        extra = b.js("return [...document.querySelectorAll('[data-chart]')].map(n => n.dataset.chart).filter(k => k.startsWith('more:rank/'))")
        report(ready and extra == [], "comparing data-parallel runs draws no chart per rank tag", str(extra))
        b.check_console("on the compare page")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
