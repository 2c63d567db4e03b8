import Foundation
import Testing
import ModelFormats
import Models
import NeuralNet
import TensorCore
@testable import Training

@Suite("Training a GPT on tinyshakespeare")
struct TrainerTests {
    /// With the machine's peak given, model-FLOPs utilisation is recorded beside throughput: tokens/s × FLOPs per
    /// token ÷ peak.
    @Test func mfuIsRecordedWithThroughput() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(config: smallConfig(steps: 20), runsDirectory: dir)
        let sink = MemorySink()
        trainer.sink = sink
        trainer.peakFlops = 1e12
        _ = try trainer.run()
        let mfu = try #require(sink.scalars["train/mfu"]), tps = try #require(sink.scalars["train/tokens_per_s"])
        let flops = trainer.model.config.trainingFlopsPerToken(parameterCount: trainer.model.parameterCount, context: trainer.config.block)
        #expect(mfu.count == tps.count && zip(mfu, tps).allSatisfy { abs($0.value - $1.value * flops / 1e12) <= 1e-12 * max(1, $0.value) })
        #expect(mfu.allSatisfy { $0.value > 0 && $0.value < 1 })
    }

    /// The generic trainer (`TrainingRun` on `GPTTask`) reproduces the losses of the GPT trainer it replaced:
    /// these values were printed by `glassbox train --layers 2 --heads 2 --width 64 --block 32 --batch 8 --steps 40
    /// --log-interval 5 --eval-interval 20 --threads 1` before the change (and the checkpoint's weights, optimizer
    /// and trainer state were byte-identical on the machine that made them; the tolerance here allows another
    /// machine's kernels).
    @Test func reproducesTheLossesOfTheTrainerItReplaced() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var c = TrainConfig(dataPath: corpusPath)
        c.layers = 2; c.heads = 2; c.width = 64; c.block = 32; c.batch = 8; c.steps = 40
        c.logInterval = 5; c.evalInterval = 20; c.sampleInterval = 20; c.checkpointInterval = 20
        let trainer = try Trainer(config: c, runsDirectory: dir)
        let sink = MemorySink()
        trainer.sink = sink
        _ = try trainer.run()
        let train: [Double] = [4.134500503540039, 3.977740526199341, 3.8499579429626465, 3.7129926681518555,
                               3.569328546524048, 3.522381067276001, 3.375887632369995, 3.24206280708313]
        let val: [Double] = [3.7437644004821777, 3.313106858730316]
        let got = try #require(sink.scalars["train/loss"]).map(\.value), gotVal = try #require(sink.scalars["val/loss"]).map(\.value)
        #expect(got.count == train.count && zip(got, train).allSatisfy { abs($0 - $1) <= 1e-5 * $1 }, "\(got)")
        #expect(gotVal.count == val.count && zip(gotVal, val).allSatisfy { abs($0 - $1) <= 1e-5 * $1 }, "\(gotVal)")
    }

    @Test func validationLossFalls() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(config: smallConfig(steps: 150), runsDirectory: dir)
        let sink = MemorySink()
        trainer.sink = sink
        let initial = trainer.validationLoss()
        // A uniform guess over 65 characters costs ln 65 = 4.17.
        #expect(abs(initial - log(65.0)) < 0.15, "initial validation loss \(initial)")
        let summary = try trainer.run()
        let val = sink.scalars["val/loss"]!.map(\.value)
        #expect(val.count == 15)
        #expect(val.last! < 2.7, "validation loss after 150 steps: \(val)")
        #expect(summary.status == "finished" && summary.steps == 150)
        // Everything the issue asks to record is there.
        for tag in ["train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s",
                    "grad_norm/transformer.h.0.attn.c_attn.weight", "update_ratio/transformer.wte.weight"] {
            #expect(sink.scalars[tag]?.isEmpty == false, "missing \(tag)")
        }
        #expect(sink.histograms.contains("weight/transformer.h.1.mlp.c_fc.weight"))
        #expect(sink.histograms.contains("grad/transformer.ln_f.weight"))
        #expect(sink.samples.count == 3 && sink.samples.last!.1.count > 0)
        // The checkpoint is a Hugging Face GPT-2 folder that loads back.
        let ck = URL(fileURLWithPath: summary.checkpoint!)
        for f in ["config.json", "model.safetensors", "vocab.json", "optimizer.safetensors", "trainer_state.json"] {
            #expect(FileManager.default.fileExists(atPath: ck.appendingPathComponent(f).path), "missing \(f)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: ck.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(config["model_type"] as? String == "gpt2" && config["n_embd"] as? Int == 64 && config["vocab_size"] as? Int == 65)
        let reloaded = try GPT.load(folder: ck)
        #expect(reloaded.wte.weight.scalars == trainer.model.wte.weight.scalars)
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var config = smallConfig(steps: 20)
        config.dropout = 0.1  // the dropout generator must resume too
        let full = try Trainer(config: config, runsDirectory: dir, id: "full")
        let fullSink = MemorySink(); full.sink = fullSink
        _ = try full.run()

        let first = try Trainer(config: config, runsDirectory: dir, id: "split")
        first.stopAt = 10
        let s1 = MemorySink(); first.sink = s1
        #expect(try first.run().status == "interrupted")
        let second = try Trainer(resume: dir.appendingPathComponent("split"))
        #expect(second.state.step == 10)
        let s2 = MemorySink(); second.sink = s2
        _ = try second.run()

        let reference = fullSink.scalars["train/loss"]!
        let split = s1.scalars["train/loss"]! + s2.scalars["train/loss"]!
        #expect(split.map(\.step) == Array(1...20))
        #expect(split.map(\.value) == reference.map(\.value), "resumed losses differ from the uninterrupted run")
        #expect(s2.scalars["val/loss"]!.last!.value == fullSink.scalars["val/loss"]!.last!.value)
    }

    @Test func nonFiniteGradientStopsWithTheCulpritAndKeepsTheLastGoodCheckpoint() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var config = smallConfig(steps: 30)
        config.checkpointInterval = 5
        let trainer = try Trainer(config: config, runsDirectory: dir, id: "nan")
        trainer.afterBackward = { step, task in
            if step == 7 { task.model.h[1].mlp.cFc.weight.grad!.data[3] = .nan }
        }
        let sink = MemorySink(); trainer.sink = sink
        #expect {
            _ = try trainer.run()
        } throws: { error in
            let text = "\(error)"
            return text.contains("step 7") && text.contains("transformer.h.1.mlp.c_fc.weight") && text.contains("step-000005")
        }
        #expect(sink.status == "failed")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("nan/checkpoints").path)
        #expect(checkpoints == ["step-000005"])
        // The kept checkpoint resumes.
        #expect(try Trainer(resume: dir.appendingPathComponent("nan")).state.step == 5)
    }

    @Test func overfitMonitorWarnsWhenValidationRisesAsTrainingFalls() {
        var m = OverfitMonitor()
        #expect(m.observe(step: 100, valLoss: 2.0, trainLoss: 2.1) == nil)
        #expect(m.observe(step: 200, valLoss: 1.8, trainLoss: 1.7) == nil)
        let warning = m.observe(step: 300, valLoss: 1.9, trainLoss: 1.5)
        #expect(warning?.contains("step 300") == true)
        #expect(m.streak == 1)
        _ = m.observe(step: 400, valLoss: 2.0, trainLoss: 1.3)
        #expect(m.streak == 2)
        #expect(m.observe(step: 500, valLoss: 1.7, trainLoss: 1.2) == nil)
        #expect(m.streak == 0)
    }

    @Test func earlyStoppingOnATinyCorpus() throws {
        // 3,000 characters and a wide model: it memorises the training split and validation loss climbs.
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let text = String(try String(contentsOfFile: corpusPath, encoding: .utf8).prefix(3000))
        let path = dir.appendingPathComponent("tiny.txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        var config = smallConfig(steps: 400)
        config.dataPath = path
        config.width = 128; config.learningRate = 3e-3; config.weightDecay = 0; config.schedule = "constant"
        config.evalInterval = 20; config.earlyStopPatience = 2
        let trainer = try Trainer(config: config, runsDirectory: dir)
        let sink = MemorySink(); trainer.sink = sink
        let summary = try trainer.run()
        #expect(summary.status == "stopped-early", "val: \(sink.scalars["val/loss"]!.map(\.value))")
        #expect(summary.steps < 400)
        #expect(sink.messages.contains { $0.1.contains("overfitting") })
    }

    @Test func learningRateSchedule() {
        let s = LRSchedule.warmupCosine(peak: 1e-3, warmup: 10, total: 110, minimum: 1e-4)
        #expect(abs(s.rate(at: 0) - 1e-4) < 1e-9)
        #expect(abs(s.rate(at: 9) - 1e-3) < 1e-9)
        #expect(abs(s.rate(at: 60) - 5.5e-4) < 1e-7)
        #expect(abs(s.rate(at: 110) - 1e-4) < 1e-9)
        #expect(LRSchedule.constant(3e-4).rate(at: 1000) == 3e-4)
    }
}

