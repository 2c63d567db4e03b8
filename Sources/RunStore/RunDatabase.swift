import Foundation
import ModelFormats
import GRDB
import Training

/// The one public error of RunStore.
package struct RunStoreError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// A run as listed by `glassbox runs list`.
package struct RunRecord: Codable, Sendable {
    package let id: String
    /// The name given with `--name`, or the id.
    package let name: String
    package let createdAt: Double
    package let updatedAt: Double
    package let status: String
    package let step: Int
    package let totalSteps: Int
    package let parameterCount: Int
    package let config: String
    package let lastTrainLoss: Double?
    package let lastValLoss: Double?
    /// The machine and process recording the run (nil for runs recorded before they were kept).
    package let host: String?
    package let pid: Int?
    /// Times a resume deleted what the run recorded after its checkpoint.
    package let revision: Int
    /// What the run trains: gpt, mlp, ...
    package let kind: String
    /// The user who started it (nil for runs recorded before it was kept) and the processes that trained it.
    package let user: String?
    package let ranks: Int

    /// What a viewer should see: `live` for a run whose recording process is alive (on this machine; elsewhere:
    /// heard from in the last 2 minutes), `stale` for one recorded as running whose process is gone, else the
    /// stored status.
    package var displayStatus: String {
        guard status == "running" else { return status }
        if let host, host == RunRecord.thisHost, let pid {
            return kill(pid_t(pid), 0) == 0 || errno == EPERM ? "live" : "stale"
        }
        return Date().timeIntervalSince1970 - updatedAt < 120 ? "live" : "stale"
    }

    package static let thisHost: String = ProcessInfo.processInfo.hostName
    /// The account running this process (its login name; the environment's USER where the password database
    /// has none, as in some containers).
    package static let thisUser: String? = {
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"]
    }()

    /// The training corpus (file name) and tokenizer, from the run's settings.
    /// The training data: a GPT's corpus (file name), an MLP's CSV file (name), a fine-tuning run's instruction
    /// file (name) or a generated task's name.
    package var dataSet: String? {
        // A column of a list: a run whose settings do not parse shows none here; `settings` names the problem.
        guard let s = try? settings else { return nil }
        return (s["dataPath"] ?? s["csv"] ?? s["data"])?.string.map { URL(fileURLWithPath: $0).lastPathComponent } ?? s["task"]?.string
    }
    package var tokenizer: String? {
        // A column of a list, like `dataSet`.
        guard let s = try? settings else { return nil }
        return s["tokenizer"]?.string
    }
    /// The run's settings (TrainConfig as JSON); an error naming the run when they are not a JSON object (a
    /// damaged store).
    package var settings: JSONValue {
        get throws {
            let parsed: JSONValue
            do { parsed = try JSONValue(json: config) } catch {
                throw RunStoreError("run \(id): its stored settings are not JSON (\(error.localizedDescription))")
            }
            guard case .object = parsed else { throw RunStoreError("run \(id): its stored settings are not a JSON object") }
            return parsed
        }
    }
}

/// A scalar series point.
package struct ScalarPoint: Codable, Sendable {
    package let step: Int
    package let wallTime: Double
    package let value: Double
}

