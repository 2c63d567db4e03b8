import Foundation
import NeuralNet
import TensorCore

/// Sizes an analysis needs.
package struct InspectShape: Sendable, Equatable {
    package var layers: Int, heads: Int, kvHeads: Int, headDim: Int, dim: Int, mlpWidth: Int, vocab: Int
}

/// A model the interpretability tools can open: one forward with hook points (TransformerLens names, see
/// `Hooks`), runnable on token embeddings instead of ids, plus the pieces of the read-out that logit lens and
/// direct logit attribution need. Llama and GPT-2 conform.
package protocol InspectableModel: AnyObject {
    var shape: InspectShape { get }
    /// The token embeddings of `ids`, (T, D): what integrated gradients interpolate (positional embeddings, where
    /// the model has them, are added inside the forward).
    func tokenEmbeddings(_ ids: [Int32]) -> Tensor
    /// The model's forward (one sequence of `ids`, or B sequences given as `embeddings` (B·T, D)).
    func forward(_ ids: [Int32], logits: LogitPositions, embeddings: Tensor?, hooks: Hooks?,
                 attention: ((Int, Tensor) -> Void)?) -> Tensor
    /// Final norm and unembedding of residual-stream rows: (n, D) -> (n, V).
    func unembed(_ residual: Tensor) -> Tensor
    /// Each head's share of layer `layer`'s attention output: `z` (H, H·hs) holds head h's slice in row h and
    /// zeros elsewhere; returns (H, D) (without any output bias).
    func headOutputs(layer: Int, z: Tensor) -> Tensor
    /// The linear read-out of `target`'s logit from a residual-stream component, with the final norm's scale frozen
    /// at `finalResidual`: logit = Σ_components read(c) + constant.
    func logitReadout(target: Int32, finalResidual: [Float]) -> (read: ([Float]) -> Double, constant: Double)
    /// Runs `body` with the weights excluded from gradients (attributions only need the input's).
    func withFrozenWeights<R>(_ body: () -> R) -> R

    // What the contribution graph reads of a layer, beyond the residual stream and the attention pattern.
    /// The most positions one forward takes (GPT-2's learned positions); nil where only the context bounds it.
    var positionLimit: Int? { get }
    /// The hook points of layer `l` that `attentionValues` and `attentionOutputScale` read.
    func contributionHookNames(layer l: Int) -> Set<String>
    /// Layer `l`'s value vectors (T, kvHeads·headDim) from a cache holding `contributionHookNames`.
    func attentionValues(layer l: Int, cache: [String: Tensor], positions T: Int) throws -> Tensor
    /// Layer `l`'s attention output projection W_O as (heads·headDim, D) [in, out], dense.
    func outputProjection(layer l: Int) -> Tensor
    /// Where a norm scales the attention output before it joins the residual (Gemma), its scale frozen at each
    /// position's whole output (T, D): the output is then linear in each (head, token) part. Nil without one.
    func attentionOutputScale(layer l: Int, cache: [String: Tensor], positions T: Int) throws -> Tensor?
    /// The components and weights the model card shows.
    func layout() -> ModelLayout
}

/// A hook point missing from a cache, or of another size than expected.
package struct HookCacheError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }

    /// The cached tensor `name`, contiguous, checked to hold `count` values.
    package static func tensor(_ cache: [String: Tensor], _ name: String, count: Int) throws -> Tensor {
        guard let t = cache[name] else { throw HookCacheError("hook point '\(name)' is not in the cache") }
        guard t.count == count else { throw HookCacheError("hook point '\(name)' holds \(t.shape) (\(t.count) values); expected \(count)") }
        return t.contiguous()
    }
}

