import Foundation
import Models
import NeuralNet
import TensorCore

/// The contribution graph of Meta's LLM Transparency Tool (Ferrando & Voita 2024): how much each block's input
/// parts make up each residual-stream vector, per layer and position.
///
/// For layer L and query position q, with x_pre the residual stream entering the block, x_mid = x_pre + attention
/// output and x_post the block's output (hooks `hook_resid_pre`, `hook_resid_mid`, `hook_resid_post`):
///
/// - attention: the whole x_mid[q] is split into the residual x_pre[q] and, for every head h and key k ≤ q, the
///   part A[h,q,k] · (v_{g(h)}[k] @ W_O,hᵀ) (g(h) = h / (H / H_kv): grouped-query attention);
/// - MLP: the whole x_post[q] is split into the MLP output x_post[q] − x_mid[q] and the residual x_mid[q];
/// - contribution(part) = max(‖whole‖₁ − ‖whole − part‖₁, 1e-5), divided by the sum over the parts of that
///   whole, so that the parts of one whole add up to 1.
///
/// Biases: a value bias (GPT-2's `c_attn` v slice) is inside v, so each head's parts carry it; an output bias
/// (GPT-2's `c_proj.bias` of the attention) is in the whole but in no part, as in the LLM Transparency Tool (it
/// decomposes TransformerLens' per-head `result`s, which leave b_O out). Llama has neither.
///
/// Reference: ../shared/fixtures/contribution_graph (SmolLM2, float64 from float32 activations; schema:
/// docs/inspect-json.md, `contribution_graph`).
public struct ContributionGraph: Codable, Sendable, Equatable {
    /// T, the number of positions.
    public let positions: Int
    /// H, the number of attention heads.
    public let heads: Int
    /// One entry per layer, in order.
    public let layers: [LayerContributions]

    /// One layer's contributions (T positions, H heads).
    public struct LayerContributions: Codable, Sendable, Equatable {
        public let layer: Int
        /// (T, T): `attnTokens[q][k]` = the share of x_mid[q] that comes from key token k, summed over heads
        /// (0 for k > q).
        public let attnTokens: [[Float]]
        /// (T, H): `attnHeads[q][h]` = the share of x_mid[q] that comes through head h, summed over keys.
        public let attnHeads: [[Float]]
        /// (T): the share of x_mid[q] that is x_pre[q]. `Σ_k attnTokens[q][k] + attnResid[q] = 1`.
        public let attnResid: [Float]
        /// (T): the share of x_post[q] that is the MLP's output.
        public let mlp: [Float]
        /// (T): the share of x_post[q] that is x_mid[q]. `mlp[q] + mlpResid[q] = 1`.
        public let mlpResid: [Float]

        enum CodingKeys: String, CodingKey {
            case layer
            case attnTokens = "attn_tokens", attnHeads = "attn_heads", attnResid = "attn_resid"
            case mlp, mlpResid = "mlp_resid"
        }
    }

    /// The floor of a contribution before normalising (the LLM Transparency Tool's EPS, in the L1 norm's units).
    package static let floor: Float = 1e-5

    /// Hook points the graph reads: the residual stream and attention pattern of every layer, and what the model
    /// needs for its value vectors and output scale (`InspectableModel.contributionHookNames`).
    package static func hookNames(model: any InspectableModel) -> Set<String> {
        var s: Set<String> = []
        for l in 0..<model.shape.layers {
            s.formUnion(["blocks.\(l).hook_resid_pre", "blocks.\(l).hook_resid_mid", "blocks.\(l).hook_resid_post",
                         "blocks.\(l).attn.hook_pattern"])
            s.formUnion(model.contributionHookNames(layer: l))
        }
        return s
    }

    /// One hooked forward of `ids` (no logits but the last position's), then the graph.
    package init(model: any InspectableModel, ids: [Int32]) throws {
        guard !ids.isEmpty else { throw InterpretabilityError("the contribution graph needs at least one token") }
        let vocab = model.shape.vocab
        if let bad = ids.first(where: { !(0..<Int32(clamping: vocab)).contains($0) }) {
            throw InterpretabilityError("token id \(bad) is outside the vocabulary of \(vocab)")
        }
        if let limit = model.positionLimit, ids.count > limit {
            throw InterpretabilityError("\(ids.count) tokens exceed the model's \(limit) positions")
        }
        let names = Self.hookNames(model: model)
        let hooks = Hooks(cache: { names.contains($0) })
        _ = GradMode.withoutGradients { model.run(ids, logits: .last, hooks: hooks) }
        try self.init(model: model, cache: hooks.cache, positions: ids.count)
    }

