import TensorCore

/// y = x W + b. `layout` says how the weight is stored: `.inOut` for GPT-2's Conv1D ([in, out]), `.outIn` for
/// nn.Linear ([out, in]).
public final class Linear: Module {
    public let weight: Tensor   // "weight"
    public let bias: Tensor?    // "bias"
    public let layout: WeightLayout

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, layout: WeightLayout = .outIn,
                std: Float = 0.02, rng: inout RandomGenerator) {
        let shape = layout == .inOut ? [inFeatures, outFeatures] : [outFeatures, inFeatures]
        weight = parameter(Tensor.randn(shape, std: std, rng: &rng))
        self.bias = bias ? parameter(Tensor.zeros([outFeatures])) : nil
        self.layout = layout
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight, bias: bias, layout: layout) }

    public func namedParameters() -> [(String, Tensor)] {
        var p = [("weight", weight)]
        if let bias { p.append(("bias", bias)) }
        return p
    }
}

/// A lookup table [count, dim].
public final class Embedding: Module {
    public let weight: Tensor   // "weight"

    public init(_ count: Int, _ dim: Int, std: Float = 0.02, rng: inout RandomGenerator) {
        weight = parameter(Tensor.randn([count, dim], std: std, rng: &rng))
    }

    public func callAsFunction(_ ids: TokenIDs, shape: [Int]? = nil) -> Tensor { weight.embedding(ids, shape: shape) }

    public func namedParameters() -> [(String, Tensor)] { [("weight", weight)] }
}

/// LayerNorm over the last axis (biased variance), weight 1 and bias 0 at start.
public final class LayerNorm: Module {
    public let weight: Tensor   // "weight"
    public let bias: Tensor     // "bias"
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = parameter(Tensor.full([dim], 1))
        bias = parameter(Tensor.zeros([dim]))
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }

    public func namedParameters() -> [(String, Tensor)] { [("weight", weight), ("bias", bias)] }
}

/// RMSNorm over the last axis: x / rms(x) * weight.
public final class RMSNorm: Module {
    public let weight: Tensor   // "weight"
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = parameter(Tensor.full([dim], 1))
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.rmsNorm(weight: weight, eps: eps) }

    public func namedParameters() -> [(String, Tensor)] { [("weight", weight)] }
}
