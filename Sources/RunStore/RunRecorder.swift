import Foundation
import Training

/// Records a training run into a `RunStorage` (SQLite or PostgreSQL), batching rows in memory and writing them in
/// one transaction every `flushInterval` seconds (and at checkpoints and the end), so recording costs a tiny part of
/// a step.
///
/// Nothing is dropped: rows leave the queue only once their transaction has committed. A failed write is retried
/// (three tries, backing off); if it still fails, `failure` holds the error and the trainer stops on it.

public final class RunRecorder: TrainingSink {
    let db: any RunStorage
    private(set) var runID = ""
    private var pending: [RunRow] = []
    private var lastFlush = Date()
    private var lastStep = 0
    /// Points recorded per tag since its series was last packed into chunks.
    private var unpacked: [String: Int] = [:]
    public var flushInterval: TimeInterval = 2
    /// Write transactions so far (each flush is one).
    public private(set) var transactions = 0
    /// The write error that retries did not overcome, if any (the rows stay queued).
    public private(set) var failure: Error?
    /// Rows waiting to be written.
    public var pendingCount: Int { pending.count }
    /// Pauses between the tries of a failed write, in seconds.
    public var retryDelays: [Double] = [0.05, 0.25]

    public init(database: any RunStorage) { db = database }

    public func runStarted(_ run: RunStart) throws {
        runID = run.id
        try db.startRun(run)
    }

    public func scalars(step: Int, wallTime: Double, _ values: [(tag: String, value: Double)]) {
        lastStep = max(lastStep, step)
        for v in values {
            unpacked[v.tag, default: 0] += 1
            pending.append(.scalar(tag: v.tag, step: step, wallTime: wallTime, value: v.value))
        }
        flushIfDue()
    }

    public func histogram(step: Int, tag: String, _ h: Histogram) {
        pending.append(.histogram(tag: tag, step: step, h))
    }

    public func sample(step: Int, text: String) {
        pending.append(.sample(step: step, text: text))
    }

    public func message(step: Int, level: String, text: String) {
        pending.append(.message(step: step, level: level, text: text, wallTime: Date().timeIntervalSince1970))
    }

    public func checkpoint(step: Int, path: String) {
        lastStep = max(lastStep, step)
        pending.append(.checkpoint(step: step, path: path))
        try? flush()   // a failure stays in `failure`
    }

    public func figure(step: Int, name: String, document: String) {
        pending.append(.figure(step: step, name: name, document: document))
    }

    public func probe(step: Int, index: Int, document: String) {
        pending.append(.probe(step: step, index: index, document: document))
    }

    public func runEnded(status: String, step: Int) {
        lastStep = step
        pending.append(.status(status))
    }

    private func flushIfDue() {
        // A failure is kept in `failure` for the trainer; the rows stay queued.
        if Date().timeIntervalSince(lastFlush) >= flushInterval { try? flush() }
    }

    /// Packs the series that grew by a chunk's worth of points since they were last packed. Chunks are a copy of
    /// rows already committed, so a failure here loses nothing: the series is read from its rows meanwhile.
    private func packDueSeries() {
        for (tag, n) in unpacked where n >= RunDatabase.chunkPoints {
            if (try? db.packSeries(run: runID, tag: tag)) != nil { unpacked[tag] = 0 }
        }
    }

    public func flush() throws {
        let rows = pending
        let step = lastStep, id = runID
        // One transaction: every queued row and the run's step. Only once it commits do the rows leave the queue.
        func writeRows() throws {
            try db.write(run: id, rows: rows, step: step)
            pending.removeFirst(rows.count)
        }
        var lastError: Error?
        for attempt in 0...retryDelays.count {
            if attempt > 0 { Thread.sleep(forTimeInterval: retryDelays[attempt - 1]) }
            do {
                try writeRows()
                lastFlush = Date()
                transactions += 1
                failure = nil
                packDueSeries()
                return
            } catch {
                lastError = error
            }
        }
        // Out of space: the store gives back what it reserved for this and the write is tried once more, so that
        // what was recorded (and the run's status) reaches the store after all.
        if let e = lastError, db.releaseSpace(after: e) {
            do {
                try writeRows()
                lastFlush = Date()
                // Written, but the disk is full: the trainer still stops, with the store's error.
                failure = RunStoreError("the disk holding the run database \(db.location) is full: \(e) (the records so far were written using the space reserved for this)")
                throw failure!
            } catch let error as RunStoreError {
                throw error
            } catch {
                lastError = error
            }
        }
        lastFlush = Date()
        let error = RunStoreError("cannot write to the run database \(db.location): \(lastError.map { "\($0)" } ?? "unknown error") (\(rows.count) records kept in memory, none written)")
        failure = error
        // The run's status alone, so that the run does not stay "running" (a small write may still succeed).
        for case let .status(status) in rows.reversed() {
            try? db.setStatus(run: id, status: status)
            break
        }
        throw error
    }
}
