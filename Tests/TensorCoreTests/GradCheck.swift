import Testing
@testable import TensorCore

/// Compares autodiff gradients with central finite differences (`GradientCheck.excessErrors`): h = 1e-2 on inputs
/// of order 1; tolerance |analytic - numeric| <= atol + rtol |numeric|.
func gradCheck(_ inputs: [Tensor], h: Float = 1e-2, atol: Double = 3e-3, rtol: Double = 2e-2,
               sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor) {
    for (k, worst) in GradientCheck.excessErrors(inputs, h: h, rtol: rtol, f).enumerated() {
        #expect(worst <= atol, "input \(k) shape \(inputs[k].shape): worst excess error \(worst)", sourceLocation: sourceLocation)
    }
}

func rand(_ shape: [Int], seed: UInt64, std: Float = 1, mean: Float = 0) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: std, mean: mean, rng: &rng)
}
