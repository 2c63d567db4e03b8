import Foundation
import ModelFormats

extension ModelArchitecture {
    /// Gemma 2 (Google): the Llama block with embeddings times √width, a GELU (tanh) gate, RMSNorms on the attention
    /// and MLP outputs too (llama.cpp's converter stores every norm as 1 + w), attention scores and logits
    /// soft-capped, and every other layer local (a sliding window), as llama.cpp runs it.
    static let gemma2 = llamaFamily(
        name: "gemma2", summary: "Gemma 2: Llama with √d embeddings, GELU gate, post-norms, soft-capping, sliding-window layers",
        ggufNames: ["gemma2"], huggingFaceTypes: ["gemma2"], pairing: .halves, gemmaCheckpoints: true) { config, g in
            try gemmaConfig(&config, g, arch: "gemma2", pattern: 2, defaultWindow: 4096, bigLayers: 46)
        }

    /// Gemma 3 (text): Gemma 2's block with q/k RMSNorm instead of score capping, five local layers in six, local
    /// layers turning at their own rotary base, and linear rope scaling of the global layers where the file says.
    /// The multimodal folders (`gemma3`, 4B and up) open as their language model; the vision tower is not read.
    static let gemma3 = llamaFamily(
        name: "gemma3", summary: "Gemma 3: Gemma 2 with q/k norms, 5 local layers in 6 with their own rope base",
        ggufNames: ["gemma3"], huggingFaceTypes: ["gemma3_text", "gemma3"], pairing: .halves, gemmaCheckpoints: true,
        textConfigDefaults: TextConfigDefaults { gemma3TextDefaults }) { config, g in
            try gemmaConfig(&config, g, arch: "gemma3", pattern: 6, defaultWindow: nil, bigLayers: 62)
        }

    /// transformers' Gemma3TextConfig defaults: what a multimodal folder's `text_config` leaves out.
    static var gemma3TextDefaults: [String: Any] {
        ["model_type": "gemma3_text", "vocab_size": 262_208, "hidden_size": 2304, "intermediate_size": 9216,
         "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
         "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 131_072, "rms_norm_eps": 1e-6,
         "rope_theta": 1_000_000.0, "rope_local_base_freq": 10_000.0, "query_pre_attn_scalar": 256,
         "sliding_window": 4096, "sliding_window_pattern": 6, "tie_word_embeddings": true]
    }

    /// Gemma's pieces from GGUF metadata, with llama.cpp's defaults: a layer is local when l % pattern <
    /// pattern − 1 (unless the file lists the layers), scores are scaled by 1/√head size except in the 27B models
    /// (`bigLayers` layers: 1/√(width / heads)).
    static func gemmaConfig(_ c: inout LlamaConfig, _ g: GGUFFile, arch: String, pattern: Int, defaultWindow: Int?,
                            bigLayers: Int) throws {
        c.embeddingScale = Float(c.dim).squareRoot()
        c.geluGate = true
        func positive(_ key: String) throws -> Double? {
            guard let v = g["\(arch).\(key)"]?.double else { return nil }
            guard v.isFinite, v >= 0 else { throw FormatError(file: g.path, "metadata \(arch).\(key) is \(v), not a finite number ≥ 0") }
            return v > 0 ? v : nil
        }
        c.attentionSoftcap = try positive("attn_logit_softcapping").map(Float.init)
        c.finalSoftcap = try positive("final_logit_softcapping").map(Float.init)
        if let window = try positive("attention.sliding_window").map({ Int($0) }) ?? defaultWindow {
            c.slidingWindow = window
            if let listed = g["\(arch).attention.sliding_window_pattern"]?.array?.compactMap(\.bool), listed.count == c.layers {
                c.slidingLayers = listed
            } else {
                let p = g["\(arch).attention.sliding_window_pattern"]?.int ?? pattern
                guard p > 0 else { throw FormatError(file: g.path, "metadata \(arch).attention.sliding_window_pattern is \(p)") }
                c.slidingLayers = (0..<c.layers).map { $0 % p < p - 1 }
            }
        }
        // Local layers turn at rope.freq_base_swa; Gemma 3 files without it get llama.cpp's default, 10,000.
        if let local = try positive("rope.freq_base_swa") ?? (arch == "gemma3" && c.slidingWindow != nil ? 10000 : nil) {
            guard local > 1 else { throw FormatError(file: g.path, "metadata \(arch).rope.freq_base_swa is \(local), not above 1") }
            if Float(local) != c.ropeTheta { c.localRopeTheta = Float(local) }
        }
        if let factor = try positive("rope.scaling.factor"), factor != 1 {
            c.globalRopeLinearFactor = Float(factor)
            if c.localRopeTheta == nil { c.localRopeTheta = c.ropeTheta }   // local layers stay unscaled
        }
        if c.layers == bigLayers { c.queryPreAttentionScalar = Float(c.dim / c.heads) }
    }
}
