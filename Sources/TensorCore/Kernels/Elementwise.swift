/// Broadcasting binary arithmetic (+, -, *, /) and scalar forms, forward and backward together.
package enum BinaryOp: Sendable { case add, sub, mul, div }

@inline(__always)
func applyBinary(_ op: BinaryOp, _ a: Float, _ b: Float) -> Float {
    switch op {
    case .add: return a + b
    case .sub: return a - b
    case .mul: return a * b
    case .div: return a / b
    }
}

/// out[i] = a[i] op b[i] over n contiguous floats.
@inline(__always)
func binaryForwardSame(_ op: BinaryOp, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                       _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    switch op {
    case .add: for i in 0..<n { out[i] = a[i] + b[i] }
    case .sub: for i in 0..<n { out[i] = a[i] - b[i] }
    case .mul: for i in 0..<n { out[i] = a[i] * b[i] }
    case .div: for i in 0..<n { out[i] = a[i] / b[i] }
    }
}

/// Elementwise regions smaller than this run inline (a parallel region costs about a microsecond).
let elementwiseChunk = 1 << 15

/// Forward: out = a op b with broadcasting.
func binaryForward(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ outShape: [Int]) -> Tensor {
    let out = Tensor(uninitialized: outShape)
    let pa = a.data, pb = b.data, po = out.data
    if a.shape == b.shape {
        Parallel.forChunks(out.count, minChunk: elementwiseChunk) { lo, hi in
            binaryForwardSame(op, pa + lo, pb + lo, po + lo, hi - lo)
        }
    } else if a.shape == outShape && Broadcast.isSuffix(b.shape, of: outShape) {
        let m = b.count, rows = out.count / Swift.max(m, 1)
        Parallel.forChunks(rows, minChunk: Swift.max(1, elementwiseChunk / Swift.max(m, 1))) { lo, hi in
            for r in lo..<hi { binaryForwardSame(op, pa + r * m, pb, po + r * m, m) }
        }
    } else {
        Broadcast.forEach(outShape, Broadcast.strides(a.shape, to: outShape), Broadcast.strides(b.shape, to: outShape)) {
            o, i, j in po[o] = applyBinary(op, pa[i], pb[j])
        }
    }
    return out
}

/// Backward: da += sumToShape(g * d(a op b)/da), db likewise.
func binaryBackward(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ g: Tensor) {
    let outShape = g.shape
    func expanded(_ t: Tensor) -> Tensor {
        if t.shape == outShape { return t }
        let e = Tensor(uninitialized: outShape)
        let src = t.data, dst = e.data
        Broadcast.forEach(outShape, Broadcast.strides(t.shape, to: outShape), Broadcast.strides(t.shape, to: outShape)) {
            o, i, _ in dst[o] = src[i]
        }
        return e
    }
    let n = g.count
    let gp = g.data
    // Sums and differences of same-shape tensors pass the gradient through: written straight into a fresh
    // gradient buffer (or added to an existing one) without intermediate tensors.
    if (op == .add || op == .sub) && a.shape == outShape && b.shape == outShape {
        a.writeOrAccumulateGrad { d, fresh in
            Parallel.forChunks(n, minChunk: elementwiseChunk) { lo, hi in
                if fresh { (d + lo).update(from: gp + lo, count: hi - lo) } else { addInPlace(d + lo, gp + lo, hi - lo) }
            }
        }
        b.writeOrAccumulateGrad { d, fresh in
            Parallel.forChunks(n, minChunk: elementwiseChunk) { lo, hi in
                if op == .add {
                    if fresh { (d + lo).update(from: gp + lo, count: hi - lo) } else { addInPlace(d + lo, gp + lo, hi - lo) }
                } else if fresh {
                    for i in lo..<hi { d[i] = -gp[i] }
                } else {
                    for i in lo..<hi { d[i] -= gp[i] }
                }
            }
        }
        return
    }
    if a.requiresGrad {
        let local: Tensor
        switch op {
        case .add, .sub: local = g
        case .mul:
            let bb = expanded(b); local = Tensor(uninitialized: outShape)
            binaryForwardSame(.mul, gp, bb.data, local.data, n)
        case .div:
            let bb = expanded(b); local = Tensor(uninitialized: outShape)
            binaryForwardSame(.div, gp, bb.data, local.data, n)
        }
        let reduced = local.sumToShape(a.shape)
        a.accumulateGrad { addInPlace($0, reduced.data, reduced.count) }
    }
    if b.requiresGrad {
        let local = Tensor(uninitialized: outShape)
        let lp = local.data
        switch op {
        case .add: lp.update(from: gp, count: n)
        case .sub: for i in 0..<n { lp[i] = -gp[i] }
        case .mul:
            let aa = expanded(a).data
            for i in 0..<n { lp[i] = gp[i] * aa[i] }
        case .div:
            let aa = expanded(a).data, bb = expanded(b).data
            for i in 0..<n { lp[i] = -gp[i] * aa[i] / (bb[i] * bb[i]) }
        }
        let reduced = local.sumToShape(b.shape)
        b.accumulateGrad { addInPlace($0, reduced.data, reduced.count) }
    }
}

extension Tensor {
    package func binary(_ op: BinaryOp, _ other: Tensor) -> Tensor {
        let a = contiguous(), b = other.contiguous()
        let out = binaryForward(op, a, b, Broadcast.shape(a.shape, b.shape))
        out.record([a, b]) { g in binaryBackward(op, a, b, g) }
        return out
    }

    package static func + (a: Tensor, b: Tensor) -> Tensor { a.binary(.add, b) }
    package static func - (a: Tensor, b: Tensor) -> Tensor { a.binary(.sub, b) }
    package static func * (a: Tensor, b: Tensor) -> Tensor { a.binary(.mul, b) }
    package static func / (a: Tensor, b: Tensor) -> Tensor { a.binary(.div, b) }
    package static func + (a: Tensor, s: Float) -> Tensor { a.binary(.add, Tensor([s], shape: [])) }
    package static func - (a: Tensor, s: Float) -> Tensor { a.binary(.sub, Tensor([s], shape: [])) }
    package static func * (a: Tensor, s: Float) -> Tensor { a.scaled(s) }
    package static func / (a: Tensor, s: Float) -> Tensor { a.scaled(1 / s) }
    package static prefix func - (a: Tensor) -> Tensor { a.scaled(-1) }

    /// out = s * self.
    package func scaled(_ s: Float) -> Tensor {
        let a = contiguous()
        let out = Tensor(uninitialized: shape)
        let n = count, pa = a.data, po = out.data
        for i in 0..<n { po[i] = pa[i] * s }
        out.record([a]) { g in
            a.accumulateGrad { d in let gp = g.data; for i in 0..<n { d[i] += s * gp[i] } }
        }
        return out
    }
}