extension Llama: InspectableModel {
    package var shape: InspectShape {
        let c = config
        return InspectShape(layers: c.layers, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, dim: c.dim,
                            mlpWidth: c.hiddenDim, vocab: c.vocabSize)
    }
    package func tokenEmbeddings(_ ids: [Int32]) -> Tensor { scaledEmbeddings(ids) }
    package func forward(_ ids: [Int32], logits: LogitPositions, embeddings: Tensor?, hooks: Hooks?,
                        attention: ((Int, Tensor) -> Void)?) -> Tensor {
        forward(ids, cache: nil, logits: logits, embeddings: embeddings, hooks: hooks, attention: attention)
    }
    package func unembed(_ residual: Tensor) -> Tensor { softcapped(output(residual.rmsNorm(weight: outputNorm, eps: config.normEps))) }
    package func headOutputs(layer: Int, z: Tensor) -> Tensor {
        let y = layers[layer].wo(z)
        guard let w = layers[layer].postAttentionNorm else { return y }
        // Gemma's post-attention norm is linear once its scale is frozen at the whole output, the sum of the rows.
        let t = y.contiguous(), H = t.shape[0], D = t.shape[1]
        var ms = 0.0
        for d in 0..<D {
            let total = (0..<H).reduce(0.0) { $0 + Double(t.data[$1 * D + d]) }
            ms += total * total
        }
        let inv = Float(1 / (ms / Double(D) + Double(config.normEps)).squareRoot())
        let out = Tensor(uninitialized: [H, D])
        for h in 0..<H { for d in 0..<D { out.data[h * D + d] = t.data[h * D + d] * w.data[d] * inv } }
        return out
    }
    /// (With Gemma 2's logit soft-capping, this reads the logit before the cap: the cap is not linear.)
    package func logitReadout(target: Int32, finalResidual x: [Float]) -> (read: ([Float]) -> Double, constant: Double) {
        let D = config.dim
        let ms = x.reduce(0) { $0 + Double($1) * Double($1) } / Double(D)
        let inv = 1 / (ms + Double(config.normEps)).squareRoot()
        let u = output.rows([target]).scalars
        let direction = (0..<D).map { Double(outputNorm.data[$0]) * Double(u[$0]) * inv }
        return ({ c in zip(c, direction).reduce(0) { $0 + Double($1.0) * $1.1 } }, 0)
    }
    package func withFrozenWeights<R>(_ body: () -> R) -> R { body() }   // quantised weights take no gradients

    package var positionLimit: Int? { nil }
    package func contributionHookNames(layer l: Int) -> Set<String> {
        layers[l].postAttentionNorm == nil ? ["blocks.\(l).attn.hook_v"] : ["blocks.\(l).attn.hook_v", "blocks.\(l).attn.hook_z"]
    }
    package func attentionValues(layer l: Int, cache: [String: Tensor], positions T: Int) throws -> Tensor {
        try HookCacheError.tensor(cache, "blocks.\(l).attn.hook_v", count: T * config.kvHeads * config.headDim)
    }
    package func outputProjection(layer l: Int) -> Tensor {
        let width = config.attentionWidth, D = config.dim
        let wo = layers[l].wo.dequantized().contiguous()                   // (D, H·hd) [out, in]
        let t = Tensor(uninitialized: [width, D])
        let src = wo.data, dst = t.data
        for r in 0..<D { for i in 0..<width { dst[i * D + r] = src[r * width + i] } }
        return t
    }
    package func attentionOutputScale(layer l: Int, cache: [String: Tensor], positions T: Int) throws -> Tensor? {
        guard let w = layers[l].postAttentionNorm else { return nil }
        let D = config.dim, width = config.attentionWidth
        let z = try HookCacheError.tensor(cache, "blocks.\(l).attn.hook_z", count: T * width)
        let raw = GradMode.withoutGradients { layers[l].wo(z.reshaped([T, width])) }.contiguous()   // before the norm
        let scale = Tensor(uninitialized: [T, D]), eps = Double(config.normEps)
        for q in 0..<T {
            let ms = (0..<D).reduce(0.0) { $0 + Double(raw.data[q * D + $1]) * Double(raw.data[q * D + $1]) } / Double(D)
            let inv = Float(1 / (ms + eps).squareRoot())
            for d in 0..<D { scale.data[q * D + d] = w.data[d] * inv }
        }
        return scale
    }
}

