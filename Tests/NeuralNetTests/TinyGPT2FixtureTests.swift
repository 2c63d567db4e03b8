import Foundation
import Testing
import ModelFormats
import Models
import NeuralNet
import TensorCore

/// ../shared/fixtures/tiny_gpt2 (copied to Fixtures/): Hugging Face GPT2LMHeadModel, float32 reference.
/// Tolerances (FORMAT.md's suggestions): logits and loss 1e-5, attention 1e-6, gradients atol 1e-6 + rtol 1e-4,
/// parameters after 1 AdamW step 1e-5, after 10 steps 3e-5.
@Suite("tiny_gpt2 fixture")
struct TinyGPT2FixtureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tiny_gpt2")

    func fixture(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: Self.folder.appendingPathComponent(name).path)
    }

    func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
    }

    /// The model, the batch and the loss at the initial parameters, with gradients computed.
    func forwardBackward(_ model: GPT, ids: [Int32]) -> (logits: Tensor, loss: Tensor, attention: [Int: Tensor]) {
        var attention: [Int: Tensor] = [:]
        model.zeroGrad()
        let logits = model.forward(ids, batch: 2, time: 16) { attention[$0] = $1 }
        // HF shifts labels inside: position t predicts ids[t + 1]; the last position of each row is ignored.
        var targets = [Int32](repeating: -1, count: 32)
        for b in 0..<2 { for t in 0..<15 { targets[b * 16 + t] = ids[b * 16 + t + 1] } }
        let loss = model.loss(logits: logits, targets: targets)
        loss.backward()
        return (logits, loss, attention)
    }

    @Test func forwardLossAttentionAndGradients() throws {
        let model = try GPT.load(folder: Self.folder)
        let out = try fixture("outputs.safetensors")
        let ids = try out.ints("input_ids")
        let (logits, loss, attention) = forwardBackward(model, ids: ids)

        #expect(logits.shape == [2, 16, 97])
        let dLogits = maxAbsDiff(logits.scalars, try out.floats("logits"))
        #expect(dLogits < 1e-5, "logits max abs diff \(dLogits)")
        let dLoss = abs(loss.item - (try out.floats("loss"))[0])
        #expect(dLoss < 1e-5, "loss diff \(dLoss)")
        for layer in 0..<2 {
            let d = maxAbsDiff(attention[layer]!.scalars, try out.floats("attn_layer\(layer)"))
            #expect(d < 1e-6, "attention layer \(layer) max abs diff \(d)")
        }

        let grads = try fixture("grads.safetensors")
        #expect(Set(grads.names) == Set(model.namedParameters().map(\.0)))
        for (name, p) in model.namedParameters() {
            let ours = p.grad?.scalars ?? [Float](repeating: 0, count: p.count)
            let ref = try grads.floats(name)
            let worst = zip(ours, ref).map { abs($0 - $1) - 1e-4 * abs($1) }.max() ?? 0
            #expect(worst < 1e-6, "gradient of \(name): worst excess \(worst)")
        }
    }

    @Test func adamWAfterOneAndTenSteps() throws {
        let model = try GPT.load(folder: Self.folder)
        let out = try fixture("outputs.safetensors")
        let ids = try out.ints("input_ids")
        let referenceLosses = try out.floats("losses_before_step")
        let opt = Adam.adamW(model.namedParameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01)
        for step in 1...10 {
            let (_, loss, _) = forwardBackward(model, ids: ids)
            #expect(abs(loss.item - referenceLosses[step - 1]) < 2e-5, "loss before step \(step)")
            opt.step()
            if step == 1 || step == 10 {
                let ref = try fixture("after_\(step).safetensors")
                let tol: Float = step == 1 ? 1e-5 : 3e-5
                for (name, p) in model.namedParameters() {
                    let d = maxAbsDiff(p.scalars, try ref.floats(name))
                    #expect(d < tol, "\(name) after \(step) steps: max abs diff \(d)")
                }
            }
        }
        let final = GradMode.withoutGradients {
            var targets = [Int32](repeating: -1, count: 32)
            for b in 0..<2 { for t in 0..<15 { targets[b * 16 + t] = ids[b * 16 + t + 1] } }
            return model.loss(logits: model.forward(ids, batch: 2, time: 16), targets: targets)
        }
        #expect(abs(final.item - (try out.floats("loss_after_10"))[0]) < 3e-5)
    }

    @Test func saveAndReloadRoundTrips() throws {
        let model = try GPT.load(folder: Self.folder)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-rt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.save(folder: dir)
        let again = try GPT.load(folder: dir)
        for ((n1, a), (n2, b)) in zip(model.namedParameters(), again.namedParameters()) {
            #expect(n1 == n2 && a.scalars == b.scalars)
        }
        // The tied head is stored once, under Hugging Face names.
        let file = try SafeTensorsFile(path: dir.appendingPathComponent("model.safetensors").path)
        #expect(file.tensors["lm_head.weight"] == nil)
        #expect(file.tensors["transformer.h.1.attn.c_attn.weight"]?.shape == [48, 144])
    }
}

@Suite("GPT-2 config.json is checked before use")
struct GPTConfigValidationTests {
    /// tiny_gpt2's config.json with one field changed: each gives a one-line error naming config.json and the
    /// problem, before a model is allocated from its numbers.
    @Test func nonsenseConfigsAreRefused() throws {
        let source = TinyGPT2FixtureTests.folder
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        let cases: [(String, Any, String)] = [
            ("n_layer", 1 << 40, "layer count"),
            ("n_layer", 1000, "model.safetensors holds"),
            ("vocab_size", 1 << 30, "vocabulary size"),
            ("vocab_size", 0, "positive sizes"),
            ("n_embd", 1 << 20, "width"),
            ("n_head", 5, "not divisible"),
            ("n_positions", 1 << 40, "context length"),
            ("layer_norm_epsilon", -1e-5, "layer_norm_epsilon"),
            ("layer_norm_epsilon", "tiny", "layer_norm_epsilon"),
            ("activation_function", "relu", "activation_function"),
            ("model_type", "bert", "bert"),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: dir.appendingPathComponent("model.safetensors"))
        for (key, value, expected) in cases {
            var j = base
            j[key] = value
            try JSONSerialization.data(withJSONObject: j).write(to: dir.appendingPathComponent("config.json"))
            var message = ""
            do { _ = try GPT.load(folder: dir) } catch { message = "\(error)" }
            #expect(message.contains(expected) && message.contains("config.json") && !message.contains("\n"),
                    "\(key) = \(value): '\(message)'")
        }
        // The unchanged config still loads, and the size estimate matches the built model.
        try JSONSerialization.data(withJSONObject: base).write(to: dir.appendingPathComponent("config.json"))
        let model = try GPT.load(folder: dir)
        #expect(model.config.expectedParameterCount == model.parameterCount)
    }
}
