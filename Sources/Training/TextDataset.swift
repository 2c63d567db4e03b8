import Foundation
import Models
import TensorCore
import Tokenization

/// A tokenised corpus split 90/10 into training and validation ids, with batch sampling (nanoGPT style:
/// random windows of `block + 1` tokens; targets are the inputs shifted by one).
package struct TextDataset: Sendable {
    package let vocabulary: Vocabulary
    package let train: [Int32]
    package let validation: [Int32]

    package init(path: String, tokenizer: TokenizerKind, vocabulary: Vocabulary? = nil) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw TrainingError("corpus \(path): no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("corpus \(path): cannot be read") }
        guard !data.isEmpty else { throw TrainingError("corpus \(path) is empty") }
        guard let text = String(data: data, encoding: .utf8) else { throw TrainingError("corpus \(path) is not UTF-8 text") }
        try self.init(text: text, name: path, tokenizer: tokenizer, vocabulary: vocabulary)
    }

    package init(text: String, name: String = "text", tokenizer: TokenizerKind, vocabulary: Vocabulary? = nil) throws {
        guard !text.isEmpty else { throw TrainingError("corpus \(name) is empty") }
        let vocab = vocabulary ?? Vocabulary.build(tokenizer, from: text)
        let ids = try vocab.encode(text)
        let cut = Int(Double(ids.count) * 0.9)
        self.vocabulary = vocab
        self.train = Array(ids[..<cut])
        self.validation = Array(ids[cut...])
    }

    /// Checks that windows of `block + 1` tokens fit in both splits.
    package func check(block: Int) throws {
        guard train.count > block + 1, validation.count > block + 1 else {
            throw TrainingError("block size \(block) is larger than the corpus allows (\(train.count) training and \(validation.count) validation tokens; need more than \(block + 1) in each)")
        }
    }

    /// How many times a run of `steps` steps reads the training split over (each step reads batch × block tokens).
    package func epochs(steps: Int, batch: Int, block: Int) -> Double {
        Double(steps) * Double(batch * block) / Double(max(train.count, 1))
    }

    /// A warning when the validation split is too small for its loss to mean much, else nil.
    package func validationWarning(block: Int) -> String? {
        guard validation.count < max(2_000, 20 * block) else { return nil }
        return "the validation split has only \(validation.count) tokens: its loss will be noisy and overfitting hard to see (a larger corpus helps)"
    }

    /// A batch of `batch` windows: inputs and targets, each batch x block ids row-major.
    package func batch(from split: [Int32], batch: Int, block: Int, rng: inout RandomGenerator) -> (inputs: [Int32], targets: [Int32]) {
        var x = [Int32](), y = [Int32]()
        x.reserveCapacity(batch * block); y.reserveCapacity(batch * block)
        for _ in 0..<batch {
            let start = rng.nextInt(split.count - block - 1)
            x.append(contentsOf: split[start..<(start + block)])
            y.append(contentsOf: split[(start + 1)..<(start + block + 1)])
        }
        return (x, y)
    }
}
