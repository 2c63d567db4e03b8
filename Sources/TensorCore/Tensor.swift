/// An n-dimensional Float32 tensor, row-major, with reverse-mode autodiff.
///
/// A tensor is a view (`shape`, `strides`, `offset`) of a `Storage`. Reshape of a contiguous tensor and
/// transpose are views; kernels that need contiguous memory call `contiguous()`, which copies only when needed.
/// When gradients are enabled (`GradMode`) and an input `requiresGrad`, each operation records a `Node` whose
/// backward closure (written beside the forward kernel) accumulates into the inputs' `grad`.
package final class Tensor {
    package let shape: [Int]
    package let strides: [Int]
    package let offset: Int
    package let storage: Storage
    /// Whether gradients flow to this tensor. Parameters set it; results inherit it from their inputs.
    package var requiresGrad: Bool
    /// d(loss)/d(self), filled by `backward()` for leaves (parameters) and kept; freed for intermediates.
    package var grad: Tensor?
    var node: Node?

    package init(storage: Storage, shape: [Int], strides: [Int]? = nil, offset: Int = 0, requiresGrad: Bool = false) {
        self.storage = storage
        self.shape = shape
        self.strides = strides ?? Tensor.contiguousStrides(shape)
        self.offset = offset
        self.requiresGrad = requiresGrad
    }

    /// A new contiguous tensor with unspecified contents (every kernel that uses it writes all elements).
    package convenience init(uninitialized shape: [Int]) {
        self.init(storage: Storage(uninitializedCount: shape.reduce(1, *)), shape: shape)
    }

    package static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(storage: Storage(zeros: shape.reduce(1, *)), shape: shape)
        t.requiresGrad = requiresGrad
        return t
    }

    package static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.storage.pointer.update(repeating: value, count: t.count)
        return t
    }

    package convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == shape.reduce(1, *), "Tensor: \(values.count) values do not fill shape \(shape)")
        self.init(uninitialized: shape)
        values.withUnsafeBufferPointer { if let base = $0.baseAddress { storage.pointer.update(from: base, count: values.count) } }
        self.requiresGrad = requiresGrad
    }

    /// Normal(mean, std) values drawn from `rng`.
    package static func randn(_ shape: [Int], std: Float = 1, mean: Float = 0, rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(uninitialized: shape)
        let p = t.storage.pointer
        for i in 0..<t.count { p[i] = mean + std * rng.nextNormal() }
        return t
    }

    /// Uniform values in [low, high) drawn from `rng`.
    package static func uniform(_ shape: [Int], low: Float, high: Float, rng: inout RandomGenerator) -> Tensor {
        let t = Tensor(uninitialized: shape)
        let p = t.storage.pointer
        for i in 0..<t.count { p[i] = low + (high - low) * rng.nextFloat() }
        return t
    }

    package var count: Int { shape.reduce(1, *) }
    package var rank: Int { shape.count }

    package var isContiguous: Bool { strides == Tensor.contiguousStrides(shape) }

    /// Pointer to the first element; valid for `count` elements only when the tensor is contiguous.
    package var data: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// The elements in row-major order (copies).
    package var scalars: [Float] {
        let c = contiguousCopyIfNeeded()
        return Array(UnsafeBufferPointer(start: c.data, count: c.count))
    }

    /// The single value of a one-element tensor.
    package var item: Float {
        precondition(count == 1, "item: tensor has \(count) elements")
        return storage.pointer[offset]
    }

    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// Normalises a possibly negative axis.
    func axis(_ a: Int) -> Int {
        let r = a < 0 ? a + rank : a
        shapeCheck(r >= 0 && r < rank, "axis \(a) out of range for shape \(shape)")
        return r
    }

    /// The values gathered in row-major order without recording anything (no autodiff).
    func contiguousCopyIfNeeded() -> Tensor {
        if isContiguous { return self }
        let out = Tensor(uninitialized: shape)
        stridedCopy(from: self, to: out.data)
        return out
    }

    /// Drops the graph behind this tensor: a leaf again, with the same values.
    package func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// Sets every element of a contiguous tensor in place (no autodiff).
    package func fill(_ value: Float) {
        precondition(isContiguous)
        data.update(repeating: value, count: count)
    }

    /// Copies `other`'s values into this contiguous tensor in place (no autodiff).
    package func copyValues(from other: Tensor) {
        precondition(isContiguous && other.count == count, "copyValues: \(other.shape) into \(shape)")
        let o = other.contiguousCopyIfNeeded()
        data.update(from: o.data, count: count)
    }
}

/// Copies a strided tensor into a contiguous buffer.
func stridedCopy(from t: Tensor, to dst: UnsafeMutablePointer<Float>) {
    let n = t.count
    if n == 0 { return }
    let src = t.storage.pointer
    let r = t.rank
    if r == 0 { dst[0] = src[t.offset]; return }
    var index = [Int](repeating: 0, count: r)
    let inner = t.shape[r - 1], innerStride = t.strides[r - 1]
    var base = t.offset
    var written = 0
    while written < n {
        var p = base
        for j in 0..<inner { dst[written + j] = src[p]; p += innerStride }
        written += inner
        // Advance the outer index.
        var d = r - 2
        while d >= 0 {
            index[d] += 1
            base += t.strides[d]
            if index[d] < t.shape[d] { break }
            base -= t.strides[d] * t.shape[d]
            index[d] = 0
            d -= 1
        }
    }
}
