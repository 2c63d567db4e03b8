import Foundation
import Models
import TensorCore

/// Where integrated gradients start.
public enum AttributionBaseline: Sendable, Equatable {
    /// The zero embedding (the reference definition). Degenerate after RMSNorm/LayerNorm: f jumps within α ≲ 0.01.
    case zero
    /// The embedding of one token at every position (a neutral token keeps every norm well defined on the path).
    case token(Int32)
    /// The embedding of one token at every position but the first, which keeps its own embedding. Llama-style
    /// models turn the first position into an attention sink with massive activations (residual norms ~7x the
    /// others in SmolLM2); interpolating it makes f jump along the path, so no quadrature converges. The first
    /// token then gets no attribution, by construction.
    case tokenKeepingFirst(Int32)

    public var name: String {
        switch self {
        case .zero: "zero"
        case .token(let id): "token:\(id)"
        case .tokenKeepingFirst(let id): "token:\(id)+first"
        }
    }
}

/// How the path integral ∫₀¹ ∇f(B + α(X − B)) dα is discretised.
public enum IntegrationRule: Sendable, Equatable {
    /// α_k = k/m, k = 1…m, weights 1/m (the reference definition).
    case rightRiemann
    /// m-point Gauss–Legendre on [0, 1]: exact for polynomials of degree 2m − 1.
    case gaussLegendre

    public var name: String { self == .rightRiemann ? "riemann_right" : "gauss_legendre" }

    /// Nodes and weights on [0, 1].
    public func points(_ m: Int) -> [(alpha: Double, weight: Double)] {
        switch self {
        case .rightRiemann: return (1...m).map { (Double($0) / Double(m), 1 / Double(m)) }
        case .gaussLegendre: return gaussLegendrePoints(m)
        }
    }
}

/// Gauss–Legendre nodes and weights on [0, 1] (Newton iteration on the Legendre polynomial P_m).
func gaussLegendrePoints(_ m: Int) -> [(alpha: Double, weight: Double)] {
    var out: [(Double, Double)] = []
    for i in 1...m {
        var x = Foundation.cos(Double.pi * (Double(i) - 0.25) / (Double(m) + 0.5))
        var dp = 0.0
        for _ in 0..<100 {
            var p0 = 1.0, p1 = x
            for k in 2...max(m, 2) where m >= 2 {
                let p2 = (Double(2 * k - 1) * x * p1 - Double(k - 1) * p0) / Double(k)
                p0 = p1; p1 = p2
            }
            if m == 1 { p1 = x; p0 = 1 }
            dp = Double(m) * (x * p1 - p0) / (x * x - 1)
            let dx = p1 / dp
            x -= dx
            if abs(dx) < 1e-15 { break }
        }
        let w = 2 / ((1 - x * x) * dp * dp)
        out.append(((1 - x) / 2, w / 2))
    }
    return out.sorted { $0.0 < $1.0 }
}

/// Attribution of one target logit at the last position to the input tokens.
public struct Attribution: Sendable {
    public let method: String
    public let baseline: String
    public let steps: Int
    public let targetID: Int32
    /// Integrated gradients per input token: Σ_d (X − B)[t, d] · G[t, d].
    public let scores: [Float]
    /// Gradient × input per token: Σ_d X[t, d] · ∇f(X)[t, d].
    public let gradientXInput: [Float]
    /// ‖∇f(X)[t]‖₂ per token.
    public let gradientNorms: [Float]
    public let fInput: Float
    public let fBaseline: Float
    /// Σ scores − (f(X) − f(B)): how far the attributions are from accounting for the change in f.
    public let completenessGap: Float
    /// The gap relative to |f(X) − f(B)|.
    public var relativeGap: Float { completenessGap / max(abs(fInput - fBaseline), 1e-6) }
}

/// Gradient-based attributions on a Llama model (the forward is the model's own, run on embeddings).
public struct Attributor {
    public let model: Llama
    /// Rows (positions × path points) per batched forward/backward.
    public var maxRows = 2048