    /// From a cache holding `hookNames(model:)` for one sequence of `positions` tokens (so that the inspect page's
    /// one forward can feed it). Throws when a hook point is missing or has an unexpected shape.
    package init(model: any InspectableModel, cache: [String: Tensor], positions T: Int) throws {
        let c = model.shape, D = c.dim, H = c.heads, Hkv = c.kvHeads, hd = c.headDim
        guard T > 0 else { throw InterpretabilityError("the contribution graph needs at least one token") }
        guard Hkv > 0, H % Hkv == 0, H * hd > 0 else {
            throw InterpretabilityError("\(H) heads do not split into \(Hkv) key-value groups")
        }
        func tensor(_ name: String, count: Int) throws -> Tensor {
            guard let t = cache[name] else {
                throw InterpretabilityError("hook point '\(name)' is not in the cache: run the forward with "
                                             + "ContributionGraph.hookNames(model:) cached")
            }
            guard t.count == count else {
                throw InterpretabilityError("hook point '\(name)' holds \(t.shape) (\(t.count) values); expected \(count) "
                                             + "for one sequence of \(T) tokens")
            }
            return t.contiguous()
        }
        // Everything from the cache first (throwing), then the arithmetic in one parallel region over the layers.
        var inputs: [LayerInputs] = []
        for l in 0..<c.layers {
            let p = "blocks.\(l)."
            let values: Tensor, outputT: Tensor, postScale: Tensor?
            do {
                values = try model.attentionValues(layer: l, cache: cache, positions: T)
                outputT = model.outputProjection(layer: l)
                // Gemma normalises the attention output before it joins the residual: with the norm's scale frozen at
                // each position's whole output, every (head, token) part is that part times the same scale.
                postScale = try model.attentionOutputScale(layer: l, cache: cache, positions: T)
            } catch let e as HookCacheError {
                throw InterpretabilityError("\(e.description): run the forward with ContributionGraph.hookNames(model:) cached")
            }
            guard values.count == T * Hkv * hd, outputT.count == H * hd * D else {
                throw InterpretabilityError("layer \(l): values \(values.shape) and output projection \(outputT.shape) do not fit \(T) tokens")
            }
            inputs.append(LayerInputs(pre: try tensor(p + "hook_resid_pre", count: T * D),
                                      mid: try tensor(p + "hook_resid_mid", count: T * D),
                                      post: try tensor(p + "hook_resid_post", count: T * D),
                                      pattern: try tensor(p + "attn.hook_pattern", count: H * T * T),
                                      values: values, outputT: outputT, postScale: postScale))
        }
        // Layers are independent and equally costly: one per task (each thread writes only its own slot).
        var out = [LayerContributions?](repeating: nil, count: c.layers)
        out.withUnsafeMutableBufferPointer { slots in
            Parallel.forEach(c.layers) { l in
                slots[l] = layerContributions(l, inputs[l], T: T, D: D, H: H, Hkv: Hkv, hd: hd)
            }
        }
        positions = T
        heads = H
        layers = out.compactMap { $0 }
    }
}

/// Why a contribution graph could not be computed (a hook point missing from the cache, a shape that does not fit).

// MARK: - The computation

/// One layer's activations (contiguous) and its attention output projection as (H·hd, D) [in, out].
private struct LayerInputs {
    let pre: Tensor, mid: Tensor, post: Tensor   // (T, D) each
    let pattern: Tensor                          // (H, T, T) [head, query, key]
    let values: Tensor                           // (T, Hkv·hd)
    let outputT: Tensor                          // (H·hd, D): row i = W_O[:, i]
    let postScale: Tensor?                       // (T, D): the post-attention norm's frozen scale per query (Gemma)
}

/// |x| lane-wise by clearing the sign bits (`pointwiseMax(x, -x)` is a generic, non-inlined call here).
@inline(__always)
private func simdAbs(_ x: SIMD8<Float>) -> SIMD8<Float> {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
}

@inline(__always)
private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }

/// Σ_i (|w_i| − |w_i − a·o_i|) = ‖w‖₁ − ‖w − a·o‖₁, summed per element (no cancellation between two large
/// norms), 32 lanes at a time in four independent accumulators.
@inline(__always)
private func l1Gain(_ w: UnsafePointer<Float>, _ absW: UnsafePointer<Float>, _ o: UnsafePointer<Float>, _ a: Float,
                    _ n: Int) -> Float {
    let nav = SIMD8<Float>(repeating: -a)                // w − a·o as one fused multiply-add
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
    var i = 0
    while i + 32 <= n {
        acc0 += load8(absW + i) - simdAbs(load8(w + i).addingProduct(nav, load8(o + i)))
        acc1 += load8(absW + i + 8) - simdAbs(load8(w + i + 8).addingProduct(nav, load8(o + i + 8)))
        acc2 += load8(absW + i + 16) - simdAbs(load8(w + i + 16).addingProduct(nav, load8(o + i + 16)))
        acc3 += load8(absW + i + 24) - simdAbs(load8(w + i + 24).addingProduct(nav, load8(o + i + 24)))
        i += 32
    }
    while i + 8 <= n {
        acc0 += load8(absW + i) - simdAbs(load8(w + i).addingProduct(nav, load8(o + i)))
        i += 8
    }
    var s = ((acc0 + acc1) + (acc2 + acc3)).sum()
    while i < n { s += absW[i] - abs(w[i].addingProduct(-a, o[i])); i += 1 }
    return s
}

