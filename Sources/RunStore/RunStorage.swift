import Foundation
import Training

/// One record of a run, queued by the `RunRecorder` and written in a batch by the store.
package enum RunRow: Sendable {
    case scalar(tag: String, step: Int, wallTime: Double, value: Double)
    case histogram(tag: String, step: Int, Histogram)
    case sample(step: Int, text: String)
    case message(step: Int, level: String, text: String, wallTime: Double)
    case checkpoint(step: Int, path: String)
    /// Replaces the figure of that name and step, if any.
    case figure(step: Int, name: String, document: String)
    /// Replaces the probe document of that index and step, if any.
    case probe(step: Int, index: Int, document: String)
    /// The run's stored status (finished, failed, stopped, ...).
    case status(String)

    /// A histogram's counts as stored (JSON).
    static func countsJSON(_ h: Histogram) -> String {
        "[" + h.counts.map(String.init).joined(separator: ",") + "]"
    }

    /// A histogram's counts read back; stored counts that are not a JSON list of whole numbers are an error naming
    /// the run, the tag and the step (a damaged row is not an empty histogram).
    static func decodeCounts(_ text: String, run: String, tag: String, step: Int) throws -> [Int] {
        do { return try JSONDecoder().decode([Int].self, from: Data(text.utf8)) } catch {
            throw RunStoreError("run \(run): the histogram \(tag) at step \(step) is damaged (its counts are not a list of whole numbers: \(String(text.prefix(60))))")
        }
    }
}

/// A run brought in whole from elsewhere (`glassbox import-tensorboard`).
package struct ImportedRun: Sendable {
    package var id: String
    package var name: String
    package var createdAt: Double
    package var updatedAt: Double
    package var step: Int
    package var config: String
    package init(id: String, name: String, createdAt: Double, updatedAt: Double, step: Int, config: String) {
        self.id = id; self.name = name; self.createdAt = createdAt; self.updatedAt = updatedAt; self.step = step; self.config = config
    }
}

/// Where runs are recorded and read: the embedded SQLite file of a runs directory (`RunDatabase`, the default), or a
/// PostgreSQL database that many trainings write and many studios read (`PostgresRunStore`). The recorder, the CLI
/// and the studio see only this; both stores pass one test suite (`RunStorageContractTests`).
///
/// Cursors and versions are the store's own increasing row numbers (SQLite's rowid, PostgreSQL's sequences), given
/// out in commit order.
package protocol RunStorage: AnyObject, Sendable {
    /// Where the runs are, for messages: the SQLite file's path, or the PostgreSQL URL without its password.
    var location: String { get }

    // MARK: Reading
    func runs() throws -> [RunRecord]
    /// The run with this id, name or unique id prefix.
    func run(_ id: String) throws -> RunRecord
    func runID(named name: String) throws -> String?
    func tags(run: String) throws -> [String]
    func series(run: String, tag: String) throws -> [ScalarPoint]
    func lastScalars(run: String) throws -> [(tag: String, step: Int, value: Double)]
    func samples(run: String) throws -> [(step: Int, text: String)]
    func messages(run: String) throws -> [(step: Int, level: String, text: String)]
    func histograms(run: String, tag: String) throws -> [(step: Int, histogram: Histogram)]
    func probes(run: String) throws -> [(step: Int, probe: Int, document: String)]
    func figures(run: String, name: String) throws -> [(step: Int, document: String)]
    func figureNames(run: String) throws -> [(name: String, count: Int)]
    func checkpoints(run: String) throws -> [(step: Int, path: String)]
    func histogramTags(run: String) throws -> [String]
    func sampleCount(run: String) throws -> Int
    /// The newest value of the given tags of every run.
    func lastValues(tags: [String]) throws -> [String: [String: Double]]
    /// All of a tag's points in step order, with the version they were read at.
    func seriesColumns(run: String, tag: String) throws -> SeriesColumns
    /// A tag's points recorded after version `rowid`, in recording order.
    func seriesColumns(run: String, tag: String, afterRowID rowid: Int64) throws -> SeriesColumns
    /// The scalars' newest row number and the run's revision (see `SeriesColumns.version`).
    func scalarsVersion(run: String) throws -> (rowid: Int64, revision: Int)
    /// Where the tables end now: a live view starts here.
    func cursor() throws -> RunCursor
    /// A run's rows recorded after `cursor` (at most `limit` scalars at a time).
    func changes(run: String, after cursor: RunCursor, limit: Int) throws -> RunChanges

    // MARK: Writing
    /// Records a new run, or takes a resumed one back (dropping what it recorded after its checkpoint).
    func startRun(_ run: RunStart) throws
    /// Writes `rows` and the run's step in one transaction: all or nothing. `batch`, when given, names the batch: the
    /// store keeps the name with the run in the same transaction and skips a batch whose name it already holds, so
    /// that retrying a commit whose answer was lost (a connection dropped during COMMIT) writes nothing twice.
    func write(run: String, rows: [RunRow], step: Int, batch: String?) throws
    /// Sets a run's status alone (when a batch cannot be written, the run must not stay "running").
    func setStatus(run: String, status: String) throws
    /// Marks a run failed with the reason as an error message, at once.
    func recordFailure(run: String, step: Int, text: String) throws
    /// Records a whole imported run in one transaction.
    func importRun(_ run: ImportedRun, rows: [RunRow]) throws
    /// Packs a tag's new points into chunks where the store keeps them so (SQLite); returns the chunks written.
    @discardableResult func packSeries(run: String, tag: String) throws -> Int
    /// Whether `error` means the store is out of space, and gives back space reserved for that case if it had any.
    func releaseSpace(after error: Error) -> Bool
    /// Whether `error` means the store is out of space (nothing is given back).
    func isOutOfSpace(_ error: Error) -> Bool
    /// A number that grows whenever another process commits records (PostgreSQL's LISTEN/NOTIFY), or nil where
    /// there is no such signal and readers poll (SQLite).
    var changeGeneration: Int? { get }
}

