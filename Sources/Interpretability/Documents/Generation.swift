import Foundation
import Models
import NeuralNet
import TensorCore
import Tokenization

/// Edits given as text (CLI flags, query parameters): `head:L:H[:SCALE]`, `neuron:L:N[:SCALE]`, and a steering
/// vector from two prompts at a layer.
package struct InterventionRequest: Sendable, Equatable {
    package var edits: [String] = []
    package var steerLayer: Int?
    package var steerFrom: String?
    package var steerTo: String?
    package var steerScale: Float = 4
    package init() {}
    package var isEmpty: Bool { edits.isEmpty && steerLayer == nil }
}

/// What to generate: a prompt (wrapped in the chat template with `chat`), the sampling settings, the number of
/// alternatives reported per token, and optional interventions applied while generating.
package struct GenerateRequest: Sendable {
    package var prompt: String
    package var chat = false
    package var system: String?
    /// A whole conversation to answer (with `chat`), instead of `system` and `prompt`: the last message is the
    /// user's.
    package var messages: [ChatMessage]?
    package var maxTokens = 64
    package var sampling = SamplingOptions()
    package var seed: UInt64 = 0
    package var stop: [String] = []
    package var alternatives = 5
    package var interventions = InterventionRequest()
    package init(prompt: String) { self.prompt = prompt }
}

/// A conversation's decoding state between its turns: the KV cache and the ids it holds (`InspectService.generate`
/// with `cache`; the terminal's `chat`). One conversation at a time: not for concurrent use.
package final class ConversationCache {
    fileprivate var kept: (any DecodingSession)?
    fileprivate var capacity = 0
    fileprivate var fed: [Int32] = []
    /// How many prompt tokens the last turn took from the cache instead of feeding them.
    package fileprivate(set) var reused = 0
    /// The fewest positions a session is made with.
    let initialCapacity: Int
    package init(initialCapacity: Int = 2048) { self.initialCapacity = max(1, initialCapacity) }

    /// A session with room for `needed` positions: the kept one, or (first, or when the conversation outgrows it) a
    /// new one with room to spare, up to the model's context. A cache's memory is taken when it is made, so a model
    /// of a 128k context does not get one of that size for a short conversation.
    fileprivate func session(for model: any LanguageModel, holding needed: Int) -> any DecodingSession {
        if let kept, needed <= capacity { return kept }
        capacity = min(model.contextLength, max(needed, 2 * capacity, initialCapacity))
        let made = model.makeSession(capacity: capacity)
        kept = made; fed = []
        return made
    }

    /// Forgets the conversation (the next turn is fed whole).
    package func reset() { kept?.truncate(to: 0); fed = []; reused = 0 }
}

/// One applied edit, described for people.
package struct AppliedIntervention: Codable, Sendable, Equatable {
    package var kind: String
    package var layer: Int
    package var head: Int?
    package var index: Int?
    package var scale: Float
    package var from: String?
    package var to: String?
    /// ‖steering vector‖ before scaling.
    package var norm: Float?
    package var description: String
}

/// Original against intervened: the next-token distribution at the last position, the target's logit, and
/// optionally a greedy continuation of each (`glassbox intervene --json`, `/api/intervene`).
package struct InterventionDocument: Codable, Sendable {
    package struct Prediction: Codable, Sendable, Equatable {
        package var top: [RankedToken]
        package var entropy: Float
    }
    package struct Continuation: Codable, Sendable, Equatable {
        package var ids: [Int]
        package var text: String
        /// Each token as shown: its text, or `\xHH` escapes for a part of a character (so that a page can group a
        /// character's tokens back; `text` has U+FFFD where the continuation stops inside one).
        package var shown: [String]? = nil
    }
    package struct Logits: Codable, Sendable, Equatable {
        package var original: Float
        package var intervened: Float
    }
    package struct Generations: Codable, Sendable, Equatable {
        package var original: Continuation
        package var intervened: Continuation
    }
    package var model: ModelSummary
    package var tokens: [TokenInfo]
    package var interventions: [AppliedIntervention]
    package var original: Prediction
    package var intervened: Prediction
    /// KL(original ‖ intervened) of the next-token distributions, in nats.
    package var klDivergence: Double
    package var targetID: Int
    package var targetText: String
    package var targetLogit: Logits
    package var generation: Generations?
    /// The decoded text of every token id the document shows.
    package var vocab: [String: String]

    enum CodingKeys: String, CodingKey {
        case model, tokens, interventions, original, intervened, klDivergence = "kl_divergence", targetID = "target_id"
        case targetText = "target_text", targetLogit = "target_logit", generation, vocab
    }
}

