import Foundation
import ModelFormats
import NeuralNet
import TensorCore

/// A low-rank update of a frozen weight (Hu et al. 2021, "LoRA"): y = x Wᵀ + s · (x Aᵀ) Bᵀ with A [r, in],
/// B [out, r] and s = α / r. Only A and B are trained; W stays as it is (quantised and memory-mapped for a GGUF
/// model: the gradient to x flows through the dequantised product, and no float copy of W is made).
package final class LoRA {
    package let a: Tensor
    package let b: Tensor
    package let scale: Float

    package init(a: Tensor, b: Tensor, scale: Float) {
        precondition(a.rank == 2 && b.rank == 2 && a.shape[0] == b.shape[1], "LoRA: A \(a.shape) and B \(b.shape) do not chain")
        self.a = a; self.b = b; self.scale = scale
    }

    package var rank: Int { a.shape[0] }

    /// s · (x Aᵀ) Bᵀ: [..., in] -> [..., out].
    package func delta(_ x: Tensor) -> Tensor {
        x.linear(a, layout: .outIn).linear(b, layout: .outIn) * scale
    }

    /// y + s · (x Aᵀ) Bᵀ for y = x Wᵀ just computed (y is fresh and not shared). With no graph to record (decoding,
    /// analyses without gradients) the update is added into y in place by two small products, with no tensor
    /// made for the rank-r intermediate's scaling or the sum; otherwise as `y + delta(x)`, recorded.
    package func add(to y: Tensor, input x: Tensor) -> Tensor {
        if GradMode.isEnabled && (x.requiresGrad || a.requiresGrad || b.requiresGrad || y.requiresGrad) { return y + delta(x) }
        let xc = x.contiguous(), yc = y.contiguous()
        let inF = a.shape[1], outF = b.shape[0], rows = xc.count / inF
        let mid = Tensor(uninitialized: [rows, rank])
        let ac = a.contiguous(), bc = b.contiguous()
        sgemm(transA: false, transB: true, M: rows, N: rank, K: inF, A: xc.data, lda: inF, B: ac.data, ldb: inF, beta: 0, C: mid.data, ldc: rank)
        sgemm(transA: false, transB: true, M: rows, N: outF, K: rank, alpha: scale, A: mid.data, lda: rank, B: bc.data, ldb: rank,
              beta: 1, C: yc.data, ldc: outF)
        return yc
    }

    /// s · B A, the update as a dense [out, in] matrix (no graph).
    package func merged() -> Tensor {
        GradMode.withoutGradients {
            let out = Tensor(uninitialized: [b.shape[0], a.shape[1]])
            let bc = b.contiguous(), ac = a.contiguous()
            sgemm(transA: false, transB: false, M: b.shape[0], N: a.shape[1], K: rank, alpha: scale,
                  A: bc.data, lda: rank, B: ac.data, ldb: a.shape[1], beta: 0, C: out.data, ldc: a.shape[1])
            return out
        }
    }
}

