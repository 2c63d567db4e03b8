import Foundation
import Models

// The documents of `glassbox inspect --json`, the HTML report and the studio's /api/inspect: one Codable type per
// JSON object, keys as docs/inspect-json.md documents them. Numbers that are not finite are written as the strings
// "NaN", "Infinity" and "-Infinity" (see `DocumentCoding`).

/// A token id with a probability, written as the pair `[id, probability]`.
public struct RankedToken: Codable, Sendable, Equatable {
    public var id: Int
    public var probability: Float

    package init(id: Int, probability: Float) { self.id = id; self.probability = probability }

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        id = try c.decode(Int.self); probability = try c.decode(Float.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(id); try c.encode(probability)
    }
}

/// A neuron index with its activation, written as the pair `[index, activation]`.
public struct NeuronValue: Codable, Sendable, Equatable {
    public var index: Int
    public var activation: Float

    package init(index: Int, activation: Float) { self.index = index; self.activation = activation }

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        index = try c.decode(Int.self); activation = try c.decode(Float.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(index); try c.encode(activation)
    }
}

/// The model a document was computed with.
public struct ModelSummary: Codable, Sendable, Equatable {
    public var path: String
    public var name: String
    public var architecture: String
    public var parameters: Int
    public var sizeClass: String?
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var dim: Int
    public var mlpWidth: Int?
    public var vocab: Int

    enum CodingKeys: String, CodingKey {
        case path, name, architecture, parameters, sizeClass = "size_class", layers, heads, kvHeads = "kv_heads", dim
        case mlpWidth = "mlp_width", vocab
    }

    package init(_ loaded: LoadedModel, shape c: InspectShape, includeMLP: Bool = true) {
        path = loaded.path; name = URL(fileURLWithPath: loaded.path).lastPathComponent; architecture = loaded.architecture
        parameters = loaded.parameterCount; sizeClass = includeMLP ? loaded.sizeClass : nil
        layers = c.layers; heads = c.heads; kvHeads = c.kvHeads; dim = c.dim; mlpWidth = includeMLP ? c.mlpWidth : nil; vocab = c.vocab
    }
}

/// A prompt token: its vocabulary string (`text`, GPT-2's byte alphabet), its decoded text, and how it reads when
/// a character is split across tokens (`shown`: byte escapes for a part of a character; `group`: the first token of
/// the tokens that together form whole characters, `group_text` their text).
public struct TokenInfo: Codable, Sendable, Equatable {
    public var position: Int
    public var id: Int
    public var text: String
    public var decoded: String
    public var shown: String?
    public var group: Int?
    public var groupText: String?

    enum CodingKeys: String, CodingKey { case position, id, text, decoded, shown, group, groupText = "group_text" }
}

/// The document of one inspection (docs/inspect-json.md). Parts not asked for (`--only`) are absent.
public struct InspectDocument: Codable, Sendable {
    public struct Position: Codable, Sendable, Equatable {
        public var position: Int
        public var top: [RankedToken]
        public var entropy: Float
        public var actualNextRank: Int?
        public var actualNextProbability: Float?
        enum CodingKeys: String, CodingKey {
            case position, top, entropy, actualNextRank = "actual_next_rank", actualNextProbability = "actual_next_probability"
        }
    }

    public struct LensEntry: Codable, Sendable, Equatable {
        public var layer: Int
        public var top: [RankedToken]
        public var finalTokenRank: Int
        enum CodingKeys: String, CodingKey { case layer, top, finalTokenRank = "final_token_rank" }
    }

    public struct LensGrid: Codable, Sendable, Equatable {
        /// [boundary][position]
        public var top: [[Int]]
        public var probability: [[Float]]
        public var finalRank: [[Int]]
        enum CodingKeys: String, CodingKey { case top, probability, finalRank = "final_rank" }
    }

    public struct AttentionLayer: Codable, Sendable, Equatable {
        public var layer: Int
        /// [head][query][key]
        public var pattern: [[[Float]]]
    }

    public struct HeadStatistics: Codable, Sendable, Equatable {
        public var head: Int
        public var entropy: Float
        public var previousToken: Float
        public var firstToken: Float
        public var sameToken: Float
        enum CodingKeys: String, CodingKey {
            case head, entropy, previousToken = "previous_token", firstToken = "first_token", sameToken = "same_token"
        }
    }

