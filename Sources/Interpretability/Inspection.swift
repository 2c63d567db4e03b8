import Foundation
import Models
import TensorCore

/// What `Inspector.run` computes.
public struct InspectionOptions {
    /// Alternatives per position and per logit-lens layer; neurons per layer and position.
    public var topK = 5
    /// Layers whose full attention patterns go into the document (heads × query × key).
    public var attentionLayers: [Int] = []
    /// The token whose logit is attributed (default: the predicted next token).
    public var target: Int32?
    public var baseline: AttributionBaseline = .meanKeepingSinks
    public var steps = 64
    public var rule: IntegrationRule = .adaptive
    /// One neuron (layer, index) to trace across the tokens.
    public var neuron: (layer: Int, index: Int)?
    /// Every layer's attention, compressed for the HTML report (see `CompactAttention`).
    public var compactAttention = false

    public init() {}
}

/// Attention patterns of every layer and head, compressed for the HTML report: for each query row the keys with
/// the largest weights (all of them for prompts up to `fullUpTo` tokens), each as (key: UInt16, weight: UInt8 =
/// round(255 p)), base64-encoded per head. Longer prompts keep each row's 24 (over 256 tokens: 16) largest weights.
public struct CompactAttention {
    public let positions: Int
    public let keysPerRow: Int
    /// [layer][head] base64 of rows: for query i, min(i + 1, keysPerRow) entries of 3 bytes (key lo, key hi, weight).
    public private(set) var layers: [[String]] = []

    public init(positions: Int, fullUpTo: Int = 96) {
        self.positions = positions
        keysPerRow = positions <= fullUpTo ? positions : positions <= 256 ? 24 : 16
    }

    /// Adds one layer's pattern (H, T, T) (or (1, H, T, T)).
    public mutating func append(_ pattern: Tensor) {
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

    public var json: [String: Any] { ["positions": positions, "keys_per_row": keysPerRow, "layers": layers] }
}

/// Runs the analyses of `glassbox inspect` on one prompt and collects them as a JSON document
/// (schema: docs/inspect-json.md). One hooked forward pass feeds every cache-based analysis.
public struct Inspector {
    public let model: any InspectableModel
    /// How a token id is shown (its vocabulary string) and its decoded text.
    public let tokenString: (Int32) -> String
    public let tokenText: (Int32) -> String

    public init(model: any InspectableModel, tokenString: @escaping (Int32) -> String, tokenText: @escaping (Int32) -> String) {
        self.model = model; self.tokenString = tokenString; self.tokenText = tokenText
    }

    public struct Result {
        public var document: [String: Any]
        public var attribution: Attribution
        public var lens: LogitLens
        /// The next-token distribution after every position.
        public var positions: [Distribution]
        public var compactAttention: CompactAttention?
    }

