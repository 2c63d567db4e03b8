import Foundation
import Testing
import TensorCore
@testable import Models
@testable import Training

/// Fine-tuning's batched forward on the tiny model of every architecture (Tests/ModelsTests/Fixtures/architectures)
/// gives the model's own logits: a padded batch of two sequences, read at chosen rows, equals each sequence's plain
/// forward (Gemma's √width embedding scale, soft-caps and windows included).
@Suite("Fine-tuning forward on every architecture")
struct FinetuneArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/architectures")
    static let cases = ["qwen2", "qwen3", "llama3", "mistral", "phi3", "phi3_longrope", "gemma2", "gemma3"].filter {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/model.f16.gguf").path)
    }

    @Test(arguments: cases)
    func batchedLogitsEqualThePlainForward(name: String) throws {
        let loaded = try ModelLoader.load(Self.root.appendingPathComponent("\(name)/model.f16.gguf").path)
        let llama = try #require(loaded.model as? Llama)
        let a = try loaded.tokenizer.encodeText("The quick brown fox jumps over the lazy dog"), b = try loaded.tokenizer.encodeText("Hello there")
        let T = max(a.count, b.count)
        let ids = a + [Int32](repeating: 0, count: T - a.count) + b + [Int32](repeating: 0, count: T - b.count)
        let rows: [Int32] = [Int32(a.count - 1), Int32(T + b.count - 1), 2]
        let batched = GradMode.withoutGradients { FinetuneTask.logits(llama, ids, T, rows: rows) }.scalars
        let plainA = GradMode.withoutGradients { llama.forward(a) }.scalars, plainB = GradMode.withoutGradients { llama.forward(b) }.scalars
        let V = llama.config.vocabSize
        let expected = Array(plainA[((a.count - 1) * V)..<(a.count * V)]) + Array(plainB[((b.count - 1) * V)..<(b.count * V)])
            + Array(plainA[(2 * V)..<(3 * V)])
        let worst = zip(batched, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(batched.count == 3 * V && worst < 1e-3, "\(name): batched logits differ by \(worst)")
    }
}
