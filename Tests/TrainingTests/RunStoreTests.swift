import Foundation
import ModelFormats
import Testing
@testable import RunStore
import GRDB
import Training
import Models
import NeuralNet
import Tokenization

@Suite("Run store (SQLite through GRDB)")
struct RunStoreTests {
    @Test func recordsARunAndReadsItBackWhileItWrites() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        let trainer = try Trainer(config: smallConfig(steps: 20), runsDirectory: dir, id: "r1")
        let recorder = RunRecorder(database: db)
        recorder.flushInterval = 0
        trainer.sink = recorder
        // A second connection reads while the run writes (WAL).
        let reader = try RunDatabase(directory: dir)
        var seenWhileRunning: [Int] = []
        trainer.onStep = { r in
            if r.step % 5 == 0, let rec = try? reader.run("r1") { seenWhileRunning.append(rec.step) }
        }
        _ = try trainer.run()
        #expect(seenWhileRunning.count == 4 && seenWhileRunning.last! >= 15, "\(seenWhileRunning)")

        let run = try reader.run("r")  // unique prefix
        #expect(run.id == "r1" && run.status == "finished" && run.step == 20 && run.totalSteps == 20)
        #expect(run.lastValLoss != nil)
        let loss = try reader.series(run: "r1", tag: "train/loss")
        #expect(loss.map(\.step) == Array(1...20))
        let last = try reader.lastScalars(run: "r1")
        #expect(last.contains { $0.tag == "update_ratio/transformer.h.0.mlp.c_proj.weight" })
        #expect(try reader.checkpoints(run: "r1").map(\.step) == [10, 20])
        let config = try JSONDecoder().decode(TrainConfig.self, from: Data(run.config.utf8))
        #expect(config.width == 64)
        #expect(throws: RunStoreError.self) { _ = try reader.run("nope") }
    }

    /// A run store that stays unwritable longer than the recorder waits stops the training with an error naming it,
    /// keeps every record it could not write, marks the run failed, and writes no checkpoint covering records the
    /// store lacks; once the store is back, a resume records every step exactly once.
    @Test func aFailingRunStoreStopsTrainingWithoutLosingRecords() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        let trainer = try Trainer(config: smallConfig(steps: 30), runsDirectory: dir, id: "broken")
        let recorder = RunRecorder(database: db)
        recorder.flushInterval = 0
        recorder.outageLimit = 0.5
        trainer.sink = recorder
        // From step 14 on, no scalar can be written (the table is away), as on a failing disk.
        trainer.onStep = { r in
            if r.step == 14 { try? db.pool.write { try $0.execute(sql: "ALTER TABLE scalars RENAME TO scalars_away") } }
        }
        var message = ""
        do { _ = try trainer.run() } catch { message = "\(error)" }
        #expect(message.contains("cannot write to the run database") && message.contains(db.path) && message.contains("tried for"), "\(message)")
        #expect(message.contains("stopped at step") && message.contains("step-000010") && message.contains("--resume broken"), "\(message)")
        #expect(recorder.pendingCount > 0 && recorder.failure != nil && recorder.committedStep >= 13)
        let status = try db.pool.read { try String.fetchOne($0, sql: "SELECT status FROM runs WHERE id = 'broken'") }
        #expect(status == "failed")
        // The checkpoint at step 10 and no later one: its records had committed, the later steps' had not.
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("broken/checkpoints").path)
        #expect(folders.filter { $0.hasPrefix("step-") } == ["step-000010"], "\(folders)")
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("broken/checkpoints/step-000010/trainer_state.json"))) as? [String: Any]
        #expect(state?["recordedThrough"] as? Int == 10)

        try db.pool.write { try $0.execute(sql: "ALTER TABLE scalars_away RENAME TO scalars") }
        let resumed = try Trainer(resume: dir.appendingPathComponent("broken"))
        resumed.sink = RunRecorder(database: db)
        _ = try resumed.run()
        #expect(try db.series(run: "broken", tag: "train/loss").map(\.step) == Array(1...30))
        #expect(try db.series(run: "broken", tag: "val/loss").map(\.step) == [10, 20, 30])
        #expect(try db.checkpoints(run: "broken").map(\.step) == [10, 20, 30])
        #expect(try db.run("broken").status == "finished")
    }

    /// A store outage shorter than the recorder's limit: the training goes on (a checkpoint waits for the records it
    /// covers), every record reaches the store once the store is back, none twice.
    @Test func aShortStoreOutageLosesNothing() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        let trainer = try Trainer(config: smallConfig(steps: 30), runsDirectory: dir, id: "outage")
        let recorder = RunRecorder(database: db)
        recorder.flushInterval = 0
        recorder.outageLimit = 30
        trainer.sink = recorder
        let back = DispatchSemaphore(value: 0)
        var stepsDuringOutage = 0
        trainer.onStep = { r in
            if r.step == 4 {
                try? db.pool.write { try $0.execute(sql: "ALTER TABLE scalars RENAME TO scalars_away") }
                DispatchQueue.global().asyncAfter(deadline: .now() + 1.5) {
                    try? db.pool.write { try $0.execute(sql: "ALTER TABLE scalars_away RENAME TO scalars") }
                    back.signal()
                }
            }
            if r.step > 4 && recorder.outageStart != nil { stepsDuringOutage += 1 }
        }
        let summary = try trainer.run()
        back.wait()
        #expect(summary.status == "finished" && recorder.failure == nil && recorder.pendingCount == 0)
        #expect(stepsDuringOutage >= 1, "the training did not go on during the outage")
        #expect(try db.series(run: "outage", tag: "train/loss").map(\.step) == Array(1...30))
        #expect(try db.checkpoints(run: "outage").map(\.step) == [10, 20, 30])
        #expect(try db.run("outage").status == "finished")
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("outage/checkpoints/step-000030/trainer_state.json"))) as? [String: Any]
        #expect(state?["recordedThrough"] as? Int == 30)
    }

    @Test func resumingDropsRecordsAfterTheCheckpoint() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        var config = smallConfig(steps: 20)
        config.checkpointInterval = 10
        let first = try Trainer(config: config, runsDirectory: dir, id: "r2")
        first.sink = RunRecorder(database: db)
        first.stopAt = 14  // checkpoints at 10 and 14
        _ = try first.run()
        let second = try Trainer(resume: dir.appendingPathComponent("r2"))
        second.sink = RunRecorder(database: db)
        _ = try second.run()
        let steps = try db.series(run: "r2", tag: "train/loss").map(\.step)
        #expect(steps == Array(1...20))
        #expect(try db.run("r2").status == "finished")
    }

    @Test func recordingIsBatched() throws {
        // 100 steps of 200 scalars become one write transaction per flush interval, not one per row or step.
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        let recorder = RunRecorder(database: db)
        recorder.flushInterval = 3600
        try recorder.runStarted(RunStart(id: "bench", config: smallConfig(steps: 100), parameterCount: 1, resumedAt: nil))
        let start = Date()
        for step in 1...100 {
            recorder.scalars(step: step, wallTime: Date().timeIntervalSince1970,
                             (0..<200).map { (tag: "tag/\($0)", value: Double($0)) })
        }
        #expect(recorder.transactions == 0)
        try recorder.flush()
        #expect(recorder.transactions == 1)
        // Measured, not asserted (shared machines are noisy): the cost per step of recording 200 scalars.
        print("recording 200 scalars: \(Date().timeIntervalSince(start) / 100 * 1000) ms per step")
        #expect(try db.series(run: "bench", tag: "tag/7").count == 100)
    }
}

