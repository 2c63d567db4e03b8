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
}

import Foundation
