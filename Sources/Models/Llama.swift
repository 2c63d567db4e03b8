import Foundation
import ModelFormats
import TensorCore

/// Llama hyper-parameters (from GGUF metadata or a Hugging Face config.json).
public struct LlamaConfig: Codable, Equatable, Sendable {
    public var vocabSize: Int
    public var dim: Int
    public var hiddenDim: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var ropeTheta: Float
    public var normEps: Float
    public var contextLength: Int
    public var tiedEmbeddings: Bool
}

/// One Llama block's weights (GGUF names: blk.{i}.attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm,
/// ffn_gate, ffn_up, ffn_down; Hugging Face: model.layers.{i}.input_layernorm, self_attn.q_proj, ...).
public struct LlamaLayer {
    public let attnNorm: Tensor
    public let wq: Weight, wk: Weight, wv: Weight, wo: Weight
    public let ffnNorm: Tensor
    public let wGate: Weight, wUp: Weight, wDown: Weight
}

/// Keys and values of the positions seen so far, per layer: [capacity, kvHeads·headDim].
public final class KVCache {
    public let keys: [Tensor]
    public let values: [Tensor]
    public private(set) var length = 0
    public let capacity: Int

    public init(layers: Int, capacity: Int, width: Int) {
        self.capacity = capacity
        keys = (0..<layers).map { _ in Tensor.zeros([capacity, width]) }
        values = (0..<layers).map { _ in Tensor.zeros([capacity, width]) }
    }

    func append(layer: Int, k: Tensor, v: Tensor) {
        let w = k.shape[k.rank - 1], n = k.count / w
        precondition(length + n <= capacity, "KV cache full (\(capacity) positions)")
        (keys[layer].data + length * w).update(from: k.contiguous().data, count: n * w)
        (values[layer].data + length * w).update(from: v.contiguous().data, count: n * w)
    }

    func advance(_ n: Int) { length += n }

    public func reset() { length = 0 }

    /// Drops positions from `n` on (e.g. to re-run a prompt suffix).
    public func truncate(to n: Int) { length = min(length, n) }
}

/// Llama (Touvron et al. 2023): RMSNorm, rotary embeddings, SwiGLU MLP, grouped-query attention.
///
///     h  = x + Wo · Attn(RoPE(Wq n), RoPE(Wk n), Wv n),  n = RMSNorm_attn(x)
///     x' = h + Wdown · (silu(Wgate m) ⊙ Wup m),           m = RMSNorm_ffn(h)
///     logits = Wout · RMSNorm_out(x_L)                     (Wout = token embedding when tied)
public final class Llama {
    public let config: LlamaConfig
    public let tokenEmbedding: Weight
    public let layers: [LlamaLayer]
    public let outputNorm: Tensor
    public let output: Weight
    public let ropePairing: RoPEPairing

    public init(config: LlamaConfig, tokenEmbedding: Weight, layers: [LlamaLayer], outputNorm: Tensor, output: Weight,
                ropePairing: RoPEPairing) {
        self.config = config; self.tokenEmbedding = tokenEmbedding; self.layers = layers
        self.outputNorm = outputNorm; self.output = output; self.ropePairing = ropePairing
    }

    public func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(layers: config.layers, capacity: capacity ?? config.contextLength, width: config.kvHeads * config.headDim)
    }

    /// Which positions get logits.
    public enum LogitPositions { case all, last }

    /// Runs `ids` (appended after the cache's positions when a cache is given) and returns logits [n, V].
    ///
    /// Without a cache the whole sequence is one differentiable graph (gradients flow to `embeddings` when given).
    public func forward(_ ids: [Int32], cache: KVCache? = nil, logits which: LogitPositions = .all,
                        embeddings: Tensor? = nil, attention: ((Int, Tensor) -> Void)? = nil) -> Tensor {
        let c = config
        let T = ids.count
        let start = cache?.length ?? 0
        let positions = Array(start..<(start + T))
        var x = embeddings ?? tokenEmbedding.rows(ids)                           // (T, D)
        for (l, layer) in layers.enumerated() {
            let n = x.rmsNorm(weight: layer.attnNorm, eps: c.normEps)
            let q = layer.wq(n).rope(positions: positions, heads: c.heads, theta: c.ropeTheta, pairing: ropePairing)   // (T, nh·hs)
            let k = layer.wk(n).rope(positions: positions, heads: c.kvHeads, theta: c.ropeTheta, pairing: ropePairing) // (T, nkv·hs)
            let v = layer.wv(n)                                                   // (T, nkv·hs)
            let a: AttentionOutput
            if let cache {
                cache.append(layer: l, k: k, v: v)
                a = Tensor.cachedAttention(q: q, keys: cache.keys[l], values: cache.values[l], length: start + T,
                                           heads: c.heads, kvHeads: c.kvHeads)
            } else {
                a = Tensor.causalAttention(q: q.reshaped([1, T, -1]), k: k.reshaped([1, T, -1]), v: v.reshaped([1, T, -1]),
                                           heads: c.heads, kvHeads: c.kvHeads)
            }
            attention?(l, a.probabilities)
            let h = x + layer.wo(a.output.reshaped([T, -1]))                      // (T, D)
            let m = h.rmsNorm(weight: layer.ffnNorm, eps: c.normEps)
            x = h + layer.wDown(layer.wGate(m).silu() * layer.wUp(m))             // (T, D)
        }
        cache?.advance(T)
        if which == .last && T > 1 { x = x.narrow(start: T - 1, length: 1) }
        return output(x.rmsNorm(weight: outputNorm, eps: c.normEps))              // (n, V)
    }

    /// Parameters per component (embedding, attention, MLP, norms, output) and in total.
    public var parameterCounts: [(String, Int)] {
        let attn = layers.reduce(0) { $0 + $1.wq.parameterCount + $1.wk.parameterCount + $1.wv.parameterCount + $1.wo.parameterCount }
        let mlp = layers.reduce(0) { $0 + $1.wGate.parameterCount + $1.wUp.parameterCount + $1.wDown.parameterCount }
        let norms = layers.reduce(0) { $0 + $1.attnNorm.count + $1.ffnNorm.count } + outputNorm.count
        var parts = [("embedding", tokenEmbedding.parameterCount), ("attention", attn), ("mlp", mlp), ("norms", norms)]
        if !config.tiedEmbeddings { parts.append(("output", output.parameterCount)) }
        return parts
    }
}
