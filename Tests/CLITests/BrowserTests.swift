import Foundation
import Testing

/// Headless Chromium (Debian's `chromium`, installed by `scripts/setup.sh --test`) with the network disabled: a
/// proxy that points nowhere, and the reports' own Content-Security-Policy forbids every fetch anyway.
struct Browser {
    struct Page {
        let status: Int32
        let dom: String
        let log: String
        /// Console messages and uncaught exceptions reported by the page.
        var consoleErrors: [String] {
            log.split(separator: "\n").map(String.init).filter {
                $0.contains("CONSOLE") || $0.contains("Uncaught") || $0.contains("ERR_") && $0.contains("file://")
            }
        }
    }

    static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Loads `file`, lets its scripts run, and returns the resulting DOM (and a screenshot when asked).
    static func load(_ file: String, screenshot: String? = nil, height: Int = 2600) throws -> Page {
        guard let exe = executable else { throw BrowserMissing() }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-chromium-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: profile) }
        var args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                    "--disable-background-networking", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
                    "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
                    "--virtual-time-budget=15000", "--window-size=1280,\(height)"]
        args += screenshot.map { ["--screenshot=\($0)"] } ?? ["--dump-dom"]
        args.append(URL(fileURLWithPath: file).absoluteString)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        // Read both pipes concurrently: a full stderr pipe would block the browser.
        final class Box: @unchecked Sendable { var data = Data() }   // written by the reader, read after it ends
        let errData = Box()
        let reader = Thread { errData.data = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !reader.isFinished { usleep(10_000) }
        return Page(status: p.terminationStatus, dom: String(decoding: o, as: UTF8.self), log: String(decoding: errData.data, as: UTF8.self))
    }
}

struct BrowserMissing: Error, CustomStringConvertible {
    var description: String { "chromium is not installed (scripts/setup.sh --test installs it)" }
}

/// Width and height from a PNG's IHDR chunk, and the file size (a blank page compresses to almost nothing).
func pngSize(_ path: String) throws -> (width: Int, height: Int, bytes: Int) {
    let d = try Data(contentsOf: URL(fileURLWithPath: path))
    guard d.count > 24, d.prefix(8) == Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) else { return (0, 0, d.count) }
    func be32(_ o: Int) -> Int { d[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
    return (be32(16), be32(20), d.count)
}

@Suite("HTML reports in a real browser", .serialized)
struct ReportBrowserTests {
    @Test func inspectReportRendersWithoutErrors() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("report.html").path
        let r = try glassbox(["inspect", "The Eiffel Tower is located in the city of", "--html", html, "--steps", "16"])
        #expect(r.status == 0, "\(r.err)")
        let source = try String(contentsOfFile: html, encoding: .utf8)
        // Self-contained: no external resources of any kind.
        for needle in ["src=\"http", "href=\"http", "src='http", "@import", "url(http", "<link"] {
            #expect(!source.contains(needle), "the report references \(needle)")
        }
        let page = try Browser.load(html)
        #expect(page.status == 0, "\(page.log.suffix(2000))")
        #expect(page.consoleErrors.isEmpty, "console: \(page.consoleErrors)")
        #expect(page.dom.contains("data-ready=\"1\""), "the script did not finish")
        for id in ["token-strip", "method", "gap", "logit-lens", "lens-table", "rank-chart", "head-grid", "dla-chart", "dla-heads", "neuron-heat",
                   "contribution-graph", "graph-canvas", "glossary"] {
            #expect(page.dom.contains("id=\"\(id)\""), "missing #\(id)")
        }
        // 10 tokens in the strip, 30 x 9 attention thumbnails.
        #expect(page.dom.components(separatedBy: "class=\"tok").count - 1 >= 10)
        #expect(page.dom.components(separatedBy: "class=\"thumb").count - 1 == 270)
        // A screenshot that is not blank: compare with a blank page's screenshot.
        let shot = dir.appendingPathComponent("report.png").path, blankShot = dir.appendingPathComponent("blank.png").path
        let blank = dir.appendingPathComponent("blank.html").path
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: blank, atomically: true, encoding: .utf8)
        _ = try Browser.load(html, screenshot: shot)
        _ = try Browser.load(blank, screenshot: blankShot)
        let s = try pngSize(shot), b = try pngSize(blankShot)
        #expect(s.width == 1280 && s.height == 2600)
        #expect(s.bytes > 8 * b.bytes, "screenshot \(s.bytes) bytes vs blank \(b.bytes)")
        if let keep = ProcessInfo.processInfo.environment["GLASSBOX_KEEP_SCREENSHOTS"] {
            try? FileManager.default.copyItem(atPath: shot, toPath: keep + "/inspect-report.png")
        }
    }

    @Test func patchReportRendersWithoutErrors() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let html = dir.appendingPathComponent("patch.html").path
        let r = try glassbox(["patch", "--clean", "The Eiffel Tower is in", "--corrupted", "The Colosseum is in",
                              "--answer", " Paris", "--wrong", " Rome", "--html", html])
        #expect(r.status == 0, "\(r.err)")
        let page = try Browser.load(html)
        #expect(page.consoleErrors.isEmpty, "console: \(page.consoleErrors)")
        #expect(page.dom.contains("data-ready=\"1\""))
        for id in ["patch-residual-svg", "patch-heads-svg"] { #expect(page.dom.contains("id=\"\(id)\""), "missing #\(id)") }
        let shot = dir.appendingPathComponent("patch.png").path
        _ = try Browser.load(html, screenshot: shot, height: 1400)
        #expect(try pngSize(shot).bytes > 20_000)
        if let keep = ProcessInfo.processInfo.environment["GLASSBOX_KEEP_SCREENSHOTS"] {
            try? FileManager.default.copyItem(atPath: shot, toPath: keep + "/patch-report.png")
        }
    }
}

