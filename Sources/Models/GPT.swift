import Foundation
import NeuralNet
import TensorCore

/// GPT-2 hyper-parameters, with Hugging Face `GPT2Config` field names in its JSON form.
package struct GPTConfig: Codable, Equatable, Sendable {
    package var vocabSize: Int
    package var blockSize: Int
    package var nLayer: Int
    package var nHead: Int
    package var nEmbd: Int
    package var dropout: Float = 0
    package var layerNormEpsilon: Float = 1e-5

    package init(vocabSize: Int, blockSize: Int, nLayer: Int, nHead: Int, nEmbd: Int, dropout: Float = 0,
                layerNormEpsilon: Float = 1e-5) {
        self.vocabSize = vocabSize; self.blockSize = blockSize; self.nLayer = nLayer; self.nHead = nHead
        self.nEmbd = nEmbd; self.dropout = dropout; self.layerNormEpsilon = layerNormEpsilon
    }

    package func validate() throws {
        guard vocabSize > 0, blockSize > 0, nLayer > 0, nHead > 0, nEmbd > 0 else {
            throw NeuralNetError("GPT config needs positive sizes (vocab \(vocabSize), block \(blockSize), layers \(nLayer), heads \(nHead), width \(nEmbd))")
        }
        // Sane limits before anything is allocated from these numbers (a config.json is untrusted input).
        let limits: [(String, Int, Int)] = [("vocabulary size", vocabSize, 1 << 22), ("context length (n_positions)", blockSize, 1 << 20),
                                            ("layer count", nLayer, 4096), ("head count", nHead, 1024), ("width", nEmbd, 1 << 16)]
        for (name, v, limit) in limits where v > limit { throw NeuralNetError("GPT config: \(name) \(v) is above the limit \(limit)") }
        guard nEmbd % nHead == 0 else { throw NeuralNetError("width \(nEmbd) is not divisible by \(nHead) heads") }
        guard layerNormEpsilon.isFinite, layerNormEpsilon > 0, layerNormEpsilon < 1 else {
            throw NeuralNetError("GPT config: layer_norm_epsilon \(layerNormEpsilon) is not in (0, 1)")
        }
        guard (0..<1).contains(dropout) else { throw NeuralNetError("dropout \(dropout) must be in [0, 1)") }
    }

    /// Parameters of a model of this shape (the tied output head counted once), computed without allocating it.
    package var expectedParameterCount: Int {
        let w = nEmbd, perLayer = 2 * 2 * w + (w * 3 * w + 3 * w) + (w * w + w) + (w * 4 * w + 4 * w) + (4 * w * w + w)
        return vocabSize * w + blockSize * w + nLayer * perLayer + 2 * w
    }

    /// Training FLOPs per token (nanoGPT's estimate): 6 N + 12 L T C, N the parameters without position embeddings,
    /// T the context the model is trained at.
    package func trainingFlopsPerToken(parameterCount: Int, context: Int) -> Double {
        6 * Double(parameterCount - blockSize * nEmbd) + 12 * Double(nLayer * context * nEmbd)
    }

    /// The `config.json` a Hugging Face `GPT2LMHeadModel.from_pretrained` reads.
    package var huggingFaceJSON: [String: Any] {
        [
            "model_type": "gpt2", "architectures": ["GPT2LMHeadModel"],
            "vocab_size": vocabSize, "n_positions": blockSize, "n_ctx": blockSize, "n_embd": nEmbd,
            "n_layer": nLayer, "n_head": nHead, "n_inner": NSNull(),
            "activation_function": "gelu_new", "layer_norm_epsilon": Double(layerNormEpsilon),
            "resid_pdrop": Double(dropout), "embd_pdrop": Double(dropout), "attn_pdrop": Double(dropout),
            "initializer_range": 0.02, "scale_attn_weights": true, "tie_word_embeddings": true,
            "bos_token_id": 0, "eos_token_id": 0, "use_cache": true, "torch_dtype": "float32",
        ]
    }

    /// Reads a Hugging Face GPT-2 `config.json` dictionary.
    package init(huggingFace j: [String: Any]) throws {
        func int(_ k: String, _ alt: String? = nil) throws -> Int {
            if let v = j[k] as? Int { return v }
            if let alt, let v = j[alt] as? Int { return v }
            throw NeuralNetError("config.json lacks the integer field '\(k)'")
        }
        if let type = j["model_type"] as? String, type != "gpt2" {
            throw NeuralNetError("config.json describes a '\(type)' model, not gpt2")
        }
        self.init(vocabSize: try int("vocab_size"), blockSize: try int("n_positions", "n_ctx"), nLayer: try int("n_layer"),
                  nHead: try int("n_head"), nEmbd: try int("n_embd"),
                  dropout: Float((j["resid_pdrop"] as? Double) ?? 0),
                  layerNormEpsilon: Float((j["layer_norm_epsilon"] as? Double) ?? 1e-5))
        if let act = j["activation_function"] as? String, !["gelu_new", "gelu_pytorch_tanh"].contains(act) {
            throw NeuralNetError("config.json sets activation_function '\(act.prefix(40))'; only gelu_new (tanh GELU) is supported")
        }
        if let eps = j["layer_norm_epsilon"], !(eps is Double) { throw NeuralNetError("config.json: layer_norm_epsilon is not a number") }
        if let inner = j["n_inner"] as? Int, inner != 4 * nEmbd {
            throw NeuralNetError("config.json sets n_inner \(inner); only 4 x n_embd is supported")
        }
    }
}


