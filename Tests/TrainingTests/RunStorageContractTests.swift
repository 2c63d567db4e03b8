import Foundation
import Testing
@testable import RunStore
import Training

/// The test PostgreSQL server (scripts/pg-test-server.sh: Debian's `postgresql`, initialised in a temporary folder
/// and started on a free local port as a non-root user), started once per test process and stopped by the script's
/// watchdog once that process has ended, however it ended.
enum TestPostgres {
    static let script = repoRoot.appendingPathComponent("scripts/pg-test-server.sh").path
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-test-pg-\(getpid())").path

    /// Whether the server's programs are installed (CI installs them: scripts/setup.sh --test).
    static let installed: Bool = {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.contains { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }
    }()

    /// The server's URL (with its password), once it runs.
    static let started: Result<String, Error> = {
        let out = folder + ".url", err = folder + ".err"
        defer { unlink(out); unlink(err) }
        let status = shell("'\(script)' start '\(folder)' --fast --owner \(getpid()) > '\(out)' 2> '\(err)'")
        guard status == 0 else {
            let problem = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            return .failure(RunStoreError("the test PostgreSQL server did not start (status \(status)): \(problem)"))
        }
        return .success(((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    /// `bash -c command`, waited for with waitpid (Foundation's Process can miss the exit of a script whose
    /// grandchild, the server, lives on).
    static func shell(_ command: String) -> Int32 {
        var pid: pid_t = 0
        let args = ["/bin/bash", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    static func url() throws -> PostgresURL { try PostgresURL(try started.get()) }

    private static let admin = Result { try PostgresRunStore(url: try url()) }
    private static let counter = Counter()
    final class Counter: @unchecked Sendable {
        let lock = NSLock(); var n = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
    }

    /// The URL of a new, empty database on the server (one per test: tests run at once).
    static func freshDatabase() throws -> PostgresURL {
        var u = try url()
        u.database = "t\(getpid())_\(counter.next())"
        _ = try admin.get().rows("CREATE DATABASE \(u.database)")
        return u
    }
}

/// The stores the contract holds for: SQLite always, PostgreSQL where its server is installed.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }
    static var available: [StoreKind] { TestPostgres.installed ? [.sqlite, .postgres] : [.sqlite] }
}

/// A store of one kind, and a way to open a second handle on the same runs (another process's view).
struct StoreUnderTest {
    let store: any RunStorage
    let reopen: () throws -> any RunStorage
    /// Checkpoints and event files go here in both cases.
    let directory: URL

    init(_ kind: StoreKind, _ name: String = #function) throws {
        let dir = temporaryDirectory(name)
        directory = dir
        switch kind {
        case .sqlite:
            store = try RunDatabase(directory: dir)
            reopen = { try RunDatabase(directory: dir) }
        case .postgres:
            let url = try TestPostgres.freshDatabase()
            store = try PostgresRunStore(url: url)
            reopen = { try PostgresRunStore(url: url) }
        }
    }
}

/// One suite, both stores: what the recorder, the CLI and the studio rely on.
@Suite("Run store contract (SQLite and PostgreSQL)")
struct RunStorageContractTests {
    @Test(arguments: StoreKind.available)
    func recordsARunAndReadsItBackWhileItWrites(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind); defer { try? FileManager.default.removeItem(at: s.directory) }
        var config = smallConfig(steps: 20)
        config.name = "contract-run"
        let trainer = try Trainer(config: config, runsDirectory: s.directory, id: "r1")
        let recorder = RunRecorder(database: s.store)
        recorder.flushInterval = 0
        trainer.sink = recorder
        let reader = try s.reopen()
        var seen: [Int] = []
        trainer.onStep = { r in if r.step % 5 == 0, let rec = try? reader.run("r1") { seen.append(rec.step) } }
        _ = try trainer.run()
        #expect(seen.count == 4 && seen.last! >= 15, "\(seen)")

        let run = try reader.run("r")   // a unique prefix
        #expect(run.id == "r1" && run.name == "contract-run" && run.status == "finished" && run.step == 20 && run.totalSteps == 20)
        #expect(try reader.run("contract-run").id == "r1")
        #expect(try reader.runID(named: "contract-run") == "r1")
        #expect(try reader.runID(named: "nope") == nil)
        #expect(run.host == RunRecord.thisHost && run.user == RunRecord.thisUser && run.ranks == 1 && run.kind == "gpt")
        #expect(run.lastValLoss != nil && run.lastTrainLoss != nil)
        let config2 = try JSONDecoder().decode(TrainConfig.self, from: Data(run.config.utf8))
        #expect(config2.width == 64)
        let loss = try reader.series(run: "r1", tag: "train/loss")
        #expect(loss.map(\.step) == Array(1...20))
        #expect(loss.last?.value == run.lastTrainLoss)
        #expect(try reader.tags(run: "r1").contains("train/loss"))
        let last = try reader.lastScalars(run: "r1")
        #expect(last.first { $0.tag == "train/loss" }?.step == 20)
        #expect(try reader.checkpoints(run: "r1").map(\.step) == [10, 20])
        #expect(try reader.lastValues(tags: ["train/loss", "val/loss"])["r1"]?["train/loss"] == run.lastTrainLoss)
        let columns = try reader.seriesColumns(run: "r1", tag: "train/loss")
        #expect(columns.steps == Array(1...20) && columns.values == loss.map(\.value) && columns.version > 0)
        #expect(try reader.runs().map(\.id) == ["r1"])
        #expect(throws: RunStoreError.self) { _ = try reader.run("nope") }
        #expect(throws: RunStoreError.self) { _ = try reader.run("") }
    }

    /// The same training recorded into both stores reads back the same through every method but wall times.
    @Test func bothStoresAnswerAlike() throws {
        guard TestPostgres.installed else { return }
        var answers: [String] = []
        for kind in [StoreKind.sqlite, .postgres] {
            let s = try StoreUnderTest(kind, "alike-\(kind)"); defer { try? FileManager.default.removeItem(at: s.directory) }
            var config = smallConfig(steps: 12)
            config.sampleInterval = 6
            let trainer = try Trainer(config: config, runsDirectory: s.directory, id: "same")
            trainer.sink = RunRecorder(database: s.store)
            _ = try trainer.run()
            let db = s.store
            var text = ""
            let r = try db.run("same")
            text += "\(r.status) \(r.step) \(r.totalSteps) \(r.parameterCount) \(String(describing: r.lastTrainLoss)) \(String(describing: r.lastValLoss))\n"
            // The tags of the model's numbers (throughput and memory differ from run to run).
            func numeric(_ tag: String) -> Bool { ["train/loss", "train/lr", "train/grad_norm", "val/", "grad_norm/", "update_ratio/"].contains { tag.hasPrefix($0) } }
            for tag in try db.tags(run: "same") where numeric(tag) { text += "\(tag): \(try db.series(run: "same", tag: tag).map { "\($0.step)=\($0.value)" })\n" }
            text += "\(try db.lastScalars(run: "same").filter { numeric($0.tag) }.map { "\($0.tag)@\($0.step)=\($0.value)" })\n"
            text += "\(try db.samples(run: "same").map { "\($0.step):\($0.text)" })\n"
            text += "\(try db.messages(run: "same").map { "\($0.step):\($0.level):\($0.text)" })\n"
            for tag in try db.histogramTags(run: "same") { text += "\(tag): \(try db.histograms(run: "same", tag: tag).map { "\($0.step):\($0.histogram)" })\n" }
            text += "\(try db.checkpoints(run: "same").map(\.step)) \(try db.sampleCount(run: "same"))\n"
            text += "\(try db.probes(run: "same").map { "\($0.step):\($0.probe):\($0.document)" })\n"
            text += "\(try db.figureNames(run: "same").map { "\($0.name):\($0.count)" })\n"
            answers.append(text)
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0].contains("train/loss: ") && answers[0].count > 1000)
    }

    @Test(arguments: StoreKind.available)
    func resumingDropsRecordsAfterTheCheckpoint(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind); defer { try? FileManager.default.removeItem(at: s.directory) }
        var config = smallConfig(steps: 20)
        config.checkpointInterval = 10
        let first = try Trainer(config: config, runsDirectory: s.directory, id: "r2")
        first.sink = RunRecorder(database: s.store)
        first.stopAt = 14
        _ = try first.run()
        #expect(try s.store.run("r2").revision == 0)
        let second = try Trainer(resume: s.directory.appendingPathComponent("r2"))
        second.sink = RunRecorder(database: s.store)
        _ = try second.run()
        #expect(try s.store.series(run: "r2", tag: "train/loss").map(\.step) == Array(1...20))
        let run = try s.store.run("r2")
        #expect(run.status == "finished" && run.revision == 1)
        #expect(try s.store.checkpoints(run: "r2").map(\.step) == [10, 14, 20])
    }

    /// Two writers commit batches at once while a reader follows both runs through cursors: every point arrives,
    /// once, in order (PostgreSQL's sequences are given out in commit order under the writers' lock).
    @Test(arguments: StoreKind.available)
    func liveReadersMissNoPointWhileTwoRunsWrite(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind); defer { try? FileManager.default.removeItem(at: s.directory) }
        let runs = ["a", "b"], batches = 120, perBatch = 7
        for id in runs {
            try s.store.startRun(RunStart(id: id, name: nil, kind: "gpt", config: "{}", totalSteps: batches, parameterCount: 1, resumedAt: nil))
        }
        let reader = try s.reopen()
        let start = try reader.cursor()
        let done = LockedFlag()
        var writers: [Thread] = []
        let failures = LockedList()
        for id in runs {
            let store = try s.reopen()
            let t = Thread {
                do {
                    for b in 1...batches {
                        let rows = (0..<perBatch).map { i in RunRow.scalar(tag: "x/\(i)", step: b, wallTime: Double(b), value: Double(b * 10 + i)) }
                        try store.write(run: id, rows: rows + [.sample(step: b, text: "\(id) \(b)")], step: b)
                    }
                } catch { failures.append("\(error)") }
                done.increment()
            }
            writers.append(t)
        }
        writers.forEach { $0.start() }
        var cursors = [String: RunCursor](uniqueKeysWithValues: runs.map { ($0, start) })
        var got = [String: [Int]](uniqueKeysWithValues: runs.map { ($0, []) })
        var samples = [String: Int](uniqueKeysWithValues: runs.map { ($0, 0) })
        var finalPass = false
        while true {
            let finished = done.value == runs.count
            for id in runs {
                let ch = try reader.changes(run: id, after: cursors[id]!, limit: 50)
                cursors[id] = ch.cursor
                got[id]! += ch.scalars.filter { $0.tag == "x/3" }.map(\.step)
                samples[id]! += ch.samples.count
            }
            if finalPass { break }
            if finished {
                // Drain: read until nothing new comes.
                var more = true
                while more {
                    more = false
                    for id in runs {
                        let ch = try reader.changes(run: id, after: cursors[id]!, limit: 50)
                        if !ch.scalars.isEmpty || !ch.samples.isEmpty { more = true }
                        cursors[id] = ch.cursor
                        got[id]! += ch.scalars.filter { $0.tag == "x/3" }.map(\.step)
                        samples[id]! += ch.samples.count
                    }
                }
                finalPass = true
            }
        }
        #expect(failures.items.isEmpty, "\(failures.items)")
        for id in runs {
            #expect(got[id] == Array(1...batches), "run \(id): \(got[id]!.count) points")
            #expect(samples[id] == batches)
            #expect(try reader.series(run: id, tag: "x/6").count == batches)
            #expect(try reader.run(id).step == batches)
        }
        // The incremental series read agrees with the whole one.
        let whole = try reader.seriesColumns(run: "a", tag: "x/0")
        var partial = try reader.seriesColumns(run: "a", tag: "x/0", afterRowID: 0)
        #expect(partial.steps == whole.steps && partial.version == whole.version)
        partial = try reader.seriesColumns(run: "a", tag: "x/0", afterRowID: whole.version)
        #expect(partial.count == 0)
        #expect(try reader.scalarsVersion(run: "a").rowid == whole.version)
    }

    @Test(arguments: StoreKind.available)
    func recordsEveryKindOfRowAndRefusesWhatItMust(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind); defer { try? FileManager.default.removeItem(at: s.directory) }
        let db = s.store
        try db.startRun(RunStart(id: "k1", name: "kinds", kind: "mlp", config: "{\"x\":1}", totalSteps: 5, parameterCount: 7, resumedAt: nil))
        // A second run may not take the name.
        #expect(throws: (any Error).self) {
            try db.startRun(RunStart(id: "k2", name: "kinds", kind: "mlp", config: "{}", totalSteps: 5, parameterCount: 7, resumedAt: nil))
        }
        try db.startRun(RunStart(id: "k10", name: nil, kind: "mlp", config: "{}", totalSteps: 5, parameterCount: 7, resumedAt: nil))
        #expect(throws: RunStoreError.self) { _ = try db.run("k1x") }
        #expect(try db.run("k1").id == "k1")               // exact id beats the prefix of k10
        try db.startRun(RunStart(id: "k11", name: nil, kind: "mlp", config: "{}", totalSteps: 5, parameterCount: 7, resumedAt: nil))
        #expect { _ = try db.run("k1_") } throws: { "\($0)".contains("no run") }   // '_' is not a wildcard
        #expect { _ = try db.run("k") } throws: { "\($0)".contains("ambiguous") }
        let h = Histogram(min: -1, max: 2, counts: [1, 0, 3])
        try db.write(run: "k1", rows: [
            .scalar(tag: "v", step: 1, wallTime: 10, value: .nan), .scalar(tag: "v", step: 2, wallTime: 11, value: .infinity),
            .scalar(tag: "v", step: 3, wallTime: 12, value: -2.5), .histogram(tag: "w", step: 2, h),
            .message(step: 2, level: "warning", text: "first", wallTime: 11), .message(step: 1, level: "info", text: "second", wallTime: 12),
            .figure(step: 2, name: "boundary", document: "{\"a\":1}"), .figure(step: 2, name: "boundary", document: "{\"a\":2}"),
            .probe(step: 2, index: 0, document: "{\"p\":1}"), .probe(step: 2, index: 0, document: "{\"p\":2}"),
            .checkpoint(step: 2, path: "/x/step-2"), .sample(step: 2, text: "héllo 世界"),
        ], step: 3)
        let v = try db.series(run: "k1", tag: "v")
        #expect(v.count == 3 && v[0].value.isNaN && v[1].value == .infinity && v[2].value == -2.5)
        #expect(try db.histograms(run: "k1", tag: "w").map(\.histogram) == [h])
        #expect(try db.messages(run: "k1").map(\.text) == ["first", "second"])   // in recording order
        #expect(try db.figures(run: "k1", name: "boundary").map(\.document) == ["{\"a\":2}"])
        #expect(try db.figureNames(run: "k1").map(\.count) == [1])
        #expect(try db.probes(run: "k1").map(\.document) == ["{\"p\":2}"])
        #expect(try db.samples(run: "k1").map(\.text) == ["héllo 世界"])
        #expect(try db.run("k1").step == 3 && db.run("k1").status == "running" && db.run("kinds").kind == "mlp")
        try db.write(run: "k1", rows: [.status("finished")], step: 5)
        #expect(try db.run("k1").status == "finished")
        try db.setStatus(run: "k10", status: "stopped")
        #expect(try db.run("k10").status == "stopped")
        try db.recordFailure(run: "k11", step: 4, text: "rank 1 died")
        #expect(try db.run("k11").status == "failed" && db.messages(run: "k11").map(\.level) == ["error"])
        // A whole imported run.
        try db.importRun(ImportedRun(id: "imp", name: "tb-run", createdAt: 5, updatedAt: 9, step: 30, config: "{}"),
                         rows: (1...30).map { .scalar(tag: "loss", step: $0, wallTime: Double($0), value: 1 / Double($0)) } + [.sample(step: 3, text: "t")])
        let imported = try db.run("tb-run")
        #expect(imported.status == "imported" && imported.step == 30 && imported.createdAt == 5)
        #expect(try db.series(run: "imp", tag: "loss").count == 30)
        #expect(try db.runs().map(\.id).sorted() == ["imp", "k1", "k10", "k11"])
    }

    /// A batch written again under its name (a retry after a COMMIT whose answer was lost) is not written twice; a
    /// new batch, or one without a name, is.
    @Test(arguments: StoreKind.available)
    func aRetriedBatchIsWrittenOnce(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind); defer { try? FileManager.default.removeItem(at: s.directory) }
        try s.store.startRun(RunStart(id: "b", name: nil, kind: "gpt", config: "{}", totalSteps: 3, parameterCount: 1, resumedAt: nil))
        let first: [RunRow] = [.scalar(tag: "t", step: 1, wallTime: 1, value: 1), .sample(step: 1, text: "one")]
        try s.store.write(run: "b", rows: first, step: 1, batch: "w-1")
        try s.store.write(run: "b", rows: first, step: 1, batch: "w-1")
        #expect(try s.store.series(run: "b", tag: "t").map(\.step) == [1])
        #expect(try s.store.samples(run: "b").count == 1)
        try s.store.write(run: "b", rows: [.scalar(tag: "t", step: 2, wallTime: 2, value: 2)], step: 2, batch: "w-2")
        try s.store.write(run: "b", rows: [.scalar(tag: "t", step: 3, wallTime: 3, value: 3)], step: 3)
        try s.store.write(run: "b", rows: [.scalar(tag: "t", step: 3, wallTime: 3, value: 3)], step: 3, batch: "w-2")
        #expect(try s.store.series(run: "b", tag: "t").map(\.step) == [1, 2, 3])
        #expect(try s.store.run("b").step == 3)
    }
}

