"""What the studio's browser tests share: Selenium over Debian's chromium and chromium-driver, check reporting,
polling, the script's frame (arguments, watchdog, the browser's start and end, the summary), and a page driver:
console problems, screenshots, themes, data attributes, tooltips, clicks and keys, canvas pixels, the runs list.

The test scripts take Selenium's names from here (By, Keys, ...): a missing Selenium is said once, here.

The pages publish `window.GB = {color, colorScale, chartTheme}` (lib/inspector.js) for the pixel checks: the run
colours GB.color(k), the heat-map scales GB.colorScale('sequential' | 'diverging') and the chart theme
GB.chartTheme() (its .bg: the panel's background)."""
import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import Select
except ImportError:  # pragma: no cover
    print("FAIL setup: Selenium is missing (python3 -m venv ~/.cache/glassbox-browser-venv && "
          "~/.cache/glassbox-browser-venv/bin/pip install selenium)")
    sys.exit(2)

__all__ = ["ActionBuilder", "ActionChains", "API_ERRORS", "By", "Keys", "Page", "Select", "WebDriverException",
           "api", "bad_text", "begin", "browser_session", "check_bundled", "check_runs_list", "check_show_button",
           "fetch", "fetch_models_and_run", "page_test_arguments", "page_test_parser", "pct", "quote", "report",
           "resume_arguments", "resume_run", "start_browser", "summary", "wait_for"]

RESULTS = []

# What a request to the server raises when it does not answer as expected (a missing key in its answer included).
API_ERRORS = (urllib.error.URLError, OSError, ValueError, KeyError)


# ---------------------------------------------------------------- the script: arguments, checks, summary

def install_watchdog(seconds):
    """Ends the script with a failure once it has run `seconds` (a hung browser must not hang the test run)."""
    def fire(signum, frame):
        print("FAIL watchdog: the test ran past %d s" % seconds, flush=True)
        os._exit(3)
    signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)


def report(ok, name, detail=""):
    """Prints one check's outcome (PASS/FAIL name — detail) and keeps it for the summary."""
    RESULTS.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name + (" — " + detail if detail else ""), flush=True)
    return ok


def page_test_arguments(ap, timeout):
    """The options every page test takes besides its own: --url, --screenshots and --timeout (its default limit)."""
    ap.add_argument("--url", required=True, help="the studio, e.g. http://127.0.0.1:8765")
    ap.add_argument("--screenshots", default=os.environ.get("GLASSBOX_SCREENSHOTS") or ".build/studio-screenshots",
                    help="folder for the PNG screenshots (default $GLASSBOX_SCREENSHOTS or .build/studio-screenshots)")
    ap.add_argument("--timeout", type=int, default=timeout, help="the whole script's limit in seconds (default %d)" % timeout)


def page_test_parser(description, timeout):
    """An argument parser for a page test: page_test_arguments's options, the test adds its own."""
    ap = argparse.ArgumentParser(description=description)
    page_test_arguments(ap, timeout)
    return ap


def resume_arguments(ap, what="the run"):
    """--bin, --runs-dir and --resume-steps: a test that resumes `what` while its page is open (live updates)."""
    ap.add_argument("--bin", default="", help="the glassbox binary: resumes %s while its page is open (live updates)" % what)
    ap.add_argument("--runs-dir", default="", help="the server's runs folder (with --bin)")
    ap.add_argument("--resume-steps", type=int, default=0, help="resume %s up to this many steps (with --bin)" % what)


