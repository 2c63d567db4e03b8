import Foundation
import Testing
@testable import RunStore

/// `bash -c command`, waited for with waitpid (Foundation's Process can miss the exit of a script whose grandchild,
/// a PostgreSQL server, lives on); its exit status.
private func shell(_ command: String) -> Int32 {
    var pid: pid_t = 0
    let args = ["/bin/bash", "-c", command]
    var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    guard posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
}

/// A PostgreSQL server of these tests' own (scripts/pg-test-server.sh), which they stop and start again to make an
/// outage: the server the other suites use is never interrupted. Stopped by the script's watchdog once this test
/// process has ended.
enum OutagePostgres {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let script = root.appendingPathComponent("scripts/pg-test-server.sh").path
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-outage-pg-\(getpid())").path

    static let url: Result<String, Error> = {
        let out = folder + ".url", err = folder + ".err"
        defer { unlink(out); unlink(err) }
        guard shell("'\(script)' start '\(folder)' --fast --owner \(getpid()) > '\(out)' 2> '\(err)'") == 0 else {
            return .failure(RunStoreError("the outage tests' PostgreSQL server did not start: \((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")"))
        }
        return .success(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    /// Stops the server as an administrator restarting it would (every session ended), keeping its data.
    static func halt() { #expect(shell("'\(script)' halt '\(folder)'") == 0, "the test server did not stop") }
    static func restart() { #expect(shell("'\(script)' restart '\(folder)'") == 0, "the test server did not start again") }
}

/// A training's process, its standard output and error in files (read while it runs).
struct TrainingProcess {
    let process: Process
    let out: URL, err: URL

    init(_ args: [String], dir: URL, environment: [String: String] = [:]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("glassbox")
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env.merge(environment) { _, new in new }
        p.environment = env
        out = dir.appendingPathComponent("train-\(UUID().uuidString.prefix(6)).out")
        err = out.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        process = p
    }

    /// The steps printed so far (one JSON line each).
    var steps: Int {
        ((try? String(contentsOf: out, encoding: .utf8)) ?? "").components(separatedBy: "\"step\"").count - 1
    }
    var errorText: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

    /// Waits until `n` steps are printed (or the process ends, or a minute passes).
    func waitForSteps(_ n: Int) {
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline && steps < n { Thread.sleep(forTimeInterval: 0.02) }
    }

    /// Waits for the end (killing the process after `seconds`); whether it ended by itself.
    @discardableResult func waitForExit(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit(); return false }
        process.waitUntilExit()
        return true
    }
}

/// The steps of a run's `train/loss` as the store holds them: every step from 1 on exactly once is what the tests ask.
private func lossSteps(_ store: any RunStorage, run: String) throws -> [Int] {
    try store.series(run: run, tag: "train/loss").map(\.step)
}

private let tiny = ["--layers", "1", "--heads", "2", "--width", "32", "--block", "16", "--batch", "4", "--threads", "1",
                    "--log-interval", "1", "--eval-interval", "50", "--eval-batches", "2", "--sample-interval", "20", "--json"]

/// "No recorded step is ever lost": the PostgreSQL server stopped during a training, shortly (the training goes on
/// and records every step once) and for longer than the recorder waits (the run stops cleanly; a resume then has
/// every step once).
@Suite("Run store outages (PostgreSQL stopped during a training)", .serialized,
       .enabled(if: TeamPostgres.installed, "needs Debian's postgresql (scripts/setup.sh --test installs it)"))
struct StoreOutageCLITests {
    /// The server stops for 5 s in the middle of a training: the training survives (checkpoints wait for the store),
    /// and the store then holds every step exactly once, with a warning that says how long it was away.
    @Test func aFiveSecondOutageLosesNoStep() throws {
        let url = try OutagePostgres.url.get()
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let t = try TrainingProcess(["train", "--store", url, "--data", corpus, "--steps", "1000000", "--checkpoint-interval", "25",
                              "--name", "outage-5s", "--runs-dir", dir.path] + tiny, dir: dir)
        t.waitForSteps(30)
        #expect(t.process.isRunning, "the training ended early: \(t.errorText)")
        OutagePostgres.halt()
        let atHalt = t.steps
        Thread.sleep(forTimeInterval: 5)
        let atRestart = t.steps
        OutagePostgres.restart()
        t.waitForSteps(atRestart + 60)
        #expect(t.process.isRunning, "the training did not survive the outage: \(t.errorText)")
        kill(t.process.processIdentifier, SIGINT)
        #expect(t.waitForExit(within: 60), "the training did not stop on SIGINT")
        print("5 s outage: \(atRestart - atHalt) steps trained while the server was down; \(t.steps) in all")

        let store = try PostgresRunStore(url: try PostgresURL(url))
        defer { store.close() }
        let run = try store.run("outage-5s")
        let steps = try lossSteps(store, run: run.id)
        #expect(steps.count >= atRestart + 60 && steps == Array(1...(steps.last ?? 0)), "\(steps.count) points, last \(steps.last ?? 0)")
        #expect(steps.last == run.step && run.status == "interrupted", "\(run.status) at \(run.step)")
        #expect(try store.messages(run: run.id).contains { $0.level == "warning" && $0.text.contains("could not be written for") })
        let checkpoints = try store.checkpoints(run: run.id).map(\.step)
        #expect(checkpoints == Array(Set(checkpoints)).sorted() && checkpoints.last == run.step, "\(checkpoints)")
    }

    /// The server stays down for 90 s, longer than the recorder waits (60 s by default, as a user runs it): the
    /// training keeps trying for those 60 s, then stops with an error naming the store, writes no checkpoint that
    /// covers unrecorded steps, and once the server is back `--resume` records every step exactly once.
    @Test func aLongOutageStopsTheRunAndAResumeRecordsEveryStepOnce() throws {
        let url = try OutagePostgres.url.get()
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let total = 1500
        let t = try TrainingProcess(["train", "--store", url, "--data", corpus, "--steps", "\(total)", "--checkpoint-interval", "25",
                              "--name", "outage-long", "--runs-dir", dir.path] + tiny, dir: dir,
                             environment: ["GLASSBOX_STORE_OUTAGE_LIMIT": ""])
        t.waitForSteps(30)
        #expect(t.process.isRunning, "the training ended early: \(t.errorText)")
        let halted = Date()
        OutagePostgres.halt()
        let ended = t.waitForExit(within: 85)
        let stoppedAfter = Date().timeIntervalSince(halted)
        // The server comes back 90 s after it stopped.
        let down = Date().timeIntervalSince(halted)
        if down < 90 { Thread.sleep(forTimeInterval: 90 - down) }
        OutagePostgres.restart()
        #expect(ended && t.process.terminationStatus != 0 && t.process.terminationStatus < 128, "status \(t.process.terminationStatus)")
        let error = t.errorText
        let password = try PostgresURL(url).password ?? "?"
        #expect(error.contains("cannot write to the run database") && error.contains("tried for") && !error.contains(password), "\(error)")
        #expect(stoppedAfter >= 60 && stoppedAfter < 80, "stopped \(stoppedAfter) s after the server")
        print("long outage: the training stopped \(String(format: "%.1f", stoppedAfter)) s after the server, at step \(t.steps)")

        let store = try PostgresRunStore(url: try PostgresURL(url))
        defer { store.close() }
        let run = try store.run("outage-long")
        // The store could not be told: the process is gone, so the run shows as stale, not live.
        #expect(run.displayStatus == "stale" || run.status == "failed", "\(run.status) / \(run.displayStatus)")
        let before = try lossSteps(store, run: run.id)
        #expect(before == Array(1...(before.last ?? 0)))
        // No checkpoint covers a step the store lacks.
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("\(run.id)/checkpoints").path)
        let newest = folders.compactMap { $0.hasPrefix("step-") ? Int($0.dropFirst(5)) : nil }.max() ?? 0
        #expect(newest > 0 && newest <= before.last ?? 0, "checkpoint at \(newest), the store has steps up to \(before.last ?? 0)")

        let resumed = try glassbox(["train", "--resume", run.id, "--store", url, "--runs-dir", dir.path, "--json", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.err)")
        let after = try store.run(run.id)
        #expect(try lossSteps(store, run: run.id) == Array(1...total))
        #expect(try store.series(run: run.id, tag: "val/loss").map(\.step) == Array(stride(from: 50, through: total, by: 50)))
        #expect(after.status == "finished" && after.step == total)
        let checkpoints = try store.checkpoints(run: run.id).map(\.step)
        #expect(checkpoints == Array(stride(from: 25, through: total, by: 25)), "\(checkpoints)")
    }
}

/// A small tmpfs mounted at `dir` (root, and a kernel that allows it); false with a message where it cannot be.
private func mountTmpfs(_ dir: URL, megabytes: Int) -> Bool {
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    guard shell("mount -t tmpfs -o size=\(megabytes)m tmpfs '\(dir.path)' 2>/dev/null") == 0 else {
        print("skipped: the full-disk test needs to mount a tmpfs (root, and a kernel that allows it)")
        return false
    }
    return true
}

/// Fills the disk holding `file` until it is full (the last write fails with ENOSPC); returns the bytes written.
private func fillDisk(_ file: URL) -> Int {
    let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    let chunk = [UInt8](repeating: 0x5a, count: 64 << 10)
    var total = 0
    while true {
        let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        total += n
    }
    // The last partial page as well.
    while write(fd, chunk, 1) == 1 { total += 1 }
    return total
}

/// A full disk under the SQLite run store: the rows are kept and written when space returns, or the run stops with
/// every row up to its last checkpoint in the store and a resume records every step once.
@Suite("Full disk under the run store", .serialized)
struct FullDiskCLITests {
    /// Filled for 5 s, then freed: the training goes on and every step is recorded exactly once.
    @Test func aDiskFullForAWhileLosesNoStep() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        // The disk that fills holds the runs; the training's output goes beside it.
        let disk = dir.appendingPathComponent("disk")
        // Room for what piles up meanwhile: this tiny model records 37 scalars a step (7.7 KB in the store) at up to
        // ~2,500 steps a second on a quiet machine, so 5 s full leave ~100 MB of rows and log to write once it is
        // freed (with 128 MB the training filled the disk again by itself, and the test tested nothing).
        guard mountTmpfs(disk, megabytes: 512) else { return }
        defer { _ = shell("umount '\(disk.path)'") }
        let runs = disk.appendingPathComponent("runs")
        let t = try TrainingProcess(["train", "--data", corpus, "--steps", "1000000", "--checkpoint-interval", "100000", "--name", "disk",
                              "--runs-dir", runs.path] + tiny, dir: dir)
        t.waitForSteps(10)
        let filler = disk.appendingPathComponent("filler")
        let filled = fillDisk(filler)
        #expect(filled > 0)
        let atFill = t.steps
        Thread.sleep(forTimeInterval: 5)
        try FileManager.default.removeItem(at: filler)
        let atFree = t.steps
        t.waitForSteps(atFree + 60)
        #expect(t.process.isRunning, "the training did not survive the full disk: \(t.errorText)")
        kill(t.process.processIdentifier, SIGINT)
        #expect(t.waitForExit(within: 60))
        print("full disk: \(atFree - atFill) steps trained while it was full; \(t.steps) in all")

        let db = try RunDatabase(directory: runs)
        #expect(try db.integrityCheck() == "ok")
        let run = try db.run("disk")
        let steps = try lossSteps(db, run: run.id)
        #expect(steps.count >= atFree + 60 && steps == Array(1...(steps.last ?? 0)), "\(steps.count) points, last \(steps.last ?? 0)")
        #expect(run.status == "interrupted" && steps.last == run.step, "\(run.status) at \(run.step)")
        #expect(try db.messages(run: run.id).contains { $0.level == "warning" && $0.text.contains("could not be written for") },
                "no failed write while the disk was full (the test did not test)")
    }

    /// Full for longer than the recorder waits (3 s here): the run stops, every row up to its last checkpoint is in
    /// the store; with space back, `--resume` records every step exactly once.
    @Test func aDiskFullForLongStopsTheRunAndAResumeRecordsEveryStepOnce() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        // The disk that fills holds the runs; the training's output goes beside it.
        let disk = dir.appendingPathComponent("disk")
        guard mountTmpfs(disk, megabytes: 128) else { return }
        defer { _ = shell("umount '\(disk.path)'") }
        let runs = disk.appendingPathComponent("runs")
        let total = 2000
        let t = try TrainingProcess(["train", "--data", corpus, "--steps", "\(total)", "--checkpoint-interval", "10", "--keep-checkpoints", "2",
                              "--name", "disk-long", "--runs-dir", runs.path] + tiny, dir: dir,
                             environment: ["GLASSBOX_STORE_OUTAGE_LIMIT": "3"])
        t.waitForSteps(25)
        let filler = disk.appendingPathComponent("filler")
        #expect(fillDisk(filler) > 0)
        let ended = t.waitForExit(within: 60)
        try FileManager.default.removeItem(at: filler)
        #expect(ended && t.process.terminationStatus != 0 && t.process.terminationStatus < 128, "status \(t.process.terminationStatus)")
        #expect(t.errorText.contains(runs.path), "\(t.errorText)")
        print("full disk for long: stopped at step \(t.steps): \(t.errorText.prefix(400))")

        let db = try RunDatabase(directory: runs)
        #expect(try db.integrityCheck() == "ok")
        let run = try db.run("disk-long")
        #expect(run.status == "failed")
        let before = try lossSteps(db, run: run.id)
        #expect(before == Array(1...(before.last ?? 0)))
        let resumed = try glassbox(["train", "--resume", run.id, "--runs-dir", runs.path, "--json", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(try lossSteps(db, run: run.id) == Array(1...total))
        #expect(try db.checkpoints(run: run.id).map(\.step) == Array(stride(from: 10, through: total, by: 10)))
        #expect(try db.run(run.id).status == "finished")
    }
}
