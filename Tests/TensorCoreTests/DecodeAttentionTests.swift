import Testing
@testable import TensorCore

@Suite("Decode attention over the KV cache")
struct DecodeAttentionTests {
    /// One query against n cached keys, grouped-query (9 heads, 3 key-value heads), against attention computed
    /// in Float64 from the definition: probabilities and output.
    @Test func splitKeysEqualsDefinition() {
        let nh = 9, nkv = 3, hs = 64, group = nh / nkv
        var rng = RandomGenerator(seed: 11)
        for n in [1, 2, 31, 64, 65, 300, 1001] {
            let q = Tensor.randn([1, nh * hs], rng: &rng)
            let keys = Tensor.randn([n + 3, nkv * hs], rng: &rng)      // capacity beyond the length
            let values = Tensor.randn([n + 3, nkv * hs], rng: &rng)
            let a = Tensor.cachedAttention(q: q, keys: keys, values: values, length: n, heads: nh, kvHeads: nkv)
            let scale = 1 / Double(hs).squareRoot()
            var worstP = 0.0, worstO = 0.0
            for h in 0..<nh {
                let kvh = h / group
                var s = (0..<n).map { j in
                    (0..<hs).reduce(0.0) { $0 + Double(q.data[h * hs + $1]) * Double(keys.data[j * nkv * hs + kvh * hs + $1]) } * scale
                }
                let m = s.max()!
                s = s.map { Foundation.exp($0 - m) }
                let z = s.reduce(0, +)
                for j in 0..<n { worstP = max(worstP, abs(s[j] / z - Double(a.probabilities.data[h * n + j]))) }
                for d in 0..<hs {
                    let o = (0..<n).reduce(0.0) { $0 + s[$1] / z * Double(values.data[$1 * nkv * hs + kvh * hs + d]) }
                    worstO = max(worstO, abs(o - Double(a.output.data[h * hs + d])))
                }
            }
            #expect(worstP < 1e-5, "n = \(n): probabilities off by \(worstP)")
            #expect(worstO < 1e-5, "n = \(n): output off by \(worstO)")
        }
    }

    /// With Gemma's options (a scale, soft-capped scores, a sliding window), prefill, cached decode and the
    /// definition in Float64 agree: query i sees keys i − window + 1 ... i, scores cap · tanh(scale · q·k / cap).
    @Test func softCapAndWindowEqualTheDefinition() {
        let nh = 4, nkv = 2, hs = 16, group = nh / nkv, T = 70
        let options = AttentionOptions(scale: 0.3, softcap: 5, window: 7)
        var rng = RandomGenerator(seed: 13)
        let q = Tensor.randn([1, T, nh * hs], rng: &rng)
        let k = Tensor.randn([1, T, nkv * hs], rng: &rng), v = Tensor.randn([1, T, nkv * hs], rng: &rng)
        let whole = GradMode.withoutGradients { Tensor.causalAttention(q: q, k: k, v: v, heads: nh, kvHeads: nkv, options: options) }
        var worst = 0.0, worstDecode: Float = 0
        for i in 0..<T {
            // Decode: position i alone against the cache of keys 0...i.
            let qi = Tensor(Array(UnsafeBufferPointer(start: q.data + i * nh * hs, count: nh * hs)), shape: [1, nh * hs])
            let d = Tensor.cachedAttention(q: qi, keys: k.reshaped([T, nkv * hs]), values: v.reshaped([T, nkv * hs]), length: i + 1,
                                           heads: nh, kvHeads: nkv, options: options)
            for h in 0..<nh {
                let kvh = h / group, first = max(0, i - 6)
                var s = (first...i).map { j -> Double in
                    let dot = (0..<hs).reduce(0.0) { $0 + Double(q.data[i * nh * hs + h * hs + $1]) * Double(k.data[j * nkv * hs + kvh * hs + $1]) }
                    return 5 * Foundation.tanh(0.3 * dot / 5)
                }
                let m = s.max()!
                s = s.map { Foundation.exp($0 - m) }
                let z = s.reduce(0, +)
                for dd in 0..<hs {
                    let o = (first...i).enumerated().reduce(0.0) { $0 + s[$1.offset] / z * Double(v.data[$1.element * nkv * hs + kvh * hs + dd]) }
                    worst = max(worst, abs(o - Double(whole.output.data[i * nh * hs + h * hs + dd])))
                    worstDecode = max(worstDecode, abs(d.output.data[h * hs + dd] - whole.output.data[i * nh * hs + h * hs + dd]))
                }
                for j in 0..<first { #expect(whole.probabilities.data[(h * T + i) * T + j] == 0 && d.probabilities.data[h * (i + 1) + j] == 0) }
            }
        }
        #expect(worst < 1e-5, "prefill off the definition by \(worst)")
        #expect(worstDecode < 1e-5, "decode off prefill by \(worstDecode)")
    }

    /// Suffix attention (queries for the last Tq of Tk positions, keys of every position given) equals the last
    /// Tq rows of causal attention over the whole sequences, for a batch of sequences.
    @Test func suffixAttentionEqualsCausalRows() {
        let nh = 9, nkv = 3, hs = 16, B = 3, T = 11
        var rng = RandomGenerator(seed: 12)
        let q = Tensor.randn([B, T, nh * hs], rng: &rng)
        let k = Tensor.randn([B, T, nkv * hs], rng: &rng), v = Tensor.randn([B, T, nkv * hs], rng: &rng)
        let whole = GradMode.withoutGradients { Tensor.causalAttention(q: q, k: k, v: v, heads: nh, kvHeads: nkv) }
        for Tq in [1, 2, 5, T] {
            let qs = Tensor(uninitialized: [B, Tq, nh * hs])
            for b in 0..<B {
                (qs.data + b * Tq * nh * hs).update(from: q.data + (b * T + T - Tq) * nh * hs, count: Tq * nh * hs)
            }
            let a = Tensor.suffixAttention(q: qs, keys: k, values: v, heads: nh, kvHeads: nkv)
            var worst: Float = 0
            for b in 0..<B {
                for i in 0..<(Tq * nh * hs) {
                    worst = max(worst, abs(a.output.data[b * Tq * nh * hs + i] - whole.output.data[(b * T + T - Tq) * nh * hs + i]))
                }
            }
            #expect(worst < 1e-5, "Tq = \(Tq): off by \(worst)")
        }
    }
}

@Suite("Buffer pool")
struct BufferPoolTests {
    /// Size classes: never below the request, at most 12.5% above it, monotone, exact for small buffers.
    @Test func sizeClasses() {
        var last = 0
        for n in [1, 7, 1024, 1025, 1100, 2048, 2049, 5000, 65_536, 65_537, 1_000_000, 123_456_789] {
            let c = BufferPool.sizeClass(n)
            #expect(c >= n && Double(c) <= Double(n) * 1.125 + 1, "\(n) -> \(c)")
            #expect(c >= last)
            last = c
        }
        #expect(BufferPool.sizeClass(1000) == 1000)
        #expect(BufferPool.sizeClass(1025) == BufferPool.sizeClass(1100))      // one class serves both
    }
}

import Foundation