    public init(model: Llama) { self.model = model }

    /// f(E) and ∇f(E) for a batch of embedding sets: E is (B·T, D); returns f per set and the gradient (B·T, D),
    /// each set's gradient scaled by its weight.
    func valueAndGradient(_ ids: [Int32], _ e: Tensor, target: Int32, weights: [Float]) -> ([Float], Tensor) {
        let input = e.detach()
        input.requiresGrad = true
        let f = model.forward(ids, logits: .lastToken(target), embeddings: input)        // (B, 1)
        let w = Tensor(weights, shape: [weights.count, 1])
        (f * w).sum().backward()
        return (f.scalars, input.grad ?? Tensor.zeros(input.shape))
    }

    /// Integrated gradients (Sundararajan et al. 2017) of the `target` logit at the last position, with
    /// gradient × input at the input itself; the path points are batched.
    public func attribute(_ ids: [Int32], target: Int32, baseline: AttributionBaseline = .zero, steps: Int = 32,
                          rule: IntegrationRule = .rightRiemann) -> Attribution {
        let T = ids.count, D = model.config.dim
        let x = model.tokenEmbedding.rows(ids)                                         // (T, D)
        let b: Tensor
        switch baseline {
        case .zero: b = Tensor.zeros([T, D])
        case .token(let id): b = model.tokenEmbedding.rows([Int32](repeating: id, count: T))
        case .tokenKeepingFirst(let id): b = model.tokenEmbedding.rows([ids[0]] + [Int32](repeating: id, count: max(T - 1, 0)))
        }
        let xv = x.scalars, bv = b.scalars
        // The input itself: f(X) and ∇f(X) for gradient × input.
        let (fx, gx) = valueAndGradient(ids, x, target: target, weights: [1])
        let fb = GradMode.withoutGradients { model.forward(ids, logits: .lastToken(target), embeddings: b).item }
        let gxv = gx.scalars
        var gradXInput = [Float](repeating: 0, count: T), norms = [Float](repeating: 0, count: T)
        for t in 0..<T {
            var s: Float = 0, n: Float = 0
            for d in 0..<D { s += xv[t * D + d] * gxv[t * D + d]; n += gxv[t * D + d] * gxv[t * D + d] }
            gradXInput[t] = s; norms[t] = n.squareRoot()
        }
        // G = Σ_k w_k ∇f(B + α_k (X − B)), path points in batches.
        let points = rule.points(steps)
        var g = [Double](repeating: 0, count: T * D)
        let perBatch = max(1, maxRows / max(T, 1))
        var k0 = 0
        while k0 < points.count {
            let batch = Array(points[k0..<min(points.count, k0 + perBatch)])
            let e = Tensor(uninitialized: [batch.count * T, D])
            for (j, p) in batch.enumerated() {
                let a = Float(p.alpha)
                for i in 0..<(T * D) { e.data[j * T * D + i] = bv[i] + a * (xv[i] - bv[i]) }
            }
            let (_, grad) = valueAndGradient(ids, e, target: target, weights: batch.map { Float($0.weight) })
            let gp = grad.data
            for j in 0..<batch.count { for i in 0..<(T * D) { g[i] += Double(gp[j * T * D + i]) } }
            k0 += batch.count
        }
        var scores = [Float](repeating: 0, count: T)
        for t in 0..<T {
            var s = 0.0
            for d in 0..<D { s += Double(xv[t * D + d] - bv[t * D + d]) * g[t * D + d] }
            scores[t] = Float(s)
        }
        let gap = scores.reduce(0, +) - (fx[0] - fb)
        return Attribution(method: "integrated_gradients", baseline: baseline.name, steps: steps, targetID: target,
                           scores: scores, gradientXInput: gradXInput, gradientNorms: norms, fInput: fx[0], fBaseline: fb,
                           completenessGap: gap)
    }
}
