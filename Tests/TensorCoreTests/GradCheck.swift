import Testing
@testable import TensorCore

/// Compares autodiff gradients with central finite differences.
///
/// The checked scalar is L = Σ w ⊙ f(inputs) with fixed random weights w, accumulated in Float64 so that the
/// finite difference (L(x+h) - L(x-h)) / 2h is limited by the float32 forward only. h = 1e-2 on inputs of
/// order 1; tolerance |analytic - numeric| <= atol + rtol |numeric|.
func gradCheck(_ inputs: [Tensor], h: Float = 1e-2, atol: Double = 3e-3, rtol: Double = 2e-2,
               sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) -> Tensor) {
    for t in inputs { t.requiresGrad = true; t.grad = nil }
    let probe = GradMode.withoutGradients { f(inputs) }
    var rng = RandomGenerator(seed: 99)
    let weights = Tensor.randn(probe.shape, rng: &rng)
    func loss() -> Double {
        let out = GradMode.withoutGradients { f(inputs) }.scalars
        let w = weights.scalars
        var s = 0.0
        for i in 0..<out.count { s += Double(out[i]) * Double(w[i]) }
        return s
    }
    let out = f(inputs)
    (out * weights).sum().backward()
    for (k, t) in inputs.enumerated() {
        let analytic = t.grad?.scalars ?? [Float](repeating: 0, count: t.count)
        let p = t.data
        var worst = 0.0
        for i in 0..<t.count {
            let saved = p[i]
            p[i] = saved + h; let up = loss()
            p[i] = saved - h; let down = loss()
            p[i] = saved
            let numeric = (up - down) / Double(2 * h)
            let err = abs(Double(analytic[i]) - numeric) - rtol * abs(numeric)
            worst = Swift.max(worst, err)
        }
        #expect(worst <= atol, "input \(k) shape \(t.shape): worst excess error \(worst)", sourceLocation: sourceLocation)
    }
}

func rand(_ shape: [Int], seed: UInt64, std: Float = 1, mean: Float = 0) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: std, mean: mean, rng: &rng)
}