@Suite("HTML report of a long prompt", .serialized)
struct LongReportTests {
    /// 512 tokens of tinyshakespeare, 30 layers x 9 heads: the file stays small (sparse attention rows) and the
    /// page loads without errors, drawing panels on demand.
    @Test func fiveHundredTwelveTokens() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: corpus, encoding: .utf8)
        // About 512 tokens: SmolLM2's tokenizer averages ~4 characters per token on this text.
        var prompt = String(text.prefix(2200))
        let promptFile = dir.appendingPathComponent("prompt.txt").path
        let ids = try glassbox(["tokenize", "--file", "-", "--json"], stdin: prompt)
        let n = (try JSONSerialization.jsonObject(with: Data(ids.out.utf8)) as! [String: Any])["ids"] as! [Int]
        if n.count > 512 {      // cut to 512 tokens by characters, conservatively
            prompt = String(prompt.prefix(prompt.count * 512 / n.count))
        }
        try prompt.write(toFile: promptFile, atomically: true, encoding: .utf8)
        let html = dir.appendingPathComponent("long.html").path
        let r = try glassbox(["inspect", "--file", promptFile, "--html", html, "--steps", "2", "--rule", "riemann"])
        #expect(r.status == 0, "\(r.err)")
        let size = try FileManager.default.attributesOfItem(atPath: html)[.size] as! Int
        print("512-token report: \(size / 1024) KiB")
        #expect(size < 16_000_000)
        let started = Date()
        let page = try Browser.load(html)
        print("512-token report: loaded and scripted in \(String(format: "%.1f", Date().timeIntervalSince(started))) s (chromium start included)")
        #expect(page.consoleErrors.isEmpty, "console: \(page.consoleErrors)")
        #expect(page.dom.contains("data-ready=\"1\""))
        #expect(page.dom.components(separatedBy: "class=\"thumb").count - 1 == 270)
    }
}

@Suite("Inspecting a model trained here", .serialized)
struct TrainedModelInspectionTests {
    @Test func inspectAndPatchAGPTCheckpoint() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let t = try glassbox(["train", "--data", corpus, "--steps", "10", "--runs-dir", dir.path, "--layers", "2", "--heads", "2",
                              "--width", "32", "--block", "32", "--batch", "4", "--eval-interval", "10", "--checkpoint-interval", "10"])
        #expect(t.status == 0, "\(t.err)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasSuffix("sqlite") && !$0.contains("sqlite-") }
        let checkpoint = dir.appendingPathComponent(runs[0]).appendingPathComponent("checkpoints/step-000010").path
        let html = dir.appendingPathComponent("gpt.html").path
        let r = try glassbox(["inspect", "--model", checkpoint, "ROMEO: wh", "--json", "--html", html])
        #expect(r.status == 0, "\(r.err)")
        let o = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        #expect((o["model"] as! [String: Any])["architecture"] as? String == "gpt2")
        #expect((o["tokens"] as! [Any]).count == 9 && (o["logit_lens"] as! [Any]).count == 3)
        let a = o["attributions"] as! [String: Any]
        #expect(abs(a["completeness_relative_gap"] as! Double) < 0.05)
        let dla = o["direct_logit_attribution"] as! [String: Any]
        let sum = (dla["embedding"] as! Double) + (dla["bias"] as! Double) + (dla["attention"] as! [Double]).reduce(0, +)
            + (dla["mlp"] as! [Double]).reduce(0, +)
        #expect(abs(sum - (a["f_input"] as! Double)) < 1e-3)
        let page = try Browser.load(html)
        #expect(page.consoleErrors.isEmpty, "console: \(page.consoleErrors)")
        #expect(page.dom.contains("data-ready=\"1\"") && page.dom.components(separatedBy: "class=\"thumb").count - 1 == 4)
        let p = try glassbox(["patch", "--model", checkpoint, "--clean", "ROMEO:", "--corrupted", "JULIET", "--answer", " ", "--wrong", "a", "--json"])
        #expect(p.status == 0, "\(p.err)")
        // Too long for the model's context (block 32).
        let long = try glassbox(["inspect", "--model", checkpoint, String(repeating: "a", count: 40)])
        #expect(long.status != 0 && long.err.contains("context"))
    }
}

