import Tokenization
import Foundation
import Models
import NeuralNet

/// Every setting of a GPT's training run. Presets fill the model shape; each field can be overridden.
package struct TrainConfig: RunConfig {
    package var kind: String { "gpt" }
    package var dataPath: String
    /// A name the user gave the run (`--name`), shown beside its id; nil: the id is the name.
    package var name: String?
    package var tokenizer: TokenizerKind = .char
    package var preset: String = "s"
    package var layers: Int = 4
    package var heads: Int = 4
    package var width: Int = 128
    package var block: Int = 128
    package var batch: Int = 16
    package var steps: Int = 500
    package var learningRate: Float = 1e-3
    package var minLearningRate: Float = 1e-4
    /// "cosine" (linear warm-up then cosine decay to minLearningRate) or "constant".
    package var schedule: String = "cosine"
    package var warmupSteps: Int = 50
    package var weightDecay: Float = 0.1
    package var beta1: Float = 0.9
    package var beta2: Float = 0.99
    package var dropout: Float = 0
    package var gradClip: Float = 1
    package var seed: UInt64 = 0
    /// Log scalars every `logInterval` steps; evaluate validation loss every `evalInterval`.
    package var logInterval: Int = 10
    package var evalInterval: Int = 100
    package var evalBatches: Int = 20
    /// Histograms and a text sample every `sampleInterval` steps; a checkpoint every `checkpointInterval`.
    package var sampleInterval: Int = 100
    package var sampleLength: Int = 200
    package var checkpointInterval: Int = 100
    /// Stop when validation loss has risen at this many evaluations in a row while training loss fell (0: never).
    package var earlyStopPatience: Int = 0
    package var threads: Int = 0
    /// Probe prompts read out at every checkpoint (`--probe`; nil in runs recorded before probes existed).
    package var probes: [String]? = nil

    package init(dataPath: String) { self.dataPath = dataPath }

    /// Applies a preset's model and batch shape: "s" (4 layers, 4 heads, 128 wide, block 128, batch 16) or
    /// "m" (6 layers, 6 heads, 384 wide, block 256, batch 16).
    package mutating func apply(preset name: String) throws {
        switch name {
        case "s": layers = 4; heads = 4; width = 128; block = 128; batch = 16; learningRate = 1e-3
        case "m": layers = 6; heads = 6; width = 384; block = 256; batch = 16; learningRate = 6e-4
        default: throw TrainingError("unknown preset '\(name)' (choose s or m)")
        }
        preset = name
    }

    /// A run name: 1 to 64 letters, digits, '-', '_' or '.', not starting with '.' (it names folders and URLs).
    package static func checkRunName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 64 else { throw TrainingError("--name must be 1 to 64 characters, got \(name.count)") }
        guard !name.hasPrefix("."), name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }) else {
            throw TrainingError("--name '\(name.prefix(64))' may hold only letters, digits, '-', '_' and '.', and may not start with '.'")
        }
    }

    package func validate() throws {
        if let name { try TrainConfig.checkRunName(name) }
        guard steps > 0 else { throw TrainingError("--steps must be positive, got \(steps)") }
        guard layers > 0, heads > 0, width > 0, block > 0, batch > 0 else {
            throw TrainingError("layers, heads, width, block and batch must be positive")
        }
        guard steps <= 1 << 40 else { throw TrainingError("--steps \(steps) is beyond any run (at most 2^40)") }
        guard batch <= 1 << 16, block <= 1 << 20, batch * block <= 1 << 26 else {
            throw TrainingError("a batch of \(batch) × \(block) tokens is too large (at most 2^26 tokens a step)")
        }
        guard evalBatches <= 10_000, (0...100_000).contains(sampleLength), (0...4096).contains(threads) else {
            throw TrainingError("eval batches (≤ 10000), sample length (≤ 100000) or threads (≤ 4096) out of range")
        }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw TrainingError("Adam betas must be in [0, 1), got \(beta1), \(beta2)") }
        guard width % heads == 0 else { throw TrainingError("width \(width) is not divisible by \(heads) heads") }
        guard learningRate > 0, learningRate.isFinite else { throw TrainingError("learning rate must be positive, got \(learningRate)") }
        guard minLearningRate >= 0, minLearningRate.isFinite else { throw TrainingError("--min-lr must be a finite number >= 0, got \(minLearningRate)") }
        guard warmupSteps >= 0 else { throw TrainingError("--warmup must be >= 0, got \(warmupSteps)") }
        guard gradClip >= 0, gradClip.isFinite else { throw TrainingError("--clip must be a finite number >= 0 (0: off), got \(gradClip)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw TrainingError("--weight-decay must be a finite number >= 0, got \(weightDecay)") }
        guard earlyStopPatience >= 0 else { throw TrainingError("--early-stop must be >= 0, got \(earlyStopPatience)") }
        guard ["cosine", "constant"].contains(schedule) else { throw TrainingError("unknown schedule '\(schedule)' (cosine or constant)") }
        guard (0..<1).contains(dropout) else { throw TrainingError("dropout must be in [0, 1), got \(dropout)") }
        guard logInterval > 0, evalInterval > 0, sampleInterval > 0, checkpointInterval > 0, evalBatches > 0 else {
            throw TrainingError("log, eval, sample and checkpoint intervals and eval batches must be positive")
        }
        do { try modelConfig(vocabSize: 1).validate() } catch { throw TrainingError("\(error)") }
    }

    package var lrSchedule: LRSchedule {
        schedule == "constant" ? .constant(learningRate)
            : .warmupCosine(peak: learningRate, warmup: min(warmupSteps, steps), total: steps, minimum: minLearningRate)
    }

    package func modelConfig(vocabSize: Int) -> GPTConfig {
        GPTConfig(vocabSize: vocabSize, blockSize: block, nLayer: layers, nHead: heads, nEmbd: width, dropout: dropout)
    }
}
