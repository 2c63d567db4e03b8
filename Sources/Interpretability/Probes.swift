import Foundation
import Models
import NeuralNet
import TensorCore
import Tokenization

/// A probe prompt seen by one checkpoint: how far the model has come on it. The probe's last token is its answer:
/// the read-outs are taken at the position before it (the last position whose next token is known).
package struct ProbeSnapshot: Codable, Sendable {
    package struct LensEntry: Codable, Sendable, Equatable {
        /// Boundary: 0 = the embeddings, i = the output of block i − 1 (the last is the model's own prediction).
        package var layer: Int
        /// The answer's rank (0 = most likely) and probability read through the final norm and unembedding there.
        package var rank: Int
        package var probability: Float
        package var top: [RankedToken]
    }
    package var step: Int
    package var probe: Int
    package var text: String
    /// How each token of the probe reads (byte escapes for a part of a character).
    package var tokens: [String]
    package var answerID: Int
    package var answerText: String
    /// The mean next-token cross-entropy over the probe (nats).
    package var loss: Float
    /// The model's top predictions at the answer position, and the answer's rank and probability there.
    package var top: [RankedToken]
    package var answerRank: Int
    package var answerProbability: Float
    package var lens: [LensEntry]
    /// [layer][head]: the mean entropy (nats) of the head's attention rows over the probe.
    package var headEntropy: [[Float]]
    /// The text of every token id shown.
    package var vocab: [String: String]

    enum CodingKeys: String, CodingKey {
        case step, probe, text, tokens, answerID = "answer_id", answerText = "answer_text", loss, top
        case answerRank = "answer_rank", answerProbability = "answer_probability", lens, headEntropy = "head_entropy", vocab
    }

    /// Runs the probe through `model` once (hooked) and reads everything off that forward. Probes longer than
    /// `maxTokens` keep their last tokens.
    package static func take(model: any InspectableModel, tokenizer tok: any TextTokenizer, text: String, probe: Int, step: Int,
                            maxTokens: Int, topK: Int = 5) throws -> ProbeSnapshot {
        var ids = try tok.encodeText(text)
        if ids.count > maxTokens { ids = Array(ids.suffix(maxTokens)) }
        guard ids.count >= 2 else { throw InterpretabilityError("probe \(String(reflecting: String(text.prefix(40)))) needs at least two tokens (its last is the answer)", field: "probe") }
        let c = model.shape, L = c.layers, T = ids.count, D = c.dim, V = c.vocab
        let at = T - 2, answer = ids[T - 1]
        let names = Set(["hook_embed"] + (0..<L).map { "blocks.\($0).hook_resid_post" })
        let hooks = Hooks(cache: { names.contains($0) })
        var entropy = [[Float]](repeating: [], count: L)
        let logits = GradMode.withoutGradients {
            model.run(ids, logits: .all, hooks: hooks) { l, p in entropy[l] = HeadSummary.summarise(p.reshaped([c.heads, T, T])).map(\.entropy) }
        }
        // Next-token loss over the probe.
        var loss = 0.0
        for t in 0..<(T - 1) {
            let row = logits.data + t * V
            var m = -Float.infinity
            for v in 0..<V { m = max(m, row[v]) }
            var z = 0.0
            for v in 0..<V { z += Foundation.exp(Double(row[v] - m)) }
            loss += Foundation.log(z) + Double(m) - Double(row[Int(ids[t + 1])])
        }
        // The lens at the answer position: every boundary's residual row through the final norm and unembedding.
        let rows = Tensor(uninitialized: [L + 1, D])
        for b in 0...L {
            let name = b == 0 ? "hook_embed" : "blocks.\(b - 1).hook_resid_post"
            guard let r = hooks.cache[name]?.contiguous() else { throw InterpretabilityError("the model has no hook point \(name)") }
            (rows.data + b * D).update(from: r.data + at * D, count: D)
        }
        let lensLogits = GradMode.withoutGradients { model.unembed(rows) }
        func ranked(_ d: Distribution) -> [RankedToken] { d.top.map { RankedToken(id: Int($0.id), probability: $0.probability) } }
        let lens = (0...L).map { b -> LensEntry in
            let d = Distribution(logits: UnsafeBufferPointer(start: lensLogits.data + b * V, count: V), k: topK, chosen: answer)
            return LensEntry(layer: b, rank: d.chosenRank ?? -1, probability: d.chosenProbability ?? 0, top: ranked(d))
        }
        let final = Distribution(logits: UnsafeBufferPointer(start: logits.data + at * V, count: V), k: topK, chosen: answer)
        let pieces = TokenPiece.describe(ids, tokenizer: tok)
        var vocab: [String: String] = [:]
        for id in Set([Int(answer)] + lens.flatMap { $0.top.map(\.id) } + ranked(final).map(\.id)) {
            vocab[String(id)] = TokenPiece.describe([Int32(id)], tokenizer: tok)[0].shown
        }
        return ProbeSnapshot(step: step, probe: probe, text: text, tokens: pieces.map(\.shown), answerID: Int(answer),
                             answerText: TokenPiece.describe([answer], tokenizer: tok)[0].shown, loss: Float(loss / Double(T - 1)), top: ranked(final),
                             answerRank: final.chosenRank ?? -1, answerProbability: final.chosenProbability ?? 0, lens: lens,
                             headEntropy: entropy, vocab: vocab)
    }
}