@Suite("Damaged rows are errors, not empty values")
struct DamagedRowTests {
    /// A histogram whose stored counts are not a list of whole numbers is an error naming the run, the tag and the
    /// step (it used to read back as an empty histogram).
    @Test func aCorruptHistogramIsAnErrorNamingItsRunAndTag() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        var config = smallConfig(steps: 10)
        config.sampleInterval = 5  // histograms are recorded at each sample interval
        let trainer = try Trainer(config: config, runsDirectory: dir, id: "h1")
        trainer.sink = RunRecorder(database: db)
        _ = try trainer.run()
        let tag = try db.pool.read { try String.fetchOne($0, sql: "SELECT tag FROM histograms WHERE run_id = 'h1' LIMIT 1") }
        let histogramTag = try #require(tag)
        #expect(try db.histograms(run: "h1", tag: histogramTag).allSatisfy { !$0.histogram.counts.isEmpty })
        try db.pool.write { try $0.execute(sql: "UPDATE histograms SET counts = 'not json' WHERE run_id = 'h1' AND tag = ?", arguments: [histogramTag]) }
        #expect { _ = try db.histograms(run: "h1", tag: histogramTag) } throws: { e in
            "\(e)".contains("run h1") && "\(e)".contains(histogramTag) && "\(e)".contains("damaged")
        }
    }

    /// JSONValue: every kind of value round-trips; text that is not JSON is an error (`init(json:)`), shown as
    /// itself by `parse`, never as null.
    @Test func jsonValuesAndTextThatIsNotJSON() throws {
        let v = try JSONValue(json: #"{"a": [1, 1.5, true, "s", null, {"b": 1e30}]}"#)
        #expect(v["a"] == .array([.int(1), .number(1.5), .bool(true), .string("s"), .null, .object(["b": .number(1e30)])]))
        #expect(throws: (any Error).self) { _ = try JSONValue(json: "{not json") }
        #expect(JSONValue.parse("{not json") == .string("{not json"))
    }
}

