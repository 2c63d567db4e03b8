import Foundation
import ModelFormats
import NeuralNet
import TensorCore
import Tokenization

/// Trains a GPT on a text corpus, recording the run (scalars, histograms, samples, checkpoints) to a sink.
///
/// One step: sample a batch, forward, loss, backward, clip the global gradient norm, AdamW update.
/// All randomness comes from seeded generators saved in checkpoints, so a resumed run continues exactly.
public final class Trainer {
    public let id: String
    public let runDirectory: URL
    public private(set) var config: TrainConfig
    public let dataset: TextDataset
    public let model: GPT
    public let optimizer: Adam
    public private(set) var state: TrainerState
    public var sink: TrainingSink?
    /// Called after every step.
    public var onStep: ((StepReport) -> Void)?
    /// Called for warnings (e.g. overfitting).
    public var onMessage: ((String) -> Void)?
    /// Called with each text sample (step, text).
    public var onSample: ((Int, String) -> Void)?
    /// Checked after every step: return true to stop (and checkpoint), as on Ctrl-C.
    public var shouldStop: () -> Bool = { false }
    /// Called after each checkpoint is written (step, model): e.g. to record probe prompts' read-outs.
    public var onCheckpoint: ((Int, GPT) -> Void)?
    /// For tests: runs between backward and the optimizer step.
    public var afterBackward: ((Int, GPT) -> Void)?
    /// What resuming had to do (skipped unreadable checkpoints, removed temporary folders), for the user.
    public private(set) var notes: [String] = []
    /// Keep this many newest checkpoints (0: all); the newest (the last good one) and those holding a `KEEP` file
    /// are never removed.
    public var keepCheckpoints = 0
    /// Stop after this step as if interrupted (the schedule still spans `config.steps`).
    public var stopAt: Int?
    /// The machine's peak FLOP/s for the threads in use: when set, `train/mfu` (model-FLOPs utilisation) is
    /// recorded with the other scalars.
    public var peakFlops: Double?

    private let valBatches: [(inputs: [Int32], targets: [Int32])]
    private var lastCheckpoint: URL?

    /// A new run in `runsDirectory/<id>`.
    public init(config: TrainConfig, runsDirectory: URL, id: String? = nil) throws {
        try config.validate()
        let dataset = try TextDataset(path: config.dataPath, tokenizer: config.tokenizer)
        try dataset.check(block: config.block)
        let modelConfig = config.modelConfig(vocabSize: dataset.vocabulary.size)
        try modelConfig.validate()
        let runID = id ?? Trainer.newRunID()
        self.id = runID
        self.runDirectory = runsDirectory.appendingPathComponent(runID)
        self.config = config
        self.dataset = dataset
        self.model = GPT(modelConfig, seed: config.seed)
        self.optimizer = Trainer.makeOptimizer(model, config)
        self.state = TrainerState(run: runID, step: 0, config: config, dataRNG: RandomGenerator(seed: config.seed &+ 1),
                                  dropoutRNG: RandomGenerator(seed: config.seed &+ 2), tokensSeen: 0,
                                  overfit: OverfitMonitor())
        self.valBatches = Trainer.validationBatches(dataset, config)
    }

