import Foundation
import Models
import RunStore
import Training

/// A GPT to train from scratch on a text file (character-level), recorded as a run the studio shows.
public struct TrainingOptions: Sendable, Equatable {
    /// The model's size: small (4 layers × 128 wide, block 128, batch 16) or medium (6 × 384, block 256).
    public enum Size: String, Sendable {
        /// 4 layers × 128 wide, block 128, batch 16 (`--preset s`): minutes on a laptop.
        case small = "s"
        /// 6 layers × 384 wide, block 256 (`--preset m`).
        case medium = "m"
    }
    /// The text to learn (UTF-8); a tenth is held out for validation.
    public var textFile: String
    /// The model's size.
    public var size: Size = .small
    /// Optimisation steps.
    public var steps = 300
    /// The peak learning rate (default: the size's own).
    public var learningRate: Float?
    /// Seeds the weights and the batches: the same seed and data give the same run.
    public var seed: UInt64 = 0
    /// Validation loss, a sample and a checkpoint every so many steps.
    public var evaluationInterval = 100
    /// Where runs are kept: checkpoints and the run store the studio reads (`glassbox serve --runs-dir`).
    public var runsDirectory = "runs"
    /// A name for the run, unique in its store.
    public var name: String?

    /// Options for training on `textFile`; the rest keep their defaults.
    public init(textFile: String, size: Size = .small, steps: Int = 300) {
        self.textFile = textFile; self.size = size; self.steps = steps
    }
}

/// How fine-tuning changes the model.
public enum FineTuneMethod: String, Sendable {
    /// Low-rank adapters on the attention (and optionally MLP) projections; the base weights stay as loaded.
    case lora
    /// Every weight (a GPT trained here).
    case full
}

/// A fine-tuning run on instruction data: a JSONL file of `{"prompt": …, "response": …}` lines.
public struct FineTuneOptions: Sendable, Equatable {
    /// The JSONL file of instructions; a held-out part measures the validation loss.
    public var data: String
    /// Default: LoRA for models that take adapters, full for a GPT trained here.
    public var method: FineTuneMethod?
    /// Optimisation steps.
    public var steps = 60
    /// AdamW's learning rate.
    public var learningRate: Float = 1e-3
    /// The adapters' rank (with LoRA); their alpha is twice the rank.
    public var rank = 8
    /// Seeds the adapters and the batches.
    public var seed: UInt64 = 0
    /// Where runs are kept (the run store the studio reads).
    public var runsDirectory = "runs"
    /// A name for the run, unique in its store.
    public var name: String?

    /// Options for fine-tuning on `data`; the rest keep their defaults.
    public init(data: String, method: FineTuneMethod? = nil, steps: Int = 60) {
        self.data = data; self.method = method; self.steps = steps
    }
}

/// One optimisation step, as it is reported.
public struct TrainingProgress: Sendable, Equatable {
    /// The step just taken, from 1.
    public var step: Int
    /// The steps the run will take.
    public var totalSteps: Int
    /// This step's training loss (cross-entropy, nats per token).
    public var loss: Double
    /// Set at the steps where the held-out loss was measured.
    public var validationLoss: Double?
    /// The learning rate this step used (after warm-up and decay).
    public var learningRate: Double
    /// Training speed over the step.
    public var tokensPerSecond: Double
    /// Seconds since the run started.
    public var elapsedSeconds: Double
}

/// A finished (or stopped) run.
public struct TrainingResult: Sendable, Equatable {
    /// The run's id in its store.
    public var run: String
    /// The steps taken.
    public var steps: Int
    /// The last step's training loss.
    public var finalLoss: Double
    /// The last measured held-out loss.
    public var finalValidationLoss: Double?
    /// The last checkpoint: a model folder ``Model/load(_:adapter:)`` opens (an adapter folder after LoRA).
    public var checkpoint: String?
    /// `finished`, `interrupted` (the callback returned false) or `stopped-early` (the held-out loss kept rising).
    public var status: String
}

/// Trains a GPT on `options.textFile`, calling `onStep` after every step (return false to stop: the run ends at
/// the next step, with a checkpoint). The run is recorded under `options.runsDirectory`, where `glassbox serve` shows it.
///
/// - Throws: an error naming the problem (no such file, a text too short for the block, a name already taken).
public func train(_ options: TrainingOptions, onStep: ((TrainingProgress) -> Bool)? = nil) throws -> TrainingResult {
    var config = TrainConfig(dataPath: options.textFile)
    try config.apply(preset: options.size.rawValue)
    config.steps = options.steps
    if let lr = options.learningRate { config.learningRate = lr }
    config.seed = options.seed
    config.evalInterval = options.evaluationInterval
    config.sampleInterval = options.evaluationInterval
    config.checkpointInterval = options.evaluationInterval
    config.name = options.name
    let runs = URL(fileURLWithPath: options.runsDirectory)
    let store = try openStore(runs, naming: options.name)
    return try recorded(try Trainer(config: config, runsDirectory: runs), store: store, onStep: onStep)
}

extension Model {
    /// Fine-tunes this model on instruction data, calling `onStep` after every step (return false to stop at the next step). The
    /// run is recorded under `options.runsDirectory`; its checkpoint is an adapter folder (LoRA) or a model folder.
    public func fineTune(_ options: FineTuneOptions, onStep: ((TrainingProgress) -> Bool)? = nil) throws -> TrainingResult {
        var c = FinetuneConfig(model: loaded.path, data: options.data)
        let method = options.method ?? ((loaded.model as? any TrainableLanguageModel)?.defaultTuningMethod == .full ? .full : .lora)
        c.method = method.rawValue
        c.steps = options.steps
        c.learningRate = options.learningRate
        c.rank = options.rank
        c.alpha = Float(2 * options.rank)
        c.seed = options.seed
        c.name = options.name
        c.evalInterval = min(c.evalInterval, max(options.steps, 1))
        let runs = URL(fileURLWithPath: options.runsDirectory)
        let store = try openStore(runs, naming: options.name)
        return try serially {
            try recorded(try TrainingRun<FinetuneTask>(finetune: c, base: loaded, runsDirectory: runs), store: store, onStep: onStep)
        }
    }
}

/// The run store of `runs`, with `name` (if any) checked as `--name` is: its form, and that no run has it yet.
func openStore(_ runs: URL, naming name: String?) throws -> any RunStorage {
    if let name { try TrainConfig.checkRunName(name) }
    let store = try RunStores.open(url: nil, runsDirectory: runs)
    if let name, let other = try store.runID(named: name) {
        throw TrainingError("a run named '\(name)' already exists (\(other)) in \(store.location)")
    }
    return store
}

func recorded<T: TrainingTask>(_ run: TrainingRun<T>, store: any RunStorage, onStep: ((TrainingProgress) -> Bool)?) throws -> TrainingResult {
    run.sink = RunRecorder(database: store)
    var stop = false
    run.onStep = { r in
        let p = TrainingProgress(step: r.step, totalSteps: r.totalSteps, loss: r.loss, validationLoss: r.valLoss,
                                 learningRate: r.learningRate, tokensPerSecond: r.tokensPerSecond, elapsedSeconds: r.elapsedSeconds)
        if onStep?(p) == false { stop = true }
    }
    run.shouldStop = { stop }
    let s = try run.run()
    return TrainingResult(run: s.run, steps: s.steps, finalLoss: s.finalTrainLoss, finalValidationLoss: s.finalValLoss,
                          checkpoint: s.checkpoint, status: s.status)
}
