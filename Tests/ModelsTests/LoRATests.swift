import Foundation
import ModelFormats
@testable import Models
import NeuralNet
import TensorCore
import Testing

/// LoRA on a frozen (quantised) weight: its gradients against finite differences, the update against the dense
/// product, the query/key row order of GGUF against Hugging Face's, and adapters written and read in PEFT's layout.
struct LoRATests {
    /// A random Q8_0 matrix (blocks of 32: a 2-byte scale and 32 signed bytes), in memory held for the test run.
    static func q8Matrix(rows: Int, cols: Int, seed: UInt64) -> QuantizedMatrix {
        var rng = RandomGenerator(seed: seed)
        var bytes = [UInt8]()
        for _ in 0..<(rows * cols / 32) {
            let scale = Float16(0.01 + rng.nextFloat() * 0.02)
            bytes += [UInt8(scale.bitPattern & 0xFF), UInt8(scale.bitPattern >> 8)]
            for _ in 0..<32 { bytes.append(UInt8(bitPattern: Int8(rng.nextInt(255) - 127))) }
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        raw.copyMemory(from: bytes, byteCount: bytes.count)
        return QuantizedMatrix(rows: rows, cols: cols, format: .q8_0, data: UnsafeRawPointer(raw), rowBytes: GGMLType.q8_0.byteCount(elements: cols),
                               owner: NSObject()) { s, d, n in GGMLType.q8_0.dequantizeRow(s, d, count: n) }
    }

    /// Gradient check of the LoRA-wrapped quantised product: d/dx (through the dequantised matrix and the update),
    /// d/dA and d/dB, against central differences, for few rows (decode's path) and many (the slab path).
    @Test(arguments: [3, 70])
    func wrappedQuantisedProductGradients(rows: Int) throws {
        let q = Self.q8Matrix(rows: 48, cols: 64, seed: 5)
        var rng = RandomGenerator(seed: 11)
        let a = Tensor.randn([4, 64], rng: &rng) * 0.1
        let b = Tensor.randn([48, 4], rng: &rng) * 0.1
        let x = Tensor.randn([rows, 64], rng: &rng)
        let lora = LoRA(a: a, b: b, scale: 2)
        let w = Weight.adapted(.quantized(q), lora)
        let errors = GradientCheck.excessErrors([x, a, b], h: 1e-2, rtol: 2e-2) { _ in w(x) }
        for (name, e) in zip(["x", "A", "B"], errors) { #expect(e < 2e-3, "d/d\(name): excess error \(e)") }
        // The product equals x (W + s·B·A)ᵀ computed densely.
        let dense = GradMode.withoutGradients { Weight.quantized(q).dequantized() + lora.merged() }
        let y = GradMode.withoutGradients { w(x) }.scalars
        let expected = GradMode.withoutGradients { x.linear(dense, layout: .outIn) }.scalars
        let worst = zip(y, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-4, "adapted product differs from the dense one by \(worst)")
        // Applied in a group (q, k, v at once), the same values.
        let grouped = GradMode.withoutGradients { Weight.apply([w, .quantized(q)], to: x) }
        #expect(grouped[0].scalars == y)
    }

    /// The row order a GGUF file gives the query and key projections (llama.cpp's conversion interleaves each
    /// head's halves for its adjacent-pair rotary embedding): rotating the reordered rows with adjacent pairs gives
    /// the rotation of the original rows with halves, reordered. So an adapter's B rows, reordered on save, act on
    /// the Hugging Face model as they did on the GGUF one.
    @Test func ggufRowOrderMatchesTheRotaryPairing() {
        let heads = 3, d = 8, T = 5
        var rng = RandomGenerator(seed: 3)
        let hf = Tensor.randn([T, heads * d], rng: &rng)
        let table = RoPETable(positions: Array(0..<T), headSize: d, theta: 10000)
        let rotatedHF = hf.rope(table, heads: heads, pairing: .halves).scalars
        let perm = (0..<(heads * d)).map { LoRAAdapter.ggufRow(ofHuggingFaceRow: $0, headSize: d) }
        #expect(Set(perm).count == heads * d)
        var gg = [Float](repeating: 0, count: T * heads * d)
        let h = hf.scalars
        for t in 0..<T { for r in 0..<(heads * d) { gg[t * heads * d + perm[r]] = h[t * heads * d + r] } }
        let rotatedGG = Tensor(gg, shape: [T, heads * d]).rope(table, heads: heads, pairing: .adjacent).scalars
        var worst: Float = 0
        for t in 0..<T { for r in 0..<(heads * d) { worst = max(worst, abs(rotatedGG[t * heads * d + perm[r]] - rotatedHF[t * heads * d + r])) } }
        #expect(worst < 1e-5)
        // And reordering B's rows there and back is the identity.
        let b = (0..<(heads * d * 2)).map { Float($0) }
        let there = LoRAAdapter.reorderRows(b, rows: heads * d, cols: 2, headSize: d, toHuggingFace: true)
        #expect(there != b)
        #expect(LoRAAdapter.reorderRows(there, rows: heads * d, cols: 2, headSize: d, toHuggingFace: false) == b)
    }

    /// Phi-3 keeps q, k, v in one projection and gate, up in another: an adapter adapts each as PEFT's one module
    /// (`qkv_proj`, `gate_up_proj`), whose members share A. Written with one A and the members' B rows stacked,
    /// read back exactly, from the GGUF file and the Hugging Face folder alike; the shared A's gradient is the
    /// loss's derivative (central differences), so training moves it as one.
    @Test(arguments: ["model.f16.gguf", "hf"])
    func phi3AdaptersUsePEFTsFusedModules(file: String) throws {
        let path = ArchitectureFixture.root.appendingPathComponent("phi3/\(file)").path
        guard FileManager.default.fileExists(atPath: path) else { return }
        let model = try #require(try ModelLoader.load(path).model as? Llama)
        #expect(model.config.fusedProjections == true)
        #expect { _ = try LoRAAdapter(model: model, rank: 2, alpha: 4, targets: ["q_proj", "o_proj"], seed: 1) } throws: {
            "\($0)".contains("qkv_proj") && "\($0)".contains("all of them or none")
        }
        let adapter = try LoRAAdapter(model: model, rank: 2, alpha: 4, targets: LoRAAdapter.attentionTargets + LoRAAdapter.mlpTargets, seed: 1)
        let L = model.config.layers, c = model.config
        // Per layer: qkv_proj's A and three parts of B, o_proj's A and B, gate_up_proj's A and two parts, down_proj's A and B.
        #expect(adapter.fused && adapter.parameters.count == L * 11)
        #expect(adapter.parameters[0].0 == "base_model.model.model.layers.0.self_attn.qkv_proj.lora_A.weight")
        #expect(adapter.parameters[1].0 == "base_model.model.model.layers.0.self_attn.qkv_proj.lora_B.weight[q_proj]")
        let q = adapter.modules[.init(layer: 0, target: "q_proj")]!, k = adapter.modules[.init(layer: 0, target: "k_proj")]!
        #expect(q.a === k.a && q.b !== k.b)
        var rng = RandomGenerator(seed: 4)
        for (_, t) in adapter.parameters {
            let r = Tensor.randn(t.shape, rng: &rng)
            t.data.update(from: r.data, count: t.count)
        }
        let ids: [Int32] = [1, 17, 42, 99, 7, 250, 3]
        let tuned = model.adapted(adapter)
        let changed = GradMode.withoutGradients { tuned.forward(ids).scalars }
        #expect(zip(changed, GradMode.withoutGradients { model.forward(ids).scalars }).map { abs($0 - $1) }.max()! > 1e-3)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lora-phi3-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try adapter.save(folder: folder, model: model, baseModel: path)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        #expect(config["target_modules"] as? [String] == ["qkv_proj", "o_proj", "gate_up_proj", "down_proj"])
        let saved = try SafeTensorsFile(path: folder.appendingPathComponent("adapter_model.safetensors").path)
        #expect(saved.tensors.count == L * 8 && saved.tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"] == nil)
        let qkvRows = c.attentionWidth + 2 * c.kvHeads * c.headDim
        #expect(try saved.info("base_model.model.model.layers.1.self_attn.qkv_proj.lora_B.weight").shape == [qkvRows, 2])
        #expect(try saved.info("base_model.model.model.layers.1.mlp.gate_up_proj.lora_B.weight").shape == [2 * c.hiddenDim, 2])
        #expect(try saved.floats("base_model.model.model.layers.0.self_attn.qkv_proj.lora_B.weight")
                == q.b.scalars + k.b.scalars + adapter.modules[.init(layer: 0, target: "v_proj")]!.b.scalars)
        let back = try LoRAAdapter.load(folder: folder, for: model, trainable: true)
        #expect(back.fused && back.targets == adapter.targets)
        #expect(GradMode.withoutGradients { model.adapted(back).forward(ids).scalars } == changed)

        // The shared A's gradient against central differences of the loss.
        let targets = Array(ids.dropFirst()) + [5]
        func loss() -> Float { GradMode.withoutGradients { tuned.forward(ids).crossEntropy(targets: targets).item } }
        for (_, t) in adapter.parameters { t.grad = nil }
        tuned.forward(ids).crossEntropy(targets: targets).backward()
        let grad = try #require(q.a.grad).scalars
        for i in [0, 7, q.a.count - 1] {
            let keep = q.a.data[i], eps: Float = 1e-2
            q.a.data[i] = keep + eps; let up = loss()
            q.a.data[i] = keep - eps; let down = loss()
            q.a.data[i] = keep
            let numeric = (up - down) / (2 * eps)
            #expect(abs(numeric - grad[i]) <= 2e-2 * max(1, abs(numeric)), "A[\(i)]: \(grad[i]) against \(numeric)")
        }
    }

