import Foundation
import TensorCore

/// Multi-head attention of queries from x over keys and values from a context (itself for self-attention, the
/// encoder's output for cross-attention), T5's names: `q`, `k`, `v`, `o` ([out, in], no biases). Scores are
/// q·k/√d per head; an additive mask (0 or −∞, broadcast over heads) removes padding and, for a decoder, the future.
package final class MultiHeadAttention: Module {
    package let q: Linear, k: Linear, v: Linear, o: Linear
    package let heads: Int

    package init(dim: Int, heads: Int, rng: inout RandomGenerator) {
        precondition(dim % heads == 0, "width \(dim) is not divisible by \(heads) heads")
        self.heads = heads
        let std = 1 / Float(dim).squareRoot()
        q = Linear(dim, dim, bias: false, std: std, rng: &rng); k = Linear(dim, dim, bias: false, std: std, rng: &rng)
        v = Linear(dim, dim, bias: false, std: std, rng: &rng); o = Linear(dim, dim, bias: false, std: std, rng: &rng)
    }

    package func namedParameters() -> [(String, Tensor)] {
        [("q.weight", q.weight), ("k.weight", k.weight), ("v.weight", v.weight), ("o.weight", o.weight)]
    }

    /// x (B, Tq, D) attending over context (B, Tk, D); mask broadcastable to (B, 1, Tq, Tk). Hook points
    /// `<name>.hook_pattern` (B, H, Tq, Tk) and `<name>.hook_z` (B, Tq, D), the heads' outputs before `o`.
    package func callAsFunction(_ x: Tensor, context: Tensor, mask: Tensor?, hooks: Hooks? = nil, name: String = "attn") -> Tensor {
        let B = x.shape[0], Tq = x.shape[1], Tk = context.shape[1], D = x.shape[2], H = heads, d = D / H
        func split(_ t: Tensor, _ T: Int) -> Tensor { t.reshaped([B, T, H, d]).transposed(1, 2) }     // (B, H, T, d)
        let qh = split(q(x), Tq), kh = split(k(context), Tk), vh = split(v(context), Tk)
        var scores = qh.matmul(kh.transposed(2, 3)) * (1 / Float(d).squareRoot())                       // (B, H, Tq, Tk)
        if let mask { scores = scores + mask }
        var pattern = scores.softmax()
        if let hooks { pattern = hooks.apply("\(name).hook_pattern", pattern) }
        var z = pattern.matmul(vh).transposed(1, 2).contiguous().reshaped([B, Tq, D])
        if let hooks { z = hooks.apply("\(name).hook_z", z) }
        return o(z)
    }
}

/// A T5-style feed-forward block: relu(x W_in) W_out, no biases (`wi`, `wo`).
package final class FeedForward: Module {
    package let wi: Linear, wo: Linear

    package init(dim: Int, hidden: Int, rng: inout RandomGenerator) {
        wi = Linear(dim, hidden, bias: false, std: (2 / Float(dim)).squareRoot(), rng: &rng)
        wo = Linear(hidden, dim, bias: false, std: 1 / Float(hidden).squareRoot(), rng: &rng)
    }

    package func namedParameters() -> [(String, Tensor)] { [("wi.weight", wi.weight), ("wo.weight", wo.weight)] }

    package func callAsFunction(_ x: Tensor) -> Tensor { wo(wi(x).relu()) }
}

/// Additive attention masks (0 where allowed, −∞ where not).
package enum AttentionMask {
    /// Key padding: (B, 1, 1, T), −∞ at positions ≥ lengths[b].
    package static func padding(_ lengths: [Int], _ T: Int) -> Tensor {
        Tensor(lengths.flatMap { n in (0..<T).map { $0 < n ? Float(0) : -.infinity } }, shape: [lengths.count, 1, 1, T])
    }

    /// Causal and key padding for a decoder: (B, 1, T, T), −∞ above the diagonal and at padded keys.
    package static func causal(_ lengths: [Int], _ T: Int) -> Tensor {
        var m = [Float](repeating: 0, count: lengths.count * T * T)
        for (b, n) in lengths.enumerated() {
            for i in 0..<T { for j in 0..<T where j > i || (j >= n && j > 0) { m[(b * T + i) * T + j] = -.infinity } }
        }
        return Tensor(m, shape: [lengths.count, 1, T, T])
    }
}