/// A model's architecture and weights (`glassbox info --json`'s big brother; `/api/models/ID/card`).
package struct ModelCard: Codable, Sendable {
    package struct Component: Codable, Sendable {
        package var name: String
        package var parameters: Int
        package var shape: [Int]?
        package var tied: Bool?
        package var children: [Component]?
    }
    package struct TypeShare: Codable, Sendable, Equatable {
        package var type: String
        package var parameters: Int
        package var bytes: Int
    }
    package struct Histogram: Codable, Sendable, Equatable {
        package var lo: Float
        package var hi: Float
        package var counts: [Int]
    }
    package struct WeightStats: Codable, Sendable {
        package var name: String
        package var label: String
        package var layer: Int?
        package var kind: String
        package var shape: [Int]
        package var type: String
        package var bytes: Int
        package var parameters: Int
        /// Frobenius norm, mean, standard deviation, extremes (after dequantisation).
        package var norm: Double
        package var mean: Double
        package var std: Double
        package var min: Float
        package var max: Float
        package var histogram: Histogram
    }
    package var model: ModelSummary
    package var fileBytes: Int
    package var types: [TypeShare]
    package var components: Component
    package var weights: [WeightStats]

    enum CodingKeys: String, CodingKey { case model, fileBytes = "file_bytes", types, components, weights }
}

extension InspectService {
    /// The edits of `r`, checked against the model (a steering vector is computed from its two prompts).
    package static func interventions(_ loaded: LoadedModel, _ r: InterventionRequest) throws -> ([Intervention], [AppliedIntervention]) {
        guard let model = loaded.model as? any InspectableModel else {
            throw InterpretabilityError("a \(loaded.architecture) model cannot be edited")
        }
        let c = model.shape
        guard r.edits.count <= 256 else { throw InterpretabilityError("at most 256 edits, got \(r.edits.count)", field: "edits") }
        var out: [Intervention] = [], applied: [AppliedIntervention] = []
        for text in r.edits {
            let e = try Intervention.parse(text, shape: c)
            out.append(e)
            switch e {
            case .head(let l, let h, let s):
                applied.append(.init(kind: "head", layer: l, head: h, scale: s,
                                     description: s == 0 ? "remove head L\(l) H\(h)" : "scale head L\(l) H\(h) ×\(s)"))
            case .neuron(let l, let i, let s):
                applied.append(.init(kind: "neuron", layer: l, index: i, scale: s,
                                     description: s == 0 ? "remove neuron L\(l) N\(i)" : "scale neuron L\(l) N\(i) ×\(s)"))
            case .steer: break
            }
        }
        if let l = r.steerLayer {
            guard (0..<c.layers).contains(l) else {
                throw InterpretabilityError("steer layer \(l) is not a layer of this model (0..<\(c.layers))", field: "steer_layer")
            }
            guard r.steerScale.isFinite, abs(r.steerScale) <= 1000 else {
                throw InterpretabilityError("the steering scale must be a finite number within ±1000", field: "steer_scale")
            }
            let tok = loaded.tokenizer
            func tokens(_ text: String?, _ name: String, field: String) throws -> (String, [Int32]) {
                guard let text else { throw InterpretabilityError("a steering vector needs a non-empty '\(name)' text", field: field) }
                let ids: [Int32]
                do { ids = try tok.encodeText(text) } catch {
                    throw InterpretabilityError("the '\(name)' text cannot be tokenized: \(error)", field: field)
                }
                guard !ids.isEmpty else { throw InterpretabilityError("a steering vector needs a non-empty '\(name)' text", field: field) }
                return (text, ids)
            }
            let (from, a) = try tokens(r.steerFrom, "from", field: "steer_from")
            let (to, b) = try tokens(r.steerTo, "to", field: "steer_to")
            guard a.count <= 512, b.count <= 512 else {
                throw InterpretabilityError("steering prompts of at most 512 tokens", field: "steer_from")
            }
            let v = Intervention.steeringVector(model: model, from: a, to: b, layer: l)
            let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            out.append(.steer(layer: l, vector: v.map { $0 * r.steerScale }))
            applied.append(.init(kind: "steer", layer: l, scale: r.steerScale, from: from, to: to, norm: norm,
                                 description: "steer at L\(l) by ×\(r.steerScale) from \(String(reflecting: from)) to \(String(reflecting: to))"))
        } else if r.steerFrom != nil || r.steerTo != nil {
            throw InterpretabilityError("a steering vector needs its layer", field: "steer_layer")
        }
        return (out, applied)
    }

