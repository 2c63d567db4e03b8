#!/usr/bin/env python3
"""Browser test of the fine-tuning view (views/classic.js's finetuneView) against a running `glassbox serve`.

It starts a small `glassbox finetune` into the server's runs folder (tests/browser/run-finetune-test.sh serves it and
passes the run's settings), opens the run page while the run trains, and once it has finished compares what the page
shows with GET /api/runs/RUN, .../figures?name=finetune and .../scalars. It prints one line per check and exits
non-zero when any check fails; every wait has a timeout and a watchdog ends the whole script.

    ~/.cache/glassbox-browser-venv/bin/python tests/browser/finetune_test.py --url http://127.0.0.1:8765 \\
        --bin .build/release/glassbox --runs-dir RUNS --finetune-args "--steps 6 ..." [--screenshots DIR]

What the pages expose for it: section#finetune on the run page (data-state: loading | shown | empty | error,
data-checkpoints) holding the view .ft-view (data-index, data-step, data-checkpoints); the facts #ft-facts with
#ft-fact-method (data-method), #ft-fact-params (data-value), #ft-fact-model, #ft-fact-data (data-value: the file
names), #ft-fact-loss (data-base, data-latest, data-latest-step, data-drop) and #ft-fact-memory (data-value), each
with .ft-fact-value and .ft-fact-sub; the player #ft-player with #ft-prev, #ft-play, #ft-next, the range #ft-slider
and the step #ft-step; the line #ft-step-loss (data-step, data-value); the score #ft-score (data-tuned, data-base,
data-total); the table #ft-table (data-step, data-rows) whose rows tr[data-index][data-tuned-ok][data-base-ok] hold
.ft-prompt, .ft-ref, .ft-base and .ft-tuned cells (the text in .ft-text, .ft-match where an answer equals the
reference, links .ft-try and .ft-inside); the usage line #ft-usage-cmd (data-path, data-step), the prompt picker
#ft-usage-prompt, #ft-usage-copy and #ft-usage-copied; the checkpoints table's .ck-show; the chart #chart-memory;
the runs list's .kind-badge[data-kind=finetune] and .run-metric (.run-metric-drop).
"""
import os
import shlex
import subprocess
import sys
import urllib.error

from browsing import (Keys, Page, api, begin, browser_session, check_runs_list, check_show_button, page_test_parser, quote, report,
                      start_browser, summary, wait_for)

GLOSSARY_TERMS = ["checkpoint", "loss", "heldout", "greedy", "base", "reference", "adapter", "lora", "rank"]


class Browser(Page):
    view_selector = ".ft-view"
    element_height = 2400

    def rows(self):
        """The comparison table as the page shows it: per row its texts, its ✓ flags and marks, its links."""
        return self.js("""return [...document.querySelectorAll('#ft-table tbody tr')].map(tr => {
            const t = (sel) => { const n = tr.querySelector(sel + ' .ft-text'); return n ? n.textContent : null; };
            return {index: tr.dataset.index, tunedOk: tr.dataset.tunedOk, baseOk: tr.dataset.baseOk,
              prompt: t('.ft-prompt'), reference: t('.ft-ref'), base: t('.ft-base'), tuned: t('.ft-tuned'),
              tunedMark: !!tr.querySelector('.ft-tuned .ft-match'), baseMark: !!tr.querySelector('.ft-base .ft-match'),
              empty: Object.fromEntries(['reference', 'base', 'tuned'].map(k => [k, !!tr.querySelector('.ft-' + (k === 'reference' ? 'ref' : k) + ' .ft-empty')])),
              tryHref: (tr.querySelector('.ft-try') || {}).href || '', insideHref: (tr.querySelector('.ft-inside') || {}).href || ''};
        })""")


def same(a, ref):
    """An answer equal to the reference once leading and trailing whitespace is set aside (the page's rule)."""
    return isinstance(a, str) and isinstance(ref, str) and a.strip() == ref.strip()


def scalars(base, run_id, tag, extra=""):
    try:
        return api(base, "/api/runs/%s/scalars?tag=%s&buckets=10000%s" % (quote(run_id), quote(tag), extra))["buckets"]
    except urllib.error.HTTPError:
        return []


