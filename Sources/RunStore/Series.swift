import Foundation
import GRDB
import GRDBSQLite

/// One tag's raw points, column by column, in step order.
package struct SeriesColumns: Sendable {
    package var steps: [Int] = []
    package var wallTimes: [Double] = []
    package var values: [Double] = []
    /// The scalars table's newest row id in the snapshot these points were read from, and the run's revision.
    package var version: Int64 = 0
    package var revision = 0
    package var count: Int { steps.count }
    package init() {}
}

/// A bucket of consecutive raw points: the envelope (min, max), the mean and the last value, so that a chart drawn
/// from buckets never loses a spike.
package struct SeriesBucket: Codable, Sendable, Equatable {
    package var firstStep: Int
    package var lastStep: Int
    package var min: Double
    package var max: Double
    package var mean: Double
    package var last: Double
    package var count: Int
    package var wallTime: Double
    /// The smoothed value (debiased EMA over the whole series) at the bucket's last point.
    package var smoothed: Double?

    enum CodingKeys: String, CodingKey {
        case firstStep = "first_step", lastStep = "last_step", min, max, mean, last, count, wallTime = "wall_time", smoothed
    }
}

/// The state of the debiased exponential moving average after some points (TensorBoard's smoothing):
/// `last = last·w + (1−w)·v`, `count += 1`, smoothed = `last / (1 − w^count)`; non-finite values pass through.
package struct EMAState: Codable, Sendable, Equatable {
    package var last: Double = 0
    package var count: Int = 0
    /// w^count, kept as a running product (a pow per point costs more than the rest of the reduction).
    var weightPower: Double = 1

    enum CodingKeys: String, CodingKey { case last, count }

    package mutating func add(_ v: Double, weight w: Double) -> Double {
        guard v.isFinite else { return v }
        last = last * w + (1 - w) * v
        count += 1
        weightPower *= w
        let debias = w == 1 ? 1 : 1 - weightPower
        return debias > 0 ? last / debias : v
    }
}

/// A series reduced to at most `buckets` buckets of equal step width over [from, to].
package struct SeriesSummary: Codable, Sendable {
    package let run: String
    package let tag: String
    package let count: Int
    package let from: Int?
    package let to: Int?
    package let smoothing: Double
    package let buckets: [SeriesBucket]
    package let ema: EMAState

    /// Which of `n` equal buckets over [lo, hi] holds step s: ⌊(s − lo)·n / (hi − lo + 1)⌋, exact in integers.
    package static func bucket(of s: Int, from lo: Int, to hi: Int, buckets n: Int) -> Int {
        guard hi > lo, n > 1 else { return 0 }
        guard s > lo else { return 0 }
        guard s <= hi else { return n - 1 }
        // In unsigned arithmetic: hi - lo may be any 64-bit distance (a range given as Int.min / 2 ... Int.max / 2,
        // or steps of an imported file), which overflows Int; (s - lo) * n / (hi - lo + 1) < n always fits.
        let offset = UInt(bitPattern: s &- lo), span = UInt(bitPattern: hi &- lo)
        let (high, low) = offset.multipliedFullWidth(by: UInt(n))
        let q = span == UInt.max ? high : (span + 1).dividingFullWidth((high, low)).quotient
        return Swift.min(n - 1, Int(q))
    }

    /// Buckets `columns` (all of a tag's points) over steps `from...to` (default: the whole series). Smoothing runs
    /// over every point from the first, so a zoomed view shows the same smoothed line as the whole one.
    package static func reduce(run: String, tag: String, _ c: SeriesColumns, buckets n: Int, from: Int?, to: Int?,
                              smoothing w: Double) -> SeriesSummary {
        var ema = EMAState()
        let lo = from ?? c.steps.first ?? 0, hi = to ?? c.steps.last ?? 0
        var out: [SeriesBucket] = []
        out.reserveCapacity(Swift.min(n, c.count))
        var current: SeriesBucket?
        var currentIndex = -1
        var sum = 0.0, finite = 0
        var inRange = 0
        for i in 0..<c.count {
            let s = c.steps[i], v = c.values[i]
            let smoothed = ema.add(v, weight: w)
            guard s >= lo && s <= hi else { continue }
            inRange += 1
            let b = SeriesSummary.bucket(of: s, from: lo, to: hi, buckets: n)
            if b != currentIndex, let done = current {
                var d = done
                d.mean = finite > 0 ? sum / Double(finite) : .nan
                out.append(d)
                current = nil
            }
            if current == nil {
                current = SeriesBucket(firstStep: s, lastStep: s, min: v, max: v, mean: 0, last: v, count: 0, wallTime: c.wallTimes[i],
                                       smoothed: smoothed)
                currentIndex = b
                sum = 0
                finite = 0
            }
            current!.lastStep = s
            // NaN never wins min/max silently: a non-finite value is kept as the bucket's last and shows in count.
            if v < current!.min || current!.min.isNaN { current!.min = v }
            if v > current!.max || current!.max.isNaN { current!.max = v }
            current!.last = v
            current!.count += 1
            current!.wallTime = c.wallTimes[i]
            current!.smoothed = smoothed
            // The mean is that of the finite points: one NaN does not blank its bucket.
            if v.isFinite { sum += v; finite += 1 }
        }
        if var d = current { d.mean = finite > 0 ? sum / Double(finite) : .nan; out.append(d) }
        return SeriesSummary(run: run, tag: tag, count: inRange, from: from, to: to, smoothing: w, buckets: out, ema: ema)
    }
}

