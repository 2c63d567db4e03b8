import Foundation
import Models

/// What to inspect, as the CLI's flags and the studio's query parameters give it: text, not yet checked.
package struct InspectRequest: Sendable {
    package var prompt: String
    /// Token ids to inspect instead of the prompt's text (e.g. a prompt and the tokens generated after it, exactly
    /// as they were fed: decoding and encoding again need not give the same ids).
    package var ids: [Int]?
    /// Attribute this text's first token (default: the predicted next token).
    package var target: String?
    package var targetID: Int?
    /// Explain the target rather than this text's first token (or id): the logit difference is attributed.
    package var contrast: String?
    package var contrastID: Int?
    /// Layers whose full patterns go into the document (default: the first and the last).
    package var attentionLayers: [Int]?
    package var topK = 5
    /// `mean+sinks`, `mean+first`, `zero`, `token:ID`, `token:ID+first`.
    package var baseline = "mean+sinks"
    package var steps = 64
    /// The adaptive rule's limit when it goes on past `steps` to close the completeness gap (default 4 × steps).
    package var maxSteps: Int?
    /// `adaptive`, `riemann` or `gauss`.
    package var rule = "adaptive"
    /// `LAYER:INDEX`
    package var neuron: String?
    /// The analyses to compute; nil: `InspectPart.standard` (all, the contribution graph up to 128 tokens).
    package var parts: Set<InspectPart>?
    /// Add what the HTML report needs (every layer's attention compressed, the text of every token shown).
    package var forReport = false

    package init(prompt: String) { self.prompt = prompt }
}

/// What to patch: two prompts of the same number of tokens, the clean answer and the corrupted one.
package struct PatchRequest: Sendable {
    package var clean: String
    package var corrupted: String
    package var answer: String
    package var wrong: String
    package init(clean: String, corrupted: String, answer: String, wrong: String) {
        self.clean = clean; self.corrupted = corrupted; self.answer = answer; self.wrong = wrong
    }
}