@Suite("Bad input gets a clear error")
struct BadInputTests {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    @Test func corpusProblems() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfig(steps: 5)
        c.dataPath = "/nonexistent/corpus.txt"
        #expect(message { _ = try Trainer(config: c, runsDirectory: dir) }.contains("no such file"))
        let empty = dir.appendingPathComponent("empty.txt").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        c.dataPath = empty
        #expect(message { _ = try Trainer(config: c, runsDirectory: dir) }.contains("is empty"))
        let short = dir.appendingPathComponent("short.txt").path
        try "to be or not to be".write(toFile: short, atomically: true, encoding: .utf8)
        c.dataPath = short
        #expect(message { _ = try Trainer(config: c, runsDirectory: dir) }.contains("block size 32 is larger than the corpus"))
        var p = TrainConfig(dataPath: corpusPath)
        #expect(message { try p.apply(preset: "xl") }.contains("unknown preset 'xl'"))
        // Nothing was left behind by the failed attempts.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["empty.txt", "short.txt"])
    }

    @Test func corruptOrForeignCheckpoints() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(config: smallConfig(steps: 2), runsDirectory: dir, id: "good")
        _ = try trainer.run()
        let run = dir.appendingPathComponent("good")
        let ck = try #require(try Checkpoint.latest(in: run))
        let fm = FileManager.default

        #expect(message { _ = try Trainer(resume: dir.appendingPathComponent("missing")) }.contains("no checkpoint to resume from"))

        // The manifest refuses each damaged file first; re-sealed (a folder whose manifest agrees with damaged
        // files, e.g. one written by a faulty copy), the readers behind it still refuse them.
        let manifestURL = ck.appendingPathComponent("manifest.json")
        let manifest = try Data(contentsOf: manifestURL)
        // Truncated weights.
        let weights = ck.appendingPathComponent("model.safetensors")
        let original = try Data(contentsOf: weights)
        try original.prefix(original.count / 2).write(to: weights)
        #expect(message { _ = try Trainer(resume: run) }.contains("model.safetensors does not match its manifest"))
        try CheckpointManifest.write(folder: ck)
        let truncated = message { _ = try Trainer(resume: run) }
        #expect(truncated.contains("model.safetensors") && truncated.contains("outside"), "\(truncated)")
        // Garbage weights.
        try Data(repeating: 0xAB, count: 64).write(to: weights)
        #expect(message { _ = try Trainer(resume: run) }.contains("model.safetensors does not match its manifest"))
        try CheckpointManifest.write(folder: ck)
        #expect(message { _ = try Trainer(resume: run) }.contains("not a safetensors file"))
        try original.write(to: weights)
        try manifest.write(to: manifestURL)

        // A corrupt trainer state.
        let state = ck.appendingPathComponent("trainer_state.json")
        let savedState = try Data(contentsOf: state)
        try Data("{\"step\": ".utf8).write(to: state)
        #expect(message { _ = try Trainer(resume: run) }.contains("trainer_state.json does not match its manifest"))
        try CheckpointManifest.write(folder: ck)
        #expect(message { _ = try Trainer(resume: run) }.contains("not a Glassbox trainer state"))
        try savedState.write(to: state)
        try manifest.write(to: manifestURL)

        // A foreign folder: a Hugging Face model without trainer state.
        let foreign = dir.appendingPathComponent("foreign/checkpoints/step-000001")
        try fm.createDirectory(at: foreign, withIntermediateDirectories: true)
        try fm.copyItem(at: ck.appendingPathComponent("config.json"), to: foreign.appendingPathComponent("config.json"))
        #expect(message { _ = try Trainer(resume: dir.appendingPathComponent("foreign")) }.contains("is not a Glassbox training checkpoint"))

        // The intact checkpoint still resumes.
        #expect(try Trainer(resume: run).state.step == 2)
    }

    /// Old checkpoints are pruned (never the newest, never one marked KEEP); a corrupt newest checkpoint is skipped
    /// on resume for the previous good one, which continues exactly; stray temporary folders are removed.
    @Test func pruningAndFallingBackToTheLastGoodCheckpoint() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var config = smallConfig(steps: 30)
        config.checkpointInterval = 5
        let trainer = try Trainer(config: config, runsDirectory: dir, id: "p")
        trainer.keepCheckpoints = 2
        let run = dir.appendingPathComponent("p")
        trainer.onStep = { r in
            if r.step == 10 {
                _ = FileManager.default.createFile(atPath: run.appendingPathComponent("checkpoints/step-000010/KEEP").path, contents: Data())
            }
        }
        let sink = MemorySink(); trainer.sink = sink
        _ = try trainer.run()
        #expect(try Checkpoint.all(in: run).map(\.lastPathComponent) == ["step-000010", "step-000025", "step-000030"])

        // The newest checkpoint's state is corrupt (a negative step) and a killed writer left a temporary folder.
        let newest = run.appendingPathComponent("checkpoints/step-000030/trainer_state.json")
        let text = try String(contentsOf: newest, encoding: .utf8)
        try text.replacingOccurrences(of: "\"step\" : 30", with: "\"step\" : -1").write(to: newest, atomically: true, encoding: .utf8)
        // Re-sealed, so that the state's own validation (not the manifest) is what refuses it.
        try CheckpointManifest.write(folder: newest.deletingLastPathComponent())
        let stray = run.appendingPathComponent("checkpoints/.tmp-step-000031-4242")
        try FileManager.default.createDirectory(at: stray, withIntermediateDirectories: true)

        let resumed = try Trainer(resume: run)
        #expect(resumed.state.step == 25)
        #expect(resumed.notes.contains { $0.contains("skipped step-000030") && $0.contains("step -1") }, "\(resumed.notes)")
        #expect(resumed.notes.contains { $0.contains("resuming from step-000025") })
        #expect(!FileManager.default.fileExists(atPath: stray.path))
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/.unreadable-step-000030").path))
        let again = MemorySink(); resumed.sink = again
        _ = try resumed.run()
        let reference = sink.scalars["train/loss"]!.filter { $0.step > 25 }.map(\.value)
        #expect(again.scalars["train/loss"]!.map(\.value) == reference, "the resumed steps differ from the original ones")

        // An empty generator state is refused with its name, not a trap.
        let state25 = run.appendingPathComponent("checkpoints/step-000030/trainer_state.json")
        let good = try String(contentsOf: state25, encoding: .utf8)
        var emptied = good
        if let start = good.range(of: "\"dataRNG\""), let open = good.range(of: "[", range: start.upperBound..<good.endIndex),
           let close = good.range(of: "]", range: open.upperBound..<good.endIndex) {
            emptied.replaceSubrange(open.lowerBound..<close.upperBound, with: "[]")
        }
        #expect(emptied != good)
        try emptied.write(to: state25, atomically: true, encoding: .utf8)
        try CheckpointManifest.write(folder: state25.deletingLastPathComponent())
        #expect(message { _ = try Checkpoint.read(run.appendingPathComponent("checkpoints/step-000030")) }.contains("dataRNG"))
    }

    @Test func invalidSettings() {
        var c = smallConfig(steps: 5)
        c.heads = 3
        #expect(message { try c.validate() }.contains("not divisible by 3 heads"))
        c = smallConfig(steps: 0)
        #expect(message { try c.validate() }.contains("--steps must be positive"))
    }
}
