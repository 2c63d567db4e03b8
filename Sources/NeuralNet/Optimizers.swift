import TensorCore

/// An optimizer updates named parameters from their `.grad`; its state (moments, step) can be saved and restored.
package protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    /// One update from the current gradients (parameters without a gradient are skipped).
    func step()
    /// Named state tensors (e.g. "exp_avg.<param>") for checkpoints, plus the step count.
    func stateDict() -> (step: Int, tensors: [(String, [Int], [Float])])
    func loadStateDict(step: Int, tensors: [String: [Float]]) throws
    /// The names and shapes `stateDict` gives, without copying any values: what a saved state must hold to be
    /// this optimizer's (a checkpoint's optimizer state is checked against it before it is loaded).
    var stateLayout: [(name: String, shape: [Int])] { get }
}

/// Which parameters weight decay applies to.
package enum DecayPolicy: Sendable {
    /// Every parameter (PyTorch's default with one parameter group).
    case all
    /// Matrices and embeddings only, not biases or norm weights (nanoGPT, GPT-3).
    case matricesOnly

    func applies(to t: Tensor) -> Bool { self == .all || t.rank >= 2 }
}

/// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019, decoupled weight decay).
///
/// AdamW, step t: p <- p (1 - lr wd); m <- b1 m + (1-b1) g; v <- b2 v + (1-b2) g²;
/// p <- p - lr/(1-b1^t) · m / (sqrt(v)/sqrt(1-b2^t) + eps). Adam adds wd·p to g instead (L2).
package final class Adam: Optimizer {
    package let params: [(String, Tensor)]
    package var learningRate: Float
    package let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    package let decoupled: Bool
    package let decay: DecayPolicy
    package private(set) var t = 0
    var m: [Tensor], v: [Tensor]

    package init(_ params: [(String, Tensor)], lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = true, decay: DecayPolicy = .all) {
        self.params = params
        learningRate = lr
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        self.decoupled = decoupled
        self.decay = decay
        m = params.map { Tensor.zeros($0.1.shape) }
        v = params.map { Tensor.zeros($0.1.shape) }
    }

    /// AdamW with decoupled weight decay.
    package static func adamW(_ params: [(String, Tensor)], lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                             eps: Float = 1e-8, weightDecay: Float = 0.01, decay: DecayPolicy = .all) -> Adam {
        Adam(params, lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: true, decay: decay)
    }

    package func step() {
        t += 1
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = eps
        let bc1 = 1 - Float(Double(b1).power(t)), bc2Sqrt = Float((1 - Double(b2).power(t)).squareRoot())
        let stepSize = lr / bc1
        for (i, (_, p)) in params.enumerated() {
            guard let g = p.grad else { continue }
            let n = p.count
            let wd = decay.applies(to: p) ? weightDecay : 0
            let pp = p.data, gp = g.data, mp = m[i].data, vp = v[i].data
            let shrink = 1 - lr * wd
            let decoupled = decoupled
            Parallel.forChunks(n, minChunk: 1 << 14) { lo, hi in
                for j in lo..<hi {
                    var gj = gp[j]
                    if decoupled { pp[j] *= shrink } else { gj += wd * pp[j] }
                    mp[j] = b1 * mp[j] + (1 - b1) * gj
                    vp[j] = b2 * vp[j] + (1 - b2) * gj * gj
                    pp[j] -= stepSize * mp[j] / (vp[j].squareRoot() / bc2Sqrt + eps)
                }
            }
        }
    }

    package func stateDict() -> (step: Int, tensors: [(String, [Int], [Float])]) {
        var out: [(String, [Int], [Float])] = []
        for (i, (name, p)) in params.enumerated() {
            out.append(("exp_avg.\(name)", p.shape, m[i].scalars))
            out.append(("exp_avg_sq.\(name)", p.shape, v[i].scalars))
        }
        return (t, out)
    }

    package var stateLayout: [(name: String, shape: [Int])] {
        params.flatMap { name, p in [("exp_avg.\(name)", p.shape), ("exp_avg_sq.\(name)", p.shape)] }
    }

    package func loadStateDict(step: Int, tensors: [String: [Float]]) throws {
        for (i, (name, p)) in params.enumerated() {
            for (key, buf) in [("exp_avg.\(name)", m[i]), ("exp_avg_sq.\(name)", v[i])] {
                guard let vals = tensors[key], vals.count == p.count else {
                    throw NeuralNetError("optimizer state lacks '\(key)' with \(p.count) values")
                }
                vals.withUnsafeBufferPointer { buf.data.update(from: $0.baseAddress!, count: p.count) }
            }
        }
        t = step
    }
}