    /// An adapter PEFT made for transformers' Phi-3 (its fused `qkv_proj` and `gate_up_proj`;
    /// scripts/make-peft-fixture.py) gives the logits transformers + PEFT computed, on the Hugging Face folder and on
    /// the GGUF file of the same weights. The adapter moves those logits by up to 23, the tolerance is F16's 2e-3.
    @Test(arguments: ["hf", "model.f16.gguf"])
    func phi3AdapterFromPEFTGivesPEFTsLogits(file: String) throws {
        let dir = ArchitectureFixture.root.appendingPathComponent("phi3")
        let adapter = dir.appendingPathComponent("peft")
        guard FileManager.default.fileExists(atPath: adapter.appendingPathComponent("logits.safetensors").path) else { return }
        let loaded = try ModelLoader.load(dir.appendingPathComponent(file).path, adapter: adapter.path)
        let reference = try SafeTensorsFile(path: adapter.appendingPathComponent("logits.safetensors").path)
        let prompts = try #require(try ArchitectureFixture.reference("phi3")["prompts"] as? [[String: Any]])
        for (k, p) in prompts.enumerated() {
            let ids = try #require(p["ids"] as? [Int]).map(Int32.init)
            let ours = try ArchitectureFixture.allLogits(loaded, ids)
            let peft = try reference.floats("prompt\(k).peft"), base = try reference.floats("prompt\(k).base")
            let d = ArchitectureFixture.maxAbsDiff(ours, peft)
            print("phi3 \(file) + PEFT adapter, prompt \(k): logits vs transformers + PEFT \(d)")
            #expect(d < 2e-3, "\(file) prompt \(k): adapted logits differ from PEFT's by \(d)")
            #expect(ArchitectureFixture.maxAbsDiff(peft, base) > 1, "the adapter changes the logits")
        }
    }

