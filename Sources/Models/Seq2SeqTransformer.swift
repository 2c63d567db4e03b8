import Foundation
import ModelFormats
import NeuralNet
import TensorCore

/// What the trainer and `translate` need of an encoder-decoder on characters.
package protocol Seq2SeqModel: Module {
    /// Mean cross-entropy of `targets` (without start or end; the end token is the last prediction), teacher forcing.
    func loss(inputs: [[Int32]], targets: [[Int32]]) -> Tensor
    /// Greedy outputs (without start and end) and, per output step (the end token included), the attention over
    /// the input: for a transformer the last layer's cross-attention averaged over its heads.
    func greedy(_ inputs: [[Int32]], maxLength: Int) -> [(ids: [Int32], attention: [[Float]])]
}

extension Seq2SeqModel {
    package func greedy(_ inputs: [[Int32]]) -> [(ids: [Int32], attention: [[Float]])] { greedy(inputs, maxLength: 32) }
}

/// An encoder-decoder transformer (T5-style: pre-norm RMSNorm, attention without biases, ReLU feed-forward) on
/// characters, with sinusoidal positions added to the embeddings.
///
/// Encoder block: x + self-attention(norm(x)) over the input (padding masked), then x + FFN(norm(x)). Decoder block:
/// causal self-attention, cross-attention over the encoder's output, FFN, each pre-normed with a residual. Hook
/// points (per layer l): `encoder.blocks.{l}.self_attn.hook_pattern`, `decoder.blocks.{l}.self_attn.hook_pattern`,
/// `decoder.blocks.{l}.cross_attn.hook_pattern` (B, H, Tq, Tk), with `.hook_z` beside each, and
/// `encoder.hook_out` (B, T, D).
package final class Seq2SeqTransformer: Seq2SeqModel {
    package struct Config: Codable, Sendable, Equatable {
        package var vocabulary: Int
        package var width: Int
        package var heads: Int
        package var layers: Int
        package var feedForward: Int
        package init(vocabulary: Int, width: Int, heads: Int, layers: Int, feedForward: Int) {
            self.vocabulary = vocabulary; self.width = width; self.heads = heads; self.layers = layers; self.feedForward = feedForward
        }
        package func validate() throws {
            guard (5...100_000).contains(vocabulary), (1...4096).contains(width), (1...64).contains(heads), width % heads == 0,
                  (1...48).contains(layers), (1...16384).contains(feedForward) else {
                throw NeuralNetError("transformer sizes out of range or width \(width) not divisible by \(heads) heads")
            }
        }
    }

    final class EncoderBlock {
        let norm1: RMSNorm, attn: MultiHeadAttention, norm2: RMSNorm, ff: FeedForward
        init(_ c: Config, _ rng: inout RandomGenerator) {
            norm1 = RMSNorm(c.width, eps: 1e-6); attn = MultiHeadAttention(dim: c.width, heads: c.heads, rng: &rng)
            norm2 = RMSNorm(c.width, eps: 1e-6); ff = FeedForward(dim: c.width, hidden: c.feedForward, rng: &rng)
        }
        func parameters(_ p: String) -> [(String, Tensor)] {
            [("\(p).norm1.weight", norm1.weight)] + attn.namedParameters().map { ("\(p).self_attn.\($0.0)", $0.1) }
                + [("\(p).norm2.weight", norm2.weight)] + ff.namedParameters().map { ("\(p).ff.\($0.0)", $0.1) }
        }
    }

    final class DecoderBlock {
        let norm1: RMSNorm, selfAttn: MultiHeadAttention, norm2: RMSNorm, cross: MultiHeadAttention, norm3: RMSNorm, ff: FeedForward
        init(_ c: Config, _ rng: inout RandomGenerator) {
            norm1 = RMSNorm(c.width, eps: 1e-6); selfAttn = MultiHeadAttention(dim: c.width, heads: c.heads, rng: &rng)
            norm2 = RMSNorm(c.width, eps: 1e-6); cross = MultiHeadAttention(dim: c.width, heads: c.heads, rng: &rng)
            norm3 = RMSNorm(c.width, eps: 1e-6); ff = FeedForward(dim: c.width, hidden: c.feedForward, rng: &rng)
        }
        func parameters(_ p: String) -> [(String, Tensor)] {
            [("\(p).norm1.weight", norm1.weight)] + selfAttn.namedParameters().map { ("\(p).self_attn.\($0.0)", $0.1) }
                + [("\(p).norm2.weight", norm2.weight)] + cross.namedParameters().map { ("\(p).cross_attn.\($0.0)", $0.1) }
                + [("\(p).norm3.weight", norm3.weight)] + ff.namedParameters().map { ("\(p).ff.\($0.0)", $0.1) }
        }
    }

    package let config: Config
    package let embed: Embedding
    let encoder: [EncoderBlock], decoder: [DecoderBlock]
    package let encoderNorm: RMSNorm, decoderNorm: RMSNorm
    package let out: Linear

    package init(_ config: Config, seed: UInt64) {
        self.config = config
        var rng = RandomGenerator(seed: seed)
        embed = Embedding(config.vocabulary, config.width, std: 1, rng: &rng)
        encoder = (0..<config.layers).map { _ in EncoderBlock(config, &rng) }
        decoder = (0..<config.layers).map { _ in DecoderBlock(config, &rng) }
        encoderNorm = RMSNorm(config.width, eps: 1e-6); decoderNorm = RMSNorm(config.width, eps: 1e-6)
        out = Linear(config.width, config.vocabulary, bias: false, std: 1 / Float(config.width).squareRoot(), rng: &rng)
    }

    package func namedParameters() -> [(String, Tensor)] {
        var p = [("embed.weight", embed.weight)]
        for (l, b) in encoder.enumerated() { p += b.parameters("encoder.blocks.\(l)") }
        p.append(("encoder.norm.weight", encoderNorm.weight))
        for (l, b) in decoder.enumerated() { p += b.parameters("decoder.blocks.\(l)") }
        p += [("decoder.norm.weight", decoderNorm.weight), ("out.weight", out.weight)]
        return p
    }

    /// Embeddings plus sinusoidal positions, for padded rows of ids: (B, T, D).
    func embedded(_ rows: [[Int32]], _ T: Int) -> Tensor {
        let B = rows.count, D = config.width
        var ids = [Int32](repeating: CharVocabulary.pad, count: B * T)
        for (b, r) in rows.enumerated() { for (t, id) in r.prefix(T).enumerated() { ids[b * T + t] = id } }
        var pe = [Float](repeating: 0, count: T * D)
        for t in 0..<T {
            for i in stride(from: 0, to: D, by: 2) {
                let angle = Double(t) / pow(10_000, Double(i) / Double(D))
                pe[t * D + i] = Float(sin(angle))
                if i + 1 < D { pe[t * D + i + 1] = Float(cos(angle)) }
            }
        }
        return embed(ids).reshaped([B, T, D]) + Tensor(pe, shape: [1, T, D])
    }

    /// The encoder's output (B, T, D) and the key-padding mask of the input.
    package func encode(_ inputs: [[Int32]], hooks: Hooks? = nil) -> (states: Tensor, mask: Tensor) {
        let lengths = inputs.map { max($0.count, 1) }, T = lengths.max() ?? 1
        let mask = AttentionMask.padding(lengths, T)
        var x = embedded(inputs, T)
        for (l, b) in encoder.enumerated() {
            let h = b.norm1(x)
            x = x + b.attn(h, context: h, mask: mask, hooks: hooks, name: "encoder.blocks.\(l).self_attn")
            x = x + b.ff(b.norm2(x))
        }
        var states = encoderNorm(x)
        if let hooks { states = hooks.apply("encoder.hook_out", states) }
        return (states, mask)
    }

    /// Logits (B, T, V) for decoder inputs (each starting with the start token), given the encoder's output.
    package func decode(_ rows: [[Int32]], encoded e: (states: Tensor, mask: Tensor), hooks: Hooks? = nil) -> Tensor {
        let lengths = rows.map { max($0.count, 1) }, T = lengths.max() ?? 1
        let causal = AttentionMask.causal(lengths, T)
        var y = embedded(rows, T)
        for (l, b) in decoder.enumerated() {
            let h = b.norm1(y)
            y = y + b.selfAttn(h, context: h, mask: causal, hooks: hooks, name: "decoder.blocks.\(l).self_attn")
            y = y + b.cross(b.norm2(y), context: e.states, mask: e.mask, hooks: hooks, name: "decoder.blocks.\(l).cross_attn")
            y = y + b.ff(b.norm3(y))
        }
        return out(decoderNorm(y))
    }

    package func loss(inputs: [[Int32]], targets: [[Int32]]) -> Tensor {
        let e = encode(inputs)
        let rows = targets.map { [CharVocabulary.start] + $0 }
        let T = rows.map(\.count).max() ?? 1
        let logits = decode(rows, encoded: e)
        var want: [Int32] = []
        for t in targets { want += (0..<T).map { $0 < t.count ? t[$0] : ($0 == t.count ? CharVocabulary.end : -1) } }
        return logits.reshaped([targets.count * T, config.vocabulary]).crossEntropy(targets: want)
    }

    package func greedy(_ inputs: [[Int32]], maxLength: Int = 32) -> [(ids: [Int32], attention: [[Float]])] {
        GradMode.withoutGradients {
            let e = encode(inputs)
            let B = inputs.count, V = config.vocabulary
            var rows = [[Int32]](repeating: [CharVocabulary.start], count: B)
            var done = [Bool](repeating: false, count: B)
            for _ in 0..<(maxLength + 1) {
                let logits = decode(rows, encoded: e)
                let T = rows[0].count
                for b in 0..<B where !done[b] {
                    let row = logits.data + (b * T + T - 1) * V
                    let next = Int32((0..<V).max { row[$0] < row[$1] }!)
                    rows[b].append(next)
                    if next == CharVocabulary.end { done[b] = true }
                }
                for b in 0..<B where done[b] && rows[b].count < T + 1 { rows[b].append(CharVocabulary.pad) }   // keep the rows one length
                if done.allSatisfy({ $0 }) { break }
            }
            // The last layer's cross-attention over the generated rows, averaged over the heads.
            let name = "decoder.blocks.\(config.layers - 1).cross_attn.hook_pattern"
            let hooks = Hooks(cache: { $0 == name })
            _ = decode(rows.map { Array($0.dropLast()) }, encoded: e, hooks: hooks)
            let p = hooks.cache[name]!.contiguous()                     // (B, H, Tq, Tk)
            let H = p.shape[1], Tq = p.shape[2], Tk = p.shape[3]
            return (0..<B).map { b in
                var ids = Array(rows[b].dropFirst())
                if let end = ids.firstIndex(of: CharVocabulary.end) { ids = Array(ids[..<end]) }
                ids = ids.filter { $0 != CharVocabulary.pad }
                let n = min(ids.count + 1, Tq), len = max(inputs[b].count, 1)
                let attention = (0..<n).map { q in
                    (0..<len).map { k in (0..<H).reduce(Float(0)) { $0 + p.data[((b * H + $1) * Tq + q) * Tk + k] } / Float(H) }
                }
                return (ids, attention)
            }
        }
    }

    /// Every attention pattern of one input and output (teacher-forced on `output`), per layer and head:
    /// encoder self-attention (T × T), decoder self-attention and cross-attention ((n + 1) × (n + 1), (n + 1) × T).
    package func patterns(input: [Int32], output: [Int32]) -> (encoder: [[[[Float]]]], decoderSelf: [[[[Float]]]], cross: [[[[Float]]]]) {
        GradMode.withoutGradients {
            let hooks = Hooks(cache: { $0.hasSuffix("hook_pattern") })
            let e = encode([input], hooks: hooks)
            _ = decode([[CharVocabulary.start] + output], encoded: e, hooks: hooks)
            func read(_ name: String) -> [[[Float]]] {
                let p = hooks.cache[name]!.contiguous()
                let H = p.shape[1], Q = p.shape[2], K = p.shape[3]
                return (0..<H).map { h in (0..<Q).map { q in (0..<K).map { ((p.data[(h * Q + q) * K + $0]) * 10_000).rounded() / 10_000 } } }
            }
            let L = config.layers
            return ((0..<L).map { read("encoder.blocks.\($0).self_attn.hook_pattern") },
                    (0..<L).map { read("decoder.blocks.\($0).self_attn.hook_pattern") },
                    (0..<L).map { read("decoder.blocks.\($0).cross_attn.hook_pattern") })
        }
    }
}

extension Seq2SeqLSTM: Seq2SeqModel {}