@Suite("Studio in a real browser", .serialized)
struct StudioBrowserTests {
    /// tests/browser/run-studio-test.sh: two recorded runs and one training live, `glassbox serve` over them, and
    /// Selenium driving Chromium through the runs, run and compare pages (charts drawn, smoothing, comparison with
    /// differing hyper-parameters highlighted, live points within a second, no console errors); screenshots of
    /// every page in both themes land in .build/studio-screenshots.
    @Test func runsRunAndComparePagesWork() async throws {
        try await runBrowserScript("run-studio-test.sh", limit: 300)
    }

    /// tests/browser/run-inspect-test.sh: the inspect page over the bundled SmolLM2: a prompt typed, the first parts
    /// (one forward) on screen before the attributions, a second prompt that cancels the first, a head opened, a
    /// patching scan, a cancelled attribution, no console errors; screenshots in both themes.
    @Test func inspectPageWorks() async throws {
        try await runBrowserScript("run-inspect-test.sh", limit: 400)
    }

    /// tests/browser/run-generate-test.sh: the generate page: tokens streamed and coloured by probability, a token
    /// opened (alternatives, its logit lens and attention row, attributions on demand), Stop, a two-turn chat,
    /// interventions compared with the original; no console errors; screenshots in both themes.
    @Test func generatePageWorks() async throws {
        try await runBrowserScript("run-generate-test.sh", limit: 420)
    }

    /// tests/browser/run-model-test.sh: a checkpoint clicked on a run's loss curve opens the inspect page on it; the
    /// model card of the bundled model and of a checkpoint (tree, size class, types, weight heatmap, histograms).
    @Test func modelPageAndCheckpointLinksWork() async throws {
        try await runBrowserScript("run-model-test.sh", limit: 300)
    }

    /// tests/browser/run-probes-test.sh: a short run with two probes; the probe timeline on the run page (lens
    /// heatmap across checkpoints, heads forming, first step at rank 1), a step opened on the inspect page.
    @Test func probeTimelineWorks() async throws {
        try await runBrowserScript("run-probes-test.sh", limit: 300)
    }

    /// tests/browser/run-mlp-test.sh: two small MLP runs (spirals, sine); the run page's section (checkpoint player,
    /// decision boundary in both class colours, fitted function, metrics, importance, first layer), both themes, live
    /// updates on resume, the runs list's MLP badge, the exported --html file.
    @Test func mlpViewsWork() async throws {
        try await runBrowserScript("run-mlp-test.sh", limit: 300)
    }

    /// tests/browser/run-seq2seq-test.sh: a seq2seq run on the dates task and one without attention; the run page's
    /// section (checkpoint player, example picker, alignment heatmap, exact-match chart, Try your own input and its
    /// errors), both themes, the attention-less run's note, the runs list's Seq2seq badge and exact match.
    @Test func seq2seqViewWorks() async throws {
        try await runBrowserScript("run-seq2seq-test.sh", limit: 600)
    }

    /// tests/browser/run-finetune-test.sh: a small LoRA fine-tuning run of the bundled model watched live; the run
    /// page's section (facts against the API, the before/after answers at each checkpoint with the player, ✓ marks,
    /// the usage line), both themes, the runs list's Fine-tune badge.
    @Test func finetuneViewWorks() async throws {
        try await runBrowserScript("run-finetune-test.sh", limit: 300)
    }

    /// tests/browser/run-ranks-test.sh: a GPT trained on two ranks (mpirun -np 2), a one-process run, and a copy of the
    /// first made to look like a four-rank run of another host and user with one slow rank; the runs table's Ranks, Host
    /// and User columns (sorting, the ranks>1 / host= / user= filters, the Host and User selects kept in the URL), the
    /// run pages' ranks fact, "by USER on HOST" and Ranks section (a line per rank, the slowest named, the all-reduce
    /// share), both themes. Skipped where Open MPI is not installed.
    @Test(.enabled(if: mpirunPath != nil, "needs Open MPI's mpirun (Debian: openmpi-bin)"))
    func ranksViewWorks() async throws {
        try await runBrowserScript("run-ranks-test.sh", limit: 300)
    }

    /// tests/browser/run-diff-test.sh: two checkpoints of a run compared on one prompt (predictions, per-layer and
    /// per-head DLA changes, attention changes, neurons), reached from the run page; the contrast field.
    @Test func diffViewWorks() async throws {
        try await runBrowserScript("run-diff-test.sh", limit: 300)
    }

    /// Runs tests/browser/SCRIPT with this build's `glassbox` (screenshots into .build/studio-screenshots), kills
    /// it after `limit` seconds, and expects it to pass.
    func runBrowserScript(_ script: String, limit: Int) async throws {
        guard Browser.executable != nil else { throw BrowserMissing() }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("glassbox")
        let (status, log) = try await runScript(root.appendingPathComponent("tests/browser/" + script), [root.appendingPathComponent(".build/studio-screenshots").path],
                                                environment: ["GLASSBOX_BIN": exe.path], cwd: root, limit: Double(limit))
        print(log)
        #expect(status == 0, "\(log.suffix(4000))")
    }

}