@Suite("TensorBoard event encoding")
struct TensorBoardEncodingTests {
    @Test func crc32cKnownValue() {
        // The CRC-32C check value (RFC 3720's polynomial): "123456789" → 0xE3069283.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    /// Scalars, histograms and text written to an event file read back equal; a damaged tail is reported.
    @Test func eventsRoundTripThroughAFile() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try TensorBoardFileWriter(folder: dir)
        let events = [
            TensorBoardEvent(wallTime: 1.5, step: 1, values: [("train/loss", .scalar(2.5)), ("train/lr", .scalar(0.25))]),
            TensorBoardEvent(wallTime: 2.5, step: -3, values: [("w", .histogram(min: -1, max: 1, limits: [0, 1], counts: [3, 4]))]),
            TensorBoardEvent(wallTime: 3.5, step: 1 << 40, values: [("samples", .text("héllo\nworld"))]),
        ]
        for e in events { writer.write(e) }
        try writer.flush()
        var warnings: [String] = []
        #expect(try readTensorBoardEvents(writer.path) { warnings.append($0) } == events)
        #expect(warnings.isEmpty)
        let data = try Data(contentsOf: URL(fileURLWithPath: writer.path))
        try data.prefix(data.count - 5).write(to: URL(fileURLWithPath: writer.path))
        let partial = try readTensorBoardEvents(writer.path) { warnings.append($0) }
        #expect(partial == Array(events.prefix(2)) && warnings.count == 1 && warnings[0].contains("at byte"))
    }
}

/// The seed and crash corpora of the checkpoint-JSON and event-file fuzz targets, read again by the same readers:
/// each gives a value or an error, never a crash.
@Suite("Fuzz corpus replay (checkpoints, event files)")
struct CheckpointAndEventFuzzReplayTests {
    static let fuzzRoot = repoRoot.appendingPathComponent("fuzz")

    func files(_ target: String) -> [URL] {
        ["corpus", "crashes"].flatMap { kind -> [URL] in
            let dir = Self.fuzzRoot.appendingPathComponent(kind).appendingPathComponent(target)
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }
                .map { dir.appendingPathComponent($0) }
        }
    }

    @Test func checkpointJSONFiles() throws {
        var read = 0
        for url in files("checkpoint_json") {
            let bytes = try Data(contentsOf: url)
            guard let selector = bytes.first else { continue }
            let body = bytes.dropFirst()
            switch selector % 3 {
            case 0: if (try? TrainerState.decode(Data(body), source: url.path)) != nil { read += 1 }
            case 1: if let j = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Int], (try? Vocabulary(vocabJSON: j)) != nil { read += 1 }
            default: if let j = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any], (try? GPTConfig(huggingFace: j)) != nil { read += 1 }
            }
        }
        #expect(read >= 4, "the seeds are real files: each should read")
    }

    @Test func eventFiles() throws {
        var events = 0
        for url in files("tensorboard_events") {
            events += readTensorBoardEvents([UInt8](try Data(contentsOf: url)), source: url.path).count
        }
        #expect(events > 5)
    }
}

@Suite("Packed series (scalar chunks)")
struct SeriesChunkTests {
    /// The rows of a tag straight from the table, for comparison with what the packed path returns.
    func rows(_ db: RunDatabase, _ run: String, _ tag: String) throws -> SeriesColumns {
        var c = SeriesColumns()
        try db.pool.read { d in try RunDatabase.readRows(d, run: run, tag: tag, after: nil, into: &c) }
        return c
    }

    func same(_ a: SeriesColumns, _ b: SeriesColumns) -> Bool {
        a.steps == b.steps && a.wallTimes == b.wallTimes && zip(a.values, b.values).allSatisfy { $0 == $1 || $0.isNaN && $1.isNaN }
            && a.values.count == b.values.count
    }