/// Σ_i (|x_i| − |x_i − y_i|) in Double (the residual and MLP parts: T·D per layer, not worth SIMD).
private func l1GainDouble(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Double {
    var s = 0.0
    for i in 0..<n { s += Double(abs(x[i])) - abs(Double(x[i]) - Double(y[i])) }
    return s
}

/// Queries processed together, so each head output row o_h[k] is read once per tile rather than once per query.
private let queryTile = 8

private func layerContributions(_ l: Int, _ x: LayerInputs, T: Int, D: Int, H: Int, Hkv: Int, hd: Int) -> ContributionGraph.LayerContributions {
    let group = H / Hkv
    let floor = Double(ContributionGraph.floor)
    // o_h[k] = v_{g(h)}[k] @ W_O,hᵀ for every head and key: (H, T, D), one (T, hd) x (hd, D) product per head.
    let o = UnsafeMutablePointer<Float>.allocate(capacity: H * T * D)
    defer { o.deallocate() }
    for h in 0..<H {
        sgemm(transA: false, transB: false, M: T, N: D, K: hd, A: x.values.data + (h / group) * hd, lda: Hkv * hd,
              B: x.outputT.data + h * hd * D, ldb: D, beta: 0, C: o + h * T * D, ldc: D, parallel: false)
    }
    // Unnormalised contributions, accumulated in Double: tokens (T, T), heads (T, H), and each whole's total.
    var tokens = [Double](repeating: 0, count: T * T), heads = [Double](repeating: 0, count: T * H)
    var resid = [Double](repeating: 0, count: T), total = [Double](repeating: 0, count: T)
    let absW = UnsafeMutablePointer<Float>.allocate(capacity: queryTile * D)
    defer { absW.deallocate() }
    let mid = x.mid.data, A = x.pattern.data
    let scaled = UnsafeMutablePointer<Float>.allocate(capacity: D)
    defer { scaled.deallocate() }
    for q0 in stride(from: 0, to: T, by: queryTile) {
        let q1 = min(q0 + queryTile, T)
        for q in q0..<q1 {
            for i in 0..<D { absW[(q - q0) * D + i] = abs(mid[q * D + i]) }
            let r = max(l1GainDouble(mid + q * D, x.pre.data + q * D, D), floor)
            resid[q] = r; total[q] = r
        }
        for h in 0..<H {
            for k in 0..<q1 {
                let row = o + (h * T + k) * D
                for q in max(k, q0)..<q1 {
                    let a = A[(h * T + q) * T + k]
                    var part = UnsafePointer(row)
                    if let s = x.postScale {
                        for i in 0..<D { scaled[i] = row[i] * s.data[q * D + i] }
                        part = UnsafePointer(scaled)
                    }
                    let g = max(Double(l1Gain(mid + q * D, absW + (q - q0) * D, part, a, D)), floor)
                    tokens[q * T + k] += g; heads[q * H + h] += g; total[q] += g
                }
            }
        }
    }
    // MLP: parts m = x_post − x_mid and x_mid; whole x_post.
    var mlp = [Float](repeating: 0, count: T), mlpResid = [Float](repeating: 0, count: T)
    let post = x.post.data
    for q in 0..<T {
        var gm = 0.0, gr = 0.0
        for i in 0..<D {
            let p = Double(post[q * D + i]), m = Double(mid[q * D + i])
            gm += abs(p) - abs(m)            // ‖post‖ − ‖post − (post − mid)‖
            gr += abs(p) - abs(p - m)        // ‖post‖ − ‖post − mid‖
        }
        gm = max(gm, floor); gr = max(gr, floor)
        mlp[q] = Float(gm / (gm + gr)); mlpResid[q] = Float(gr / (gm + gr))
    }
    return ContributionGraph.LayerContributions(
        layer: l,
        attnTokens: (0..<T).map { q in (0..<T).map { k in Float(tokens[q * T + k] / total[q]) } },
        attnHeads: (0..<T).map { q in (0..<H).map { h in Float(heads[q * H + h] / total[q]) } },
        attnResid: (0..<T).map { Float(resid[$0] / total[$0]) },
        mlp: mlp, mlpResid: mlpResid)
}