def check_rows(b, fig, hp, where):
    """The rows of the comparison against one figure: count, texts, ✓ flags and marks, the score."""
    ex = fig["examples"]
    rows = wait_for(lambda: (lambda r: r if r and b.data("ft-table", "step") == str(fig["step"]) else None)(b.rows()), 5) or b.rows()
    report(len(rows) == len(ex) == hp.get("compare", len(ex)), "%s: one row per held-out prompt (--compare %s)" % (where, hp.get("compare")),
           "%d rows, %d examples in the figure" % (len(rows), len(ex)))
    texts_ok, bad = True, []
    for r, e in zip(rows, ex):
        for key in ["prompt", "reference", "base", "tuned"]:
            want = e[key]
            # an empty (or whitespace-only) answer shows a note in its place
            ok = r[key] == want if key == "prompt" or want.strip() else r["empty"][key]
            if not ok:
                texts_ok = False
                bad.append("row %s %s: %r vs %r" % (r["index"], key, (r[key] or "")[:40], want[:40]))
    report(texts_ok, "%s: prompts, references, base and fine-tuned answers are the figure's (step %d)" % (where, fig["step"]), "; ".join(bad[:3]))
    marks_ok = all(
        (r["tunedOk"] == ("1" if same(e["tuned"], e["reference"]) else "0")) and (r["baseOk"] == ("1" if same(e["base"], e["reference"]) else "0"))
        and r["tunedMark"] == same(e["tuned"], e["reference"]) and r["baseMark"] == same(e["base"], e["reference"])
        for r, e in zip(rows, ex))
    tuned_n = sum(same(e["tuned"], e["reference"]) for e in ex)
    base_n = sum(same(e["base"], e["reference"]) for e in ex)
    score = b.text("ft-score") or ""
    report(marks_ok and b.data("ft-score", "tuned") == str(tuned_n) and b.data("ft-score", "base") == str(base_n)
           and ("%d of %d" % (tuned_n, len(ex))) in score and ("base model: %d of %d" % (base_n, len(ex))) in score,
           "%s: ✓ marks and the count agree with the data (tuned %d, base %d of %d)" % (where, tuned_n, base_n, len(ex)),
           "score %r; rows %s" % (score, [(r["tunedOk"], r["baseOk"], r["tunedMark"], r["baseMark"]) for r in rows]))
    return rows


