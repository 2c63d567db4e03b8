/// Autodiff gradients against central finite differences: how a differentiable op (or a model built from them) is
/// checked, in this project's tests and by anyone writing a new op.
package enum GradientCheck {
    /// For each input, the worst excess error max_i (|analytic_i − numeric_i| − rtol |numeric_i|) of the gradient
    /// of L = Σ w ⊙ f(inputs), with fixed random weights w (seeded), accumulated in Float64 so that the finite
    /// difference (L(x+h) − L(x−h)) / 2h is limited by the float32 forward only. Inputs are made to require
    /// gradients; their values are restored.
    package static func excessErrors(_ inputs: [Tensor], h: Float = 1e-2, rtol: Double = 2e-2, seed: UInt64 = 99,
                                    _ f: ([Tensor]) -> Tensor) -> [Double] {
        for t in inputs { t.requiresGrad = true; t.grad = nil }
        let probe = GradMode.withoutGradients { f(inputs) }
        var rng = RandomGenerator(seed: seed)
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
        return inputs.map { t in
            let analytic = t.grad?.scalars ?? [Float](repeating: 0, count: t.count)
            let p = t.data
            var worst = 0.0
            for i in 0..<t.count {
                let saved = p[i]
                p[i] = saved + h; let up = loss()
                p[i] = saved - h; let down = loss()
                p[i] = saved
                let numeric = (up - down) / Double(2 * h)
                worst = Swift.max(worst, abs(Double(analytic[i]) - numeric) - rtol * abs(numeric))
            }
            return worst
        }
    }
}
