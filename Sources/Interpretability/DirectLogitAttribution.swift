import Foundation
import Models
import NeuralNet
import TensorCore

/// Direct logit attribution: how much each component's output, read straight through the final norm and the
/// unembedding, adds to one token's logit at the last position.
///
/// The residual stream at the end is x = embed + Σ_L (attn_out_L + mlp_out_L), and attn_out_L = Σ_h W_O,h z_h.
/// RMSNorm is linear once its scale 1/rms(x) is frozen at the final residual's value, so
/// logit(t) = Σ_components (c / rms(x)) · (g ⊙ W_U[t]): the contributions add up to the logit exactly.
package struct DirectLogitAttribution: Sendable {
    package let targetID: Int32
    /// With a contrast token every number reads logit(target) − logit(contrast) instead of the target's logit.
    package var contrastID: Int32?
    /// The target's logit (= embedding + Σ attention + Σ MLP + bias, up to float rounding).
    package let logit: Float
    /// The residual stream entering block 0 (token plus positional embeddings).
    package let embedding: Float
    /// The final norm's bias read out (LayerNorm; 0 for RMSNorm).
    package let bias: Float
    /// Per layer: the attention block's and the MLP's contributions.
    package let attention: [Float]
    package let mlp: [Float]
    /// [layer][head]: each head's share of its layer's attention contribution (without the output projection's
    /// bias, where the model has one: GPT-2's heads add up to its attention entry minus that bias's share).
    package let heads: [[Float]]

    /// Hook points the analysis reads.
    package static func hookNames(layers: Int) -> Set<String> {
        var s: Set<String> = ["blocks.0.hook_resid_pre"]
        for l in 0..<layers {
            s.formUnion(["blocks.\(l).hook_attn_out", "blocks.\(l).hook_mlp_out", "blocks.\(l).attn.hook_z"])
        }
        return s
    }

    /// From a cache holding `hookNames(layers:)` (one sequence), at the last position.
    package init(model: any InspectableModel, cache: [String: Tensor], target: Int32, contrast: Int32? = nil) throws {
        let c = model.shape, D = c.dim, H = c.heads, hs = c.headDim
        // Every hook point is looked up first, so a missing one is an error before any work.
        for name in Self.hookNames(layers: c.layers) { _ = try hook(cache, name) }
        func lastRow(_ name: String) -> [Float] {
            guard let t = cache[name]?.contiguous() else { return [] }
            let w = t.shape[t.rank - 1], T = t.count / w
            return Array(UnsafeBufferPointer(start: t.data + (T - 1) * w, count: w))
        }
        let embed = lastRow("blocks.0.hook_resid_pre")
        let attnOut = (0..<c.layers).map { lastRow("blocks.\($0).hook_attn_out") }
        let mlpOut = (0..<c.layers).map { lastRow("blocks.\($0).hook_mlp_out") }
        var x = embed
        for l in 0..<c.layers { for d in 0..<D { x[d] += attnOut[l][d] + mlpOut[l][d] } }
        let readout = model.logitReadout(target: target, finalResidual: x)
        let other = contrast.map { model.logitReadout(target: $0, finalResidual: x) }
        func read(_ v: [Float]) -> Float { Float(readout.read(v) - (other?.read(v) ?? 0)) }
        targetID = target
        contrastID = contrast
        embedding = read(embed)
        bias = Float(readout.constant - (other?.constant ?? 0))
        attention = attnOut.map(read)
        mlp = mlpOut.map(read)
        heads = GradMode.withoutGradients {
            (0..<c.layers).map { l in
                let z = lastRow("blocks.\(l).attn.hook_z")
                let masked = Tensor.zeros([H, H * hs])
                for h in 0..<H { for i in 0..<hs { masked.data[h * H * hs + h * hs + i] = z[h * hs + i] } }
                let perHead = model.headOutputs(layer: l, z: masked).contiguous()
                return (0..<H).map { h in read(Array(UnsafeBufferPointer(start: perHead.data + h * D, count: D))) }
            }
        }
        logit = embedding + bias + attention.reduce(0, +) + mlp.reduce(0, +)
    }
}

/// MLP neurons: the hidden activations (`blocks.{L}.mlp.hook_post`) per layer and position.
package struct NeuronActivations: Sendable {
    package struct Neuron: Sendable {
        package let index: Int
        package let activation: Float
    }
    /// [layer][position]: the k neurons with the largest |activation|, largest first.
    package let top: [[[Neuron]]]
    /// [layer][position]: the largest |activation| (for heatmaps).
    package let peak: [[Float]]
    package let layers: [Int]

    package static func hookNames(layers: [Int]) -> Set<String> { Set(layers.map { "blocks.\($0).mlp.hook_post" }) }

    package init(cache: [String: Tensor], layers: [Int], k: Int) throws {
        var top: [[[Neuron]]] = [], peak: [[Float]] = []
        for l in layers {
            let a = try hook(cache, "blocks.\(l).mlp.hook_post").contiguous()
            let F = a.shape[a.rank - 1], T = a.count / F
            var lt: [[Neuron]] = [], lp: [Float] = []
            for t in 0..<T {
                let row = UnsafeBufferPointer(start: a.data + t * F, count: F)
                let mags = row.map { abs($0) }
                let idx = mags.withUnsafeBufferPointer { topKIndices($0, k) }
                lt.append(idx.map { Neuron(index: $0, activation: row[$0]) })
                lp.append(idx.first.map { mags[$0] } ?? 0)
            }
            top.append(lt); peak.append(lp)
        }
        self.top = top; self.peak = peak; self.layers = layers
    }

    /// One neuron's activation at every position.
    package static func trace(cache: [String: Tensor], layer: Int, neuron: Int) -> [Float]? {
        guard let a = cache["blocks.\(layer).mlp.hook_post"]?.contiguous() else { return nil }
        let F = a.shape[a.rank - 1], T = a.count / F
        guard (0..<F).contains(neuron) else { return nil }
        return (0..<T).map { a.data[$0 * F + neuron] }
    }
}