    public func run(_ ids: [Int32], options o: InspectionOptions) -> Result {
        let c = model.shape, L = c.layers, H = c.heads, V = c.vocab, T = ids.count
        let allLayers = Array(0..<L)
        var wanted = HookNames.residuals(layers: L).union(DirectLogitAttribution.hookNames(layers: L))
            .union(NeuronActivations.hookNames(layers: allLayers))
        for l in o.attentionLayers { wanted.insert("blocks.\(l).attn.hook_pattern") }
        let hooks = Hooks(cache: { wanted.contains($0) })
        var summaries: [[HeadSummary]] = []
        var compact = o.compactAttention ? CompactAttention(positions: T) : nil
        let logits = GradMode.withoutGradients {
            model.run(ids, hooks: hooks, attention: { _, p in
                summaries.append(HeadSummary.summarise(p.reshaped([H, T, T])))
                compact?.append(p)
            })
        }
        let positions = (0..<T).map { t in
            Distribution(logits: UnsafeBufferPointer(start: logits.data + t * V, count: V), k: o.topK,
                         chosen: t + 1 < T ? ids[t + 1] : nil)
        }
        let lens = LogitLens(model: model, cache: hooks.cache, position: T - 1, topK: o.topK)
        let grid = LogitLensGrid(model: model, cache: hooks.cache)
        let target = o.target ?? positions[T - 1].top[0].id
        let dla = DirectLogitAttribution(model: model, cache: hooks.cache, target: target)
        let neurons = NeuronActivations(cache: hooks.cache, layers: allLayers, k: o.topK)
        let attribution = Attributor(model: model).attribute(ids, target: target, baseline: o.baseline, steps: o.steps, rule: o.rule)

        func top(_ d: Distribution) -> [[Any]] { d.top.map { [Int($0.id), Double($0.probability)] } }
        func doubles(_ a: [Float]) -> [Double] { a.map(Double.init) }
        var doc: [String: Any] = [
            "tokens": ids.enumerated().map { ["position": $0.offset, "id": Int($0.element), "text": tokenString($0.element),
                                              "decoded": tokenText($0.element)] },
            "positions": positions.enumerated().map { t, d -> [String: Any] in
                var e: [String: Any] = ["position": t, "top": top(d), "entropy": Double(d.entropy)]
                if let r = d.chosenRank { e["actual_next_rank"] = r; e["actual_next_probability"] = Double(d.chosenProbability ?? 0) }
                return e
            },
            "logit_lens": lens.entries.map { ["layer": $0.layer, "top": top($0.distribution),
                                              "final_token_rank": $0.distribution.chosenRank ?? -1] },
            "logit_lens_grid": ["top": grid.top.map { $0.map(Int.init) }, "probability": grid.probability.map(doubles),
                                "final_rank": grid.finalRank],
            "attention": o.attentionLayers.map { l -> [String: Any] in
                let s = hooks.cache["blocks.\(l).attn.hook_pattern"]!.scalars
                return ["layer": l, "pattern": (0..<H).map { h in (0..<T).map { i in (0..<T).map { j in Double(s[(h * T + i) * T + j]) } } }]
            },
            "heads": summaries.enumerated().map { l, hs in
                ["layer": l, "heads": hs.map { ["head": $0.head, "entropy": Double($0.entropy), "previous_token": Double($0.previousToken),
                                                "first_token": Double($0.firstToken), "same_token": Double($0.sameToken)] }]
            },
            "attributions": [
                "method": attribution.method, "baseline": attribution.baseline, "steps": attribution.steps,
                "rule": o.rule.name, "target_id": Int(attribution.targetID),
                "target_text": tokenString(attribution.targetID), "scores": doubles(attribution.scores),
                "gradient_x_input": doubles(attribution.gradientXInput), "gradient_norms": doubles(attribution.gradientNorms),
                "f_input": Double(attribution.fInput), "f_baseline": Double(attribution.fBaseline),
                "completeness_gap": Double(attribution.completenessGap),
                "completeness_relative_gap": Double(attribution.relativeGap),
                "kept_positions": attribution.keptPositions,
            ],
            "direct_logit_attribution": [
                "target_id": Int(dla.targetID), "logit": Double(dla.logit), "embedding": Double(dla.embedding), "bias": Double(dla.bias),
                "attention": doubles(dla.attention), "mlp": doubles(dla.mlp), "heads": dla.heads.map(doubles),
            ],
            "neurons": [
                "width": c.mlpWidth,
                "peak": neurons.peak.map(doubles),
                "top": neurons.top.map { $0.map { $0.map { [$0.index, Double($0.activation)] } } },
            ],
        ]
        if let n = o.neuron, let trace = NeuronActivations.trace(cache: hooks.cache, layer: n.layer, neuron: n.index) {
            doc["neuron_trace"] = ["layer": n.layer, "neuron": n.index, "activations": doubles(trace)]
        }
        return Result(document: doc, attribution: attribution, lens: lens, positions: positions, compactAttention: compact)
    }
}
