#!/usr/bin/env python3
"""Browser test of Glassbox Studio's generate and chat page (/generate) against a running `glassbox serve`.

The caller starts the server (tests/browser/run-generate-test.sh does, over a fresh runs folder); this script only
looks, through headless Chromium. It prints one line per check and exits non-zero when any check fails. Every wait
has a timeout, and a watchdog ends the whole script. Needs the bundled SmolLM2 (scripts/fetch-model.sh).

    ~/.cache/glassbox-browser-venv/bin/python tests/browser/generate_test.py --url http://127.0.0.1:8765 [--screenshots DIR]

Screenshots go to --screenshots, else $GLASSBOX_SCREENSHOTS, else .build/studio-screenshots.

What the page exposes for it (pages/generate-page.js and panels/generate/): #generate-page with data-phase (empty | running | done | error |
cancelled), data-count (tokens shown), data-ids (the done event's ids), data-stop (its stop_reason), data-mode (text |
chat), data-intervene and data-pair (none | running | done | error | cancelled); the form #gen-prompt, #gen-system,
#mode-text, #mode-chat, #set-max_tokens, #set-temperature, ..., #gen-btn, #gen-stop, #chat-reset; the output
#gen-output with .gen-tok[data-i][data-id][data-v] (v: the token's probability) and chat bubbles .gen-bubble.user /
.gen-bubble.assistant; the side panel #token-panel (data-state, data-i, data-lens, data-attr) with #tok-alts (tr.chosen),
#tok-rank, #tok-lens (tr.final), #tok-attn (.tok[data-v]), #tok-attn-layer, #tok-attn-head, #tok-attr-btn, #tok-gap;
the interventions #add-head, #add-neuron, #add-steer, inputs #edit-N-layer/-head/-index/-from/-to/-scale, #iv-tokens,
#iv-compare, #iv-generate, #iv-result (data-changed, data-same) with #iv-kl[data-kl], #iv-errors, and #pair-result with
#pair-plain and #pair-edited.
"""
import json
import sys
import time
import urllib.parse
import urllib.request

from browsing import (By, Keys, Page, bad_text, begin, browser_session, check_bundled, fetch, page_test_parser, report, start_browser,
                      summary, wait_for)

PROMPT = "The capital of France is"
TOKENS = 12
CHAT = "What is the capital of France?"
CHAT2 = "And of Italy?"
CHINESE = "用一句话介绍北京。"


def api_generate(base, params, timeout=120):
    """The events of /api/generate, read straight from the server: [(event, data), ...]."""
    url = base + "/api/generate?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)  # a space as %20: '+' is a plus
    events, event, data = [], "message", []
    with urllib.request.urlopen(url, timeout=timeout) as r:
        for raw in r:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data:
                    events.append((event, json.loads("\n".join(data))))
                event, data = "message", []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:][1:] if line[5:].startswith(" ") else line[5:])
    return events


class Browser(Page):
    home = "/generate"
    load_timeout, script_timeout, ready_timeout = 30, 20, 30

    def page(self, key):
        return self.data("generate-page", key)

    def panel(self, key):
        return self.data("token-panel", key)

    def set_value(self, element_id, value):
        """A number field: cleared and typed, as a user would."""
        return self.type_into(element_id, str(value))

    def tokens(self, within="#gen-output"):
        return self.js("return [...document.querySelectorAll(arguments[0] + ' .gen-tok[data-i]')].map(s => [+s.dataset.id, +s.dataset.v, s.style.backgroundColor])", within) or []

    def watch_tokens(self):
        """Records (time, token count) at each change of #gen-output from now on (window.__counts)."""
        self.js("""window.__counts = [];
            const out = document.getElementById('gen-output');
            if (window.__watch) window.__watch.disconnect();
            window.__watch = new MutationObserver(() => window.__counts.push([performance.now(), out.querySelectorAll('.gen-tok').length]));
            window.__watch.observe(out, {childList: true, subtree: true});""")

    def panel_shot(self, name):
        """The side panel whole (its own scroll at the top, the window tall enough for all of it)."""
        self.js("const p = document.getElementById('token-panel'); if (p) p.scrollTop = 0")
        return self.shot_element("token-panel", name, height=2600, min_bytes=10000, below=70, settle=0.5)


