import Foundation
import Synchronization
import Testing
import RunStore

/// Runs the built `glassbox` binary (it sits beside the test bundle in .build/<configuration>/), optionally with
/// text on standard input.
func glassbox(_ args: [String], stdin: String? = nil, cwd: URL? = nil, environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("glassbox")
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    env.merge(environment) { _, new in new }
    p.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    if stdin != nil { p.standardInput = input }
    try p.run()
    if let stdin {
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Reads `out` until a line matching `pattern` appears (or 90 s pass); returns the match.
func waitFor(_ pattern: String, in out: Pipe, of p: Process, seconds: Double = 90) -> String? {
    var text = ""
    let deadline = Date().addingTimeInterval(seconds)
    while p.isRunning && Date() < deadline {
        text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        if let r = text.range(of: pattern, options: .regularExpression) { return String(text[r]) }
    }
    return nil
}

/// Runs `script` with bash (standard output and error together), killing its process group after `limit` seconds
/// (an issue is recorded then), without holding a thread while it runs; returns its exit status and what it printed.
func runScript(_ script: URL, _ args: [String], environment: [String: String] = [:], cwd: URL? = nil, limit: Double) async throws -> (status: Int32, log: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = [script.path] + args
    if let cwd { p.currentDirectoryURL = cwd }
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    env.merge(environment) { _, new in new }
    p.environment = env
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    final class Output: @unchecked Sendable { var data = Data() }
    let text = Output()
    let reader = Thread { text.data = out.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    if await !waitForExit(p, limit: limit) {
        kill(-p.processIdentifier, SIGKILL)
        p.terminate()
        Issue.record("\(script.lastPathComponent) ran over \(Int(limit)) s")
        _ = await waitForExit(p, limit: 30)
    }
    while !reader.isFinished { try await Task.sleep(nanoseconds: 10_000_000) }
    return (p.terminationStatus, String(decoding: text.data, as: UTF8.self))
}

/// Waits for `p` to end, at most `limit` seconds (false when it is still running then), without holding a thread:
/// the tests of all suites share the cooperative pool (two threads on a 2-core machine), and a test that blocked
/// one for the minutes a browser script runs would starve the others' tasks.
func waitForExit(_ p: Process, limit: Double) async -> Bool {
    let deadline = Date().addingTimeInterval(limit)
    while p.isRunning {
        if Date() > deadline { return false }
        try? await Task.sleep(nanoseconds: 50_000_000)
    }
    return true
}

let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/tinyshakespeare.txt").path

/// Starts the built `glassbox` with standard output on a pipe (standard error discarded).
func spawnGlassbox(_ args: [String]) throws -> (Process, Pipe) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("glassbox")
    p.arguments = args
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    return (p, out)
}

/// Runs `p` to its end with standard output and error on one pipe; returns what it printed.
func runCombined(_ p: Process) throws -> String {
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return text
}

/// Reads a training's JSON lines until `count` steps were printed, the process ended, or a minute passed.
func readSteps(_ out: Pipe, of p: Process, count: Int) -> String {
    var text = ""
    let deadline = Date().addingTimeInterval(60)
    while p.isRunning && Date() < deadline && text.components(separatedBy: "\"step\"").count <= count {
        text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
    }
    return text
}

func scratch() -> URL {
    let u = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-cli-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
    return u
}

@Suite("glassbox command line")
struct CLITests {
    let tiny = ["--layers", "1", "--heads", "2", "--width", "32", "--block", "16", "--batch", "4", "--eval-interval", "5",
                "--eval-batches", "2", "--sample-interval", "10", "--checkpoint-interval", "5", "--log-interval", "5"]

    @Test func trainJSONThenRunsListAndShow() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let r = try glassbox(["train", "--data", corpus, "--steps", "10", "--runs-dir", dir.path, "--json"] + tiny)
        #expect(r.status == 0, "\(r.err)")
        let lines = r.out.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 3)  // steps 5 and 10, then the summary
        #expect(lines[0]["step"] as? Int == 5 && lines[0]["loss"] is Double && lines[0]["tokens_per_s"] is Double)
        let summary = lines[2]
        #expect(summary["steps"] as? Int == 10)
        #expect(summary["final_train_loss"] is Double && summary["final_val_loss"] is Double)
        let run = summary["run"] as! String
        let checkpoint = summary["checkpoint"] as! String
        #expect(checkpoint.hasSuffix("\(run)/checkpoints/step-000010"))

        let list = try glassbox(["runs", "list", "--runs-dir", dir.path, "--json"])
        let runs = try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as! [[String: Any]]
        #expect(runs.count == 1 && runs[0]["id"] as? String == run && runs[0]["status"] as? String == "finished")

        let show = try glassbox(["runs", "show", String(run.prefix(12)), "--runs-dir", dir.path])
        #expect(show.status == 0)
        #expect(show.out.contains("train loss") && show.out.contains("val loss") && show.out.contains("latest checkpoint"))
        let showJSON = try glassbox(["runs", "show", run, "--runs-dir", dir.path, "--json"])
        let o = try JSONSerialization.jsonObject(with: Data(showJSON.out.utf8)) as! [String: Any]
        #expect((o["train_loss"] as! [[Double]]).count == 2)
        #expect((o["last"] as! [String: Any])["val/loss"] != nil)
    }

    @Test func pipedOutputIsPlainLines() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let r = try glassbox(["train", "--data", corpus, "--steps", "10", "--runs-dir", dir.path] + tiny)
        #expect(r.status == 0)
        #expect(r.out.contains("step 5/10") && !r.out.contains("\u{1B}["), "no escape codes when piped")
    }

    @Test func badInputExitsNonZeroWithAMessage() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [([String], String)] = [
            (["train", "--data", "/no/such.txt", "--runs-dir", dir.path], "no such file"),
            (["train", "--data", corpus, "--preset", "huge", "--runs-dir", dir.path], "unknown preset 'huge'"),
            (["train", "--data", corpus, "--tokenizer", "bpe", "--runs-dir", dir.path], "unknown tokenizer"),
            (["train", "--resume", "nothing", "--runs-dir", dir.path], "no run 'nothing'"),
            (["runs", "show", "x", "--runs-dir", dir.appendingPathComponent("empty").path], "no runs in"),
        ]
        for (args, expected) in cases {
            let r = try glassbox(args)
            #expect(r.status != 0, "\(args) exited 0")
            #expect(r.err.contains(expected), "\(args): \(r.err)")
        }
    }

    @Test func resumeFromTheCommandLine() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let a = try glassbox(["train", "--data", corpus, "--steps", "10", "--stop-at", "5", "--runs-dir", dir.path, "--json"] + tiny)
        let summary = try JSONSerialization.jsonObject(with: Data(a.out.split(separator: "\n").last!.utf8)) as! [String: Any]
        #expect(summary["status"] as? String == "interrupted" && summary["steps"] as? Int == 5)
        let run = summary["run"] as! String
        let b = try glassbox(["train", "--resume", run, "--runs-dir", dir.path, "--json"])
        #expect(b.status == 0, "\(b.err)")
        let end = try JSONSerialization.jsonObject(with: Data(b.out.split(separator: "\n").last!.utf8)) as! [String: Any]
        #expect(end["status"] as? String == "finished" && end["steps"] as? Int == 10 && end["run"] as? String == run)
    }
}