def resume_run(args, run_id, kind=(), extra=(), timeout=240):
    """Trains the run on to --resume-steps (`glassbox train [KIND] --resume RUN ...`): the check that it did."""
    proc = subprocess.run([args.bin, "train", *kind, "--resume", run_id, "--steps", str(args.resume_steps), "--runs-dir", args.runs_dir, *extra],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    return report(proc.returncode == 0, "resume the run to step %d" % args.resume_steps, proc.stderr.decode("utf-8", "replace")[-300:])


def begin(ap):
    """Parses the script's arguments (`ap`, from page_test_parser), starts its watchdog and makes the screenshot
    folder; returns the arguments and the server's base address."""
    args = ap.parse_args()
    install_watchdog(args.timeout)
    os.makedirs(args.screenshots, exist_ok=True)
    return args, args.url.rstrip("/")


def summary():
    """Prints the count of checks and failures; the script's exit status (1 when any failed)."""
    failed = RESULTS.count(False)
    print("%d checks, %d failed" % (len(RESULTS), failed), flush=True)
    return 1 if failed else 0


def start_browser(cls, base, shots):
    """A `cls` (a Page) on the studio at `base`, or None after the failed check "start headless chromium"."""
    try:
        return cls(base, shots)
    except WebDriverException as e:
        report(False, "start headless chromium", str(e).splitlines()[0])
        return None


@contextlib.contextmanager
def browser_session(b, processes=()):
    """The with-block's checks on the browser `b`: a WebDriverException that escapes them is the failed check
    "browser"; then, whatever happened, the `processes` (Popen) still running are killed, the stored theme is
    forgotten and the browser quits."""
    try:
        yield b
    except WebDriverException as e:
        report(False, "browser", str(e).splitlines()[0] if str(e) else repr(e))
    finally:
        for proc in processes:
            if proc.poll() is None:
                proc.kill()
        try:
            b.js("localStorage.removeItem('glassbox.theme')")
        except WebDriverException:
            pass
        b.quit()


def wait_for(fn, timeout, interval=0.05):
    """Polls fn() until it returns something truthy or timeout seconds pass; returns the last value."""
    end = time.time() + timeout
    value = None
    while True:
        try:
            value = fn()
        except WebDriverException:
            value = None
        if value or time.time() >= end:
            return value
        time.sleep(interval)


def api(base, path, timeout=20):
    with urllib.request.urlopen(base + path, timeout=timeout) as r:
        return json.loads(r.read().decode("utf-8"))


def fetch(base, what, *paths, timeout=20):
    """The server's answers to GET of each path, or None after the failed check `what` when it does not answer."""
    try:
        return [api(base, path, timeout) for path in paths]
    except API_ERRORS as e:
        report(False, what, str(e))
        return None


def fetch_models_and_run(base, run):
    """/api/models, /api/runs/RUN, the run's id and its checkpoint steps in order; None after a failed check."""
    got = fetch(base, "server answers /api/models and /api/runs/" + run, "/api/models", "/api/runs/" + quote(run))
    return got and (got[0], got[1], got[1]["id"], sorted(c["step"] for c in got[1].get("checkpoints") or []))


def check_bundled(models, needed=True):
    """The check "the bundled model is available" (scripts/fetch-model.sh fetches it), among `models` (/api/models):
    with the models' ids where the test needs it, else with a hint where it is missing."""
    ok = any(m.get("id") == "bundled" for m in models)
    if needed:
        return report(ok, "the bundled model is available", ", ".join(m["id"] for m in models) or "no models (scripts/fetch-model.sh)")
    return report(ok, "the bundled model is available", "" if ok else "no bundled model (scripts/fetch-model.sh)")


def quote(s):
    """A path segment or query value with every reserved character escaped."""
    return urllib.parse.quote(s, safe="")


def pct(v):
    """A fraction as the pages write it: 0.1234 -> "12.3%"."""
    return "%.1f%%" % (100 * v)


def bad_text(text):
    """Whether model text shows byte escapes or U+FFFD instead of characters."""
    return "\\x" in (text or "") or "\ufffd" in (text or "")


# ---------------------------------------------------------------- the page driver

TOOLTIP_JS = "const t = document.querySelector('.gb-tooltip.on'); return t ? t.textContent : ''"

# The pixels of the canvas matched by arguments[0], read from a copy (reading the page's own canvas back again and
# again makes Chrome warn in the console): `c` the canvas, `d` its RGBA bytes; the script returns null without one.
CANVAS_JS = """
    const c = document.querySelector(arguments[0]);
    if (!c || !c.width || !c.height) return null;
    const g = document.createElement('canvas'); g.width = c.width; g.height = c.height;
    const x = g.getContext('2d', {willReadFrequently: true}); x.drawImage(c, 0, 0);
    const d = x.getImageData(0, 0, c.width, c.height).data;
    const hex = (h) => { const v = parseInt(h.slice(1), 16); return [(v >> 16) & 255, (v >> 8) & 255, v & 255]; };
"""


class Page:
    """One headless Chromium on the studio at `base`; screenshots go to `shots`. A test's subclass sets the class
    attributes below to its pages' needs."""

    home = "/"                 # a page to be on before storing a theme
    load_timeout = 20          # seconds for a page load, and for a script
    script_timeout = 10
    ready_timeout = 15         # seconds for body[data-ready]
    screenshot_height = 5000   # screenshot(): the tallest whole-page shot, and the pause for the panels to redraw
    screenshot_settle = 0.5
    element_height = 2000      # shot_element(): the window's height, and the smallest file that is a picture
    element_min_bytes = 5000
    view_selector = None       # the element whose data attributes view() reads (".mlp-view", ...)

    def __init__(self, base, shots):
        self.base = base.rstrip("/")
        self.shots = shots
        self.expected = []  # console messages a check caused on purpose (substrings)
        opts = webdriver.ChromeOptions()
        for a in ["--headless=new", "--no-sandbox", "--window-size=1280,900", "--disable-gpu", "--disable-dev-shm-usage",
                  "--hide-scrollbars", "--force-device-scale-factor=1"]:
            opts.add_argument(a)
        opts.binary_location = "/usr/bin/chromium"
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.d.set_page_load_timeout(self.load_timeout)
        self.d.set_script_timeout(self.script_timeout)

    def quit(self):
        try:
            self.d.quit()
        except Exception:
            pass

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def open(self, path, theme=None, timeout=None):
        """Loads a page (with a stored theme choice) and waits for body[data-ready]. Returns whether it got there."""
        timeout = timeout or self.ready_timeout
        if theme:
            if not self.d.current_url.startswith(self.base):
                self.d.get(self.base + self.home)
                wait_for(lambda: self.js("return document.body && document.body.dataset.ready === '1'"), timeout)
            self.js("localStorage.setItem('glassbox.theme', JSON.stringify(arguments[0]))", theme)
        self.d.get(self.base + path)
        return self.wait_ready(timeout)

    def open_checked(self, path, name, theme="light"):
        """open() as the check `name` (with the page's error boxes when it does not get ready); returns whether it did."""
        ready = self.open(path, theme=theme)
        report(ready, name, "" if ready else "errors: %s" % self.error_boxes())
        return ready

    def wait_ready(self, timeout=15):
        """Waits for the page in the window (after a click, a reload) to set body[data-ready]; returns whether it did."""
        return bool(wait_for(lambda: self.js("return document.body.dataset.ready === '1'"), timeout))

    def console_problems(self):
        """Browser console entries of level WARNING or SEVERE since the last call (less the expected ones)."""
        try:
            logs = self.d.get_log("browser")
        except WebDriverException:
            return []
        bad = [e for e in logs if e.get("level") in ("SEVERE", "WARNING")]
        return [e for e in bad if not any(x in e.get("message", "") for x in self.expected)]

    def check_console(self, what):
        problems = self.console_problems()
        return report(not problems, "no console errors or warnings " + what,
                      "; ".join(p["level"] + ": " + p["message"][:240] for p in problems[:5]))

    def error_boxes(self):
        return self.js("return [...document.querySelectorAll('.error-box, .notice.error')].map(n => n.textContent.trim()).slice(0, 3)")

    # ---- screenshots

    def screenshot(self, name, max_height=None, settle=None):
        """The whole page (up to max_height px) after `settle` seconds for charts and panels to redraw."""
        path = os.path.join(self.shots, name + ".png")
        try:
            height = self.js("return Math.min(arguments[0], Math.max(900, document.documentElement.scrollHeight))",
                             max_height or self.screenshot_height)
            self.d.set_window_size(1280, height)
            time.sleep(self.screenshot_settle if settle is None else settle)
            self.js("window.scrollTo(0, 0)")
            ok = self.d.save_screenshot(path)
        finally:
            self.d.set_window_size(1280, 900)
        return report(bool(ok) and os.path.getsize(path) > 10000, "screenshot " + name, path)

    def screenshot_themes(self, name, between=None, **kw):
        """The whole page as NAME-light, then (the script `between` run and the theme toggled) as NAME-dark; the theme
        is toggled back."""
        self.screenshot(name + "-light", **kw)
        if between:
            self.js(between)
        self.toggle_theme()
        self.screenshot(name + "-dark", **kw)
        self.toggle_theme()

    def screenshot_pages(self, pages, themes=("light", "dark")):
        """Each (name, path) of `pages` opened in each theme and screenshot as NAME-THEME (a failed check where it does
        not load or show that theme), the console checked after each theme's pages."""
        for theme in themes:
            for name, path in pages:
                ready = self.open(path, theme=theme)
                applied = self.js("return document.documentElement.dataset.theme")
                if not ready or applied != theme:
                    report(False, "%s page in the %s theme" % (name, theme), "ready=%s theme=%s" % (ready, applied))
                time.sleep(0.3)
                self.screenshot("%s-%s" % (name, theme))
            self.check_console("on the %s-theme pages" % theme)

    def shot_element(self, element_id, name, height=None, min_bytes=None, below=64, settle=0.8):
        """A screenshot of one element (the window grows to `height` for panels taller than it), scrolled to `below`
        pixels from the top: just below the sticky top bar (a run page's sticky chart controls want about 150)."""
        path = os.path.join(self.shots, name + ".png")
        try:
            self.d.set_window_size(1280, height or self.element_height)
            self.js("const n = document.getElementById(arguments[0]); if (n) window.scrollTo(0, n.getBoundingClientRect().top + window.scrollY - arguments[1])", element_id, below)
            time.sleep(settle)
            self.d.find_element(By.ID, element_id).screenshot(path)
            ok = os.path.getsize(path) > (min_bytes or self.element_min_bytes)
        except WebDriverException as e:
            ok = False
            path += " (%s)" % str(e).splitlines()[0]
        finally:
            self.d.set_window_size(1280, 900)
        return report(ok, "screenshot " + name, path)

    # ---- themes

    def scheme(self):
        """The colour scheme the page shows now: light or dark."""
        return self.js("return document.documentElement.dataset.scheme")

    def toggle_theme(self, selector="#theme-toggle"):
        self.d.find_element(By.CSS_SELECTOR, selector).click()

    def switch_theme(self, scheme, canvas=None, timeout=5, selector="#theme-toggle"):
        """Toggles the theme from the top of the page and waits for the scheme `scheme` and, given a canvas's
        selector, for that canvas to be painted anew; returns whether it came to that."""
        before = self.pixel_hash(canvas) if canvas else None
        self.js("window.scrollTo(0, 0)")
        self.toggle_theme(selector)
        return wait_for(lambda: self.scheme() == scheme and (not canvas or self.pixel_hash(canvas) != before), timeout)

    # ---- data attributes and text

    def dataset(self, selector, key):
        """data-KEY (as dataset's camelCase key) of the first element matching the CSS selector: None when there is no
        such element or attribute."""
        return self.js("const n = document.querySelector(arguments[0]); return n ? (n.dataset[arguments[1]] ?? null) : null", selector, key)

    def data(self, element_id, key):
        """data-KEY of the element with that id (None when there is none)."""
        return self.js("const n = document.getElementById(arguments[0]); return n ? (n.dataset[arguments[1]] ?? null) : null", element_id, key)

    def view(self, key):
        """data-KEY of the test's view (view_selector)."""
        return self.dataset(self.view_selector, key)

    def wait_data(self, element_id, key, accept, timeout=5, interval=0.05):
        """Waits for the element's data-KEY to be accepted (one of the values in `accept`, or accept(value) true);
        returns it, or None when the time ran out first."""
        ok = accept if callable(accept) else (lambda v: v in accept)
        return wait_for(lambda: (lambda v: v if v is not None and ok(v) else None)(self.data(element_id, key)), timeout, interval)

    def text(self, element_id, trim=False):
        """The element's textContent (trimmed with `trim`); None when there is no such element."""
        return self.js("const n = document.getElementById(arguments[0]); return n ? (arguments[1] ? n.textContent.trim() : n.textContent) : null",
                       element_id, trim)

    def field(self, element_id):
        """A form field's value (None when there is no such element)."""
        return self.js("const n = document.getElementById(arguments[0]); return n ? n.value : null", element_id)

    def type_into(self, element_id, text):
        """Clears a text field and types `text` into it, as a user would; returns the field."""
        box = self.d.find_element(By.ID, element_id)
        box.clear()
        box.send_keys(text)
        return box

    def record_requests(self, only=""):
        """Keeps the URL of each request the page makes from now on (those starting with `only`) in window.__requests
        (the page's API client looks fetch up at each call)."""
        self.js("""if (!window.__requests) { const f = window.fetch, only = arguments[0]; window.__requests = [];
                   window.fetch = function (u) { if (String(u).startsWith(only)) window.__requests.push(String(u)); return f.apply(this, arguments); }; }""", only)

    def requests(self, part=""):
        """The recorded requests' URLs that hold `part`."""
        return [u for u in (self.js("return (window.__requests || []).slice()") or []) if part in u]

    def mark_loaded(self):
        """Marks the page in the window: not_reloaded() says whether it is still the same page."""
        self.js("window.__notReloaded = 1")

    def not_reloaded(self):
        return self.js("return window.__notReloaded") == 1

    # ---- the pointer and the keyboard

    def find(self, target):
        """An element: `target` itself, or the first match of a CSS selector."""
        return self.d.find_element(By.CSS_SELECTOR, target) if isinstance(target, str) else target

    def scroll_to(self, target):
        """Scrolls an element (or a CSS selector's) to the middle of the window, clear of the sticky bars; returns it."""
        node = self.find(target)
        self.js("arguments[0].scrollIntoView({block: 'center'})", node)
        return node

    def click_on(self, target):
        """Scrolls an element (or a CSS selector's) to the middle of the window and clicks it; returns it."""
        node = self.scroll_to(target)
        node.click()
        return node

    def click_id(self, element_id):
        """click_on for the element with that id."""
        return self.click_on(self.d.find_element(By.ID, element_id))

    def click_css(self, selector, tries=5):
        """Finds the element matching `selector`, scrolls it to the middle of the window and clicks it; found again
        when a live update redrew it between finding and clicking. Returns whether the click went through."""
        for _ in range(tries):
            try:
                self.click_on(selector)
                return True
            except (StaleElementReferenceException, NoSuchElementException):
                time.sleep(0.2)
        return False

    def click_show(self, step, tries=5):
        """Clicks Show in the checkpoints table's row of `step` (found again when a live update redrew the table
        meanwhile); returns whether there was such a button."""
        show = []
        for _ in range(tries):
            show = self.d.find_elements(By.CSS_SELECTOR, "#checkpoint-table tr[data-step='%d'] .ck-show" % step)
            try:
                if show:
                    self.click_on(show[0])
                break
            except WebDriverException:
                time.sleep(0.3)
        return bool(show)

    def press(self, target, *keys):
        """Scrolls an element (or a CSS selector's) to the middle of the window and sends it keys; returns it."""
        node = self.scroll_to(target)
        node.send_keys(*keys)
        return node

    def press_focused(self, element_id, *keys):
        """Focuses the element with that id and sends keys to whatever has the focus then."""
        self.js("document.getElementById(arguments[0]).focus()", element_id)
        self.d.switch_to.active_element.send_keys(*keys)

    def tooltip(self):
        """The text of the tooltip on show ("" when none is)."""
        return self.js(TOOLTIP_JS) or ""

    def hover(self, target, offset=None, timeout=3):
        """Moves the pointer onto an element (or a CSS selector's), in its middle or at `offset` (x, y) pixels from
        there, and returns the tooltip's text once one shows ("" when none does)."""
        node = self.scroll_to(target)
        time.sleep(0.2)
        if offset is None:
            ActionChains(self.d).move_to_element(node).perform()
        else:
            ActionChains(self.d).move_to_element_with_offset(node, *offset).perform()
        return wait_for(self.tooltip, timeout) or ""

    def tooltip_at(self, element_id, fx, fy):
        """Moves the pointer to (fx, fy) of the element's box (fractions) and returns the tooltip's text."""
        node = self.d.find_element(By.ID, element_id)
        w, h = self.js("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]", node)
        return self.hover(node, (int(w * (fx - 0.5)), int(h * (fy - 0.5))))

    # ---- canvas pixels

    def canvas_js(self, body, selector, *args):
        """Runs the script `body` on the pixels of the canvas matching `selector` (CANVAS_JS: `c`, `d`, hex()); the
        further arguments are its arguments[1], ..."""
        return self.js(CANVAS_JS + body, selector, *args)

    def canvas_ink(self, selector, threshold=30, every=1):
        """Pixels of a canvas that differ from its first pixel by more than `threshold` (R, G and B differences
        added), every `every`-th pixel counted; a blank canvas (or none) has none."""
        return self.canvas_js("""
            let n = 0;
            for (let i = 0; i < d.length; i += 4 * arguments[2])
              if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > arguments[1]) n++;
            return n;
        """, selector, threshold, every) or 0

    def pixel_hash(self, selector):
        """A hash of a canvas's pixels (changes when the picture does)."""
        return self.canvas_js("""
            let h = 2166136261 >>> 0;
            for (let i = 0; i < d.length; i += 12) { h ^= d[i] + 3 * d[i + 1] + 7 * d[i + 2]; h = Math.imul(h, 16777619) >>> 0; }
            return h.toString(16);
        """, selector)

    def class_pixels(self, selector, classes):
        """Per class k < classes: the canvas pixels in that class's colour (GB.color(k)) blended with the background
        (GB.chartTheme().bg), any strength (a map's cells, pale or strong, and the points)."""
        return self.canvas_js("""
            const bgText = GB.chartTheme().bg, m = /^#/.test(bgText) ? hex(bgText) : (bgText.match(/\\d+/g) || [255, 255, 255]).map(Number);
            const K = arguments[1], out = new Array(K).fill(0);
            const cols = []; for (let k = 0; k < K; k++) cols.push(hex(GB.color(k)));
            for (let i = 0; i < d.length; i += 4) {
              for (let k = 0; k < K; k++) {
                const v = [cols[k][0] - m[0], cols[k][1] - m[1], cols[k][2] - m[2]];
                const p = [d[i] - m[0], d[i + 1] - m[1], d[i + 2] - m[2]];
                const vv = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
                const t = (p[0] * v[0] + p[1] * v[1] + p[2] * v[2]) / vv;
                if (t < 0.15 || t > 1.05) continue;
                const r = Math.hypot(p[0] - t * v[0], p[1] - t * v[1], p[2] - t * v[2]);
                if (r < 9) { out[k]++; break; }
              }
            }
            return out;
        """, selector, classes)

    def colour_pixels(self, selector, n):
        """Per series colour GB.color(0..n-1): the canvas's pixels drawn in that colour (a chart's lines)."""
        return self.canvas_js("""
            const cols = []; for (let k = 0; k < arguments[1]; k++) cols.push(hex(GB.color(k)));
            const out = new Array(arguments[1]).fill(0);
            for (let i = 0; i < d.length; i += 4)
              for (let k = 0; k < cols.length; k++)
                if (Math.abs(d[i] - cols[k][0]) + Math.abs(d[i + 1] - cols[k][1]) + Math.abs(d[i + 2] - cols[k][2]) < 40) { out[k]++; break; }
            return out;
        """, selector, n)

    def scale_pixels(self, selector):
        """Pixels of a canvas in the strong half of the theme's sequential scale (a heatmap's high values), and
        pixels that differ from its first pixel at all."""
        return self.canvas_js("""
            const sc = GB.colorScale('sequential'), strong = [0.5, 0.7, 0.9, 1].map((t) => sc.rgb(t));
            let n = 0, ink = 0;
            for (let i = 0; i < d.length; i += 4) {
              if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 30) ink++;
              for (const s of strong) if (Math.abs(d[i] - s[0]) + Math.abs(d[i + 1] - s[1]) + Math.abs(d[i + 2] - s[2]) < 40) { n++; break; }
            }
            return [n, ink];
        """, selector)

    def zero_colours(self, panel, scales=("diverging", "sequential")):
        """What a value of exactly 0 is painted in, in each colour scale, then the background of the panel matching
        `panel` (the three are equal when zero is drawn in the panel's colour)."""
        return self.js("""const card = getComputedStyle(document.querySelector(arguments[0])).backgroundColor.replace(/ /g, '');
            return arguments[1].map((k) => GB.colorScale(k).css(0)).concat([card])""", panel, list(scales))

    # ---- the runs list

    def kind_badges(self, kind):
        """The runs list's badges of that kind: [[run id, the badge's text], ...]."""
        return self.js("""return [...document.querySelectorAll('#runs-table tr[data-run-id] .kind-badge[data-kind="' + arguments[0] + '"]')]
            .map(n => [n.closest('tr').dataset.runId, n.textContent])""", kind)

    def run_metrics(self, listed=True):
        """The runs list's metric cells' texts (those of the runs' rows, or with listed=False every one)."""
        return self.js("return [...document.querySelectorAll(arguments[0])].map(n => n.textContent)",
                       "#runs-table tr[data-run-id] .run-metric" if listed else "#runs-table .run-metric")

    def wait_runs(self, at_least, timeout=10):
        return wait_for(lambda: self.js("return document.querySelectorAll('#runs-table tbody tr').length >= arguments[0]", at_least), timeout)


def check_runs_list(b, kind, badge, run_ids, badges_check, metric, metric_check):
    """The runs list (light): each of `run_ids` has the badge of its kind reading `badge`, and a run's metric cell
    reads `metric` (its text whole, as shown)."""
    b.open("/", theme="light")
    b.wait_runs(1)
    badges = b.kind_badges(kind)
    report(all([r, badge] in badges for r in run_ids), badges_check, str(badges))
    shown = wait_for(lambda: (lambda m: m if metric in m else None)(b.run_metrics()), 5)
    report(bool(shown), metric_check, "%s (want %r)" % (shown or b.run_metrics(listed=False), metric))
    b.check_console("on the runs list")


def check_show_button(b, step, picked):
    """The checkpoints table's Show button of `step` picks that checkpoint in the player: picked() says it did."""
    shown = b.click_show(step)
    ok = wait_for(picked, 5)
    report(shown and bool(ok), "a checkpoint's Show button picks it in the player", "index %s" % b.view("index"))