def main():
    ap = page_test_parser("Browser test of the fine-tuning view (needs a running glassbox serve and the bundled model).", timeout=190)
    ap.add_argument("--bin", required=True, help="the glassbox binary: fine-tunes while the page is open")
    ap.add_argument("--runs-dir", required=True, help="the server's runs folder")
    ap.add_argument("--name", default="ft", help="the run's name (default ft)")
    ap.add_argument("--finetune-args", default="--steps 6 --checkpoint-interval 3 --eval-interval 3 --compare 3 --compare-tokens 16 --validation 12 --batch 2",
                    help="the settings of the run (two checkpoints or more)")
    args, base = begin(ap)
    b = start_browser(Browser, base, args.screenshots)
    if not b:
        return 1

    cmd = [args.bin, "finetune"] + shlex.split(args.finetune_args) + ["--runs-dir", args.runs_dir, "--name", args.name, "--no-tensorboard"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with browser_session(b, [proc]):
        # ---- the run's page while it trains
        b.open("/", theme="light")
        live = wait_for(lambda: next((r for r in api(base, "/api/runs") if r["name"] == args.name), None), 60, 0.2)
        if not report(bool(live) and live.get("kind") == "finetune", "the fine-tuning run is listed (kind finetune) while it starts",
                      "%s; finetune: %s" % (live and {k: live.get(k) for k in ("kind", "status", "step")}, proc.poll() is None or proc.stderr.read().decode("utf-8", "replace")[-300:])):
            return 1
        run_id = live["id"]
        ready = b.open("/runs/" + quote(run_id))
        b.mark_loaded()
        state = b.wait_data("finetune", "state", ("shown", "empty", "error"), 15)
        at_open = int(b.data("finetune", "checkpoints") or 0)
        report(bool(ready) and state in ("shown", "empty") and b.js("return !!document.getElementById('ft-facts')"),
               "the run page opens during training with the section and its facts", "state=%s, %d checkpoints so far; errors: %s" % (state, at_open, b.error_boxes()))
        try:
            _, err = proc.communicate(timeout=max(10, args.timeout - 75))
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        if not report(proc.returncode == 0, "the fine-tuning finishes", (err or b"").decode("utf-8", "replace")[-300:]):
            return 1
        run = api(base, "/api/runs/" + quote(run_id))
        figs = sorted(api(base, "/api/runs/%s/figures?name=finetune" % quote(run_id)), key=lambda f: f["step"])
        hp, cks = run["hyper_parameters"], sorted(run["checkpoints"], key=lambda c: c["step"])
        if not report(len(figs) >= 2 and len(cks) == len(figs) and all(len(f["examples"]) == hp["compare"] for f in figs),
                      "the run has a figure per checkpoint, each with --compare examples", "%d figures, %d checkpoints" % (len(figs), len(cks))):
            return 1
        last = figs[-1]
        grown = wait_for(lambda: b.view("checkpoints") == str(len(figs)) and b.view("step") == str(last["step"]) and b.data("finetune", "state") == "shown", 20, 0.2)
        report(bool(grown) and at_open < len(figs) and b.not_reloaded(),
               "the section follows the new checkpoints live (no reload)", "%d at opening → %s (API %d), view at step %s" % (
                   at_open, b.view("checkpoints"), len(figs), b.view("step")))

        # ---- the facts against the API
        val = scalars(base, run_id, "val/loss")
        rss = scalars(base, run_id, "memory/peak_rss_mb")
        base_loss = next((x["last"] for x in val if x["last_step"] == 0), None)
        after = [x for x in val if x["last_step"] > 0]
        close = lambda a, b_: a is not None and b_ is not None and abs(float(a) - float(b_)) <= 1e-9 * max(1, abs(float(b_)))
        loss_ok = wait_for(lambda: close(b.data("ft-fact-loss", "base"), base_loss) and after and close(b.data("ft-fact-loss", "latest"), after[-1]["last"]), 10)
        drop = (base_loss - after[-1]["last"]) / base_loss if base_loss and after else None
        want_drop = ("\u2212" if drop >= 0 else "+") + "%.1f%%" % (100 * abs(drop)) if drop is not None else "?"
        loss_text = b.js("return document.querySelector('#ft-fact-loss').textContent")
        report(bool(loss_ok) and "%.3f" % base_loss in loss_text and "%.3f" % after[-1]["last"] in loss_text and want_drop in loss_text,
               "held-out loss: the base model's (val/loss at step 0) → the newest, with the relative drop", "%r (want %.3f → %.3f, %s)" % (
                   loss_text, base_loss or -1, after[-1]["last"] if after else -1, want_drop))
        method = b.js("return document.querySelector('#ft-fact-method').textContent")
        want_method = "LoRA r %d, \u03b1 %s" % (hp["rank"], ("%g" % hp["alpha"]))
        targets = [t.replace("_proj", "") for t in hp.get("targets", [])]
        report(b.data("ft-fact-method", "method") == hp["method"] and want_method in method and ", ".join(targets) in method,
               "method: LoRA with its rank, alpha and projections", "%r (want %r on %s)" % (method, want_method, targets))
        report(b.data("ft-fact-params", "value") == str(run["parameter_count"]), "trainable parameters are the run's parameter_count",
               "%s vs %s (%s)" % (b.data("ft-fact-params", "value"), run["parameter_count"], b.js("return document.querySelector('#ft-fact-params .ft-fact-value').textContent")))
        model_name, data_name = os.path.basename(hp["model"]), os.path.basename(hp["data"])
        report(b.data("ft-fact-model", "value") == model_name and b.data("ft-fact-data", "value") == data_name
               and str(hp["validationExamples"]) + " held out" in (b.text("ft-fact-data") or ""),
               "base model and data file names", "%s, %s (%r)" % (b.data("ft-fact-model", "value"), b.data("ft-fact-data", "value"), b.text("ft-fact-data")))
        want_rss = rss[-1]["last"] if rss else None
        mem_text = b.js("return document.querySelector('#ft-fact-memory .ft-fact-value').textContent")
        report(want_rss is not None and close(b.data("ft-fact-memory", "value"), want_rss) and "{:,}".format(round(want_rss)) in mem_text,
               "peak memory is the last memory/peak_rss_mb", "%r (want %s MB)" % (mem_text, want_rss))
        report("Base model" in b.js("return document.querySelector('.run-head .stats').textContent") and model_name in b.js("return document.querySelector('.run-head .stats').textContent"),
               "the run's header names the base model")
        mem_chart = wait_for(lambda: b.data("chart-memory", "drawn") == "1", 5)
        report(bool(mem_chart) and b.js("return !document.getElementById('samples')"), "the peak-memory chart is drawn; no empty text-sample panel")

        # ---- the comparison at the newest checkpoint, then the player
        check_rows(b, last, hp, "newest checkpoint")
        rows = b.rows()
        model_id = "%s@%d" % (run_id, last["step"])
        report(all(urllib.parse.quote(model_id, safe="") in r["tryHref"] and "chat=1" in r["tryHref"] for r in rows) and all("tab=diff" in r["insideHref"] for r in rows),
               "each row links to Generate and to the base-against-fine-tuned comparison of its checkpoint", rows[0]["tryHref"][:160] if rows else "")
        cmd_line = b.text("ft-usage-cmd") or ""
        report(cks[-1]["path"] in cmd_line and cmd_line.startswith("glassbox generate --chat --adapter ") and b.data("ft-usage-cmd", "path") == cks[-1]["path"],
               "the usage line holds the newest checkpoint's path", cmd_line)
        line_loss = b.data("ft-step-loss", "value")
        report(close(line_loss, next((x["last"] for x in after if x["last_step"] == last["step"]), None)), "the player's line gives the held-out loss at the chosen step",
               b.text("ft-step-loss") or "")

        slider = b.press("#ft-slider", Keys.HOME)
        first = figs[0]
        moved = wait_for(lambda: b.view("index") == "0" and b.data("ft-table", "step") == str(first["step"]), 5)
        report(bool(moved) and (b.text("ft-step") or "").replace(",", "") == "step %d" % first["step"] and (b.text("ft-tuned-step") or "").replace(",", "") == "step %d" % first["step"],
               "the player moves to the first checkpoint (slider, step, column head)", "step %r, column %r" % (b.text("ft-step"), b.text("ft-tuned-step")))
        rows0 = check_rows(b, first, hp, "first checkpoint")
        differs = [e["tuned"] for e in first["examples"]] != [e["tuned"] for e in last["examples"]]
        report(not differs or [r["tuned"] for r in rows0] != [r["tuned"] for r in rows],
               "the fine-tuned answers change with the checkpoint" + ("" if differs else " (equal in both figures here)"),
               "step %d vs %d" % (first["step"], last["step"]))
        report(cks[0]["path"] in (b.text("ft-usage-cmd") or "") and b.data("ft-usage-cmd", "step") == str(first["step"]), "the usage line follows the player",
               b.text("ft-usage-cmd") or "")
        b.press_focused("ft-play", Keys.ARROW_RIGHT)
        ok1 = wait_for(lambda: b.view("index") == "1" and b.data("ft-table", "step") == str(figs[1]["step"]), 5)
        b.click_id("ft-prev")
        ok2 = wait_for(lambda: b.view("index") == "0", 5)
        report(bool(ok1 and ok2), "→ in the player and the previous button step through the checkpoints", "index %s" % b.view("index"))
        b.click_id("ft-play")
        ended = wait_for(lambda: b.data("ft-player", "playing") == "0" and b.view("index") == str(len(figs) - 1), 6)
        report(bool(ended) and b.data("ft-table", "step") == str(last["step"]), "play runs through the checkpoints and stops at the newest", "index %s" % b.view("index"))

        # the prompt in the usage line, and the copy button
        b.js("arguments[0].value = '1'; arguments[0].dispatchEvent(new Event('change'))", b.scroll_to("#ft-usage-prompt"))
        p1 = last["examples"][1]["prompt"]
        report(p1 in (b.text("ft-usage-cmd") or ""), "the usage line takes the prompt picked", b.text("ft-usage-cmd") or "")
        b.click_id("ft-usage-copy")
        copied = wait_for(lambda: b.text("ft-usage-copied"), 3)
        report(bool(copied), "the Copy button copies the command (or selects it)", repr(copied))

        # the checkpoints table's Show picks that checkpoint
        check_show_button(b, first["step"], lambda: b.view("index") == "0" and b.data("ft-table", "step") == str(first["step"]))
        terms = b.js("return [...new Set([...document.querySelectorAll('.ft-view .v-help')].map(b => b.dataset.term))]")
        report(all(t in terms for t in GLOSSARY_TERMS), "the panels' words open the glossary", str(terms))
        b.check_console("on the fine-tuning run page")

        # ---- both themes
        b.js("document.querySelector('.ft-view').dataset.probe = 1")
        slider.send_keys(Keys.END)
        wait_for(lambda: b.view("index") == str(len(figs) - 1), 3)
        light_bg = b.js("return getComputedStyle(document.querySelector('#ft-table .ft-base .ft-answer')).backgroundColor")
        b.shot_element("finetune", "finetune-section-light")
        dark = b.switch_theme("dark")
        dark_bg = b.js("return getComputedStyle(document.querySelector('#ft-table .ft-base .ft-answer')).backgroundColor")
        report(bool(dark) and dark_bg != light_bg and b.view("probe") == "1", "the dark theme recolours the section (no redraw from scratch)", "%s → %s" % (light_bg, dark_bg))
        b.shot_element("finetune", "finetune-section-dark")
        b.check_console("after switching to the dark theme")

        # ---- the runs list
        check_runs_list(b, "finetune", "Fine-tune", [run_id], "the runs list marks the run Fine-tune",
                        "held-out%.3f%s" % (run["last"]["val/loss"], want_drop), "the runs list shows the held-out loss and its drop from the base model")
        b.open("/", theme="dark")
        b.check_console("on the runs list, dark")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