extension GPT: InspectableModel {
    package var shape: InspectShape {
        let c = config
        return InspectShape(layers: c.nLayer, heads: c.nHead, kvHeads: c.nHead, headDim: c.nEmbd / c.nHead, dim: c.nEmbd,
                            mlpWidth: 4 * c.nEmbd, vocab: c.vocabSize)
    }
    package func tokenEmbeddings(_ ids: [Int32]) -> Tensor {
        GradMode.withoutGradients { wte(TokenIDs(ids)).detach() }.contiguous()
    }
    package func forward(_ ids: [Int32], logits: LogitPositions, embeddings: Tensor?, hooks: Hooks?,
                        attention: ((Int, Tensor) -> Void)?) -> Tensor {
        let T = ids.count
        let B = embeddings.map { $0.count / (T * config.nEmbd) } ?? 1
        return forward(TokenIDs(ids), batch: B, time: T, embeddings: embeddings, hooks: hooks, logits: logits, attention: attention)
    }
    package func unembed(_ residual: Tensor) -> Tensor { lnF(residual).linear(wte.weight, layout: .outIn) }
    package func headOutputs(layer: Int, z: Tensor) -> Tensor {
        z.linear(h[layer].attn.cProj.weight, layout: .inOut)                 // c_proj without its bias
    }
    package func logitReadout(target: Int32, finalResidual x: [Float]) -> (read: ([Float]) -> Double, constant: Double) {
        // LayerNorm: (x − mean(x)) / σ · g + b. Centring is linear; σ is frozen at the final residual.
        let D = config.nEmbd
        let mean = x.reduce(0) { $0 + Double($1) } / Double(D)
        let variance = x.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(D)
        let inv = 1 / (variance + Double(config.layerNormEpsilon)).squareRoot()
        let u = Array(UnsafeBufferPointer(start: wte.weight.data + Int(target) * D, count: D))
        let g = lnF.weight, b = lnF.bias
        let direction = (0..<D).map { Double(g.data[$0]) * Double(u[$0]) * inv }
        let dMean = direction.reduce(0, +) / Double(D)
        let constant = (0..<D).reduce(0.0) { $0 + Double(b.data[$1]) * Double(u[$1]) }
        return ({ c in zip(c, direction).reduce(0) { $0 + Double($1.0) * ($1.1 - dMean) } }, constant)
    }
    package func withFrozenWeights<R>(_ body: () -> R) -> R {
        let params = namedParameters().map { $0.1 }
        let before = params.map { $0.requiresGrad }
        for p in params { p.requiresGrad = false }
        defer { for (p, r) in zip(params, before) { p.requiresGrad = r } }
        return body()
    }

    package var positionLimit: Int? { config.blockSize }
    /// GPT-2 emits no `attn.hook_v`: its values are recomputed from `ln1.hook_normalized` and `c_attn`.
    package func contributionHookNames(layer l: Int) -> Set<String> { ["blocks.\(l).ln1.hook_normalized"] }
    package func attentionValues(layer l: Int, cache: [String: Tensor], positions T: Int) throws -> Tensor {
        let n = try HookCacheError.tensor(cache, "blocks.\(l).ln1.hook_normalized", count: T * config.nEmbd)
        let attn = h[l].attn
        let D = config.nEmbd, hd = D / attn.heads, width = attn.kvHeads * hd
        let fused = (attn.heads + 2 * attn.kvHeads) * hd                              // c_attn: q | k | v columns
        let w = attn.cAttn.weight.contiguous()                                         // (D, fused) [in, out]
        let v = Tensor(uninitialized: [T, width])
        sgemm(transA: false, transB: false, M: T, N: width, K: D, A: n.data, lda: D,
              B: w.data + (attn.heads + attn.kvHeads) * hd, ldb: fused, beta: 0, C: v.data, ldc: width, parallel: false)
        if let b = attn.cAttn.bias?.contiguous() {
            let bv = b.data + (attn.heads + attn.kvHeads) * hd
            for t in 0..<T { for i in 0..<width { v.data[t * width + i] += bv[i] } }
        }
        return v
    }
    package func outputProjection(layer l: Int) -> Tensor { h[l].attn.cProj.weight.contiguous() }   // Conv1D: [in, out]
    package func attentionOutputScale(layer l: Int, cache: [String: Tensor], positions T: Int) throws -> Tensor? { nil }
}

extension InspectableModel {
    /// `forward` with the usual defaults.
    package func run(_ ids: [Int32], logits: LogitPositions = .all, embeddings: Tensor? = nil, hooks: Hooks? = nil,
                    attention: ((Int, Tensor) -> Void)? = nil) -> Tensor {
        forward(ids, logits: logits, embeddings: embeddings, hooks: hooks, attention: attention)
    }
}
