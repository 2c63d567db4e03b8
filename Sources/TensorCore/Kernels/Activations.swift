/// Pointwise functions: GELU (tanh form, as GPT-2), ReLU, SiLU, tanh, sigmoid, exp, log.
/// Each `xForward(x, y, n)` has its `xBackward(x, y, dy, dx, n)` beside it; backward accumulates into dx.

let geluScale: Float = 0.797_884_56  // sqrt(2 / pi)
let geluCubic: Float = 0.044_715

@inline(__always)
func geluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    mapSIMD8(n, x, y) { v in
        let t = simdTanh(geluScale * (v + geluCubic * v * v * v))
        return 0.5 * v * (1 + t)
    }
}

@inline(__always)
func geluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    @inline(__always) func grad(_ v: SIMD8<Float>, _ g: SIMD8<Float>) -> SIMD8<Float> {
        let v2 = v * v
        let t = simdTanh(geluScale * (v + geluCubic * v2 * v))
        let sech2 = 1 - t * t
        return g * (0.5 * (1 + t) + 0.5 * v * sech2 * geluScale * (1 + 3 * geluCubic * v2))
    }
    while i + 8 <= n {
        storeSIMD8(loadSIMD8(dx + i) + grad(loadSIMD8(x + i), loadSIMD8(dy + i)), dx + i)
        i += 8
    }
    while i < n {
        var v = SIMD8<Float>(repeating: 0), g = SIMD8<Float>(repeating: 0)
        v[0] = x[i]; g[0] = dy[i]
        dx[i] += grad(v, g)[0]
        i += 1
    }
}

@inline(__always)
func siluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    mapSIMD8(n, x, y) { v in v / (1 + simdExp(-v)) }
}

@inline(__always)
func siluBackward(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n {
        let s = 1 / (1 + expf(-x[i]))
        dx[i] += dy[i] * s * (1 + x[i] * (1 - s))
    }
}

import Foundation

/// The pointwise functions with their derivative written from the input x or the output y.
package enum Pointwise: Sendable { case gelu, relu, silu, tanh, sigmoid, exp, log }

extension Tensor {
    package func gelu() -> Tensor { pointwise(.gelu) }
    package func relu() -> Tensor { pointwise(.relu) }
    package func silu() -> Tensor { pointwise(.silu) }
    package func tanh() -> Tensor { pointwise(.tanh) }
    package func sigmoid() -> Tensor { pointwise(.sigmoid) }
    package func exp() -> Tensor { pointwise(.exp) }
    package func log() -> Tensor { pointwise(.log) }

    package func pointwise(_ f: Pointwise) -> Tensor {
        let x = contiguous()
        let y = Tensor(uninitialized: shape)
        let n = count
        let xp = x.data, yp = y.data
        Parallel.forChunks(n, minChunk: 1 << 15) { lo, hi in
            let m = hi - lo, xs = xp + lo, ys = yp + lo
            switch f {
            case .gelu: geluForward(xs, ys, m)
            case .silu: siluForward(xs, ys, m)
            case .relu: for i in 0..<m { ys[i] = Swift.max(xs[i], 0) }
            case .tanh: mapSIMD8(m, xs, ys) { simdTanh($0) }
            case .sigmoid: mapSIMD8(m, xs, ys) { 1 / (1 + simdExp(-$0)) }
            case .exp: for i in 0..<m { ys[i] = expf(xs[i]) }
            case .log: for i in 0..<m { ys[i] = logf(xs[i]) }
            }
        }
        y.record([x]) { g in
            x.writeOrAccumulateGrad { dx, fresh in
                let gp = g.data
                Parallel.forChunks(n, minChunk: 1 << 15) { lo, hi in
                    let m = hi - lo, xs = xp + lo, ys = yp + lo, gs = gp + lo, ds = dx + lo
                    if fresh { ds.update(repeating: 0, count: m) }  // one pass, in cache, instead of a memset
                    switch f {
                    case .gelu: geluBackward(xs, gs, ds, m)
                    case .silu: siluBackward(xs, gs, ds, m)
                    case .relu: for i in 0..<m where xs[i] > 0 { ds[i] += gs[i] }
                    case .tanh: for i in 0..<m { ds[i] += gs[i] * (1 - ys[i] * ys[i]) }
                    case .sigmoid: for i in 0..<m { ds[i] += gs[i] * ys[i] * (1 - ys[i]) }
                    case .exp: for i in 0..<m { ds[i] += gs[i] * ys[i] }
                    case .log: for i in 0..<m { ds[i] += gs[i] / xs[i] }
                    }
                }
            }
        }
        return y
    }
}
