import Foundation
import Testing
@testable import RunStore
import Training
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

    /// A run store that stops accepting writes stops the training with an error naming it, keeps every record it
    /// could not write, marks the run failed and leaves a checkpoint of the last step.
    @Test func aFailingRunStoreStopsTrainingWithoutLosingRecords() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        let trainer = try Trainer(config: smallConfig(steps: 30), runsDirectory: dir, id: "broken")
        let recorder = RunRecorder(database: db)
        recorder.flushInterval = 0
        recorder.retryDelays = [0.01, 0.01]
        trainer.sink = recorder
        // From step 4 on, every insert of a scalar fails (the table is gone), as on a full or failing disk.
        trainer.onStep = { r in
            if r.step == 4 { try? db.pool.write { try $0.execute(sql: "DROP TABLE scalars") } }
        }
        var message = ""
        do { _ = try trainer.run() } catch { message = "\(error)" }
        #expect(message.contains("cannot write to the run database") && message.contains(db.path), "\(message)")
        #expect(message.contains("stopped at step 5"), "\(message)")
        #expect(recorder.pendingCount > 0 && recorder.failure != nil)
        let status = try db.pool.read { try String.fetchOne($0, sql: "SELECT status FROM runs WHERE id = 'broken'") }
        #expect(status == "failed")
        let checkpoint = dir.appendingPathComponent("broken/checkpoints/step-000005")
        #expect(FileManager.default.fileExists(atPath: checkpoint.appendingPathComponent("model.safetensors").path))
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
        try recorder.runStarted(id: "bench", name: "bench", config: smallConfig(steps: 100), parameterCount: 1, resumedAt: nil)
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
