import Foundation

/// LayerNorm and RMSNorm over the last axis, fused: forward saves mean and rstd for backward (llm.c style).

/// y = (x - mean) * rstd * w + b, rstd = 1 / sqrt(var + eps) with the biased variance.
func layerNormForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>?,
                      _ y: UnsafeMutablePointer<Float>, _ mean: UnsafeMutablePointer<Float>,
                      _ rstd: UnsafeMutablePointer<Float>, rows: Int, C: Int, eps: Float) {
    Parallel.forChunks(rows, minChunk: Swift.max(1, 32768 / C)) { lo, hi in
        for r in lo..<hi {
            let xr = x + r * C, yr = y + r * C
            let m = simdSum(xr, C) / Float(C)
            var v: Float = 0
            for i in 0..<C { let d = xr[i] - m; v += d * d }
            let s = 1 / (v / Float(C) + eps).squareRoot()
            if let b {
                for i in 0..<C { yr[i] = (xr[i] - m) * s * w[i] + b[i] }
            } else {
                for i in 0..<C { yr[i] = (xr[i] - m) * s * w[i] }
            }
            mean[r] = m; rstd[r] = s
        }
    }
}

/// dx += rstd * (dnorm - mean(dnorm) - norm * mean(dnorm * norm)), dw += dy * norm, db += dy; dnorm = dy * w.
///
/// Rows are split across the threads; each chunk sums its dw and db into a partial of its own, added at the end.
func layerNormBackward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ mean: UnsafePointer<Float>,
                       _ rstd: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?,
                       _ dw: UnsafeMutablePointer<Float>?, _ db: UnsafeMutablePointer<Float>?, rows: Int, C: Int) {
    withRowChunkPartials(rows: rows, C: C, outputs: [dw, db]) { lo, hi, partials in
        let pw = partials[0], pb = partials[1]
        for r in lo..<hi {
            let xr = x + r * C, gr = dy + r * C
            let m = mean[r], s = rstd[r]
            var sumD: Float = 0, sumDN: Float = 0
            for i in 0..<C {
                let n = (xr[i] - m) * s
                let dn = gr[i] * w[i]
                sumD += dn; sumDN += dn * n
                if let pw { pw[i] += gr[i] * n }
                if let pb { pb[i] += gr[i] }
            }
            if let dx {
                let md = sumD / Float(C), mdn = sumDN / Float(C)
                let dxr = dx + r * C
                for i in 0..<C {
                    let n = (xr[i] - m) * s
                    dxr[i] += s * (gr[i] * w[i] - md - n * mdn)
                }
            }
        }
    }
}

/// Runs `body(lo, hi, partials)` over row chunks in parallel, where `partials[k]` is a zeroed [C] buffer of the
/// chunk's own standing in for `outputs[k]` (nil stays nil); the partials are then added into the outputs in
/// chunk order, so results do not depend on thread timing.
func withRowChunkPartials(rows: Int, C: Int, outputs: [UnsafeMutablePointer<Float>?],
                          _ body: (Int, Int, [UnsafeMutablePointer<Float>?]) -> Void) {
    let chunks = Swift.max(1, Swift.min(Parallel.threads, rows / Swift.max(1, 16384 / Swift.max(C, 1))))
    if chunks == 1 { body(0, rows, outputs); return }
    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunks * outputs.count * C)
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: chunks * outputs.count * C)
    Parallel.forEach(chunks) { c in
        let partials = outputs.indices.map { k in outputs[k] == nil ? nil : scratch + (c * outputs.count + k) * C }
        body(rows * c / chunks, rows * (c + 1) / chunks, partials)
    }
    for (k, out) in outputs.enumerated() {
        guard let out else { continue }
        for c in 0..<chunks { addInPlace(out, scratch + (c * outputs.count + k) * C, C) }
    }
}

/// y = x * rstd * w, rstd = 1 / sqrt(mean(x²) + eps).
func rmsNormForward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                    _ rstd: UnsafeMutablePointer<Float>, rows: Int, C: Int, eps: Float) {
    Parallel.forChunks(rows, minChunk: Swift.max(1, 32768 / C)) { lo, hi in
        for r in lo..<hi {
            let xr = x + r * C, yr = y + r * C
            let s = 1 / (simdDot(xr, xr, C) / Float(C) + eps).squareRoot()
            for i in 0..<C { yr[i] = xr[i] * s * w[i] }
            rstd[r] = s
        }
    }
}

/// dx += rstd * (dnorm - norm * mean(dnorm * norm)), dw += dy * norm; dnorm = dy * w. Rows split as in LayerNorm.
func rmsNormBackward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
                     _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>?, _ dw: UnsafeMutablePointer<Float>?,
                     rows: Int, C: Int) {
    withRowChunkPartials(rows: rows, C: C, outputs: [dw]) { lo, hi, partials in
        let pw = partials[0]
        for r in lo..<hi {
            let xr = x + r * C, gr = dy + r * C, s = rstd[r]
            var sumDN: Float = 0
            for i in 0..<C {
                let n = xr[i] * s
                sumDN += gr[i] * w[i] * n
                if let pw { pw[i] += gr[i] * n }
            }
            if let dx {
                let mdn = sumDN / Float(C)
                let dxr = dx + r * C
                for i in 0..<C { dxr[i] += s * (gr[i] * w[i] - xr[i] * s * mdn) }
            }
        }
    }
}

extension Tensor {
    /// LayerNorm over the last axis with weight (and optional bias) of shape [C].
    package func layerNorm(weight: Tensor, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        let x = contiguous()
        let C = shape[rank - 1], rows = count / C
        shapeCheck(weight.count == C && (bias?.count ?? C) == C, "layerNorm: \(shape) with weight \(weight.shape)")
        let y = Tensor(uninitialized: shape)
        let stats = Tensor(uninitialized: [2, rows])
        let w = weight.contiguous(), b = bias?.contiguous()
        layerNormForward(x.data, w.data, b?.data, y.data, stats.data, stats.data + rows, rows: rows, C: C, eps: eps)
        var inputs = [x, w]
        if let b { inputs.append(b) }
        y.record(inputs) { g in
            var dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?, db: UnsafeMutablePointer<Float>?
            x.accumulateGrad { dx = $0 }
            w.accumulateGrad { dw = $0 }
            b?.accumulateGrad { db = $0 }
            layerNormBackward(x.data, w.data, stats.data, stats.data + rows, g.data, dx, dw, db, rows: rows, C: C)
        }
        return y
    }

    /// RMSNorm over the last axis with weight of shape [C].
    package func rmsNorm(weight: Tensor, eps: Float = 1e-5) -> Tensor {
        let x = contiguous()
        let C = shape[rank - 1], rows = count / C
        shapeCheck(weight.count == C, "rmsNorm: \(shape) with weight \(weight.shape)")
        let y = Tensor(uninitialized: shape)
        let rstd = Tensor(uninitialized: [rows])
        let w = weight.contiguous()
        rmsNormForward(x.data, w.data, y.data, rstd.data, rows: rows, C: C, eps: eps)
        y.record([x, w]) { g in
            var dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?
            x.accumulateGrad { dx = $0 }
            w.accumulateGrad { dw = $0 }
            rmsNormBackward(x.data, w.data, rstd.data, g.data, dx, dw, rows: rows, C: C)
        }
        return y
    }
}
