import Foundation
import Models
import Tokenization
import TensorCore

/// What `Inspector.run` computes.
package struct InspectionOptions {
    /// Alternatives per position and per logit-lens layer; neurons per layer and position.
    package var topK = 5
    /// Layers whose full attention patterns go into the document (heads × query × key).
    package var attentionLayers: [Int] = []
    /// The token whose logit is attributed (default: the predicted next token).
    package var target: Int32?
    /// Explain the target against this token: logit(target) − logit(contrast) in the DLA and the attributions.
    package var contrast: Int32?
    package var baseline: AttributionBaseline = .meanKeepingSinks
    package var steps = 64
    /// The adaptive rule may go on past `steps` up to this while the completeness gap is above 5% (nil: 4 × steps).
    package var maxSteps: Int?
    package var rule: IntegrationRule = .adaptive
    /// One neuron (layer, index) to trace across the tokens.
    package var neuron: (layer: Int, index: Int)?
    /// Every layer's attention, compressed, and the text of every token shown: what the HTML report needs.
    package var compactAttention = false
    /// The analyses to compute (the tokens and next-token predictions always come).
    package var parts = Set(InspectPart.allCases)

    package init() {}
}

/// The analyses an inspection can compute (`--only`); the next-token predictions always come.
public enum InspectPart: String, CaseIterable, Sendable, Codable {
    case lens, attention, dla, neurons, graph, attributions

    /// Every part; without the contribution graph past 128 tokens (its T × T per layer would dominate the document).
    package static func standard(positions: Int) -> Set<InspectPart> {
        positions > 128 ? Set(allCases).subtracting([.graph]) : Set(allCases)
    }

