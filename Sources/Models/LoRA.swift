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
/// `….mlp.{gate,up,down}_proj.lora_{A,B}.weight`; A is [r, in], B [out, r]. On a model whose files fuse q, k, v
/// into one projection and gate, up into another (Phi-3), those are PEFT's modules `self_attn.qkv_proj` and
/// `mlp.gate_up_proj`: one A for the group, and B's rows the members' in order. Here each member keeps its own
/// part of B, and the group's members share the one A tensor (its gradient is the sum of theirs).
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
    /// Whether fused groups (`fusedGroups`) share one A, as PEFT's modules of a Phi-3 model do.
    package let fused: Bool

    package struct Key: Hashable, Sendable {
        package let layer: Int
        package let target: String
    }

    package var scale: Float { alpha / Float(rank) }

    init(rank: Int, alpha: Float, targets: [String], layers: [Int], modules: [Key: LoRA], fused: Bool) {
        self.rank = rank; self.alpha = alpha; self.targets = targets; self.layers = layers; self.modules = modules
        self.fused = fused
    }

    /// PEFT's modules over a fused projection (Phi-3) and the projections each spans, in row order.
    package static let fusedGroups: [(module: String, members: [String])] = [
        ("qkv_proj", ["q_proj", "k_proj", "v_proj"]), ("gate_up_proj", ["gate_proj", "up_proj"]),
    ]

    /// The PEFT modules of `targets` (projection names, ordered): with `fused`, each fused group as one module.
    package static func modules(of targets: [String], fused: Bool) -> [(module: String, members: [String])] {
        var out: [(module: String, members: [String])] = [], done = Set<String>()
        for t in ordered(targets) where !done.contains(t) {
            if fused, let g = fusedGroups.first(where: { $0.members.contains(t) }) {
                out.append(g); done.formUnion(g.members)
            } else {
                out.append((t, [t])); done.insert(t)
            }
        }
        return out
    }

    /// On a model with fused projections a group is adapted whole (its members share A): all of it or none.
    static func checkGroups(_ targets: [String], fused: Bool) throws {
        guard fused else { return }
        for g in fusedGroups where g.members.contains(where: targets.contains) && !g.members.allSatisfy(targets.contains) {
            throw FormatError(file: "adapter", "this model keeps \(g.members.joined(separator: ", ")) in one projection (PEFT's \(g.module)): "
                              + "target all of them or none")
        }
    }

    /// A fresh adapter for `model`: A as PEFT initialises it (uniform in ±1/√in, Kaiming's with a = √5), B zero,
    /// so the adapted model starts equal to the base.
    package convenience init(model: Llama, rank: Int, alpha: Float, targets: [String], seed: UInt64) throws {
        try Self.check(rank: rank, alpha: alpha, targets: targets)
        let fused = model.config.fusedProjections == true
        try Self.checkGroups(targets, fused: fused)
        var rng = RandomGenerator(seed: seed)
        var modules: [Key: LoRA] = [:]
        let ordered = Self.ordered(targets)
        for l in model.layers.indices {
            for g in Self.modules(of: ordered, fused: fused) {
                let inp = Self.weight(model.layers[l], g.members[0]).shape[1]
                let bound = 1 / Float(inp).squareRoot()
                let a = Tensor((0..<(rank * inp)).map { _ in (rng.nextFloat() * 2 - 1) * bound }, shape: [rank, inp], requiresGrad: true)
                for t in g.members {
                    let b = Tensor.zeros([Self.weight(model.layers[l], t).shape[0], rank], requiresGrad: true)
                    modules[Key(layer: l, target: t)] = LoRA(a: a, b: b, scale: alpha / Float(rank))
                }
            }
        }
        self.init(rank: rank, alpha: alpha, targets: ordered, layers: Array(model.layers.indices), modules: modules, fused: fused)
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
        let block = attentionTargets.contains(target) || target == "qkv_proj" ? "self_attn" : "mlp"
        return "base_model.model.model.layers.\(layer).\(block).\(target).lora_\(matrix).weight"
    }

    /// The trainable tensors with their PEFT names (A then B of each module, layer by layer).
    /// A fused group's shared A is listed once; its members' parts of B are named `…lora_B.weight[q_proj]`.
    package var parameters: [(String, Tensor)] {
        layers.flatMap { l in
            Self.modules(of: targets, fused: fused).flatMap { g -> [(String, Tensor)] in
                let parts = g.members.compactMap { modules[Key(layer: l, target: $0)] }
                guard parts.count == g.members.count else { return [] }
                let b = Self.key(layer: l, target: g.module, "B")
                return [(Self.key(layer: l, target: g.module, "A"), parts[0].a)]
                    + zip(g.members, parts).map { (parts.count == 1 ? b : b + "[\($0.0)]", $0.1.b) }
            }
        }
    }

    package var parameterCount: Int { parameters.reduce(0) { $0 + $1.1.count } }

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
        let peftModules = Self.modules(of: targets, fused: fused)
        for l in layers {
            for g in peftModules {
                let parts = g.members.compactMap { modules[Key(layer: l, target: $0)] }
                guard parts.count == g.members.count else { continue }
                entries.append(SafeTensorsEntry(name: Self.key(layer: l, target: g.module, "A"), shape: parts[0].a.shape, floats: parts[0].a.scalars))
                // B: the members' rows one after another, each in Hugging Face's order.
                var b: [Float] = []
                for (t, m) in zip(g.members, parts) {
                    b += Self.needsReorder(t, model)
                        ? Self.reorderRows(m.b.scalars, rows: m.b.shape[0], cols: rank, headSize: model.config.headDim, toHuggingFace: true)
                        : m.b.scalars
                }
                entries.append(SafeTensorsEntry(name: Self.key(layer: l, target: g.module, "B"), shape: [parts.reduce(0) { $0 + $1.b.shape[0] }, rank], floats: b))
            }
        }
        try SafeTensorsWriter.write(entries, metadata: ["format": "pt"], to: folder.appendingPathComponent("adapter_model.safetensors"))
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "base_model_name_or_path": baseModel,
            "r": rank, "lora_alpha": Double(alpha), "lora_dropout": 0.0, "bias": "none", "target_modules": peftModules.map(\.module),
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
        let named: [String]
        if let list = j["target_modules"] as? [String] { named = list }
        else if let one = j["target_modules"] as? String { named = [one] }
        else { throw FormatError(file: configPath, "'target_modules' is missing or not a list of module names") }
        // PEFT's fused modules (Phi-3's qkv_proj, gate_up_proj) stand for their projections, which share A.
        var targets: [String] = [], fused = false
        for n in named {
            if let g = fusedGroups.first(where: { $0.module == n }) {
                guard model.config.fusedProjections == true else {
                    throw FormatError(file: configPath, "target module '\(n)' is a fused projection this model does not have")
                }
                targets += g.members; fused = true
            } else {
                targets.append(n)
            }
        }
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
        do { try checkGroups(ordered, fused: fused) } catch let e as FormatError { throw FormatError(file: configPath, e.problem) }
        var modules: [Key: LoRA] = [:]
        for l in layerList {
            for g in Self.modules(of: ordered, fused: fused) {
                let weights = g.members.map { weight(model.layers[l], $0) }
                let rows = weights.reduce(0) { $0 + $1.shape[0] }, inp = weights[0].shape[1]
                func read(_ m: String, _ shape: [Int]) throws -> [Float] {
                    let name = key(layer: l, target: g.module, m)
                    guard file.tensors[name] != nil else {
                        throw FormatError(file: file.path, tensor: name, "missing (adapter_config.json targets \(g.module) in every adapted layer)")
                    }
                    let info = try file.info(name)
                    guard info.shape == shape else {
                        throw FormatError(file: file.path, tensor: name, "shape \(info.shape), expected \(shape) for rank \(rank) on the model's \(g.module) [\(rows), \(inp)]")
                    }
                    let v = try file.floats(name)
                    if let bad = v.firstIndex(where: { !$0.isFinite }) { throw FormatError(file: file.path, tensor: name, "non-finite value at element \(bad)") }
                    return v
                }
                let a = Tensor(try read("A", [rank, inp]), shape: [rank, inp], requiresGrad: trainable)
                let b = try read("B", [rows, rank])
                var start = 0
                for (t, w) in zip(g.members, weights) {
                    var part = Array(b[(start * rank)..<((start + w.shape[0]) * rank)])
                    start += w.shape[0]
                    if needsReorder(t, model) {
                        part = reorderRows(part, rows: w.shape[0], cols: rank, headSize: model.config.headDim, toHuggingFace: false)
                    }
                    modules[Key(layer: l, target: t)] = LoRA(a: a, b: Tensor(part, shape: [w.shape[0], rank], requiresGrad: trainable),
                                                             scale: Float(alphaValue) / Float(rank))
                }
            }
        }
        return LoRAAdapter(rank: rank, alpha: Float(alphaValue), targets: ordered, layers: layerList, modules: modules, fused: fused)
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