/// The one place where requests become documents: the CLI, the HTML report and the studio all call these, so the
/// same request gives the same document everywhere. Every check of the request happens here, with a message that
/// names the field and the problem.
package enum InspectService {
    /// Token ids given by a caller, each checked against the vocabulary.
    static func checkedIDs(_ ids: [Int], vocabulary V: Int) throws -> [Int32] {
        try ids.map { id in
            guard (0..<V).contains(id) else { throw InterpretabilityError("token id \(id) is outside the vocabulary of \(V)", field: "ids") }
            return Int32(id)
        }
    }

    package static func inspect(_ loaded: LoadedModel, _ r: InspectRequest, monitor: WorkMonitor? = nil) throws -> InspectDocument {
        guard let model = loaded.model as? any InspectableModel else {
            throw InterpretabilityError("a \(loaded.architecture) model cannot be inspected")
        }
        let tok = loaded.tokenizer
        let ids = try r.ids.map { try checkedIDs($0, vocabulary: model.shape.vocab) } ?? tok.encodeText(r.prompt)
        guard !ids.isEmpty else { throw InterpretabilityError("the prompt is empty", field: r.ids == nil ? "prompt" : "ids") }
        guard ids.count <= loaded.model.contextLength else {
            throw InterpretabilityError("the prompt has \(ids.count) tokens; the model's context is \(loaded.model.contextLength)", field: "prompt")
        }
        let c = model.shape, L = c.layers, V = c.vocab
        var o = InspectionOptions()
        guard (1...100).contains(r.topK) else { throw InterpretabilityError("top-k must be in 1...100, got \(r.topK)", field: "top_k") }
        o.topK = r.topK
        o.attentionLayers = try (r.attentionLayers ?? [0, L - 1]).map { l in
            guard (0..<L).contains(l) else { throw InterpretabilityError("layer \(l) is not a layer of this model (0..<\(L))", field: "layers") }
            return l
        }
        if let id = r.targetID {
            guard (0..<V).contains(id) else { throw InterpretabilityError("target id \(id) is outside the vocabulary of \(V)", field: "target_id") }
            o.target = Int32(id)
        } else if let text = r.target {
            guard let first = try tok.encodeFragment(text).first else { throw InterpretabilityError("the target is empty", field: "target") }
            o.target = first
        }
        if let id = r.contrastID {
            guard (0..<V).contains(id) else { throw InterpretabilityError("contrast id \(id) is outside the vocabulary of \(V)", field: "contrast_id") }
            o.contrast = Int32(id)
        } else if let text = r.contrast {
            guard let first = try tok.encodeFragment(text).first else { throw InterpretabilityError("the contrast is empty", field: "contrast") }
            o.contrast = first
        }
        if let c = o.contrast, c == o.target {
            throw InterpretabilityError("the contrast is the target itself (logit(t) − logit(t) is 0 everywhere)", field: "contrast")
        }
        o.baseline = try AttributionBaseline.parse(r.baseline, vocabulary: V)
        guard (1...4096).contains(r.steps) else { throw InterpretabilityError("steps must be in 1...4096, got \(r.steps)", field: "steps") }
        o.steps = r.steps
        if let m = r.maxSteps {
            guard (r.steps...16384).contains(m) else {
                throw InterpretabilityError("max steps must be in \(r.steps)...16384 (at least steps), got \(m)", field: "max_steps")
            }
            o.maxSteps = m
        }
        o.rule = try IntegrationRule.parse(r.rule)
        if let n = r.neuron {
            let parts = n.split(separator: ":").map { Int($0) }
            guard parts.count == 2, let l = parts[0], let i = parts[1], (0..<L).contains(l), (0..<c.mlpWidth).contains(i) else {
                throw InterpretabilityError("neuron '\(n.prefix(40))' is not LAYER:INDEX with a layer in 0..<\(L) and an index in 0..<\(c.mlpWidth)", field: "neuron")
            }
            o.neuron = (l, i)
        }
        o.parts = r.parts ?? InspectPart.standard(positions: ids.count)
        o.compactAttention = r.forReport
        var doc = try Inspector(model: model, tokenString: { tok.tokenString($0) }, tokenText: { tok.decodeText([$0]) },
                                tokenBytes: { tok.decodeBytes([$0]) })
            .run(ids, options: o, monitor: monitor)
        doc.model = ModelSummary(loaded, shape: c)
        return doc
    }

    /// The scan of `r`. Streaming: `onStart` gets the document before the scans run (tokens, answers, the metric
    /// on both prompts; both scans' `restored` empty), `onRows` each group of layers as it is done.
    package static func patch(_ loaded: LoadedModel, _ r: PatchRequest, monitor: WorkMonitor? = nil,
                             onStart: ((PatchDocument) -> Void)? = nil, onRows: ((PatchRows) -> Void)? = nil) throws -> PatchDocument {
        guard let model = loaded.model as? any InspectableModel else {
            throw InterpretabilityError("a \(loaded.architecture) model cannot be patched")
        }
        let tok = loaded.tokenizer
        let c = try tok.encodeText(r.clean), x = try tok.encodeText(r.corrupted)
        guard !c.isEmpty, c.count == x.count else {
            throw InterpretabilityError("the clean prompt has \(c.count) tokens and the corrupted one \(x.count): they must be equal (and non-zero)")
        }
        guard let a = try tok.encodeFragment(r.answer).first, let w = try tok.encodeFragment(r.wrong).first else {
            throw InterpretabilityError("the answer and the wrong answer must not be empty")
        }
        guard c.count <= loaded.model.contextLength else {
            throw InterpretabilityError("the prompts have \(c.count) tokens; the model's context is \(loaded.model.contextLength)")
        }
        guard a != w else { throw InterpretabilityError("the answer and the wrong answer are the same token (\(tok.tokenString(a)))") }
        func answer(_ id: Int32) -> PatchDocument.Answer { .init(id: Int(id), text: tok.tokenString(id), decoded: tok.decodeText([id])) }
        var doc = PatchDocument(
            model: ModelSummary(loaded, shape: model.shape, includeMLP: false),
            cleanTokens: c.map { tok.tokenString($0) }, corruptedTokens: x.map { tok.tokenString($0) },
            cleanDecoded: c.map { tok.decodeText([$0]) }, corruptedDecoded: x.map { tok.decodeText([$0]) },
            answer: answer(a), wrong: answer(w), metric: "logit(answer) - logit(wrong) at the last position",
            cleanMetric: .nan, corruptedMetric: .nan,
            residual: .init(hook: "blocks.{L}.hook_resid_pre", restored: []),
            heads: .init(hook: "blocks.{L}.attn.hook_z", restored: []))
        let result = try Patcher(model: model).run(clean: c, corrupted: x, answer: a, wrong: w, monitor: monitor, onMetrics: { clean, corrupted in
            doc.cleanMetric = clean; doc.corruptedMetric = corrupted
            onStart?(doc)
        }, onRows: onRows)
        doc.cleanMetric = result.cleanMetric; doc.corruptedMetric = result.corruptedMetric
        doc.residual.restored = result.residual; doc.heads.restored = result.heads
        return doc
    }
}

extension AttributionBaseline {
    /// `mean+sinks`, `mean+first`, `zero`, `token:ID` or `token:ID+first`.
    package static func parse(_ s: String, vocabulary V: Int) throws -> AttributionBaseline {
        let choices = "mean+sinks, mean+first, zero, token:ID or token:ID+first"
        switch s {
        case "zero": return .zero
        case "mean+first": return .meanKeepingFirst
        case "mean+sinks": return .meanKeepingSinks
        default: break
        }
        guard s.hasPrefix("token:") else { throw InterpretabilityError("baseline '\(s.prefix(40))' is not one of \(choices)", field: "baseline") }
        var rest = String(s.dropFirst(6))
        let keep = rest.hasSuffix("+first")
        if keep { rest = String(rest.dropLast(6)) }
        guard let id = Int32(rest) else { throw InterpretabilityError("baseline '\(s.prefix(40))' is not one of \(choices)", field: "baseline") }
        guard (0..<V).contains(Int(id)) else {
            throw InterpretabilityError("baseline token id \(id) is outside the vocabulary of \(V) (0..<\(V))", field: "baseline")
        }
        return keep ? .tokenKeepingFirst(id) : .token(id)
    }
}

extension IntegrationRule {
    /// `adaptive`, `riemann` or `gauss`.
    package static func parse(_ s: String) throws -> IntegrationRule {
        switch s {
        case "adaptive": return .adaptive
        case "riemann": return .rightRiemann
        case "gauss": return .gaussLegendre
        default: throw InterpretabilityError("rule '\(s.prefix(40))' is not adaptive, riemann or gauss", field: "rule")
        }
    }
}