    public struct LayerHeads: Codable, Sendable, Equatable {
        public var layer: Int
        public var heads: [HeadStatistics]
    }

    public struct Attributions: Codable, Sendable, Equatable {
        public var method: String
        public var baseline: String
        public var steps: Int
        public var rule: String
        public var targetID: Int
        public var targetText: String
        /// "Why the target rather than this": f is logit(target) − logit(contrast).
        public var contrastID: Int?
        public var contrastText: String?
        public var scores: [Float]
        public var gradientXInput: [Float]
        public var gradientNorms: [Float]
        public var fInput: Float
        public var fBaseline: Float
        public var completenessGap: Float
        public var completenessRelativeGap: Float
        public var keptPositions: [Int]
        enum CodingKeys: String, CodingKey {
            case method, baseline, steps, rule, targetID = "target_id", targetText = "target_text", contrastID = "contrast_id"
            case contrastText = "contrast_text", scores
            case gradientXInput = "gradient_x_input", gradientNorms = "gradient_norms", fInput = "f_input", fBaseline = "f_baseline"
            case completenessGap = "completeness_gap", completenessRelativeGap = "completeness_relative_gap", keptPositions = "kept_positions"
        }
    }

    public struct DirectLogitAttribution: Codable, Sendable, Equatable {
        public var targetID: Int
        public var contrastID: Int?
        public var logit: Float
        public var embedding: Float
        public var bias: Float
        public var attention: [Float]
        public var mlp: [Float]
        /// [layer][head]
        public var heads: [[Float]]
        enum CodingKeys: String, CodingKey { case targetID = "target_id", contrastID = "contrast_id", logit, embedding, bias, attention, mlp, heads }
    }

    public struct Neurons: Codable, Sendable, Equatable {
        public var width: Int
        /// [layer][position]
        public var peak: [[Float]]
        /// [layer][position][k]
        public var top: [[[NeuronValue]]]
    }

    public struct NeuronTrace: Codable, Sendable, Equatable {
        public var layer: Int
        public var neuron: Int
        public var activations: [Float]
    }

    /// Every layer's attention, compressed (the HTML report's; see `CompactAttention`).
    public struct CompactAttentionData: Codable, Sendable, Equatable {
        public var positions: Int
        public var keysPerRow: Int
        /// [layer][head]: base64
        public var layers: [[String]]
        enum CodingKeys: String, CodingKey { case positions, keysPerRow = "keys_per_row", layers }
    }

    public var model: ModelSummary?
    public var tokens: [TokenInfo]
    public var positions: [Position]
    public var logitLens: [LensEntry]?
    public var logitLensGrid: LensGrid?
    public var attention: [AttentionLayer]?
    public var heads: [LayerHeads]?
    public var attributions: Attributions?
    public var directLogitAttribution: DirectLogitAttribution?
    public var neurons: Neurons?
    public var neuronTrace: NeuronTrace?
    /// How information flowed (the LLM Transparency Tool's contribution graph).
    public var contributionGraph: ContributionGraph?
    /// For the HTML report: every layer's attention compressed, and the decoded text of every token id shown.
    public var attentionCompact: CompactAttentionData?
    public var vocab: [String: String]?

    enum CodingKeys: String, CodingKey {
        case model, tokens, positions, logitLens = "logit_lens", logitLensGrid = "logit_lens_grid", attention, heads, attributions
        case directLogitAttribution = "direct_logit_attribution", neurons, neuronTrace = "neuron_trace"
        case contributionGraph = "contribution_graph"
        case attentionCompact = "attention_compact", vocab
    }

    /// Every token id the document shows (predictions, logit lens, targets).
    public var shownTokenIDs: Set<Int> {
        var ids = Set<Int>()
        for p in positions { for t in p.top { ids.insert(t.id) } }
        for e in logitLens ?? [] { for t in e.top { ids.insert(t.id) } }
        for r in logitLensGrid?.top ?? [] { ids.formUnion(r) }
        if let t = attributions?.targetID { ids.insert(t) }
        if let t = attributions?.contrastID { ids.insert(t) }
        if let t = directLogitAttribution?.targetID { ids.insert(t) }
        if let t = directLogitAttribution?.contrastID { ids.insert(t) }
        return ids
    }
}

