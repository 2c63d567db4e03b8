import Foundation
import Models
import NeuralNet
import TensorCore

/// Where integrated gradients start.
package enum AttributionBaseline: Sendable, Equatable {
    /// The zero embedding (the reference definition). Degenerate after RMSNorm/LayerNorm: f jumps within α ≲ 0.01.
    case zero
    /// The embedding of one token at every position (a neutral token keeps every norm well defined on the path).
    case token(Int32)
    /// The embedding of one token at every position but the first, which keeps its own embedding. Llama-style
    /// models turn the first position into an attention sink with massive activations (residual norms ~7x the
    /// others in SmolLM2); interpolating it makes f jump along the path, so no quadrature converges. The first
    /// token then gets no attribution, by construction.
    case tokenKeepingFirst(Int32)
    /// The mean of all token embeddings (an "average token") at every position but the first, which keeps its own
    /// embedding (see `tokenKeepingFirst`). Needs no model-specific token id.
    case meanKeepingFirst
    /// The mean token embedding at every position except the attention sinks, which keep their own embeddings.
    /// Sinks are the positions whose residual stream (halfway through the model) is over 4x the median norm: the
    /// first position in Llama-style models, and often special tokens like `<|im_start|>` or newlines. Their
    /// massive activations switch on abruptly along any path that interpolates them, so f jumps by tens of
    /// logits and no quadrature converges; kept fixed, they get no attribution (by construction, reported).
    case meanKeepingSinks

    package var name: String {
        switch self {
        case .zero: "zero"
        case .token(let id): "token:\(id)"
        case .tokenKeepingFirst(let id): "token:\(id)+first"
        case .meanKeepingFirst: "mean+first"
        case .meanKeepingSinks: "mean+sinks"
        }
    }
}

