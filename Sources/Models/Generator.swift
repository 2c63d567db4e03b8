import Foundation
import NeuralNet
import TensorCore
import Tokenization

/// What to generate and when to stop.
package struct GenerationOptions: Sendable {
    package var maxTokens: Int = 256
    package var sampling = SamplingOptions()
    package var seed: UInt64 = 0
    /// Stop when the generated text contains one of these (the stop string is not part of the result).
    package var stopStrings: [String] = []
    /// Stop at the tokenizer's end-of-sequence token.
    package var stopAtEOS = true
    /// Also report the top alternatives of every generated token (their count).
    package var alternatives: Int = 0

    package init() {}
}

/// One generated token as streamed.
package struct GeneratedToken: Sendable {
    package let id: Int32
    /// Text that became complete with this token (may be empty inside a multi-byte character).
    package let text: String
    /// The chosen token's probability and the top alternatives (id, probability), when requested.
    package let probability: Float?
    package let alternatives: [(id: Int32, probability: Float)]
    /// The entropy (nats) of the model's next-token distribution and the chosen token's rank in it (0 = the
    /// most likely), when alternatives are requested.
    package var entropy: Float? = nil
    package var rank: Int? = nil
}

/// The result of a generation.
package struct GenerationResult: Sendable {
    package let promptIDs: [Int32]
    package let ids: [Int32]
    package let text: String
    package let stopReason: String
    package let prefillSeconds: Double
    package let decodeSeconds: Double
    package var prefillTokensPerSecond: Double { Double(promptIDs.count) / max(prefillSeconds, 1e-9) }
    /// Tokens after the first, over the time spent producing them.
    package var decodeTokensPerSecond: Double { Double(max(ids.count - 1, 0)) / max(decodeSeconds, 1e-9) }
}

/// Autoregressive generation with streaming, sampling and stop conditions.
package struct Generator {
    package let model: any LanguageModel
    package let tokenizer: any TextTokenizer

    package init(model: any LanguageModel, tokenizer: any TextTokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    package func generate(prompt ids: [Int32], options: GenerationOptions, session: (any DecodingSession)? = nil,
                         onToken: (GeneratedToken) -> Bool = { _ in true }) -> GenerationResult {
        let session = session ?? model.makeSession(capacity: ids.count + options.maxTokens + 1)
        var sampler = TokenSampler(options.sampling, seed: options.seed)
        var decoder = StreamingDecoder(tokenizer)
        let t0 = Date()
        var logits = ids.isEmpty ? [Float](repeating: 0, count: model.vocabularySize) : session.feed(ids)
        let prefill = Date().timeIntervalSince(t0)
        var out: [Int32] = []
        var text = ""
        var reason = "max_tokens"
        let t1 = Date()
        var history = ids
        let room = model.slidesContext ? options.maxTokens : model.contextLength - session.length
        for step in 0..<min(options.maxTokens, max(room, 0)) {
            let id = sampler.next(logits, history: history)
            var probability: Float?
            var alternatives: [(Int32, Float)] = []
            var entropy: Float?, rank: Int?
            if options.alternatives > 0 {
                let probs = softmax(logits)
                let p = probs[Int(id)]
                probability = p
                alternatives = topKIndices(probs, options.alternatives).map { (Int32($0), probs[$0]) }
                entropy = probs.reduce(0) { $1 > 0 ? $0 - $1 * Foundation.log($1) : $0 }
                rank = probs.reduce(0) { $1 > p ? $0 + 1 : $0 }
            }
            if options.stopAtEOS, id == tokenizer.eosID { reason = "eos"; break }
            out.append(id)
            history.append(id)
            var piece = decoder.push(id)
            text += piece
            if let stop = options.stopStrings.first(where: { text.contains($0) }), let r = text.range(of: stop) {
                // Emit only what precedes the stop string.
                let keep = text.distance(from: text.startIndex, to: r.lowerBound)
                let before = text.count - piece.count
                piece = keep > before ? String(text.dropFirst(before).prefix(keep - before)) : ""
                text = String(text[..<r.lowerBound])
                _ = onToken(GeneratedToken(id: id, text: piece, probability: probability, alternatives: alternatives,
                                           entropy: entropy, rank: rank))
                reason = "stop_string"
                break
            }
            if !onToken(GeneratedToken(id: id, text: piece, probability: probability, alternatives: alternatives,
                                       entropy: entropy, rank: rank)) {
                reason = "cancelled"; break
            }
            if step + 1 < options.maxTokens && (model.slidesContext || session.length < model.contextLength) {
                logits = session.feed([id])
            }
        }
        if reason != "stop_string" { text += decoder.finish() }
        if reason == "max_tokens" && out.count < options.maxTokens { reason = "context_full" }
        return GenerationResult(promptIDs: ids, ids: out, text: text, stopReason: reason, prefillSeconds: prefill,
                                decodeSeconds: Date().timeIntervalSince(t1))
    }
}

func softmax(_ logits: [Float]) -> [Float] {
    let m = logits.max() ?? 0
    let e = logits.map { Foundation.exp(Double($0 - m)) }
    let s = e.reduce(0, +)
    return e.map { Float($0 / s) }
}
