/// Shape views: reshape, transpose, contiguous, and slicing of the leading axis.
extension Tensor {
    /// The same elements with another shape; a view when contiguous, a copy otherwise. One dimension may be -1.
    package func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            s[i] = known == 0 ? 0 : count / known
        }
        shapeCheck(s.reduce(1, *) == count, "reshape \(shape) -> \(newShape)")
        let base = contiguous()
        let out = Tensor(storage: base.storage, shape: s, offset: base.offset)
        out.record([base]) { g in
            base.accumulateGrad { dst in addInPlace(dst, g.data, g.count) }
        }
        return out
    }

    /// Swaps two axes (a strided view, no copy).
    package func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        let a = axis(a), b = axis(b)
        var sh = shape, st = strides
        sh.swapAt(a, b); st.swapAt(a, b)
        let out = Tensor(storage: storage, shape: sh, strides: st, offset: offset)
        out.record([self]) { [self] g in
            // g is contiguous in the transposed shape: scatter it back through the swapped strides.
            let back = Tensor(storage: g.storage, shape: self.shape, strides: {
                var s = Tensor.contiguousStrides(sh); s.swapAt(a, b); return s
            }(), offset: g.offset)
            let c = back.contiguousCopyIfNeeded()
            self.accumulateGrad { dst in addInPlace(dst, c.data, c.count) }
        }
        return out
    }

    /// This tensor in contiguous memory: itself if already so, else a copy that passes gradients back.
    package func contiguous() -> Tensor {
        if isContiguous { return self }
        let out = Tensor(uninitialized: shape)
        stridedCopy(from: self, to: out.data)
        out.record([self]) { [self] g in
            // self's gradient buffer is contiguous in self's shape, as is g.
            self.accumulateGrad { dst in addInPlace(dst, g.data, g.count) }
        }
        return out
    }

    /// Rows start..<start+length of the leading axis (a view for contiguous tensors).
    package func narrow(start: Int, length: Int) -> Tensor {
        shapeCheck(start >= 0 && start + length <= shape[0], "narrow \(start)+\(length) of \(shape)")
        let base = contiguous()
        let rowSize = count / Swift.max(shape[0], 1)
        var sh = shape; sh[0] = length
        let out = Tensor(storage: base.storage, shape: sh, offset: base.offset + start * rowSize)
        out.record([base]) { g in
            base.accumulateGrad { dst in addInPlace(dst + start * rowSize, g.data, g.count) }
        }
        return out
    }
}

@inline(__always)
func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { storeSIMD8(loadSIMD8(dst + i) + loadSIMD8(src + i), dst + i); i += 8 }
    while i < n { dst[i] += src[i]; i += 1 }
}

extension Tensor {
    /// Tensors of one shape stacked along a new leading axis: n × S → (n, S...).
    package static func stack(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "stack of no tensors")
        let shape = parts[0].shape
        for p in parts { shapeCheck(p.shape == shape, "stack: \(p.shape) vs \(shape)") }
        let ins = parts.map { $0.contiguous() }
        let n = ins[0].count
        let out = Tensor(uninitialized: [parts.count] + shape)
        for (k, p) in ins.enumerated() { (out.data + k * n).update(from: p.data, count: n) }
        out.record(ins) { g in
            let gd = g.contiguous().data
            for (k, p) in ins.enumerated() { p.accumulateGrad { dst in addInPlace(dst, gd + k * n, n) } }
        }
        return out
    }

    /// Tensors joined along their last axis (every other axis equal): [..., a], [..., b] → [..., a + b].
    package static func concatenate(lastAxis parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "concatenate of no tensors")
        let lead = Array(parts[0].shape.dropLast())
        for p in parts { shapeCheck(Array(p.shape.dropLast()) == lead, "concatenate: \(p.shape) vs \(parts[0].shape)") }
        let ins = parts.map { $0.contiguous() }
        let widths = ins.map { $0.shape[$0.rank - 1] }, total = widths.reduce(0, +)
        let rows = lead.reduce(1, *)
        let out = Tensor(uninitialized: lead + [total])
        var at = 0
        for (p, w) in zip(ins, widths) {
            for r in 0..<rows { (out.data + r * total + at).update(from: p.data + r * w, count: w) }
            at += w
        }
        out.record(ins) { g in
            let gd = g.contiguous().data
            var at = 0
            for (p, w) in zip(ins, widths) {
                let offset = at
                p.accumulateGrad { dst in for r in 0..<rows { addInPlace(dst + r * w, gd + r * total + offset, w) } }
                at += w
            }
        }
        return out
    }
}
