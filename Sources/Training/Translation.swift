import Foundation
import Models

/// A seq2seq checkpoint's greedy answer to one input and its attention (output characters × input characters):
/// what `glassbox translate --json` prints and `/api/runs/{run}/translate` returns.
package struct TranslationDocument: Codable, Sendable, Equatable {
    package var input: String
    package var output: String
    package var inputTokens: [String]
    /// The output's characters and the end marker `</s>`.
    package var outputTokens: [String]
    /// (output tokens, input tokens); empty for a model without attention.
    package var attention: [[Float]]
    /// The input's characters outside the model's alphabet (read as unknown), in order, once each.
    package var unknownCharacters: String
    /// The checkpoint folder, and its step when the run's checkpoint was chosen by step.
    package var checkpoint: String
    package var step: Int?

    enum CodingKeys: String, CodingKey {
        case input, output, attention, checkpoint, step
        case inputTokens = "input_tokens", outputTokens = "output_tokens", unknownCharacters = "unknown_characters"
    }
}

/// The one implementation of translate, under the CLI and the studio.
package enum TranslationService {
    /// Inputs longer than this are refused (the models are trained on dates of a few dozen characters).
    package static let inputLimit = 200

    /// Runs the checkpoint in `folder` (checked against its manifest) greedily on `text`, up to 48 characters.
    package static func translate(checkpoint folder: URL, text: String, step: Int? = nil) throws -> TranslationDocument {
        guard !text.isEmpty, text.count <= inputLimit else {
            throw TrainingError("the input must be 1 to \(inputLimit) characters, got \(text.count)")
        }
        let model = try Seq2SeqTask.loadModel(folder).0
        let r = model.greedy([CharVocabulary.encode(text)], maxLength: 48)[0]
        var seen = Set<Character>()
        let unknown = text.filter { !CharVocabulary.alphabet.contains($0) && seen.insert($0).inserted }
        return TranslationDocument(input: text, output: CharVocabulary.decode(r.ids), inputTokens: text.map(String.init),
                                   outputTokens: r.ids.map(CharVocabulary.label) + ["</s>"], attention: r.attention,
                                   unknownCharacters: String(unknown), checkpoint: folder.path, step: step)
    }
}
