import Foundation
import ModelFormats
import NeuralNet
import TensorCore

/// Llama hyper-parameters (from GGUF metadata or a Hugging Face config.json).
package struct LlamaConfig: Codable, Equatable, Sendable {
    package var vocabSize: Int
    package var dim: Int
    package var hiddenDim: Int
    package var layers: Int
    package var heads: Int
    package var kvHeads: Int
    package var headDim: Int
    package var ropeTheta: Float
    package var normEps: Float
    package var contextLength: Int
    package var tiedEmbeddings: Bool
    /// Divisors of the rotary frequencies, one per pair (Llama 3.1/3.2's rope scaling: GGUF `rope_freqs.weight`, or
    /// computed from config.json's `rope_scaling`); nil = plain RoPE.
    package var ropeFrequencyFactors: [Float]? = nil

    // Gemma's pieces (nil where the model has none).
    /// Token embeddings are multiplied by this (Gemma: √width).
    package var embeddingScale: Float? = nil
    /// Attention scores are 1/√this times q·k (Gemma's query_pre_attn_scalar; default: the head size).
    package var queryPreAttentionScalar: Float? = nil
    /// Attention scores soft-capped at this (Gemma 2: 50), and the output logits (Gemma 2: 30).
    package var attentionSoftcap: Float? = nil
    package var finalSoftcap: Float? = nil
    /// Local layers see the last `slidingWindow` positions only; `slidingLayers[l]` says which layers are local.
    package var slidingWindow: Int? = nil
    package var slidingLayers: [Bool]? = nil
    /// The rotary base of local layers where it differs (Gemma 3: 10,000 against 1,000,000).
    package var localRopeTheta: Float? = nil
    /// Global layers' positions divided by this (Gemma 3's linear rope scaling).
    package var globalRopeLinearFactor: Float? = nil
    /// The MLP's gate activation: silu (Llama) or GELU with the tanh approximation (Gemma).
    package var geluGate: Bool? = nil
    /// Phi-3's files keep q, k, v in one projection and gate, up in another (split by rows when loaded): a LoRA
    /// adapter adapts each of those as one module (PEFT's `qkv_proj`, `gate_up_proj`).
    package var fusedProjections: Bool? = nil
    /// LongRoPE's attention factor (Phi-3 128k, Phi-3.5): cos and sin of the global layers' rotations scaled by it.
    /// Its short factors are `ropeFrequencyFactors`, and the context is the original one they serve.
    package var ropeAttentionFactor: Float? = nil

    /// The attention's inner width, heads × head size: the width except where the head size is set apart (Qwen3).
    package var attentionWidth: Int { heads * headDim }

    /// Whether this is the plain Llama block (no Gemma piece), whose layers a patching scan may batch.
    package var isPlainLlama: Bool {
        embeddingScale == nil && queryPreAttentionScalar == nil && attentionSoftcap == nil && finalSoftcap == nil
            && slidingWindow == nil && localRopeTheta == nil && globalRopeLinearFactor == nil && geluGate != true
    }

    /// Whether layer `l` is local (sliding window).
    package func isLocal(_ l: Int) -> Bool { slidingWindow != nil && (slidingLayers.map { l < $0.count && $0[l] } ?? false) }

    /// Attention options of layer `l`: score scale, cap and window.
    package func attentionOptions(layer l: Int) -> AttentionOptions {
        AttentionOptions(scale: queryPreAttentionScalar.map { 1 / $0.squareRoot() }, softcap: attentionSoftcap,
                         window: isLocal(l) ? slidingWindow : nil)
    }

    /// Checks sizes and hyper-parameters read from a file before anything is allocated or divided by them:
    /// positive and within sane limits, heads dividing the width, key-value heads dividing the heads, an even head
    /// size (rotary pairs), a positive finite norm epsilon and rope base. `source` names the file in the message.
    package static func validate(vocabSize: Int, dim: Int, hiddenDim: Int, layers: Int, heads: Int, kvHeads: Int,
                                headDim: Int?, ropeTheta: Double, normEps: Double, contextLength: Int,
                                source: String) throws {
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw FormatError(file: source, what) }
        }
        let limits: [(String, Int, Int)] = [
            ("vocabulary size", vocabSize, 1 << 22), ("width", dim, 1 << 16), ("feed-forward width", hiddenDim, 1 << 18),
            ("layer count", layers, 4096), ("head count", heads, 1024), ("key-value head count", kvHeads, 1024),
            ("context length", contextLength, 1 << 24),
        ]
        for (name, v, limit) in limits { try check(v > 0 && v <= limit, "\(name) \(v) is outside 1...\(limit)") }
        try check(heads % kvHeads == 0, "\(kvHeads) key-value heads do not divide \(heads) heads")
        let hs = headDim ?? dim / heads
        try check(headDim != nil || dim % heads == 0, "\(heads) heads do not divide the width \(dim)")
        try check(hs > 0 && hs <= 4096 && hs % 2 == 0, "head size \(hs) is not a positive even number up to 4096")
        try check(normEps.isFinite && normEps > 0 && normEps < 1, "norm epsilon \(normEps) is not in (0, 1)")
        try check(ropeTheta.isFinite && ropeTheta > 1, "rope base \(ropeTheta) is not a finite number above 1")
    }
}

