import Foundation
import NeuralNet
import TensorCore

/// Sizes an analysis needs.
public struct InspectShape: Sendable, Equatable {
    public var layers: Int, heads: Int, kvHeads: Int, headDim: Int, dim: Int, mlpWidth: Int, vocab: Int
}

/// A model the interpretability tools can open: one forward with hook points (TransformerLens names, see
/// `Hooks`), runnable on token embeddings instead of ids, plus the pieces of the read-out that logit lens and
/// direct logit attribution need. Llama and GPT-2 conform.
public protocol InspectableModel: AnyObject {
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
}

extension Llama: InspectableModel {
    public var shape: InspectShape {
        let c = config
        return InspectShape(layers: c.layers, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, dim: c.dim,
                            mlpWidth: c.hiddenDim, vocab: c.vocabSize)
    }
    public func tokenEmbeddings(_ ids: [Int32]) -> Tensor { scaledEmbeddings(ids) }
    public func forward(_ ids: [Int32], logits: LogitPositions, embeddings: Tensor?, hooks: Hooks?,
                        attention: ((Int, Tensor) -> Void)?) -> Tensor {
        forward(ids, cache: nil, logits: logits, embeddings: embeddings, hooks: hooks, attention: attention)
    }
    public func unembed(_ residual: Tensor) -> Tensor { softcapped(output(residual.rmsNorm(weight: outputNorm, eps: config.normEps))) }
    public func headOutputs(layer: Int, z: Tensor) -> Tensor {
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
    public func logitReadout(target: Int32, finalResidual x: [Float]) -> (read: ([Float]) -> Double, constant: Double) {
        let D = config.dim
        let ms = x.reduce(0) { $0 + Double($1) * Double($1) } / Double(D)
        let inv = 1 / (ms + Double(config.normEps)).squareRoot()
        let u = output.rows([target]).scalars
        let direction = (0..<D).map { Double(outputNorm.data[$0]) * Double(u[$0]) * inv }
        return ({ c in zip(c, direction).reduce(0) { $0 + Double($1.0) * $1.1 } }, 0)
    }
    public func withFrozenWeights<R>(_ body: () -> R) -> R { body() }   // quantised weights take no gradients
}

extension GPT: InspectableModel {
    public var shape: InspectShape {
        let c = config
        return InspectShape(layers: c.nLayer, heads: c.nHead, kvHeads: c.nHead, headDim: c.nEmbd / c.nHead, dim: c.nEmbd,
                            mlpWidth: 4 * c.nEmbd, vocab: c.vocabSize)
    }
    public func tokenEmbeddings(_ ids: [Int32]) -> Tensor {
        GradMode.withoutGradients { wte(TokenIDs(ids)).detach() }.contiguous()
    }
    public func forward(_ ids: [Int32], logits: LogitPositions, embeddings: Tensor?, hooks: Hooks?,
                        attention: ((Int, Tensor) -> Void)?) -> Tensor {
        let T = ids.count
        let B = embeddings.map { $0.count / (T * config.nEmbd) } ?? 1
        return forward(TokenIDs(ids), batch: B, time: T, embeddings: embeddings, hooks: hooks, logits: logits, attention: attention)
    }
    public func unembed(_ residual: Tensor) -> Tensor { lnF(residual).linear(wte.weight, layout: .outIn) }
    public func headOutputs(layer: Int, z: Tensor) -> Tensor {
        z.linear(h[layer].attn.cProj.weight, layout: .inOut)                 // c_proj without its bias
    }
    public func logitReadout(target: Int32, finalResidual x: [Float]) -> (read: ([Float]) -> Double, constant: Double) {
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
    public func withFrozenWeights<R>(_ body: () -> R) -> R {
        let params = namedParameters().map { $0.1 }
        let before = params.map { $0.requiresGrad }
        for p in params { p.requiresGrad = false }
        defer { for (p, r) in zip(params, before) { p.requiresGrad = r } }
        return body()
    }
}

extension InspectableModel {
    /// `forward` with the usual defaults.
    public func run(_ ids: [Int32], logits: LogitPositions = .all, embeddings: Tensor? = nil, hooks: Hooks? = nil,
                    attention: ((Int, Tensor) -> Void)? = nil) -> Tensor {
        forward(ids, logits: logits, embeddings: embeddings, hooks: hooks, attention: attention)
    }
}
