"""What the studio's browser tests share: Selenium over Debian's chromium and chromium-driver, check reporting,
polling, and a page driver (console problems, screenshots, themes)."""
import json
import os
import signal
import sys
import time
import urllib.request

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.chrome.service import Service
except ImportError:  # pragma: no cover
    print("FAIL setup: Selenium is missing (python3 -m venv ~/.cache/glassbox-browser-venv && "
          "~/.cache/glassbox-browser-venv/bin/pip install selenium)")
    sys.exit(2)

RESULTS = []


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
    """The options every page test takes besides its own: --screenshots and --timeout (its default limit)."""
    ap.add_argument("--screenshots", default=os.environ.get("GLASSBOX_SCREENSHOTS") or ".build/studio-screenshots",
                    help="folder for the PNG screenshots (default $GLASSBOX_SCREENSHOTS or .build/studio-screenshots)")
    ap.add_argument("--timeout", type=int, default=timeout, help="the whole script's limit in seconds (default %d)" % timeout)


def begin(args):
    """Starts the script's watchdog and makes the screenshot folder; returns the server's base address."""
    install_watchdog(args.timeout)
    os.makedirs(args.screenshots, exist_ok=True)
    return args.url.rstrip("/")


def summary():
    """Prints the count of checks and failures; the script's exit status (1 when any failed)."""
    failed = RESULTS.count(False)
    print("%d checks, %d failed" % (len(RESULTS), failed), flush=True)
    return 1 if failed else 0


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


class Page:
    """One headless Chromium on the studio at `base`; screenshots go to `shots`."""

    home = "/"

    def __init__(self, base, shots, load_timeout=20, script_timeout=10):
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
        self.d.set_page_load_timeout(load_timeout)
        self.d.set_script_timeout(script_timeout)

    def quit(self):
        try:
            self.d.quit()
        except Exception:
            pass

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def open(self, path, theme=None, timeout=15):
        """Loads a page (with a stored theme choice) and waits for body[data-ready]. Returns whether it got there."""
        if theme:
            if not self.d.current_url.startswith(self.base):
                self.d.get(self.base + self.home)
                wait_for(lambda: self.js("return document.body && document.body.dataset.ready === '1'"), timeout)
            self.js("localStorage.setItem('glassbox.theme', JSON.stringify(arguments[0]))", theme)
        self.d.get(self.base + path)
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

    def screenshot(self, name, max_height=5000, settle=0.5):
        """The whole page (up to max_height px) after `settle` seconds for charts and panels to redraw."""
        path = os.path.join(self.shots, name + ".png")
        try:
            height = self.js("return Math.min(arguments[0], Math.max(900, document.documentElement.scrollHeight))", max_height)
            self.d.set_window_size(1280, height)
            time.sleep(settle)
            self.js("window.scrollTo(0, 0)")
            ok = self.d.save_screenshot(path)
        finally:
            self.d.set_window_size(1280, 900)
        return report(bool(ok) and os.path.getsize(path) > 10000, "screenshot " + name, path)

    def tooltip_at(self, element_id, fx, fy):
        """Moves the pointer to (fx, fy) of the element's box (fractions) and returns the tooltip's text."""
        node = self.d.find_element(By.ID, element_id)
        self.js("arguments[0].scrollIntoView({block: 'center'})", node)
        time.sleep(0.2)
        w, h = self.js("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]", node)
        ActionChains(self.d).move_to_element_with_offset(node, int(w * (fx - 0.5)), int(h * (fy - 0.5))).perform()
        return wait_for(lambda: self.js("const t = document.querySelector('.gb-tooltip.on'); return t ? t.textContent : ''"), 3) or ""

    def click_css(self, selector, tries=5):
        """Finds the element matching `selector`, scrolls it to the middle of the window and clicks it; found again
        when a live update redrew it between finding and clicking. Returns whether the click went through."""
        for _ in range(tries):
            try:
                node = self.d.find_element(By.CSS_SELECTOR, selector)
                self.js("arguments[0].scrollIntoView({block: 'center'})", node)
                node.click()
                return True
            except (StaleElementReferenceException, NoSuchElementException):
                time.sleep(0.2)
        return False

    def shot_element(self, element_id, name, height=2000, min_bytes=5000, below=64):
        """A screenshot of one element (the window grows to `height` for panels taller than it), scrolled to `below`
        pixels from the top: just below the sticky top bar (a run page's sticky chart controls want about 150)."""
        path = os.path.join(self.shots, name + ".png")
        try:
            self.d.set_window_size(1280, height)
            self.js("const n = document.getElementById(arguments[0]); if (n) window.scrollTo(0, n.getBoundingClientRect().top + window.scrollY - arguments[1])", element_id, below)
            time.sleep(0.8)
            self.d.find_element(By.ID, element_id).screenshot(path)
            ok = os.path.getsize(path) > min_bytes
        except WebDriverException as e:
            ok = False
            path += " (%s)" % str(e).splitlines()[0]
        finally:
            self.d.set_window_size(1280, 900)
        return report(ok, "screenshot " + name, path)

