import Foundation
import Models
import NeuralNet
import TensorCore
import Tokenization

/// Two models of the same shape and vocabulary (two checkpoints of a run, or a base model and its fine-tuned
/// version) on one prompt: what changed inside (`/api/diff`, `glassbox diff`).
package struct DiffDocument: Codable, Sendable {
    package struct Side: Codable, Sendable {
        package var model: ModelSummary
        package var id: String
        /// The next-token distribution at the last position.
        package var top: [RankedToken]
        package var entropy: Float
        /// The target's logit, and its direct logit attribution per layer (attention, MLP) and per head.
        package var logit: Float
        package var attention: [Float]
        package var mlp: [Float]
        package var heads: [[Float]]
    }
    package struct HeadChange: Codable, Sendable, Equatable {
        package var layer: Int
        package var head: Int
        /// Mean and largest |A_b − A_a| over the head's pattern (query × key, causal part).
        package var meanChange: Float
        package var maxChange: Float
        /// DLA of the head in b minus in a.
        package var dlaChange: Float
        enum CodingKeys: String, CodingKey { case layer, head, meanChange = "mean_change", maxChange = "max_change", dlaChange = "dla_change" }
    }
    package struct NeuronChange: Codable, Sendable, Equatable {
        package var layer: Int
        package var index: Int
        /// The activation (`mlp.hook_post`) at the last position in a and in b.
        package var a: Float
        package var b: Float
    }
    package var tokens: [TokenInfo]
    package var targetID: Int
    package var targetText: String
    package var a: Side
    package var b: Side
    /// KL(a ‖ b) of the next-token distributions at the last position (nats).
    package var klDivergence: Double
    /// [layer][head]: b − a of each head's DLA, and the attention changes, most changed first in `heads`.
    package var dlaHeadChange: [[Float]]
    package var attentionChange: [[Float]]
    package var heads: [HeadChange]
    /// The neurons whose activation at the last position changed most (by |b − a|).
    package var neurons: [NeuronChange]
    package var vocab: [String: String]
    /// The prompt as given, the text the models read (in a's chat template when `chat`), and whether it was templated.
    package var prompt: String? = nil
    package var promptText: String? = nil
    package var chat: Bool? = nil

    enum CodingKeys: String, CodingKey {
        case tokens, targetID = "target_id", targetText = "target_text", a, b, klDivergence = "kl_divergence"
        case dlaHeadChange = "dla_head_change", attentionChange = "attention_change", heads, neurons, vocab
        case prompt, promptText = "prompt_text", chat
    }
}

