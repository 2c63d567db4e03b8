import Foundation
import Testing
import TensorCore
@testable import NeuralNet

/// The recurrent and attention layers of the classic models against PyTorch (Tests/TensorCoreTests/Fixtures/
/// classics, made by scripts/make-classic-fixtures.py: FORMAT.md there), and their gradients against finite
/// differences.
@Suite("LSTM and attention against PyTorch")
struct ClassicFixtureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TensorCoreTests/Fixtures/classics")

    /// A fixture file: each field as (shape, values) or a number.
    struct Fixture {
        let json: [String: Any]
        init(_ name: String) throws {
            json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: ClassicFixtureTests.folder.appendingPathComponent(name))) as? [String: Any])
        }
        func tensor(_ key: String) -> Tensor {
            var shape: [Int] = [], values: [Float] = []
            func walk(_ v: Any, _ depth: Int) {
                if let a = v as? [Any] {
                    if shape.count == depth { shape.append(a.count) }
                    for x in a { walk(x, depth + 1) }
                } else if let n = v as? NSNumber { values.append(n.floatValue) }
            }
            walk(json[key]!, 0)
            return Tensor(values, shape: shape)
        }
        func int(_ key: String) -> Int { (json[key] as? NSNumber)?.intValue ?? -1 }
        func ints(_ key: String) -> [Int] { (json[key] as? [NSNumber])?.map(\.intValue) ?? [] }
    }

    func close(_ a: Tensor, _ b: Tensor, _ what: String, atol: Float = 1e-4, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.shape == b.shape, "\(what): shape \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
        let worst = zip(a.scalars, b.scalars).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        #expect(worst <= atol, "\(what): worst difference \(worst)", sourceLocation: sourceLocation)
    }

    /// A key-padding mask (B, T): 0 for t < lengths[b], −∞ after.
    func mask(_ lengths: [Int], _ T: Int) -> Tensor {
        Tensor(lengths.flatMap { n in (0..<T).map { $0 < n ? Float(0) : -.infinity } }, shape: [lengths.count, T])
    }

    @Test func lstmMatchesTorch() throws {
        let f = try Fixture("lstm.json")
        let I = f.int("input_size"), H = f.int("hidden_size"), B = f.int("batch"), T = f.int("steps")
        var rng = RandomGenerator(seed: 1)
        let cell = LSTMCell(inputSize: I, hiddenSize: H, rng: &rng)
        for (name, p) in cell.namedParameters() { p.copyValues(from: f.tensor(name)) }
        let x = f.tensor("x"), h0 = f.tensor("h0"), c0 = f.tensor("c0")
        for t in [x, h0, c0] { t.requiresGrad = true }
        var h = h0, c = c0, outputs: [Tensor] = []
        for t in 0..<T {
            (h, c) = cell(x.narrow(start: t, length: 1).reshaped([B, I]), h: h, c: c)
            outputs.append(h)
        }
        let all = Tensor.stack(outputs)
        close(all, f.tensor("outputs"), "outputs")
        close(h, f.tensor("h_n"), "h_n"); close(c, f.tensor("c_n"), "c_n")
        let loss = (all * f.tensor("R")).sum() + (c * f.tensor("S")).sum()
        #expect(abs(loss.item - f.tensor("loss").item) < 1e-4)
        loss.backward()
        close(x.grad!, f.tensor("grad_x"), "grad_x"); close(h0.grad!, f.tensor("grad_h0"), "grad_h0"); close(c0.grad!, f.tensor("grad_c0"), "grad_c0")
        for (name, p) in cell.namedParameters() { close(p.grad!, f.tensor("grad_" + name), "grad_" + name) }
    }

    @Test func additiveAttentionMatchesTorch() throws {
        let f = try Fixture("additive_attention.json")
        var rng = RandomGenerator(seed: 2)
        let s = f.tensor("s"), h = f.tensor("h")
        let attn = AdditiveAttention(stateSize: s.shape[1], encoderSize: h.shape[2], attentionSize: f.int("attention_size"), rng: &rng)
        for (name, p) in attn.namedParameters() { p.copyValues(from: f.tensor(name)) }
        s.requiresGrad = true; h.requiresGrad = true
        let (w, context) = attn(s, encoder: h, keys: attn.keys(h), mask: mask(f.ints("lengths"), h.shape[1]))
        close(w, f.tensor("weights"), "weights"); close(context, f.tensor("context"), "context")
        #expect(w.scalars[7...9].allSatisfy { $0 == 0 }, "masked positions get exactly zero")
        (context * f.tensor("R")).sum().backward()
        close(s.grad!, f.tensor("grad_s"), "grad_s"); close(h.grad!, f.tensor("grad_h"), "grad_h")
        for (name, p) in attn.namedParameters() { close(p.grad!, f.tensor("grad_" + name), "grad_" + name) }
    }

    @Test func bilinearAttentionMatchesTorch() throws {
        let f = try Fixture("dot_attention.json")
        var rng = RandomGenerator(seed: 3)
        let s = f.tensor("s"), h = f.tensor("h")
        let attn = BilinearAttention(stateSize: s.shape[1], encoderSize: h.shape[2], rng: &rng)
        attn.w.copyValues(from: f.tensor("w"))
        s.requiresGrad = true; h.requiresGrad = true
        let (w, context) = attn(s, encoder: h, keys: attn.keys(h), mask: mask(f.ints("lengths"), h.shape[1]))
        close(w, f.tensor("weights"), "weights"); close(context, f.tensor("context"), "context")
        (context * f.tensor("R")).sum().backward()
        close(s.grad!, f.tensor("grad_s"), "grad_s"); close(h.grad!, f.tensor("grad_h"), "grad_h")
        close(attn.w.grad!, f.tensor("grad_w"), "grad_w")
    }

    /// A T5-style pre-norm cross-attention block: y = x + o(attention(RMSNorm(x) W_q, enc W_k, enc W_v)) with the
    /// encoder's padding masked.
    @Test func crossAttentionMatchesTorch() throws {
        let f = try Fixture("cross_attention.json")
        var rng = RandomGenerator(seed: 4)
        let D = f.int("dim"), H = f.int("heads"), Tk = f.int("tk")
        let attn = MultiHeadAttention(dim: D, heads: H, rng: &rng)
        let norm = RMSNorm(D, eps: 1e-6)
        for (name, key) in [("q", "wq"), ("k", "wk"), ("v", "wv"), ("o", "wo")] {
            attn.namedParameters().first { $0.0 == name + ".weight" }!.1.copyValues(from: f.tensor(key))
        }
        norm.weight.copyValues(from: f.tensor("norm_weight"))
        let x = f.tensor("x"), enc = f.tensor("enc")
        x.requiresGrad = true; enc.requiresGrad = true
        let hooks = Hooks(cache: { _ in true })
        let y = x + attn(norm(x), context: enc, mask: AttentionMask.padding(f.ints("enc_lengths"), Tk), hooks: hooks, name: "cross")
        close(y, f.tensor("y"), "y")
        close(try #require(hooks.cache["cross.hook_pattern"]), f.tensor("attention"), "attention")
        (y * f.tensor("R")).sum().backward()
        close(x.grad!, f.tensor("grad_x"), "grad_x"); close(enc.grad!, f.tensor("grad_enc"), "grad_enc")
        close(norm.weight.grad!, f.tensor("grad_norm_weight"), "grad_norm_weight")
        for (name, key) in [("q", "wq"), ("k", "wk"), ("v", "wv"), ("o", "wo")] {
            close(attn.namedParameters().first { $0.0 == name + ".weight" }!.1.grad!, f.tensor("grad_" + key), "grad_" + key)
        }
    }

    /// Finite differences: the LSTM cell (its two pointwise ops and the products around them) and both
    /// attentions with a padding mask, every input and weight.
    @Test func gradientsMatchFiniteDifferences() {
        var rng = RandomGenerator(seed: 7)
        let B = 2, I = 3, H = 4, T = 5
        let cell = LSTMCell(inputSize: I, hiddenSize: H, rng: &rng)
        let x = Tensor.randn([B, I], std: 0.7, rng: &rng), h = Tensor.randn([B, H], std: 0.5, rng: &rng), c = Tensor.randn([B, H], rng: &rng)
        let cellInputs = [x, h, c] + cell.namedParameters().map(\.1)
        for (k, e) in GradientCheck.excessErrors(cellInputs, { _ in
            let (h2, c2) = cell(x, h: h, c: c)
            return Tensor.stack([h2, c2])
        }).enumerated() { #expect(e <= 3e-3, "LSTM input \(k): \(e)") }
        let s = Tensor.randn([B, H], rng: &rng), enc = Tensor.randn([B, T, 6], std: 0.7, rng: &rng)
        let m = mask([T, 3], T)
        let add = AdditiveAttention(stateSize: H, encoderSize: 6, attentionSize: 7, rng: &rng)
        for (k, e) in GradientCheck.excessErrors([s, enc] + add.namedParameters().map(\.1), { _ in
            let (w, ctx) = add(s, encoder: enc, keys: add.keys(enc), mask: m)
            return Tensor.stack([w.reshaped([B * T]), ctx.reshaped([B * 6]).narrow(start: 0, length: B * T)])
        }).enumerated() { #expect(e <= 3e-3, "additive attention input \(k): \(e)") }
        let mha = MultiHeadAttention(dim: 6, heads: 2, rng: &rng)
        let dec = Tensor.randn([B, 3, 6], std: 0.7, rng: &rng)
        for (k, e) in GradientCheck.excessErrors([dec, enc] + mha.namedParameters().map(\.1), { _ in
            mha(dec, context: enc, mask: AttentionMask.padding([T, 3], T))
        }).enumerated() { #expect(e <= 3e-3, "cross-attention input \(k): \(e)") }
        for (k, e) in GradientCheck.excessErrors([dec] + mha.namedParameters().map(\.1), { _ in
            mha(dec, context: dec, mask: AttentionMask.causal([3, 2], 3))
        }).enumerated() { #expect(e <= 3e-3, "causal self-attention input \(k): \(e)") }
        let bil = BilinearAttention(stateSize: H, encoderSize: 6, rng: &rng)
        for (k, e) in GradientCheck.excessErrors([s, enc, bil.w], { _ in
            bil(s, encoder: enc, keys: bil.keys(enc), mask: m).context
        }).enumerated() { #expect(e <= 3e-3, "bilinear attention input \(k): \(e)") }
    }
}