/// LoRA adapters on a Llama's projections, saved and read in the layout of Hugging Face PEFT
/// (`adapter_model.safetensors` + `adapter_config.json`), so an adapter trained here loads onto the Hugging Face
/// model with `PeftModel.from_pretrained`, and one trained there loads here.
///
/// Keys: `base_model.model.model.layers.{l}.self_attn.{q,k,v,o}_proj.lora_{A,B}.weight` and
/// `….mlp.{gate,up,down}_proj.lora_{A,B}.weight`; A is [r, in], B [out, r].
///
/// A GGUF file stores the query and key rows of each head interleaved for llama.cpp's adjacent-pair rotary
/// embedding (Hugging Face pairs the two halves of a head): an adapter of a GGUF model keeps B's query and key
/// rows in the GGUF order in memory and is written (and read) in Hugging Face's order.
package final class LoRAAdapter {
    /// The projections an adapter may wrap, in Hugging Face's names.
    package static let attentionTargets = ["q_proj", "k_proj", "v_proj", "o_proj"]
    package static let mlpTargets = ["gate_proj", "up_proj", "down_proj"]

    package let rank: Int
    package let alpha: Float
    /// Wrapped projections (Hugging Face names), in a fixed order.
    package let targets: [String]
    /// The adapted layers' indices.
    package let layers: [Int]
    /// One LoRA per (layer, target).
    package let modules: [Key: LoRA]

    package struct Key: Hashable, Sendable {
        package let layer: Int
        package let target: String
    }

    package var scale: Float { alpha / Float(rank) }

    init(rank: Int, alpha: Float, targets: [String], layers: [Int], modules: [Key: LoRA]) {
        self.rank = rank; self.alpha = alpha; self.targets = targets; self.layers = layers; self.modules = modules
    }

    /// A fresh adapter for `model`: A as PEFT initialises it (uniform in ±1/√in, Kaiming's with a = √5), B zero,
    /// so the adapted model starts equal to the base.
    package convenience init(model: Llama, rank: Int, alpha: Float, targets: [String], seed: UInt64) throws {
        try Self.check(rank: rank, alpha: alpha, targets: targets)
        var rng = RandomGenerator(seed: seed)
        var modules: [Key: LoRA] = [:]
        let ordered = Self.ordered(targets)
        for l in model.layers.indices {
            for t in ordered {
                let w = Self.weight(model.layers[l], t)
                let (out, inp) = (w.shape[0], w.shape[1])
                let bound = 1 / Float(inp).squareRoot()
                let a = Tensor((0..<(rank * inp)).map { _ in (rng.nextFloat() * 2 - 1) * bound }, shape: [rank, inp], requiresGrad: true)
                let b = Tensor.zeros([out, rank], requiresGrad: true)
                modules[Key(layer: l, target: t)] = LoRA(a: a, b: b, scale: alpha / Float(rank))
            }
        }
        self.init(rank: rank, alpha: alpha, targets: ordered, layers: Array(model.layers.indices), modules: modules)
    }

    static func check(rank: Int, alpha: Float, targets: [String]) throws {
        guard (1...1024).contains(rank) else { throw FormatError(file: "adapter", "LoRA rank \(rank) is outside 1...1024") }
        guard alpha.isFinite, alpha > 0 else { throw FormatError(file: "adapter", "lora_alpha \(alpha) is not a positive number") }
        guard !targets.isEmpty else { throw FormatError(file: "adapter", "no target modules") }
        let known = attentionTargets + mlpTargets
        if let bad = targets.first(where: { !known.contains($0) }) {
            throw FormatError(file: "adapter", "target module '\(bad.prefix(40))' is not one of \(known.joined(separator: ", "))")
        }
    }

    /// `targets` in the fixed order (attention first, as in the layers).
    package static func ordered(_ targets: [String]) -> [String] {
        (attentionTargets + mlpTargets).filter { targets.contains($0) }
    }

    static func weight(_ layer: LlamaLayer, _ target: String) -> Weight {
        switch target {
        case "q_proj": return layer.wq
        case "k_proj": return layer.wk
        case "v_proj": return layer.wv
        case "o_proj": return layer.wo
        case "gate_proj": return layer.wGate
        case "up_proj": return layer.wUp
        default: return layer.wDown
        }
    }

    /// The PEFT key of a module's A or B.
    package static func key(layer: Int, target: String, _ matrix: String) -> String {
        let block = attentionTargets.contains(target) ? "self_attn" : "mlp"
        return "base_model.model.model.layers.\(layer).\(block).\(target).lora_\(matrix).weight"
    }

    /// The trainable tensors with their PEFT names (A then B of each module, layer by layer).
    package var parameters: [(String, Tensor)] {
        layers.flatMap { l in
            targets.flatMap { t -> [(String, Tensor)] in
                guard let m = modules[Key(layer: l, target: t)] else { return [] }
                return [(Self.key(layer: l, target: t, "A"), m.a), (Self.key(layer: l, target: t, "B"), m.b)]
            }
        }
    }

    package var parameterCount: Int { modules.values.reduce(0) { $0 + $1.a.count + $1.b.count } }

    // MARK: - Hugging Face row order of the query and key projections

    /// For a GGUF model (adjacent rotary pairs): the GGUF row of each Hugging Face row of a projection of `heads`
    /// heads of `headSize`: HF row h·d + half·d/2 + i is GGUF row h·d + 2i + half (llama.cpp's conversion).
    package static func ggufRow(ofHuggingFaceRow r: Int, headSize d: Int) -> Int {
        let h = r / d, within = r % d, half = within / (d / 2), i = within % (d / 2)
        return h * d + 2 * i + half
    }

    /// B's rows reordered: `toHuggingFace` from the model's order to Hugging Face's, else back.
    static func reorderRows(_ b: [Float], rows: Int, cols: Int, headSize d: Int, toHuggingFace: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: b.count)
        for hf in 0..<rows {
            let g = ggufRow(ofHuggingFaceRow: hf, headSize: d)
            let (src, dst) = toHuggingFace ? (g, hf) : (hf, g)
            for c in 0..<cols { out[dst * cols + c] = b[src * cols + c] }
        }
        return out
    }

    static func needsReorder(_ target: String, _ model: Llama) -> Bool {
        model.ropePairing == .adjacent && (target == "q_proj" || target == "k_proj")
    }

    // MARK: - Files

    /// Writes `adapter_model.safetensors` and `adapter_config.json` into `folder` (each file atomically).
    package func save(folder: URL, model: Llama, baseModel: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var entries: [SafeTensorsEntry] = []
        for l in layers {
            for t in targets {
                guard let m = modules[Key(layer: l, target: t)] else { continue }
                entries.append(SafeTensorsEntry(name: Self.key(layer: l, target: t, "A"), shape: m.a.shape, floats: m.a.scalars))
                var b = m.b.scalars
                if Self.needsReorder(t, model) {
                    b = Self.reorderRows(b, rows: m.b.shape[0], cols: rank, headSize: model.config.headDim, toHuggingFace: true)
                }
                entries.append(SafeTensorsEntry(name: Self.key(layer: l, target: t, "B"), shape: m.b.shape, floats: b))
            }
        }
        try SafeTensorsWriter.write(entries, metadata: ["format": "pt"], to: folder.appendingPathComponent("adapter_model.safetensors"))
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": baseModel,
            "r": rank, "lora_alpha": Double(alpha), "lora_dropout": 0.0, "bias": "none", "target_modules": targets,
            "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true, "use_rslora": false, "use_dora": false,
            "layers_to_transform": NSNull(), "modules_to_save": NSNull(), "rank_pattern": [String: Any](), "alpha_pattern": [String: Any](),
            "revision": NSNull(),
        ]
        let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try writeAtomically(json, to: folder.appendingPathComponent("adapter_config.json"))
    }

    /// Reads a PEFT LoRA adapter folder for `model`, checking every shape against the model's projections.
    /// Trainable (`requiresGrad`) when `trainable`, to continue training it. A folder written by `glassbox
    /// finetune` is first checked against its `manifest.json` (folders without one, like PEFT's, load unchecked).
    package static func load(folder: URL, for model: Llama, trainable: Bool = false) throws -> LoRAAdapter {
        try CheckpointManifest.verify(folder: folder, skipHashing: CheckpointManifest.trainingStateFiles)
        let configURL = folder.appendingPathComponent("adapter_config.json")
        let configPath = configURL.path
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw FormatError(file: folder.path, "not an adapter folder (no adapter_config.json)")
        }
        let j = try JSONFile.object(configURL)
        guard (j["peft_type"] as? String) == "LORA" else {
            throw FormatError(file: configPath, "peft_type is '\(String(describing: j["peft_type"] ?? "missing").prefix(40))', only LORA adapters are supported")
        }
        guard let rank = j["r"] as? Int else { throw FormatError(file: configPath, "'r' (the rank) is missing or not a whole number") }
        guard let alphaValue = j["lora_alpha"] as? Double else { throw FormatError(file: configPath, "'lora_alpha' is missing or not a number") }
        let targets: [String]
        if let list = j["target_modules"] as? [String] { targets = list }
        else if let one = j["target_modules"] as? String { targets = [one] }
        else { throw FormatError(file: configPath, "'target_modules' is missing or not a list of module names") }
        for flag in ["use_rslora", "use_dora"] where (j[flag] as? Bool) == true {
            throw FormatError(file: configPath, "\(flag) is set: only plain LoRA (scale lora_alpha / r) is supported")
        }
        for pattern in ["rank_pattern", "alpha_pattern"] {
            if let p = j[pattern] as? [String: Any], !p.isEmpty { throw FormatError(file: configPath, "\(pattern) is not supported (one rank and alpha for every module)") }
        }
        if let bias = j["bias"] as? String, bias != "none" { throw FormatError(file: configPath, "bias '\(bias.prefix(20))' is not supported (none)") }
        if (j["fan_in_fan_out"] as? Bool) == true { throw FormatError(file: configPath, "fan_in_fan_out is set: Llama's projections are [out, in]") }
        do { try check(rank: rank, alpha: Float(alphaValue), targets: targets) } catch let e as FormatError {
            throw FormatError(file: configPath, e.problem)
        }
        let layerList: [Int]
        if let only = j["layers_to_transform"] as? [Int] { layerList = only }
        else if let one = j["layers_to_transform"] as? Int { layerList = [one] }
        else { layerList = Array(model.layers.indices) }
        if let bad = layerList.first(where: { !model.layers.indices.contains($0) }) {
            throw FormatError(file: configPath, "layers_to_transform names layer \(bad); the model has \(model.layers.count)")
        }
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("adapter_model.safetensors").path)
        let ordered = Self.ordered(targets)
        var modules: [Key: LoRA] = [:]
        for l in layerList {
            for t in ordered {
                let w = weight(model.layers[l], t)
                func read(_ m: String, _ shape: [Int]) throws -> [Float] {
                    let name = key(layer: l, target: t, m)
                    guard file.tensors[name] != nil else {
                        throw FormatError(file: file.path, tensor: name, "missing (adapter_config.json targets \(t) in every adapted layer)")
                    }
                    let info = try file.info(name)
                    guard info.shape == shape else {
                        throw FormatError(file: file.path, tensor: name, "shape \(info.shape), expected \(shape) for rank \(rank) on the model's \(t) \(w.shape)")
                    }
                    let v = try file.floats(name)
                    if let bad = v.firstIndex(where: { !$0.isFinite }) { throw FormatError(file: file.path, tensor: name, "non-finite value at element \(bad)") }
                    return v
                }
                let a = try read("A", [rank, w.shape[1]])
                var b = try read("B", [w.shape[0], rank])
                if needsReorder(t, model) {
                    b = reorderRows(b, rows: w.shape[0], cols: rank, headSize: model.config.headDim, toHuggingFace: false)
                }
                modules[Key(layer: l, target: t)] = LoRA(a: Tensor(a, shape: [rank, w.shape[1]], requiresGrad: trainable),
                                                         b: Tensor(b, shape: [w.shape[0], rank], requiresGrad: trainable),
                                                         scale: Float(alphaValue) / Float(rank))
            }
        }
        return LoRAAdapter(rank: rank, alpha: Float(alphaValue), targets: ordered, layers: layerList, modules: modules)
    }
}

