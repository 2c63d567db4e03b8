import Foundation
import Models
import NeuralNet
import TensorCore

extension ModelCard {
    /// Statistics of one weight (dequantised first if it is quantised): norm, moments, extremes, a 64-bin histogram.
    static func stats(name: String, label: String, layer: Int?, kind: String, values t: Tensor, type: String, bytes: Int) -> WeightStats {
        let x = t.contiguous()
        let n = x.count
        var sum = 0.0, sumSq = 0.0, lo = Float.infinity, hi = -Float.infinity
        for i in 0..<n {
            let v = x.data[i]
            guard v.isFinite else { continue }
            sum += Double(v); sumSq += Double(v) * Double(v)
            lo = Swift.min(lo, v); hi = Swift.max(hi, v)
        }
        if lo > hi { lo = 0; hi = 0 }
        let bins = 64
        var counts = [Int](repeating: 0, count: bins)
        let width = Double(hi - lo)
        for i in 0..<n {
            let v = x.data[i]
            guard v.isFinite else { continue }
            let b = width > 0 ? Int(Double(v - lo) / width * Double(bins)) : 0
            counts[Swift.min(bins - 1, Swift.max(0, b))] += 1
        }
        let mean = n > 0 ? sum / Double(n) : 0
        let variance = n > 0 ? Swift.max(0, sumSq / Double(n) - mean * mean) : 0
        return WeightStats(name: name, label: label, layer: layer, kind: kind, shape: t.shape, type: type, bytes: bytes,
                           parameters: n, norm: sumSq.squareRoot(), mean: mean, std: variance.squareRoot(), min: lo, max: hi,
                           histogram: Histogram(lo: lo, hi: hi, counts: counts))
    }

    static func typeName(_ w: Weight) -> String {
        switch w {
        case .dense: return "F32"
        case .adapted(let base, let lora): return typeName(base) + " + LoRA r\(lora.rank)"
        case .quantized(let q):
            switch q.format {
            case .f32: return "F32"
            case .q4_0: return "Q4_0"
            case .q4_1: return "Q4_1"
            case .q8_0: return "Q8_0"
            case .other: return String(format: "quantised (%.2f bits per weight)", Double(q.byteCount * 8) / Double(Swift.max(q.rows * q.cols, 1)))
            }
        }
    }

    static func leaf(_ name: String, _ shape: [Int]) -> Component {
        Component(name: name, parameters: shape.reduce(1, *), shape: shape)
    }

    static func group(_ name: String, _ children: [Component], tied: Bool? = nil) -> Component {
        Component(name: name, parameters: children.reduce(0) { $0 + $1.parameters }, tied: tied, children: children)
    }

    /// The card of a Llama: GGUF names for the weights, every matrix dequantised once for its statistics.
    static func llama(_ m: Llama, _ loaded: LoadedModel) -> (Component, [WeightStats]) {
        var weights: [WeightStats] = []
        func add(_ name: String, _ label: String, _ layer: Int?, _ kind: String, _ w: Weight) {
            weights.append(stats(name: name, label: label, layer: layer, kind: kind, values: w.dequantized(), type: typeName(w), bytes: w.byteCount))
        }
        func addNorm(_ name: String, _ label: String, _ layer: Int?, _ kind: String, _ t: Tensor) {
            weights.append(stats(name: name, label: label, layer: layer, kind: kind, values: t, type: "F32", bytes: t.count * 4))
        }
        add("token_embd", "token embedding", nil, "embedding", m.tokenEmbedding)
        var layers: [Component] = []
        for (i, l) in m.layers.enumerated() {
            let parts: [(String, String, String, Weight)] = [
                ("attn_q", "attention query", "attn_q", l.wq), ("attn_k", "attention key", "attn_k", l.wk),
                ("attn_v", "attention value", "attn_v", l.wv), ("attn_output", "attention output", "attn_o", l.wo),
                ("ffn_gate", "MLP gate", "mlp_gate", l.wGate), ("ffn_up", "MLP up", "mlp_up", l.wUp), ("ffn_down", "MLP down", "mlp_down", l.wDown),
            ]
            for (file, label, kind, w) in parts { add("blk.\(i).\(file)", "layer \(i) · \(label)", i, kind, w) }
            addNorm("blk.\(i).attn_norm", "layer \(i) · attention norm", i, "attn_norm", l.attnNorm)
            addNorm("blk.\(i).ffn_norm", "layer \(i) · MLP norm", i, "mlp_norm", l.ffnNorm)
            // The pieces some architectures add: q/k/v biases (Qwen2), per-head q/k norms (Qwen3, Gemma 3), norms
            // of the attention and MLP outputs (Gemma).
            let extras: [(String, String, String, Tensor?)] = [
                ("attn_q.bias", "query bias", "attn_bias", l.bq), ("attn_k.bias", "key bias", "attn_bias", l.bk),
                ("attn_v.bias", "value bias", "attn_bias", l.bv), ("attn_q_norm", "query norm", "qk_norm", l.qNorm),
                ("attn_k_norm", "key norm", "qk_norm", l.kNorm), ("post_attention_norm", "attention output norm", "post_norm", l.postAttentionNorm),
                ("post_ffw_norm", "MLP output norm", "post_norm", l.postMLPNorm),
            ]
            var attention = [leaf("q", l.wq.shape), leaf("k", l.wk.shape), leaf("v", l.wv.shape), leaf("o", l.wo.shape)]
            var norms = [leaf("attention norm", l.attnNorm.shape), leaf("MLP norm", l.ffnNorm.shape)]
            for (file, label, kind, t) in extras {
                guard let t else { continue }
                addNorm("blk.\(i).\(file)", "layer \(i) · \(label)", i, kind, t)
                if kind == "attn_bias" { attention.append(leaf(label, t.shape)) } else { norms.append(leaf(label, t.shape)) }
            }
            layers.append(group("layer \(i)", [
                group("attention", attention),
                group("mlp", [leaf("gate", l.wGate.shape), leaf("up", l.wUp.shape), leaf("down", l.wDown.shape)]),
                group("norms", norms),
            ]))
        }
        addNorm("output_norm", "final norm", nil, "final_norm", m.outputNorm)
        let tied = m.config.tiedEmbeddings
        if !tied { add("output", "unembedding", nil, "unembedding", m.output) }
        var top = [leaf("embedding", m.tokenEmbedding.shape), group("layers", layers), leaf("final norm", m.outputNorm.shape)]
        top.append(tied ? Component(name: "unembedding", parameters: 0, shape: m.output.shape, tied: true) : leaf("unembedding", m.output.shape))
        return (group("model", top), weights)
    }

