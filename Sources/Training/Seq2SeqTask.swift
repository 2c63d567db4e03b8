import Foundation
import Models
import ModelFormats
import NeuralNet
import TensorCore

/// Every setting of a sequence-to-sequence run (`glassbox train seq2seq`).
package struct Seq2SeqConfig: RunConfig {
    package var kind = "seq2seq"
    package var name: String?
    /// dates (normalise written dates to ISO 8601), reverse or sort (strings of digits).
    package var task = "dates"
    /// lstm (with `attention`, `embedding`, `hidden`) or transformer (with `width`, `heads`, `layers`).
    package var arch = "lstm"
    package var attention = Seq2SeqLSTM.Attention.bahdanau
    package var embedding = 32
    package var hidden = 64
    package var width = 64
    package var heads = 4
    package var layers = 2
    package var batch = 64
    package var steps = 3000
    package var learningRate: Float = 0.003
    package var gradClip: Float = 1
    package var seed: UInt64 = 0
    /// Held-out inputs, never trained on, for the exact-match score.
    package var heldOut = 1000
    package var logInterval = 10
    package var evalInterval = 250
    package var sampleInterval = 500
    package var checkpointInterval = 500
    package var earlyStopPatience = 0

    package init() {}

    package var lrSchedule: LRSchedule { .warmupCosine(peak: learningRate, warmup: min(100, steps), total: steps, minimum: learningRate / 10) }

    package func validate() throws {
        guard kind == "seq2seq" else { throw TrainingError("not a seq2seq run's settings (kind '\(kind.prefix(20))')") }
        if let name { try TrainConfig.checkRunName(name) }
        guard Seq2SeqData.tasks.contains(task) else { throw TrainingError("unknown task '\(task.prefix(40))' (\(Seq2SeqData.tasks.joined(separator: ", ")))") }
        guard arch == "lstm" || arch == "transformer" else { throw TrainingError("unknown --arch '\(arch.prefix(20))' (lstm or transformer)") }
        guard (1...1024).contains(width), (1...64).contains(heads), width % heads == 0, (1...24).contains(layers) else {
            throw TrainingError("--width must be 1 to 1024 and divisible by --heads (1 to 64), --layers 1 to 24")
        }
        guard (1...(1 << 40)).contains(steps) else { throw TrainingError("--steps must be 1 to 2^40, got \(steps)") }
        guard (1...4096).contains(batch) else { throw TrainingError("--batch must be 1 to 4096, got \(batch)") }
        guard (1...1024).contains(embedding), (1...2048).contains(hidden) else { throw TrainingError("--embedding must be 1 to 1024 and --hidden 1 to 2048") }
        guard learningRate > 0, learningRate.isFinite else { throw TrainingError("--lr must be a positive number, got \(learningRate)") }
        guard gradClip >= 0, gradClip.isFinite else { throw TrainingError("--clip must be >= 0 (0: off), got \(gradClip)") }
        guard (1...100_000).contains(heldOut) else { throw TrainingError("--held-out must be 1 to 100000, got \(heldOut)") }
        guard logInterval > 0, evalInterval > 0, sampleInterval > 0, checkpointInterval > 0, earlyStopPatience >= 0 else {
            throw TrainingError("log, eval, sample and checkpoint intervals must be positive")
        }
    }
}

/// The generated sequence tasks: (input, output) pairs of text.
package enum Seq2SeqData {
    package static let tasks = ["dates", "reverse", "sort"]

    package static func example(_ task: String, _ rng: inout RandomGenerator) -> (input: String, output: String, format: Int) {
        switch task {
        case "reverse", "sort":
            let n = 3 + rng.nextInt(10)
            let s = String((0..<n).map { _ in Character(String(rng.nextInt(10))) })
            return (s, task == "reverse" ? String(s.reversed()) : String(s.sorted()), 0)
        default:
            return DateTask.example(&rng)
        }
    }

    /// `count` distinct held-out examples.
    package static func heldOut(_ task: String, count: Int, seed: UInt64) -> [(input: String, output: String, format: Int)] {
        if task == "dates" { return DateTask.heldOut(count: count, seed: seed) }
        var rng = RandomGenerator(seed: seed)
        var seen = Set<String>(), out: [(input: String, output: String, format: Int)] = []
        var tries = 0
        while out.count < count && tries < count * 100 {
            tries += 1
            let e = example(task, &rng)
            if seen.insert(e.input).inserted { out.append(e) }
        }
        return out
    }
}

