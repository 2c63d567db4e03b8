import Foundation
import RunStore
import Testing

/// The studio can never hurt a training: it runs in a process of its own under `train --serve`, is started again
/// when it dies, and stops work nobody waits for.
@Suite("Studio isolation", .serialized)
struct StudioIsolationCLITests {
    static let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("glassbox")

    /// The processes whose parent is `pid`.
    func children(of pid: Int32) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry -> Int32? in
            guard let p = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid ? p : nil
        }
    }

    func curl(_ args: [String]) throws -> (status: Int, body: String, seconds: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-w", "\n%{http_code}"] + args
        let start = Date()
        let text = try runCombined(p)
        let seconds = Date().timeIntervalSince(start)
        guard let split = text.lastIndex(of: "\n") else { return (0, text, seconds) }
        return (Int(text[text.index(after: split)...]) ?? 0, String(text[..<split]), seconds)
    }

    @Test
    func trainingOutlivesItsStudio() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = Self.exe
        // A small model (a few seconds of training on a quiet machine): long enough to kill the studio mid-run.
        p.arguments = ["train", "--preset", "s", "--layers", "2", "--width", "64", "--block", "64", "--batch", "8", "--steps", "300",
                       "--log-interval", "1", "--eval-interval", "100", "--sample-interval", "1000",
                       "--data", corpus, "--runs-dir", dir.path, "--serve", "--port", "0", "--threads", "1", "--no-tensorboard"]
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        guard let line = waitFor("studio: http://[^ \\n]+", in: out, of: p) else {
            Issue.record("no studio address printed")
            return
        }
        let runURL = String(line.dropFirst("studio: ".count))
        let base = String(runURL[..<(runURL.range(of: "/runs/")?.lowerBound ?? runURL.endIndex)])
        let run = String(runURL[(runURL.range(of: "/runs/")?.upperBound ?? runURL.endIndex)...])
        #expect(try curl([base + "/api/runs"]).status == 200)
        let studios = children(of: p.processIdentifier)
        #expect(studios.count == 1, "one studio process: \(studios)")
        // The request that trapped the server (and the training with it) is a 400 now.
        let overflow = try curl([base + "/api/runs/\(run)/scalars?tag=train/loss&from=-4611686018427387904&to=4611686018427387903"])
        #expect(overflow.status == 400, "\(overflow.body)")
        // The studio dies: the training goes on, and the studio comes back on the same address.
        for pid in studios { kill(pid, SIGKILL) }
        var back = false
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && p.isRunning {
            if (try? curl(["--max-time", "2", base + "/api/runs/\(run)"]))?.status == 200 { back = true; break }
            usleep(200_000)
        }
        #expect(back, "the studio was not started again")
        #expect(p.isRunning, "the training stopped with its studio")
        // The training runs to its end and keeps serving; Ctrl-C stops both.
        #expect(waitFor("done: 300 steps", in: out, of: p, seconds: 300) != nil, "the training did not finish")
        let after = children(of: p.processIdentifier)
        #expect(after.count == 1 && after != studios, "a new studio serves after the run: \(after)")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        usleep(500_000)
        for pid in after { #expect(kill(pid, 0) != 0, "the studio \(pid) outlived its training") }
        let db = try RunDatabase(directory: dir)
        #expect(try db.run(run).status == "finished")
        let steps = try db.seriesColumns(run: run, tag: "train/loss").steps
        #expect(steps == Array(1...300), "every step once: \(steps.count) points, \(steps.first ?? 0)...\(steps.last ?? 0)")
    }

    /// A studio whose training process was killed (SIGKILL, no chance to clean up) ends by itself.
    @Test
    func studioEndsWithAKilledTraining() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let (p, out) = try spawnGlassbox(["train", "--preset", "s", "--steps", "100000", "--data", corpus, "--runs-dir", dir.path, "--serve",
                                          "--port", "0", "--threads", "1", "--no-tensorboard"])
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        #expect(waitFor("studio: http://", in: out, of: p) != nil)
        let studios = children(of: p.processIdentifier)
        #expect(studios.count == 1)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        var gone = false
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if studios.allSatisfy({ kill($0, 0) != 0 || (try? String(contentsOfFile: "/proc/\($0)/stat", encoding: .utf8))?.contains(") Z ") == true }) { gone = true; break }
            usleep(100_000)
        }
        #expect(gone, "the studio \(studios) outlived its killed training")
    }

    /// Starts `glassbox serve` on a free port; returns the process and its base URL.
    func serve(_ dir: URL) throws -> (Process, String) {
        let (p, out) = try spawnGlassbox(["serve", "--runs-dir", dir.path, "--port", "0"])
        guard let url = waitFor("http://[^ \\n/]+", in: out, of: p) else {
            p.terminate()
            throw CancellationError()
        }
        return (p, url)
    }

    /// An analysis whose client hung up is cancelled: the next request does not wait for it; and the API read as
    /// Python's `requests` writes a query (a space as '+').
    @Test
    func abandonedAnalysisStopsAndFormQueries() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let (server, base) = try serve(dir)
        defer { server.terminate(); server.waitUntilExit() }
        // Python's requests (the way programs call APIs): spaces become '+'.
        let py = Process()
        py.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        py.arguments = ["-c", """
            import json, sys, requests
            r = requests.get(sys.argv[1] + "/api/inspect", params={"prompt": "Once upon a time", "only": "lens", "top_k": "3"})
            print(r.status_code)
            print(r.url)
            d = r.json()
            print(json.dumps("".join(t.get("decoded", "") for t in d.get("tokens", []))))
            """, base]
        let said = try runCombined(py).split(separator: "\n").map(String.init)
        #expect(said.first == "200", "\(said)")
        #expect(said.count > 2 && said[1].contains("Once+upon+a+time"), "requests wrote spaces as '+': \(said)")
        #expect(said.last?.contains("Once upon a time") == true, "the prompt was read with its spaces: \(said)")
        // An expensive analysis (attributions with thousands of gradient evaluations) abandoned after a second.
        let prompt = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 6)
        let q = "prompt=" + prompt.replacingOccurrences(of: " ", with: "+").replacingOccurrences(of: ".", with: "%2E") + "&only=attributions&steps=4096&rule=riemann"
        let abandoned = try curl(["--max-time", "1.5", base + "/api/inspect?" + q])
        #expect(abandoned.status == 0, "the expensive request should not have finished: \(abandoned.status)")
        // Alone it answers in well under a second; the abandoned analysis, had it gone on, takes minutes (4,096
        // gradient evaluations). 40 s tells the two apart on a machine that other suites' processes keep busy.
        let cheap = try curl(["--max-time", "60", base + "/api/inspect?prompt=Hello&only=lens"])
        #expect(cheap.status == 200, "\(cheap.body.prefix(300))")
        #expect(cheap.seconds < 40, "a cheap request waited \(cheap.seconds) s behind an abandoned one")
    }
}
