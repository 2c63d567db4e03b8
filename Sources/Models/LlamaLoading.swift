import Foundation
import ModelFormats
import TensorCore

extension Llama {
    /// From a GGUF file of the Llama family (`general.architecture` llama, qwen2, qwen3, ...: the metadata keys
    /// start with that name): weights stay quantised and memory-mapped. `pairing` is the file's rotary layout:
    /// llama.cpp's converter permutes the q/k rows of `llama` files into adjacent pairs and leaves the others' halves
    /// (its NORM and NEOX rope types). Optional tensors are used where the file has them: q/k/v biases (Qwen2), q/k
    /// norms (Qwen3), `rope_freqs.weight` (Llama 3.1/3.2's rope scaling).
    /// `configure` sets what the architecture adds to the plain block from the file's metadata (Gemma's pieces).
    package convenience init(gguf g: GGUFFile, pairing: RoPEPairing = .adjacent,
                            configure: (inout LlamaConfig, GGUFFile) throws -> Void = { _, _ in }) throws {
        let arch = g["general.architecture"]?.string ?? "?"
        func int(_ key: String) throws -> Int {
            guard let v = g["\(arch).\(key)"]?.int else { throw FormatError(file: g.path, "metadata \(arch).\(key) is missing") }
            return v
        }
        let dim = try int("embedding_length"), heads = try int("attention.head_count")
        let embd = try g.tensor("token_embd.weight")
        guard embd.dims.count == 2 else { throw FormatError(file: g.path, tensor: "token_embd.weight", "expected a matrix, found dims \(embd.dims)") }
        let tied = !g.contains(tensor: "output.weight")
        let kvHeads = g["\(arch).attention.head_count_kv"]?.int ?? heads
        // The head size: key_length where the file gives it (Qwen3 sets it apart from width / heads), else the
        // rotary dimension count, else width / heads.
        let headDim = g["\(arch).attention.key_length"]?.int ?? g["\(arch).rope.dimension_count"]?.int
        let ropeTheta = g["\(arch).rope.freq_base"]?.double ?? 10000
        let normEps = g["\(arch).attention.layer_norm_rms_epsilon"]?.double ?? 1e-5
        try LlamaConfig.validate(
            vocabSize: embd.dims[1], dim: dim, hiddenDim: try int("feed_forward_length"), layers: try int("block_count"),
            heads: heads, kvHeads: kvHeads, headDim: headDim, ropeTheta: ropeTheta, normEps: normEps,
            contextLength: try int("context_length"), source: g.path)
        if let values = g["\(arch).attention.value_length"]?.int, values != (headDim ?? dim / heads) {
            throw FormatError(file: g.path, "value head size \(values) differs from the key head size \(headDim ?? dim / heads) (not supported)")
        }
        var config = LlamaConfig(
            vocabSize: embd.dims[1], dim: dim, hiddenDim: try int("feed_forward_length"), layers: try int("block_count"),
            heads: heads, kvHeads: kvHeads, headDim: headDim ?? dim / heads, ropeTheta: Float(ropeTheta), normEps: Float(normEps),
            contextLength: try int("context_length"), tiedEmbeddings: tied)
        func vector(_ name: String, _ n: Int) throws -> Tensor {
            let t = try g.tensor(name)
            guard t.elementCount == n else { throw FormatError(file: g.path, tensor: name, "has \(t.elementCount) elements, expected \(n)") }
            let values = try g.dequantize(name)
            // Norm weights and biases are few: scan them all (a NaN here makes every output NaN).
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw FormatError(file: g.path, tensor: name, "element \(bad) is \(values[bad]) (weights must be finite)")
            }
            return Tensor(values, shape: [n])
        }
        func optionalVector(_ name: String, _ n: Int) throws -> Tensor? {
            g.contains(tensor: name) ? try vector(name, n) : nil
        }
        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> Weight {
            let w = try Weight.gguf(g, name)
            guard w.shape == [rows, cols] else { throw FormatError(file: g.path, tensor: name, "shape \(w.shape), expected [\(rows), \(cols)]") }
            return w
        }
        if let factors = try optionalVector("rope_freqs.weight", config.headDim / 2) {
            if let bad = factors.scalars.first(where: { !($0 > 0) }) {
                throw FormatError(file: g.path, tensor: "rope_freqs.weight", "factor \(bad) is not positive")
            }
            config.ropeFrequencyFactors = factors.scalars
        }
        try configure(&config, g)
        if g.contains(tensor: "blk.0.attn_qkv.weight") { config.fusedProjections = true }
        if g.contains(tensor: "rope_factors_long.weight") || g.contains(tensor: "rope_factors_short.weight") {
            // LongRoPE (Phi-3 128k, Phi-3.5): run at the original context with the short factors, as llama.cpp
            // does for a context no longer than it (and transformers for sequences no longer than it).
            guard let short = try optionalVector("rope_factors_short.weight", config.headDim / 2) else {
                throw FormatError(file: g.path, tensor: "rope_factors_short.weight", "missing (LongRoPE needs the short factors beside the long ones)")
            }
            if let bad = short.scalars.first(where: { !($0 > 0) }) {
                throw FormatError(file: g.path, tensor: "rope_factors_short.weight", "factor \(bad) is not positive")
            }
            let factor = g["\(arch).rope.scaling.attn_factor"]?.double ?? 1
            guard factor.isFinite, factor > 0, factor < 16 else {
                throw FormatError(file: g.path, "metadata \(arch).rope.scaling.attn_factor is \(factor), not a positive factor")
            }
            let original = g["\(arch).rope.scaling.original_context_length"]?.int ?? config.contextLength
            guard original > 0 else { throw FormatError(file: g.path, "metadata \(arch).rope.scaling.original_context_length is \(original)") }
            config.ropeFrequencyFactors = short.scalars
            config.ropeAttentionFactor = factor == 1 ? nil : Float(factor)
            config.contextLength = min(config.contextLength, original)
        }
        let kvw = config.kvHeads * config.headDim, qw = config.attentionWidth, hs = config.headDim, F = config.hiddenDim
        let layers = try (0..<config.layers).map { i -> LlamaLayer in
            let p = "blk.\(i)."
            // Phi-3 keeps q, k, v in one tensor (attn_qkv) and gate, up in one (ffn_up of 2F rows): split by rows.
            let wq: Weight, wk: Weight, wv: Weight, wGate: Weight, wUp: Weight
            if g.contains(tensor: p + "attn_qkv.weight") {
                let qkv = try matrix(p + "attn_qkv.weight", qw + 2 * kvw, dim)
                (wq, wk, wv) = (qkv.rows(0..<qw), qkv.rows(qw..<(qw + kvw)), qkv.rows((qw + kvw)..<(qw + 2 * kvw)))
            } else {
                (wq, wk, wv) = (try matrix(p + "attn_q.weight", qw, dim), try matrix(p + "attn_k.weight", kvw, dim),
                                try matrix(p + "attn_v.weight", kvw, dim))
            }
            if g.contains(tensor: p + "ffn_gate.weight") {
                (wGate, wUp) = (try matrix(p + "ffn_gate.weight", F, dim), try matrix(p + "ffn_up.weight", F, dim))
            } else {
                let gateUp = try matrix(p + "ffn_up.weight", 2 * F, dim)
                (wGate, wUp) = (gateUp.rows(0..<F), gateUp.rows(F..<(2 * F)))
            }
            return LlamaLayer(attnNorm: try vector(p + "attn_norm.weight", dim),
                              wq: wq, wk: wk, wv: wv, wo: try matrix(p + "attn_output.weight", dim, qw),
                              ffnNorm: try vector(p + "ffn_norm.weight", dim), wGate: wGate, wUp: wUp,
                              wDown: try matrix(p + "ffn_down.weight", dim, F),
                              bq: try optionalVector(p + "attn_q.bias", qw), bk: try optionalVector(p + "attn_k.bias", kvw),
                              bv: try optionalVector(p + "attn_v.bias", kvw),
                              qNorm: try optionalVector(p + "attn_q_norm.weight", hs), kNorm: try optionalVector(p + "attn_k_norm.weight", hs),
                              postAttentionNorm: try optionalVector(p + "post_attention_norm.weight", dim),
                              postMLPNorm: try optionalVector(p + "post_ffw_norm.weight", dim))
        }
        let embedding = try matrix("token_embd.weight", config.vocabSize, dim)
        self.init(config: config, tokenEmbedding: embedding, layers: layers, outputNorm: try vector("output_norm.weight", dim),
                  output: tied ? embedding : try matrix("output.weight", config.vocabSize, dim), ropePairing: pairing)
    }

    /// From a Hugging Face folder of the Llama family (model_type llama, mistral, qwen2, qwen3): config.json +
    /// model.safetensors (or model-*.safetensors). Biases and q/k norms are used where the checkpoint has them;
    /// `rope_scaling` of type llama3 becomes the frequency factors.
    /// `gemma`: a Gemma 2 or Gemma 3 checkpoint (model_type gemma2, gemma3_text): its norms are stored as w for a
    /// scale of 1 + w, the MLP norm is `pre_feedforward_layernorm`, the outputs have their own norms, and config.json
    /// gives the soft-caps, the window and the local layers.
    package convenience init(huggingFace folder: URL, config j: [String: Any], gemma: Bool = false) throws {
        let configPath = folder.appendingPathComponent("config.json").path
        func int(_ k: String) throws -> Int {
            guard let v = j[k] as? Int else { throw FormatError(file: configPath, "config.json lacks '\(k)'") }
            return v
        }
        let dim = try int("hidden_size"), heads = try int("num_attention_heads")
        let ropeParameters = j["rope_parameters"] as? [String: Any]
        let rope = (j["rope_theta"] as? Double) ?? (ropeParameters?["rope_theta"] as? Double) ?? 10000
        let activation = (j["hidden_activation"] ?? j["hidden_act"]) as? String ?? (gemma ? "gelu_pytorch_tanh" : "silu")
        guard activation == (gemma ? "gelu_pytorch_tanh" : "silu") else {
            let key = j["hidden_activation"] != nil ? "hidden_activation" : "hidden_act"
            throw FormatError(file: configPath, "\(key) '\(activation)' is not supported (\(gemma ? "Gemma uses gelu_pytorch_tanh" : "Llama uses silu"))")
        }
        let kvHeads = (j["num_key_value_heads"] as? Int) ?? heads
        let headDim = j["head_dim"] as? Int
        try LlamaConfig.validate(
            vocabSize: try int("vocab_size"), dim: dim, hiddenDim: try int("intermediate_size"), layers: try int("num_hidden_layers"),
            heads: heads, kvHeads: kvHeads, headDim: headDim,
            ropeTheta: rope, normEps: (j["rms_norm_eps"] as? Double) ?? 1e-5,
            contextLength: (j["max_position_embeddings"] as? Int) ?? 2048, source: configPath)
        var config = LlamaConfig(
            vocabSize: try int("vocab_size"), dim: dim, hiddenDim: try int("intermediate_size"),
            layers: try int("num_hidden_layers"), heads: heads, kvHeads: kvHeads,
            headDim: headDim ?? dim / heads, ropeTheta: Float(rope),
            normEps: Float((j["rms_norm_eps"] as? Double) ?? 1e-5),
            contextLength: (j["max_position_embeddings"] as? Int) ?? 2048,
            tiedEmbeddings: (j["tie_word_embeddings"] as? Bool) ?? false)
        let scaling = (j["rope_scaling"] as? [String: Any]) ?? ropeParameters
        if !gemma, let scaling, let type = (scaling["rope_type"] ?? scaling["type"]) as? String, type != "default" {
            switch type {
            case "llama3":
                config.ropeFrequencyFactors = try Self.llama3RopeFactors(scaling, headDim: config.headDim, theta: rope, source: configPath)
            case "longrope", "su":
                try Self.longRoPE(&config, scaling, j, source: configPath)
            default:
                throw FormatError(file: configPath, "rope_scaling type '\(type)' is not supported (llama3 and longrope are)")
            }
        }
        if gemma { try Self.gemmaConfig(&config, j, source: configPath) }
        let files = try SafeTensorsSet(folder: folder)
        // The language model's weights: `model.…`, or in a multimodal folder `language_model.model.…`
        // (transformers 4.50's layout) or `model.language_model.…` (later ones).
        let base = ["model.", "language_model.model.", "model.language_model."].first { files.contains($0 + "embed_tokens.weight") } ?? "model."
        let head = base == "language_model.model." ? "language_model.lm_head.weight" : "lm_head.weight"
        if files.contains(base + "layers.0.self_attn.qkv_proj.weight") { config.fusedProjections = true }
        /// A norm's weights (Gemma's stored as w for a scale of 1 + w).
        func norm(_ name: String, _ n: Int) throws -> Tensor {
            let w = try dense(name, [n])
            return gemma ? w + 1 : w
        }
        func optionalNorm(_ name: String, _ n: Int) throws -> Tensor? { files.contains(name) ? try norm(name, n) : nil }
        func dense(_ name: String, _ shape: [Int]) throws -> Tensor {
            let (file, info) = try files.find(name)
            guard info.shape == shape else { throw FormatError(file: file.path, tensor: name, "shape \(info.shape), expected \(shape)") }
            return Tensor(try file.floats(name), shape: shape)
        }
        func optional(_ name: String, _ shape: [Int]) throws -> Tensor? {
            files.contains(name) ? try dense(name, shape) : nil
        }
        let kvw = config.kvHeads * config.headDim, qw = config.attentionWidth, hs = config.headDim, F = config.hiddenDim
        let layers = try (0..<config.layers).map { i -> LlamaLayer in
            let p = base + "layers.\(i)."
            // Phi-3's fused qkv_proj and gate_up_proj are split by rows.
            let wq: Weight, wk: Weight, wv: Weight, wGate: Weight, wUp: Weight
            if files.contains(p + "self_attn.qkv_proj.weight") {
                let qkv = Weight.dense(try dense(p + "self_attn.qkv_proj.weight", [qw + 2 * kvw, dim]))
                (wq, wk, wv) = (qkv.rows(0..<qw), qkv.rows(qw..<(qw + kvw)), qkv.rows((qw + kvw)..<(qw + 2 * kvw)))
            } else {
                (wq, wk, wv) = (.dense(try dense(p + "self_attn.q_proj.weight", [qw, dim])),
                                .dense(try dense(p + "self_attn.k_proj.weight", [kvw, dim])),
                                .dense(try dense(p + "self_attn.v_proj.weight", [kvw, dim])))
            }
            if files.contains(p + "mlp.gate_up_proj.weight") {
                let gateUp = Weight.dense(try dense(p + "mlp.gate_up_proj.weight", [2 * F, dim]))
                (wGate, wUp) = (gateUp.rows(0..<F), gateUp.rows(F..<(2 * F)))
            } else {
                (wGate, wUp) = (.dense(try dense(p + "mlp.gate_proj.weight", [F, dim])), .dense(try dense(p + "mlp.up_proj.weight", [F, dim])))
            }
            return LlamaLayer(attnNorm: try norm(p + "input_layernorm.weight", dim),
                              wq: wq, wk: wk, wv: wv, wo: .dense(try dense(p + "self_attn.o_proj.weight", [dim, qw])),
                              ffnNorm: try norm(p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"), dim),
                              wGate: wGate, wUp: wUp,
                              wDown: .dense(try dense(p + "mlp.down_proj.weight", [dim, F])),
                              bq: try optional(p + "self_attn.q_proj.bias", [qw]), bk: try optional(p + "self_attn.k_proj.bias", [kvw]),
                              bv: try optional(p + "self_attn.v_proj.bias", [kvw]),
                              qNorm: try optionalNorm(p + "self_attn.q_norm.weight", hs), kNorm: try optionalNorm(p + "self_attn.k_norm.weight", hs),
                              postAttentionNorm: gemma ? try norm(p + "post_attention_layernorm.weight", dim) : nil,
                              postMLPNorm: gemma ? try norm(p + "post_feedforward_layernorm.weight", dim) : nil)
        }
        let embedding = Weight.dense(try dense(base + "embed_tokens.weight", [config.vocabSize, dim]))
        let output = config.tiedEmbeddings ? embedding : .dense(try dense(head, [config.vocabSize, dim]))
        self.init(config: config, tokenEmbedding: embedding, layers: layers, outputNorm: try norm(base + "norm.weight", dim),
                  output: output, ropePairing: .halves)
    }

    /// Gemma's pieces from a Hugging Face config.json: √width embeddings, the GELU gate, query_pre_attn_scalar, the
    /// soft-caps, the sliding window and which layers are local (`layer_types`, or every `sliding_window_pattern`th
    /// layer global), the local layers' rotary base and the global layers' linear rope scaling.
    static func gemmaConfig(_ c: inout LlamaConfig, _ j: [String: Any], source: String) throws {
        func number(_ v: Any?) -> Double? { (v as? Double) ?? (v as? Int).map(Double.init) }
        c.embeddingScale = Float(c.dim).squareRoot()
        c.geluGate = true
        c.tiedEmbeddings = (j["tie_word_embeddings"] as? Bool) ?? true
        if let q = number(j["query_pre_attn_scalar"]) {
            guard q.isFinite, q > 0 else { throw FormatError(file: source, "query_pre_attn_scalar \(q) is not positive") }
            if Float(q) != Float(c.headDim) { c.queryPreAttentionScalar = Float(q) }
        }
        for (key, path) in [("attn_logit_softcapping", \LlamaConfig.attentionSoftcap), ("final_logit_softcapping", \LlamaConfig.finalSoftcap)] {
            guard let v = number(j[key]) else { continue }
            guard v.isFinite, v > 0 else { throw FormatError(file: source, "\(key) \(v) is not positive") }
            c[keyPath: path] = Float(v)
        }
        if let w = number(j["sliding_window"]) {
            guard w >= 1, w < 1e9 else { throw FormatError(file: source, "sliding_window \(w) is not a positive size") }
            c.slidingWindow = Int(w)
            if let types = j["layer_types"] as? [String], types.count == c.layers {
                c.slidingLayers = types.map { $0 == "sliding_attention" }
            } else {
                let p = (j["sliding_window_pattern"] ?? j["_sliding_window_pattern"]) as? Int ?? (j["model_type"] as? String == "gemma2" ? 2 : 6)
                guard p > 0 else { throw FormatError(file: source, "sliding_window_pattern \(p) is not positive") }
                c.slidingLayers = (0..<c.layers).map { $0 % p < p - 1 }
            }
        }
        // transformers 5 writes rope_parameters per layer type; earlier versions rope_local_base_freq and rope_scaling.
        let perType = j["rope_parameters"] as? [String: Any]
        let full = perType?["full_attention"] as? [String: Any], sliding = perType?["sliding_attention"] as? [String: Any]
        if let theta = number(full?["rope_theta"]) { c.ropeTheta = Float(theta) }
        if let local = number(sliding?["rope_theta"]) ?? number(j["rope_local_base_freq"]), Float(local) != c.ropeTheta {
            guard local > 1 else { throw FormatError(file: source, "the local rope base \(local) is not above 1") }
            c.localRopeTheta = Float(local)
        }
        let scaling = full ?? (j["rope_scaling"] as? [String: Any])
        if let type = (scaling?["rope_type"] ?? scaling?["type"]) as? String, type != "default" {
            guard type == "linear", let factor = number(scaling?["factor"]), factor > 0 else {
                throw FormatError(file: source, "rope scaling '\(type)' is not supported for Gemma (linear is)")
            }
            if factor != 1 {
                c.globalRopeLinearFactor = Float(factor)
                if c.localRopeTheta == nil { c.localRopeTheta = c.ropeTheta }
            }
        }
    }

    /// LongRoPE from a config.json (Phi-3 128k, Phi-3.5): the short factors divide the rotary frequencies, cos and
    /// sin are scaled by the attention factor (given, or √(1 + ln(max / original) / ln original) as transformers
    /// derives it), and the model runs at its original context, where the short factors apply.
    static func longRoPE(_ c: inout LlamaConfig, _ s: [String: Any], _ j: [String: Any], source: String) throws {
        func number(_ v: Any?) -> Double? { (v as? Double) ?? (v as? Int).map(Double.init) }
        guard let short = (s["short_factor"] as? [Any])?.compactMap(number), short.count == c.headDim / 2,
              short.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw FormatError(file: source, "LongRoPE needs short_factor: \(c.headDim / 2) positive numbers (one per rotary pair)")
        }
        guard let original = number(s["original_max_position_embeddings"] ?? j["original_max_position_embeddings"]), original >= 2, original < 1e9 else {
            throw FormatError(file: source, "LongRoPE needs original_max_position_embeddings")
        }
        let factor = number(s["factor"]) ?? Double(c.contextLength) / original
        let attention = number(s["attention_factor"]) ?? (factor <= 1 ? 1 : (1 + Foundation.log(factor) / Foundation.log(original)).squareRoot())
        guard attention.isFinite, attention > 0, attention < 16 else { throw FormatError(file: source, "LongRoPE attention factor \(attention) is not a positive factor") }
        c.ropeFrequencyFactors = short.map(Float.init)
        c.ropeAttentionFactor = attention == 1 ? nil : Float(attention)
        c.contextLength = min(c.contextLength, Int(original))
    }

    /// Llama 3.1/3.2's rope scaling as one divisor per rotary frequency (what llama.cpp's converter writes as
    /// `rope_freqs.weight`): wavelengths shorter than original_context / high_freq_factor keep their frequency,
    /// those longer than original_context / low_freq_factor are divided by `factor`, and those between are
    /// interpolated smoothly.
    static func llama3RopeFactors(_ s: [String: Any], headDim: Int, theta: Double, source: String) throws -> [Float] {
        func number(_ key: String, _ fallback: Double) -> Double {
            (s[key] as? Double) ?? (s[key] as? Int).map(Double.init) ?? fallback
        }
        let factor = number("factor", 8), low = number("low_freq_factor", 1), high = number("high_freq_factor", 4)
        let context = number("original_max_position_embeddings", 8192)
        guard factor.isFinite, factor > 0, low.isFinite, low > 0, high.isFinite, high > low, context.isFinite, context > 0 else {
            throw FormatError(file: source, "rope_scaling needs a positive factor and original context and high_freq_factor > low_freq_factor")
        }
        let lowWavelength = context / low, highWavelength = context / high
        return (0..<(headDim / 2)).map { i in
            let freq = Double(Float(1 / Foundation.pow(theta, Double(2 * i) / Double(headDim))))
            let wavelength = 2 * Double.pi / freq
            if wavelength < highWavelength { return 1 }
            if wavelength > lowWavelength { return Float(factor) }
            let smooth = (context / wavelength - low) / (high - low)
            return Float(1 / ((1 - smooth) / factor + smooth))
        }
    }
}

/// The safetensors files of a Hugging Face folder (model.safetensors or sharded model-*.safetensors).
struct SafeTensorsSet {
    let files: [SafeTensorsFile]

    init(folder: URL) throws {
        let listing: [String]
        do { listing = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw FormatError(file: folder.path, "cannot list the folder (\(error.localizedDescription))")
        }
        let names = listing
            .filter { $0.hasSuffix(".safetensors") && $0.hasPrefix("model") }.sorted()
        guard !names.isEmpty else { throw FormatError(file: folder.path, "no model*.safetensors in the folder") }
        files = try names.map { try SafeTensorsFile(path: folder.appendingPathComponent($0).path) }
    }

    func contains(_ name: String) -> Bool { files.contains { $0.tensors[name] != nil } }

    func find(_ name: String) throws -> (SafeTensorsFile, SafeTensorInfo) {
        for f in files { if let i = f.tensors[name] { return (f, i) } }
        throw FormatError(file: files[0].path, tensor: name, "missing from the checkpoint")
    }
}