/// One Llama block's weights (GGUF names: blk.{i}.attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm,
/// ffn_gate, ffn_up, ffn_down; Hugging Face: model.layers.{i}.input_layernorm, self_attn.q_proj, ...).
package struct LlamaLayer {
    package let attnNorm: Tensor
    package let wq: Weight, wk: Weight, wv: Weight, wo: Weight
    package let ffnNorm: Tensor
    package let wGate: Weight, wUp: Weight, wDown: Weight
    /// Query, key and value biases (Qwen2: blk.{i}.attn_q.bias ...); nil where the projections have none.
    package var bq: Tensor? = nil, bk: Tensor? = nil, bv: Tensor? = nil
    /// RMSNorm weights [headDim] over each query and key head before rotation (Qwen3: attn_q_norm, attn_k_norm).
    package var qNorm: Tensor? = nil, kNorm: Tensor? = nil
    /// RMSNorms of the attention and MLP outputs before they join the residual (Gemma 2/3: post_attention_norm,
    /// post_ffw_norm).
    package var postAttentionNorm: Tensor? = nil, postMLPNorm: Tensor? = nil

    /// The same block with other projection weights (LoRA wraps them); biases and norms are kept.
    func replacing(wq: Weight, wk: Weight, wv: Weight, wo: Weight, wGate: Weight, wUp: Weight, wDown: Weight) -> LlamaLayer {
        LlamaLayer(attnNorm: attnNorm, wq: wq, wk: wk, wv: wv, wo: wo, ffnNorm: ffnNorm, wGate: wGate, wUp: wUp, wDown: wDown,
                   bq: bq, bk: bk, bv: bv, qNorm: qNorm, kNorm: kNorm, postAttentionNorm: postAttentionNorm,
                   postMLPNorm: postMLPNorm)
    }
}

/// The rotary tables of one forward: global layers', and local layers' where they turn at another base.
package struct LayerRoPE: Sendable {
    package let global: RoPETable
    package let local: RoPETable?
    package init(global: RoPETable, local: RoPETable?) { self.global = global; self.local = local }

    /// The tables of the given rows (see `RoPETable.gathering`).
    package func gathering(_ rows: [Int]) -> LayerRoPE {
        LayerRoPE(global: global.gathering(rows), local: local?.gathering(rows))
    }
}