extension Llama {
    /// This model with `adapter`'s low-rank updates on its projections: the frozen weights are shared (nothing is
    /// copied); every forward, cache, hook and analysis works on the result as on any Llama.
    package func adapted(_ adapter: LoRAAdapter) -> Llama {
        let newLayers = layers.enumerated().map { l, layer -> LlamaLayer in
            func wrap(_ w: Weight, _ t: String) -> Weight {
                guard let m = adapter.modules[.init(layer: l, target: t)] else { return w }
                return .adapted(w, m)
            }
            return layer.replacing(wq: wrap(layer.wq, "q_proj"), wk: wrap(layer.wk, "k_proj"), wv: wrap(layer.wv, "v_proj"),
                                   wo: wrap(layer.wo, "o_proj"), wGate: wrap(layer.wGate, "gate_proj"),
                                   wUp: wrap(layer.wUp, "up_proj"), wDown: wrap(layer.wDown, "down_proj"))
        }
        return Llama(config: config, tokenEmbedding: tokenEmbedding, layers: newLayers, outputNorm: outputNorm, output: output,
                     ropePairing: ropePairing)
    }
}

extension Llama: LoRAAdaptable {
    package var defaultTuningMethod: TuningMethod { .lora }

    package func trainingLogits(_ ids: [Int32], time T: Int, rows: [Int32], dropout: UnsafeMutablePointer<RandomGenerator>?) -> Tensor {
        // The batch's embeddings (times Gemma's √width) ride on the first sequence's ids: the forward takes B·T rows.
        forward(Array(ids.prefix(T)), logits: .rows(rows), embeddings: scaledEmbeddings(ids))
    }

    package func newAdapter(rank: Int, alpha: Float, targets: [String], seed: UInt64) throws -> LoRAAdapter {
        try LoRAAdapter(model: self, rank: rank, alpha: alpha, targets: targets, seed: seed)
    }

    package func loadAdapter(folder: URL, trainable: Bool) throws -> LoRAAdapter {
        try LoRAAdapter.load(folder: folder, for: self, trainable: trainable)
    }

    package func saveAdapter(_ adapter: LoRAAdapter, folder: URL, baseModel: String) throws {
        try adapter.save(folder: folder, model: self, baseModel: baseModel)
    }

    package func withAdapter(_ adapter: LoRAAdapter) -> any TrainableLanguageModel { adapted(adapter) }
}