@Suite("PostgreSQL run store", .enabled(if: TestPostgres.installed, "needs Debian's postgresql (scripts/setup.sh --test installs it)"))
struct PostgresRunStoreTests {
    @Test func urlsAreParsedAndNeverShowThePassword() throws {
        let u = try PostgresURL("postgres://ann:s3cr%40t@db.example:6543/team?sslmode=require", environment: [:])
        #expect(u.user == "ann" && u.password == "s3cr@t" && u.host == "db.example" && u.port == 6543 && u.database == "team" && u.tls == .require)
        #expect(u.description == "postgres://ann@db.example:6543/team?sslmode=require")
        #expect(try PostgresURL("postgresql://bob@h", environment: ["PGPASSWORD": "pw"]).password == "pw")
        #expect(try PostgresURL("postgresql://bob@h", environment: [:]).database == "bob")
        #expect(PostgresURL.redacting("postgres://ann:hunter2@h/d is wrong") == "postgres://ann:***@h/d is wrong")
        for bad in ["postgres://h/db", "postgres://ann@:5/db", "postgres://ann@h/db?sslmode=maybe", "postgres://ann@h/db?colour=red", "mysql://a@b/c"] {
            #expect(throws: RunStoreError.self, "\(bad)") { _ = try PostgresURL(bad, environment: [:]) }
        }
        do { _ = try PostgresURL("postgres://ann:hunter2@h/db?sslmode=maybe", environment: [:]) } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
        #expect(throws: RunStoreError.self) { _ = try RunStores.open(url: "ftp://x", runsDirectory: URL(fileURLWithPath: "/tmp")) }
    }