@Suite("glassbox train and signals")
struct TrainSignalTests {
    /// SIGTERM (what `kill`, systemd and container runtimes send) stops like Ctrl-C: a checkpoint, the run
    /// recorded as interrupted, a resume hint, and the exit status 143; SIGINT gives 130.
    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func aSignalCheckpointsAndExitsWithItsStatus(_ signal: Int32, _ expected: Int32) throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let (p, out) = try spawnGlassbox(["train", "--data", corpus, "--steps", "20000", "--runs-dir", dir.path, "--json",
                                          "--layers", "1", "--width", "32", "--heads", "2", "--block", "16", "--batch", "4",
                                          "--log-interval", "1", "--checkpoint-interval", "20000", "--eval-interval", "20000", "--sample-interval", "20000"])
        // Wait for the first step: the handler is in place once training runs.
        var text = readSteps(out, of: p, count: 1)
        #expect(text.contains("\"step\""), "training never started")
        kill(p.processIdentifier, signal)
        // It must stop within seconds (after the current step and a checkpoint), not run on.
        let stopped = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { p.waitUntilExit(); stopped.signal() }
        if stopped.wait(timeout: .now() + 30) == .timedOut {
            kill(p.processIdentifier, SIGKILL)
            Issue.record("still running 30 s after the signal")
        }
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == expected, "status \(p.terminationStatus)")
        let summary = text.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(summary?["status"] as? String == "interrupted")
        let checkpoint = summary?["checkpoint"] as? String ?? ""
        #expect(!checkpoint.isEmpty && FileManager.default.fileExists(atPath: checkpoint + "/model.safetensors"))
        let list = try glassbox(["runs", "list", "--runs-dir", dir.path, "--json"])
        #expect(list.out.contains("\"interrupted\""), "\(list.out)")
    }
}