extension RunStorage {
    /// Writes `rows` and the run's step in one transaction, as a batch with no name (never retried).
    package func write(run: String, rows: [RunRow], step: Int) throws { try write(run: run, rows: rows, step: step, batch: nil) }
    package func changes(run: String, after cursor: RunCursor) throws -> RunChanges { try changes(run: run, after: cursor, limit: 20_000) }
}

/// The run store named by `--store` or `GLASSBOX_STORE`: a `postgres://` (or `postgresql://`) URL, or by default the
/// SQLite file of the runs directory.
package enum RunStores {
    /// The store URL in effect: the option if given, else `GLASSBOX_STORE`, else nil (the runs directory's SQLite).
    package static func url(option: String?) -> String? {
        if let option, !option.isEmpty { return option }
        if let env = ProcessInfo.processInfo.environment["GLASSBOX_STORE"], !env.isEmpty { return env }
        return nil
    }

    /// Opens the store: PostgreSQL for a postgres URL, SQLite for `sqlite:PATH`, else the runs directory's SQLite.
    package static func open(url: String?, runsDirectory: URL) throws -> any RunStorage {
        guard let url else { return try RunDatabase(directory: runsDirectory) }
        if PostgresURL.isPostgres(url) { return try PostgresRunStore(url: try PostgresURL(url)) }
        if let dir = sqliteDirectory(url) {
            guard !dir.isEmpty else { throw RunStoreError("the store 'sqlite:' names no runs directory (sqlite:PATH)") }
            return try RunDatabase(directory: URL(fileURLWithPath: dir))
        }
        throw RunStoreError("the store '\(PostgresURL.redacting(url))' is neither a postgres://USER@HOST/DATABASE URL nor sqlite:RUNS_DIRECTORY")
    }

    /// Whether a store exists to read: a runs directory (the default, or `sqlite:PATH`) once it has its database file;
    /// any other URL always (a PostgreSQL server answers when opened; a URL of neither kind is refused when opened,
    /// which says why).
    package static func exists(url: String?, runsDirectory: URL) -> Bool {
        guard let url else { return FileManager.default.fileExists(atPath: runsDirectory.appendingPathComponent("glassbox.sqlite").path) }
        guard let dir = sqliteDirectory(url) else { return true }
        return FileManager.default.fileExists(atPath: URL(fileURLWithPath: dir).appendingPathComponent("glassbox.sqlite").path)
    }

    /// The runs directory of a `sqlite:PATH` (or `sqlite://PATH`) URL; nil for any other URL.
    static func sqliteDirectory(_ url: String) -> String? {
        guard url.hasPrefix("sqlite:") else { return nil }
        return String(url.dropFirst("sqlite:".count)).replacingOccurrences(of: "^//", with: "", options: .regularExpression)
    }
}