    /// Generates from `r`, telling `onToken` of each token as it comes (return false to stop), and returns the
    /// document `glassbox generate --json --explain` prints. The model's own sampler and KV cache; interventions,
    /// if any, apply to every forward of the generation.
    ///
    /// With a `cache` (a conversation's turns, one after another), the decoding state is kept between calls and
    /// only the part of the prompt it does not already hold is fed; a generation with interventions, or on a model
    /// whose context slides, starts afresh.
    package static func generate(_ loaded: LoadedModel, _ r: GenerateRequest, monitor: WorkMonitor? = nil,
                                cache: ConversationCache? = nil,
                                onStart: ([Int32], String) -> Void = { _, _ in },
                                onToken: (GenerationDocument.Token) -> Bool = { _ in true }) throws -> GenerationDocument {
        let tok = loaded.tokenizer
        var text = r.prompt
        var endOfTurn: [String] = []
        if r.chat {
            let template: ChatTemplate
            do { template = try loaded.chatFormat() } catch let e as ChatTemplateError {
                throw InterpretabilityError(e.description, field: "chat")
            }
            let messages = r.messages ?? (r.system.map { [ChatMessage(role: "system", content: $0)] } ?? [])
                + [ChatMessage(role: "user", content: r.prompt)]
            if let bad = messages.first(where: { !["system", "user", "assistant"].contains($0.role) }) {
                throw InterpretabilityError("a message's role is '\(bad.role.prefix(40))': system, user or assistant", field: "messages")
            }
            guard messages.last?.role == "user" else {
                throw InterpretabilityError("a conversation to answer ends with the user's message", field: "messages")
            }
            text = template.render(messages)
            endOfTurn = [template.endOfTurn]
        }
        let ids = try tok.encodeText(text)
        guard !ids.isEmpty else { throw InterpretabilityError("the prompt is empty: give some text to continue", field: "prompt") }
        let model = loaded.model
        guard ids.count < model.contextLength || model.slidesContext else {
            throw InterpretabilityError("the prompt has \(ids.count) tokens; the model's context is \(model.contextLength)", field: "prompt")
        }
        guard (0...4096).contains(r.maxTokens) else { throw InterpretabilityError("max tokens must be in 0...4096, got \(r.maxTokens)", field: "max_tokens") }
        guard (1...50).contains(r.alternatives) else { throw InterpretabilityError("alternatives must be in 1...50, got \(r.alternatives)", field: "alternatives") }
        let s = r.sampling
        guard s.temperature.isFinite, s.temperature >= 0 else { throw InterpretabilityError("temperature must be a finite number >= 0", field: "temperature") }
        guard s.topK >= 0, s.topK <= tok.vocabularySize else { throw InterpretabilityError("top-k must be in 0...\(tok.vocabularySize)", field: "top_k") }
        guard s.topP > 0, s.topP <= 1 else { throw InterpretabilityError("top-p must be in (0, 1]", field: "top_p") }
        guard s.minP >= 0, s.minP < 1 else { throw InterpretabilityError("min-p must be in [0, 1)", field: "min_p") }
        guard s.repetitionPenalty.isFinite, s.repetitionPenalty > 0 else { throw InterpretabilityError("the repeat penalty must be a finite number > 0", field: "repeat_penalty") }
        let (edits, _) = try interventions(loaded, r.interventions)
        let hooks = (model as? any InspectableModel).flatMap { Intervention.hooks(edits, shape: $0.shape) }
        var options = GenerationOptions()
        options.maxTokens = r.maxTokens
        options.sampling = s
        options.seed = r.seed
        options.stopStrings = r.stop + endOfTurn.filter { !r.stop.contains($0) }
        options.alternatives = r.alternatives
        onStart(ids, text)
        let generator = Generator(model: model, tokenizer: tok)
        let session: any DecodingSession
        var fed = ids
        if let cache, hooks == nil, !model.slidesContext {
            let kept = cache.session(for: model, holding: ids.count + r.maxTokens + 1)
            // The last prompt token is always fed: its logits start the answer.
            let common = min(zip(ids, cache.fed).prefix { $0 == $1 }.count, ids.count - 1)
            kept.truncate(to: common)
            cache.reused = common
            fed = Array(ids[common...])
            session = kept
        } else {
            session = model.makeSession(capacity: ids.count + r.maxTokens + 1, hooks: hooks)
        }
        var explained: [GenerationDocument.Token] = []
        let result = generator.generate(prompt: fed, options: options, session: session) { token in
            let t = GenerationDocument.Token(
                id: Int(token.id), text: token.text, token: tok.tokenString(token.id), probability: token.probability ?? 0,
                rank: token.rank ?? 0, entropy: token.entropy ?? 0,
                alternatives: token.alternatives.map {
                    // a part of a character reads as its byte escapes (`\xE6\xB3`), not as U+FFFD
                    .init(id: Int($0.id), text: TokenPiece.describe([$0.id], tokenizer: tok)[0].shown, probability: $0.probability)
                })
            explained.append(t)
            if monitor?.isCancelled == true { return false }
            monitor?.progress("generate", Double(explained.count) / Double(max(r.maxTokens, 1)))
            return onToken(t)
        }
        // The session holds the prompt and every generated id but the last (sampled, never fed).
        if let cache, session === cache.kept { cache.fed = ids + result.ids.dropLast() }
        return GenerationDocument(promptIDs: ids.map(Int.init), ids: result.ids.map(Int.init), text: result.text,
                                  stopReason: result.stopReason, prefillTokensPerSecond: result.prefillTokensPerSecond,
                                  decodeTokensPerSecond: result.decodeTokensPerSecond, tokens: explained)
    }