/// What a seq2seq checkpoint's `config.json` holds: one of the two models' settings.
package struct Seq2SeqCheckpointConfig: Codable, Sendable, Equatable {
    /// glassbox-seq2seq-lstm or glassbox-seq2seq-transformer.
    package var architecture: String
    package var task: String
    package var lstm: Seq2SeqLSTM.Config?
    package var transformer: Seq2SeqTransformer.Config?
    package var alphabet: String
}

/// An LSTM encoder-decoder trained on a generated task: batches drawn fresh each step (never a held-out input),
/// teacher forcing, exact match on the held-out set at each evaluation, and at each checkpoint a figure
/// (`seq2seq`): a few held-out inputs with their greedy outputs and attention.
package final class Seq2SeqTask: TrainingTask {
    package typealias Config = Seq2SeqConfig
    package typealias Batch = (inputs: [[Int32]], targets: [[Int32]])

    package let config: Seq2SeqConfig
    package let model: any Seq2SeqModel
    package let parameters: [(String, Tensor)]
    package let adam: Adam
    package let heldOut: [(input: String, output: String, format: Int)]
    let heldOutInputs: Set<String>
    /// A fixed slice of the held-out set for the validation loss.
    let validationBatch: Batch

    package init(config: Seq2SeqConfig, model: (any Seq2SeqModel)? = nil) throws {
        try config.validate()
        self.config = config
        if let model {
            self.model = model
        } else if config.arch == "transformer" {
            let c = Seq2SeqTransformer.Config(vocabulary: CharVocabulary.size, width: config.width, heads: config.heads,
                                              layers: config.layers, feedForward: 4 * config.width)
            try c.validate()
            self.model = Seq2SeqTransformer(c, seed: config.seed)
        } else {
            let c = Seq2SeqLSTM.Config(vocabulary: CharVocabulary.size, embedding: config.embedding, hidden: config.hidden, attention: config.attention)
            try c.validate()
            self.model = Seq2SeqLSTM(c, seed: config.seed)
        }
        let m = self.model
        parameters = m.namedParameters()
        adam = Adam(parameters, lr: config.learningRate, beta1: 0.9, beta2: 0.999)
        heldOut = Seq2SeqData.heldOut(config.task, count: config.heldOut, seed: config.seed &+ 0xD47E)
        heldOutInputs = Set(heldOut.map(\.input))
        let v = heldOut.prefix(256)
        validationBatch = (v.map { CharVocabulary.encode($0.input) }, v.map { CharVocabulary.encode($0.output) })
    }

    package var optimizer: any Optimizer { adam }
    package var itemsPerStep: Int { config.batch }

    package func batch(rng: inout RandomGenerator) -> Batch {
        var inputs: [[Int32]] = [], targets: [[Int32]] = []
        while inputs.count < config.batch {
            let e = Seq2SeqData.example(config.task, &rng)
            if heldOutInputs.contains(e.input) { continue }
            inputs.append(CharVocabulary.encode(e.input)); targets.append(CharVocabulary.encode(e.output))
        }
        return (inputs, targets)
    }

    package func loss(_ b: Batch, dropout: inout RandomGenerator) -> Tensor { model.loss(inputs: b.inputs, targets: b.targets) }

    /// A rank's pairs of the batch; the loss averages every target character and each end marker.
    package func shard(_ b: Batch, part: Int, of parts: Int) -> (batch: Batch, weight: Double) {
        let r = shardRange(part: part, of: parts, count: b.inputs.count)
        return ((Array(b.inputs[r]), Array(b.targets[r])), Double(b.targets[r].reduce(0) { $0 + $1.count + 1 }))
    }

    package func validationLoss() -> Double {
        GradMode.withoutGradients { Double(model.loss(inputs: validationBatch.inputs, targets: validationBatch.targets).item) }
    }

    /// Greedy outputs of the held-out set (in batches).
    package func decodeHeldOut() -> [(ids: [Int32], attention: [[Float]])] {
        var out: [(ids: [Int32], attention: [[Float]])] = []
        var start = 0
        while start < heldOut.count {
            let part = heldOut[start..<min(heldOut.count, start + 500)]
            out += model.greedy(part.map { CharVocabulary.encode($0.input) }, maxLength: 24)
            start += 500
        }
        return out
    }

    /// The fraction of held-out inputs whose greedy output is exactly the target.
    package func exactMatch() -> Double {
        let decoded = decodeHeldOut()
        let right = zip(decoded, heldOut).filter { CharVocabulary.decode($0.0.ids) == $0.1.output }.count
        return Double(right) / Double(max(heldOut.count, 1))
    }

    package func evaluationScalars() -> [(tag: String, value: Double)] { [("val/exact_match", exactMatch())] }

    /// A few held-out inputs (one per format while there are formats) with the model's output.
    package func sampleText(step: Int) -> String? {
        let picks = Array(heldOut.prefix(6))
        let decoded = model.greedy(picks.map { CharVocabulary.encode($0.input) }, maxLength: 24)
        return zip(picks, decoded).map { p, d in
            let got = CharVocabulary.decode(d.ids)
            return "\(p.input) → \(got)" + (got == p.output ? "" : "  (want \(p.output))")
        }.joined(separator: "\n")
    }

    /// The attention of the first held-out inputs (with the formats whose alignment is known among them).
    package func figure(step: Int, examples: Int = 8) -> Seq2SeqFigure {
        var picks: [(input: String, output: String, format: Int)] = []
        for f in 0..<(config.task == "dates" ? DateTask.formatCount : 1) {
            if let e = heldOut.first(where: { $0.format == f }) { picks.append(e) }
            if picks.count == examples { break }
        }
        let decoded = model.greedy(picks.map { CharVocabulary.encode($0.input) }, maxLength: 24)
        let transformer = model as? Seq2SeqTransformer
        return Seq2SeqFigure(step: step, attention: transformer == nil ? config.attention.rawValue : "transformer",
                             examples: zip(picks, decoded).enumerated().map { i, pd in
            let (p, d) = pd
            var e = Seq2SeqFigure.Example(input: p.input, target: p.output, output: CharVocabulary.decode(d.ids),
                                          inputTokens: p.input.map(String.init), outputTokens: d.ids.map(CharVocabulary.label) + ["</s>"],
                                          weights: d.attention)
            // Every layer and head of a transformer, for the first examples (the documents stay small).
            if let transformer, i < 3 {
                let all = transformer.patterns(input: CharVocabulary.encode(p.input), output: d.ids)
                e.layers = (0..<all.encoder.count).map { .init(encoderSelf: all.encoder[$0], decoderSelf: all.decoderSelf[$0], cross: all.cross[$0]) }
            }
            return e
        })
    }

    package func figures(step: Int) throws -> [(name: String, document: String)] {
        guard config.arch == "transformer" || config.attention != .none else { return [] }
        let data = try JSONEncoder().encode(figure(step: step))
        return [("seq2seq", String(decoding: data, as: UTF8.self))]
    }

    package func writeModel(to folder: URL) throws {
        let t = model as? Seq2SeqTransformer, l = model as? Seq2SeqLSTM
        let c = Seq2SeqCheckpointConfig(architecture: t != nil ? "glassbox-seq2seq-transformer" : "glassbox-seq2seq-lstm", task: config.task,
                                        lstm: l?.config, transformer: t?.config, alphabet: String(CharVocabulary.alphabet))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(c), to: folder.appendingPathComponent("config.json"))
        try model.saveWeights(folder: folder)
    }

    /// The model of a checkpoint folder, after the folder is checked against its manifest (`verifyManifest:
    /// false` only where the caller has just checked it).
    package static func loadModel(_ folder: URL, verifyManifest: Bool = true) throws -> (any Seq2SeqModel, Seq2SeqCheckpointConfig) {
        if verifyManifest { try Checkpoint.verify(folder, skipHashing: CheckpointManifest.trainingStateFiles) }
        let data = FileManager.default.contents(atPath: folder.appendingPathComponent("config.json").path) ?? Data()
        let c: Seq2SeqCheckpointConfig
        do { c = try JSONDecoder().decode(Seq2SeqCheckpointConfig.self, from: data) } catch {
            throw TrainingError("\(folder.path)/config.json: not a seq2seq checkpoint's config (\(String(describing: error).prefix(200)))")
        }
        guard c.alphabet == String(CharVocabulary.alphabet) else { throw TrainingError("\(folder.path): made with another alphabet than this version's") }
        let model: any Seq2SeqModel
        if let t = c.transformer, c.architecture == "glassbox-seq2seq-transformer" {
            guard t.vocabulary == CharVocabulary.size else { throw TrainingError("\(folder.path): a vocabulary of \(t.vocabulary), not \(CharVocabulary.size)") }
            try t.validate()
            model = Seq2SeqTransformer(t, seed: 0)
        } else if let l = c.lstm, c.architecture == "glassbox-seq2seq-lstm" {
            guard l.vocabulary == CharVocabulary.size else { throw TrainingError("\(folder.path): a vocabulary of \(l.vocabulary), not \(CharVocabulary.size)") }
            try l.validate()
            model = Seq2SeqLSTM(l, seed: 0)
        } else {
            throw TrainingError("\(folder.path)/config.json: unknown architecture '\(c.architecture.prefix(60))'")
        }
        do { try model.loadWeights(folder: folder) } catch { throw TrainingError("\(folder.path): \(error)") }
        return (model, c)
    }
}

