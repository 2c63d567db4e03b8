import Foundation
import ModelFormats
import Models
import NeuralNet
import TensorCore
import Tokenization

/// A GPT's run: the generic trainer on `GPTTask` (its constructors below keep the names the commands and tests use).
package typealias Trainer = TrainingRun<GPTTask>
package typealias TrainerState = RunState<TrainConfig>

/// A GPT trained on a text corpus: random windows of `block + 1` tokens, next-token cross-entropy, AdamW
/// (decay on matrices and embeddings), a text sample at each sample interval; checkpoints are Hugging Face GPT-2
/// folders with the vocabulary.
package final class GPTTask: TrainingTask {
    package typealias Config = TrainConfig
    package typealias Batch = (inputs: [Int32], targets: [Int32])
    package let config: TrainConfig
    package let dataset: TextDataset
    package let model: GPT
    package let adam: Adam
    package let parameters: [(String, Tensor)]
    private let valBatches: [(inputs: [Int32], targets: [Int32])]

    package init(config: TrainConfig, dataset: TextDataset, model: GPT) {
        self.config = config
        self.dataset = dataset
        self.model = model
        parameters = model.namedParameters()
        adam = Adam.adamW(parameters, lr: config.learningRate, beta1: config.beta1, beta2: config.beta2, eps: 1e-8,
                          weightDecay: config.weightDecay, decay: .matricesOnly)
        // The same validation batches at every evaluation, so the curve compares like with like.
        var rng = RandomGenerator(seed: config.seed &+ 0x5EED)
        valBatches = (0..<config.evalBatches).map { _ in dataset.batch(from: dataset.validation, batch: config.batch, block: config.block, rng: &rng) }
    }

    package var optimizer: any Optimizer { adam }
    package var itemsPerStep: Int { config.batch * config.block }
    package var itemName: String { "tokens" }
    package var flopsPerItem: Double? { model.config.trainingFlopsPerToken(parameterCount: model.parameterCount, context: config.block) }

    package func batch(rng: inout RandomGenerator) -> (inputs: [Int32], targets: [Int32]) {
        dataset.batch(from: dataset.train, batch: config.batch, block: config.block, rng: &rng)
    }

    package func loss(_ b: (inputs: [Int32], targets: [Int32]), dropout: inout RandomGenerator) -> Tensor {
        let rows = b.inputs.count / config.block
        let logits = config.dropout > 0
            ? model.forward(b.inputs, batch: rows, time: config.block, dropoutRNG: &dropout)
            : model.forward(b.inputs, batch: rows, time: config.block)
        return model.loss(logits: logits, targets: b.targets)
    }

    /// A rank's sequences of the batch (every position is a loss term).
    package func shard(_ b: Batch, part: Int, of parts: Int) -> (batch: Batch, weight: Double) {
        let T = config.block, r = shardRange(part: part, of: parts, count: b.inputs.count / T)
        return ((Array(b.inputs[r.lowerBound * T..<r.upperBound * T]), Array(b.targets[r.lowerBound * T..<r.upperBound * T])), Double(r.count * T))
    }

    /// Mean loss over the fixed validation batches (no graph recorded).
    package func validationLoss() -> Double {
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
    package func sampleText(step: Int) -> String? { sampleText(step: step, length: nil) }

    /// Through the one generator every language model uses (temperature 0.8, no truncation, a seed per step).
    package func sampleText(step: Int, length: Int?) -> String {
        var options = GenerationOptions()
        options.maxTokens = length ?? config.sampleLength
        options.sampling = SamplingOptions(temperature: 0.8, topK: 0, topP: 1, minP: 0)
        options.seed = config.seed &+ UInt64(step) &* 7919
        options.stopAtEOS = false
        // A character vocabulary without a newline (a corpus of one line) cannot encode one: the sample then starts
        // from the first token, which is as neutral a start as the newline is.
        let prompt = (try? dataset.vocabulary.encode("\n")) ?? [0]
        let result = Generator(model: model, tokenizer: dataset.vocabulary).generate(prompt: prompt, options: options)
        return dataset.vocabulary.decode(result.ids)
    }

    package func writeModel(to folder: URL) throws {
        try model.save(folder: folder)
        let vocab = try JSONSerialization.data(withJSONObject: dataset.vocabulary.vocabJSON, options: [.sortedKeys])
        try writeAtomically(vocab, to: folder.appendingPathComponent("vocab.json"))
    }
}

extension TrainingRun where Task == GPTTask {
    /// A new run in `runsDirectory/<id>`.
    package convenience init(config: TrainConfig, runsDirectory: URL, id: String? = nil) throws {
        try config.validate()
        let dataset = try TextDataset(path: config.dataPath, tokenizer: config.tokenizer)
        try dataset.check(block: config.block)
        let modelConfig = config.modelConfig(vocabSize: dataset.vocabulary.size)
        try modelConfig.validate()
        let runID = id ?? Self.newRunID()
        let task = GPTTask(config: config, dataset: dataset, model: GPT(modelConfig, seed: config.seed))
        self.init(task: task, state: RunState(run: runID, config: config), runDirectory: runsDirectory.appendingPathComponent(runID))
    }

    /// Continues the run in `runDirectory` from its newest checkpoint that reads back whole, up to `steps`
    /// (default: the run's own). Newer checkpoints that do not read (a disk that filled, a hand edit) are skipped,
    /// and `notes` says so; temporary folders left by a killed writer are removed.
    package convenience init(resume runDirectory: URL, steps: Int? = nil) throws {
        let (folder, ck, notes) = try Self.newestReadable(in: runDirectory) { try Checkpoint.read($0) }
        var config = ck.state.config
        if let steps { config.steps = steps }
        try config.validate()
        guard ck.model.config == config.modelConfig(vocabSize: ck.vocabulary.size) else {
            throw TrainingError("\(folder.path): config.json does not match the run's settings in trainer_state.json")
        }
        let dataset = try TextDataset(path: config.dataPath, tokenizer: config.tokenizer, vocabulary: ck.vocabulary)
        try dataset.check(block: config.block)
        let task = GPTTask(config: config, dataset: dataset, model: ck.model)
        try ck.optimizer.restore(into: task.adam, step: ck.state.step)
        var state = ck.state
        state.config = config
        self.init(task: task, state: state, runDirectory: runDirectory, lastCheckpoint: folder, notes: notes + Checkpoint.manifestNotes(folder))
    }

    package var model: GPT { task.model }
    package var dataset: TextDataset { task.dataset }
    package var optimizer: Adam { task.adam }

    /// Mean loss over the fixed validation batches.
    package func validationLoss() -> Double { task.validationLoss() }

    /// A text sample from the model at the current step.
    package func sampleText(length: Int? = nil) -> String { task.sampleText(step: state.step, length: length) }
}