/// Keys and values of the positions seen so far, per layer: [capacity, kvHeads·headDim].
package final class KVCache {
    package let keys: [Tensor]
    package let values: [Tensor]
    package private(set) var length = 0
    package let capacity: Int

    package init(layers: Int, capacity: Int, width: Int) {
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

    package func reset() { length = 0 }

    /// Drops positions from `n` on (e.g. to re-run a prompt suffix).
    package func truncate(to n: Int) { length = min(length, n) }
}

/// Llama (Touvron et al. 2023): RMSNorm, rotary embeddings, SwiGLU MLP, grouped-query attention.
///
///     h  = x + Wo · Attn(RoPE(Wq n), RoPE(Wk n), Wv n),  n = RMSNorm_attn(x)
///     x' = h + Wdown · (silu(Wgate m) ⊙ Wup m),           m = RMSNorm_ffn(h)
///     logits = Wout · RMSNorm_out(x_L)                     (Wout = token embedding when tied)
package final class Llama {
    package let config: LlamaConfig
    package let tokenEmbedding: Weight
    package let layers: [LlamaLayer]
    package let outputNorm: Tensor
    package let output: Weight
    package let ropePairing: RoPEPairing

    package init(config: LlamaConfig, tokenEmbedding: Weight, layers: [LlamaLayer], outputNorm: Tensor, output: Weight,
                ropePairing: RoPEPairing) {
        self.config = config; self.tokenEmbedding = tokenEmbedding; self.layers = layers
        self.outputNorm = outputNorm; self.output = output; self.ropePairing = ropePairing
    }

    /// The rotary table of `positions` for global layers (with the model's frequency factors, if any).
    package func ropeTable(positions: [Int]) -> RoPETable {
        let c = config
        var factors = c.ropeFrequencyFactors
        if let linear = c.globalRopeLinearFactor {
            factors = (factors ?? [Float](repeating: 1, count: c.headDim / 2)).map { $0 * linear }
        }
        return RoPETable(positions: positions, headSize: c.headDim, theta: c.ropeTheta, factors: factors, scale: c.ropeAttentionFactor ?? 1)
    }

    /// The rotary tables of `positions` for each kind of layer: global, and local where local layers turn at
    /// another base (Gemma 3).
    package func ropeTables(positions: [Int]) -> LayerRoPE {
        LayerRoPE(global: ropeTable(positions: positions),
                  local: config.localRopeTheta.map { RoPETable(positions: positions, headSize: config.headDim, theta: $0) })
    }

    package func makeCache(capacity: Int? = nil) -> KVCache {
        KVCache(layers: config.layers, capacity: capacity ?? config.contextLength, width: config.kvHeads * config.headDim)
    }

    package typealias LogitPositions = NeuralNet.LogitPositions

    /// Runs `ids` (appended after the cache's positions when a cache is given) and returns logits [n, V].
    ///
    /// Without a cache the whole sequence is one differentiable graph (gradients flow to `embeddings` when given).
    /// `embeddings` may hold a batch of B sequences of T = ids.count positions, (B·T, D); then `.last` returns
    /// the last position of each sequence. `hooks` read or replace activations at the hook points (see `Hooks`).
    package func forward(_ ids: [Int32], cache: KVCache? = nil, logits which: LogitPositions = .all,
                        embeddings: Tensor? = nil, hooks: Hooks? = nil,
                        attention: ((Int, Tensor) -> Void)? = nil) -> Tensor {
        let c = config
        let T = ids.count
        let start = cache?.length ?? 0
        var x = embeddings ?? scaledEmbeddings(ids)                              // (B·T, D)
        let B = x.shape[0] / max(T, 1)
        precondition(cache == nil || B == 1, "a KV cache holds one sequence")
        let positions = Array(repeating: Array(start..<(start + T)), count: B).flatMap { $0 }
        let rope = ropeTables(positions: positions)                                 // shared by all layers
        @inline(__always) func hook(_ name: @autoclosure () -> String, _ t: Tensor) -> Tensor {
            Llama.hook(hooks, name(), t)
        }
        x = hook("hook_embed", x)
        for l in layers.indices {
            x = hook("blocks.\(l).hook_resid_pre", x)
            let h = attentionBlock(l, x, rope: rope, hooks: hooks) { q, k, v in
                let a: AttentionOutput
                if let cache {
                    cache.append(layer: l, k: k, v: v)
                    a = Tensor.cachedAttention(q: q, keys: cache.keys[l], values: cache.values[l], length: start + T,
                                               heads: c.heads, kvHeads: c.kvHeads, options: c.attentionOptions(layer: l))
                } else {
                    a = Tensor.causalAttention(q: q.reshaped([B, T, -1]), k: k.reshaped([B, T, -1]), v: v.reshaped([B, T, -1]),
                                               heads: c.heads, kvHeads: c.kvHeads, options: c.attentionOptions(layer: l))
                }
                if let hooks, hooks.wants("blocks.\(l).attn.hook_attn_scores") {
                    _ = hooks.apply("blocks.\(l).attn.hook_attn_scores", attentionScores(q, k, B: B, Tq: T, start: start, cache: cache, layer: l))
                }
                if let hooks { _ = hooks.apply("blocks.\(l).attn.hook_pattern", a.probabilities) }
                attention?(l, a.probabilities)
                return a.output.reshaped([B * T, -1])
            }
            x = mlpBlock(l, h, hooks: hooks)
        }
        cache?.advance(T)
        if case .rows(let rows) = which {
            x = x.embedding(rows)                                                    // (rows, D)
        } else if which != .all && T > 1 {
            x = B == 1 ? x.narrow(start: T - 1, length: 1) : x.reshaped([B, T, -1]).transposed(0, 1).contiguous()
                .narrow(start: T - 1, length: 1).reshaped([B, -1])
        }
        let normed = hook("ln_final.hook_normalized", x.rmsNorm(weight: outputNorm, eps: c.normEps))
        if case .lastToken(let id) = which {
            return softcapped(normed.linear(output.rows([id]), layout: .outIn))       // (B, 1)
        }
        if case .lastTokenContrast(let a, let b) = which {
            if c.finalSoftcap != nil {                                               // capped before the difference
                let both = softcapped(normed.linear(output.rows([a, b]), layout: .outIn))   // (B, 2)
                let pairs = both.transposed(0, 1).contiguous()                          // (2, B)
                return (pairs.narrow(start: 0, length: 1) - pairs.narrow(start: 1, length: 1)).reshaped([-1, 1])
            }
            let rows = output.rows([a, b]), D = c.dim
            let row = Tensor(uninitialized: [1, D])
            for d in 0..<D { row.data[d] = rows.data[d] - rows.data[D + d] }
            return normed.linear(row, layout: .outIn)                                // (B, 1)
        }
        return hook("logits", softcapped(output(normed)))                          // (n, V)
    }

    /// Layer `l`'s attention half on residual rows x (n, D): h = x + Wo · z, with z (n, nh·hs) from
    /// `attend(q, k, v)` given the rotated queries and keys (rows at the positions of `rope`) and the values.
    /// `hooks` read or replace the activations at the hook points.
    /// The forward runs every layer as `attentionBlock` then `mlpBlock`; analyses that batch many variants of
    /// a prompt (a patching scan) call them with their own attention over shared prefixes.
    package func attentionBlock(_ l: Int, _ x: Tensor, rope: LayerRoPE, hooks: Hooks?,
                               attend: (_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Tensor) -> Tensor {
        let rope = config.isLocal(l) ? rope.local ?? rope.global : rope.global
        let c = config, layer = layers[l]
        @inline(__always) func hook(_ name: @autoclosure () -> String, _ t: Tensor) -> Tensor {
            Llama.hook(hooks, name(), t)
        }
        let n = hook("blocks.\(l).ln1.hook_normalized", x.rmsNorm(weight: layer.attnNorm, eps: c.normEps))
        let qkv = Weight.apply([layer.wq, layer.wk, layer.wv], to: n)
        let qRaw = hook("blocks.\(l).attn.hook_q", Self.adding(layer.bq, to: qkv[0]))    // (n, nh·hs)
        let kRaw = hook("blocks.\(l).attn.hook_k", Self.adding(layer.bk, to: qkv[1]))    // (n, nkv·hs)
        let v = hook("blocks.\(l).attn.hook_v", Self.adding(layer.bv, to: qkv[2]))       // (n, nkv·hs)
        let q = headNorm(qRaw, layer.qNorm, heads: c.heads).rope(rope, heads: c.heads, pairing: ropePairing)
        let k = headNorm(kRaw, layer.kNorm, heads: c.kvHeads).rope(rope, heads: c.kvHeads, pairing: ropePairing)
        let z = hook("blocks.\(l).attn.hook_z", attend(q, k, v))                       // (n, nh·hs)
        let attnOut = hook("blocks.\(l).hook_attn_out", postNorm(layer.wo(z), layer.postAttentionNorm))   // (n, D)
        return hook("blocks.\(l).hook_resid_mid", x + attnOut)
    }

    /// Layer `l`'s MLP half on rows h (n, D): h + Wdown · (silu(Wgate m) ⊙ Wup m), m = RMSNorm(h).
    package func mlpBlock(_ l: Int, _ h: Tensor, hooks: Hooks?) -> Tensor {
        let c = config, layer = layers[l]
        @inline(__always) func hook(_ name: @autoclosure () -> String, _ t: Tensor) -> Tensor {
            Llama.hook(hooks, name(), t)
        }
        let m = hook("blocks.\(l).ln2.hook_normalized", h.rmsNorm(weight: layer.ffnNorm, eps: c.normEps))
        let gateUp = Weight.apply([layer.wGate, layer.wUp], to: m)
        let gate = hook("blocks.\(l).mlp.hook_pre", gateUp[0])                           // (n, F)
        let up = hook("blocks.\(l).mlp.hook_pre_linear", gateUp[1])
        let post = hook("blocks.\(l).mlp.hook_post", (c.geluGate == true ? gate.gelu() : gate.silu()) * up)
        let mlpOut = hook("blocks.\(l).hook_mlp_out", postNorm(layer.wDown(post), layer.postMLPNorm))   // (n, D)
        return hook("blocks.\(l).hook_resid_post", h + mlpOut)
    }

    /// Token embeddings as the first layer reads them (times the model's embedding scale, if any).
    package func scaledEmbeddings(_ ids: [Int32]) -> Tensor {
        let e = tokenEmbedding.rows(ids)
        return config.embeddingScale.map { e * $0 } ?? e
    }

    /// RMSNorm of a block's output before it joins the residual (Gemma), or the output itself.
    func postNorm(_ x: Tensor, _ weight: Tensor?) -> Tensor {
        guard let weight else { return x }
        return x.rmsNorm(weight: weight, eps: config.normEps)
    }

    /// Logits soft-capped as the model caps them (Gemma 2: 30 · tanh(logits / 30)), or as they are.
    package func softcapped(_ logits: Tensor) -> Tensor {
        guard let cap = config.finalSoftcap else { return logits }
        return (logits * (1 / cap)).tanh() * cap
    }

    /// x + bias (broadcast over rows), or x where there is no bias.
    @inline(__always) static func adding(_ bias: Tensor?, to x: Tensor) -> Tensor {
        guard let bias else { return x }
        return x + bias
    }

    /// RMSNorm over each head's slice of rows x (n, heads·hs) with one weight [hs] (Qwen3's q/k norm); x without one.
    func headNorm(_ x: Tensor, _ weight: Tensor?, heads: Int) -> Tensor {
        guard let weight else { return x }
        let n = x.shape[0]
        return x.reshaped([n * heads, config.headDim]).rmsNorm(weight: weight, eps: config.normEps).reshaped([n, heads * config.headDim])
    }

    /// `t` through the hook point `name` (its name built only when there are hooks).
    @inline(__always) static func hook(_ hooks: Hooks?, _ name: @autoclosure () -> String, _ t: Tensor) -> Tensor {
        guard let hooks else { return t }
        return hooks.apply(name(), t)
    }

    /// Raw attention scores (H, T, Tk) = q·k/√d with −inf above the diagonal, for the hook (computed on demand).
    func attentionScores(_ q: Tensor, _ k: Tensor, B: Int, Tq: Int, start: Int, cache: KVCache?, layer: Int) -> Tensor {
        let c = config, hs = c.headDim
        let Tk = start + Tq
        let keys = cache.map { $0.keys[layer].narrow(start: 0, length: Tk) } ?? k
        let out = Tensor(uninitialized: [B * c.heads, Tq, Tk])
        let qc = q.contiguous(), kc = keys.contiguous()
        let options = c.attentionOptions(layer: layer)
        let scale = options.scale ?? 1 / Float(hs).squareRoot()
        let group = c.heads / c.kvHeads
        Parallel.forEach(B * c.heads) { bh in
            let b = bh / c.heads, h = bh % c.heads, kvh = h / group
            // (Tq, hs) · (Tk, hs)ᵀ with the heads' strided rows, one small sgemm per head.
            let o = out.data + bh * Tq * Tk
            sgemm(transA: false, transB: true, M: Tq, N: Tk, K: hs, alpha: scale,
                  A: qc.data + b * Tq * c.heads * hs + h * hs, lda: c.heads * hs,
                  B: kc.data + b * Tk * c.kvHeads * hs + kvh * hs, ldb: c.kvHeads * hs,
                  beta: 0, C: o, ldc: Tk, parallel: false)
            for i in 0..<Tq {
                // Capped (Gemma 2), then masked: future keys, and keys outside a local layer's window.
                let n = start + i + 1, first = options.firstKey(n)
                if let cap = options.softcap { for j in first..<n { o[i * Tk + j] = cap * tanhf(o[i * Tk + j] / cap) } }
                for j in 0..<first { o[i * Tk + j] = -.infinity }
                for j in n..<Tk { o[i * Tk + j] = -.infinity }
            }
        }
        return out
    }

    /// Parameters per component (embedding, attention, MLP, norms, output) and in total.
    package var parameterCounts: [(String, Int)] {
        let attn = layers.reduce(0) {
            $0 + $1.wq.parameterCount + $1.wk.parameterCount + $1.wv.parameterCount + $1.wo.parameterCount
                + [$1.bq, $1.bk, $1.bv].reduce(0) { $0 + ($1?.count ?? 0) }
        }
        let mlp = layers.reduce(0) { $0 + $1.wGate.parameterCount + $1.wUp.parameterCount + $1.wDown.parameterCount }
        let norms = layers.reduce(0) {
            $0 + $1.attnNorm.count + $1.ffnNorm.count + [$1.qNorm, $1.kNorm, $1.postAttentionNorm, $1.postMLPNorm].reduce(0) { $0 + ($1?.count ?? 0) }
        } + outputNorm.count
        var parts = [("embedding", tokenEmbedding.parameterCount), ("attention", attn), ("mlp", mlp), ("norms", norms)]
        if !config.tiedEmbeddings { parts.append(("output", output.parameterCount)) }
        return parts
    }
}

extension Llama {
    /// Hyper-parameters by name, as `glassbox info` and the model card show them.
    package var hyperParameters: [(String, String)] {
        let c = config
        var list = [("vocab_size", "\(c.vocabSize)"), ("hidden_size", "\(c.dim)"), ("intermediate_size", "\(c.hiddenDim)"),
                    ("num_layers", "\(c.layers)"), ("num_heads", "\(c.heads)"), ("num_kv_heads", "\(c.kvHeads)"),
                    ("head_dim", "\(c.headDim)"), ("rope_theta", "\(c.ropeTheta)"), ("rms_norm_eps", "\(c.normEps)"),
                    ("context_length", "\(c.contextLength)"), ("tied_embeddings", "\(c.tiedEmbeddings)")]
        if layers.first?.bq != nil { list.append(("attention_bias", "q, k, v")) }
        if layers.first?.qNorm != nil { list.append(("qk_norm", "rmsnorm per head")) }
        if let f = c.ropeFrequencyFactors {
            list.append(("rope_scaling", "frequency factors \(f.min() ?? 1)…\(f.max() ?? 1)"))
        }
        if let v = c.embeddingScale { list.append(("embedding_scale", "\(v)")) }
        if c.geluGate == true { list.append(("mlp_gate", "gelu (tanh)")) }
        if layers.first?.postAttentionNorm != nil { list.append(("post_norms", "attention and mlp outputs")) }
        if let v = c.attentionSoftcap { list.append(("attn_softcap", "\(v)")) }
        if let v = c.finalSoftcap { list.append(("logit_softcap", "\(v)")) }
        if let w = c.slidingWindow, let local = c.slidingLayers {
            list.append(("sliding_window", "\(w) on layers \(local.indices.filter { local[$0] }.map(String.init).joined(separator: ","))"))
        }
        if let v = c.localRopeTheta { list.append(("rope_theta_local", "\(v)")) }
        if let v = c.globalRopeLinearFactor { list.append(("rope_scale_global", "linear \(v)")) }
        if let v = c.queryPreAttentionScalar { list.append(("query_scalar", "\(v)")) }
        return list
    }
}

extension Llama {
    /// The card's view of a Llama: GGUF names for the weights, with the pieces some architectures add (q/k/v biases
    /// of Qwen2, per-head q/k norms of Qwen3 and Gemma 3, norms of the attention and MLP outputs of Gemma).
    package func layout() -> ModelLayout {
        typealias N = ModelLayout.Node
        var weights: [ModelLayout.Entry] = [.init("token_embd", "token embedding", layer: nil, kind: "embedding", tokenEmbedding)]
        var layerNodes: [N] = []
        for (i, l) in layers.enumerated() {
            let parts: [(String, String, String, Weight)] = [
                ("attn_q", "attention query", "attn_q", l.wq), ("attn_k", "attention key", "attn_k", l.wk),
                ("attn_v", "attention value", "attn_v", l.wv), ("attn_output", "attention output", "attn_o", l.wo),
                ("ffn_gate", "MLP gate", "mlp_gate", l.wGate), ("ffn_up", "MLP up", "mlp_up", l.wUp), ("ffn_down", "MLP down", "mlp_down", l.wDown),
            ]
            for (file, label, kind, w) in parts { weights.append(.init("blk.\(i).\(file)", "layer \(i) · \(label)", layer: i, kind: kind, w)) }
            weights.append(.init("blk.\(i).attn_norm", "layer \(i) · attention norm", layer: i, kind: "attn_norm", .dense(l.attnNorm)))
            weights.append(.init("blk.\(i).ffn_norm", "layer \(i) · MLP norm", layer: i, kind: "mlp_norm", .dense(l.ffnNorm)))
            let extras: [(String, String, String, Tensor?)] = [
                ("attn_q.bias", "query bias", "attn_bias", l.bq), ("attn_k.bias", "key bias", "attn_bias", l.bk),
                ("attn_v.bias", "value bias", "attn_bias", l.bv), ("attn_q_norm", "query norm", "qk_norm", l.qNorm),
                ("attn_k_norm", "key norm", "qk_norm", l.kNorm), ("post_attention_norm", "attention output norm", "post_norm", l.postAttentionNorm),
                ("post_ffw_norm", "MLP output norm", "post_norm", l.postMLPNorm),
            ]
            var attention: [N] = [.leaf("q", l.wq.shape), .leaf("k", l.wk.shape), .leaf("v", l.wv.shape), .leaf("o", l.wo.shape)]
            var norms: [N] = [.leaf("attention norm", l.attnNorm.shape), .leaf("MLP norm", l.ffnNorm.shape)]
            for (file, label, kind, t) in extras {
                guard let t else { continue }
                weights.append(.init("blk.\(i).\(file)", "layer \(i) · \(label)", layer: i, kind: kind, .dense(t)))
                if kind == "attn_bias" { attention.append(.leaf(label, t.shape)) } else { norms.append(.leaf(label, t.shape)) }
            }
            layerNodes.append(.group("layer \(i)", [
                .group("attention", attention),
                .group("mlp", [.leaf("gate", l.wGate.shape), .leaf("up", l.wUp.shape), .leaf("down", l.wDown.shape)]),
                .group("norms", norms),
            ]))
        }
        weights.append(.init("output_norm", "final norm", layer: nil, kind: "final_norm", .dense(outputNorm)))
        let tied = config.tiedEmbeddings
        if !tied { weights.append(.init("output", "unembedding", layer: nil, kind: "unembedding", output)) }
        let top: [N] = [.leaf("embedding", tokenEmbedding.shape), .group("layers", layerNodes), .leaf("final norm", outputNorm.shape),
                        tied ? .tied("unembedding", output.shape) : .leaf("unembedding", output.shape)]
        return ModelLayout(tree: .group("model", top), weights: weights)
    }
}