    /// The prompt run with and without the edits: the next-token distributions, the logit of the originally
    /// predicted token, and (with `generate` > 0) a greedy continuation of each.
    package static func intervene(_ loaded: LoadedModel, prompt: String, _ r: InterventionRequest, generate: Int = 0, topK: Int = 5,
                                 monitor: WorkMonitor? = nil) throws -> InterventionDocument {
        guard let model = loaded.model as? any InspectableModel else {
            throw InterpretabilityError("a \(loaded.architecture) model cannot be edited")
        }
        let tok = loaded.tokenizer
        let ids = try tok.encodeText(prompt)
        guard !ids.isEmpty else { throw InterpretabilityError("the prompt is empty", field: "prompt") }
        guard ids.count + generate <= loaded.model.contextLength || loaded.model.slidesContext else {
            throw InterpretabilityError("the prompt has \(ids.count) tokens; the model's context is \(loaded.model.contextLength)", field: "prompt")
        }
        guard (0...256).contains(generate) else { throw InterpretabilityError("generate must be in 0...256, got \(generate)", field: "generate") }
        guard (1...100).contains(topK) else { throw InterpretabilityError("top-k must be in 1...100, got \(topK)", field: "top_k") }
        guard !r.isEmpty else { throw InterpretabilityError("no edits: give head:L:H[:SCALE], neuron:L:N[:SCALE] or a steering vector", field: "edits") }
        let (edits, applied) = try interventions(loaded, r)
        let hooks = Intervention.hooks(edits, shape: model.shape)
        try monitor?.check()
        let (base, edited) = GradMode.withoutGradients {
            (model.run(ids, logits: .last).scalars, model.run(ids, logits: .last, hooks: hooks).scalars)
        }
        let p = softmaxDouble(base), q = softmaxDouble(edited)
        let kl = klDivergence(p, q)
        func prediction(_ probs: [Double]) -> InterventionDocument.Prediction {
            let top = probs.indices.sorted { probs[$0] > probs[$1] }.prefix(topK)
            let h = probs.reduce(0.0) { $1 > 0 ? $0 - $1 * Foundation.log($1) : $0 }
            return .init(top: top.map { RankedToken(id: $0, probability: Float(probs[$0])) }, entropy: Float(h))
        }
        let target = p.indices.max { p[$0] < p[$1] } ?? 0
        var generation: InterventionDocument.Generations?
        if generate > 0 {
            var options = GenerationOptions()
            options.maxTokens = generate
            options.sampling.temperature = 0
            let generator = Generator(model: loaded.model, tokenizer: tok)
            func run(_ hooks: Hooks?) throws -> InterventionDocument.Continuation {
                try monitor?.check()
                let session = loaded.model.makeSession(capacity: ids.count + generate + 1, hooks: hooks)
                let g = generator.generate(prompt: ids, options: options, session: session) { _ in monitor?.isCancelled != true }
                return .init(ids: g.ids.map(Int.init), text: g.text, shown: TokenPiece.describe(g.ids, tokenizer: tok).map(\.shown))
            }
            generation = .init(original: try run(nil), intervened: try run(hooks))
            try monitor?.check()
        }
        let pieces = TokenPiece.describe(ids, tokenizer: tok)
        let original = prediction(p), intervened = prediction(q)
        var vocab: [String: String] = [:]
        for t in original.top + intervened.top { vocab[String(t.id)] = TokenPiece.describe([Int32(t.id)], tokenizer: tok)[0].shown }
        return InterventionDocument(
            model: ModelSummary(loaded, shape: model.shape),
            tokens: ids.enumerated().map { t, id in
                TokenInfo(position: t, id: Int(id), text: tok.tokenString(id), decoded: tok.decodeText([id]), shown: pieces[t].shown,
                          group: pieces[t].group, groupText: pieces[t].groupText)
            },
            interventions: applied, original: original, intervened: intervened, klDivergence: kl,
            targetID: target, targetText: tok.decodeText([Int32(target)]),
            targetLogit: .init(original: base[target], intervened: edited[target]), generation: generation, vocab: vocab)
    }

