import Foundation
import ModelFormats
import NeuralNet
import TensorCore

/// Characters as token ids for the sequence-to-sequence models: 0 padding, 1 start, 2 end, 3 unknown, then a fixed
/// alphabet (space, letters, digits, punctuation), so every checkpoint reads every input the same way.
package struct CharVocabulary: Sendable, Equatable {
    package static let pad: Int32 = 0, start: Int32 = 1, end: Int32 = 2, unknown: Int32 = 3
    package static let alphabet: [Character] = Array(" abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,/-'")
    static let index: [Character: Int32] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, Int32($0 + 4)) })
    package static var size: Int { alphabet.count + 4 }

    package static func encode(_ text: String) -> [Int32] { text.map { index[$0] ?? unknown } }

    /// The text of ids, stopping at the end token; padding and the start token are skipped, unknowns read "?".
    package static func decode(_ ids: [Int32]) -> String {
        var s = ""
        for id in ids {
            if id == end { break }
            if id == pad || id == start { continue }
            s.append(id == unknown ? "?" : alphabet[Int(id) - 4])
        }
        return s
    }

    /// How one id reads (for axis labels): the character, or <s>, </s>, <pad>, ?.
    package static func label(_ id: Int32) -> String {
        switch id {
        case pad: return "<pad>"
        case start: return "<s>"
        case end: return "</s>"
        case unknown: return "?"
        default: return String(alphabet[Int(id) - 4])
        }
    }
}

