import Foundation
import ModelFormats
import NeuralNet
import TensorCore

/// The settings of a run that the trainer itself reads, whatever it trains: part of every kind's config.
package protocol RunConfig: Codable, Sendable, Equatable {
    /// What is trained: "gpt", "mlp", ... (the studio picks its views by it).
    var kind: String { get }
    /// A name the user gave the run, shown beside its id.
    var name: String? { get }
    var steps: Int { get set }
    var seed: UInt64 { get }
    var lrSchedule: LRSchedule { get }
    /// Clip the global gradient norm to this (0: off).
    var gradClip: Float { get }
    var logInterval: Int { get }
    var evalInterval: Int { get }
    /// Histograms (and the task's samples) every `sampleInterval` steps.
    var sampleInterval: Int { get }
    var checkpointInterval: Int { get }
    /// Stop when validation loss has risen at this many evaluations in a row while training loss fell (0: never).
    var earlyStopPatience: Int { get }
    func validate() throws
}

/// A model with its data, as the trainer sees it: one per kind of run (a GPT on a text file, an MLP on a table,
/// ...). The trainer owns the loop (schedule, clipping, recording, checkpoints, exact resume, NaN handling,
/// overfitting warning and early stop); the task owns what is particular to its model and data.
package protocol TrainingTask: AnyObject {
    associatedtype Config: RunConfig
    associatedtype Batch
    /// The trainable parameters, named as in checkpoints.
    var parameters: [(String, Tensor)] { get }
    var optimizer: any Optimizer { get }
    /// What one step trains on (tokens for a language model, examples otherwise), for rates and summaries.
    var itemsPerStep: Int { get }
    /// "tokens" or "examples": how the rates are labelled (`train/tokens_per_s`).
    var itemName: String { get }
    /// A training batch drawn with `rng` (the run's data generator, saved in checkpoints).
    func batch(rng: inout RandomGenerator) -> Batch
    /// The loss on a batch, with the graph recorded; `dropout` is the run's dropout generator.
    func loss(_ batch: Batch, dropout: inout RandomGenerator) -> Tensor
    /// Mean loss on the fixed validation set (no graph recorded).
    func validationLoss() -> Double
    /// Further scalars at each evaluation (e.g. `val/accuracy`).
    func evaluationScalars() -> [(tag: String, value: Double)]
    /// Scalars recorded at step 0 when a new run starts (e.g. a fine-tuned model's base validation loss).
    func initialScalars() -> [(tag: String, value: Double)]
    /// Forward-and-backward FLOPs per item, for model-FLOPs utilisation (nil: not recorded).
    var flopsPerItem: Double? { get }
    /// A text sample at each sample interval (nil: none).
    func sampleText(step: Int) -> String?
    /// Figures recorded at each checkpoint, as (name, JSON document): e.g. an MLP's decision boundary. A figure
    /// that cannot be built throws; the run records a warning and goes on.
    func figures(step: Int) throws -> [(name: String, document: String)]
    /// Writes the model's own files (weights, config, vocabulary) into a checkpoint folder being made.
    func writeModel(to folder: URL) throws
    /// Data-parallel training: part `part` of `parts` of a batch (what one rank trains on), and its weight, the
    /// number of terms its mean loss averages (a batch's loss is the weighted mean of its parts').
    func shard(_ batch: Batch, part: Int, of parts: Int) -> (batch: Batch, weight: Double)
}

extension TrainingTask {
    package var itemName: String { "examples" }
    package func evaluationScalars() -> [(tag: String, value: Double)] { [] }
    package func initialScalars() -> [(tag: String, value: Double)] { [] }
    package var flopsPerItem: Double? { nil }
    package func sampleText(step: Int) -> String? { nil }
    package func figures(step: Int) throws -> [(name: String, document: String)] { [] }
}