    /// KL(p ‖ q) in nats (0 for identical distributions; q's zeros floored so the sum stays finite).
    static func klDivergence(_ p: [Double], _ q: [Double]) -> Double {
        var kl = 0.0
        for i in p.indices where p[i] > 0 { kl += p[i] * (Foundation.log(p[i]) - Foundation.log(max(q[i], 1e-300))) }
        return max(0, kl)
    }

    static func softmaxDouble(_ logits: [Float]) -> [Double] {
        let m = Double(logits.max() ?? 0)
        let e = logits.map { Foundation.exp(Double($0) - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}

/// The `start` event of a streamed generation: the prompt as fed (after the chat template).
package struct GenerationStart: Codable, Sendable {
    package struct PromptToken: Codable, Sendable, Equatable {
        package var id: Int
        package var text: String
        package var shown: String
        package init(id: Int, text: String, shown: String) { self.id = id; self.text = text; self.shown = shown }
    }
    package var promptIDs: [Int]
    package var promptText: String
    package var promptTokens: [PromptToken]
    package init(promptIDs: [Int], promptText: String, promptTokens: [PromptToken]) {
        self.promptIDs = promptIDs; self.promptText = promptText; self.promptTokens = promptTokens
    }
    enum CodingKeys: String, CodingKey { case promptIDs = "prompt_ids", promptText = "prompt_text", promptTokens = "prompt_tokens" }

    /// The prompt `ids` (fed as `text`) with each token's decoded text and how it reads.
    package init(ids: [Int32], text: String, tokenizer tok: any TextTokenizer) {
        let pieces = TokenPiece.describe(ids, tokenizer: tok)
        self.init(promptIDs: ids.map(Int.init), promptText: text,
                  promptTokens: zip(ids, pieces).map { PromptToken(id: Int($0), text: tok.decodeText([$0]), shown: $1.shown) })
    }
}

/// A `token` event: the explained token, its index in the generation and how it reads (`shown`: byte escapes for
/// a part of a character).
package struct GenerationTokenEvent: Encodable, Sendable {
    package var index: Int
    package var token: GenerationDocument.Token
    package var shown: String
    package init(index: Int, token: GenerationDocument.Token, tokenizer: any TextTokenizer) {
        self.index = index; self.token = token
        shown = TokenPiece.describe([Int32(token.id)], tokenizer: tokenizer)[0].shown
    }
    enum CodingKeys: String, CodingKey { case index, shown }
    package func encode(to encoder: Encoder) throws {
        try token.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(shown, forKey: .shown)
    }
}