@Suite("Bad values and concurrent runs")
struct HardeningCLITests {
    /// Four trainings started at once on a new runs directory all succeed (they used to race switching it to WAL).
    @Test func fourTrainingsAtOnceOnANewRunsDirectory() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        let results = Mutex<[Int: (status: Int32, err: String)]>([:])
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let r = try? glassbox(["train", "--data", corpus, "--steps", "2", "--layers", "1", "--width", "32", "--heads", "2",
                                   "--block", "16", "--batch", "4", "--runs-dir", runs, "--json", "--threads", "1"])
            results.withLock { $0[i] = (r?.status ?? -1, r?.err ?? "not started") }
        }
        let done = results.withLock { $0 }
        #expect((0..<4).allSatisfy { done[$0]?.status == 0 }, "\((0..<4).map { done[$0]?.status ?? -1 }): \((0..<4).map { done[$0]?.err ?? "" })")
        let list = try glassbox(["runs", "list", "--runs-dir", runs, "--json"])
        let all = try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]] ?? []
        #expect(all.count == 4 && all.allSatisfy { $0["status"] as? String == "finished" })
    }

    /// A model without ChatML tokens (a character-level GPT trained here) is told it has no chat template.
    @Test func chatWithoutATemplateSaysSo() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let t = try glassbox(["train", "--data", corpus, "--steps", "2", "--layers", "1", "--width", "32", "--heads", "2",
                              "--block", "16", "--batch", "4", "--runs-dir", dir.path, "--json"])
        let summary = t.out.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let checkpoint = try #require(summary?["checkpoint"] as? String)
        let g = try glassbox(["generate", "--model", checkpoint, "--chat", "hello"])
        #expect(g.status != 0 && g.err.contains("no chat template"), "\(g.err)")
        let c = try glassbox(["chat", "--model", checkpoint], stdin: "hello\n")
        #expect(c.status != 0 && c.err.contains("no chat template"), "\(c.err)")
    }

    /// A small corpus: the run says how many passes it makes over the data and warns about the tiny validation split.
    @Test func smallCorpusEpochsAndValidationWarning() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: corpus, encoding: .utf8).prefix(10_000)
        let small = dir.appendingPathComponent("small.txt")
        try String(text).write(to: small, atomically: true, encoding: .utf8)
        let r = try glassbox(["train", "--data", small.path, "--steps", "3", "--layers", "1", "--width", "32", "--heads", "2",
                              "--block", "16", "--batch", "4", "--runs-dir", dir.path])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("passes (epochs) over the training split"), "\(r.out)")
        #expect(r.out.contains("warning: the validation split has only"), "\(r.out)")
    }

    /// `--name` names a run: unique, usable wherever an id is, listed with its data set and tokenizer.
    @Test func namedRunsAndTheirListing() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let small = ["--steps", "2", "--layers", "1", "--width", "32", "--heads", "2", "--block", "16", "--batch", "4", "--runs-dir", dir.path]
        let a = try glassbox(["train", "--data", corpus, "--name", "first-try"] + small)
        #expect(a.status == 0, "\(a.err)")
        let again = try glassbox(["train", "--data", corpus, "--name", "first-try"] + small)
        #expect(again.status != 0 && again.err.contains("a run named 'first-try' already exists"), "\(again.err)")
        for bad in ["../up", ".hidden", "with space", String(repeating: "x", count: 65)] {
            let r = try glassbox(["train", "--data", corpus, "--name", bad] + small)
            #expect(r.status != 0 && r.err.contains("--name"), "\(bad): \(r.err)")
        }
        #expect(try glassbox(["train", "--data", corpus, "--tokenizer", "byte"] + small).status == 0)
        let list = try glassbox(["runs", "list", "--runs-dir", dir.path])
        #expect(list.out.contains("DATA") && list.out.contains("TOKENIZER"), "\(list.out)")
        let rows = list.out.split(separator: "\n").dropFirst()
        #expect(rows.count == 2 && rows[rows.startIndex].hasPrefix("first-try ") && rows.allSatisfy { $0.contains("tinyshakespeare.txt") })
        #expect(rows.last!.hasSuffix("byte"))
        let json = try JSONSerialization.jsonObject(with: Data(try glassbox(["runs", "list", "--runs-dir", dir.path, "--json"]).out.utf8)) as! [[String: Any]]
        #expect(json.first?["name"] as? String == "first-try" && json.first?["data_set"] as? String == "tinyshakespeare.txt")
        #expect(json.first?["tokenizer"] as? String == "char" && json.last?["name"] as? String == json.last?["id"] as? String)
        let show = try glassbox(["runs", "show", "first-try", "--runs-dir", dir.path, "--json"])
        #expect(show.status == 0 && show.out.contains("\"first-try\""))
        let resume = try glassbox(["train", "--resume", "first-try", "--runs-dir", dir.path, "--steps", "3"])
        #expect(resume.status == 0, "\(resume.err)")
    }

    /// Installed as `make install` lays it out and run from the PATH in another folder, training finds its corpus.
    @Test func theBundledCorpusIsFoundFromAnInstalledBinary() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("glassbox")
        let bin = dir.appendingPathComponent("prefix/bin"), share = dir.appendingPathComponent("prefix/share/glassbox")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: exe, to: bin.appendingPathComponent("glassbox"))
        try FileManager.default.copyItem(atPath: corpus, toPath: share.appendingPathComponent("tinyshakespeare.txt").path)
        let work = dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["glassbox", "train", "--steps", "1", "--layers", "1", "--width", "32", "--heads", "2", "--block", "16", "--batch", "4", "--json"]
        p.currentDirectoryURL = work
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = bin.path + ":" + (env["PATH"] ?? "/usr/bin")
        env["GLASSBOX_DATA"] = nil
        p.environment = env
        let text = try runCombined(p)
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("runs/glassbox.sqlite").path))
    }

    @Test func outOfRangeValuesAreRefusedWithTheirName() throws {
        let cases: [([String], String)] = [
            (["train", "--clip=-1", "--steps", "2"], "--clip"),
            (["train", "--warmup=-5", "--steps", "2"], "--warmup"),
            (["train", "--runs-dir", "", "--steps", "2"], "--runs-dir is empty"),
            (["runs", "list", "--runs-dir", ""], "--runs-dir is empty"),
            (["generate", "hi", "--temperature", "inf"], "--temperature"),
            (["generate", "hi", "--top-k", "100000"], "--top-k 100000 is larger than the vocabulary"),
            (["generate", "hi", "--top-k=-3"], "--top-k"),
            (["generate", ""], "the prompt is empty"),
        ]
        for (args, expected) in cases {
            var extra: [String] = []
            if args[0] == "train" {
                extra = ["--data", corpus]
                if !args.contains("--runs-dir") { extra += ["--runs-dir", scratch().path] }
            }
            let r = try glassbox(args + extra)
            #expect(r.status != 0 && r.status < 128 && r.err.contains(expected), "\(args): \(r.status) \(r.err)")
        }
        let v = try glassbox(["--version"])
        #expect(v.status == 0 && v.out.hasPrefix("glassbox "))
    }
}

