import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Training

/// Runs in a PostgreSQL database (`--store postgres://USER@HOST/DATABASE`): many trainings, on many machines, write
/// to it and many studios read it, each seeing the others' records live.
///
/// - Same tables as the SQLite store, with `BIGSERIAL` row numbers (`seq`) in place of SQLite's rowid for cursors.
///   Writers take one transaction-scoped advisory lock, so row numbers are given out in commit order and a reader
///   that has seen row n has seen every row before it (no point skipped by a live view).
/// - Every write transaction ends with `NOTIFY glassbox_runs, '<run id>'`; a studio LISTENs on one connection and
///   reads the new rows when told (`changeGeneration`) instead of polling.
/// - Callers are synchronous (the training thread, the CLI, the studio's handlers): queries run on a NIO event loop
///   of this store's and are waited for with a deadline, so a server that stops answering gives an error, not a hang.
package final class PostgresRunStore: RunStorage, @unchecked Sendable {
    package let url: PostgresURL
    package var location: String { url.description }
    let configuration: PostgresConnection.Configuration
    let group: MultiThreadedEventLoopGroup
    let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var nextID = 0
    private var listener: PostgresConnection?
    /// Counts the notifications heard; the listener's callback holds this, not the store (so that the store is never
    /// released, and its event loop shut down, from that loop's own thread).
    private let heard = NotificationCount()
    private var listenFailedAt: Date?
    private var closed = false
    /// How long a connection attempt and a query may take before they are given up.
    package static let connectTimeout: Int64 = 5
    package static let queryTimeout = 120.0
    /// The deadline of BEGIN and ROLLBACK, which a live server answers at once.
    static let controlTimeout = 5.0
    static let channel = "glassbox_runs"
    /// The advisory lock every writer holds (an arbitrary constant: "glassbox" in ASCII, truncated to 63 bits).
    static let writeLock: Int64 = 0x676c_6173_7362_6f78 & Int64.max

    package init(url: PostgresURL) throws {
        self.url = url
        var log = Logger(label: "glassbox.postgres")
        log.logLevel = .critical
        logger = log
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch url.tls {
            case .disable: tls = .disable
            case .prefer, .require:
                var c = TLSConfiguration.makeClientConfiguration()
                c.certificateVerification = .none
                let context = try NIOSSLContext(configuration: c)
                tls = url.tls == .prefer ? .prefer(context) : .require(context)
            case .verifyCA, .verifyFull:
                var c = TLSConfiguration.makeClientConfiguration()
                c.certificateVerification = url.tls == .verifyFull ? .fullVerification : .noHostnameVerification
                tls = .require(try NIOSSLContext(configuration: c))
            }
        } catch {
            throw RunStoreError("cannot set up TLS for \(url): \(error)")
        }
        var config = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: url.password,
                                                      database: url.database, tls: tls)
        config.options.connectTimeout = .seconds(Self.connectTimeout)
        configuration = config
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try migrate()
        } catch {
            // best effort: the migration's error is the one to report; the event loop's thread ends with the process
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    deinit { close() }

    /// Closes every connection and the event loop.
    package func close() {
        lock.lock()
        guard !closed else { lock.unlock(); return }
        closed = true
        let all = idle + (listener.map { [$0] } ?? [])
        idle = []
        listener = nil
        lock.unlock()
        // best effort: closing; a connection that fails to close is dropped by the server, and nothing is pending
        for c in all { _ = try? Self.wait(c.closeNow(), timeout: 2, what: "closing") }
        try? group.syncShutdownGracefully()
    }

    // MARK: Connections

    /// Waits for a future on a thread of the caller's (never on the store's event loop), with a deadline.
    ///
    /// With `connection`, its closing ends the wait too: a query sent just as the server ended the session (a
    /// shutdown between BEGIN and the next statement) was seen never to be answered nor failed, which held a
    /// training for the whole query deadline instead of the recorder's outage limit.
    static func wait<T>(_ future: EventLoopFuture<T>, timeout: Double, on connection: PostgresConnection? = nil,
                        what: @autoclosure () -> String) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { box.set($0); done.signal() }
        connection?.closeFuture.whenComplete { _ in done.signal() }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            throw RunStoreError("\(what()): no answer from the PostgreSQL server within \(Int(timeout)) s")
        }
        if let result = box.get() { return try result.get() }
        // The connection closed first: a query it still had is normally failed as it closes; a moment for that
        // answer (its own error says more), then the close is the error.
        _ = done.wait(timeout: .now() + 1)
        if let result = box.get() { return try result.get() }
        throw RunStoreError("\(what()): the server closed the connection before answering")
    }

    private func connect() throws -> PostgresConnection {
        lock.lock()
        nextID += 1
        let id = nextID
        lock.unlock()
        do {
            return try Self.wait(PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger),
                                 timeout: Double(Self.connectTimeout) + 5, what: "connecting to \(url)")
        } catch {
            throw RunStoreError("cannot connect to the run store \(url): \(Self.describe(error))")
        }
    }

    /// Runs `body` on a connection of the pool (a new one when none is idle). A connection whose work failed is
    /// closed rather than given back (it may be inside a failed transaction).
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        lock.lock()
        if closed { lock.unlock(); throw RunStoreError("the run store \(url) is closed") }
        var conn = idle.popLast()
        lock.unlock()
        if let c = conn, c.isClosed { conn = nil }
        let c = try conn ?? connect()
        do {
            let result = try body(c)
            lock.lock()
            if idle.count < 4 && !closed { idle.append(c) } else { c.closeNow() }
            lock.unlock()
            return result
        } catch {
            c.closeNow()
            // A connection that broke (the server restarted, the network dropped) leaves the idle ones likely broken
            // too: they are closed, so that the next try connects afresh instead of failing once per idle one.
            if !Self.isServerError(error) {
                lock.lock()
                let stale = idle
                idle = []
                lock.unlock()
                for s in stale { s.closeNow() }
            }
            throw error
        }
    }

    /// Whether the server answered with an error of its own (the connection itself is sound).
    /// (Errors reach here as the store's own, with the SQLSTATE in their text; classes 08, connection exceptions, and
    /// 57, operator intervention such as a shutdown, end the connection.)
    static func isServerError(_ error: Error) -> Bool {
        let text = "\(error)"
        guard let r = text.range(of: "[SQLSTATE ") else { return false }
        let errorClass = text[r.upperBound...].prefix(2)
        return errorClass != "08" && errorClass != "57"
    }

    func query(_ c: PostgresConnection, _ sql: String, _ binds: [PGBind] = [], timeout: Double = queryTimeout) throws -> [PostgresRow] {
        var b = PostgresBindings(capacity: binds.count)
        for v in binds { v.append(to: &b) }
        do {
            return try Self.wait(c.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: logger), timeout: timeout, on: c,
                                 what: "the run store \(url)").rows
        } catch let e as RunStoreError {
            throw e
        } catch {
            throw RunStoreError("the run store \(url): \(Self.describe(error))")
        }
    }

    /// One query on a pooled connection.
    func rows(_ sql: String, _ binds: [PGBind] = []) throws -> [PostgresRow] {
        try withConnection { try query($0, sql, binds) }
    }

    /// `body` inside one transaction (read-write and holding the writers' lock, or a read-only snapshot).
    func transaction<T>(write: Bool, _ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { c in
            // BEGIN answers at once from a live server: a short deadline, so that a connection that died unnoticed
            // (the server restarted) costs seconds, not the long query deadline.
            _ = try query(c, write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", timeout: Self.controlTimeout)
            do {
                if write { _ = try query(c, "SELECT pg_advisory_xact_lock($1)", [.int64(Self.writeLock)]) }
                let result = try body(c)
                _ = try query(c, "COMMIT")
                return result
            } catch {
                // The server's own error on a sound connection: roll back (briefly; the connection is closed after
                // anyway, which rolls back too). A broken connection is not asked: a query sent while it closes
                // may never be answered (seen with a server stopped mid-transaction: the ROLLBACK waited out the
                // whole query deadline).
                // best effort: `error` is what is reported, and closing the connection rolls back anyway
                if Self.isServerError(error) && !c.isClosed { _ = try? query(c, "ROLLBACK", timeout: Self.controlTimeout) }
                throw error
            }
        }
    }

    /// What went wrong, in words: the server's message where it sent one (PSQLError's own description hides it).
    static func describe(_ error: Error) -> String {
        if let e = error as? PSQLError {
            if let info = e.serverInfo, let message = info[.message] {
                var text = message
                if let detail = info[.detail] { text += " (\(detail))" }
                if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
                return text
            }
            if let u = e.underlying { return describe(u) }
            switch e.code {
            case .serverClosedConnection: return "the server closed the connection"
            case .sslUnsupported: return "the server does not offer TLS, which the URL's sslmode requires"
            case .connectionError: return "the connection failed"
            default: return "\(e.code)"
            }
        }
        if let e = error as? NIOConnectionError {
            return e.connectionErrors.first.map { "\($0.error)" } ?? "no address to connect to (\(e.host))"
        }
        if let e = error as? ChannelError, case .connectTimeout(let t) = e {
            return "the server did not answer within \(t.nanoseconds / 1_000_000_000) s"
        }
        return "\(error)"
    }

    // MARK: Schema

    static let migrations: [String] = [
        // v1: the tables of SQLite's schema v8, with sequence numbers for the live views' cursors.
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY, name TEXT UNIQUE, created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
            status TEXT NOT NULL, step BIGINT NOT NULL DEFAULT 0, total_steps BIGINT NOT NULL, parameter_count BIGINT NOT NULL,
            config TEXT NOT NULL, host TEXT, pid BIGINT, revision BIGINT NOT NULL DEFAULT 0, kind TEXT NOT NULL DEFAULT 'gpt',
            "user" TEXT, ranks BIGINT NOT NULL DEFAULT 1);
        CREATE TABLE scalars (seq BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, tag TEXT NOT NULL, step BIGINT NOT NULL,
            wall_time DOUBLE PRECISION NOT NULL, value DOUBLE PRECISION);
        CREATE INDEX scalars_series ON scalars (run_id, tag, step) INCLUDE (value, wall_time);
        CREATE INDEX scalars_by_run_seq ON scalars (run_id, seq);
        CREATE TABLE histograms (seq BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, tag TEXT NOT NULL, step BIGINT NOT NULL,
            min DOUBLE PRECISION NOT NULL, max DOUBLE PRECISION NOT NULL, counts TEXT NOT NULL);
        CREATE INDEX histograms_by_run ON histograms (run_id, tag, step);
        CREATE TABLE samples (seq BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, step BIGINT NOT NULL, text TEXT NOT NULL);
        CREATE INDEX samples_by_run ON samples (run_id, seq);
        CREATE TABLE messages (seq BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, step BIGINT NOT NULL, level TEXT NOT NULL,
            text TEXT NOT NULL, wall_time DOUBLE PRECISION NOT NULL);
        CREATE INDEX messages_by_run ON messages (run_id, seq);
        CREATE TABLE checkpoints (seq BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, step BIGINT NOT NULL, path TEXT NOT NULL);
        CREATE INDEX checkpoints_by_run ON checkpoints (run_id, seq);
        CREATE TABLE probes (run_id TEXT NOT NULL, step BIGINT NOT NULL, probe BIGINT NOT NULL, document TEXT NOT NULL,
            PRIMARY KEY (run_id, step, probe));
        CREATE TABLE figures (run_id TEXT NOT NULL, step BIGINT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL,
            PRIMARY KEY (run_id, step, name));
        """,
        // v2: the name of the last batch a recorder committed for the run, written in the batch's own transaction: a
        // batch retried after its COMMIT's answer was lost is recognised and not written twice.
        """
        ALTER TABLE runs ADD COLUMN last_batch TEXT
        """,
    ]

    /// Brings the database to the newest schema. Several processes may start at once: the first takes the writers'
    /// lock and migrates, the others wait for it and find nothing left to do.
    func migrate() throws {
        try transaction(write: true) { c in
            _ = try query(c, "CREATE TABLE IF NOT EXISTS glassbox_schema (version BIGINT NOT NULL)")
            let current = try query(c, "SELECT MAX(version) FROM glassbox_schema").first.flatMap { try Self.cells($0)[0].decode(Int?.self) } ?? 0
            guard current <= Self.migrations.count else {
                throw RunStoreError("the run store \(url) has schema version \(current), newer than this Glassbox knows (\(Self.migrations.count)): upgrade Glassbox")
            }
            for v in current..<Self.migrations.count {
                // One statement at a time: the extended query protocol takes one per query.
                for statement in Self.migrations[v].split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
                    _ = try query(c, String(statement))
                }
                _ = try query(c, "INSERT INTO glassbox_schema (version) VALUES ($1)", [.int(v + 1)])
            }
        }
    }

    /// The schema version of the database.
    package func schemaVersion() throws -> Int {
        try rows("SELECT MAX(version) FROM glassbox_schema").first.flatMap { try Self.cells($0)[0].decode(Int?.self) } ?? 0
    }

    static func cells(_ row: PostgresRow) -> [PostgresCell] { Array(row) }

    /// The first column of the first row, for checks (tests, diagnostics).
    func firstInt(_ sql: String) throws -> Int? { try rows(sql).first.flatMap { try Self.cells($0)[0].decode(Int?.self) } }
    func firstBool(_ sql: String) throws -> Bool? { try rows(sql).first.flatMap { try Self.cells($0)[0].decode(Bool?.self) } }

    // MARK: Reading

    static let runColumns = """
        r.id, r.name, r.created_at, r.updated_at, r.status, r.step, r.total_steps, r.parameter_count, r.config, r.host, r.pid,
        r.revision, r.kind, r."user", r.ranks,
        (SELECT value FROM scalars WHERE run_id = r.id AND tag = 'train/loss' ORDER BY step DESC LIMIT 1),
        (SELECT value FROM scalars WHERE run_id = r.id AND tag = 'val/loss' ORDER BY step DESC LIMIT 1)
        """

    static func record(_ row: PostgresRow) throws -> RunRecord {
        let c = cells(row)
        func finite(_ v: Double?) -> Double? { v.flatMap { $0.isNaN ? nil : $0 } }
        let id = try c[0].decode(String.self)
        return RunRecord(id: id, name: try c[1].decode(String?.self) ?? id, createdAt: try c[2].decode(Double.self),
                         updatedAt: try c[3].decode(Double.self), status: try c[4].decode(String.self), step: try c[5].decode(Int.self),
                         totalSteps: try c[6].decode(Int.self), parameterCount: try c[7].decode(Int.self), config: try c[8].decode(String.self),
                         lastTrainLoss: finite(try c[15].decode(Double?.self)), lastValLoss: finite(try c[16].decode(Double?.self)),
                         host: try c[9].decode(String?.self), pid: try c[10].decode(Int?.self), revision: try c[11].decode(Int.self),
                         kind: try c[12].decode(String.self), user: try c[13].decode(String?.self), ranks: try c[14].decode(Int.self))
    }

    package func runs() throws -> [RunRecord] {
        try rows("SELECT \(Self.runColumns) FROM runs r ORDER BY r.created_at").map(Self.record)
    }

    package func run(_ id: String) throws -> RunRecord {
        guard !id.isEmpty else { throw RunStoreError("the run to look up is empty: give a run id, name or id prefix") }
        // An id wins over a name (an imported run is named after its folder, which may be another run's id).
        if let exact = try rows("SELECT \(Self.runColumns) FROM runs r WHERE r.id = $1", [.text(id)]).first { return try Self.record(exact) }
        if let named = try rows("SELECT \(Self.runColumns) FROM runs r WHERE r.name = $1", [.text(id)]).first { return try Self.record(named) }
        let pattern = id.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        let found = try rows("SELECT \(Self.runColumns) FROM runs r WHERE r.id = $1 OR r.id LIKE $2 ESCAPE '\\' ORDER BY r.id",
                             [.text(id), .text(pattern + "%")]).map(Self.record)
        if let exact = found.first(where: { $0.id == id }) { return exact }
        if found.count > 1 { throw RunStoreError("run '\(id)' is ambiguous: \(found.map(\.id).joined(separator: ", "))") }
        guard let only = found.first else { throw RunStoreError("no run '\(id)' in \(url)") }
        return only
    }

    package func runID(named name: String) throws -> String? {
        try rows("SELECT id FROM runs WHERE name = $1", [.text(name)]).first.map { try Self.cells($0)[0].decode(String.self) }
    }

    package func tags(run: String) throws -> [String] {
        try rows("SELECT DISTINCT tag FROM scalars WHERE run_id = $1 ORDER BY tag", [.text(run)]).map { try Self.cells($0)[0].decode(String.self) }
    }

    package func series(run: String, tag: String) throws -> [ScalarPoint] {
        try rows("SELECT step, wall_time, value FROM scalars WHERE run_id = $1 AND tag = $2 ORDER BY step, seq", [.text(run), .text(tag)]).map {
            let c = Self.cells($0)
            return ScalarPoint(step: try c[0].decode(Int.self), wallTime: try c[1].decode(Double.self), value: try c[2].decode(Double?.self) ?? .nan)
        }
    }

    package func lastScalars(run: String) throws -> [(tag: String, step: Int, value: Double)] {
        try rows("""
            SELECT DISTINCT ON (tag) tag, step, value FROM scalars WHERE run_id = $1 ORDER BY tag, step DESC, seq DESC
            """, [.text(run)]).map {
            let c = Self.cells($0)
            return (try c[0].decode(String.self), try c[1].decode(Int.self), try c[2].decode(Double?.self) ?? .nan)
        }
    }

    package func samples(run: String) throws -> [(step: Int, text: String)] {
        try rows("SELECT step, text FROM samples WHERE run_id = $1 ORDER BY step, seq", [.text(run)]).map {
            let c = Self.cells($0)
            return (try c[0].decode(Int.self), try c[1].decode(String.self))
        }
    }

    package func messages(run: String) throws -> [(step: Int, level: String, text: String)] {
        try rows("SELECT step, level, text FROM messages WHERE run_id = $1 ORDER BY seq", [.text(run)]).map {
            let c = Self.cells($0)
            return (try c[0].decode(Int.self), try c[1].decode(String.self), try c[2].decode(String.self))
        }
    }

    package func histograms(run: String, tag: String) throws -> [(step: Int, histogram: Histogram)] {
        try rows("SELECT step, min, max, counts FROM histograms WHERE run_id = $1 AND tag = $2 ORDER BY step, seq", [.text(run), .text(tag)]).map {
            let c = Self.cells($0)
            let step = try c[0].decode(Int.self)
            let counts = try RunRow.decodeCounts(try c[3].decode(String.self), run: run, tag: tag, step: step)
            return (step, Histogram(min: Float(try c[1].decode(Double.self)), max: Float(try c[2].decode(Double.self)), counts: counts))
        }
    }

    package func probes(run: String) throws -> [(step: Int, probe: Int, document: String)] {
        try rows("SELECT step, probe, document FROM probes WHERE run_id = $1 ORDER BY step, probe", [.text(run)]).map {
            let c = Self.cells($0)
            return (try c[0].decode(Int.self), try c[1].decode(Int.self), try c[2].decode(String.self))
        }
    }

    package func figures(run: String, name: String) throws -> [(step: Int, document: String)] {
        try rows("SELECT step, document FROM figures WHERE run_id = $1 AND name = $2 ORDER BY step", [.text(run), .text(name)]).map {
            let c = Self.cells($0)
            return (try c[0].decode(Int.self), try c[1].decode(String.self))
        }
    }

    package func figureNames(run: String) throws -> [(name: String, count: Int)] {
        try rows("SELECT name, COUNT(*) FROM figures WHERE run_id = $1 GROUP BY name ORDER BY name", [.text(run)]).map {
            let c = Self.cells($0)
            return (try c[0].decode(String.self), try c[1].decode(Int.self))
        }
    }

    package func checkpoints(run: String) throws -> [(step: Int, path: String)] {
        try rows("SELECT step, path FROM checkpoints WHERE run_id = $1 ORDER BY step, seq", [.text(run)]).map {
            let c = Self.cells($0)
            return (try c[0].decode(Int.self), try c[1].decode(String.self))
        }
    }

    package func histogramTags(run: String) throws -> [String] {
        try rows("SELECT DISTINCT tag FROM histograms WHERE run_id = $1 ORDER BY tag", [.text(run)]).map { try Self.cells($0)[0].decode(String.self) }
    }

    package func sampleCount(run: String) throws -> Int {
        try rows("SELECT COUNT(*) FROM samples WHERE run_id = $1", [.text(run)]).first.map { try Self.cells($0)[0].decode(Int.self) } ?? 0
    }

    package func lastValues(tags: [String]) throws -> [String: [String: Double]] {
        guard !tags.isEmpty else { return [:] }
        // One index seek per run and tag (a lateral join), as the SQLite store does.
        var binds: [PGBind] = []
        let list = tags.enumerated().map { (i, t) -> String in binds.append(.text(t)); return "$\(i + 1)" }.joined(separator: ", ")
        var out: [String: [String: Double]] = [:]
        for row in try rows("""
            SELECT r.id, t.tag, s.value FROM runs r CROSS JOIN unnest(ARRAY[\(list)]::text[]) AS t(tag)
            CROSS JOIN LATERAL (SELECT value FROM scalars WHERE run_id = r.id AND tag = t.tag ORDER BY step DESC, seq DESC LIMIT 1) s
            """, binds) {
            let c = Self.cells(row)
            if let v = try c[2].decode(Double?.self) { out[try c[0].decode(String.self), default: [:]][try c[1].decode(String.self)] = v }
        }
        return out
    }

    private func version(_ c: PostgresConnection, run: String) throws -> (Int64, Int) {
        let r = try query(c, "SELECT (SELECT COALESCE(MAX(seq), 0) FROM scalars), (SELECT revision FROM runs WHERE id = $1)", [.text(run)])
        let cells = Self.cells(r[0])
        return (try cells[0].decode(Int64.self), try cells[1].decode(Int?.self) ?? 0)
    }

    private func appendPoints(_ rows: [PostgresRow], to c: inout SeriesColumns) throws {
        c.steps.reserveCapacity(c.count + rows.count)
        c.wallTimes.reserveCapacity(c.count + rows.count)
        c.values.reserveCapacity(c.count + rows.count)
        for row in rows {
            let x = Self.cells(row)
            c.steps.append(try x[0].decode(Int.self))
            c.wallTimes.append(try x[1].decode(Double.self))
            c.values.append(try x[2].decode(Double?.self) ?? .nan)
        }
    }

    package func seriesColumns(run: String, tag: String) throws -> SeriesColumns {
        try readSeries(run: run, tag: tag, after: nil)
    }

    package func seriesColumns(run: String, tag: String, afterRowID rowid: Int64) throws -> SeriesColumns {
        try readSeries(run: run, tag: tag, after: rowid)
    }

    /// A tag's points (all, in step order; or those after row `after`, in recording order) and the version, read in
    /// one snapshot so that the two agree.
    private func readSeries(run: String, tag: String, after: Int64?) throws -> SeriesColumns {
        try transaction(write: false) { c in
            var out = SeriesColumns()
            (out.version, out.revision) = try version(c, run: run)
            let rows = try after.map {
                try query(c, "SELECT step, wall_time, value FROM scalars WHERE run_id = $1 AND tag = $2 AND seq > $3 ORDER BY seq",
                          [.text(run), .text(tag), .int64($0)])
            } ?? query(c, "SELECT step, wall_time, value FROM scalars WHERE run_id = $1 AND tag = $2 ORDER BY step, seq", [.text(run), .text(tag)])
            try appendPoints(rows, to: &out)
            return out
        }
    }

    package func scalarsVersion(run: String) throws -> (rowid: Int64, revision: Int) {
        try withConnection { c in
            let v = try version(c, run: run)
            return (v.0, v.1)
        }
    }

    package func cursor() throws -> RunCursor {
        let r = try rows("""
            SELECT (SELECT COALESCE(MAX(seq), 0) FROM scalars), (SELECT COALESCE(MAX(seq), 0) FROM samples),
                   (SELECT COALESCE(MAX(seq), 0) FROM messages), (SELECT COALESCE(MAX(seq), 0) FROM checkpoints)
            """)
        let c = Self.cells(r[0])
        return RunCursor(scalars: try c[0].decode(Int64.self), samples: try c[1].decode(Int64.self), messages: try c[2].decode(Int64.self),
                         checkpoints: try c[3].decode(Int64.self))
    }

    package func changes(run: String, after cursor: RunCursor, limit: Int) throws -> RunChanges {
        try transaction(write: false) { c in
            var ch = RunChanges(cursor: cursor)
            for row in try query(c, "SELECT seq, tag, step, wall_time, value FROM scalars WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                                 [.text(run), .int64(cursor.scalars), .int(limit)]) {
                let x = Self.cells(row)
                ch.cursor.scalars = try x[0].decode(Int64.self)
                ch.scalars.append((try x[1].decode(String.self), try x[2].decode(Int.self), try x[3].decode(Double.self), try x[4].decode(Double?.self) ?? .nan))
            }
            for row in try query(c, "SELECT seq, step, text FROM samples WHERE run_id = $1 AND seq > $2 ORDER BY seq", [.text(run), .int64(cursor.samples)]) {
                let x = Self.cells(row)
                ch.cursor.samples = try x[0].decode(Int64.self)
                ch.samples.append((try x[1].decode(Int.self), try x[2].decode(String.self)))
            }
            for row in try query(c, "SELECT seq, step, level, text FROM messages WHERE run_id = $1 AND seq > $2 ORDER BY seq", [.text(run), .int64(cursor.messages)]) {
                let x = Self.cells(row)
                ch.cursor.messages = try x[0].decode(Int64.self)
                ch.messages.append((try x[1].decode(Int.self), try x[2].decode(String.self), try x[3].decode(String.self)))
            }
            for row in try query(c, "SELECT seq, step, path FROM checkpoints WHERE run_id = $1 AND seq > $2 ORDER BY seq", [.text(run), .int64(cursor.checkpoints)]) {
                let x = Self.cells(row)
                ch.cursor.checkpoints = try x[0].decode(Int64.self)
                ch.checkpoints.append((try x[1].decode(Int.self), try x[2].decode(String.self)))
            }
            return ch
        }
    }

    // MARK: Writing

    /// Ends a write transaction: tells the listening studios which run changed.
    private func notify(_ c: PostgresConnection, run: String) throws {
        _ = try query(c, "SELECT pg_notify($1, $2)", [.text(Self.channel), .text(run)])
    }

    package func startRun(_ run: RunStart) throws {
        let id = run.id
        let now = Date().timeIntervalSince1970
        do {
            try transaction(write: true) { c in
                if let step = run.resumedAt {
                    for table in ["scalars", "histograms", "samples", "messages", "probes", "figures"] {
                        _ = try query(c, "DELETE FROM \(table) WHERE run_id = $1 AND step > $2", [.text(id), .int(step)])
                    }
                    _ = try query(c, "DELETE FROM checkpoints WHERE run_id = $1 AND step >= $2", [.text(id), .int(step)])
                    _ = try query(c, """
                        UPDATE runs SET status = 'running', updated_at = $1, total_steps = $2, config = $3, host = $4, pid = $5, "user" = $6,
                            ranks = $7, revision = revision + 1 WHERE id = $8
                        """, [.double(now), .int(run.totalSteps), .text(run.config), .text(RunRecord.thisHost), .int(Int(getpid())),
                              .optionalText(RunRecord.thisUser), .int(run.ranks), .text(id)])
                } else {
                    _ = try query(c, """
                        INSERT INTO runs (id, name, created_at, updated_at, status, step, total_steps, parameter_count, config, host, pid, kind, "user", ranks)
                        VALUES ($1, $2, $3, $4, 'running', 0, $5, $6, $7, $8, $9, $10, $11, $12)
                        """, [.text(id), .optionalText(run.name), .double(now), .double(now), .int(run.totalSteps), .int(run.parameterCount),
                              .text(run.config), .text(RunRecord.thisHost), .int(Int(getpid())), .text(run.kind), .optionalText(RunRecord.thisUser),
                              .int(run.ranks)])
                }
                try notify(c, run: id)
            }
        } catch {
            throw RunStoreError("cannot record run \(id) in \(url): \(error)")
        }
    }

    /// Inserts rows as multi-row INSERTs (one statement per table and up to `batch` rows), figures and probes one by one
    /// (they replace what is there).
    private func insert(_ c: PostgresConnection, run id: String, _ rows: [RunRow]) throws {
        var scalars: [RunRow] = [], others: [RunRow] = []
        for r in rows { if case .scalar = r { scalars.append(r) } else { others.append(r) } }
        let batch = 8_000   // 5 parameters a row: under PostgreSQL's 65,535 parameters a statement
        var start = 0
        while start < scalars.count {
            let part = scalars[start..<min(scalars.count, start + batch)]
            var binds: [PGBind] = [.text(id)]
            var values: [String] = []
            values.reserveCapacity(part.count)
            for case let .scalar(tag, step, wallTime, value) in part {
                let n = binds.count
                binds += [.text(tag), .int(step), .double(wallTime), .double(value)]
                values.append("($1, $\(n + 1), $\(n + 2), $\(n + 3), $\(n + 4))")
            }
            _ = try query(c, "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES " + values.joined(separator: ", "), binds)
            start += batch
        }
        for r in others {
            switch r {
            case .scalar: break
            case let .histogram(tag, step, h):
                _ = try query(c, "INSERT INTO histograms (run_id, tag, step, min, max, counts) VALUES ($1, $2, $3, $4, $5, $6)",
                              [.text(id), .text(tag), .int(step), .double(Double(h.min)), .double(Double(h.max)), .text(RunRow.countsJSON(h))])
            case let .sample(step, text):
                _ = try query(c, "INSERT INTO samples (run_id, step, text) VALUES ($1, $2, $3)", [.text(id), .int(step), .text(text)])
            case let .message(step, level, text, wallTime):
                _ = try query(c, "INSERT INTO messages (run_id, step, level, text, wall_time) VALUES ($1, $2, $3, $4, $5)",
                              [.text(id), .int(step), .text(level), .text(text), .double(wallTime)])
            case let .checkpoint(step, path):
                _ = try query(c, "INSERT INTO checkpoints (run_id, step, path) VALUES ($1, $2, $3)", [.text(id), .int(step), .text(path)])
            case let .figure(step, name, document):
                _ = try query(c, """
                    INSERT INTO figures (run_id, step, name, document) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (run_id, step, name) DO UPDATE SET document = EXCLUDED.document
                    """, [.text(id), .int(step), .text(name), .text(document)])
            case let .probe(step, index, document):
                _ = try query(c, """
                    INSERT INTO probes (run_id, step, probe, document) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (run_id, step, probe) DO UPDATE SET document = EXCLUDED.document
                    """, [.text(id), .int(step), .int(index), .text(document)])
            case let .status(status):
                _ = try query(c, "UPDATE runs SET status = $1 WHERE id = $2", [.text(status), .text(id)])
            }
        }
    }

    package func write(run id: String, rows: [RunRow], step: Int, batch: String?) throws {
        try transaction(write: true) { c in
            // Writers hold the advisory lock, so the batch name read here is not changed by another before COMMIT.
            if let batch, let last = try query(c, "SELECT last_batch FROM runs WHERE id = $1", [.text(id)]).first,
               try Self.cells(last)[0].decode(String?.self) == batch { return }
            try insert(c, run: id, rows)
            _ = try query(c, "UPDATE runs SET step = $1, updated_at = $2, last_batch = COALESCE($3, last_batch) WHERE id = $4",
                          [.int(step), .double(Date().timeIntervalSince1970), .optionalText(batch), .text(id)])
            try notify(c, run: id)
        }
    }

    package func setStatus(run id: String, status: String) throws {
        try transaction(write: true) { c in
            _ = try query(c, "UPDATE runs SET status = $1, updated_at = $2 WHERE id = $3", [.text(status), .double(Date().timeIntervalSince1970), .text(id)])
            try notify(c, run: id)
        }
    }

    package func recordFailure(run id: String, step: Int, text: String) throws {
        let now = Date().timeIntervalSince1970
        try transaction(write: true) { c in
            _ = try query(c, "INSERT INTO messages (run_id, step, level, text, wall_time) VALUES ($1, $2, 'error', $3, $4)",
                          [.text(id), .int(step), .text(text), .double(now)])
            _ = try query(c, "UPDATE runs SET status = 'failed', updated_at = $1 WHERE id = $2", [.double(now), .text(id)])
            try notify(c, run: id)
        }
    }

    package func importRun(_ run: ImportedRun, rows: [RunRow]) throws {
        try transaction(write: true) { c in
            _ = try query(c, """
                INSERT INTO runs (id, name, created_at, updated_at, status, step, total_steps, parameter_count, config)
                VALUES ($1, $2, $3, $4, 'imported', $5, $6, 0, $7)
                """, [.text(run.id), .text(run.name), .double(run.createdAt), .double(run.updatedAt), .int(run.step), .int(run.step), .text(run.config)])
            try insert(c, run: run.id, rows)
            try notify(c, run: run.id)
        }
    }

    /// PostgreSQL reads a series from its covering index; there are no chunks to pack.
    package func packSeries(run: String, tag: String) throws -> Int { 0 }

    /// A server out of disk is the server's administrator's to fix: nothing is reserved here.
    package func releaseSpace(after error: Error) -> Bool { false }

    /// The server's disk_full (SQLSTATE 53100).
    package func isOutOfSpace(_ error: Error) -> Bool {
        "\(error)".contains("[SQLSTATE 53100]")
    }

    // MARK: Notifications

    /// Grows with every NOTIFY heard on the runs' channel. The listening connection is opened on first use; while it
    /// is down (the server restarted), nil, and viewers poll until it is opened again.
    package var changeGeneration: Int? {
        lock.lock()
        if let l = listener, !l.isClosed { lock.unlock(); return heard.value }
        // Down: try again at most every 5 s (meanwhile viewers poll).
        if closed || listenFailedAt.map({ Date().timeIntervalSince($0) < 5 }) == true { lock.unlock(); return nil }
        listener = nil
        lock.unlock()
        // Down: nil tells viewers to poll (the documented fallback, tried again within 5 s); queries report the outage.
        guard let c = try? connect() else { lock.lock(); listenFailedAt = Date(); lock.unlock(); return nil }
        let count = heard
        c.addListener(channel: Self.channel) { _, _ in count.increment() }
        guard (try? query(c, "LISTEN \(Self.channel)")) != nil else {  // as for connect() above
            c.closeNow()
            lock.lock(); listenFailedAt = Date(); lock.unlock()
            return nil
        }
        lock.lock(); defer { lock.unlock() }
        if listener != nil || closed { c.closeNow(); return heard.value }
        listener = c
        listenFailedAt = nil
        // What was committed before LISTEN took effect is read by the caller's next query anyway.
        heard.increment()
        return heard.value
    }
}

final class NotificationCount: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

/// A result handed from an event loop to the waiting thread (under a lock: the close of the connection may wake the
/// waiter while the answer is being set).
final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, Error>?
    func set(_ r: Result<T, Error>) { lock.lock(); result = r; lock.unlock() }
    func get() -> Result<T, Error>? { lock.lock(); defer { lock.unlock() }; return result }
}

extension PostgresConnection {
    /// Closes without waiting (the future-returning close, not the async one).
    @discardableResult func closeNow() -> EventLoopFuture<Void> { let f: EventLoopFuture<Void> = close(); return f }
}

/// A bound parameter.
enum PGBind {
    case text(String), optionalText(String?), int(Int), int64(Int64), double(Double)

    func append(to b: inout PostgresBindings) {
        switch self {
        case .text(let s): b.append(s)
        case .optionalText(let s): if let s { b.append(s) } else { b.appendNull() }
        case .int(let i): b.append(i)
        case .int64(let i): b.append(i)
        case .double(let d): b.append(d)
        }
    }
}