/// The SQLite database of runs (`<runs-dir>/glassbox.sqlite`), in WAL mode so readers see a run while it writes.
///
/// Tables: runs (hyper-parameters as JSON), scalars (run, tag, step, wall time, value), histograms, samples,
/// messages, checkpoints.
package final class RunDatabase: RunStorage, @unchecked Sendable {
    package let pool: DatabasePool
    package let path: String
    package var location: String { path }
    /// SQLite has no notifications: readers poll (WAL lets them read while a run writes).
    package var changeGeneration: Int? { nil }
    /// A file of reserved space beside the database (`glassbox.sqlite-reserve`), given back when the disk is full
    /// so that the last records and the run's final status can still be written.
    package let reservePath: String
    package static let reserveBytes = 1 << 20

    package init(directory: URL) throws {
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw RunStoreError("cannot create the runs directory \(directory.path): \(error.localizedDescription)")
        }
        path = directory.appendingPathComponent("glassbox.sqlite").path
        reservePath = path + "-reserve"
        var config = Configuration()
        config.busyMode = .timeout(5)
        // Several processes started at once on a new runs directory race to create the file, switch it to WAL and
        // migrate it: each reads which migrations are applied, then applies the others one transaction each, so a
        // slower one can apply a migration again that another committed meanwhile ("duplicate column name"). An
        // exclusive lock on the directory makes opening one process at a time (held only while opening).
        let lock = open(directory.path, O_RDONLY | O_DIRECTORY)
        if lock >= 0 { while flock(lock, LOCK_EX) != 0 && errno == EINTR {} }
        defer { if lock >= 0 { close(lock) } }
        // Where the lock is not to be had (some network file systems), the loser of the race to WAL gets SQLITE_BUSY
        // from the journal-mode switch, which the busy timeout does not cover, or a migration's error because another
        // applied it first: retry, and opening again finds the migrations applied.
        var attempt = 0
        while true {
            do {
                let pool = try DatabasePool(path: path, configuration: config)
                try Self.migrator.migrate(pool)
                self.pool = pool
                Self.makeReserve(reservePath)
                break
            } catch let error as DatabaseError where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
                                                      || (error.message ?? "").contains("already exists")
                                                      || (error.message ?? "").contains("duplicate column name")) && attempt < 50 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.02 + Double.random(in: 0..<0.08))
            } catch {
                throw RunStoreError("cannot open the run database \(path): \(error)")
            }
        }
    }

    /// Best effort: where there is no room for the reserve, there is nothing to reserve.
    static func makeReserve(_ path: String) {
        var st = stat()
        if stat(path, &st) == 0 && Int(st.st_size) >= reserveBytes { return }
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if posix_fallocate(fd, 0, off_t(reserveBytes)) != 0 { _ = ftruncate(fd, 0) }
    }

    /// Frees the reserved space (on a full disk); returns whether there was any.
    @discardableResult
    package func releaseReserve() -> Bool {
        var st = stat()
        guard stat(reservePath, &st) == 0, st.st_size > 0 else { return false }
        return unlink(reservePath) == 0
    }

    /// SQLite's own check of the file (`PRAGMA integrity_check`): "ok" when whole.
    package func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL, status TEXT NOT NULL,
                    step INTEGER NOT NULL DEFAULT 0, total_steps INTEGER NOT NULL, parameter_count INTEGER NOT NULL,
                    config TEXT NOT NULL);
                CREATE TABLE scalars (run_id TEXT NOT NULL, tag TEXT NOT NULL, step INTEGER NOT NULL,
                    wall_time REAL NOT NULL, value REAL NOT NULL);
                CREATE INDEX scalars_by_run_tag_step ON scalars(run_id, tag, step);
                CREATE TABLE histograms (run_id TEXT NOT NULL, tag TEXT NOT NULL, step INTEGER NOT NULL,
                    min REAL NOT NULL, max REAL NOT NULL, counts TEXT NOT NULL);
                CREATE INDEX histograms_by_run ON histograms(run_id, tag, step);
                CREATE TABLE samples (run_id TEXT NOT NULL, step INTEGER NOT NULL, text TEXT NOT NULL);
                CREATE TABLE messages (run_id TEXT NOT NULL, step INTEGER NOT NULL, level TEXT NOT NULL,
                    text TEXT NOT NULL, wall_time REAL NOT NULL);
                CREATE TABLE checkpoints (run_id TEXT NOT NULL, step INTEGER NOT NULL, path TEXT NOT NULL);
                """)
        }
        // v2: runs can be named (`train --name`); the name is unique when given.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN name TEXT;
                CREATE UNIQUE INDEX runs_by_name ON runs(name) WHERE name IS NOT NULL;
                """)
        }
        // v3: series are read from a covering index (step, value and wall time in index order): a million points
        // stream without touching the table.
        m.registerMigration("v3") { db in
            try db.execute(sql: """
                CREATE INDEX scalars_series ON scalars(run_id, tag, step, value, wall_time);
                DROP INDEX scalars_by_run_tag_step;
                """)
        }
        // v4: the host and process that record a run tell a live run from one whose process was killed; `revision`
        // counts the times a resume rewrote the run's tail (viewers holding its series read them again).
        m.registerMigration("v4") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN host TEXT;
                ALTER TABLE runs ADD COLUMN pid INTEGER;
                ALTER TABLE runs ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
                """)
        }
        // v5: a value may be NaN (SQLite stores NaN as NULL; the first table refused it, failing the whole write);
        // long series are also kept packed in chunks (SeriesChunks.swift), read as blobs.
        m.registerMigration("v5") { db in
            try db.execute(sql: """
                CREATE TABLE scalars_v5 (run_id TEXT NOT NULL, tag TEXT NOT NULL, step INTEGER NOT NULL,
                    wall_time REAL NOT NULL, value REAL);
                INSERT INTO scalars_v5 (rowid, run_id, tag, step, wall_time, value)
                    SELECT rowid, run_id, tag, step, wall_time, value FROM scalars;
                DROP TABLE scalars;
                ALTER TABLE scalars_v5 RENAME TO scalars;
                CREATE INDEX scalars_series ON scalars(run_id, tag, step, value, wall_time);
                """)
            try createChunkTables(db)
            try packAll(db)
        }
        // v6: probe prompts' read-outs at each checkpoint (one JSON document per probe and step).
        m.registerMigration("v6") { db in
            try db.execute(sql: """
                CREATE TABLE probes (run_id TEXT NOT NULL, step INTEGER NOT NULL, probe INTEGER NOT NULL, document TEXT NOT NULL,
                    PRIMARY KEY (run_id, step, probe));
                """)
        }
        // v7: what a run trains (gpt, mlp, ...), and figures of the model at its checkpoints (an MLP's decision
        // boundary, ...: one JSON document per figure and step).
        m.registerMigration("v7") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'gpt';
                CREATE TABLE figures (run_id TEXT NOT NULL, step INTEGER NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL,
                    PRIMARY KEY (run_id, step, name));
                """)
        }
        // Who and what trained a run: the account, and the processes of a data-parallel run.
        m.registerMigration("v8") { db in
            try db.execute(sql: """
                ALTER TABLE runs ADD COLUMN user TEXT;
                ALTER TABLE runs ADD COLUMN ranks INTEGER NOT NULL DEFAULT 1;
                """)
        }
        // v9: the name of the last batch a recorder committed for the run, written in the batch's own transaction: a
        // retried batch whose commit had in fact gone through is recognised and not written twice.
        m.registerMigration("v9") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN last_batch TEXT")
        }
        return m
    }

    // MARK: Reading

    package func runs() throws -> [RunRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY created_at").map { try record(db, $0) }
        }
    }

    package func run(_ id: String) throws -> RunRecord {
        guard !id.isEmpty else { throw RunStoreError("the run to look up is empty: give a run id, name or id prefix") }
        let found = try pool.read { db -> RunRecord? in
            // Accept the id, the run's name, or a unique prefix of the id, as git does. An id wins over a name (an
            // imported run is named after its folder, which may be another run's id).
            if let exact = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) { return try record(db, exact) }
            if let named = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE name = ?", arguments: [id]) { return try record(db, named) }
            let pattern = id.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM runs WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY id", arguments: [id, pattern + "%"])
            if let exact = rows.first(where: { ($0["id"] as String) == id }) { return try record(db, exact) }
            if rows.count > 1 { throw RunStoreError("run '\(id)' is ambiguous: \(rows.map { $0["id"] as String }.joined(separator: ", "))") }
            return try rows.first.map { try record(db, $0) }
        }
        guard let found else { throw RunStoreError("no run '\(id)' in \(path)") }
        return found
    }

    private func record(_ db: Database, _ row: Row) throws -> RunRecord {
        let id: String = row["id"]
        func last(_ tag: String) throws -> Double? {
            try Double.fetchOne(db, sql: "SELECT value FROM scalars WHERE run_id = ? AND tag = ? ORDER BY step DESC LIMIT 1", arguments: [id, tag])
        }
        let name: String? = row["name"]
        return RunRecord(id: id, name: name ?? id, createdAt: row["created_at"], updatedAt: row["updated_at"], status: row["status"],
                         step: row["step"], totalSteps: row["total_steps"], parameterCount: row["parameter_count"],
                         config: row["config"], lastTrainLoss: try last("train/loss"), lastValLoss: try last("val/loss"),
                         host: row["host"], pid: row["pid"], revision: row["revision"] ?? 0, kind: row["kind"] ?? "gpt",
                         user: row["user"], ranks: row["ranks"] ?? 1)
    }

    /// Marks a run failed with the reason as an error message, at once (not through a recorder's queue): for a
    /// watchdog that finds the run cannot go on while its training thread is stuck.
    package func recordFailure(run id: String, step: Int, text: String) throws {
        try pool.write { d in
            try d.execute(sql: "INSERT INTO messages (run_id, step, level, text, wall_time) VALUES (?, ?, 'error', ?, ?)",
                          arguments: [id, step, text, Date().timeIntervalSince1970])
            try d.execute(sql: "UPDATE runs SET status = 'failed', updated_at = ? WHERE id = ?", arguments: [Date().timeIntervalSince1970, id])
        }
    }

    /// The id of the run with this name, if any.
    package func runID(named name: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT id FROM runs WHERE name = ?", arguments: [name]) }
    }

    package func tags(run: String) throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT tag FROM scalars WHERE run_id = ? ORDER BY tag", arguments: [run]) }
    }

    package func series(run: String, tag: String) throws -> [ScalarPoint] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT step, wall_time, value FROM scalars WHERE run_id = ? AND tag = ? ORDER BY step",
                             arguments: [run, tag]).map { ScalarPoint(step: $0["step"], wallTime: $0["wall_time"], value: $0["value"] ?? .nan) }
        }
    }

    /// The newest value of every scalar tag of a run.
    package func lastScalars(run: String) throws -> [(tag: String, step: Int, value: Double)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.tag, s.step, s.value FROM scalars s
                JOIN (SELECT tag, MAX(step) AS step FROM scalars WHERE run_id = ? GROUP BY tag) m
                  ON s.tag = m.tag AND s.step = m.step
                WHERE s.run_id = ? ORDER BY s.tag
                """, arguments: [run, run]).map { ($0["tag"], $0["step"], $0["value"] ?? .nan) }
        }
    }

    package func samples(run: String) throws -> [(step: Int, text: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT step, text FROM samples WHERE run_id = ? ORDER BY step", arguments: [run]).map { ($0["step"], $0["text"]) }
        }
    }

    package func messages(run: String) throws -> [(step: Int, level: String, text: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT step, level, text FROM messages WHERE run_id = ? ORDER BY rowid", arguments: [run])
                .map { ($0["step"], $0["level"], $0["text"]) }
        }
    }

    package func histograms(run: String, tag: String) throws -> [(step: Int, histogram: Histogram)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT step, min, max, counts FROM histograms WHERE run_id = ? AND tag = ? ORDER BY step",
                             arguments: [run, tag]).map { row in
                let step: Int = row["step"]
                let counts = try RunRow.decodeCounts(row["counts"], run: run, tag: tag, step: step)
                return (step, Histogram(min: row["min"], max: row["max"], counts: counts))
            }
        }
    }

    /// The probe documents of a run (JSON text), by step then probe.
    package func probes(run: String) throws -> [(step: Int, probe: Int, document: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT step, probe, document FROM probes WHERE run_id = ? ORDER BY step, probe", arguments: [run])
                .map { ($0["step"], $0["probe"], $0["document"]) }
        }
    }

    /// The figures named `name` of a run (JSON text), by step.
    package func figures(run: String, name: String) throws -> [(step: Int, document: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT step, document FROM figures WHERE run_id = ? AND name = ? ORDER BY step", arguments: [run, name])
                .map { ($0["step"], $0["document"]) }
        }
    }

    /// The names of a run's figures, with how many steps each has.
    package func figureNames(run: String) throws -> [(name: String, count: Int)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, COUNT(*) AS n FROM figures WHERE run_id = ? GROUP BY name ORDER BY name", arguments: [run])
                .map { ($0["name"], $0["n"]) }
        }
    }

    package func checkpoints(run: String) throws -> [(step: Int, path: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT step, path FROM checkpoints WHERE run_id = ? ORDER BY step", arguments: [run]).map { ($0["step"], $0["path"]) }
        }
    }

    // MARK: Writing

    package func startRun(_ run: RunStart) throws {
        let id = run.id
        let now = Date().timeIntervalSince1970
        do {
            try pool.write { d in
                if let step = run.resumedAt {
                    // A resumed run drops what the interrupted one recorded after its checkpoint.
                    for table in ["scalars", "histograms", "samples", "messages", "probes", "figures"] {
                        try d.execute(sql: "DELETE FROM \(table) WHERE run_id = ? AND step > ?", arguments: [id, step])
                    }
                    // The checkpoint resumed from is recorded again by the trainer.
                    try d.execute(sql: "DELETE FROM checkpoints WHERE run_id = ? AND step >= ?", arguments: [id, step])
                    try d.execute(sql: "UPDATE runs SET status = 'running', updated_at = ?, total_steps = ?, config = ?, host = ?, pid = ?, user = ?, ranks = ?, revision = revision + 1 WHERE id = ?",
                                  arguments: [now, run.totalSteps, run.config, RunRecord.thisHost, Int(getpid()), RunRecord.thisUser, run.ranks, id])
                } else {
                    try d.execute(sql: """
                        INSERT INTO runs (id, name, created_at, updated_at, status, step, total_steps, parameter_count, config, host, pid, kind, user, ranks)
                        VALUES (?, ?, ?, ?, 'running', 0, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [id, run.name, now, now, run.totalSteps, run.parameterCount, run.config, RunRecord.thisHost, Int(getpid()), run.kind,
                                         RunRecord.thisUser, run.ranks])
                }
            }
        } catch {
            throw RunStoreError("cannot record run \(id) in \(path): \(error)")
        }
    }

    static func insert(_ d: Database, run id: String, _ rows: [RunRow]) throws {
        for r in rows {
            switch r {
            case let .scalar(tag, step, wallTime, value):
                try d.cachedStatement(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [id, tag, step, wallTime, value.isNaN ? nil : value])
            case let .histogram(tag, step, h):
                try d.cachedStatement(sql: "INSERT INTO histograms (run_id, tag, step, min, max, counts) VALUES (?, ?, ?, ?, ?, ?)")
                    .execute(arguments: [id, tag, step, Double(h.min), Double(h.max), RunRow.countsJSON(h)])
            case let .sample(step, text):
                try d.cachedStatement(sql: "INSERT INTO samples (run_id, step, text) VALUES (?, ?, ?)").execute(arguments: [id, step, text])
            case let .message(step, level, text, wallTime):
                try d.cachedStatement(sql: "INSERT INTO messages (run_id, step, level, text, wall_time) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [id, step, level, text, wallTime])
            case let .checkpoint(step, path):
                try d.cachedStatement(sql: "INSERT INTO checkpoints (run_id, step, path) VALUES (?, ?, ?)").execute(arguments: [id, step, path])
            case let .figure(step, name, document):
                try d.cachedStatement(sql: "INSERT OR REPLACE INTO figures (run_id, step, name, document) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [id, step, name, document])
            case let .probe(step, index, document):
                try d.cachedStatement(sql: "INSERT OR REPLACE INTO probes (run_id, step, probe, document) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [id, step, index, document])
            case let .status(status):
                try d.cachedStatement(sql: "UPDATE runs SET status = ? WHERE id = ?").execute(arguments: [status, id])
            }
        }
    }

    package func write(run id: String, rows: [RunRow], step: Int, batch: String?) throws {
        try pool.write { d in
            if let batch, try String.fetchOne(d, sql: "SELECT last_batch FROM runs WHERE id = ?", arguments: [id]) == batch { return }
            try Self.insert(d, run: id, rows)
            try d.execute(sql: "UPDATE runs SET step = ?, updated_at = ?, last_batch = COALESCE(?, last_batch) WHERE id = ?",
                          arguments: [step, Date().timeIntervalSince1970, batch, id])
        }
    }

    package func setStatus(run id: String, status: String) throws {
        try pool.write { d in try d.execute(sql: "UPDATE runs SET status = ? WHERE id = ?", arguments: [status, id]) }
    }

    package func importRun(_ run: ImportedRun, rows: [RunRow]) throws {
        try pool.write { d in
            try d.execute(sql: """
                INSERT INTO runs (id, name, created_at, updated_at, status, step, total_steps, parameter_count, config)
                VALUES (?, ?, ?, ?, 'imported', ?, ?, 0, ?)
                """, arguments: [run.id, run.name, run.createdAt, run.updatedAt, run.step, run.step, run.config])
            try Self.insert(d, run: run.id, rows)
            var tags = Set<String>()
            for case let .scalar(tag, _, _, _) in rows { tags.insert(tag) }
            for tag in tags { try Self.packSeries(d, run: run.id, tag: tag) }
        }
    }

    /// A full disk: the space reserved beside the database is given back, so that the last records and the run's
    /// status can still be written.
    package func releaseSpace(after error: Error) -> Bool {
        guard let e = error as? DatabaseError, e.resultCode == .SQLITE_FULL || e.resultCode == .SQLITE_IOERR else { return false }
        return releaseReserve()
    }

    /// SQLite says SQLITE_FULL, or an I/O error while the disk holding the database has (almost) no room left.
    package func isOutOfSpace(_ error: Error) -> Bool {
        guard let e = error as? DatabaseError else { return false }
        if e.resultCode == .SQLITE_FULL { return true }
        guard e.resultCode == .SQLITE_IOERR else { return false }
        var fs = statvfs()
        return statvfs(URL(fileURLWithPath: path).deletingLastPathComponent().path, &fs) == 0 && Int(fs.f_bavail) * Int(fs.f_frsize) < Self.reserveBytes
    }

}