/// Everything besides the weights that a resumed run needs to continue exactly (`trainer_state.json`).
package struct RunState<Config: RunConfig>: Codable, Sendable {
    package var format = "glassbox-trainer-state-1"
    package var run: String
    package var step: Int
    package var config: Config
    package var dataRNG: RandomGenerator
    package var dropoutRNG: RandomGenerator
    /// Items (tokens, examples) consumed so far.
    package var tokensSeen: Int
    package var lastTrainLoss: Double?
    package var lastValLoss: Double?
    package var bestValLoss: Double?
    package var overfit: OverfitMonitor
    /// Training losses since the last evaluation (their mean is compared at the next one).
    package var lossesSinceEval: [Double] = []
    /// The step up to which every record of the run had committed to the run store when this checkpoint was written
    /// (the checkpoint waits for them): a resume checks that the store still has them. Nil with no store, and in
    /// checkpoints from before it was kept.
    package var recordedThrough: Int?

    package init(run: String, step: Int, config: Config, dataRNG: RandomGenerator, dropoutRNG: RandomGenerator,
                tokensSeen: Int, overfit: OverfitMonitor) {
        self.run = run; self.step = step; self.config = config; self.dataRNG = dataRNG; self.dropoutRNG = dropoutRNG
        self.tokensSeen = tokensSeen; self.overfit = overfit
    }

    /// A new run's state: the generators seeded from the config's seed.
    package init(run: String, config: Config) {
        self.init(run: run, step: 0, config: config, dataRNG: RandomGenerator(seed: config.seed &+ 1),
                  dropoutRNG: RandomGenerator(seed: config.seed &+ 2), tokensSeen: 0, overfit: OverfitMonitor())
    }

    /// Reads and validates a `trainer_state.json` (untrusted: a hand edit or a disk error must give an error
    /// naming `source` and the field, never a trap later).
    package static func decode(_ data: Data, source: String) throws -> RunState {
        func check(_ ok: Bool, _ problem: String) throws { if !ok { throw TrainingError("\(source): \(problem)") } }
        try check(data.count <= 64 << 20, "\(data.count) bytes is too large for a trainer state")
        let state: RunState
        do { state = try JSONDecoder().decode(RunState.self, from: data) } catch {
            throw TrainingError("\(source): not a Glassbox trainer state (\(String(describing: error).prefix(300)))")
        }
        try check(state.format == "glassbox-trainer-state-1", "unknown format '\(state.format.prefix(64))'")
        try check(state.step >= 0 && state.step <= 1 << 40, "step \(state.step) is not a valid step")
        try check(state.tokensSeen >= 0, "tokensSeen \(state.tokensSeen) is negative")
        for (name, g) in [("dataRNG", state.dataRNG), ("dropoutRNG", state.dropoutRNG)] {
            try check(g.state.count == 4 && g.state.contains { $0 != 0 }, "\(name) is not a generator state (4 words, not all zero)")
        }
        try check(state.lossesSinceEval.count <= 1 << 24 && state.lossesSinceEval.allSatisfy(\.isFinite), "lossesSinceEval holds a non-finite value")
        for (name, v) in [("lastTrainLoss", state.lastTrainLoss), ("lastValLoss", state.lastValLoss), ("bestValLoss", state.bestValLoss)] {
            if let v { try check(!v.isNaN, "\(name) is NaN") }
        }
        try check((0...(1 << 40)).contains(state.overfit.streak), "overfit.streak \(state.overfit.streak) is out of range")
        try check(state.run.count <= 200 && !state.run.contains("/") && !state.run.hasPrefix("."), "run id '\(state.run.prefix(64))' is not a run id")
        do { try state.config.validate() } catch { throw TrainingError("\(source): \(error)") }
        return state
    }
}

