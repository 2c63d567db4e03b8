import ArgumentParser
import Foundation
import RunStore
import Training

/// The run store's write path as trainings use it: each writer records `tags` scalars a step and flushes every
/// `flush-every` steps (one transaction each), several writers at once; then one series is read back whole.
struct BenchStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Time the run store's batched writes (rows/s, flush latency) and a series read: SQLite, or PostgreSQL with --store."
    )

    @Option(help: "The store: postgres://USER@HOST/DATABASE, a scratch database (the bench's runs, bench-*, stay in it; default: SQLite in a scratch runs directory).") var store: String?
    @Option(help: "Steps each writer records.") var steps: Int = 2000
    @Option(help: "Scalars a step.") var tags: Int = 40
    @Option(help: "Steps between flushes (a training flushes every 2 s).") var flushEvery: Int = 20
    @Option(help: "Trainings writing at once (threads, each with its own connection).") var writers: Int = 1
    @Flag(help: "Machine-readable output.") var json = false

    func run() throws {
        guard (1...10_000_000).contains(steps), (1...10_000).contains(tags), (1...steps).contains(flushEvery), (1...64).contains(writers) else {
            throw ValidationError("--steps 1...10000000, --tags 1...10000, --flush-every 1...steps, --writers 1...64")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-bench-store-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }  // best effort: a scratch folder in the temporary directory
        let url = store
        let open: @Sendable () throws -> any RunStorage = { try RunStores.open(url: url, runsDirectory: scratch) }
        let first = try open()
        let prefix = "bench-\(UUID().uuidString.prefix(8).lowercased())"
        var settings = TrainConfig(dataPath: "bench")
        settings.steps = steps
        let config = settings
        let collected = Collected()
        let group = DispatchGroup()
        let t0 = Date()
        for w in 0..<writers {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    let recorder = RunRecorder(database: try open())
                    recorder.flushInterval = .infinity
                    try recorder.runStarted(RunStart(id: "\(prefix)-\(w)", config: config, parameterCount: 0, resumedAt: nil))
                    var mine: [Double] = []
                    for step in 1...steps {
                        recorder.scalars(step: step, wallTime: 1_800_000_000 + Double(step),
                                         (0..<tags).map { (tag: "bench/\($0)", value: Double(step) + Double($0) / 1000) })
                        if step % flushEvery == 0 || step == steps {
                            let f = Date()
                            try recorder.flush()
                            mine.append(Date().timeIntervalSince(f) * 1000)
                        }
                    }
                    recorder.runEnded(status: "finished", step: steps)
                    try recorder.flush()
                    collected.add(flushMs: mine)
                } catch {
                    collected.add(error: "writer \(w): \(error)")
                }
            }.start()
        }
        group.wait()
        let seconds = Date().timeIntervalSince(t0)
        let (flushTimes, errors) = collected.values
        var flushMs = flushTimes
        if let e = errors.first { throw CommandFailure(e) }
        let rows = writers * steps * tags
        var readMs: [Double] = []
        for _ in 0..<5 {
            let r = Date()
            let c = try first.seriesColumns(run: "\(prefix)-0", tag: "bench/0")
            guard c.count == steps else { throw CommandFailure("read \(c.count) points of \(steps)") }
            readMs.append(Date().timeIntervalSince(r) * 1000)
        }
        flushMs.sort()
        readMs.sort()
        let kind = url.map { PostgresURL.isPostgres($0) ? "postgresql" : "sqlite" } ?? "sqlite"
        let result = BenchDocument.Store(
            store: kind, location: first.location, writers: writers, steps: steps, tags: tags, flushEvery: flushEvery,
            rows: rows, seconds: seconds, rowsPerS: Double(rows) / seconds,
            flushMsMedian: flushMs[flushMs.count / 2], flushMsP95: flushMs[min(flushMs.count - 1, flushMs.count * 95 / 100)],
            rowsPerFlush: flushEvery * tags, seriesReadMsMedian: readMs[readMs.count / 2], seriesPoints: steps)
        if json { print(Terminal.jsonLine(result)); return }
        print(String(format: "%@ (%@): %d writer%@ × %d steps × %d scalars = %d rows in %.2f s: %.0f rows/s; flush of %d rows: median %.1f ms, p95 %.1f ms; reading a %d-point series: %.1f ms",
                     kind, first.location, writers, writers == 1 ? "" : "s", steps, tags, rows, seconds, Double(rows) / seconds, flushEvery * tags,
                     flushMs[flushMs.count / 2], flushMs[min(flushMs.count - 1, flushMs.count * 95 / 100)], steps, readMs[readMs.count / 2]))
    }
}

/// What the writer threads of `bench store` report, behind a lock.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var flushMs: [Double] = []
    private var errors: [String] = []

    func add(flushMs more: [Double]) { lock.lock(); flushMs += more; lock.unlock() }
    func add(error: String) { lock.lock(); errors.append(error); lock.unlock() }
    var values: ([Double], [String]) { lock.lock(); defer { lock.unlock() }; return (flushMs, errors) }
}