    @Test func recordedSeriesArePackedAndReadBackExactly() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        let recorder = RunRecorder(database: db)
        recorder.flushInterval = 0
        try recorder.runStarted(RunStart(id: "r", config: TrainConfig(dataPath: "x"), parameterCount: 0, resumedAt: nil))
        let n = 5 * RunDatabase.chunkPoints + 300
        for step in 1...n {
            // A NaN value (SQLite keeps it as NULL) and a spike, both kept.
            let v = step == 777 ? Double.nan : step == 4000 ? 1e9 : Double(step) * 0.5
            recorder.scalars(step: step, wallTime: 1000 + Double(step), [("a", v), ("b", -Double(step))])
        }
        try recorder.flush()
        #expect(try db.chunkCount(run: "r", tag: "a") == 5)
        let packed = try db.seriesColumns(run: "r", tag: "a")
        #expect(packed.count == n)
        let packedRows = try rows(db, "r", "a")
        #expect(same(packed, packedRows))
        #expect(packed.values[776].isNaN && packed.values[3999] == 1e9)
        // Resuming at step 2500 drops the chunks from there on; the points after it are recorded again.
        let resumed = RunRecorder(database: db)
        resumed.flushInterval = 0
        try resumed.runStarted(RunStart(id: "r", config: TrainConfig(dataPath: "x"), parameterCount: 0, resumedAt: 2500))
        #expect(try db.chunkCount(run: "r", tag: "a") == 2)
        #expect(try db.seriesColumns(run: "r", tag: "a").steps == Array(1...2500))
        for step in 2501...(n + 2000) { resumed.scalars(step: step, wallTime: 5000 + Double(step), [("a", Double(step) * 2)]) }
        try resumed.flush()
        let again = try db.seriesColumns(run: "r", tag: "a")
        #expect(again.steps == Array(1...(n + 2000)))
        let againRows = try rows(db, "r", "a")
        #expect(same(again, againRows))
        #expect(try db.chunkCount(run: "r", tag: "a") >= 6)
        // A point written into the packed past (out of order) unpacks from there: the answer stays the rows'.
        try db.pool.write { d in try d.execute(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES ('r', 'a', 10, 1, 42)") }
        #expect(try db.chunkCount(run: "r", tag: "a") == 0)
        let mixed = try db.seriesColumns(run: "r", tag: "a")
        let mixedRows = try rows(db, "r", "a")
        #expect(mixed.count == n + 2001 && same(mixed, mixedRows))
        // Packing again never splits the two points of step 10 and reads back the same.
        try db.packSeries(run: "r", tag: "a")
        let repacked = try db.seriesColumns(run: "r", tag: "a"), repackedRows = try rows(db, "r", "a")
        #expect(same(repacked, repackedRows))
        try db.pool.read { d in
            for r in try Row.fetchAll(d, sql: "SELECT first_step, last_step FROM scalar_chunks WHERE run_id = 'r' AND tag = 'a' ORDER BY last_step") {
                let first: Int = r["first_step"], last: Int = r["last_step"]
                #expect(first <= last)
            }
            let boundary = try Int.fetchAll(d, sql: "SELECT last_step FROM scalar_chunks WHERE run_id = 'r' AND tag = 'a'")
            #expect(!boundary.contains(9))  // step 10 has two points: no chunk ends between them
        }
        // Bucketed answers from the packed columns equal those from the rows.
        let fromChunks = SeriesSummary.reduce(run: "r", tag: "a", try db.seriesColumns(run: "r", tag: "a"), buckets: 100, from: nil, to: nil, smoothing: 0.6)
        let fromRows = SeriesSummary.reduce(run: "r", tag: "a", try rows(db, "r", "a"), buckets: 100, from: nil, to: nil, smoothing: 0.6)
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        encoder.outputFormatting = .sortedKeys
        let diff = zip(fromChunks.buckets, fromRows.buckets).first { (try? encoder.encode($0)) != (try? encoder.encode($1)) }
        #expect(try encoder.encode(fromChunks.buckets) == encoder.encode(fromRows.buckets), "\(String(describing: diff))")
        // The NaN at step 777 does not hide its bucket's finite points: the mean is theirs.
        let nanBucket = try #require(fromRows.buckets.first { $0.firstStep <= 777 && $0.lastStep >= 777 })
        #expect(nanBucket.mean.isFinite && nanBucket.min.isFinite && nanBucket.max.isFinite)
    }

    /// A store written before chunks existed (schema v4, value NOT NULL) is migrated: rows kept with their ids,
    /// series packed, NaN accepted from then on.
    @Test func aVersionFourStoreIsMigrated() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("glassbox.sqlite").path
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        do {
            let q = try DatabaseQueue(path: path)
            let m = RunDatabase.migrator
            try m.migrate(q, upTo: "v4")
            try q.write { d in
                try d.execute(sql: "INSERT INTO runs (id, created_at, updated_at, status, total_steps, parameter_count, config) VALUES ('old', 0, 0, 'finished', 3000, 0, '{}')")
                for step in 1...3000 {
                    try d.execute(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES ('old', 'loss', ?, ?, ?)", arguments: [step, Double(step), 1.0 / Double(step)])
                }
            }
        }
        let db = try RunDatabase(directory: dir)
        #expect(try db.chunkCount(run: "old", tag: "loss") == 2)
        let c = try db.seriesColumns(run: "old", tag: "loss")
        #expect(c.steps == Array(1...3000) && c.values[2999] == 1.0 / 3000)
        try db.pool.write { d in try d.execute(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES ('old', 'loss', 3001, 0, ?)", arguments: [Double.nan]) }
        #expect(try db.seriesColumns(run: "old", tag: "loss").values.last!.isNaN)
        #expect(try db.integrityCheck() == "ok")
    }
}