    /// The card of a GPT-2 (trained here or from a Hugging Face folder): every parameter tensor.
    static func gpt(_ m: GPT) -> (Component, [WeightStats]) {
        var weights: [WeightStats] = []
        var perLayer: [Int: [Component]] = [:], other: [Component] = []
        for (full, t) in m.namedParameters() {
            // Hugging Face names: transformer.h.3.attn.c_attn.weight, transformer.wte.weight, lm_head tied.
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
            weights.append(stats(name: full, label: label, layer: layer, kind: kind, values: t, type: "F32", bytes: t.count * 4))
            let c = leaf(layer == nil ? name : parts.dropFirst(2).joined(separator: "."), t.shape)
            if let layer { perLayer[layer, default: []].append(c) } else { other.append(c) }
        }
        let layers = perLayer.keys.sorted().map { group("layer \($0)", perLayer[$0]!) }
        return (group("model", other.filter { !$0.name.hasPrefix("ln_f") } + [group("layers", layers)] + other.filter { $0.name.hasPrefix("ln_f") }
                      + [Component(name: "unembedding", parameters: 0, shape: [m.config.vocabSize, m.config.nEmbd], tied: true)]), weights)
    }
}

extension InspectService {
    /// The architecture, parameter counts per component, weight types and bytes, and per-weight statistics.
    public static func modelCard(_ loaded: LoadedModel, monitor: WorkMonitor? = nil) throws -> ModelCard {
        guard let model = loaded.model as? any InspectableModel else {
            throw InterpretabilityError("a \(loaded.architecture) model has no card")
        }
        let (components, weights): (ModelCard.Component, [ModelCard.WeightStats])
        if let m = loaded.llama { (components, weights) = ModelCard.llama(m, loaded) }
        else if let m = loaded.gpt { (components, weights) = ModelCard.gpt(m) }
        else { throw InterpretabilityError("a \(loaded.architecture) model has no card") }
        try monitor?.check()
        var types: [String: (Int, Int)] = [:]
        for w in weights { types[w.type, default: (0, 0)].0 += w.parameters; types[w.type, default: (0, 0)].1 += w.bytes }
        // The model was just read from these files: one that cannot be looked at now is an error, not 0 bytes.
        let fm = FileManager.default
        var fileBytes = try fm.attributesOfItem(atPath: loaded.path)[.size] as? Int ?? 0
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: loaded.path, isDirectory: &isDir), isDir.boolValue {
            fileBytes = try fm.contentsOfDirectory(atPath: loaded.path).reduce(0) {
                $0 + (try fm.attributesOfItem(atPath: loaded.path + "/" + $1)[.size] as? Int ?? 0)
            }
        }
        return ModelCard(model: ModelSummary(loaded, shape: model.shape), fileBytes: fileBytes,
                         types: types.keys.sorted().map { .init(type: $0, parameters: types[$0]!.0, bytes: types[$0]!.1) },
                         components: components, weights: weights)
    }
}
