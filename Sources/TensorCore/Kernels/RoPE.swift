import Foundation

/// Rotary position embeddings (Su et al. 2021): rotate pairs of each head's dimensions by position-dependent angles.
///
/// Pair i of a head (i < hs/2) rotates by angle p · theta^(-2i/hs). `.adjacent` pairs dimensions (2i, 2i+1)
/// (GGUF files, whose q/k rows llama.cpp permutes); `.halves` pairs (i, i + hs/2) (Hugging Face rotate_half).
package enum RoPEPairing: Sendable { case adjacent, halves }

/// cos/sin tables for a list of positions: computed once per forward and shared by q and k of every layer.
package struct RoPETable: Sendable {
    package let positions: Int
    package let headSize: Int
    let cos: [Float], sin: [Float]

    /// `factors` (one per pair, hs/2) divide the frequencies: pair i turns by p · theta^(-2i/hs) / factors[i]
    /// (Llama 3's rope scaling, as llama.cpp's `rope_freqs` tensor holds it; LongRoPE's short factors). `scale`
    /// multiplies cos and sin, so the rotated queries and keys (LongRoPE's attention factor).
    package init(positions: [Int], headSize: Int, theta: Float, factors: [Float]? = nil, scale: Float = 1) {
        precondition(factors == nil || factors!.count == headSize / 2, "rope factors: \(factors!.count) for head size \(headSize)")
        (cos, sin) = ropeTables(positions, hs: headSize, theta: theta, factors: factors, scale: scale)
        self.positions = positions.count
        self.headSize = headSize
    }

    init(cos: [Float], sin: [Float], positions: Int, headSize: Int) {
        self.cos = cos; self.sin = sin; self.positions = positions; self.headSize = headSize
    }

    /// The table of the given rows of this one (rows may repeat): a batch of sequences at known positions
    /// without recomputing a sine per row.
    package func gathering(_ rows: [Int]) -> RoPETable {
        let half = headSize / 2
        var c = [Float](repeating: 0, count: rows.count * half), s = c
        for (k, r) in rows.enumerated() {
            precondition(r >= 0 && r < positions, "rope table: row \(r) of \(positions)")
            for i in 0..<half { c[k * half + i] = cos[r * half + i]; s[k * half + i] = sin[r * half + i] }
        }
        return RoPETable(cos: c, sin: s, positions: rows.count, headSize: headSize)
    }
}

/// cos/sin tables [positions, hs/2], computed in Double and rounded once.
func ropeTables(_ positions: [Int], hs: Int, theta: Float, factors: [Float]? = nil, scale: Float = 1) -> (cos: [Float], sin: [Float]) {
    let half = hs / 2
    var c = [Float](repeating: 0, count: positions.count * half), s = c
    // Hugging Face computes inv_freq (and its scaled form) and the angle in float32; match its rounding.
    let invFreqs = (0..<half).map { i -> Float in
        let f = Float(1 / Foundation.pow(Double(theta), Double(2 * i) / Double(hs)))
        return factors.map { f / $0[i] } ?? f
    }
    for (k, p) in positions.enumerated() {
        for i in 0..<half {
            let angle = Float(Double(p) * Double(invFreqs[i]))
            c[k * half + i] = Foundation.cos(angle) * scale; s[k * half + i] = Foundation.sin(angle) * scale
        }
    }
    return (c, s)
}

/// Rotates every head of rows x [T, heads·hs] in place-free form: y = R(p) x; backward applies R(-p).
func ropeApply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, T: Int, heads: Int, hs: Int,
               cos: [Float], sin: [Float], pairing: RoPEPairing, inverse: Bool, accumulate: Bool) {
    let half = hs / 2, W = heads * hs
    let sign: Float = inverse ? -1 : 1
    for t in 0..<T {
        for h in 0..<heads {
            let base = t * W + h * hs
            for i in 0..<half {
                let c = cos[t * half + i], s = sign * sin[t * half + i]
                let (a, b) = pairing == .adjacent ? (base + 2 * i, base + 2 * i + 1) : (base + i, base + i + half)
                let x0 = x[a], x1 = x[b]
                let r0 = x0 * c - x1 * s, r1 = x0 * s + x1 * c
                if accumulate { y[a] += r0; y[b] += r1 } else { y[a] = r0; y[b] = r1 }
            }
        }
    }
}

extension Tensor {
    /// RoPE over x [..., T, heads·hs] at `positions` (one per row of T).
    package func rope(positions: [Int], heads: Int, theta: Float, pairing: RoPEPairing) -> Tensor {
        rope(RoPETable(positions: positions, headSize: shape[rank - 1] / heads, theta: theta), heads: heads, pairing: pairing)
    }

    /// RoPE with precomputed tables (one row per row of x).
    package func rope(_ table: RoPETable, heads: Int, pairing: RoPEPairing) -> Tensor {
        let x = contiguous()
        let W = shape[rank - 1], hs = W / heads
        let T = count / W
        shapeCheck(table.positions == T && table.headSize == hs && hs % 2 == 0, "rope: \(table.positions) positions for shape \(shape)")
        let c = table.cos, s = table.sin
        let y = Tensor(uninitialized: shape)
        ropeApply(x.data, y.data, T: T, heads: heads, hs: hs, cos: c, sin: s, pairing: pairing, inverse: false, accumulate: false)
        y.record([x]) { g in
            x.accumulateGrad { dx in
                ropeApply(g.data, dx, T: T, heads: heads, hs: hs, cos: c, sin: s, pairing: pairing, inverse: true, accumulate: true)
            }
        }
        return y
    }
}