/// Causal multi-head self-attention with a fused q|k|v projection (GPT-2's `c_attn`), grouped-query ready:
/// with `kvHeads < heads`, `c_attn` projects to (heads + 2 kvHeads) x headSize and query heads share K/V heads.
package final class CausalSelfAttention: Module {
    package let cAttn: Linear   // "c_attn"
    package let cProj: Linear   // "c_proj"
    package let heads: Int, kvHeads: Int

    package init(width: Int, heads: Int, kvHeads: Int? = nil, projStd: Float, rng: inout RandomGenerator) {
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        let hs = width / heads
        cAttn = Linear(width, (heads + 2 * self.kvHeads) * hs, layout: .inOut, rng: &rng)
        cProj = Linear(width, width, layout: .inOut, std: projStd, rng: &rng)
    }

    /// x (B, T, C) -> (B, T, C); `probabilities` receives the attention pattern (B, nh, T, T). With hooks,
    /// `blocks.{layer}.attn.hook_pattern` and `hook_z` are read (and `hook_z` may be replaced).
    package func callAsFunction(_ x: Tensor, probabilities: ((Tensor) -> Void)? = nil, hooks: Hooks? = nil, layer: Int = 0) -> Tensor {
        let qkv = cAttn(x)                                                        // (B, T, (nh + 2 nkv) hs)
        let a = Tensor.causalSelfAttention(qkv: qkv, heads: heads, kvHeads: kvHeads) // (B, T, nh hs)
        probabilities?(a.probabilities)
        guard let hooks else { return cProj(a.output) }
        _ = hooks.apply("blocks.\(layer).attn.hook_pattern", a.probabilities)
        return cProj(hooks.applyRows("blocks.\(layer).attn.hook_z", a.output))
    }

    package func namedParameters() -> [(String, Tensor)] {
        scoped("c_attn", cAttn.namedParameters()) + scoped("c_proj", cProj.namedParameters())
    }
}

/// GPT-2's MLP: c_proj(gelu(c_fc(x))), 4x wide.
package final class MLP: Module {
    package let cFc: Linear     // "c_fc"
    package let cProj: Linear   // "c_proj"

    package init(width: Int, projStd: Float, rng: inout RandomGenerator) {
        cFc = Linear(width, 4 * width, layout: .inOut, rng: &rng)
        cProj = Linear(4 * width, width, layout: .inOut, std: projStd, rng: &rng)
    }

    package func callAsFunction(_ x: Tensor) -> Tensor { cProj(cFc(x).gelu()) }

    package func namedParameters() -> [(String, Tensor)] {
        scoped("c_fc", cFc.namedParameters()) + scoped("c_proj", cProj.namedParameters())
    }
}