/// New rows since a cursor (the tables' rowids), for live views.
package struct RunChanges: Sendable {
    package var scalars: [(tag: String, step: Int, wallTime: Double, value: Double)] = []
    package var samples: [(step: Int, text: String)] = []
    package var messages: [(step: Int, level: String, text: String)] = []
    package var checkpoints: [(step: Int, path: String)] = []
    package var cursor: RunCursor
}

package struct RunCursor: Sendable, Equatable {
    package var scalars: Int64 = 0, samples: Int64 = 0, messages: Int64 = 0, checkpoints: Int64 = 0
    package init(scalars: Int64 = 0, samples: Int64 = 0, messages: Int64 = 0, checkpoints: Int64 = 0) {
        self.scalars = scalars; self.samples = samples; self.messages = messages; self.checkpoints = checkpoints
    }
}

extension RunDatabase {
    /// A tag's points (steps, wall times, values) in step order: the packed chunks (SeriesChunks.swift) copied out
    /// of their blobs, then the newest rows from the covering index.
    package func seriesColumns(run: String, tag: String) throws -> SeriesColumns {
        try pool.read { db in
            var c = SeriesColumns()
            c.version = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM scalars") ?? 0
            c.revision = try Int.fetchOne(db, sql: "SELECT revision FROM runs WHERE id = ?", arguments: [run]) ?? 0
            do { try Self.readSeries(db, run: run, tag: tag, into: &c) } catch let e as RunStoreError {
                throw RunStoreError("\(e.description) (in \(path))")
            }
            return c
        }
    }

    /// The newest row id of the scalars table (it changes whenever a point is recorded) and the run's revision
    /// (it changes when a resume deletes points, whose row ids SQLite may then give out again).
    package func scalarsVersion(run: String) throws -> (rowid: Int64, revision: Int) {
        try pool.read { db in
            (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM scalars") ?? 0,
             try Int.fetchOne(db, sql: "SELECT revision FROM runs WHERE id = ?", arguments: [run]) ?? 0)
        }
    }