def main():
    ap = page_test_parser("Browser test of the studio's generate page (needs a running glassbox serve).", timeout=900)
    ap.add_argument("--slow", type=int, default=300, help="seconds to wait for one attribution or intervention request (default 300)")
    args, base = begin(ap)
    models = fetch(base, "server answers /api/models", "/api/models")
    if not models or not check_bundled(models[0]):
        return 1

    # the reference: the same greedy request straight from the API
    ref = api_generate(base, {"model": "bundled", "prompt": PROMPT, "max_tokens": TOKENS, "temperature": 0, "alternatives": 8})
    ref_start = next((d for e, d in ref if e == "start"), None)
    ref_tokens = [d for e, d in ref if e == "token"]
    ref_done = next((d for e, d in ref if e == "done"), None)
    report(bool(ref_start and ref_done) and [t["id"] for t in ref_tokens] == ref_done["ids"],
           "the API streams start, one token event per token, then done with the same ids",
           "%d tokens, stop %s" % (len(ref_tokens), ref_done and ref_done.get("stop_reason")))

    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1
    with browser_session(b):
        # ------------------------------------------------------------ the empty page
        ready = b.open("/generate", theme="light")
        report(ready and b.page("phase") == "empty", "generate page loads (data-ready) empty", "errors: %s" % b.error_boxes())
        nav = b.js("const a = document.querySelector('.topnav a.active'); return a ? a.getAttribute('href') : ''")
        report(nav == "/generate", "the top bar's Generate link is marked", nav)
        examples = b.js("return document.querySelectorAll('#gen-empty .ins-example').length")
        report(examples >= 3, "the empty output explains the page with examples", "%s examples" % examples)
        b.check_console("on the empty generate page")

        # record the page's /api requests
        b.record_requests("/api/")

        # ------------------------------------------------------------ a greedy generation, streamed
        b.type_into("gen-prompt", PROMPT)
        b.set_value("set-max_tokens", TOKENS)
        b.set_value("set-temperature", 0)
        b.watch_tokens()
        t0 = time.time()
        b.click_id("gen-btn")
        running = wait_for(lambda: b.page("phase") != "empty", 5)
        stop_on = b.js("return !document.getElementById('gen-stop').disabled && document.getElementById('gen-btn').disabled")
        report(bool(running) and (stop_on or b.page("phase") == "done"), "Generate starts: Stop is offered while it runs", "phase=%s" % b.page("phase"))
        wait_for(lambda: b.page("phase") in ("done", "error", "cancelled"), 120, 0.1)
        gen_s = time.time() - t0
        count, ids = int(b.page("count") or 0), int(b.page("ids") or -1)
        report(b.page("phase") == "done" and count == ids > 0, "the tokens shown are those of done's ids",
               "phase=%s count=%s ids=%s stop=%s in %.1f s; errors: %s" % (b.page("phase"), count, ids, b.page("stop"), gen_s, b.error_boxes()))
        counts = [c for _, c in (b.js("return window.__counts") or [])]
        steps = sorted(set(c for c in counts if 0 < c < count))
        report(len(steps) >= 2, "tokens arrive one by one (the count grows while the stream runs)", "counts seen: %s" % steps[:16])
        shown = b.tokens()
        report([t[0] for t in shown] == [t["id"] for t in ref_tokens], "greedy output equals the API's own greedy generation",
               "page %s vs api %s" % ([t[0] for t in shown][:8], [t["id"] for t in ref_tokens][:8]))
        colours = set(t[2] for t in shown)
        probs_ok = all(0 <= t[1] <= 1 for t in shown) and all(abs(t[1] - r["probability"]) < 1e-4 for t, r in zip(shown, ref_tokens))
        report(probs_ok and all(colours) and len(colours) >= 2, "each token is shaded by its probability",
               "%d colours for probabilities %s" % (len(colours), [round(t[1], 3) for t in shown][:8]))
        ticks = b.js("return [...document.querySelectorAll('#gen-legend .v-ticks span')].map(s => s.textContent)")
        report(ticks and ticks[0] == "0" and ticks[-1] == "1", "the colour legend carries numbers", ", ".join(ticks or []))
        url = urllib.parse.parse_qs(urllib.parse.urlparse(b.d.current_url).query)
        report(url.get("prompt") == [PROMPT] and url.get("temperature") == ["0"], "the address keeps the prompt and the settings", b.d.current_url)
        stats = b.js("return document.getElementById('gen-stats').textContent")
        report("tok/s" in stats, "the speed is shown", stats)
        b.check_console("after generating")

        # ------------------------------------------------------------ click a token: alternatives, lens, attention
        k = min(3, count - 1)
        b.click_on("#gen-output .gen-tok[data-i='%d']" % k)
        opened = wait_for(lambda: b.panel("state") == "shown" and b.panel("i") == str(k), 3)
        alts = b.js("return [...document.querySelectorAll('#tok-alts tr')].map(r => [r.className, r.querySelector('.t').textContent, +r.querySelector('.num').textContent])") or []
        chosen = [a for a in alts if "chosen" in a[0]]
        rank = b.js("return document.getElementById('tok-rank').textContent")
        report(bool(opened) and len(alts) >= 2 and len(chosen) == 1 and alts[0] is chosen[0] and rank == "1",
               "a click on a token shows its alternatives, the greedy choice marked first with rank 1", "%s; rank %s" % (alts[:3], rank))
        prefix = len(ref_start["prompt_ids"]) + k
        lens_on = wait_for(lambda: b.panel("lens") in ("shown", "error"), 60, 0.1)
        rows = b.js("return document.querySelectorAll('#tok-lens tr').length")
        final_chosen = b.js("return !!document.querySelector('#tok-lens tr.final td:first-of-type .gen-lens-tok.chosen')")
        report(lens_on and b.panel("lens") == "shown" and rows >= 3 and final_chosen,
               "the logit lens of that step is shown; its last row's top token is the chosen one", "%s rows; errors %s" % (rows, b.error_boxes()))
        inspect_url = next((u for u in b.requests() if u.startswith("/api/inspect")), "")
        q = urllib.parse.parse_qs(urllib.parse.urlparse(inspect_url).query)
        want = ",".join(str(i) for i in ref_start["prompt_ids"] + [t["id"] for t in ref_tokens[:k]])
        report(q.get("ids") == [want] and "lens" in (q.get("only") or [""])[0], "the step is inspected on the prompt ids and the tokens before it", inspect_url[:200])
        attn = b.js("return [...document.querySelectorAll('#tok-attn .tok')].map(c => +c.dataset.v)") or []
        report(len(attn) == prefix and abs(sum(attn) - 1) < 0.02, "the attention row covers the prefix and sums to 1",
               "%d tokens (prefix %d), sum %.4f" % (len(attn), prefix, sum(attn)))
        b.js("const s = document.getElementById('tok-attn-layer'); s.value = '5'; s.dispatchEvent(new Event('change'))")
        b.js("const s = document.getElementById('tok-attn-head'); s.value = '1'; s.dispatchEvent(new Event('change'))")
        attn5 = b.js("return [...document.querySelectorAll('#tok-attn .tok')].map(c => +c.dataset.v)") or []
        where = b.js("const s = document.getElementById('tok-attn'); return s.dataset.layer + ':' + s.dataset.head")
        report(where == "5:1" and len(attn5) == prefix and abs(sum(attn5) - 1) < 0.1 and attn5 != attn,
               "another layer and head redraw the row without a new request", "%s sum %.3f" % (where, sum(attn5)))
        b.check_console("after opening a token")

        # keyboard: Enter on a focused token, arrows to the next, Escape back
        first = b.d.find_element(By.CSS_SELECTOR, "#gen-output .gen-tok[data-i='0']")
        b.js("arguments[0].focus()", first)
        first.send_keys(Keys.ENTER)
        on0 = wait_for(lambda: b.panel("i") == "0", 3)
        b.js("document.querySelector(\"#gen-output .gen-tok[data-i='0']\").focus()")
        b.d.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
        on1 = wait_for(lambda: b.panel("i") == "1", 3)
        b.d.find_element(By.ID, "token-panel").send_keys(Keys.ESCAPE)
        closed = wait_for(lambda: b.panel("state") == "empty", 3)
        focus = b.js("return document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.i : null")
        report(bool(on0 and on1 and closed) and focus == "1", "keyboard: Enter opens a token, arrows move, Escape closes and returns focus",
               "on0=%s on1=%s closed=%s focus=%s" % (on0, on1, closed, focus))

        # ------------------------------------------------------------ attributions on demand
        b.d.find_element(By.CSS_SELECTOR, "#gen-output .gen-tok[data-i='%d']" % k).click()
        wait_for(lambda: b.panel("lens") in ("shown", "error"), 60, 0.1)
        b.click_id("tok-attr-btn")
        busy = wait_for(lambda: b.js("return !!document.querySelector('#tok-attr-busy .progress.indeterminate')") or b.panel("attr") == "done", 5)
        report(bool(busy), "attributions show their progress (with Cancel)")
        t1 = time.time()
        wait_for(lambda: b.panel("attr") in ("done", "error", "cancelled"), args.slow, 0.25)
        gap = b.js("const g = document.getElementById('tok-gap'); return g ? [g.textContent, +g.dataset.gap] : null")
        chips = b.js("return document.querySelectorAll('#tok-attr-strip .tok[data-pos]').length")
        report(b.panel("attr") == "done" and gap and "completeness gap" in gap[0] and abs(gap[1]) < 0.1 and chips == prefix,
               "attributions colour the prefix and give the completeness gap",
               "%s; %s tokens in %.0f s; errors %s" % (gap, chips, time.time() - t1, b.error_boxes()))
        b.screenshot("generate-light")
        b.panel_shot("generate-panel-light")

        # theme: the token shading follows
        before = b.tokens()[0][2]
        b.toggle_theme()
        after = wait_for(lambda: (lambda c: c if c != before else None)(b.tokens()[0][2]), 3)
        report(b.scheme() == "dark" and bool(after), "the theme switch repaints the tokens", "%s -> %s" % (before, after))
        b.screenshot("generate-dark")
        b.check_console("in the dark theme")
        b.toggle_theme()

        # ------------------------------------------------------------ Stop
        b.type_into("gen-prompt", "Once upon a time")
        b.set_value("set-max_tokens", 400)
        b.set_value("set-temperature", 0.8)
        b.set_value("set-seed", 7)
        b.click_id("gen-btn")
        some = wait_for(lambda: int(b.page("count") or 0) >= 3, 60, 0.05)
        b.click_id("gen-stop")
        stopped = wait_for(lambda: b.page("phase") in ("cancelled", "done", "error"), 10, 0.1)
        n1 = int(b.page("count") or 0)
        time.sleep(1.0)
        n2 = int(b.page("count") or 0)
        report(bool(some and stopped) and b.page("phase") == "cancelled" and n1 == n2 < 400, "Stop ends the generation where it is",
               "phase=%s stop=%s count %s then %s" % (b.page("phase"), b.page("stop"), n1, n2))
        b.check_console("after stopping")

        # ------------------------------------------------------------ chat: two turns
        b.click_id("mode-chat")
        report(b.page("mode") == "chat" and b.page("phase") == "empty" and b.js("return !document.getElementById('gen-system').closest('label').hidden"),
               "Chat mode shows the system prompt and an empty conversation")
        b.set_value("set-max_tokens", 24)
        b.set_value("set-temperature", 0)
        b.js("window.__requests = []")
        b.type_into("gen-prompt", CHAT).send_keys(Keys.ENTER)
        wait_for(lambda: b.page("phase") in ("done", "error", "cancelled"), 120, 0.1)
        bubbles = b.js("return [...document.querySelectorAll('#gen-output .gen-bubble')].map(x => [x.dataset.role, x.querySelectorAll('.gen-tok').length, x.textContent])") or []
        first_url = next((u for u in b.requests() if u.startswith("/api/generate")), "")
        fq = urllib.parse.parse_qs(urllib.parse.urlparse(first_url).query)
        report(b.page("phase") == "done" and [x[0] for x in bubbles] == ["user", "assistant"] and bubbles[1][1] > 0 and fq.get("chat") == ["1"],
               "a chat message gets an answer bubble (chat=1: the server applies the template)",
               "%s; %s" % ([(x[0], x[1], x[2][:60]) for x in bubbles], first_url[:120]))
        answer = bubbles[1][2] if len(bubbles) > 1 else ""
        report("Paris" in answer, "the answer names Paris", answer[:120])
        b.js("window.__requests = []")
        b.type_into("gen-prompt", CHAT2).send_keys(Keys.ENTER)
        wait_for(lambda: b.page("phase") in ("done", "error", "cancelled") and len(b.js("return document.querySelectorAll('.gen-bubble')")) == 4, 120, 0.1)
        second_url = next((u for u in b.requests() if u.startswith("/api/generate")), "")
        sq = urllib.parse.parse_qs(urllib.parse.urlparse(second_url).query)
        sp = (sq.get("prompt") or [""])[0]
        roles = b.js("return [...document.querySelectorAll('#gen-output .gen-bubble')].map(x => x.dataset.role)")
        report(roles == ["user", "assistant", "user", "assistant"] and sq.get("chat") is None and CHAT in sp and "<|im_start|>user\n" + CHAT2 in sp
               and sp.endswith("<|im_start|>assistant\n"), "the second message continues the conversation as ChatML text",
               "%s; prompt ends %r" % (roles, sp[-80:]))
        last = b.d.find_elements(By.CSS_SELECTOR, ".gen-bubble.assistant")[-1].find_element(By.CSS_SELECTOR, ".gen-tok[data-i='0']")
        last.click()
        wait_for(lambda: b.panel("lens") in ("shown", "error"), 60, 0.1)
        report(b.panel("lens") == "shown", "a token of the second answer opens with its lens", "lens=%s" % b.panel("lens"))
        b.screenshot("generate-chat-light")
        b.check_console("in chat mode")

        # Chinese, dark
        b.click_id("chat-reset")
        report(b.js("return document.querySelectorAll('.gen-bubble').length") == 0, "New conversation clears the chat")
        b.toggle_theme()
        b.type_into("gen-prompt", CHINESE).send_keys(Keys.ENTER)
        wait_for(lambda: b.page("phase") in ("done", "error", "cancelled"), 120, 0.1)
        cjk = b.js("const a = document.querySelector('.gen-bubble.assistant'); return a ? a.textContent : ''") or ""
        report(b.page("phase") == "done" and len(cjk) > 0, "a Chinese message gets an answer", cjk[:80])
        # characters split into byte-level tokens are shown whole: the first token of a group shows the character,
        # the others nothing (tok-cont); never "\x" escapes or U+FFFD
        groups = b.js("""return [...document.querySelectorAll('.gen-bubble.assistant .gen-tok.tok-cont')].map(c => {
            let f = c; while (f && f.classList.contains('tok-cont')) f = f.previousElementSibling;
            return [+c.dataset.i, f ? f.textContent : null]; })""") or []
        report(len(groups) > 0 and all(f for _, f in groups) and not bad_text(cjk),
               "the Chinese answer shows characters, its split ones grouped (no \\x escapes, no U+FFFD)",
               "%d continuation tokens, first of their groups %s; answer %r" % (len(groups), [f for _, f in groups][:6], cjk[:60]))
        # token 1 may be the second half of a character (an empty element): a click on it still opens it
        b.js("document.querySelector(\".gen-bubble.assistant .gen-tok[data-i='1']\").click()")
        wait_for(lambda: b.panel("lens") in ("shown", "error"), 60, 0.1)
        inside = b.js("""const p = document.getElementById('token-panel'), s = document.getElementById('tok-attn');
            return [p.textContent, s ? s.textContent : '', [...p.querySelectorAll('[title]')].map(n => n.title).join(' ')]""") or ["", "", ""]
        report(b.panel("lens") == "shown" and "北京" in inside[1] and not any(bad_text(x) for x in inside),
               "the prompt's tokens, the alternatives and the lens show Chinese characters (no \\x escapes, no U+FFFD)",
               "lens=%s; prompt tokens %r" % (b.panel("lens"), inside[1][-40:]))
        b.screenshot("generate-chat-chinese-dark")
        b.panel_shot("generate-panel-chinese-dark")
        b.toggle_theme()
        b.check_console("with a Chinese chat")

        # ------------------------------------------------------------ interventions
        b.click_id("mode-text")
        b.type_into("gen-prompt", PROMPT)
        b.set_value("set-max_tokens", TOKENS)
        b.click_id("add-head")
        head = b.js("return document.querySelector('.iv-edit[data-kind=head]').id")
        b.set_value(head + "-layer", 3)
        b.set_value(head + "-head", 2)
        b.set_value(head + "-scale", 1)
        b.click_id("add-neuron")
        neuron = b.js("return document.querySelector('.iv-edit[data-kind=neuron]').id")
        b.set_value(neuron + "-layer", 2)
        b.set_value(neuron + "-index", 100)
        b.set_value(neuron + "-scale", 1)
        b.set_value("iv-tokens", 8)
        b.click_id("iv-compare")
        wait_for(lambda: b.page("intervene") in ("done", "error", "cancelled"), args.slow, 0.2)
        kl1 = b.js("const k = document.getElementById('iv-kl'); return k ? +k.dataset.kl : null")
        same1 = b.js("return document.getElementById('iv-result').dataset.same")
        report(b.page("intervene") == "done" and kl1 is not None and abs(kl1) < 1e-6 and same1 == "1",
               "a head and a neuron at scale 1 change nothing: KL 0 and the same continuation", "KL=%s same=%s; errors %s" % (kl1, same1, b.error_boxes()))
        b.set_value(head + "-scale", 0)
        b.js("document.querySelector('.iv-edit[data-kind=neuron] .icon-btn').click()")
        b.click_id("iv-compare")
        wait_for(lambda: b.page("intervene") in ("done", "error", "cancelled") and b.js("const k = document.getElementById('iv-kl'); return k && +k.dataset.kl !== %r" % kl1), args.slow, 0.2)
        kl0 = b.js("const k = document.getElementById('iv-kl'); return k ? +k.dataset.kl : null")
        report(b.page("intervene") == "done" and kl0 is not None and kl0 > 0, "removing a head changes the distribution (KL > 0)", "KL=%s" % kl0)
        b.js("document.querySelector('.iv-edit[data-kind=head] .icon-btn').click()")
        b.click_id("add-steer")
        steer = b.js("return document.querySelector('.iv-edit[data-kind=steer]').id")
        b.set_value(steer + "-layer", 6)
        b.type_into(steer + "-from", "I love Rome")
        b.type_into(steer + "-to", "I love Paris")
        b.set_value(steer + "-scale", 1)
        report(b.js("return document.getElementById('add-steer').disabled"), "one steering vector at a time")
        labels = b.js("return [...document.querySelectorAll('.iv-edit[data-kind=steer] .iv-text .field-label')].map(x => x.textContent)")
        hint = b.js("const h = document.querySelector('.iv-edit[data-kind=steer] .iv-steer-hint'); return h ? h.textContent : ''")
        report(labels == ["From (away from)", "To (towards)"] and "from the first text to the second" in hint,
               "the steering fields say which way they push: From (away from), To (towards)", "%s; %s" % (labels, hint))
        b.click_id("iv-compare")
        wait_for(lambda: b.page("intervene") in ("done", "error", "cancelled") and b.js("const k = document.getElementById('iv-kl'); return k && +k.dataset.kl !== %r" % kl0), args.slow, 0.2)
        kls = b.js("const k = document.getElementById('iv-kl'); return k ? +k.dataset.kl : null")
        changed = b.js("return document.getElementById('iv-result').dataset.changed")
        top = b.js("return [...document.querySelectorAll('#iv-original-top .t, #iv-intervened-top .t')].map(t => t.textContent)")
        cont = b.js("const c = document.getElementById('iv-cont-intervened'); return c ? c.textContent : ''")
        report(b.page("intervene") == "done" and kls is not None and (kls > 0.01 or changed == "1"),
               "a steering vector moves the prediction", "KL=%s top changed=%s; tops %s; continuation %r" % (kls, changed, top[:3] + top[8:11], cont))
        applied = b.js("return [...document.querySelectorAll('.iv-applied li')].map(l => l.textContent)")
        report(applied and "steer" in applied[0], "the applied edits are described", "; ".join(applied or []))
        b.screenshot("generate-intervene-light")
        b.check_console("after comparing")

        # generate with the edits beside a plain generation
        b.click_id("iv-generate")
        wait_for(lambda: b.page("pair") in ("done", "error", "cancelled"), args.slow, 0.2)
        plain = len(b.tokens("#pair-plain"))
        edited = len(b.tokens("#pair-edited"))
        pair_reqs = [u for u in b.requests() if u.startswith("/api/generate")][-2:]
        report(b.page("pair") == "done" and plain > 0 and edited > 0 and len(pair_reqs) == 2 and "steer_layer" not in pair_reqs[0] and "steer_layer" in pair_reqs[1],
               "Generate with edits streams a plain and an edited generation side by side", "%s and %s tokens" % (plain, edited))
        b.toggle_theme()
        b.screenshot("generate-intervene-dark")
        b.toggle_theme()

        # a bad edit: the server's message
        b.set_value(steer + "-layer", 99)
        b.expected += ["status of 400", "status of 422"]  # the browser logs the refused request itself
        b.click_id("iv-compare")
        err = wait_for(lambda: b.js("const e = document.querySelector('#iv-errors .error-box'); return e ? e.textContent : ''"), 30)
        report(bool(err) and "99" in err and b.page("intervene") == "error", "a bad edit shows the server's message", (err or "")[:160])
        b.check_console("after a refused edit")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