@Suite("Full disk and killed trainings", .serialized)
struct FaultCLITests {
    let tiny = ["--layers", "1", "--heads", "2", "--width", "32", "--block", "16", "--batch", "4", "--threads", "1"]

    /// A run store on a small tmpfs fills up: the training stops with an error naming the run store, the run is
    /// marked failed, the database opens and passes SQLite's integrity check, and the last checkpoint reads back.
    /// Needs root and a kernel that lets it mount a tmpfs; skipped with a message otherwise.
    @Test func aFullDiskStopsTheRunCleanly() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=3m", "tmpfs", dir.path]
        mount.standardError = FileHandle.nullDevice
        try? mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            print("skipped: the full-disk test needs to mount a tmpfs (root, and a kernel that allows it)")
            return
        }
        defer {
            let u = Process()
            u.executableURL = URL(fileURLWithPath: "/bin/umount")
            u.arguments = [dir.path]
            try? u.run()
            u.waitUntilExit()
        }
        let runs = dir.appendingPathComponent("runs")
        let r = try glassbox(["train", "--data", corpus, "--steps", "3000", "--log-interval", "1", "--sample-interval", "1",
                              "--checkpoint-interval", "50", "--keep-checkpoints", "1", "--runs-dir", runs.path, "--json"] + tiny,
                             // The recorder waits 3 s for space to return (60 s by default) before it stops the run.
                             environment: ["GLASSBOX_STORE_OUTAGE_LIMIT": "3"])
        #expect(r.status != 0 && r.status < 128, "status \(r.status)")
        #expect(r.err.contains("run database") && r.err.contains(runs.appendingPathComponent("glassbox.sqlite").path)
                && r.err.contains("full"), "\(r.err)")
        let db = try RunDatabase(directory: runs)
        #expect(try db.integrityCheck() == "ok")
        let run = try #require(try db.runs().first)
        #expect(run.status == "failed")
        let checkpoint = try #require(try db.checkpoints(run: run.id).last?.path)
        let info = try glassbox(["info", "--model", checkpoint, "--json"])
        #expect(info.status == 0, "\(info.err)")
        let stray = try FileManager.default.contentsOfDirectory(atPath: runs.appendingPathComponent(run.id + "/checkpoints").path)
        #expect(!stray.contains { $0.hasPrefix(".tmp-") }, "\(stray)")
    }

    /// SIGKILL at random moments during a run with frequent checkpoints, resumed each time: the recorded losses
    /// equal an uninterrupted run's, the database passes its integrity check, no temporary folder remains.
    @Test func killedAtRandomMomentsThenResumedEqualsAnUninterruptedRun() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let steps = 240
        let common = ["--data", corpus, "--steps", "\(steps)", "--log-interval", "1", "--checkpoint-interval", "3",
                      "--eval-interval", "40", "--sample-interval", "60", "--json"] + tiny
        let reference = try glassbox(["train", "--runs-dir", dir.appendingPathComponent("reference").path] + common)
        #expect(reference.status == 0, "\(reference.err)")
        let runs = dir.appendingPathComponent("killed")
        var generator = SystemRandomNumberGenerator()
        var run: String?
        var kills = 0
        for round in 0..<4 {
            let (p, out) = try spawnGlassbox(run.map { ["train", "--resume", $0, "--runs-dir", runs.path, "--json", "--threads", "1"] }
                                             ?? ["train", "--runs-dir", runs.path] + common)
            // Wait for a few steps past the first checkpoint, then kill at a random moment.
            _ = readSteps(out, of: p, count: 5)
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.15, using: &generator))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            if run == nil {
                let db = try RunDatabase(directory: runs)
                run = try db.runs().first?.id
            }
            _ = round
        }
        #expect(kills > 0, "the run finished before any kill")
        let id = try #require(run)
        let finish = try glassbox(["train", "--resume", id, "--runs-dir", runs.path, "--json", "--threads", "1"])
        #expect(finish.status == 0, "\(finish.err)")
        func losses(_ runsDir: URL) throws -> [Double] {
            let db = try RunDatabase(directory: runsDir)
            let r = try #require(try db.runs().first)
            return try db.series(run: r.id, tag: "train/loss").map(\.value)
        }
        let expected = try losses(dir.appendingPathComponent("reference")), got = try losses(runs)
        #expect(expected.count == steps && got == expected, "\(got.count) losses recorded; first difference at \(zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
        let db = try RunDatabase(directory: runs)
        #expect(try db.integrityCheck() == "ok")
        #expect(try db.run(id).status == "finished")
        let folder = runs.appendingPathComponent(id + "/checkpoints").path
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(!names.contains { $0.hasPrefix(".tmp-") }, "\(names)")
    }
}

