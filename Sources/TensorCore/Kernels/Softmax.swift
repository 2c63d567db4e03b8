/// Softmax, log-softmax (over the last axis) and causal masking.

/// In place: p[0..<n] <- softmax(p[0..<n]). Returns nothing; rows of length 0 are left alone.
@inline(__always)
func softmaxRowInPlace(_ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n == 0 { return }
    var m = -Float.infinity
    for i in 0..<n { m = Swift.max(m, p[i]) }
    if m == -.infinity { p.update(repeating: 0, count: n); return }
    let mv = SIMD8<Float>(repeating: m)
    mapSIMD8(n, p, p) { simdExp($0 - mv) }
    let inv = 1 / simdSum(p, n)
    for i in 0..<n { p[i] *= inv }
}

/// dx += y * (dy - sum(dy * y)) for one row.
@inline(__always)
func softmaxRowBackward(_ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    let s = simdDot(y, dy, n)
    for i in 0..<n { dx[i] += y[i] * (dy[i] - s) }
}

extension Tensor {
    /// softmax over the last axis.
    package func softmax() -> Tensor {
        let x = contiguous()
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        let y = Tensor(uninitialized: shape)
        y.data.update(from: x.data, count: count)
        let yp = y.data
        Parallel.forChunks(rows, minChunk: Swift.max(1, 16384 / Swift.max(n, 1))) { lo, hi in
            for r in lo..<hi { softmaxRowInPlace(yp + r * n, n) }
        }
        y.record([x]) { g in
            x.accumulateGrad { dx in
                let gp = g.data
                for r in 0..<rows { softmaxRowBackward(yp + r * n, gp + r * n, dx + r * n, n) }
            }
        }
        return y
    }

    /// log(softmax(x)) over the last axis, computed stably as x - max - log(sum(exp(x - max))).
    package func logSoftmax() -> Tensor {
        let x = contiguous()
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        let y = Tensor(uninitialized: shape)
        let xp = x.data, yp = y.data
        for r in 0..<rows {
            let xr = xp + r * n, yr = yp + r * n
            var m = -Float.infinity
            for i in 0..<n { m = Swift.max(m, xr[i]) }
            let mv = SIMD8<Float>(repeating: m)
            mapSIMD8(n, xr, yr) { simdExp($0 - mv) }
            let lse = m + logf(simdSum(yr, n))
            for i in 0..<n { yr[i] = xr[i] - lse }
        }
        y.record([x]) { g in
            // dx = dy - softmax(x) * sum(dy)
            x.accumulateGrad { dx in
                let gp = g.data
                for r in 0..<rows {
                    let s = simdSum(gp + r * n, n)
                    for i in 0..<n { dx[r * n + i] += gp[r * n + i] - expf(yp[r * n + i]) * s }
                }
            }
        }
        return y
    }

    /// Sets scores[..., i, j] to `value` (default -inf) where key j lies after query i. Over the last two axes
    /// [..., Tq, Tk], queries are the last Tq of the Tk positions (so a KV-cached step masks nothing).
    package func causalMasked(value: Float = -.infinity) -> Tensor {
        let x = contiguous()
        let tq = shape[rank - 2], tk = shape[rank - 1], mats = count / Swift.max(tq * tk, 1)
        let y = Tensor(uninitialized: shape)
        let xp = x.data, yp = y.data
        let shift = tk - tq
        for m in 0..<mats {
            for i in 0..<tq {
                let row = m * tq * tk + i * tk
                for j in 0..<tk { yp[row + j] = j > i + shift ? value : xp[row + j] }
            }
        }
        y.record([x]) { g in
            x.accumulateGrad { dx in
                let gp = g.data
                for m in 0..<mats {
                    for i in 0..<tq {
                        let row = m * tq * tk + i * tk
                        for j in 0...min(i + shift, tk - 1) { dx[row + j] += gp[row + j] }
                    }
                }
            }
        }
        return y
    }
}

import Foundation
