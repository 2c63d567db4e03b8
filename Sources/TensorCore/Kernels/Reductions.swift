/// Sum, mean and max over one axis (or all elements). The input is viewed as [outer, n, inner] around the axis.
extension Tensor {
    /// Sum of every element (a scalar tensor of shape []).
    package func sum() -> Tensor { reshaped([count]).sum(axis: 0) }

    /// Mean of every element.
    package func mean() -> Tensor { sum().scaled(1 / Float(Swift.max(count, 1))) }

    package func sum(axis: Int, keepDims: Bool = false) -> Tensor { reduce(axis: axis, keepDims: keepDims, max: false) }

    package func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        sum(axis: axis, keepDims: keepDims).scaled(1 / Float(shape[self.axis(axis)]))
    }

    /// Maximum over an axis; the gradient goes to the first position holding the maximum.
    package func max(axis: Int, keepDims: Bool = false) -> Tensor { reduce(axis: axis, keepDims: keepDims, max: true) }

    private func reduce(axis ax: Int, keepDims: Bool, max isMax: Bool) -> Tensor {
        let a = self.axis(ax)
        let x = contiguous()
        let outer = shape[..<a].reduce(1, *), n = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        if keepDims { outShape[a] = 1 } else { outShape.remove(at: a) }
        let out = Tensor(uninitialized: outShape)
        let xp = x.data, op = out.data
        var argmax: [Int32] = []
        if isMax {
            shapeCheck(n > 0, "max over an empty axis")
            argmax = [Int32](repeating: 0, count: outer * inner)
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = xp[o * n * inner + i], bi: Int32 = 0
                    for k in 1..<n {
                        let v = xp[(o * n + k) * inner + i]
                        if v > best { best = v; bi = Int32(k) }
                    }
                    op[o * inner + i] = best
                    argmax[o * inner + i] = bi
                }
            }
        } else if inner == 1 {
            for o in 0..<outer { op[o] = simdSum(xp + o * n, n) }
        } else {
            for o in 0..<outer {
                let dst = op + o * inner
                dst.update(repeating: 0, count: inner)
                for k in 0..<n { addInPlace(dst, xp + (o * n + k) * inner, inner) }
            }
        }
        out.record([x]) { g in
            x.accumulateGrad { dx in
                let gp = g.data
                for o in 0..<outer {
                    for i in 0..<inner {
                        let gv = gp[o * inner + i]
                        if isMax {
                            dx[(o * n + Int(argmax[o * inner + i])) * inner + i] += gv
                        } else {
                            for k in 0..<n { dx[(o * n + k) * inner + i] += gv }
                        }
                    }
                }
            }
        }
        return out
    }
}