/// One training run of any task: the loop, its record and its checkpoints.
///
/// One step: draw a batch, loss, backward, clip the global gradient norm, optimizer update. All randomness comes
/// from seeded generators saved in checkpoints, so a resumed run continues exactly.
package final class TrainingRun<Task: TrainingTask> {
    package let id: String
    package let runDirectory: URL
    package let task: Task
    package internal(set) var state: RunState<Task.Config>
    package var config: Task.Config { state.config }
    package var sink: TrainingSink?
    /// Called after every step.
    package var onStep: ((StepReport) -> Void)?
    /// Called for warnings (e.g. overfitting).
    package var onMessage: ((String) -> Void)?
    /// Called with each text sample (step, text).
    package var onSample: ((Int, String) -> Void)?
    /// Checked after every step: return true to stop (and checkpoint), as on Ctrl-C.
    package var shouldStop: () -> Bool = { false }
    /// Called after each checkpoint is written (step, task): e.g. to record probe prompts' read-outs.
    package var onCheckpoint: ((Int, Task) -> Void)?
    /// For tests: runs between backward and the optimizer step.
    package var afterBackward: ((Int, Task) -> Void)?
    /// What resuming had to do (skipped unreadable checkpoints, removed temporary folders), for the user.
    package internal(set) var notes: [String] = []
    /// Keep this many newest checkpoints (0: all); the newest (the last good one) and those holding a `KEEP` file
    /// are never removed.
    package var keepCheckpoints = 0
    /// Stop after this step as if interrupted (the schedule still spans `config.steps`).
    package var stopAt: Int?
    /// The machine's peak FLOP/s for the threads in use: when set (and the task counts its FLOPs), `train/mfu`
    /// (model-FLOPs utilisation) is recorded with the other scalars.
    package var peakFlops: Double?
    /// The checkpoint written last (or resumed from).
    package internal(set) var lastCheckpoint: URL?
    /// Data-parallel training across processes (nil: this process alone). Every rank draws the same global batch
    /// from the same data generator and trains on its part; the gradients are summed across ranks before the
    /// update, so parameters and optimizer state stay equal on every rank and the data order does not depend on the
    /// number of ranks (a run resumes exactly on another number). Rank 0 alone evaluates, records and writes
    /// checkpoints (give the others no sink).
    package var collective: Collective?
    /// With `collective`: compare the ranks' checksums of parameters and optimizer state every this many steps (and
    /// at each checkpoint).
    package var checksumInterval = 50

    /// A new run (or, with `state` and `lastCheckpoint`, a resumed one) in `runDirectory`.
    package init(task: Task, state: RunState<Task.Config>, runDirectory: URL, lastCheckpoint: URL? = nil, notes: [String] = []) {
        self.id = state.run
        self.task = task
        self.state = state
        self.runDirectory = runDirectory
        self.lastCheckpoint = lastCheckpoint
        self.notes = notes
    }

    package var parameterCount: Int { task.parameters.reduce(0) { $0 + $1.1.count } }

    package static func newRunID() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return "\(f.string(from: Date()))-\(String(format: "%04x", UInt16.random(in: 0...UInt16.max)))"
    }

    /// The newest checkpoint of `runDirectory` that `read` accepts, after removing temporary folders left by a
    /// killed writer; newer ones it rejects are set aside (`.unreadable-step-NNNNNN`) and named in the notes.
    package static func newestReadable<T>(in runDirectory: URL, _ read: (URL) throws -> T) throws -> (folder: URL, value: T, notes: [String]) {
        let folders = try Checkpoint.all(in: runDirectory)
        guard !folders.isEmpty else {
            throw TrainingError("\(runDirectory.path): no checkpoint to resume from (expected \(runDirectory.path)/checkpoints/step-NNNNNN)")
        }
        var notes: [String] = Checkpoint.removeStrayTemporaries(in: runDirectory)
        var found: (URL, T)?
        var firstError: Error?
        var skipped: [(URL, Error)] = []
        for folder in folders.reversed() {
            do {
                found = (folder, try read(folder))
                break
            } catch {
                firstError = firstError ?? error
                skipped.append((folder, error))
            }
        }
        guard let (folder, value) = found else { throw firstError ?? TrainingError("\(runDirectory.path): no readable checkpoint") }
        // Unreadable newer checkpoints are set aside, not deleted (the user may want them), out of the way of later
        // resumes and of pruning.
        for (bad, error) in skipped {
            let aside = bad.deletingLastPathComponent().appendingPathComponent(".unreadable-\(bad.lastPathComponent)")
            let kept: String
            do {
                try FileManager.default.moveItem(at: bad, to: aside)
                kept = " (kept as \(aside.lastPathComponent))"
            } catch {
                kept = " (could not set it aside as \(aside.lastPathComponent): \(error.localizedDescription))"
            }
            notes.append("skipped \(bad.lastPathComponent): \(error)" + kept)
        }
        if folder != folders.last { notes.append("resuming from \(folder.lastPathComponent), the newest checkpoint that reads back whole") }
        return (folder, value, notes)
    }

    /// Runs until `config.steps` (or `stopAt`, or `shouldStop`). Throws on non-finite loss or gradients, keeping
    /// the last good checkpoint.
    package func run() throws -> TrainSummary {
        let resumedAt = state.step > 0 ? state.step : nil
        // Ranks that cannot train together stop before anything is recorded.
        if let c = collective { try startTogether(c, params: task.parameters) }
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        var record = try RunStart(id: id, config: config, parameterCount: parameterCount, resumedAt: resumedAt)
        record.ranks = collective?.size ?? 1
        record.recordedThrough = resumedAt == nil ? nil : state.recordedThrough
        try sink?.runStarted(record)
        // A resumed run records the checkpoint it starts from again, and what is read out at a checkpoint (probes,
        // which replace their earlier copy): these rows come after the checkpoint is written, so a kill or a store
        // outage may have kept them from the store.
        if resumedAt != nil, let folder = lastCheckpoint, collective?.isLeader ?? true {
            sink?.checkpoint(step: state.step, path: folder.path)
            onCheckpoint?(state.step, task)
        }
        if resumedAt == nil {
            let initial = collective?.isLeader ?? true ? task.initialScalars() : []
            if !initial.isEmpty { sink?.scalars(step: 0, wallTime: Date().timeIntervalSince1970, initial) }
        }
        let params = task.parameters
        let optimizer = task.optimizer
        let itemsPerStep = task.itemsPerStep
        let rateTag = "train/\(task.itemName)_per_s"
        let start = Date()
        var intervalStart = Date(), intervalItems = 0
        var itemsPerSecond = 0.0
        var lastLoss = state.lastTrainLoss ?? .nan
        var status = "finished"
        // On the way out of a thrown error only (the normal end flushes with `try` below): that error is the one
        // reported, and a failing store has already said so through `sink.failure`.
        defer { try? sink?.flush() }
        let leader = collective?.isLeader ?? true
        let sync = collective.map { _ in GradientSync(parameters: params.map(\.1)) }
        // Per rank: seconds of forward and backward since the last log; this rank's seconds in the all-reduce.
        var intervalCompute = [Double](repeating: 0, count: collective?.size ?? 1), intervalReduce = 0.0

        while state.step < config.steps {
            let step = state.step + 1
            let lr = config.lrSchedule.rate(at: step - 1)
            optimizer.learningRate = lr
            let batch = task.batch(rng: &state.dataRNG)
            for (_, p) in params { p.grad = nil }
            let loss: Double
            var stopRequested = false
            if let c = collective, let sync {
                // This rank's part of the global batch; its gradients weighted by its share of the loss's terms and
                // summed across ranks are the whole batch's.
                let computeStart = Date()
                let (part, weight) = task.shard(batch, part: c.rank, of: c.size)
                let total = task.shard(batch, part: 0, of: 1).weight
                let share = total > 0 ? weight / total : 0
                // Dropout masks of its own on each rank (the same stream would repeat one rank's masks on the
                // other's rows); the saved generator moves on alike everywhere.
                var dropout = RandomGenerator(seed: state.dropoutRNG.next() &+ UInt64(c.rank) &* 0x9E37_79B9_7F4A_7C15)
                let lossTensor = task.loss(part, dropout: &dropout)
                lossTensor.backward()
                afterBackward?(step, task)
                let computed = Date()
                let all: [[Double]]
                do {
                    try sync.reduce(over: c, scale: Float(share))
                    intervalReduce += Date().timeIntervalSince(computed)
                    // One small all-gather: the loss's parts, whether any rank was asked to stop, compute times.
                    all = try c.gather([Double(lossTensor.item) * share, shouldStop() ? 1 : 0, computed.timeIntervalSince(computeStart)])
                } catch {
                    try stopFailed(step: step, "step \(step): \(error) (another rank of the \(c.size) stopped?)"
                                   + (lastCheckpoint.map { "; the last good checkpoint is \($0.path)" } ?? "; no checkpoint was written yet"))
                }
                loss = all.reduce(0) { $0 + $1[0] }
                stopRequested = all.contains { $0[1] != 0 }
                for r in all.indices { intervalCompute[r] += all[r][2] }
            } else {
                let lossTensor = task.loss(batch, dropout: &state.dropoutRNG)
                lossTensor.backward()
                afterBackward?(step, task)
                loss = Double(lossTensor.item)
            }
            let gradNorm = globalGradNorm(params.map(\.1))
            if !loss.isFinite || !gradNorm.isFinite {
                try failNonFinite(step: step, loss: loss, params: params)
            }
            let logged = step % config.logInterval == 0 || step == config.steps
            let histograms = leader && step % config.sampleInterval == 0
            if histograms { recordHistograms(step: step, params: params, gradients: true) }
            let before: [[Float]]? = logged && leader ? params.map { $0.1.scalars } : nil
            clipGradNorm(params.map(\.1), maxNorm: config.gradClip)
            optimizer.step()
            state.step = step
            state.tokensSeen += itemsPerStep
            lastLoss = loss
            state.lossesSinceEval.append(loss)
            intervalItems += itemsPerStep

            var valLoss: Double?
            // The logged scalars (rank 0 alone records them).
            if logged && leader {
                let now = Date()
                itemsPerSecond = Double(intervalItems) / now.timeIntervalSince(intervalStart)
                var values: [(tag: String, value: Double)] = [
                    ("train/loss", loss), ("train/lr", Double(lr)), ("train/grad_norm", Double(gradNorm)), (rateTag, itemsPerSecond),
                ]
                if let peak = peakFlops, peak > 0, let flops = task.flopsPerItem {
                    values.append(("train/mfu", flops * itemsPerSecond / peak))
                }
                if let c = collective {
                    // Each rank's own rate (its part of the items over its compute time): a slow rank shows here.
                    for r in 0..<c.size where intervalCompute[r] > 0 {
                        values.append(("rank/\(r)/\(task.itemName)_per_s", Double(intervalItems) / Double(c.size) / intervalCompute[r]))
                    }
                    values.append(("train/allreduce_share", intervalReduce / max(now.timeIntervalSince(intervalStart), 1e-9)))
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
                // Rank 0 evaluates; every rank gets its value (the early stop must be decided alike everywhere).
                var v = leader ? task.validationLoss() : 0
                if let c = collective { v = try c.gather([v])[0][0] }
                valLoss = v
                if leader { sink?.scalars(step: step, wallTime: Date().timeIntervalSince1970, [("val/loss", v)] + task.evaluationScalars()) }
                let trainMean = state.lossesSinceEval.reduce(0, +) / Double(max(state.lossesSinceEval.count, 1))
                state.lossesSinceEval.removeAll()
                if checkOverfitting(step: step, valLoss: v, trainLoss: trainMean) { status = "stopped-early" }
                state.lastValLoss = v
                state.bestValLoss = min(state.bestValLoss ?? v, v)
            }
            if histograms {
                recordHistograms(step: step, params: params, gradients: false)
                if let text = task.sampleText(step: step) {
                    sink?.sample(step: step, text: text)
                    onSample?(step, text)
                }
            }
            state.lastTrainLoss = loss

            let stopping = status == "stopped-early" || stopAt == step || (collective == nil ? shouldStop() : stopRequested)
            let checkpointing = step % config.checkpointInterval == 0 || step == config.steps || stopping
            if let c = collective, checkpointing || step % max(checksumInterval, 1) == 0 { try compareParameters(c, step: step, params: params) }
            if checkpointing && !leader {
                lastCheckpoint = runDirectory.appendingPathComponent("checkpoints").appendingPathComponent(Checkpoint.folderName(step: state.step))
            } else if checkpointing {
                // What was recorded up to this step reaches the store before the checkpoint: a resume starts after
                // the checkpoint, so a record that reached the checkpoint but not the store (a kill between the
                // two) would be lost for good.
                // The flush waits out a store outage (within the recorder's limit); if the records still cannot be
                // written, no checkpoint is: a checkpoint must never cover records the store does not have.
                do {
                    for f in try task.figures(step: step) { sink?.figure(step: step, name: f.name, document: f.document) }
                } catch {
                    warn(step: step, "the figure of step \(step) was not recorded: \(error)")
                }
                do { try sink?.flush() } catch { try failRecording(step: step, sink?.failure ?? error) }
                if let failure = sink?.failure { try failRecording(step: step, failure) }
                state.recordedThrough = sink == nil ? nil : step
                do { try saveCheckpoint() } catch { try failCheckpoint(step: step, error) }
                onCheckpoint?(step, task)
            }
            if let failure = sink?.failure { try failRecording(step: step, failure) }
            // Evaluation, sampling and checkpoints stay out of the next interval's rate.
            if logged {
                intervalStart = Date(); intervalItems = 0
                intervalCompute = intervalCompute.map { _ in 0 }; intervalReduce = 0
            }
            onStep?(StepReport(step: step, totalSteps: config.steps, loss: loss, valLoss: valLoss, learningRate: Double(lr),
                               gradNorm: Double(gradNorm), tokensPerSecond: itemsPerSecond,
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

    /// Data-parallel start: every rank must be at the same step with the same parameters (they resumed the same
    /// checkpoint or started from the same seed); rank 0's values are then given to all, so they start equal.
    private func startTogether(_ c: Collective, params: [(String, Tensor)]) throws {
        // Each rank's part of the next batch (a copy of the generator: nothing is drawn): none may be empty, also
        // when a run resumes on more ranks than it started with.
        var probe = state.dataRNG
        let part = task.shard(task.batch(rng: &probe), part: c.rank, of: c.size).weight
        let starts = try c.gather([Double(state.step), Double(parameterCount), part])
        if let bad = starts.firstIndex(where: { $0[0] != starts[0][0] || $0[1] != starts[0][1] }) {
            throw TrainingError("rank \(bad) starts at step \(Int(starts[bad][0])) with \(Int(starts[bad][1])) parameters, rank 0 at step \(Int(starts[0][0])) with \(Int(starts[0][1])): every rank must start the same run from the same checkpoint")
        }
        if let empty = starts.firstIndex(where: { $0[2] <= 0 }) {
            throw TrainingError("rank \(empty) of \(c.size) has no part of a batch: the batch is too small to split across \(c.size) ranks (use fewer ranks or a larger batch)")
        }
        for (_, p) in params {
            try c.broadcast(UnsafeMutableRawBufferPointer(start: p.data, count: p.count * MemoryLayout<Float>.size), from: 0)
        }
    }

    /// The ranks' parameters and optimizer state must stay equal (the same summed gradients, the same update): a
    /// checksum of each rank's is compared, and a difference stops the run as an error rather than letting the
    /// ranks drift apart.
    private func compareParameters(_ c: Collective, step: Int, params: [(String, Tensor)]) throws {
        let mine = trainingStateChecksum(params.map(\.1), task.optimizer)
        let all = try c.gather([Double(bitPattern: mine)]).map { $0[0].bitPattern }
        if let bad = all.firstIndex(where: { $0 != all[0] }) {
            let text = "step \(step): the parameters and optimizer state of rank \(bad) differ from rank 0's (checksum \(String(all[bad], radix: 16)) against \(String(all[0], radix: 16))): the ranks diverged"
                + (lastCheckpoint.map { "; the last good checkpoint is \($0.path)" } ?? "")
            try stopFailed(step: step, text)
        }
    }

    /// Writes `checkpoints/step-NNNNNN` (the task's model files, the optimizer state, the trainer state) and
    /// records it.
    package func saveCheckpoint() throws {
        let folder = runDirectory.appendingPathComponent("checkpoints").appendingPathComponent(Checkpoint.folderName(step: state.step))
        try Checkpoint.write(to: folder, optimizer: task.optimizer, state: state) { try task.writeModel(to: $0) }
        lastCheckpoint = folder
        sink?.checkpoint(step: state.step, path: folder.path)
        // An old checkpoint that cannot be removed costs disk space, not the training: a warning, and the run goes on.
        let failures: [String]
        do { failures = try Checkpoint.prune(in: runDirectory, keep: keepCheckpoints, protected: folder).failures } catch {
            failures = ["could not prune old checkpoints: \(error)"]
        }
        for text in failures { warn(step: state.step, text) }
    }

    /// A problem that does not stop the training: on the run's page (the store's messages) and the terminal.
    package func warn(step: Int, _ text: String) {
        sink?.message(step: step, level: "warning", text: text)
        onMessage?(text)
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

    /// The run store could not be written (an outage longer than the recorder waits, or a full disk): mark the run
    /// failed as far as the store allows, and stop with the store's error.
    ///
    /// No checkpoint is written here: it would cover records that never reached the store, and a resume, which
    /// starts after its checkpoint, would never record them. The last checkpoint was written after its records
    /// committed, so resuming from it loses no recorded step (the training since it is done again).
    private func failRecording(step: Int, _ failure: Error) throws -> Never {
        let text = "stopped at step \(step): \(failure)"
        let kept = lastCheckpoint.map { "; every record up to the last checkpoint \($0.path) is in the run store: continue with --resume \(id)" }
            ?? "; no checkpoint was written yet"
        sink?.message(step: step, level: "error", text: text + kept)
        sink?.runEnded(status: "failed", step: state.step)
        // One last try without waiting (the recorder has given up): on a full disk, with the space it reserved.
        // Its failure is the store failure already being reported.
        try? sink?.flush()
        throw TrainingError(text + kept)
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
        // As far as possible: `text` is the failure reported; a store that cannot take these rows says so in its own
        // `failure`, which a resume checks against the trainer state.
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