    /// Parts from a comma-separated list ("lens,attention"), or an error naming the unknown one.
    package static func parse(_ list: String) throws -> Set<InspectPart> {
        var out = Set<InspectPart>()
        for p in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !p.isEmpty {
            guard let part = InspectPart(rawValue: p) else {
                throw InterpretabilityError("'\(p.prefix(40))' is not an analysis: choose from \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out.insert(part)
        }
        return out
    }
}

/// Attention patterns of every layer and head, compressed for the HTML report: for each query row the keys with
/// the largest weights (all of them for prompts up to `fullUpTo` tokens), each as (key: UInt16, weight: UInt8 =
/// round(255 p)), base64-encoded per head. Longer prompts keep each row's 24 (over 256 tokens: 16) largest weights.
package struct CompactAttention {
    package let positions: Int
    package let keysPerRow: Int
    /// [layer][head] base64 of rows: for query i, min(i + 1, keysPerRow) entries of 3 bytes (key lo, key hi, weight).
    package private(set) var layers: [[String]] = []

    package init(positions: Int, fullUpTo: Int = 96) {
        self.positions = positions
        keysPerRow = positions <= fullUpTo ? positions : positions <= 256 ? 24 : 16
    }

    /// Adds one layer's pattern (H, T, T) (or (1, H, T, T)).
    package mutating func append(_ pattern: Tensor) {
        let p = pattern.contiguous(), T = positions
        let H = p.count / (T * T)
        var heads: [String] = []
        for h in 0..<H {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(T * min(T, keysPerRow) * 3)
            for i in 0..<T {
                let row = UnsafeBufferPointer(start: p.data + (h * T + i) * T, count: i + 1)
                let keys = row.count <= keysPerRow ? Array(0..<row.count) : Self.largest(row, keysPerRow)
                for j in keys {
                    bytes.append(UInt8(j & 0xff)); bytes.append(UInt8(j >> 8))
                    bytes.append(UInt8(max(0, min(255, (row[j] * 255).rounded()))))
                }
            }
            heads.append(Data(bytes).base64EncodedString())
        }
        layers.append(heads)
    }

    static func largest(_ row: UnsafeBufferPointer<Float>, _ k: Int) -> [Int] {
        Array(row.indices.sorted { row[$0] > row[$1] }.prefix(k)).sorted()
    }

    package var data: InspectDocument.CompactAttentionData { .init(positions: positions, keysPerRow: keysPerRow, layers: layers) }
}

/// Runs the analyses of `glassbox inspect` on one prompt and returns them as a document (docs/inspect-json.md).
/// One hooked forward pass feeds every cache-based analysis; integrated gradients come last (the slow part).
package struct Inspector {
    package let model: any InspectableModel
    /// How a token id is shown (its vocabulary string) and its decoded text.
    package let tokenString: (Int32) -> String
    package let tokenText: (Int32) -> String
    /// A token's bytes (for showing characters split across tokens).
    package let tokenBytes: ((Int32) -> [UInt8])?

    package init(model: any InspectableModel, tokenString: @escaping (Int32) -> String, tokenText: @escaping (Int32) -> String,
                tokenBytes: ((Int32) -> [UInt8])? = nil) {
        self.model = model; self.tokenString = tokenString; self.tokenText = tokenText; self.tokenBytes = tokenBytes
    }

    package func run(_ ids: [Int32], options o: InspectionOptions, monitor: WorkMonitor? = nil) throws -> InspectDocument {
        let c = model.shape, L = c.layers, H = c.heads, V = c.vocab, T = ids.count
        let allLayers = Array(0..<L)
        let parts = o.parts
        var wanted = Set<String>()
        if parts.contains(.lens) { wanted.formUnion(HookNames.residuals(layers: L)) }
        if parts.contains(.dla) { wanted.formUnion(DirectLogitAttribution.hookNames(layers: L)) }
        if parts.contains(.neurons) || o.neuron != nil { wanted.formUnion(NeuronActivations.hookNames(layers: allLayers)) }
        if parts.contains(.attention) { for l in o.attentionLayers { wanted.insert("blocks.\(l).attn.hook_pattern") } }
        if parts.contains(.graph) { wanted.formUnion(ContributionGraph.hookNames(model: model)) }
        let hooks = Hooks(cache: { wanted.contains($0) })
        var summaries: [[HeadSummary]] = []
        var compact = o.compactAttention && parts.contains(.attention) ? CompactAttention(positions: T) : nil
        try monitor?.check()
        monitor?.progress("forward", 0)
        let logits = GradMode.withoutGradients {
            model.run(ids, hooks: hooks, attention: parts.contains(.attention) ? { _, p in
                summaries.append(HeadSummary.summarise(p.reshaped([H, T, T])))
                compact?.append(p)
            } : nil)
        }
        monitor?.progress("forward", 1)
        let positions = (0..<T).map { t in
            Distribution(logits: UnsafeBufferPointer(start: logits.data + t * V, count: V), k: o.topK,
                         chosen: t + 1 < T ? ids[t + 1] : nil)
        }
        let pieces = tokenBytes.map { bytes in TokenPiece.describe(ids.map(bytes)) }
        func ranked(_ top: TopTokens) -> [RankedToken] { top.map { RankedToken(id: Int($0.id), probability: $0.probability) } }
        var doc = InspectDocument(
            tokens: ids.enumerated().map { t, id in
                let piece = pieces.map { $0[t] }
                return TokenInfo(position: t, id: Int(id), text: tokenString(id), decoded: tokenText(id), shown: piece?.shown,
                                 group: piece?.group, groupText: piece?.groupText)
            },
            positions: positions.enumerated().map { t, d in
                .init(position: t, top: ranked(d.top), entropy: d.entropy, actualNextRank: d.chosenRank, actualNextProbability: d.chosenProbability)
            })
        let target = o.target ?? positions[T - 1].top[0].id
        if o.contrast == target {
            throw InterpretabilityError("the contrast is the target itself (the predicted token unless a target is given)", field: "contrast")
        }
        if parts.contains(.lens) {
            try monitor?.check()
            let lens = try LogitLens(model: model, cache: hooks.cache, position: T - 1, topK: o.topK)
            doc.logitLens = lens.entries.map { .init(layer: $0.layer, top: ranked($0.distribution.top), finalTokenRank: $0.distribution.chosenRank ?? -1) }
            let grid = try LogitLensGrid(model: model, cache: hooks.cache)
            doc.logitLensGrid = .init(top: grid.top.map { $0.map(Int.init) }, probability: grid.probability, finalRank: grid.finalRank)
            monitor?.progress("lens", 1)
        }
        if parts.contains(.attention) {
            doc.attention = try o.attentionLayers.map { l in
                let s = try hook(hooks.cache, "blocks.\(l).attn.hook_pattern").scalars
                return .init(layer: l, pattern: (0..<H).map { h in (0..<T).map { i in Array(s[((h * T + i) * T)..<((h * T + i) * T + T)]) } })
            }
            doc.heads = summaries.enumerated().map { l, hs in
                .init(layer: l, heads: hs.map { .init(head: $0.head, entropy: $0.entropy, previousToken: $0.previousToken,
                                                      firstToken: $0.firstToken, sameToken: $0.sameToken) })
            }
            doc.attentionCompact = compact?.data
        }
        if parts.contains(.dla) {
            try monitor?.check()
            let dla = try DirectLogitAttribution(model: model, cache: hooks.cache, target: target, contrast: o.contrast)
            doc.directLogitAttribution = .init(targetID: Int(dla.targetID), contrastID: dla.contrastID.map(Int.init), logit: dla.logit, embedding: dla.embedding, bias: dla.bias,
                                               attention: dla.attention, mlp: dla.mlp, heads: dla.heads)
        }
        if parts.contains(.neurons) {
            let neurons = try NeuronActivations(cache: hooks.cache, layers: allLayers, k: o.topK)
            doc.neurons = .init(width: c.mlpWidth, peak: neurons.peak,
                                top: neurons.top.map { $0.map { $0.map { NeuronValue(index: $0.index, activation: $0.activation) } } })
        }
        if parts.contains(.graph) {
            try monitor?.check()
            doc.contributionGraph = try ContributionGraph(model: model, cache: hooks.cache, positions: T)
            monitor?.progress("graph", 1)
        }
        if let n = o.neuron, let trace = NeuronActivations.trace(cache: hooks.cache, layer: n.layer, neuron: n.index) {
            doc.neuronTrace = .init(layer: n.layer, neuron: n.index, activations: trace)
        }
        if parts.contains(.attributions) {
            try monitor?.check()
            var attributor = Attributor(model: model)
            attributor.monitor = monitor
            attributor.maxSteps = o.maxSteps
            attributor.contrast = o.contrast
            // The gradient points, plus the adaptive rule's forward scan (about 45 forwards at a third each).
            monitor?.expect("attributions", units: Double(o.steps) + (o.rule == .adaptive ? 15 : 0) + 2)
            let a = attributor.attribute(ids, target: target, baseline: o.baseline, steps: o.steps, rule: o.rule)
            try monitor?.check()
            monitor?.progress("attributions", 1)
            doc.attributions = .init(method: a.method, baseline: a.baseline, steps: a.steps, rule: o.rule.name, targetID: Int(a.targetID),
                                     targetText: tokenString(a.targetID), contrastID: a.contrastID.map(Int.init),
                                     contrastText: a.contrastID.map(tokenString), scores: a.scores, gradientXInput: a.gradientXInput,
                                     gradientNorms: a.gradientNorms, fInput: a.fInput, fBaseline: a.fBaseline,
                                     completenessGap: a.completenessGap, completenessRelativeGap: a.relativeGap, keptPositions: a.keptPositions)
        }
        if o.compactAttention {
            var vocab: [String: String] = [:]
            // A token that is part of a character reads as its byte escapes, not as U+FFFD.
            for i in doc.shownTokenIDs {
                let bytes = tokenBytes?(Int32(i))
                vocab[String(i)] = bytes.map { TokenPiece.isWholeUTF8($0) ? tokenText(Int32(i)) : TokenPiece.escaped($0) } ?? tokenText(Int32(i))
            }
            doc.vocab = vocab
        }
        return doc
    }
}