    /// An adapter on the bundled model: starts as the base (B = 0); with random B it changes the logits; written in
    /// PEFT's layout and read back it gives the same logits; a wrong shape or setting is refused with the reason.
    @Test func adapterFilesRoundTrip() throws {
        let path = ModelLoader.bundledModelPath
        guard FileManager.default.fileExists(atPath: path) else { return }
        let model = try Llama(gguf: GGUFFile(path: path))
        let adapter = try LoRAAdapter(model: model, rank: 4, alpha: 8, targets: ["q_proj", "v_proj", "down_proj"], seed: 1)
        #expect(adapter.parameters.count == model.config.layers * 3 * 2)
        #expect(adapter.parameters[0].0 == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
        #expect(adapter.parameters.contains { $0.0 == "base_model.model.model.layers.29.mlp.down_proj.lora_B.weight" })
        let ids: [Int32] = [1, 504, 3458, 314, 1345, 28, 253]
        let base = GradMode.withoutGradients { model.forward(ids).scalars }
        let tuned = model.adapted(adapter)
        #expect(GradMode.withoutGradients { tuned.forward(ids).scalars } == base)
        var rng = RandomGenerator(seed: 9)
        for (_, t) in adapter.parameters where t.shape[1] == 4 {
            let r = Tensor.randn(t.shape, rng: &rng)
            t.data.update(from: r.data, count: t.count)
        }
        let changed = GradMode.withoutGradients { tuned.forward(ids).scalars }
        #expect(zip(changed, base).map { abs($0 - $1) }.max()! > 1e-2)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try adapter.save(folder: folder, model: model, baseModel: path)
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("adapter_model.safetensors").path)
        #expect(file.tensors.count == adapter.parameters.count)
        #expect(try file.info("base_model.model.model.layers.3.self_attn.q_proj.lora_B.weight").shape == [576, 4])
        #expect(try file.info("base_model.model.model.layers.3.mlp.down_proj.lora_A.weight").shape == [4, 1536])
        // B of the query projection is stored in Hugging Face's row order.
        let stored = try file.floats("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")
        let inMemory = adapter.modules[.init(layer: 0, target: "q_proj")]!.b.scalars
        let d = model.config.headDim
        #expect(stored[0..<4] == inMemory[0..<4])                                   // HF row 0 = GGUF row 0
        let r1 = LoRAAdapter.ggufRow(ofHuggingFaceRow: 1, headSize: d)
        #expect(r1 == 2 && Array(stored[4..<8]) == Array(inMemory[(r1 * 4)..<(r1 * 4 + 4)]))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        #expect(config["peft_type"] as? String == "LORA" && config["r"] as? Int == 4)
        #expect(config["target_modules"] as? [String] == ["q_proj", "v_proj", "down_proj"])