/// A pre-norm transformer block: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)).
package final class GPTBlock: Module {
    package let ln1: LayerNorm             // "ln_1"
    package let attn: CausalSelfAttention  // "attn"
    package let ln2: LayerNorm             // "ln_2"
    package let mlp: MLP                   // "mlp"

    init(_ c: GPTConfig, rng: inout RandomGenerator) {
        // GPT-2 scales the residual projections by 1/sqrt(2 n_layer).
        let projStd = 0.02 / (2 * Float(c.nLayer)).squareRoot()
        ln1 = LayerNorm(c.nEmbd, eps: c.layerNormEpsilon)
        attn = CausalSelfAttention(width: c.nEmbd, heads: c.nHead, projStd: projStd, rng: &rng)
        ln2 = LayerNorm(c.nEmbd, eps: c.layerNormEpsilon)
        mlp = MLP(width: c.nEmbd, projStd: projStd, rng: &rng)
    }

    func callAsFunction(_ x: Tensor, dropout: Float, rng: inout RandomGenerator,
                        probabilities: ((Tensor) -> Void)?, hooks: Hooks? = nil, layer l: Int = 0) -> Tensor {
        guard let hooks else {
            let x = x + attn(ln1(x), probabilities: probabilities).dropout(dropout, rng: &rng)
            return x + mlp(ln2(x)).dropout(dropout, rng: &rng)
        }
        // The same computation with every hook point named (TransformerLens names; activations as (B·T, width)).
        let x = hooks.applyRows("blocks.\(l).hook_resid_pre", x)
        let n = hooks.applyRows("blocks.\(l).ln1.hook_normalized", ln1(x))
        let attnOut = hooks.applyRows("blocks.\(l).hook_attn_out",
                                      attn(n, probabilities: probabilities, hooks: hooks, layer: l).dropout(dropout, rng: &rng))
        let h = hooks.applyRows("blocks.\(l).hook_resid_mid", x + attnOut)
        let m = hooks.applyRows("blocks.\(l).ln2.hook_normalized", ln2(h))
        let pre = hooks.applyRows("blocks.\(l).mlp.hook_pre", mlp.cFc(m))
        let post = hooks.applyRows("blocks.\(l).mlp.hook_post", pre.gelu())
        let mlpOut = hooks.applyRows("blocks.\(l).hook_mlp_out", mlp.cProj(post).dropout(dropout, rng: &rng))
        return hooks.applyRows("blocks.\(l).hook_resid_post", h + mlpOut)
    }

    package func namedParameters() -> [(String, Tensor)] {
        scoped("ln_1", ln1.namedParameters()) + scoped("attn", attn.namedParameters())
            + scoped("ln_2", ln2.namedParameters()) + scoped("mlp", mlp.namedParameters())
    }
}

/// GPT-2 (Radford et al. 2019) with Hugging Face parameter names and the head tied to the token embedding.
package final class GPT: Module {
    package let config: GPTConfig
    package let wte: Embedding      // "transformer.wte"
    package let wpe: Embedding      // "transformer.wpe"
    package let h: [GPTBlock]       // "transformer.h.{i}"
    package let lnF: LayerNorm      // "transformer.ln_f"
    // lm_head.weight is wte.weight (tied, stored once).

    package init(_ config: GPTConfig, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        self.config = config
        wte = Embedding(config.vocabSize, config.nEmbd, rng: &rng)
        wpe = Embedding(config.blockSize, config.nEmbd, rng: &rng)
        h = (0..<config.nLayer).map { _ in GPTBlock(config, rng: &rng) }
        lnF = LayerNorm(config.nEmbd, eps: config.layerNormEpsilon)
    }

    /// ids (B*T, row-major) -> logits (B, T, V), without dropout. `attention` receives each layer's pattern.
    package func forward(_ ids: TokenIDs, batch B: Int, time T: Int, attention: ((Int, Tensor) -> Void)? = nil) -> Tensor {
        var unused = RandomGenerator(seed: 0)
        return run(ids, B, T, dropout: 0, rng: &unused, attention: attention)
    }

    /// The training forward: dropout (config.dropout) drawn from `dropoutRNG`.
    package func forward(_ ids: TokenIDs, batch B: Int, time T: Int, dropoutRNG: inout RandomGenerator) -> Tensor {
        run(ids, B, T, dropout: config.dropout, rng: &dropoutRNG, attention: nil)
    }

    /// The inspection forward: token embeddings may be given instead of ids (B·T rows of width C, e.g. points
    /// on an integrated-gradients path; the positional embeddings are added as usual), `hooks` read or replace
    /// activations, and `logits` picks the positions that get logits: (B·T, V), (B, V), or (B, 1).
    package func forward(_ ids: TokenIDs, batch B: Int, time T: Int, embeddings: Tensor?, hooks: Hooks?,
                        logits which: LogitPositions = .all, attention: ((Int, Tensor) -> Void)? = nil) -> Tensor {
        var unused = RandomGenerator(seed: 0)
        return run(ids, B, T, dropout: 0, rng: &unused, attention: attention, embeddings: embeddings, hooks: hooks, logits: which)
            .reshaped(which == .all ? [B * T, -1] : { if case .rows(let r) = which { return [r.count, -1] } else { return [B, -1] } }())
    }

    private func run(_ ids: TokenIDs, _ B: Int, _ T: Int, dropout p: Float, rng: inout RandomGenerator,
                     attention: ((Int, Tensor) -> Void)?, embeddings: Tensor? = nil, hooks: Hooks? = nil,
                     logits which: LogitPositions = .all) -> Tensor {
        precondition((embeddings != nil || ids.count == B * T) && T <= config.blockSize, "GPT.forward: \(ids.count) ids for (\(B), \(T))")
        let C = config.nEmbd
        let positions = TokenIDs(0..<Int32(T))
        var x = embeddings?.reshaped([B, T, C]) ?? wte(ids, shape: [B, T])          // (B, T, C)
        var pos = wpe(positions)                                                     // (T, C)
        if let hooks {
            x = hooks.applyRows("hook_embed", x)
            pos = hooks.apply("hook_pos_embed", pos)
        }
        x = (x + pos).dropout(p, rng: &rng)
        for (i, block) in h.enumerated() {
            x = block(x, dropout: p, rng: &rng, probabilities: attention.map { f in { f(i, $0) } }, hooks: hooks, layer: i)
        }
        if case .rows(let rows) = which {
            x = x.reshaped([B * T, C]).embedding(rows)                                // (rows, C)
        } else if which != .all && T > 1 {
            x = x.transposed(0, 1).contiguous().narrow(start: T - 1, length: 1).reshaped([B, 1, C])
        }
        x = lnF(x)
        if let hooks { x = hooks.applyRows("ln_final.hook_normalized", x) }
        if case .lastToken(let id) = which {
            return x.reshaped([B, C]).linear(wte.weight.narrow(start: Int(id), length: 1), layout: .outIn)   // (B, 1)
        }
        if case .lastTokenContrast(let a, let b) = which {
            let row = wte.weight.narrow(start: Int(a), length: 1) - wte.weight.narrow(start: Int(b), length: 1)
            return x.reshaped([B, C]).linear(row, layout: .outIn)                                            // (B, 1)
        }
        let logits = x.linear(wte.weight, layout: .outIn)                            // (B, T, C) -> (B, T, V)
        return hooks?.applyRows("logits", logits) ?? logits
    }

    /// Mean next-token cross-entropy of logits (B, T, V) against targets (B*T ids).
    package func loss(logits: Tensor, targets: TokenIDs) -> Tensor {
        logits.reshaped([-1, config.vocabSize]).crossEntropy(targets: targets)
    }

    package func namedParameters() -> [(String, Tensor)] {
        var p = scoped("transformer.wte", wte.namedParameters()) + scoped("transformer.wpe", wpe.namedParameters())
        for (i, b) in h.enumerated() { p += scoped("transformer.h.\(i)", b.namedParameters()) }
        return p + scoped("transformer.ln_f", lnF.namedParameters())
    }
}

