/// Broadcasting rules (NumPy's): shapes align on the right; a dimension of 1 stretches to match.
enum Broadcast {
    static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        let r = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            shapeCheck(da == db || da == 1 || db == 1, "cannot broadcast \(a) with \(b)")
            out[i] = Swift.max(da, db)
        }
        return out
    }

    /// Strides that read a contiguous tensor of `shape` as if it had `outShape` (0 on stretched axes).
    static func strides(_ shape: [Int], to outShape: [Int]) -> [Int] {
        let r = outShape.count
        let own = Tensor.contiguousStrides(shape)
        var s = [Int](repeating: 0, count: r)
        for i in 0..<shape.count {
            let o = i + (r - shape.count)
            s[o] = shape[i] == 1 && outShape[o] != 1 ? 0 : own[i]
        }
        return s
    }

    /// Whether `small` broadcasts as a repeated suffix block of `big` (e.g. a bias [C] over [B, T, C]).
    static func isSuffix(_ small: [Int], of big: [Int]) -> Bool {
        var s = small
        while let f = s.first, f == 1, s.count > 0 { s.removeFirst() }
        if s.count > big.count { return false }
        return Array(big.suffix(s.count)) == s
    }

    /// Visits every element of `outShape`, giving the linear offsets into two broadcast inputs.
    @inline(__always)
    static func forEach(_ outShape: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
        let n = outShape.reduce(1, *)
        if n == 0 { return }
        let r = outShape.count
        if r == 0 { body(0, 0, 0); return }
        var index = [Int](repeating: 0, count: r)
        var ia = 0, ib = 0, o = 0
        let inner = outShape[r - 1], ias = sa[r - 1], ibs = sb[r - 1]
        while o < n {
            var pa = ia, pb = ib
            for _ in 0..<inner { body(o, pa, pb); o += 1; pa += ias; pb += ibs }
            var d = r - 2
            while d >= 0 {
                index[d] += 1; ia += sa[d]; ib += sb[d]
                if index[d] < outShape[d] { break }
                ia -= sa[d] * outShape[d]; ib -= sb[d] * outShape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

extension Tensor {
    /// Sums a gradient of the broadcast shape back down to `target` (the reverse of broadcasting).
    func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let out = Tensor.zeros(target)
        let src = contiguousCopyIfNeeded()
        let o = out.data, s = src.data
        if Broadcast.isSuffix(target, of: shape) {
            let m = out.count, rows = count / Swift.max(m, 1)
            for r in 0..<rows { addInPlace(o, s + r * m, m) }
            return out
        }
        let st = Broadcast.strides(target, to: shape)
        Broadcast.forEach(shape, Tensor.contiguousStrides(shape), st) { i, _, j in o[j] += s[i] }
        return out
    }
}