@Suite("TensorBoard event files, both ways", .serialized)
struct TensorBoardCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func check(_ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [Self.root.appendingPathComponent("tests/tensorboard/check.sh").path] + args
        let text = try runCombined(p)
        return (p.terminationStatus, text)
    }

    /// A training writes event files that TensorBoard's own EventAccumulator reads back with the run store's
    /// scalars and histograms; files written as PyTorch's SummaryWriter writes them import with their values.
    @Test func ourFilesReadInTensorBoardAndTheirsImport() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs")
        let t = try glassbox(["train", "--data", corpus, "--steps", "30", "--layers", "1", "--width", "32", "--heads", "2", "--block", "16",
                              "--batch", "4", "--log-interval", "1", "--eval-interval", "10", "--sample-interval", "10", "--runs-dir", runs.path])
        #expect(t.status == 0, "\(t.err)")
        let db = try RunDatabase(directory: runs)
        let run = try #require(try db.runs().first)
        var expected: [String: Any] = [:]
        var scalars: [String: Any] = [:]
        for tag in ["train/loss", "val/loss", "train/lr", "train/grad_norm"] {
            scalars[tag] = try db.series(run: run.id, tag: tag).map { [$0.step, $0.value] as [Any] }
        }
        expected["scalars"] = scalars
        let tag = "weight/transformer.h.0.attn.c_attn.weight"
        expected["histograms"] = [tag: try db.histograms(run: run.id, tag: tag).map { [$0.step, $0.histogram.counts.reduce(0, +)] as [Any] }]
        let expectedFile = dir.appendingPathComponent("expected.json")
        try JSONSerialization.data(withJSONObject: expected).write(to: expectedFile)
        let read = try check(["read", runs.appendingPathComponent(run.id).path, expectedFile.path])
        #expect(read.status == 0, "\(read.out)")

        // The other way: SummaryWriter-style files under exp/seed0 and exp/seed1, imported as two runs.
        let logs = dir.appendingPathComponent("logs"), theirs = dir.appendingPathComponent("theirs.json")
        let write = try check(["write", logs.path, theirs.path])
        #expect(write.status == 0, "\(write.out)")
        let imported = dir.appendingPathComponent("imported")
        let r = try glassbox(["import-tensorboard", logs.path, "--runs-dir", imported.path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        let reference = try JSONSerialization.jsonObject(with: Data(contentsOf: theirs)) as! [String: [String: Any]]
        let store = try RunDatabase(directory: imported)
        for (name, want) in reference {
            let got = try store.run(name)
            #expect(got.status == "imported")
            let points = try store.series(run: got.id, tag: "loss/train")
            let wantPoints = (want["scalars"] as! [String: [[Double]]])["loss/train"]!
            // The float32 values of the file, exactly (JSON text in between: compared to 1e-12 relative).
            #expect(points.map { Double($0.step) } == wantPoints.map { $0[0] }, "\(name)")
            #expect(zip(points.map(\.value), wantPoints.map { $0[1] }).allSatisfy { abs($0 - $1) <= 1e-12 * abs($1) } && points.count == wantPoints.count, "\(name)")
            #expect(points.contains { $0.step == 777 && $0.value > 25 }, "the spike at step 777")
            let hist = try store.histograms(run: got.id, tag: "weights/layer0")
            #expect(hist.map { $0.histogram.counts.reduce(0, +) } == (want["histograms"] as! [String: [[Double]]])["weights/layer0"]!.map { Int($0[1]) })
            let texts = try store.samples(run: got.id).map(\.text)
            #expect(texts.count == 4 && texts.allSatisfy { $0.contains("sample") })
        }
        // The same folder again: already imported, skipped with a warning.
        let again = try glassbox(["import-tensorboard", logs.path, "--runs-dir", imported.path])
        #expect(again.status == 0 && again.err.contains("already in the store"))
    }

    /// Truncated and corrupted event files are read up to the damage, with a warning naming the file and offset.
    @Test func damagedEventFilesAreSkippedWithAWarning() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs")
        let t = try glassbox(["train", "--data", corpus, "--steps", "20", "--layers", "1", "--width", "32", "--heads", "2", "--block", "16",
                              "--batch", "4", "--log-interval", "1", "--runs-dir", runs.path])
        #expect(t.status == 0, "\(t.err)")
        let runFolder = try FileManager.default.contentsOfDirectory(at: runs, includingPropertiesForKeys: nil).first { $0.hasDirectoryPath }!
        let file = try FileManager.default.contentsOfDirectory(at: runFolder, includingPropertiesForKeys: nil).first { $0.lastPathComponent.contains("tfevents") }!
        let bytes = try Data(contentsOf: file)
        let logs = dir.appendingPathComponent("logs")
        for (name, damaged) in [("truncated", bytes.prefix(bytes.count * 2 / 3)), ("flipped", { var d = bytes; d[d.count / 2] ^= 0x40; return d }()),
                                ("garbage", Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }))] {
            let folder = logs.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(damaged).write(to: folder.appendingPathComponent("events.out.tfevents.1.test"))
        }
        let r = try glassbox(["import-tensorboard", logs.path, "--runs-dir", dir.appendingPathComponent("imported").path, "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.err.contains("truncated/events.out.tfevents.1.test") && r.err.contains("at byte"), "\(r.err)")
        #expect(r.err.contains("flipped/events.out.tfevents.1.test"), "\(r.err)")
        let out = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let names = (out["runs"] as! [[String: Any]]).map { $0["name"] as! String }
        #expect(names.contains("truncated") && names.contains("flipped"), "\(names)")
    }
}