/// The document of one activation-patching scan (`glassbox patch --json`).
public struct PatchDocument: Codable, Sendable {
    public struct Answer: Codable, Sendable, Equatable {
        public var id: Int
        public var text: String
        public var decoded: String
    }
    public struct Scan: Codable, Sendable, Equatable {
        /// The hook point patched, with {L} for the layer.
        public var hook: String
        /// [layer][position] for the residual stream, [layer][head] for the heads.
        public var restored: [[Float]]
    }

    public var model: ModelSummary
    public var cleanTokens: [String]
    public var corruptedTokens: [String]
    public var cleanDecoded: [String]
    public var corruptedDecoded: [String]
    public var answer: Answer
    public var wrong: Answer
    public var metric: String
    public var cleanMetric: Float
    public var corruptedMetric: Float
    public var residual: Scan
    public var heads: Scan

    enum CodingKeys: String, CodingKey {
        case model, cleanTokens = "clean_tokens", corruptedTokens = "corrupted_tokens", cleanDecoded = "clean_decoded"
        case corruptedDecoded = "corrupted_decoded", answer, wrong, metric, cleanMetric = "clean_metric"
        case corruptedMetric = "corrupted_metric", residual, heads
    }
}

/// The document of `glassbox generate --json` (with `--explain`, every new token explained).
package struct GenerationDocument: Codable, Sendable {
    /// A generated token: its probability and rank under the distribution it was sampled from, the entropy of that
    /// distribution, and the most likely alternatives, each written as `[id, decoded text, probability]` (the text of
    /// an alternative that is a part of a character: its byte escapes, `\xE6\xB3`).
    package struct Token: Codable, Sendable, Equatable {
        package struct Alternative: Codable, Sendable, Equatable {
            package var id: Int
            package var text: String
            package var probability: Float
            package init(id: Int, text: String, probability: Float) { self.id = id; self.text = text; self.probability = probability }
            package init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                id = try c.decode(Int.self); text = try c.decode(String.self); probability = try c.decode(Float.self)
            }
            package func encode(to encoder: Encoder) throws {
                var c = encoder.unkeyedContainer()
                try c.encode(id); try c.encode(text); try c.encode(probability)
            }
        }
        package var id: Int
        package var text: String
        package var token: String
        package var probability: Float
        package var rank: Int
        package var entropy: Float
        package var alternatives: [Alternative]
        package init(id: Int, text: String, token: String, probability: Float, rank: Int, entropy: Float, alternatives: [Alternative]) {
            self.id = id; self.text = text; self.token = token; self.probability = probability; self.rank = rank
            self.entropy = entropy; self.alternatives = alternatives
        }
    }

    package var promptIDs: [Int]
    package var ids: [Int]
    package var text: String
    package var stopReason: String
    package var prefillTokensPerSecond: Double
    package var decodeTokensPerSecond: Double
    package var tokens: [Token]?

    enum CodingKeys: String, CodingKey {
        case promptIDs = "prompt_ids", ids, text, stopReason = "stop_reason", prefillTokensPerSecond = "prefill_tokens_per_s"
        case decodeTokensPerSecond = "decode_tokens_per_s", tokens
    }

    package init(promptIDs: [Int], ids: [Int], text: String, stopReason: String, prefillTokensPerSecond: Double,
                decodeTokensPerSecond: Double, tokens: [Token]?) {
        self.promptIDs = promptIDs; self.ids = ids; self.text = text; self.stopReason = stopReason
        self.prefillTokensPerSecond = prefillTokensPerSecond; self.decodeTokensPerSecond = decodeTokensPerSecond; self.tokens = tokens
    }
}

/// How documents are written and read: keys as declared, non-finite numbers as strings.
package enum DocumentCoding {
    package static func encoder(sortedKeys: Bool = true) -> JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        if sortedKeys { e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes] }
        return e
    }

    package static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }

    /// One line of JSON.
    package static func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder().encode(value), as: UTF8.self)
    }
}