/// An LSTM encoder-decoder with attention (Bahdanau et al. 2015; Luong et al. 2015), on characters.
///
/// Encoder: a bidirectional LSTM over the input's embeddings; its states (forward ‖ backward, 2H wide) are what the
/// decoder attends to. Decoder: an LSTM whose state starts from the encoder's final states (through a tanh
/// bridge); at each step the attention reads the encoder states with the previous decoder state (additive:
/// Bahdanau; bilinear: Luong's "general"), the decoder takes the previous character's embedding and the context,
/// and the output layer reads the new state and the context. With no attention the decoder sees only the
/// bridge's start state (the bottleneck the attention was invented to remove).
///
/// Parameters (checkpoint names): `embed.weight`, `encoder.forward.*`, `encoder.backward.*` (LSTM cells, PyTorch
/// names), `bridge.*`, `attention.*`, `decoder.*`, `out.*`.
package final class Seq2SeqLSTM: Module {
    package enum Attention: String, Codable, Sendable, CaseIterable { case bahdanau, luong, none }

    package struct Config: Codable, Sendable, Equatable {
        package var vocabulary: Int
        package var embedding: Int
        /// Width of each encoder direction; the decoder is twice as wide.
        package var hidden: Int
        package var attention: Attention
        package init(vocabulary: Int, embedding: Int, hidden: Int, attention: Attention) {
            self.vocabulary = vocabulary; self.embedding = embedding; self.hidden = hidden; self.attention = attention
        }
        package func validate() throws {
            guard (5...100_000).contains(vocabulary), (1...4096).contains(embedding), (1...4096).contains(hidden) else {
                throw NeuralNetError("seq2seq sizes out of range: vocabulary \(vocabulary), embedding \(embedding), hidden \(hidden)")
            }
        }
    }

    package let config: Config
    package let embed: Embedding
    package let encoderForward: LSTMCell, encoderBackward: LSTMCell
    package let bridge: Linear
    package let additive: AdditiveAttention?
    package let bilinear: BilinearAttention?
    package let decoder: LSTMCell
    package let out: Linear

    package init(_ config: Config, seed: UInt64) {
        self.config = config
        var rng = RandomGenerator(seed: seed)
        let E = config.embedding, H = config.hidden, D = 2 * H, V = config.vocabulary
        embed = Embedding(V, E, std: 1, rng: &rng)
        encoderForward = LSTMCell(inputSize: E, hiddenSize: H, rng: &rng)
        encoderBackward = LSTMCell(inputSize: E, hiddenSize: H, rng: &rng)
        bridge = Linear(D, D, std: 1 / Float(D).squareRoot(), rng: &rng)
        additive = config.attention == .bahdanau ? AdditiveAttention(stateSize: D, encoderSize: D, attentionSize: H, rng: &rng) : nil
        bilinear = config.attention == .luong ? BilinearAttention(stateSize: D, encoderSize: D, rng: &rng) : nil
        let attends = config.attention != .none
        decoder = LSTMCell(inputSize: E + (attends ? D : 0), hiddenSize: D, rng: &rng)
        out = Linear(D + (attends ? D : 0), V, std: 1 / Float(2 * D).squareRoot(), rng: &rng)
    }

    package func namedParameters() -> [(String, Tensor)] {
        var p = [("embed.weight", embed.weight)]
        p += encoderForward.namedParameters().map { ("encoder.forward.\($0.0)", $0.1) }
        p += encoderBackward.namedParameters().map { ("encoder.backward.\($0.0)", $0.1) }
        p += bridge.namedParameters().map { ("bridge.\($0.0)", $0.1) }
        if let additive { p += additive.namedParameters().map { ("attention.\($0.0)", $0.1) } }
        if let bilinear { p += bilinear.namedParameters().map { ("attention.\($0.0)", $0.1) } }
        p += decoder.namedParameters().map { ("decoder.\($0.0)", $0.1) }
        p += out.namedParameters().map { ("out.\($0.0)", $0.1) }
        return p
    }

    /// An encoded batch: the states attended to (B, T, 2H), the attention's precomputed keys, the padding mask,
    /// and the decoder's start state.
    package struct Encoded {
        package let states: Tensor, keys: Tensor?, mask: Tensor, h0: Tensor, c0: Tensor
        package let lengths: [Int]
    }

    /// Inputs padded to one length T (B sequences of ids, each at least one).
    package func encode(_ inputs: [[Int32]]) -> Encoded {
        let B = inputs.count, T = inputs.map(\.count).max() ?? 1, H = config.hidden, E = config.embedding
        let lengths = inputs.map { max($0.count, 1) }
        // Time-major ids, so each step's rows are one slab.
        var ids = [Int32](repeating: CharVocabulary.pad, count: T * B)
        for (b, s) in inputs.enumerated() { for (t, id) in s.enumerated() { ids[t * B + b] = id } }
        let x = embed(ids).reshaped([T * B, E])
        let gf = encoderForward.inputGates(x).reshaped([T, B, 4 * H]), gb = encoderBackward.inputGates(x).reshaped([T, B, 4 * H])
        // keep[t]: 1 where step t is inside sequence b, 0 in its padding (the state passes through unchanged).
        let keep = (0..<T).map { t in Tensor(lengths.map { t < $0 ? Float(1) : 0 }, shape: [B, 1]) }
        func run(_ cell: LSTMCell, _ g: Tensor, _ order: [Int]) -> (states: [Tensor?], h: Tensor) {
            var h = Tensor.zeros([B, H]), c = Tensor.zeros([B, H])
            var states = [Tensor?](repeating: nil, count: T)
            for t in order {
                let (h2, c2) = cell.step(inputGates: g.narrow(start: t, length: 1).reshaped([B, 4 * H]), h: h, c: c)
                let k = keep[t]
                h = h + (h2 - h) * k; c = c + (c2 - c) * k
                states[t] = h
            }
            return (states, h)
        }
        let f = run(encoderForward, gf, Array(0..<T)), b = run(encoderBackward, gb, Array((0..<T).reversed()))
        let states = Tensor.stack((0..<T).map { Tensor.concatenate(lastAxis: [f.states[$0]!, b.states[$0]!]) })   // (T, B, 2H)
            .transposed(0, 1).contiguous()                                                                          // (B, T, 2H)
        let mask = Tensor(lengths.flatMap { n in (0..<T).map { $0 < n ? Float(0) : -.infinity } }, shape: [B, T])
        let h0 = bridge(Tensor.concatenate(lastAxis: [f.h, b.h])).tanh()
        return Encoded(states: states, keys: additive?.keys(states) ?? bilinear?.keys(states), mask: mask, h0: h0,
                       c0: Tensor.zeros([B, 2 * H]), lengths: lengths)
    }

    /// One decoder step: the previous characters (B), the state; the logits (B, V), the new state, and the
    /// attention weights (B, T) (nil without attention).
    package func step(_ previous: [Int32], h: Tensor, c: Tensor, encoded e: Encoded) -> (logits: Tensor, h: Tensor, c: Tensor, weights: Tensor?) {
        let emb = embed(previous).reshaped([previous.count, config.embedding])
        var context: Tensor? = nil, weights: Tensor? = nil
        if let additive {
            (weights, context) = additive(h, encoder: e.states, keys: e.keys!, mask: e.mask)
        } else if let bilinear {
            (weights, context) = bilinear(h, encoder: e.states, keys: e.keys!, mask: e.mask)
        }
        let input = context.map { Tensor.concatenate(lastAxis: [emb, $0]) } ?? emb
        let (h2, c2) = decoder(input, h: h, c: c)
        let logits = out(context.map { Tensor.concatenate(lastAxis: [h2, $0]) } ?? h2)
        return (logits, h2, c2, weights)
    }

    /// Teacher forcing: the mean cross-entropy of `targets` (each without start or end tokens; the end token is
    /// the last prediction) given `inputs`.
    package func loss(inputs: [[Int32]], targets: [[Int32]]) -> Tensor {
        let e = encode(inputs)
        let steps = (targets.map(\.count).max() ?? 0) + 1
        var h = e.h0, c = e.c0
        var logits: [Tensor] = []
        var want: [Int32] = []
        for t in 0..<steps {
            let previous = targets.map { t == 0 ? CharVocabulary.start : (t - 1 < $0.count ? $0[t - 1] : CharVocabulary.pad) }
            let s = step(previous, h: h, c: c, encoded: e)
            h = s.h; c = s.c
            logits.append(s.logits)
            want += targets.map { t < $0.count ? $0[t] : (t == $0.count ? CharVocabulary.end : -1) }
        }
        return Tensor.stack(logits).reshaped([steps * inputs.count, config.vocabulary]).crossEntropy(targets: want)
    }

    /// Greedy decoding of a batch: the output ids (without start and end) and, per output step, the attention
    /// weights over the input (steps × T, rows for the end token included).
    package func greedy(_ inputs: [[Int32]], maxLength: Int = 32) -> [(ids: [Int32], attention: [[Float]])] {
        GradMode.withoutGradients {
            let e = encode(inputs)
            let B = inputs.count, T = e.states.shape[1], V = config.vocabulary
            var h = e.h0, c = e.c0
            var previous = [Int32](repeating: CharVocabulary.start, count: B)
            var results = [(ids: [Int32], attention: [[Float]])](repeating: ([], []), count: B)
            var done = [Bool](repeating: false, count: B)
            for _ in 0..<(maxLength + 1) {
                let s = step(previous, h: h, c: c, encoded: e)
                h = s.h; c = s.c
                for b in 0..<B where !done[b] {
                    let row = s.logits.data + b * V
                    let next = Int32((0..<V).max { row[$0] < row[$1] }!)
                    if let w = s.weights { results[b].attention.append(Array(UnsafeBufferPointer(start: w.data + b * T, count: e.lengths[b]))) }
                    if next == CharVocabulary.end { done[b] = true } else { results[b].ids.append(next) }
                    previous[b] = next
                }
                if done.allSatisfy({ $0 }) { break }
            }
            return results
        }
    }
}