    /// Continues the run in `runDirectory` from its newest checkpoint that reads back whole, up to `steps`
    /// (default: the run's own). Newer checkpoints that do not read (a disk that filled, a hand edit) are skipped,
    /// and `notes` says so; temporary folders left by a killed writer are removed.
    public init(resume runDirectory: URL, steps: Int? = nil) throws {
        let folders = Checkpoint.all(in: runDirectory)
        guard !folders.isEmpty else {
            throw TrainingError("\(runDirectory.path): no checkpoint to resume from (expected \(runDirectory.path)/checkpoints/step-NNNNNN)")
        }
        var notes: [String] = Checkpoint.removeStrayTemporaries(in: runDirectory).map { "removed the unfinished checkpoint folder \($0)" }
        var found: (URL, (model: GPT, vocabulary: Vocabulary, optimizerStep: Int, optimizerTensors: [String: [Float]], state: TrainerState))?
        var firstError: Error?
        var skipped: [(URL, Error)] = []
        for folder in folders.reversed() {
            do {
                found = (folder, try Checkpoint.read(folder))
                break
            } catch {
                firstError = firstError ?? error
                skipped.append((folder, error))
            }
        }
        guard let (folder, ck) = found else { throw firstError ?? TrainingError("\(runDirectory.path): no readable checkpoint") }
        // Unreadable newer checkpoints are set aside, not deleted (the user may want them), out of the way of later
        // resumes and of pruning.
        for (bad, error) in skipped {
            let aside = bad.deletingLastPathComponent().appendingPathComponent(".unreadable-\(bad.lastPathComponent)")
            let moved = (try? FileManager.default.moveItem(at: bad, to: aside)) != nil
            notes.append("skipped \(bad.lastPathComponent): \(error)" + (moved ? " (kept as \(aside.lastPathComponent))" : ""))
        }
        if folder != folders.last { notes.append("resuming from \(folder.lastPathComponent), the newest checkpoint that reads back whole") }
        self.notes = notes
        var config = ck.state.config
        if let steps { config.steps = steps }
        try config.validate()
        guard ck.model.config == config.modelConfig(vocabSize: ck.vocabulary.size) else {
            throw TrainingError("\(folder.path): config.json does not match the run's settings in trainer_state.json")
        }
        let dataset = try TextDataset(path: config.dataPath, tokenizer: config.tokenizer, vocabulary: ck.vocabulary)
        try dataset.check(block: config.block)
        self.id = ck.state.run
        self.runDirectory = runDirectory
        self.config = config
        self.dataset = dataset
        self.model = ck.model
        self.optimizer = Trainer.makeOptimizer(ck.model, config)
        do { try optimizer.loadStateDict(step: ck.optimizerStep, tensors: ck.optimizerTensors) } catch {
            throw TrainingError("\(folder.path)/optimizer.safetensors: \(error)")
        }
        self.state = ck.state
        self.state.config = config
        self.valBatches = Trainer.validationBatches(dataset, config)
        self.lastCheckpoint = folder
    }

    static func makeOptimizer(_ model: GPT, _ c: TrainConfig) -> Adam {
        Adam.adamW(model.namedParameters(), lr: c.learningRate, beta1: c.beta1, beta2: c.beta2, eps: 1e-8,
                   weightDecay: c.weightDecay, decay: .matricesOnly)
    }

    /// The same validation batches at every evaluation, so the curve compares like with like.
    static func validationBatches(_ d: TextDataset, _ c: TrainConfig) -> [(inputs: [Int32], targets: [Int32])] {
        var rng = RandomGenerator(seed: c.seed &+ 0x5EED)
        return (0..<c.evalBatches).map { _ in d.batch(from: d.validation, batch: c.batch, block: c.block, rng: &rng) }
    }