    @Test func aWrongPasswordOrNoServerIsAClearErrorNotAHang() throws {
        var u = try TestPostgres.url()
        u.password = "not-the-password"
        var start = Date()
        #expect { _ = try PostgresRunStore(url: u) } throws: { e in
            "\(e)".contains("password authentication failed") && !"\(e)".contains("not-the-password") && "\(e)".contains(u.description)
        }
        #expect(Date().timeIntervalSince(start) < 10)
        // A port nobody listens on.
        u = try TestPostgres.url()
        u.port = 1
        start = Date()
        #expect { _ = try PostgresRunStore(url: u) } throws: { e in "\(e)".contains("cannot connect to the run store") && "\(e)".contains("refused") }
        #expect(Date().timeIntervalSince(start) < 10)
        // A database that does not exist.
        u = try TestPostgres.url()
        u.database = "no_such_database"
        #expect { _ = try PostgresRunStore(url: u) } throws: { e in "\(e)".contains("no_such_database") && "\(e)".contains("does not exist") }
    }

    @Test func tlsIsUsedWhenTheURLAsksForIt() throws {
        var u = try TestPostgres.url()
        u.tls = .require
        let secure = try PostgresRunStore(url: u)
        #expect(try secure.firstBool("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == true)
        u.tls = .disable
        let plain = try PostgresRunStore(url: u)
        #expect(try plain.firstBool("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == false)
        // The test server's certificate is self-signed: a URL that asks for it to be verified is refused.
        u.tls = .verifyFull
        #expect(throws: RunStoreError.self) { _ = try PostgresRunStore(url: u) }
    }

    @Test func manyProcessesOpeningANewDatabaseMigrateItOnce() throws {
        let url = try TestPostgres.freshDatabase()
        let errors = LockedList()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do { _ = try PostgresRunStore(url: url) } catch { errors.append("\(error)") }
        }
        #expect(errors.items.isEmpty, "\(errors.items)")
        let opened = try PostgresRunStore(url: url)
        #expect(try opened.schemaVersion() == PostgresRunStore.migrations.count)
        #expect(try opened.firstInt("SELECT COUNT(*) FROM glassbox_schema") == PostgresRunStore.migrations.count)
    }

    @Test func anotherProcesssWriteIsHeardThroughNotify() throws {
        let url = try TestPostgres.freshDatabase()
        let viewer = try PostgresRunStore(url: url), writer = try PostgresRunStore(url: url)
        let before = try #require(viewer.changeGeneration)
        try writer.startRun(RunStart(id: "n", name: nil, kind: "gpt", config: "{}", totalSteps: 1, parameterCount: 1, resumedAt: nil))
        try writer.write(run: "n", rows: [.scalar(tag: "t", step: 1, wallTime: 1, value: 1)], step: 1)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, (viewer.changeGeneration ?? 0) < before + 2 { Thread.sleep(forTimeInterval: 0.02) }
        #expect((viewer.changeGeneration ?? 0) >= before + 2)
    }
}

final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock(); private var n = 0
    func increment() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

final class LockedList: @unchecked Sendable {
    private let lock = NSLock(); private var list: [String] = []
    func append(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