/// How the path integral ∫₀¹ ∇f(B + α(X − B)) dα is discretised.
package enum IntegrationRule: Sendable, Equatable {
    /// α_k = k/m, k = 1…m, weights 1/m (the reference definition).
    case rightRiemann
    /// m-point Gauss–Legendre on [0, 1]: exact for polynomials of degree 2m − 1.
    case gaussLegendre
    /// Midpoint rule on nodes placed where f changes: a forward-only scan of f along the path (refined where f
    /// moves most) gives f's variation per interval; the m gradient points then split the path into pieces of
    /// equal variation (mixed with equal length), so sharp transitions get many points and flat stretches few.
    case adaptive

    package var name: String {
        switch self {
        case .rightRiemann: "riemann_right"
        case .gaussLegendre: "gauss_legendre"
        case .adaptive: "adaptive_midpoint"
        }
    }

    /// Nodes and weights on [0, 1].
    package func points(_ m: Int) -> [(alpha: Double, weight: Double)] {
        switch self {
        case .rightRiemann: return (1...m).map { (Double($0) / Double(m), 1 / Double(m)) }
        case .gaussLegendre: return gaussLegendrePoints(m)
        case .adaptive: return (1...m).map { ((Double($0) - 0.5) / Double(m), 1 / Double(m)) }   // without a scan: midpoints
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
package struct Attribution: Sendable {
    package let method: String
    package let baseline: String
    package let steps: Int
    package let targetID: Int32
    /// With a contrast token, f is logit(target) − logit(contrast).
    package let contrastID: Int32?
    /// Integrated gradients per input token: Σ_d (X − B)[t, d] · G[t, d].
    package let scores: [Float]
    /// Gradient × input per token: Σ_d X[t, d] · ∇f(X)[t, d].
    package let gradientXInput: [Float]
    /// ‖∇f(X)[t]‖₂ per token.
    package let gradientNorms: [Float]
    package let fInput: Float
    package let fBaseline: Float
    /// Σ scores − (f(X) − f(B)): how far the attributions are from accounting for the change in f.
    package let completenessGap: Float
    /// Positions the baseline leaves at their own embeddings (no attribution by construction).
    package var keptPositions: [Int] = []
    /// The gap relative to |f(X) − f(B)|.
    package var relativeGap: Float { completenessGap / max(abs(fInput - fBaseline), 1e-6) }
}

/// Gradient-based attributions (the forward is the model's own, run on token embeddings).
package struct Attributor {
    package let model: any InspectableModel
    /// Rows (positions × path points) per batched forward/backward. Cancellation is checked between batches, so
    /// a batch must stay well under a second: 384 rows of SmolLM2-135M take about 0.75 s on 2 cores (1,024 took
    /// 2 s, and an abandoned attribution ran on for up to that long).
    package var maxRows = 384
    /// Told of each batch of gradient points; once it is cancelled the remaining batches are skipped (the caller
    /// checks it and discards the result).
    package var monitor: WorkMonitor?

    /// The adaptive rule goes on past its `steps` while the relative completeness gap is above this (up to
    /// `maxSteps`, default 4 × steps).
    package var gapGoal = 0.05
    package var maxSteps: Int?
    /// Contrastive attributions: f = logit(target) − logit(contrast) ("why the target rather than this").
    package var contrast: Int32?

    package init(model: any InspectableModel) { self.model = model }

    /// f(E) and ∇f(E) for a batch of embedding sets: E is (B·T, D); returns f per set and the gradient (B·T, D),
    /// each set's gradient scaled by its weight.
    /// What f reads at the last position: the target's logit, or its difference from the contrast token's.
    var readout: (Int32) -> LogitPositions {
        let contrast = self.contrast
        return { t in contrast.map { .lastTokenContrast(t, $0) } ?? .lastToken(t) }
    }

    func valueAndGradient(_ ids: [Int32], _ e: Tensor, target: Int32, weights: [Float]) -> ([Float], Tensor) {
        let input = e.detach()
        input.requiresGrad = true
        return model.withFrozenWeights {
            let f = model.run(ids, logits: readout(target), embeddings: input)         // (B, 1)
            let w = Tensor(weights, shape: [weights.count, 1])
            (f * w).sum().backward()
            return (f.scalars, input.grad ?? Tensor.zeros(input.shape))
        }
    }

    /// Positions whose residual stream halfway through the model is over 4x the median norm (attention sinks).
    package func sinkPositions(_ ids: [Int32]) -> [Int] {
        let name = "blocks.\(model.shape.layers / 2).hook_resid_post"
        let hooks = Hooks(cache: { $0 == name })
        _ = GradMode.withoutGradients { model.run(ids, logits: .last, hooks: hooks) }
        guard let r = hooks.cache[name]?.contiguous() else { return [0] }
        let D = model.shape.dim, T = ids.count
        let norms = (0..<T).map { t in (0..<D).reduce(Float(0)) { $0 + r.data[t * D + $1] * r.data[t * D + $1] }.squareRoot() }
        let median = norms.sorted()[T / 2]
        return (0..<T).filter { norms[$0] > 4 * median }
    }

    /// The mean of all rows of the token embedding.
    func meanEmbedding() -> [Float] {
        let V = model.shape.vocab, D = model.shape.dim
        var sum = [Double](repeating: 0, count: D)
        var start = 0
        while start < V {
            let n = min(4096, V - start)
            let rows = model.tokenEmbeddings((start..<(start + n)).map { Int32($0) }).data
            for r in 0..<n { for d in 0..<D { sum[d] += Double(rows[r * D + d]) } }
            start += n
        }
        return sum.map { Float($0 / Double(V)) }
    }

    /// The embedding sets B + α (X − B) for each α, stacked: (alphas.count · T, D).
    func pathPoints(_ alphas: [Double], from b: [Float], to x: [Float], positions T: Int) -> Tensor {
        let n = x.count
        let e = Tensor(uninitialized: [alphas.count * T, n / max(T, 1)])
        for (j, a) in alphas.enumerated() {
            let a = Float(a)
            for i in 0..<n { e.data[j * n + i] = b[i] + a * (x[i] - b[i]) }
        }
        return e
    }

    /// f at the given path points (forward only, batched).
    func values(_ ids: [Int32], from b: [Float], to x: [Float], target: Int32, alphas: [Double]) -> [Float] {
        let perBatch = max(1, maxRows / max(ids.count, 1))
        var out: [Float] = []
        var k0 = 0
        while k0 < alphas.count {
            // Cancelled: the remaining values are zeros (callers index every point; the result is discarded).
            if monitor?.isCancelled == true { out += [Float](repeating: 0, count: alphas.count - k0); break }
            let batch = Array(alphas[k0..<min(alphas.count, k0 + perBatch)])
            let e = pathPoints(batch, from: b, to: x, positions: ids.count)
            out += GradMode.withoutGradients { model.run(ids, logits: readout(target), embeddings: e).scalars }
            k0 += batch.count
            monitor?.advance("attributions", by: Double(batch.count) / 3)   // a forward costs about a third of a gradient
        }
        return out
    }

    /// Σ_k w_k ∇f(B + α_k (X − B)) for each group of path points; all points of all groups run in batches.
    func weightedGradients(_ ids: [Int32], from b: [Float], to x: [Float], target: Int32,
                           groups: [[(alpha: Double, weight: Double)]]) -> [[Double]] {
        let n = x.count, T = ids.count
        let points = groups.enumerated().flatMap { g, ps in ps.map { (group: g, alpha: $0.alpha, weight: $0.weight) } }
        var out = groups.map { _ in [Double](repeating: 0, count: n) }
        let perBatch = max(1, maxRows / max(T, 1))
        var k0 = 0
        while k0 < points.count {
            if monitor?.isCancelled == true { break }
            let batch = Array(points[k0..<min(points.count, k0 + perBatch)])
            let e = pathPoints(batch.map(\.alpha), from: b, to: x, positions: T)
            let (_, grad) = valueAndGradient(ids, e, target: target, weights: batch.map { Float($0.weight) })
            let gp = grad.data
            for (j, p) in batch.enumerated() {
                out[p.group].withUnsafeMutableBufferPointer { o in
                    for i in 0..<n { o[i] += Double(gp[j * n + i]) }
                }
            }
            k0 += batch.count
            monitor?.advance("attributions", by: Double(batch.count))
        }
        return out
    }

    /// The path integral for `IntegrationRule.adaptive`, within a budget of gradient evaluations.
    ///
    /// 1. A forward-only scan of f along the path (uniform plus log-spaced near α = 0, refined where f moves most)
    ///    splits [0, 1] into pieces of equal variation of f (mixed with equal length).
    /// 2. Each piece is integrated with 2-point Gauss–Legendre. Its error is measurable: the piece's share of the
    ///    attribution sum, Σ (X − B)·G_piece, should equal f(hi) − f(lo) (f at the ends by forward passes).
    /// 3. While budget remains, the pieces with the largest error are halved and re-integrated.
    /// The result is still plain integrated gradients on a non-uniform rule; the reported completeness gap is the
    /// honest sum of the pieces' errors.
    func adaptiveGradient(_ ids: [Int32], from b: [Float], to x: [Float], target: Int32, budget: Int, maxBudget: Int,
                          goal: Double, fTotal: Double) -> (gradient: [Double], used: Int) {
        let n = x.count
        let order = 2
        let gl = gaussLegendrePoints(order)
        func nodes(_ lo: Double, _ hi: Double) -> [(alpha: Double, weight: Double)] {
            gl.map { (lo + $0.alpha * (hi - lo), $0.weight * (hi - lo)) }
        }
        func share(_ g: [Double]) -> Double {
            var s = 0.0
            for i in 0..<n { s += Double(x[i] - b[i]) * g[i] }
            return s
        }
        // 1. The scan.
        // 25 uniform and 8 log-spaced points, then 8 more where f moved most: enough to place the initial pieces
        // (the refinement below measures and fixes what the scan misses; a scan of 93 points cost 40% of the
        // work for no better gaps on the prompts tried).
        var grid = Set((0...24).map { Double($0) / 24 })
        for k in 0..<8 { grid.insert(1e-4 * Foundation.pow(10, Double(k) * 3 / 8)) }
        var alphas = grid.sorted()
        var f = values(ids, from: b, to: x, target: target, alphas: alphas)
        for _ in 0..<1 {
            let jumps: [Float] = (0..<(alphas.count - 1)).map { abs(f[$0 + 1] - f[$0]) }
            let worst = jumps.indices.sorted { jumps[$0] > jumps[$1] }.prefix(8)
            let mids = worst.map { (alphas[$0] + alphas[$0 + 1]) / 2 }
            let fm = values(ids, from: b, to: x, target: target, alphas: mids)
            var pairs: [(Double, Float)] = Array(zip(alphas, f))
            pairs += Array(zip(mids, fm))
            pairs.sort { $0.0 < $1.0 }
            alphas = pairs.map { $0.0 }
            f = pairs.map { $0.1 }
        }
        let cells = alphas.count - 1
        let variation = (0..<cells).map { Double(abs(f[$0 + 1] - f[$0])) }
        let total = variation.reduce(0, +)
        var cum = [0.0]
        for i in 0..<cells {
            let mass = total > 0 ? 0.5 * variation[i] / total + 0.5 * (alphas[i + 1] - alphas[i]) : alphas[i + 1] - alphas[i]
            cum.append(cum[i] + mass)
        }
        func inverse(_ s: Double) -> Double {       // α where the cumulative measure reaches s·μ([0, 1])
            let target = s * cum[cells]
            var i = 0
            while i < cells - 1 && cum[i + 1] < target { i += 1 }
            let span = cum[i + 1] - cum[i]
            return alphas[i] + (span > 0 ? (target - cum[i]) / span : 0) * (alphas[i + 1] - alphas[i])
        }
        func fAt(_ a: Double) -> Float? { alphas.firstIndex(of: a).map { f[$0] } }
        // 2. Initial pieces: half the budget.
        struct Piece { var lo: Double, hi: Double, fLo: Float, fHi: Float, g: [Double], error: Double }
        let initial = max(1, budget / 2 / order)
        var bounds = [0.0] + (1..<initial).map { inverse(Double($0) / Double(initial)) } + [1.0]
        bounds = Array(Set(bounds)).sorted()
        let fb = bounds.map { fAt($0) }
        let missing = bounds.indices.filter { fb[$0] == nil }
        let fMissing = values(ids, from: b, to: x, target: target, alphas: missing.map { bounds[$0] })
        var fBounds = fb.map { $0 ?? 0 }
        for (k, i) in missing.enumerated() { fBounds[i] = fMissing[k] }
        let g0 = weightedGradients(ids, from: b, to: x, target: target,
                                   groups: (0..<(bounds.count - 1)).map { nodes(bounds[$0], bounds[$0 + 1]) })
        var pieces = (0..<(bounds.count - 1)).map { k in
            Piece(lo: bounds[k], hi: bounds[k + 1], fLo: fBounds[k], fHi: fBounds[k + 1], g: g0[k],
                  error: share(g0[k]) - Double(fBounds[k + 1] - fBounds[k]))
        }
        var used = pieces.count * order
        // 3. Halve the worst pieces while the budget lasts; then, while the completeness gap is above `goal`,
        //    go on up to `maxBudget` (hard prompts: f moving little overall but sharply somewhere).
        var extended = false
        while true {
            let sumAbs = pieces.reduce(0) { $0 + abs($1.error) }
            if sumAbs < 0.005 * max(abs(fTotal), 1e-6) { break }
            var limit = budget
            if used + 2 * order > budget {
                let gap = abs(pieces.reduce(0) { $0 + $1.error })
                guard gap > goal * abs(fTotal), used + 2 * order <= maxBudget else { break }
                limit = maxBudget
                if !extended { monitor?.extend("attributions", by: Double(maxBudget - budget)); extended = true }
            }
            let splits = min((limit - used) / (2 * order), max(1, pieces.count / (limit > budget ? 4 : 8)))
            let worst = pieces.indices.sorted { abs(pieces[$0].error) > abs(pieces[$1].error) }.prefix(splits).sorted(by: >)
            let mids = worst.map { (pieces[$0].lo + pieces[$0].hi) / 2 }
            let fm = values(ids, from: b, to: x, target: target, alphas: mids)
            let halves = worst.enumerated().flatMap { j, k in [nodes(pieces[k].lo, mids[j]), nodes(mids[j], pieces[k].hi)] }
            let gh = weightedGradients(ids, from: b, to: x, target: target, groups: halves)
            for (j, k) in worst.enumerated() {      // descending indices: replacing keeps the others in place
                let p = pieces[k]
                let left = Piece(lo: p.lo, hi: mids[j], fLo: p.fLo, fHi: fm[j], g: gh[2 * j],
                                 error: share(gh[2 * j]) - Double(fm[j] - p.fLo))
                let right = Piece(lo: mids[j], hi: p.hi, fLo: fm[j], fHi: p.fHi, g: gh[2 * j + 1],
                                  error: share(gh[2 * j + 1]) - Double(p.fHi - fm[j]))
                pieces.replaceSubrange(k...k, with: [left, right])
            }
            used += 2 * order * worst.count
        }
        var g = [Double](repeating: 0, count: n)
        for p in pieces { for i in 0..<n { g[i] += p.g[i] } }
        return (g, used)
    }

    /// Integrated gradients (Sundararajan et al. 2017) of the `target` logit at the last position, with
    /// gradient × input at the input itself; the path points are batched.
    ///
    /// The defaults (mean-embedding baseline keeping the attention sinks, adaptive rule, 64 gradient points, more
    /// up to `maxSteps` while the gap is above `gapGoal`) keep the completeness gap small on typical prompts;
    /// `.zero`, 32, `.rightRiemann` is the reference definition. The result's `steps` is the count used.
    package func attribute(_ ids: [Int32], target: Int32, baseline: AttributionBaseline = .meanKeepingSinks, steps: Int = 64,
                          rule: IntegrationRule = .adaptive) -> Attribution {
        // Dozens of batched passes: each weight is dequantised once for all of them.
        DequantizedWeights.scope { attributeNow(ids, target: target, baseline: baseline, steps: steps, rule: rule) }
    }

    func attributeNow(_ ids: [Int32], target: Int32, baseline: AttributionBaseline, steps: Int, rule: IntegrationRule) -> Attribution {
        let T = ids.count, D = model.shape.dim
        let x = model.tokenEmbeddings(ids)                                         // (T, D)
        let b: Tensor
        var kept: [Int] = []
        switch baseline {
        case .zero: b = Tensor.zeros([T, D])
        case .token(let id): b = model.tokenEmbeddings([Int32](repeating: id, count: T))
        case .tokenKeepingFirst(let id):
            kept = [0]
            b = model.tokenEmbeddings([ids[0]] + [Int32](repeating: id, count: max(T - 1, 0)))
        case .meanKeepingFirst, .meanKeepingSinks:
            let mean = meanEmbedding()
            kept = baseline == .meanKeepingFirst ? [0] : sinkPositions(ids)
            b = Tensor.zeros([T, D])
            for t in 0..<T {
                if kept.contains(t) { (b.data + t * D).update(from: x.data + t * D, count: D) }
                else { for d in 0..<D { b.data[t * D + d] = mean[d] } }
            }
        }
        let xv = x.scalars, bv = b.scalars
        // The input itself: f(X) and ∇f(X) for gradient × input.
        let (fx, gx) = valueAndGradient(ids, x, target: target, weights: [1])
        let fb = GradMode.withoutGradients { model.run(ids, logits: readout(target), embeddings: b).item }
        let gxv = gx.scalars
        var gradXInput = [Float](repeating: 0, count: T), norms = [Float](repeating: 0, count: T)
        for t in 0..<T {
            var s: Float = 0, n: Float = 0
            for d in 0..<D { s += xv[t * D + d] * gxv[t * D + d]; n += gxv[t * D + d] * gxv[t * D + d] }
            gradXInput[t] = s; norms[t] = n.squareRoot()
        }
        // G = Σ_k w_k ∇f(B + α_k (X − B)).
        var g: [Double]
        var used = steps
        if rule == .adaptive {
            (g, used) = adaptiveGradient(ids, from: bv, to: xv, target: target, budget: steps, maxBudget: max(steps, maxSteps ?? 4 * steps),
                                         goal: gapGoal, fTotal: Double(fx[0] - fb))
        } else {
            g = [Double](repeating: 0, count: T * D)
            for piece in weightedGradients(ids, from: bv, to: xv, target: target, groups: [rule.points(steps)]) {
                for i in 0..<(T * D) { g[i] += piece[i] }
            }
        }
        var scores = [Float](repeating: 0, count: T)
        for t in 0..<T {
            var s = 0.0
            for d in 0..<D { s += Double(xv[t * D + d] - bv[t * D + d]) * g[t * D + d] }
            scores[t] = Float(s)
        }
        let gap = scores.reduce(0, +) - (fx[0] - fb)
        return Attribution(method: "integrated_gradients", baseline: baseline.name, steps: used, targetID: target, contrastID: contrast,
                           scores: scores, gradientXInput: gradXInput, gradientNorms: norms, fInput: fx[0], fBaseline: fb,
                           completenessGap: gap, keptPositions: kept)
    }
}
