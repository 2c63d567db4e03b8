import Foundation
import GRDB
import Training

/// Records a training run into the `RunDatabase`, batching rows in memory and writing them in one transaction
/// every `flushInterval` seconds (and at checkpoints and the end), so recording costs a tiny part of a step.
///
/// Nothing is dropped: rows leave the queue only once their transaction has committed. A failed write is retried
/// (three tries, backing off); if it still fails, `failure` holds the error and the trainer stops on it.
public final class RunRecorder: TrainingSink {
    let db: RunDatabase
    private(set) var runID = ""
    private var pending: [(sql: String, arguments: StatementArguments)] = []
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

    public init(database: RunDatabase) { db = database }

    public func runStarted(_ run: RunStart) throws {
        let id = run.id
        runID = id
        let json = run.config
        let now = Date().timeIntervalSince1970
        do {
            try db.pool.write { d in
                if let step = run.resumedAt {
                    // A resumed run drops what the interrupted one recorded after its checkpoint.
                    for table in ["scalars", "histograms", "samples", "messages", "probes", "figures"] {
                        try d.execute(sql: "DELETE FROM \(table) WHERE run_id = ? AND step > ?", arguments: [id, step])
                    }
                    // The checkpoint resumed from is recorded again by the trainer.
                    try d.execute(sql: "DELETE FROM checkpoints WHERE run_id = ? AND step >= ?", arguments: [id, step])
                    try d.execute(sql: "UPDATE runs SET status = 'running', updated_at = ?, total_steps = ?, config = ?, host = ?, pid = ?, user = ?, ranks = ?, revision = revision + 1 WHERE id = ?",
                                  arguments: [now, run.totalSteps, json, RunRecord.thisHost, Int(getpid()), RunRecord.thisUser, run.ranks, id])
                } else {
                    try d.execute(sql: """
                        INSERT INTO runs (id, name, created_at, updated_at, status, step, total_steps, parameter_count, config, host, pid, kind, user, ranks)
                        VALUES (?, ?, ?, ?, 'running', 0, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [id, run.name, now, now, run.totalSteps, run.parameterCount, json, RunRecord.thisHost, Int(getpid()), run.kind,
                                         RunRecord.thisUser, run.ranks])
                }
            }
        } catch {
            throw RunStoreError("cannot record run \(id) in \(db.path): \(error)")
        }
    }

    public func scalars(step: Int, wallTime: Double, _ values: [(tag: String, value: Double)]) {
        lastStep = max(lastStep, step)
        for v in values {
            unpacked[v.tag, default: 0] += 1
            pending.append(("INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES (?, ?, ?, ?, ?)",
                            [runID, v.tag, step, wallTime, v.value]))
        }
        flushIfDue()
    }

    public func histogram(step: Int, tag: String, _ h: Histogram) {
        let counts = String(decoding: (try? JSONEncoder().encode(h.counts)) ?? Data("[]".utf8), as: UTF8.self)
        pending.append(("INSERT INTO histograms (run_id, tag, step, min, max, counts) VALUES (?, ?, ?, ?, ?, ?)",
                        [runID, tag, step, Double(h.min), Double(h.max), counts]))
    }

    public func sample(step: Int, text: String) {
        pending.append(("INSERT INTO samples (run_id, step, text) VALUES (?, ?, ?)", [runID, step, text]))
    }

    public func message(step: Int, level: String, text: String) {
        pending.append(("INSERT INTO messages (run_id, step, level, text, wall_time) VALUES (?, ?, ?, ?, ?)",
                        [runID, step, level, text, Date().timeIntervalSince1970]))
    }

    public func checkpoint(step: Int, path: String) {
        lastStep = max(lastStep, step)
        pending.append(("INSERT INTO checkpoints (run_id, step, path) VALUES (?, ?, ?)", [runID, step, path]))
        try? flush()   // a failure stays in `failure`
    }

    public func figure(step: Int, name: String, document: String) {
        pending.append(("INSERT OR REPLACE INTO figures (run_id, step, name, document) VALUES (?, ?, ?, ?)", [runID, step, name, document]))
    }

    public func probe(step: Int, index: Int, document: String) {
        pending.append(("INSERT OR REPLACE INTO probes (run_id, step, probe, document) VALUES (?, ?, ?, ?)", [runID, step, index, document]))
    }

    public func runEnded(status: String, step: Int) {
        lastStep = step
        pending.append(("UPDATE runs SET status = ? WHERE id = ?", [status, runID]))
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
            try db.pool.write { d in
                for r in rows { try d.cachedStatement(sql: r.sql).execute(arguments: r.arguments) }
                try d.execute(sql: "UPDATE runs SET step = ?, updated_at = ? WHERE id = ?", arguments: [step, Date().timeIntervalSince1970, id])
            }
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
        // A full disk: give back the reserved space beside the database and try once more, so that what was
        // recorded (and the run's status) reaches the file after all.
        if let e = lastError as? DatabaseError, e.resultCode == .SQLITE_FULL || e.resultCode == .SQLITE_IOERR, db.releaseReserve() {
            do {
                try writeRows()
                lastFlush = Date()
                // Written, but the disk is full: the trainer still stops, with the store's error.
                failure = RunStoreError("the disk holding the run database \(db.path) is full: \(e) (the records so far were written using the space reserved for this)")
                throw failure!
            } catch let error as RunStoreError {
                throw error
            } catch {
                lastError = error
            }
        }
        lastFlush = Date()
        let error = RunStoreError("cannot write to the run database \(db.path): \(lastError.map { "\($0)" } ?? "unknown error") (\(rows.count) records kept in memory, none written)")
        failure = error
        // The run's status alone, so that the run does not stay "running" (a small write may still succeed).
        if let status = rows.last(where: { $0.sql.hasPrefix("UPDATE runs SET status") }) {
            try? db.pool.write { d in try d.execute(sql: status.sql, arguments: status.arguments) }
        }
        throw error
    }
}
