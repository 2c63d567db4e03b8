import TensorCore

/// y = x W + b. `layout` says how the weight is stored: `.inOut` for GPT-2's Conv1D ([in, out]), `.outIn` for
/// nn.Linear ([out, in]).
package final class Linear: Module {
    package let weight: Tensor   // "weight"
    package let bias: Tensor?    // "bias"
    package let layout: WeightLayout

    package init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, layout: WeightLayout = .outIn,
                std: Float = 0.02, rng: inout RandomGenerator) {
        let shape = layout == .inOut ? [inFeatures, outFeatures] : [outFeatures, inFeatures]
        weight = parameter(Tensor.randn(shape, std: std, rng: &rng))
        self.bias = bias ? parameter(Tensor.zeros([outFeatures])) : nil
        self.layout = layout
    }

    package func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight, bias: bias, layout: layout) }

    package func namedParameters() -> [(String, Tensor)] {
        var p = [("weight", weight)]
        if let bias { p.append(("bias", bias)) }
        return p
    }
}

/// A lookup table [count, dim].
package final class Embedding: Module {
    package let weight: Tensor   // "weight"

    package init(_ count: Int, _ dim: Int, std: Float = 0.02, rng: inout RandomGenerator) {
        weight = parameter(Tensor.randn([count, dim], std: std, rng: &rng))
    }

    package func callAsFunction(_ ids: TokenIDs, shape: [Int]? = nil) -> Tensor { weight.embedding(ids, shape: shape) }

    package func namedParameters() -> [(String, Tensor)] { [("weight", weight)] }
}

/// LayerNorm over the last axis (biased variance), weight 1 and bias 0 at start.
package final class LayerNorm: Module {
    package let weight: Tensor   // "weight"
    package let bias: Tensor     // "bias"
    package let eps: Float

    package init(_ dim: Int, eps: Float = 1e-5) {
        weight = parameter(Tensor.full([dim], 1))
        bias = parameter(Tensor.zeros([dim]))
        self.eps = eps
    }

    package func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }

    package func namedParameters() -> [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
}

/// RMSNorm over the last axis: x / rms(x) * weight.
package final class RMSNorm: Module {
    package let weight: Tensor   // "weight"
    package let eps: Float

    package init(_ dim: Int, eps: Float = 1e-5) {
        weight = parameter(Tensor.full([dim], 1))
        self.eps = eps
    }

    package func callAsFunction(_ x: Tensor) -> Tensor { x.rmsNorm(weight: weight, eps: eps) }

    package func namedParameters() -> [(String, Tensor)] { [("weight", weight)] }
}
