import Foundation
import Testing
import Models
import NeuralNet
import TensorCore
@testable import Interpretability

/// The same analyses on GPT-2 (LayerNorm, learned positions, Conv1D layout): a small random model.
@Suite("Inspecting GPT-2")
struct GPTInspectionTests {
    let gpt = GPT(GPTConfig(vocabSize: 50, blockSize: 16, nLayer: 3, nHead: 4, nEmbd: 32), seed: 7)
    let ids: [Int32] = [3, 17, 42, 8, 8, 23, 5, 11]

    @Test func hookedForwardEqualsThePlainOne() {
        let plain = GradMode.withoutGradients { gpt.forward(ids, batch: 1, time: ids.count) }.scalars
        let hooks = Hooks(cache: { _ in true })
        let hooked = GradMode.withoutGradients { gpt.run(ids, hooks: hooks) }
        #expect(hooked.shape == [8, 50] && hooked.scalars == plain)
        for name in ["hook_embed", "hook_pos_embed", "blocks.0.hook_resid_pre", "blocks.2.attn.hook_pattern", "blocks.1.attn.hook_z",
                     "blocks.1.mlp.hook_post", "blocks.2.hook_resid_post", "ln_final.hook_normalized", "logits"] {
            #expect(hooks.cache[name] != nil, "\(name)")
        }
        #expect(hooks.cache["blocks.1.mlp.hook_post"]!.shape == [8, 128])
        // resid_post of the last block through ln_f and the tied head gives the logits (the logit lens' last row).
        let lens = GradMode.withoutGradients { gpt.unembed(hooks.cache["blocks.2.hook_resid_post"]!) }.scalars
        #expect(zip(lens, plain).map { abs($0 - $1) }.max()! < 1e-5)
    }

    @Test func replacingAHeadChangesTheOutput() {
        let plain = GradMode.withoutGradients { gpt.run(ids, logits: .last) }.scalars
        let ablate = Hooks(replacements: ["blocks.1.attn.hook_z": { z in
            let y = z.contiguous().detach()
            let out = Tensor(uninitialized: y.shape)
            out.copyValues(from: y)
            for t in 0..<8 { for i in 0..<8 { out.data[t * 32 + 8 + i] = 0 } }   // head 1
            return out
        }])
        let ablated = GradMode.withoutGradients { gpt.run(ids, logits: .last, hooks: ablate) }.scalars
        #expect(zip(plain, ablated).map { abs($0 - $1) }.max()! > 1e-4)
    }

    @Test func directLogitAttributionAddsUp() throws {
        let hooks = Hooks(cache: { DirectLogitAttribution.hookNames(layers: 3).contains($0) })
        let logits = GradMode.withoutGradients { gpt.run(ids, hooks: hooks) }
        let target: Int32 = 9
        let dla = try DirectLogitAttribution(model: gpt, cache: hooks.cache, target: target)
        #expect(abs(dla.logit - logits.data[7 * 50 + 9]) < 1e-4, "\(dla.logit) vs \(logits.data[7 * 50 + 9])")
        #expect(dla.heads.count == 3 && dla.heads[0].count == 4)
    }

    @Test func integratedGradientsConvergeAndLeaveTheWeightsAlone() {
        let a = Attributor(model: gpt).attribute(ids, target: 9, baseline: .zero, steps: 64, rule: .gaussLegendre)
        #expect(abs(a.relativeGap) < 0.01, "gap \(a.relativeGap)")
        let d = Attributor(model: gpt).attribute(ids, target: 9)
        #expect(abs(d.relativeGap) < 0.05, "default gap \(d.relativeGap)")
        #expect(gpt.parameters.allSatisfy { $0.grad == nil && $0.requiresGrad })
    }

    @Test func patchingSanity() throws {
        let corrupted: [Int32] = [3, 17, 40, 8, 8, 23, 5, 11]
        let r = try Patcher(model: gpt).run(clean: ids, corrupted: corrupted, answer: 9, wrong: 10)
        // At layer 0 the residual stream is the embeddings: the changed position restores everything, the others nothing.
        #expect(abs(r.residual[0][2] - 1) < 1e-3)
        for p in [0, 1, 3, 4, 5, 6, 7] { #expect(abs(r.residual[0][p]) < 1e-3) }
        #expect(r.heads.count == 3 && r.heads[0].count == 4)
    }
}
