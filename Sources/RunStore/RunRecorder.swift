import Foundation
import Training

/// Records a training run into a `RunStorage` (SQLite or PostgreSQL), batching rows in memory and writing them in
/// one transaction every `flushInterval` seconds (and at checkpoints and the end), so recording costs a tiny part of
/// a step.
///
/// Nothing is dropped, and nothing is written twice:
/// - Rows leave the queue only once their transaction has committed. A write that fails (the PostgreSQL server
///   restarting, a full disk) keeps them queued; the training goes on and the write is tried again, backing off from
///   0.1 s to 5 s, for an outage of up to `outageLimit` seconds. Only a longer outage (or more than
///   `maxPendingRows` rows waiting) sets `failure`, on which the trainer stops.
/// - `flush()` is the commit a checkpoint waits for: it returns only once every queued row has committed, waiting
///   out an outage within the same limit, and throws otherwise (the trainer then writes no checkpoint: a checkpoint
///   must never cover rows the store does not have, since a resume starts after it).
/// - Each batch carries an id that the store keeps with the run in the same transaction, and a batch is retried
///   whole under its id: a commit whose answer was lost (the connection dropped during COMMIT) is recognised on the
///   retry and not written again.
package final class RunRecorder: TrainingSink {
    let db: any RunStorage
    private(set) var runID = ""
    private var pending: [RunRow] = []
    private var lastFlush = Date()
    private var lastStep = 0
    /// The newest step whose rows have all committed.
    package private(set) var committedStep = 0
    /// Points recorded per tag since its series was last packed into chunks.
    private var unpacked: [String: Int] = [:]
    /// Half a second: a live viewer sees a point within about a second of its step (a commit costs a
    /// millisecond or two, a small part of half a second of training).
    package var flushInterval: TimeInterval = 0.5
    /// Write transactions so far (each flush is one).
    package private(set) var transactions = 0
    /// The write error that retries did not overcome within `outageLimit` (the rows stay queued), if any. Once set
    /// it stays: the trainer stops on it, and later flushes try once more without waiting.
    package private(set) var failure: Error?
    /// Rows waiting to be written.
    package var pendingCount: Int { pending.count }
    /// How long the store may stay unwritable (seconds) before the run stops: the training goes on meanwhile, its
    /// rows queued. `GLASSBOX_STORE_OUTAGE_LIMIT` sets it (tests shorten it); 60 s by default.
    package var outageLimit: TimeInterval = RunRecorder.defaultOutageLimit
    /// The most rows kept waiting during an outage (memory is the bound: ~100 bytes a scalar row); past it the run
    /// stops as on a long outage.
    package var maxPendingRows = 2_000_000
    /// The first and longest pause between tries of a failed write (doubling in between).
    package var retryDelays: (first: Double, longest: Double) = (0.1, 5)
    /// When the current outage began (the first failed try since the last commit); nil while writes succeed.
    package private(set) var outageStart: Date?
    private var nextTry = Date.distantPast
    private var delay = 0.1
    /// The error of the last failed try, for the message when the outage outlasts the limit.
    private var lastError: Error?
    /// The batch being written: retried whole, under the same id, until it commits.
    private var inFlight: (id: String, count: Int)?
    private let writer = UUID().uuidString.prefix(13).lowercased()
    private var batches = 0

    package static let defaultOutageLimit: TimeInterval = {
        if let text = ProcessInfo.processInfo.environment["GLASSBOX_STORE_OUTAGE_LIMIT"], let s = Double(text), s >= 0, s.isFinite { return s }
        return 60
    }()

    package init(database: any RunStorage) { db = database }

    package func runStarted(_ run: RunStart) throws {
        runID = run.id
        // A resumed run's checkpoint says up to which step its rows had committed: the store must have them (a
        // store restored from an older backup, or a checkpoint written by a Glassbox that did not wait for its rows,
        // would not), else the gap is said where the run is viewed.
        var gap: String?
        // (A run the store does not know, or a store that cannot answer, is not checked here: `startRun` below has
        // its say on both.)
        if let resumed = run.resumedAt, let stored = try? db.run(run.id).step, stored < (run.recordedThrough ?? resumed) {
            let recorded = run.recordedThrough ?? resumed
            gap = "the run store has this run's records up to step \(stored) only, but its checkpoint at step \(resumed) was written after the records up to step \(recorded) had committed: steps \(stored + 1)…\(recorded) are missing from \(db.location)"
        }
        try db.startRun(run)
        lastStep = run.resumedAt ?? 0
        committedStep = lastStep
        if let gap, let resumed = run.resumedAt { message(step: resumed, level: "warning", text: gap) }
    }

    package func scalars(step: Int, wallTime: Double, _ values: [(tag: String, value: Double)]) {
        lastStep = max(lastStep, step)
        for v in values {
            unpacked[v.tag, default: 0] += 1
            pending.append(.scalar(tag: v.tag, step: step, wallTime: wallTime, value: v.value))
        }
        flushIfDue()
    }

    package func histogram(step: Int, tag: String, _ h: Histogram) {
        pending.append(.histogram(tag: tag, step: step, h))
    }

    package func sample(step: Int, text: String) {
        pending.append(.sample(step: step, text: text))
    }

    package func message(step: Int, level: String, text: String) {
        pending.append(.message(step: step, level: level, text: text, wallTime: Date().timeIntervalSince1970))
    }

    /// Recorded after the checkpoint is written (it names the folder), so its rows were committed before; this row
    /// is tried at once but not waited for: a resume records its checkpoint again.
    package func checkpoint(step: Int, path: String) {
        lastStep = max(lastStep, step)
        pending.append(.checkpoint(step: step, path: path))
        tryOnce()
    }

    package func figure(step: Int, name: String, document: String) {
        pending.append(.figure(step: step, name: name, document: document))
    }

    package func probe(step: Int, index: Int, document: String) {
        pending.append(.probe(step: step, index: index, document: document))
    }

    package func runEnded(status: String, step: Int) {
        lastStep = step
        pending.append(.status(status))
    }

    private func flushIfDue() {
        if Date().timeIntervalSince(lastFlush) >= flushInterval { tryOnce() }
    }

    /// One try, if the back-off allows one now; a failure is kept in `failure` for the trainer (the rows stay
    /// queued).
    private func tryOnce() {
        guard failure == nil, Date() >= nextTry else { return }
        do { try writeAll() } catch { failed(error) }
    }

    /// Packs the series that grew by a chunk's worth of points since they were last packed. Chunks are a copy of
    /// rows already committed, so a failure here loses nothing: the series is read from its rows meanwhile.
    private func packDueSeries() {
        for (tag, n) in unpacked where n >= RunDatabase.chunkPoints {
            // Packing only speeds reading: a failure leaves the rows, and the series is packed at its next chunk.
            if (try? db.packSeries(run: runID, tag: tag)) != nil { unpacked[tag] = 0 }
        }
    }

    /// Writes the queue, batch by batch (rows queued while a batch was retried go in the next one).
    private func writeAll() throws {
        lastFlush = Date()
        while !pending.isEmpty {
            let batch = inFlight ?? (id: "\(writer)-\(batches + 1)", count: pending.count)
            inFlight = batch
            let rows = Array(pending.prefix(batch.count))
            // The run's step: the newest step of the batch (all of the queue's, when the batch is all of it).
            let step = batch.count == pending.count ? lastStep : rows.reduce(committedStep) { max($0, $1.step ?? 0) }
            try db.write(run: runID, rows: rows, step: step, batch: batch.id)
            pending.removeFirst(batch.count)
            inFlight = nil
            batches += 1
            transactions += 1
            committedStep = max(committedStep, step)
            if let start = outageStart {
                // The outage is over: said where the run is viewed (written with the next batch).
                let why = lastError.map { ": \($0)" } ?? ""
                message(step: lastStep, level: "warning", text: "the run store \(db.location) could not be written for \(String(format: "%.1f", Date().timeIntervalSince(start))) s\(why); the records were kept and written once it was back")
                outageStart = nil
            }
        }
        committedStep = max(committedStep, lastStep)
        outageStart = nil
        lastError = nil
        delay = retryDelays.first
        nextTry = .distantPast
        packDueSeries()
    }

    /// A failed try: back off, and stop the run once the outage outlasts `outageLimit` or too many rows wait.
    private func failed(_ error: Error) {
        let now = Date()
        let start = outageStart ?? now
        outageStart = start
        lastError = error
        nextTry = now.addingTimeInterval(delay)
        delay = min(delay * 2, retryDelays.longest)
        if now.timeIntervalSince(start) >= outageLimit {
            failure = outageError(error, seconds: now.timeIntervalSince(start))
        } else if pending.count > maxPendingRows {
            failure = RunStoreError("cannot write to the run store \(db.location): \(error) (\(pending.count) records waiting, more than the \(maxPendingRows) kept in memory; none of them written)")
        }
    }

    private func outageError(_ error: Error, seconds: Double) -> RunStoreError {
        let full = db.isOutOfSpace(error) ? " (the disk holding it is full)" : ""
        return RunStoreError("cannot write to the run database \(db.location)\(full): \(error); tried for \(Int(seconds.rounded())) s, longer than the \(Int(outageLimit.rounded())) s allowed (GLASSBOX_STORE_OUTAGE_LIMIT); \(pending.count) records since step \(committedStep) kept in memory, not written")
    }

    /// Writes everything queued and returns once it has committed: what a checkpoint waits for. Through an outage
    /// it keeps trying, backing off, until `outageLimit` has passed since the outage began; then `failure` is set
    /// and thrown.
    ///
    /// Once `failure` is set (the run is ending), it tries once more without waiting, and on a full disk gives back
    /// the space the store reserved for this, so that the queued records and the run's final status still reach
    /// the store; failing that, the status alone, so that the run does not stay "running".
    package func flush() throws {
        if let failure { return try lastTry(failure) }
        while true {
            do { return try writeAll() } catch { failed(error) }
            // `failed` sets `failure` once the outage has lasted `outageLimit`: the try at (or after) the deadline
            // is the last.
            if let failure { throw failure }
            let deadline = (outageStart ?? Date()).addingTimeInterval(outageLimit)
            let pause = min(nextTry, deadline).timeIntervalSinceNow
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
    }

    private func lastTry(_ failure: Error) throws {
        if pending.isEmpty { return }
        do { return try writeAll() } catch { lastError = error }
        if let e = lastError, db.releaseSpace(after: e) {
            do { return try writeAll() } catch { lastError = error }
        }
        // The run's status alone (a small write may still succeed).
        for case let .status(status) in pending.reversed() {
            // best effort: the store's failure is thrown just below; the status is worth one more small write
            try? db.setStatus(run: runID, status: status)
            break
        }
        throw failure
    }
}

extension RunRow {
    /// The step the row belongs to (nil for the run's status).
    var step: Int? {
        switch self {
        case let .scalar(_, step, _, _), let .histogram(_, step, _), let .sample(step, _), let .message(step, _, _, _),
             let .checkpoint(step, _), let .figure(step, _, _), let .probe(step, _, _): step
        case .status: nil
        }
    }
}