/// Held-out inputs with the model's outputs and attention at a checkpoint.
package struct Seq2SeqFigure: Codable, Sendable {
    package struct Example: Codable, Sendable {
        package var input: String
        package var target: String
        package var output: String
        package var inputTokens: [String]
        /// The output characters and the end token.
        package var outputTokens: [String]
        /// [output step][input position]: the attention weights (each row sums to 1); for a transformer the last
        /// layer's cross-attention averaged over its heads.
        package var weights: [[Float]]
        /// A transformer's every pattern, per layer: [head][query][key].
        package var layers: [Layer]?
        enum CodingKeys: String, CodingKey {
            case input, target, output, weights, layers, inputTokens = "input_tokens", outputTokens = "output_tokens"
        }
    }
    package struct Layer: Codable, Sendable {
        package var encoderSelf: [[[Float]]]
        package var decoderSelf: [[[Float]]]
        package var cross: [[[Float]]]
        enum CodingKeys: String, CodingKey { case cross, encoderSelf = "encoder_self", decoderSelf = "decoder_self" }
    }
    package var step: Int
    package var attention: String
    package var examples: [Example]
}

extension TrainingRun where Task == Seq2SeqTask {
    package convenience init(seq2seq config: Seq2SeqConfig, runsDirectory: URL, id: String? = nil) throws {
        let task = try Seq2SeqTask(config: config)
        let runID = id ?? Self.newRunID()
        self.init(task: task, state: RunState(run: runID, config: config), runDirectory: runsDirectory.appendingPathComponent(runID))
    }

    package convenience init(resumeSeq2Seq runDirectory: URL, steps: Int? = nil) throws {
        let (folder, ck, notes) = try Self.newestReadable(in: runDirectory) { folder in
            // readState checks the folder against its manifest first: the model is not hashed twice.
            (try Checkpoint.readState(folder, as: Seq2SeqConfig.self), try Seq2SeqTask.loadModel(folder, verifyManifest: false).0,
             try Checkpoint.readOptimizer(folder))
        }
        var state = ck.0
        if let steps { state.config.steps = steps }
        let task = try Seq2SeqTask(config: state.config, model: ck.1)
        try ck.2.restore(into: task.adam, step: state.step)
        self.init(task: task, state: state, runDirectory: runDirectory, lastCheckpoint: folder, notes: notes + Checkpoint.manifestNotes(folder))
    }
}
