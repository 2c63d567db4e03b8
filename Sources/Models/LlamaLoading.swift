import Foundation
import ModelFormats
import TensorCore

extension Llama {
    /// From a GGUF file of architecture "llama": weights stay quantised and memory-mapped.
    public convenience init(gguf g: GGUFFile) throws {
        let arch = g["general.architecture"]?.string ?? "?"
        guard arch == "llama" else { throw FormatError(file: g.path, "architecture '\(arch)' is not supported here (llama is)") }
        func int(_ key: String) throws -> Int {
            guard let v = g["llama.\(key)"]?.int else { throw FormatError(file: g.path, "metadata llama.\(key) is missing") }
            return v
        }
        let dim = try int("embedding_length"), heads = try int("attention.head_count")
        let embd = try g.tensor("token_embd.weight")
        guard embd.dims.count == 2 else { throw FormatError(file: g.path, tensor: "token_embd.weight", "expected a matrix, found dims \(embd.dims)") }
        let tied = !g.contains(tensor: "output.weight")
        try LlamaConfig.validate(
            vocabSize: embd.dims[1], dim: dim, hiddenDim: try int("feed_forward_length"), layers: try int("block_count"),
            heads: heads, kvHeads: g["llama.attention.head_count_kv"]?.int ?? heads, headDim: g["llama.rope.dimension_count"]?.int,
            ropeTheta: g["llama.rope.freq_base"]?.double ?? 10000, normEps: g["llama.attention.layer_norm_rms_epsilon"]?.double ?? 1e-5,
            contextLength: try int("context_length"), source: g.path)
        let config = LlamaConfig(
            vocabSize: embd.dims[1], dim: dim, hiddenDim: try int("feed_forward_length"), layers: try int("block_count"),
            heads: heads, kvHeads: g["llama.attention.head_count_kv"]?.int ?? heads,
            headDim: g["llama.rope.dimension_count"]?.int ?? dim / heads,
            ropeTheta: Float(g["llama.rope.freq_base"]?.double ?? 10000),
            normEps: Float(g["llama.attention.layer_norm_rms_epsilon"]?.double ?? 1e-5),
            contextLength: try int("context_length"), tiedEmbeddings: tied)
        guard config.headDim * heads == dim, heads % config.kvHeads == 0 else {
            throw FormatError(file: g.path, "inconsistent heads: \(heads) heads × \(config.headDim) for width \(dim), \(config.kvHeads) KV heads")
        }
        func vector(_ name: String, _ n: Int) throws -> Tensor {
            let t = try g.tensor(name)
            guard t.elementCount == n else { throw FormatError(file: g.path, tensor: name, "has \(t.elementCount) elements, expected \(n)") }
            let values = try g.dequantize(name)
            // Norm weights are few: scan them all (a NaN here makes every output NaN).
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw FormatError(file: g.path, tensor: name, "element \(bad) is \(values[bad]) (weights must be finite)")
            }
            return Tensor(values, shape: [n])
        }
        func matrix(_ name: String, _ rows: Int, _ cols: Int) throws -> Weight {
            let w = try Weight.gguf(g, name)
            guard w.shape == [rows, cols] else { throw FormatError(file: g.path, tensor: name, "shape \(w.shape), expected [\(rows), \(cols)]") }
            return w
        }
        let kvw = config.kvHeads * config.headDim
        let layers = try (0..<config.layers).map { i -> LlamaLayer in
            let p = "blk.\(i)."
            return LlamaLayer(attnNorm: try vector(p + "attn_norm.weight", dim),
                              wq: try matrix(p + "attn_q.weight", dim, dim), wk: try matrix(p + "attn_k.weight", kvw, dim),
                              wv: try matrix(p + "attn_v.weight", kvw, dim), wo: try matrix(p + "attn_output.weight", dim, dim),
                              ffnNorm: try vector(p + "ffn_norm.weight", dim),
                              wGate: try matrix(p + "ffn_gate.weight", config.hiddenDim, dim),
                              wUp: try matrix(p + "ffn_up.weight", config.hiddenDim, dim),
                              wDown: try matrix(p + "ffn_down.weight", dim, config.hiddenDim))
        }
        let embedding = try matrix("token_embd.weight", config.vocabSize, dim)
        self.init(config: config, tokenEmbedding: embedding, layers: layers, outputNorm: try vector("output_norm.weight", dim),
                  output: tied ? embedding : try matrix("output.weight", config.vocabSize, dim), ropePairing: .adjacent)
    }

    /// From a Hugging Face folder: config.json (model_type "llama") + model.safetensors (or model-*.safetensors).
    public convenience init(huggingFace folder: URL, config j: [String: Any]) throws {
        let configPath = folder.appendingPathComponent("config.json").path
        func int(_ k: String) throws -> Int {
            guard let v = j[k] as? Int else { throw FormatError(file: configPath, "config.json lacks '\(k)'") }
            return v
        }
        let dim = try int("hidden_size"), heads = try int("num_attention_heads")
        let rope = (j["rope_theta"] as? Double) ?? ((j["rope_parameters"] as? [String: Any])?["rope_theta"] as? Double) ?? 10000
        if let act = j["hidden_act"] as? String, act != "silu" {
            throw FormatError(file: configPath, "hidden_act '\(act)' is not supported (Llama uses silu)")
        }
        try LlamaConfig.validate(
            vocabSize: try int("vocab_size"), dim: dim, hiddenDim: try int("intermediate_size"), layers: try int("num_hidden_layers"),
            heads: heads, kvHeads: (j["num_key_value_heads"] as? Int) ?? heads, headDim: j["head_dim"] as? Int,
            ropeTheta: rope, normEps: (j["rms_norm_eps"] as? Double) ?? 1e-5,
            contextLength: (j["max_position_embeddings"] as? Int) ?? 2048, source: configPath)
        let config = LlamaConfig(
            vocabSize: try int("vocab_size"), dim: dim, hiddenDim: try int("intermediate_size"),
            layers: try int("num_hidden_layers"), heads: heads, kvHeads: (j["num_key_value_heads"] as? Int) ?? heads,
            headDim: (j["head_dim"] as? Int) ?? dim / heads, ropeTheta: Float(rope),
            normEps: Float((j["rms_norm_eps"] as? Double) ?? 1e-5),
            contextLength: (j["max_position_embeddings"] as? Int) ?? 2048,
            tiedEmbeddings: (j["tie_word_embeddings"] as? Bool) ?? false)
        let files = try SafeTensorsSet(folder: folder)
        func dense(_ name: String, _ shape: [Int]) throws -> Tensor {
            let (file, info) = try files.find(name)
            guard info.shape == shape else { throw FormatError(file: file.path, tensor: name, "shape \(info.shape), expected \(shape)") }
            return Tensor(try file.floats(name), shape: shape)
        }
        let kvw = config.kvHeads * config.headDim
        let layers = try (0..<config.layers).map { i -> LlamaLayer in
            let p = "model.layers.\(i)."
            return LlamaLayer(attnNorm: try dense(p + "input_layernorm.weight", [dim]),
                              wq: .dense(try dense(p + "self_attn.q_proj.weight", [dim, dim])),
                              wk: .dense(try dense(p + "self_attn.k_proj.weight", [kvw, dim])),
                              wv: .dense(try dense(p + "self_attn.v_proj.weight", [kvw, dim])),
                              wo: .dense(try dense(p + "self_attn.o_proj.weight", [dim, dim])),
                              ffnNorm: try dense(p + "post_attention_layernorm.weight", [dim]),
                              wGate: .dense(try dense(p + "mlp.gate_proj.weight", [config.hiddenDim, dim])),
                              wUp: .dense(try dense(p + "mlp.up_proj.weight", [config.hiddenDim, dim])),
                              wDown: .dense(try dense(p + "mlp.down_proj.weight", [dim, config.hiddenDim])))
        }
        let embedding = Weight.dense(try dense("model.embed_tokens.weight", [config.vocabSize, dim]))
        let output = config.tiedEmbeddings ? embedding : .dense(try dense("lm_head.weight", [config.vocabSize, dim]))
        self.init(config: config, tokenEmbedding: embedding, layers: layers, outputNorm: try dense("model.norm.weight", [dim]),
                  output: output, ropePairing: .halves)
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

    func find(_ name: String) throws -> (SafeTensorsFile, SafeTensorInfo) {
        for f in files { if let i = f.tensors[name] { return (f, i) } }
        throw FormatError(file: files[0].path, tensor: name, "missing from the checkpoint")
    }
}