/// SGD with momentum (PyTorch's form): b <- mu b + g (+ wd p); p <- p - lr b.
package final class SGD: Optimizer {
    package let params: [(String, Tensor)]
    package var learningRate: Float
    package let momentum: Float, weightDecay: Float
    var buffers: [Tensor]
    package private(set) var t = 0

    package init(_ params: [(String, Tensor)], lr: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.params = params; learningRate = lr; self.momentum = momentum; self.weightDecay = weightDecay
        buffers = params.map { Tensor.zeros($0.1.shape) }
    }

    package func step() {
        t += 1
        for (i, (_, p)) in params.enumerated() {
            guard let g = p.grad else { continue }
            let pp = p.data, gp = g.data, bp = buffers[i].data
            for j in 0..<p.count {
                let gj = gp[j] + weightDecay * pp[j]
                bp[j] = momentum == 0 ? gj : momentum * bp[j] + gj
                pp[j] -= learningRate * bp[j]
            }
        }
    }

    package func stateDict() -> (step: Int, tensors: [(String, [Int], [Float])]) {
        (t, params.enumerated().map { ("momentum_buffer.\($0.element.0)", $0.element.1.shape, buffers[$0.offset].scalars) })
    }

    package var stateLayout: [(name: String, shape: [Int])] { params.map { ("momentum_buffer.\($0.0)", $0.1.shape) } }

    package func loadStateDict(step: Int, tensors: [String: [Float]]) throws {
        for (i, (name, p)) in params.enumerated() {
            guard let vals = tensors["momentum_buffer.\(name)"], vals.count == p.count else {
                throw NeuralNetError("optimizer state lacks 'momentum_buffer.\(name)'")
            }
            vals.withUnsafeBufferPointer { buffers[i].data.update(from: $0.baseAddress!, count: p.count) }
        }
        t = step
    }
}

extension Double {
    func power(_ n: Int) -> Double { Foundation.pow(self, Double(n)) }
}

import Foundation

/// Learning rate as a function of the step (0-based).
package enum LRSchedule: Codable, Equatable, Sendable {
    case constant(Float)
    /// Linear warm-up from 0 to `peak` over `warmup` steps, then cosine decay to `minimum` at `total`.
    case warmupCosine(peak: Float, warmup: Int, total: Int, minimum: Float)

    package func rate(at step: Int) -> Float {
        switch self {
        case .constant(let lr): return lr
        case let .warmupCosine(peak, warmup, total, minimum):
            if step < warmup { return peak * Float(step + 1) / Float(warmup) }
            if step >= total { return minimum }
            let progress = Float(step - warmup) / Float(Swift.max(1, total - warmup))
            return minimum + 0.5 * (peak - minimum) * (1 + Foundation.cos(Float.pi * progress))
        }
    }
}

/// Scales all gradients so that their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
package func clipGradNorm(_ params: [Tensor], maxNorm: Float) -> Float {
    let norm = globalGradNorm(params)
    if maxNorm > 0, norm > maxNorm, norm.isFinite {
        let s = maxNorm / (norm + 1e-6)
        for p in params { if let g = p.grad { let gp = g.data; for i in 0..<g.count { gp[i] *= s } } }
    }
    return norm
}

/// sqrt(sum over parameters of |grad|²), accumulated in Double.
package func globalGradNorm(_ params: [Tensor]) -> Float {
    var s = 0.0
    for p in params { if let g = p.grad { s += Double(simdDot(g.data, g.data, g.count)) } }
    return Float(s.squareRoot())
}