    public static func newRunID() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return "\(f.string(from: Date()))-\(String(format: "%04x", UInt16.random(in: 0...UInt16.max)))"
    }

    /// Mean loss over the fixed validation batches (no graph recorded).
    public func validationLoss() -> Double {
        GradMode.withoutGradients {
            var total = 0.0
            for b in valBatches {
                let logits = model.forward(b.inputs, batch: config.batch, time: config.block)
                total += Double(model.loss(logits: logits, targets: b.targets).item)
            }
            return total / Double(valBatches.count)
        }
    }

    /// A text sample from the model (fixed seed per step, so it does not disturb training randomness).
    public func sampleText(length: Int? = nil) -> String {
        var rng = RandomGenerator(seed: config.seed &+ UInt64(state.step) &* 7919)
        let prompt = (try? dataset.vocabulary.encode("\n")) ?? [0]
        let ids = model.sample(prompt: prompt, count: length ?? config.sampleLength, temperature: 0.8, topK: 0, rng: &rng)
        return dataset.vocabulary.decode(ids)
    }

    /// Runs until `config.steps` (or `stopAt`, or `shouldStop`). Throws on non-finite loss or gradients, keeping
    /// the last good checkpoint.
    public func run() throws -> TrainSummary {
        let resumedAt = state.step > 0 ? state.step : nil
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        try sink?.runStarted(id: id, name: config.name ?? id, config: config,
                             parameterCount: model.parameterCount, resumedAt: resumedAt)
        // A resumed run records the checkpoint it starts from again (a kill may have come before its record).
        if resumedAt != nil, let folder = lastCheckpoint { sink?.checkpoint(step: state.step, path: folder.path) }
        let params = model.namedParameters()
        let tokensPerStep = config.batch * config.block
        let start = Date()
        var intervalStart = Date(), intervalTokens = 0
        var tokensPerSecond = 0.0
        var lastLoss = state.lastTrainLoss ?? .nan
        var status = "finished"
        defer { try? sink?.flush() }

        while state.step < config.steps {
            let step = state.step + 1
            let lr = config.lrSchedule.rate(at: step - 1)
            optimizer.learningRate = lr
            let batch = dataset.batch(from: dataset.train, batch: config.batch, block: config.block, rng: &state.dataRNG)
            model.zeroGrad()
            let logits = config.dropout > 0
                ? model.forward(batch.inputs, batch: config.batch, time: config.block, dropoutRNG: &state.dropoutRNG)
                : model.forward(batch.inputs, batch: config.batch, time: config.block)
            let lossTensor = model.loss(logits: logits, targets: batch.targets)
            lossTensor.backward()
            afterBackward?(step, model)
            let loss = Double(lossTensor.item)
            let gradNorm = globalGradNorm(params.map(\.1))
            if !loss.isFinite || !gradNorm.isFinite {
                try failNonFinite(step: step, loss: loss, params: params)
            }
            let logged = step % config.logInterval == 0 || step == config.steps
            let histograms = step % config.sampleInterval == 0
            if histograms { recordHistograms(step: step, params: params, gradients: true) }
            let before: [[Float]]? = logged ? params.map { $0.1.scalars } : nil
            clipGradNorm(params.map(\.1), maxNorm: config.gradClip)
            optimizer.step()
            state.step = step
            state.tokensSeen += tokensPerStep
            lastLoss = loss
            state.lossesSinceEval.append(loss)
            intervalTokens += tokensPerStep

            var valLoss: Double?
            if logged {
                let now = Date()
                tokensPerSecond = Double(intervalTokens) / now.timeIntervalSince(intervalStart)
                var values: [(tag: String, value: Double)] = [
                    ("train/loss", loss), ("train/lr", Double(lr)), ("train/grad_norm", Double(gradNorm)),
                    ("train/tokens_per_s", tokensPerSecond),
                ]
                if let peak = peakFlops, peak > 0 {
                    let flops = model.config.trainingFlopsPerToken(parameterCount: model.parameterCount, context: config.block)
                    values.append(("train/mfu", flops * tokensPerSecond / peak))
                }
                for (i, (name, p)) in params.enumerated() {
                    let g = p.grad.map { Double(simdDot($0.data, $0.data, $0.count)).squareRoot() } ?? 0
                    values.append(("grad_norm/\(name)", g))
                    if let before {
                        var du = 0.0, w = 0.0
                        let cur = p.data
                        for j in 0..<p.count {
                            let d = Double(cur[j] - before[i][j]); du += d * d
                            w += Double(before[i][j]) * Double(before[i][j])
                        }
                        values.append(("update_ratio/\(name)", w > 0 ? (du / w).squareRoot() : 0))
                    }
                }
                sink?.scalars(step: step, wallTime: now.timeIntervalSince1970, values)
            }
            if step % config.evalInterval == 0 || step == config.steps {
                let v = validationLoss()
                valLoss = v
                sink?.scalars(step: step, wallTime: Date().timeIntervalSince1970, [("val/loss", v)])
                let trainMean = state.lossesSinceEval.reduce(0, +) / Double(max(state.lossesSinceEval.count, 1))
                state.lossesSinceEval.removeAll()
                if checkOverfitting(step: step, valLoss: v, trainLoss: trainMean) { status = "stopped-early" }
                state.lastValLoss = v
                state.bestValLoss = min(state.bestValLoss ?? v, v)
            }
            if histograms {
                recordHistograms(step: step, params: params, gradients: false)
                let text = sampleText()
                sink?.sample(step: step, text: text)
                onSample?(step, text)
            }
            state.lastTrainLoss = loss

            let stopping = status == "stopped-early" || stopAt == step || shouldStop()
            if step % config.checkpointInterval == 0 || step == config.steps || stopping {
                // What was recorded up to this step reaches the store before the checkpoint: a resume starts after
                // the checkpoint, so a record that reached the checkpoint but not the store (a kill between the
                // two) would be lost for good.
                try? sink?.flush()
                if let failure = sink?.failure { try failRecording(step: step, failure) }
                do { try saveCheckpoint() } catch { try failCheckpoint(step: step, error) }
                onCheckpoint?(step, model)
            }
            if let failure = sink?.failure { try failRecording(step: step, failure) }
            // Evaluation, sampling and checkpoints stay out of the next interval's tokens/s.
            if logged { intervalStart = Date(); intervalTokens = 0 }
            onStep?(StepReport(step: step, totalSteps: config.steps, loss: loss, valLoss: valLoss, learningRate: Double(lr),
                               gradNorm: Double(gradNorm), tokensPerSecond: tokensPerSecond,
                               elapsedSeconds: Date().timeIntervalSince(start), logged: logged))
            if stopping {
                if status != "stopped-early" { status = "interrupted" }
                break
            }
        }
        sink?.runEnded(status: status, step: state.step)
        try sink?.flush()
        return TrainSummary(run: id, steps: state.step, finalTrainLoss: lastLoss, finalValLoss: state.lastValLoss,
                            checkpoint: lastCheckpoint?.path, status: status)
    }

    /// Writes `checkpoints/step-NNNNNN` and records it.
    public func saveCheckpoint() throws {
        let folder = runDirectory.appendingPathComponent("checkpoints").appendingPathComponent(Checkpoint.folderName(step: state.step))
        try Checkpoint.write(to: folder, model: model, vocabulary: dataset.vocabulary, optimizer: optimizer, state: state)
        lastCheckpoint = folder
        sink?.checkpoint(step: state.step, path: folder.path)
        Checkpoint.prune(in: runDirectory, keep: keepCheckpoints, protected: folder)
    }

    /// Warns when validation loss rose while training loss fell since the last evaluation; returns whether to stop.
    private func checkOverfitting(step: Int, valLoss: Double, trainLoss: Double) -> Bool {
        guard let warning = state.overfit.observe(step: step, valLoss: valLoss, trainLoss: trainLoss) else { return false }
        sink?.message(step: step, level: "warning", text: warning)
        onMessage?(warning)
        guard config.earlyStopPatience > 0 && state.overfit.streak >= config.earlyStopPatience else { return false }
        let stop = "stopping early after \(state.overfit.streak) evaluations of rising validation loss"
        sink?.message(step: step, level: "warning", text: stop)
        onMessage?(stop)
        return true
    }

    private func recordHistograms(step: Int, params: [(String, Tensor)], gradients: Bool) {
        for (name, p) in params {
            if gradients {
                guard let g = p.grad else { continue }
                sink?.histogram(step: step, tag: "grad/\(name)", Histogram(UnsafeBufferPointer(start: g.data, count: g.count)))
            } else {
                sink?.histogram(step: step, tag: "weight/\(name)", Histogram(UnsafeBufferPointer(start: p.data, count: p.count)))
            }
        }
    }

    /// The run store could not be written: checkpoint (training is not lost), mark the run failed as far as the
    /// store allows, and stop with the store's error.
    private func failRecording(step: Int, _ failure: Error) throws -> Never {
        // The status first (small, and what the store's reserved space is for), then a checkpoint if the disk
        // still has room for one.
        sink?.runEnded(status: "failed", step: state.step)
        try? sink?.flush()
        if lastCheckpoint?.lastPathComponent != Checkpoint.folderName(step: state.step) { try? saveCheckpoint() }
        let kept = lastCheckpoint.map { "; the last checkpoint is \($0.path)" } ?? "; no checkpoint could be written"
        throw TrainingError("stopped at step \(step): \(failure)\(kept)")
    }

    /// A checkpoint could not be written (e.g. a full disk): its temporary folder is gone, the previous checkpoint
    /// stays; record why, mark the run failed and stop.
    private func failCheckpoint(step: Int, _ error: Error) throws -> Never {
        let kept = lastCheckpoint.map { "; the last good checkpoint is \($0.path)" } ?? "; no checkpoint was written yet"
        // The store may have failed on the same full disk: then it is named first.
        let store = sink?.failure.map { "\($0); and " } ?? ""
        try stopFailed(step: step, "stopped at step \(step): \(store)\(error)\(kept)")
    }

    /// A failure ends the same way: the reason recorded, the run marked failed, what is queued written as far as
    /// possible, and the training stopped with the reason.
    private func stopFailed(step: Int, _ text: String) throws -> Never {
        sink?.message(step: step, level: "error", text: text)
        sink?.runEnded(status: "failed", step: state.step)
        try? sink?.flush()
        throw TrainingError(text)
    }

    private func failNonFinite(step: Int, loss: Double, params: [(String, Tensor)]) throws -> Never {
        let culprit = params.first { _, p in
            guard let g = p.grad else { return false }
            return UnsafeBufferPointer(start: g.data, count: g.count).contains { !$0.isFinite }
        }?.0
        var text = "step \(step): " + (loss.isFinite ? "gradients are not finite" : "loss is \(loss)")
        if let culprit { text += "; first parameter with a non-finite gradient: \(culprit)" }
        text += lastCheckpoint.map { "; the last good checkpoint is \($0.path)" } ?? "; no checkpoint was written yet"
        text += " (try a lower --lr or --clip)"
        try stopFailed(step: step, text)
    }
}