    /// A tag's points recorded after row `rowid`, in recording order.
    package func seriesColumns(run: String, tag: String, afterRowID rowid: Int64) throws -> SeriesColumns {
        try pool.read { db in
            var c = SeriesColumns()
            c.version = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM scalars") ?? 0
            c.revision = try Int.fetchOne(db, sql: "SELECT revision FROM runs WHERE id = ?", arguments: [run]) ?? 0
            for r in try Row.fetchAll(db, sql: "SELECT step, wall_time, value FROM scalars WHERE rowid > ? AND run_id = ? AND tag = ? ORDER BY rowid",
                                      arguments: [rowid, run, tag]) {
                c.steps.append(r["step"]); c.wallTimes.append(r["wall_time"]); c.values.append(r["value"] ?? .nan)
            }
            return c
        }
    }

    package func histogramTags(run: String) throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT tag FROM histograms WHERE run_id = ? ORDER BY tag", arguments: [run]) }
    }

    package func sampleCount(run: String) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM samples WHERE run_id = ?", arguments: [run]) ?? 0 }
    }

    /// The newest value of the given tags of every run (for the runs table): one index seek per run and tag, so a
    /// thousand runs cost milliseconds whatever their lengths.
    package func lastValues(tags: [String]) throws -> [String: [String: Double]] {
        try pool.read { db in
            var out: [String: [String: Double]] = [:]
            let ids = try String.fetchAll(db, sql: "SELECT id FROM runs")
            let statement = try db.cachedStatement(sql: "SELECT value FROM scalars WHERE run_id = ? AND tag = ? ORDER BY step DESC LIMIT 1")
            for id in ids {
                for tag in tags {
                    if let v = try Double.fetchOne(statement, arguments: [id, tag]) { out[id, default: [:]][tag] = v }
                }
            }
            return out
        }
    }

    /// Where the tables end now: a live view starts here.
    package func cursor() throws -> RunCursor {
        try pool.read { db in
            func top(_ table: String) throws -> Int64 { try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(rowid), 0) FROM \(table)") ?? 0 }
            return RunCursor(scalars: try top("scalars"), samples: try top("samples"), messages: try top("messages"),
                             checkpoints: try top("checkpoints"))
        }
    }

    /// A run's rows recorded after `cursor` (at most `limit` scalars at a time).
    package func changes(run: String, after cursor: RunCursor, limit: Int = 20_000) throws -> RunChanges {
        try pool.read { db in
            var ch = RunChanges(cursor: cursor)
            let scalars = try Row.fetchAll(db, sql: "SELECT rowid, tag, step, wall_time, value FROM scalars WHERE rowid > ? AND run_id = ? ORDER BY rowid LIMIT ?",
                                           arguments: [cursor.scalars, run, limit])
            for r in scalars { ch.scalars.append((r["tag"], r["step"], r["wall_time"], r["value"] ?? .nan)) }
            if let last = scalars.last { ch.cursor.scalars = last["rowid"] }
            let samples = try Row.fetchAll(db, sql: "SELECT rowid, step, text FROM samples WHERE rowid > ? AND run_id = ? ORDER BY rowid", arguments: [cursor.samples, run])
            for r in samples { ch.samples.append((r["step"], r["text"])) }
            if let last = samples.last { ch.cursor.samples = last["rowid"] }
            let messages = try Row.fetchAll(db, sql: "SELECT rowid, step, level, text FROM messages WHERE rowid > ? AND run_id = ? ORDER BY rowid", arguments: [cursor.messages, run])
            for r in messages { ch.messages.append((r["step"], r["level"], r["text"])) }
            if let last = messages.last { ch.cursor.messages = last["rowid"] }
            let checkpoints = try Row.fetchAll(db, sql: "SELECT rowid, step, path FROM checkpoints WHERE rowid > ? AND run_id = ? ORDER BY rowid", arguments: [cursor.checkpoints, run])
            for r in checkpoints { ch.checkpoints.append((r["step"], r["path"])) }
            if let last = checkpoints.last { ch.cursor.checkpoints = last["rowid"] }
            return ch
        }
    }
}