extension InspectService {
    /// Compares two models on one prompt (tokenised by a's tokenizer; both must have the same shape and
    /// vocabulary). The target is `target`'s first token, or a's prediction.
    ///
    /// `chat`: the prompt as a user's message in a's chat template, the assistant's turn about to begin (what a
    /// chat model and its fine-tuned version are asked in use; on the raw text both mostly predict the end of a
    /// turn); false: the raw text; nil: the template when a has one.
    package static func diff(_ la: LoadedModel, id idA: String, _ lb: LoadedModel, id idB: String, prompt given: String, target: String? = nil,
                            chat: Bool? = nil, topK: Int = 5, neurons k: Int = 20, monitor: WorkMonitor? = nil) throws -> DiffDocument {
        guard let ma = la.model as? any InspectableModel, let mb = lb.model as? any InspectableModel else {
            throw InterpretabilityError("these models cannot be inspected", field: "model")
        }
        var prompt = given, templated = false
        if chat != false {
            do {
                prompt = try la.chatFormat().render([ChatMessage(role: "user", content: given)])
                templated = true
            } catch let e as ChatTemplateError {
                if chat == true { throw InterpretabilityError(e.description, field: "chat") }
            }
        }
        let c = ma.shape
        guard c == mb.shape else {
            throw InterpretabilityError("the models differ in shape (\(c.layers) layers × \(c.heads) heads × \(c.dim) wide, vocabulary \(c.vocab) against "
                                        + "\(mb.shape.layers) × \(mb.shape.heads) × \(mb.shape.dim), \(mb.shape.vocab)): only versions of one model compare", field: "b")
        }
        let tok = la.tokenizer
        let ids = try tok.encodeText(prompt)
        guard !ids.isEmpty else { throw InterpretabilityError("the prompt is empty", field: "prompt") }
        guard ids.count <= min(la.model.contextLength, lb.model.contextLength) else {
            throw InterpretabilityError("the prompt has \(ids.count) tokens; the models' context is \(min(la.model.contextLength, lb.model.contextLength))", field: "prompt")
        }
        let idsB: [Int32]
        do { idsB = try lb.tokenizer.encodeText(prompt) } catch {
            throw InterpretabilityError("model b cannot tokenize the prompt: \(error)", field: "b")
        }
        guard idsB == ids else {
            throw InterpretabilityError("the two models split the prompt into different tokens: only versions of one model compare", field: "b")
        }
        let L = c.layers, H = c.heads, T = ids.count, V = c.vocab
        let names = DirectLogitAttribution.hookNames(layers: L).union((0..<L).map { "blocks.\($0).mlp.hook_post" })
        func run(_ m: any InspectableModel) -> (logits: [Float], cache: [String: Tensor], patterns: [Tensor]) {
            let hooks = Hooks(cache: { names.contains($0) })
            var patterns = [Tensor](repeating: Tensor.zeros([1]), count: L)
            let logits = GradMode.withoutGradients { m.run(ids, logits: .last, hooks: hooks) { l, p in patterns[l] = p.contiguous() } }
            return (logits.scalars, hooks.cache, patterns)
        }
        try monitor?.check()
        let ra = run(ma)
        try monitor?.check()
        let rb = run(mb)
        let targetID: Int32
        if let target {
            guard let first = try tok.encodeFragment(target).first else { throw InterpretabilityError("the target is empty", field: "target") }
            targetID = first
        } else {
            targetID = Int32(ra.logits.indices.max { ra.logits[$0] < ra.logits[$1] } ?? 0)
        }
        let da = try DirectLogitAttribution(model: ma, cache: ra.cache, target: targetID)
        let db = try DirectLogitAttribution(model: mb, cache: rb.cache, target: targetID)
        func side(_ loaded: LoadedModel, _ id: String, _ m: any InspectableModel, _ logits: [Float], _ d: DirectLogitAttribution) -> DiffDocument.Side {
            let dist = Distribution(logits: logits.withUnsafeBufferPointer { $0 }, k: topK)
            return .init(model: ModelSummary(loaded, shape: m.shape), id: id,
                         top: dist.top.map { RankedToken(id: Int($0.id), probability: $0.probability) }, entropy: dist.entropy,
                         logit: d.logit, attention: d.attention, mlp: d.mlp, heads: d.heads)
        }
        let p = softmaxDouble(ra.logits), q = softmaxDouble(rb.logits)
        let kl = klDivergence(p, q)
        // Attention: per head, the mean and largest change over the causal part of the pattern.
        var change = [[Float]](repeating: [Float](repeating: 0, count: H), count: L), heads: [DiffDocument.HeadChange] = []
        for l in 0..<L {
            let a = ra.patterns[l], b = rb.patterns[l]
            guard a.count == H * T * T, b.count == a.count else { continue }
            for h in 0..<H {
                var sum = 0.0, top: Float = 0
                for i in 0..<T { for j in 0...i {
                    let d = abs(a.data[(h * T + i) * T + j] - b.data[(h * T + i) * T + j])
                    sum += Double(d); top = max(top, d)
                } }
                let mean = Float(sum / Double(T * (T + 1) / 2))
                change[l][h] = mean
                heads.append(.init(layer: l, head: h, meanChange: mean, maxChange: top, dlaChange: db.heads[l][h] - da.heads[l][h]))
            }
        }
        heads.sort { $0.meanChange > $1.meanChange }
        // Neurons at the last position.
        var neurons: [DiffDocument.NeuronChange] = []
        for l in 0..<L {
            guard let a = ra.cache["blocks.\(l).mlp.hook_post"]?.contiguous(), let b = rb.cache["blocks.\(l).mlp.hook_post"]?.contiguous() else { continue }
            let F = a.shape[a.rank - 1], at = (T - 1) * F
            for i in 0..<F { neurons.append(.init(layer: l, index: i, a: a.data[at + i], b: b.data[at + i])) }
            neurons.sort { abs($0.b - $0.a) > abs($1.b - $1.a) }
            if neurons.count > k { neurons.removeLast(neurons.count - k) }
        }
        let sideA = side(la, idA, ma, ra.logits, da), sideB = side(lb, idB, mb, rb.logits, db)
        let pieces = TokenPiece.describe(ids, tokenizer: tok)
        var vocab: [String: String] = [:]
        for t in sideA.top + sideB.top { vocab[String(t.id)] = TokenPiece.describe([Int32(t.id)], tokenizer: tok)[0].shown }
        vocab[String(targetID)] = TokenPiece.describe([targetID], tokenizer: tok)[0].shown
        _ = V
        return DiffDocument(
            tokens: ids.enumerated().map { t, id in
                TokenInfo(position: t, id: Int(id), text: tok.tokenString(id), decoded: tok.decodeText([id]), shown: pieces[t].shown,
                          group: pieces[t].group, groupText: pieces[t].groupText)
            },
            targetID: Int(targetID), targetText: tok.decodeText([targetID]), a: sideA, b: sideB, klDivergence: kl,
            dlaHeadChange: (0..<L).map { l in (0..<H).map { db.heads[l][$0] - da.heads[l][$0] } }, attentionChange: change,
            heads: Array(heads.prefix(20)), neurons: neurons, vocab: vocab, prompt: given, promptText: prompt, chat: templated)
    }
}