extension GPT {
    /// The card's view of a GPT-2 (trained here or from a Hugging Face folder): every parameter tensor under its
    /// Hugging Face name (transformer.h.3.attn.c_attn.weight; the head tied to wte, stored once).
    package func layout() -> ModelLayout {
        typealias N = ModelLayout.Node
        var weights: [ModelLayout.Entry] = []
        var perLayer: [Int: [N]] = [:], other: [N] = []
        for (full, t) in namedParameters() {
            let name = full.hasPrefix("transformer.") ? String(full.dropFirst("transformer.".count)) : full
            let parts = name.split(separator: ".")
            let layer = parts.count > 2 && parts[0] == "h" ? Int(parts[1]) : nil
            let kind: String
            switch true {
            case name.contains("attn.c_attn"): kind = "attn_qkv"
            case name.contains("attn.c_proj"): kind = "attn_o"
            case name.contains("mlp.c_fc"): kind = "mlp_up"
            case name.contains("mlp.c_proj"): kind = "mlp_down"
            case name.contains("ln_1"): kind = "attn_norm"
            case name.contains("ln_2"): kind = "mlp_norm"
            case name.hasPrefix("wte"): kind = "embedding"
            case name.hasPrefix("wpe"): kind = "position_embedding"
            case name.hasPrefix("ln_f"): kind = "final_norm"
            default: kind = "other"
            }
            let label = layer.map { "layer \($0) · " + parts.dropFirst(2).joined(separator: ".") } ?? name
            weights.append(.init(full, label, layer: layer, kind: kind, .dense(t)))
            let node = N.leaf(layer == nil ? name : parts.dropFirst(2).joined(separator: "."), t.shape)
            if let layer { perLayer[layer, default: []].append(node) } else { other.append(node) }
        }
        let layerNodes = perLayer.keys.sorted().map { N.group("layer \($0)", perLayer[$0]!) }
        let top = other.filter { !$0.name.hasPrefix("ln_f") } + [N.group("layers", layerNodes)] + other.filter { $0.name.hasPrefix("ln_f") }
            + [N.tied("unembedding", [config.vocabSize, config.nEmbd])]
        return ModelLayout(tree: .group("model", top), weights: weights)
    }
}
