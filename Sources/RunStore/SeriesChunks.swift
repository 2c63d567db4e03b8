import Foundation
import GRDB
import GRDBSQLite

/// A tag's points packed in closed chunks, so that a long series is read as a few thousand blobs instead of a
/// million rows (stepping SQLite row by row costs ~200 ns a point: 0.2 s for a million; a blob is copied).
///
/// `scalar_chunks` holds, per run and tag, consecutive runs of ≥ `chunkPoints` points in step order (a step is never
/// split between two chunks) as three little-endian arrays: steps (Int64), wall times and values (Float64, NaN kept).
/// The `scalars` table stays the record; chunks are a copy of its older points that triggers keep true: any insert,
/// update or delete of a point at or before a chunk's last step drops that chunk and those after it (a resume that
/// rewrites a run's tail), and the next packing rebuilds them. The newest points (after the last chunk) are read
/// as rows.
extension RunDatabase {
    /// Points per chunk: 24 KB of blobs, written once per 1024 points of a tag.
    static let chunkPoints = 1024

    static func createChunkTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE scalar_chunks (run_id TEXT NOT NULL, tag TEXT NOT NULL, first_step INTEGER NOT NULL,
                last_step INTEGER NOT NULL, count INTEGER NOT NULL, steps BLOB NOT NULL, wall_times BLOB NOT NULL,
                point_values BLOB NOT NULL, PRIMARY KEY (run_id, tag, last_step)) WITHOUT ROWID;
            CREATE TRIGGER scalars_insert_unpacks AFTER INSERT ON scalars BEGIN
                DELETE FROM scalar_chunks WHERE run_id = NEW.run_id AND tag = NEW.tag AND last_step >= NEW.step; END;
            CREATE TRIGGER scalars_delete_unpacks AFTER DELETE ON scalars BEGIN
                DELETE FROM scalar_chunks WHERE run_id = OLD.run_id AND tag = OLD.tag AND last_step >= OLD.step; END;
            CREATE TRIGGER scalars_update_unpacks AFTER UPDATE ON scalars BEGIN
                DELETE FROM scalar_chunks WHERE run_id = OLD.run_id AND tag = OLD.tag AND last_step >= OLD.step;
                DELETE FROM scalar_chunks WHERE run_id = NEW.run_id AND tag = NEW.tag AND last_step >= NEW.step; END;
            """)
    }

    /// Packs every series of the store (the migration that brings chunks to an existing store).
    static func packAll(_ db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT DISTINCT run_id, tag FROM scalars") {
            try packSeries(db, run: row["run_id"], tag: row["tag"])
        }
    }

    /// Packs the points of one tag that follow its last chunk into new chunks, leaving fewer than `chunkPoints`
    /// (plus any points sharing the last packed step) as rows; returns the chunks written.
    @discardableResult
    static func packSeries(_ db: Database, run: String, tag: String, chunkPoints: Int = chunkPoints) throws -> Int {
        let after = try Int.fetchOne(db, sql: "SELECT MAX(last_step) FROM scalar_chunks WHERE run_id = ? AND tag = ?", arguments: [run, tag])
        var tail = SeriesColumns()
        try readRows(db, run: run, tag: tag, after: after, into: &tail)
        guard tail.count >= chunkPoints else { return 0 }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO scalar_chunks (run_id, tag, first_step, last_step, count, steps, wall_times, point_values)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var start = 0, written = 0
        while tail.count - start >= chunkPoints {
            var end = start + chunkPoints
            while end < tail.count && tail.steps[end] == tail.steps[end - 1] { end += 1 }
            // The chunk would end inside the newest step: leave that step's points as rows.
            if end == tail.count && start + chunkPoints < end { break }
            let range = start..<end
            try insert.execute(arguments: [run, tag, tail.steps[start], tail.steps[end - 1], end - start,
                                           blob(tail.steps[range].map { Int64($0) }), blob(Array(tail.wallTimes[range])),
                                           blob(Array(tail.values[range]))])
            written += 1
            start = end
        }
        return written
    }

    /// Packs one tag's new points (the recorder calls this every `chunkPoints` points of a tag).
    @discardableResult
    package func packSeries(run: String, tag: String) throws -> Int {
        try pool.write { db in try Self.packSeries(db, run: run, tag: tag) }
    }

    /// Number of chunks a tag has (for tests and `bench series`).
    package func chunkCount(run: String, tag: String) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scalar_chunks WHERE run_id = ? AND tag = ?", arguments: [run, tag]) ?? 0 }
    }

    /// A tag's points in step order: its chunks, then the rows after the last chunk.
    static func readSeries(_ db: Database, run: String, tag: String, into c: inout SeriesColumns) throws {
        let statement = try db.cachedStatement(sql: """
            SELECT last_step, count, steps, wall_times, point_values FROM scalar_chunks WHERE run_id = ? AND tag = ? ORDER BY last_step
            """)
        statement.arguments = [run, tag]
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        defer { sqlite3_reset(s) }
        // Room for every packed point at once (reserving per chunk would copy the arrays at each chunk).
        let packed = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(count), 0) FROM scalar_chunks WHERE run_id = ? AND tag = ?", arguments: [run, tag]) ?? 0
        c.steps.reserveCapacity(c.count + packed + chunkPoints)
        c.wallTimes.reserveCapacity(c.count + packed + chunkPoints)
        c.values.reserveCapacity(c.count + packed + chunkPoints)
        var last: Int?
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw RunStoreError("reading \(tag) of run \(run): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(s))))") }
            let n = Int(sqlite3_column_int64(s, 1))
            guard n > 0, Int(sqlite3_column_bytes(s, 2)) == n * 8, Int(sqlite3_column_bytes(s, 3)) == n * 8, Int(sqlite3_column_bytes(s, 4)) == n * 8,
                  let steps = sqlite3_column_blob(s, 2), let walls = sqlite3_column_blob(s, 3), let values = sqlite3_column_blob(s, 4) else {
                throw RunStoreError("a packed chunk of \(tag) of run \(run) is damaged (its arrays do not hold \(n) points)")
            }
            append(&c.steps, steps, n) { Int(Int64(littleEndian: $0)) }
            append(&c.wallTimes, walls, n) { Double(bitPattern: UInt64(littleEndian: $0)) }
            append(&c.values, values, n) { Double(bitPattern: UInt64(littleEndian: $0)) }
            last = Int(sqlite3_column_int64(s, 0))
        }
        try readRows(db, run: run, tag: tag, after: last, into: &c)
    }

    /// Rows of a tag after step `after` (all when nil), stepped with SQLite's own API from the covering index.
    static func readRows(_ db: Database, run: String, tag: String, after: Int?, into c: inout SeriesColumns) throws {
        let statement = try db.cachedStatement(sql: "SELECT step, wall_time, value FROM scalars WHERE run_id = ? AND tag = ? AND step > ? ORDER BY step")
        statement.arguments = [run, tag, after ?? Int(Int64.min)]
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        defer { sqlite3_reset(s) }
        while true {
            let rc = sqlite3_step(s)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw RunStoreError("reading \(tag) of run \(run): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(s))))") }
            c.steps.append(Int(sqlite3_column_int64(s, 0)))
            c.wallTimes.append(sqlite3_column_double(s, 1))
            c.values.append(sqlite3_column_type(s, 2) == SQLITE_NULL ? .nan : sqlite3_column_double(s, 2))
        }
    }

    private static func append<Raw: FixedWidthInteger, T>(_ out: inout [T], _ bytes: UnsafeRawPointer, _ n: Int, _ decode: (Raw) -> T) {
        for i in 0..<n { out.append(decode(bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<Raw>.size, as: Raw.self))) }
    }

    private static func blob(_ xs: [Int64]) -> Data {
        var d = Data(count: xs.count * 8)
        d.withUnsafeMutableBytes { p in for (i, x) in xs.enumerated() { p.storeBytes(of: x.littleEndian, toByteOffset: i * 8, as: Int64.self) } }
        return d
    }

    private static func blob(_ xs: [Double]) -> Data {
        var d = Data(count: xs.count * 8)
        d.withUnsafeMutableBytes { p in for (i, x) in xs.enumerated() { p.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self) } }
        return d
    }
}
