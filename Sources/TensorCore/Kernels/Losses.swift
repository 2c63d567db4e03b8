import Foundation

/// Cross-entropy fused with log-softmax, and mean squared error.

/// Token ids (or class indices) used by embedding lookups and losses; -1 in a target means "ignore".
package typealias TokenIDs = [Int32]

/// loss[r] = logsumexp(logits[r]) - logits[r, target[r]]; probs[r] = softmax(logits[r]) kept for backward.
func crossEntropyForward(_ logits: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>, _ probs: UnsafeMutablePointer<Float>,
                         _ losses: UnsafeMutablePointer<Float>, rows: Int, V: Int) {
    Parallel.forChunks(rows, minChunk: Swift.max(1, 16384 / V)) { lo, hi in
        for r in lo..<hi {
            let lr = logits + r * V, pr = probs + r * V
            var m = -Float.infinity
            for i in 0..<V { m = Swift.max(m, lr[i]) }
            let mv = SIMD8<Float>(repeating: m)
            mapSIMD8(V, lr, pr) { simdExp($0 - mv) }
            let s = simdSum(pr, V)
            let inv = 1 / s
            for i in 0..<V { pr[i] *= inv }
            let t = Int(targets[r])
            losses[r] = t < 0 ? 0 : (m + logf(s)) - lr[t]
        }
    }
}

/// dlogits[r] += scale * (probs[r] - onehot(target[r])).
func crossEntropyBackward(_ probs: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>, _ dlogits: UnsafeMutablePointer<Float>,
                          scale: Float, rows: Int, V: Int) {
    Parallel.forChunks(rows, minChunk: Swift.max(1, 16384 / V)) { lo, hi in
        for r in lo..<hi {
            let t = Int(targets[r])
            if t < 0 { continue }
            let pr = probs + r * V, dr = dlogits + r * V
            for i in 0..<V { dr[i] += scale * pr[i] }
            dr[t] -= scale
        }
    }
}

extension Tensor {
    /// Mean cross-entropy of logits [..., V] against integer targets (one per row; -1 rows are ignored).
    package func crossEntropy(targets: TokenIDs) -> Tensor {
        let x = contiguous()
        let V = shape[rank - 1], rows = count / V
        shapeCheck(targets.count == rows && rows > 0, "crossEntropy: \(rows) rows, \(targets.count) targets")
        for t in targets { shapeCheck(t < Int32(V), "crossEntropy: target \(t) outside vocabulary of \(V)") }
        let probs = Tensor(uninitialized: shape)
        var losses = [Float](repeating: 0, count: rows)
        targets.withUnsafeBufferPointer { tp in
            losses.withUnsafeMutableBufferPointer { lp in
                crossEntropyForward(x.data, tp.baseAddress!, probs.data, lp.baseAddress!, rows: rows, V: V)
            }
        }
        let valid = Swift.max(1, targets.filter { $0 >= 0 }.count)
        // Sum in Double: the mean of thousands of rows should not depend on summation order.
        let loss = Tensor([Float(losses.reduce(0.0) { $0 + Double($1) } / Double(valid))], shape: [])
        loss.record([x]) { g in
            let scale = g.item / Float(valid)
            x.accumulateGrad { dx in
                targets.withUnsafeBufferPointer { tp in
                    crossEntropyBackward(probs.data, tp.baseAddress!, dx, scale: scale, rows: rows, V: V)
                }
            }
        }
        return loss
    }

    /// Mean squared error against a target of the same shape (the target gets no gradient).
    package func mseLoss(_ target: Tensor) -> Tensor {
        let x = contiguous(), t = target.contiguous()
        shapeCheck(x.shape == t.shape, "mseLoss: \(shape) vs \(target.shape)")
        let n = count, xp = x.data, tp = t.data
        var s = 0.0
        for i in 0..<n { let d = Double(xp[i] - tp[i]); s += d * d }
        let loss = Tensor([Float(s / Double(n))], shape: [])
        loss.record([x, t]) { g in
            let k = 2 * g.item / Float(n)
            x.accumulateGrad { dx in for i in 0..<n { dx[i] += k * (xp[i] - tp[i]) } }
            t.accumulateGrad { dt in for i in 0..<n { dt[i] -= k * (xp[i] - tp[i]) } }
        }
        return loss
    }
}
