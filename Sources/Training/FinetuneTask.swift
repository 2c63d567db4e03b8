import Foundation
import ModelFormats
import Models
import NeuralNet
import TensorCore
import Tokenization

/// Every setting of a fine-tuning run (`glassbox finetune`).
package struct FinetuneConfig: RunConfig {
    package var kind = "finetune"
    package var name: String?
    /// The base model: a .gguf file or a model folder (a GPT trained here is a checkpoint folder).
    package var model: String
    /// The JSONL file of {"prompt", "response"} lines.
    package var data: String
    /// lora (adapters on a Llama's projections, the base frozen) or full (every weight of a GPT trained here).
    package var method = "lora"
    package var rank = 8
    package var alpha: Float = 16
    /// Projections that get adapters (Hugging Face names).
    package var targets = LoRAAdapter.attentionTargets
    package var steps = 60
    package var learningRate: Float = 1e-3
    package var warmup = 5
    /// Examples per step.
    package var batch = 4
    /// Examples longer than this (prompt and response tokens) are left out.
    package var maxTokens = 256
    /// Examples held out for the validation loss and the before/after answers.
    package var validationExamples = 40
    /// Held-out prompts answered by the base and the fine-tuned model at each checkpoint.
    package var compare = 4
    /// Tokens of each of those answers at the most.
    package var compareTokens = 40
    package var weightDecay: Float = 0
    package var gradClip: Float = 1
    package var seed: UInt64 = 0
    package var logInterval = 1
    package var evalInterval = 20
    package var sampleInterval = 20
    package var checkpointInterval = 20
    package var earlyStopPatience = 0

    package init(model: String, data: String) { self.model = model; self.data = data }

    package var lrSchedule: LRSchedule {
        .warmupCosine(peak: learningRate, warmup: min(warmup, steps), total: steps, minimum: learningRate * 0.1)
    }

    package func validate() throws {
        guard kind == "finetune" else { throw TrainingError("not a fine-tuning run's settings (kind '\(kind.prefix(20))')") }
        if let name { try TrainConfig.checkRunName(name) }
        guard ["lora", "full"].contains(method) else { throw TrainingError("unknown method '\(method.prefix(20))' (lora or full)") }
        guard (1...1024).contains(rank) else { throw TrainingError("--lora-rank must be 1 to 1024, got \(rank)") }
        guard alpha.isFinite, alpha > 0 else { throw TrainingError("--lora-alpha must be a positive number, got \(alpha)") }
        let known = LoRAAdapter.attentionTargets + LoRAAdapter.mlpTargets
        guard !targets.isEmpty, targets.allSatisfy(known.contains) else {
            throw TrainingError("--targets: '\(targets.joined(separator: ",").prefix(80))' is not a list of \(known.joined(separator: ", "))")
        }
        guard (1...(1 << 40)).contains(steps) else { throw TrainingError("--steps must be 1 to 2^40, got \(steps)") }
        guard learningRate > 0, learningRate.isFinite else { throw TrainingError("--lr must be a positive number, got \(learningRate)") }
        guard warmup >= 0 else { throw TrainingError("--warmup must be >= 0, got \(warmup)") }
        guard (1...512).contains(batch) else { throw TrainingError("--batch must be 1 to 512 examples, got \(batch)") }
        guard (8...(1 << 16)).contains(maxTokens) else { throw TrainingError("--max-tokens must be 8 to 65536, got \(maxTokens)") }
        guard (1...100_000).contains(validationExamples) else { throw TrainingError("--validation must be 1 to 100000 examples, got \(validationExamples)") }
        guard (0...64).contains(compare) else { throw TrainingError("--compare must be 0 to 64 prompts, got \(compare)") }
        guard (1...1024).contains(compareTokens) else { throw TrainingError("--compare-tokens must be 1 to 1024, got \(compareTokens)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw TrainingError("--weight-decay must be >= 0, got \(weightDecay)") }
        guard gradClip >= 0, gradClip.isFinite else { throw TrainingError("--clip must be >= 0 (0: off), got \(gradClip)") }
        guard logInterval > 0, evalInterval > 0, sampleInterval > 0, checkpointInterval > 0 else {
            throw TrainingError("log, eval, sample and checkpoint intervals must be positive")
        }
        guard earlyStopPatience >= 0 else { throw TrainingError("--early-stop must be >= 0, got \(earlyStopPatience)") }
    }
}

/// A held-out prompt answered before and after fine-tuning (greedy decoding).
package struct FinetuneComparison: Codable, Sendable {
    package var prompt: String
    /// The data set's response.
    package var reference: String
    package var base: String
    package var tuned: String
}

/// What a fine-tuning run records at each checkpoint (figure `finetune`).
package struct FinetuneFigure: Codable, Sendable {
    package var step: Int
    package var method: String
    package var baseValLoss: Double
    package var examples: [FinetuneComparison]

    enum CodingKeys: String, CodingKey {
        case step, method, examples
        case baseValLoss = "base_val_loss"
    }
}

/// Fine-tuning a pretrained model on instruction data, the loss on the response tokens only.
///
/// A Llama (the bundled SmolLM2) gets LoRA adapters on its projections: the base weights stay as loaded
/// (quantised and memory-mapped for a GGUF file; the gradient reaches the adapters through the dequantised
/// products, slab by slab, with no float copy of a matrix), and each checkpoint is a PEFT adapter folder. A GPT
/// trained here is fine-tuned whole, and each checkpoint is a model folder like its training checkpoints.
package final class FinetuneTask: TrainingTask {
    package typealias Config = FinetuneConfig
    package typealias Batch = [Int]

    package enum Network {
        /// The base, the adapter, and the base with the adapter (what trains and answers).
        case lora(base: any LoRAAdaptable, adapter: LoRAAdapter, tuned: any TrainableLanguageModel)
        case full(any FullyTrainable)
    }

    package let config: FinetuneConfig
    package let network: Network
    package let tokenizer: any TextTokenizer
    package let format: InstructionData.Format
    package let train: [EncodedExample]
    package let validation: [EncodedExample]
    /// The held-out examples as written (the before/after answers use the first `config.compare`).
    package let heldOut: [InstructionExample]
    /// Examples left out for being longer than `config.maxTokens`.
    package let skipped: Int
    package let parameters: [(String, Tensor)]
    package let optimizer: any Optimizer
    /// The validation loss of the model before fine-tuning.
    package let baseValidationLoss: Double
    /// The base model's answers to the compared prompts.
    package let baseAnswers: [String]
    /// The base model's path as recorded in adapters.
    let baseName: String

    /// The task for `config` on the loaded base model; `checkpoint` (a folder of this run) continues from there.
    package init(config: FinetuneConfig, base: LoadedModel, checkpoint: URL? = nil) throws {
        try config.validate()
        self.config = config
        tokenizer = base.tokenizer
        format = try InstructionData.Format.of(base)
        baseName = base.path
        let all = try InstructionData.read(path: config.data)
        let contextLimit = min(config.maxTokens, base.model.contextLength)
        var encoded: [(InstructionExample, EncodedExample)] = []
        var skipped = 0
        for (i, e) in all.enumerated() {
            let x = try InstructionData.encode(e, index: i, format: format, tokenizer: base.tokenizer)
            if x.count > contextLimit { skipped += 1 } else { encoded.append((e, x)) }
        }
        self.skipped = skipped
        // A fixed shuffle (the run's seed) decides the held-out examples.
        var order = Array(encoded.indices)
        var rng = RandomGenerator(seed: config.seed &+ 0xF17E)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(i + 1)) }
        let held = min(config.validationExamples, encoded.count / 5)
        guard held >= 1, encoded.count - held >= 1 else {
            throw TrainingError("\(config.data): \(encoded.count) usable examples\(skipped > 0 ? " (\(skipped) longer than \(contextLimit) tokens left out)" : "") are too few to hold some out for validation (at least 5 are needed)")
        }
        validation = order.prefix(held).map { encoded[$0].1 }
        heldOut = order.prefix(held).map { encoded[$0].0 }
        train = order.dropFirst(held).map { encoded[$0].1 }

        let baseModel: any TrainableLanguageModel
        switch config.method {
        case "lora":
            guard let model = base.model as? any LoRAAdaptable else {
                throw TrainingError("\(base.path) is a \(base.architecture) model: it takes no LoRA adapters (a GPT trained here is fine-tuned whole: --method full)")
            }
            let adapter: LoRAAdapter
            if let checkpoint {
                adapter = try model.loadAdapter(folder: checkpoint, trainable: true)
                guard adapter.rank == config.rank, adapter.targets == LoRAAdapter.ordered(config.targets) else {
                    throw TrainingError("\(checkpoint.path): the adapter (rank \(adapter.rank), \(adapter.targets.joined(separator: " "))) does not match the run's settings")
                }
            } else {
                do {
                    adapter = try model.newAdapter(rank: config.rank, alpha: config.alpha, targets: config.targets, seed: config.seed)
                } catch { throw TrainingError("\(error)") }
            }
            network = .lora(base: model, adapter: adapter, tuned: model.withAdapter(adapter))
            parameters = adapter.parameters
            baseModel = model
        default:
            guard let model = base.model as? any FullyTrainable else {
                throw TrainingError("\(base.path) is a \(base.architecture) model: it is not trained whole here (use --method lora)")
            }
            let tuned: any FullyTrainable
            if let checkpoint {
                do { tuned = try model.reloaded(from: checkpoint) } catch { throw TrainingError("\(checkpoint.path): \(error)") }
            } else {
                tuned = model
            }
            network = .full(tuned)
            parameters = tuned.namedParameters()
            baseModel = model
        }
        optimizer = Adam.adamW(parameters, lr: config.learningRate, weightDecay: config.weightDecay)
        // The base model's loss and answers, before any step changes a weight (a GPT trains in place).
        baseValidationLoss = Self.meanLoss(validation, batch: 8) { Self.logits(baseModel, $0, $1, rows: $2) }
        baseAnswers = try Self.answers(baseModel, tokenizer: base.tokenizer, format: format, prompts: heldOut.prefix(config.compare).map(\.prompt),
                                   maxTokens: config.compareTokens)
    }

    /// The model being fine-tuned.
    package var tunedModel: any TrainableLanguageModel {
        switch network {
        case .lora(_, _, let tuned): return tuned
        case .full(let model): return model
        }
    }

    package var itemsPerStep: Int { config.batch }

    package func batch(rng: inout RandomGenerator) -> [Int] {
        (0..<config.batch).map { _ in rng.nextInt(train.count) }
    }

    /// A rank's examples of the batch; the loss averages the response tokens (with the end marker).
    package func shard(_ batch: [Int], part: Int, of parts: Int) -> (batch: [Int], weight: Double) {
        let mine = Array(batch[shardRange(part: part, of: parts, count: batch.count)])
        return (mine, Double(mine.reduce(0) { $0 + train[$1].response.count }))
    }

    /// The examples padded on the right to one length, a multiple of 8 (padding is never a target and, the
    /// attention being causal, never seen by an earlier position; a few lengths recur, so the buffers of one
    /// step serve the next): inputs (B·T), the rows that have a target, and those targets.
    static func padded(_ examples: [EncodedExample]) -> (ids: [Int32], rows: [Int32], targets: [Int32], T: Int) {
        let pairs = examples.map(\.inputsAndTargets)
        let T = ((pairs.map(\.inputs.count).max() ?? 1) + 7) / 8 * 8
        var ids: [Int32] = [], rows: [Int32] = [], targets: [Int32] = []
        for (b, (x, y)) in pairs.enumerated() {
            ids += x + [Int32](repeating: 0, count: T - x.count)
            for (i, t) in y.enumerated() where t >= 0 {
                rows.append(Int32(b * T + i))
                targets.append(t)
            }
        }
        return (ids, rows, targets, T)
    }

    /// Logits (rows, V) of a padded batch at the given rows of its B·T positions.
    static func logits(_ model: any TrainableLanguageModel, _ ids: [Int32], _ T: Int, rows: [Int32],
                       dropout: UnsafeMutablePointer<RandomGenerator>? = nil) -> Tensor {
        model.trainingLogits(ids, time: T, rows: rows, dropout: dropout)
    }

    /// A batch's shape as trained: examples, padded length, and the response tokens that are targets.
    package func shape(of batch: [Int]) -> (examples: Int, length: Int, targets: Int) {
        let p = Self.padded(batch.map { train[$0] })
        return (batch.count, p.T, p.targets.count)
    }

    package func loss(_ batch: [Int], dropout: inout RandomGenerator) -> Tensor {
        // Buffers of lengths other than this step's go back to the system (a bound on the pool's hoard).
        BufferMemory.trim(to: 256 << 20)
        let (ids, rows, targets, T) = Self.padded(batch.map { train[$0] })
        return withUnsafeMutablePointer(to: &dropout) { d in
            Self.logits(tunedModel, ids, T, rows: rows, dropout: d).crossEntropy(targets: targets)
        }
    }

    /// Mean cross-entropy per response token over `examples`, `batch` at a time, without a graph.
    static func meanLoss(_ examples: [EncodedExample], batch: Int, _ logits: ([Int32], Int, [Int32]) -> Tensor) -> Double {
        GradMode.withoutGradients {
            var total = 0.0, tokens = 0
            for start in stride(from: 0, to: examples.count, by: batch) {
                let (ids, rows, targets, T) = padded(Array(examples[start..<min(start + batch, examples.count)]))
                total += Double(logits(ids, T, rows).crossEntropy(targets: targets).item) * Double(targets.count)
                tokens += targets.count
            }
            return total / Double(max(tokens, 1))
        }
    }

    package func validationLoss() -> Double {
        Self.meanLoss(validation, batch: 8) { Self.logits(tunedModel, $0, $1, rows: $2) }
    }

    package func initialScalars() -> [(tag: String, value: Double)] { [("val/loss", baseValidationLoss)] }

    package func evaluationScalars() -> [(tag: String, value: Double)] {
        [("memory/peak_rss_mb", Double(BufferMemory.peakResidentBytes()) / 1_048_576),
         ("memory/peak_tensor_mb", Double(BufferMemory.peakLiveBytes) / 1_048_576)]
    }

    /// Greedy answers of `model` to `prompts`, each up to `maxTokens` tokens, cut at the end of the turn.
    package static func answers(_ model: any LanguageModel, tokenizer: any TextTokenizer, format: InstructionData.Format,
                               prompts: [String], maxTokens: Int) throws -> [String] {
        var options = GenerationOptions()
        options.maxTokens = maxTokens
        options.sampling = SamplingOptions(temperature: 0, topK: 0, topP: 1, minP: 0)
        options.stopStrings = [format.endMarker]
        let generator = Generator(model: model, tokenizer: tokenizer)
        return try prompts.map { p in
            let ids = try tokenizer.encodeText(format.promptText(p))
            return generator.generate(prompt: ids, options: options).text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The fine-tuned model's answers to the compared prompts now.
    package func tunedAnswers() throws -> [String] {
        try Self.answers(tunedModel, tokenizer: tokenizer, format: format, prompts: heldOut.prefix(config.compare).map(\.prompt),
                     maxTokens: config.compareTokens)
    }

    package func figures(step: Int) throws -> [(name: String, document: String)] {
        guard config.compare > 0 else { return [] }
        let tuned = try tunedAnswers()
        let examples = zip(heldOut.prefix(config.compare), zip(baseAnswers, tuned)).map { e, answers in
            FinetuneComparison(prompt: e.prompt, reference: e.response, base: answers.0, tuned: answers.1)
        }
        let figure = FinetuneFigure(step: step, method: config.method, baseValLoss: baseValidationLoss, examples: examples)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(figure)
        return [("finetune", String(decoding: data, as: UTF8.self))]
    }

    package func writeModel(to folder: URL) throws {
        switch network {
        case .lora(let base, let adapter, _):
            try base.saveAdapter(adapter, folder: folder, baseModel: baseName)
        case .full(let model):
            try model.save(folder: folder)
            // The tokenizer of the base model folder goes with the weights, so the checkpoint is a model folder.
            let source = URL(fileURLWithPath: config.model)
            for name in ["vocab.json", "tokenizer.json"] {
                let file = source.appendingPathComponent(name)
                if let data = FileManager.default.contents(atPath: file.path) {
                    try writeAtomically(data, to: folder.appendingPathComponent(name))
                }
            }
        }
    }
}

extension TrainingRun where Task == FinetuneTask {
    /// A new fine-tuning run in `runsDirectory/<id>` on the loaded base model.
    package convenience init(finetune config: FinetuneConfig, base: LoadedModel, runsDirectory: URL, id: String? = nil) throws {
        let task = try FinetuneTask(config: config, base: base)
        let runID = id ?? Self.newRunID()
        self.init(task: task, state: RunState(run: runID, config: config), runDirectory: runsDirectory.appendingPathComponent(runID))
    }

    /// Continues a fine-tuning run from its newest readable checkpoint, up to `steps` (default: the run's own);
    /// the base model is loaded again from the path the run recorded.
    package convenience init(resumeFinetune runDirectory: URL, steps: Int? = nil) throws {
        let (folder, ck, notes) = try Self.newestReadable(in: runDirectory) { folder -> (RunState<FinetuneConfig>, OptimizerState) in
            (try Checkpoint.readState(folder, as: FinetuneConfig.self), try Checkpoint.readOptimizer(folder))
        }
        var state = ck.0
        if let steps { state.config.steps = steps }
        try state.config.validate()
        let base: LoadedModel
        do { base = try ModelLoader.load(state.config.model) } catch {
            throw TrainingError("the run's base model cannot be loaded again: \(error)")
        }
        let task = try FinetuneTask(config: state.config, base: base, checkpoint: folder)
        try ck.1.restore(into: task.optimizer, step: state.step)
        self.init(task: task, state: state, runDirectory: runDirectory, lastCheckpoint: folder, notes: notes + Checkpoint.manifestNotes(folder))
    }
}
