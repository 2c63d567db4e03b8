import Foundation
import Testing
import ModelFormats
import Models
import NeuralNet
@testable import Training

/// Corruption is detected, not computed with: every checkpoint folder carries a manifest (size and SHA-256 of
/// each file) checked on every read, and a trainer or optimizer state must be the checkpoint's own.
@Suite("Checkpoint integrity")
struct CheckpointIntegrityTests {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    func flippingByte(_ url: URL, at fraction: Double = 0.5, _ body: () throws -> Void) throws {
        let original = try Data(contentsOf: url)
        var flipped = original
        flipped[min(original.count - 1, Int(Double(original.count) * fraction))] ^= 0x04
        try flipped.write(to: url)
        defer { try? original.write(to: url) }
        try body()
    }

    /// A real GPT checkpoint: a flipped byte in each of its files (start, middle, end) is refused by every
    /// reader — resume, `Checkpoint.read`, `GPT.load`, `ModelLoader` (inspect, generate, the studio) — naming the
    /// folder and the file; so are a truncated file, a missing one, one added and a broken manifest.
    @Test func everyFileOfAGPTCheckpointIsChecked() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Trainer(config: smallConfig(steps: 2), runsDirectory: dir, id: "g").run()
        let run = dir.appendingPathComponent("g")
        let ck = try #require(try Checkpoint.latest(in: run))
        let names = try FileManager.default.contentsOfDirectory(atPath: ck.path).sorted()
        #expect(names == ["config.json", "manifest.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json", "vocab.json"])
        #expect(try Checkpoint.verify(ck) == .verified(files: 5))
        for name in names where name != "manifest.json" {
            for fraction in [0.0, 0.5, 1.0] {
                try flippingByte(ck.appendingPathComponent(name), at: fraction) {
                    let expected = "\(ck.path): checkpoint file \(name) does not match its manifest (SHA-256"
                    var readers = [("resume", message { _ = try Trainer(resume: run) }), ("Checkpoint.read", message { _ = try Checkpoint.read(ck) })]
                    // A model loader never reads the optimizer or trainer state, so it does not hash them.
                    if !CheckpointManifest.trainingStateFiles.contains(name) {
                        readers += [("GPT.load", message { _ = try GPT.load(folder: ck) }), ("ModelLoader", message { _ = try ModelLoader.load(ck.path) })]
                    }
                    for (reader, m) in readers {
                        #expect(m.contains(expected), "\(reader), \(name) at \(fraction): \(m)")
                    }
                }
            }
        }
        let fm = FileManager.default
        let weights = ck.appendingPathComponent("model.safetensors")
        let original = try Data(contentsOf: weights)
        try original.prefix(original.count - 100).write(to: weights)
        #expect(message { _ = try Trainer(resume: run) }.contains("model.safetensors does not match its manifest (\(original.count - 100) bytes, the manifest says \(original.count): truncated"))
        try original.write(to: weights)
        // Files a loader does not hash are still checked for presence and size.
        let optimizer = ck.appendingPathComponent("optimizer.safetensors"), optimizerData = try Data(contentsOf: optimizer)
        try optimizerData.dropLast().write(to: optimizer)
        #expect(message { _ = try GPT.load(folder: ck) }.contains("optimizer.safetensors does not match its manifest"))
        try optimizerData.write(to: optimizer)
        let vocab = ck.appendingPathComponent("vocab.json"), vocabData = try Data(contentsOf: vocab)
        try fm.removeItem(at: vocab)
        #expect(message { _ = try ModelLoader.load(ck.path) }.contains("checkpoint file vocab.json is missing"))
        try vocabData.write(to: vocab)
        try Data("{}".utf8).write(to: ck.appendingPathComponent("tokenizer.json"))
        #expect(message { _ = try GPT.load(folder: ck) }.contains("checkpoint file tokenizer.json is not in its manifest"))
        try fm.removeItem(at: ck.appendingPathComponent("tokenizer.json"))
        try flippingByte(ck.appendingPathComponent("manifest.json")) {
            #expect(message { _ = try Trainer(resume: run) }.contains("manifest"))
        }
        // A KEEP marker (a user protecting the checkpoint from pruning) is no corruption.
        try Data().write(to: ck.appendingPathComponent(Checkpoint.keepMarker))
        let resumed = try Trainer(resume: run)
        #expect(resumed.state.step == 2 && resumed.notes.isEmpty, "\(resumed.notes)")
        // A folder from before manifests still loads, and the resume says it was not checked.
        try fm.removeItem(at: ck.appendingPathComponent("manifest.json"))
        let legacy = try Trainer(resume: run)
        #expect(legacy.notes.contains { $0.contains("step-000002 has no manifest.json") }, "\(legacy.notes)")
        #expect(try GPT.load(folder: ck).config == resumed.model.config)
    }

    /// A corrupted newest checkpoint is set aside (with a note naming the file) and the run resumes from the
    /// older good one, continuing exactly as the original run did.
    @Test func resumeFallsBackToTheOlderGoodCheckpoint() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var config = smallConfig(steps: 10)
        config.checkpointInterval = 5
        let trainer = try Trainer(config: config, runsDirectory: dir, id: "f")
        let sink = MemorySink(); trainer.sink = sink
        _ = try trainer.run()
        let run = dir.appendingPathComponent("f")
        let newest = run.appendingPathComponent("checkpoints/step-000010/optimizer.safetensors")
        var bytes = try Data(contentsOf: newest)
        bytes[bytes.count - 7] ^= 0x01           // one bit of one moment: the file still parses
        try bytes.write(to: newest)
        let resumed = try Trainer(resume: run)
        #expect(resumed.state.step == 5)
        #expect(resumed.notes.contains { $0.contains("skipped step-000010") && $0.contains("optimizer.safetensors does not match its manifest") }, "\(resumed.notes)")
        #expect(resumed.notes.contains { $0.contains("resuming from step-000005") })
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/.unreadable-step-000010").path))
        let again = MemorySink(); resumed.sink = again
        _ = try resumed.run()
        #expect(again.scalars["train/loss"]?.map(\.value) == sink.scalars["train/loss"]?.filter { $0.step > 5 }.map(\.value))
    }

    /// A trainer state or optimizer state that is not the checkpoint's own — another step, another model's
    /// shapes, a tensor too many, a non-finite moment — is refused even when the manifest agrees (a folder
    /// assembled by hand and re-sealed), never resumed into a wrong state.
    @Test func statesOfAnotherCheckpointAreRefused() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var config = smallConfig(steps: 10)
        config.checkpointInterval = 5
        _ = try Trainer(config: config, runsDirectory: dir, id: "s").run()
        let run = dir.appendingPathComponent("s")
        let five = run.appendingPathComponent("checkpoints/step-000005"), ten = run.appendingPathComponent("checkpoints/step-000010")
        func replacing(_ name: String, with data: Data, _ body: () throws -> Void) throws {
            let url = ten.appendingPathComponent(name), original = try Data(contentsOf: url)
            try data.write(to: url)
            try CheckpointManifest.write(folder: ten)
            defer { try? original.write(to: url); _ = try? CheckpointManifest.write(folder: ten) }
            try body()
        }
        try replacing("trainer_state.json", with: Data(contentsOf: five.appendingPathComponent("trainer_state.json"))) {
            let m = message { _ = try Checkpoint.read(ten) }
            #expect(m.contains("trainer_state.json: step 5, but the folder is step-000010"), "\(m)")
        }
        try replacing("optimizer.safetensors", with: Data(contentsOf: five.appendingPathComponent("optimizer.safetensors"))) {
            let m = message { _ = try Trainer(resume: run) }
            #expect(m.contains("optimizer.safetensors: the optimizer is at step 5, but trainer_state.json at step 10"), "\(m)")
        }
        // Optimizer states edited tensor by tensor.
        let state = try Checkpoint.readOptimizer(ten)
        let names = state.tensors.keys.sorted()
        func optimizerFile(_ edit: (inout [(String, [Int], [Float])]) -> Void) throws -> Data {
            var entries = names.map { ($0, state.shapes[$0] ?? [], state.tensors[$0] ?? []) }
            edit(&entries)
            let url = dir.appendingPathComponent("opt.safetensors")
            try SafeTensorsWriter.write(entries.map { SafeTensorsEntry(name: $0.0, shape: $0.1, floats: $0.2) }, metadata: ["step": "10"], to: url)
            return try Data(contentsOf: url)
        }
        let wte = "exp_avg.transformer.wte.weight"
        let cases: [((inout [(String, [Int], [Float])]) -> Void, String)] = [
            ({ e in if let i = e.firstIndex(where: { $0.0 == wte }) { e[i].1 = [e[i].2.count] } }, "'\(wte)' has shape ["),
            ({ e in e.removeAll { $0.0 == wte } }, "lacks '\(wte)'"),
            ({ e in e.append(("exp_avg.transformer.h.9.attn.c_attn.weight", [2], [0, 0])) }, "holds 'exp_avg.transformer.h.9.attn.c_attn.weight', which the model has no parameter for"),
            ({ e in if let i = e.firstIndex(where: { $0.0 == wte }) { e[i].2[3] = .nan } }, "'\(wte)' holds nan at element 3"),
            ({ e in if let i = e.firstIndex(where: { $0.0 == "exp_avg_sq.transformer.wte.weight" }) { e[i].2[0] = -1 } }, "a second moment is never negative"),
        ]
        #expect(names.contains(wte))
        for (edit, expected) in cases {
            try replacing("optimizer.safetensors", with: try optimizerFile(edit)) {
                let m = message { _ = try Trainer(resume: run) }
                #expect(m.contains("optimizer.safetensors: ") && m.contains(expected), "\(m)")
            }
        }
        // Untouched, the run resumes at 10.
        #expect(try Trainer(resume: run).state.step == 10)
    }

    /// MLP and seq2seq checkpoints carry manifests too: a flipped weight is refused (the MLP resume falls back,
    /// the seq2seq loader names the file).
    @Test func mlpAndSeq2SeqCheckpointsAreChecked() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var m = MLPConfig()
        m.task = "spirals"; m.steps = 4; m.checkpointInterval = 2; m.evalInterval = 2; m.sampleInterval = 2; m.logInterval = 1
        _ = try TrainingRun<MLPTask>(mlp: m, runsDirectory: dir, id: "mlp").run()
        let mlpRun = dir.appendingPathComponent("mlp")
        let mlpNewest = try #require(try Checkpoint.latest(in: mlpRun))
        #expect(try Checkpoint.verify(mlpNewest) != .absent)
        let weights = try #require(try FileManager.default.contentsOfDirectory(atPath: mlpNewest.path).first { $0.hasPrefix("model") })
        var bytes = try Data(contentsOf: mlpNewest.appendingPathComponent(weights))
        bytes[bytes.count - 3] ^= 0x20
        try bytes.write(to: mlpNewest.appendingPathComponent(weights))
        let resumed = try TrainingRun<MLPTask>(resumeMLP: mlpRun)
        #expect(resumed.state.step == 2 && resumed.notes.contains { $0.contains("\(weights) does not match its manifest") }, "\(resumed.notes)")

        var s = Seq2SeqConfig()
        s.steps = 2; s.checkpointInterval = 2; s.evalInterval = 2; s.sampleInterval = 2; s.logInterval = 1; s.heldOut = 50
        _ = try TrainingRun<Seq2SeqTask>(seq2seq: s, runsDirectory: dir, id: "s2s").run()
        let s2s = try #require(try Checkpoint.latest(in: dir.appendingPathComponent("s2s")))
        _ = try Seq2SeqTask.loadModel(s2s)
        try flippingByte(s2s.appendingPathComponent("config.json")) {
            let m = message { _ = try Seq2SeqTask.loadModel(s2s) }
            #expect(m.contains("checkpoint file config.json does not match its manifest"), "\(m)")
        }
    }
}