        let back = try LoRAAdapter.load(folder: folder, for: model)
        #expect(GradMode.withoutGradients { model.adapted(back).forward(ids).scalars } == changed)
        // Through the loader, as --adapter and as a model folder of its own.
        let loaded = try ModelLoader.load(path, adapter: folder.path)
        #expect(loaded.adapter == folder.path)
        #expect(GradMode.withoutGradients { (loaded.model as! Llama).forward(ids).scalars } == changed)
        #expect(GradMode.withoutGradients { try! (ModelLoader.load(folder.path).model as! Llama).forward(ids).scalars } == changed)

        // Hostile or mismatched adapters: errors that name the file and the problem.
        func refused(_ edit: (inout [String: Any]) -> Void, _ needle: String) throws {
            var c = config
            edit(&c)
            try JSONSerialization.data(withJSONObject: c).write(to: folder.appendingPathComponent("adapter_config.json"))
            #expect {
                _ = try LoRAAdapter.load(folder: folder, for: model)
            } throws: { "\($0)".contains(needle) }
        }
        try refused({ $0["r"] = 8 }, "shape [4, 576], expected [8, 576] for rank 8")
        try refused({ $0["target_modules"] = ["q_proj", "k_proj"] }, "k_proj.lora_A.weight")
        try refused({ $0["target_modules"] = ["embed"] }, "'embed' is not one of")
        try refused({ $0["peft_type"] = "IA3" }, "only LORA")
        try refused({ $0["use_dora"] = true }, "use_dora")
        try refused({ $0["lora_alpha"] = -1 }, "lora_alpha")
        try refused({ $0["layers_to_transform"] = [40] }, "layer 40")
    }
}
