import CQuantKernels

/// y = x Wᵀ with W [out, in] kept in a block-quantised format, dequantised on the fly.
///
/// Few rows of x (decode): each output row's blocks are unpacked once into SIMD registers and dotted with every x
/// row (Q4_1, Q8_0 and Q4_0 have dedicated kernels; other formats dequantise a row into a scratch buffer).
/// Many rows (prefill): tiles of 64 weight rows are dequantised into a buffer and multiplied with sgemm.
/// Dequantisation is exact (as the block formats define it), so results match float32 within summation order.

/// Block formats with dedicated SIMD kernels; everything else goes through the matrix's `dequantizeRow`.
public enum QuantFormat: Sendable { case f32, q4_0, q4_1, q8_0, other }

/// A frozen [rows, cols] weight matrix in a quantised format, read in place (e.g. from a memory-mapped file).
public struct QuantizedMatrix: @unchecked Sendable {
    public let rows: Int
    public let cols: Int
    public let format: QuantFormat
    public let data: UnsafeRawPointer
    public let rowBytes: Int
    /// Dequantises `count` elements of one row (exactly, as the format defines it).
    public let dequantizeRow: @Sendable (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void
    /// Keeps the memory behind `data` alive.
    let owner: AnyObject

    public init(rows: Int, cols: Int, format: QuantFormat, data: UnsafeRawPointer, rowBytes: Int, owner: AnyObject,
                dequantizeRow: @escaping @Sendable (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void) {
        self.rows = rows; self.cols = cols; self.format = format; self.data = data; self.rowBytes = rowBytes
        self.owner = owner; self.dequantizeRow = dequantizeRow
    }

    /// Rows lo..<hi dequantised into dst (row-major, `cols` per row).
    public func dequantize(rows lo: Int, _ hi: Int, into dst: UnsafeMutablePointer<Float>) {
        for r in lo..<hi { dequantizeRow(data + r * rowBytes, dst + (r - lo) * cols, cols) }
    }

    /// Bytes of the weights (what one pass over the matrix reads).
    public var byteCount: Int { rows * rowBytes }
}

/// out[m * ldo + r] = dot(W row r, x row m) for rows r in lo..<hi and m in 0..<M (few rows of x: decode).
/// Q4_1, Q4_0 and Q8_0 rows go through the AVX2 kernels of CQuantKernels; other formats dequantise each row once
/// into `scratch` and dot it with every x row.
func quantizedRowsTimesX(_ w: QuantizedMatrix, _ x: UnsafePointer<Float>, M: Int, _ out: UnsafeMutablePointer<Float>,
                         ldo: Int, rows lo: Int, _ hi: Int, scratch: UnsafeMutablePointer<Float>, xsums: UnsafePointer<Float>) {
    let K = w.cols, nb = K / 32
    for r in lo..<hi {
        let row = w.data + r * w.rowBytes
        switch w.format {
        case .q4_1: for m in 0..<M { out[m * ldo + r] = gb_dot_q4_1(row, x + m * K, xsums + m * nb, nb) }
        case .q4_0: for m in 0..<M { out[m * ldo + r] = gb_dot_q4_0(row, x + m * K, nb) }
        case .q8_0: for m in 0..<M { out[m * ldo + r] = gb_dot_q8_0(row, x + m * K, nb) }
        case .f32:
            let values = UnsafeRawPointer(row).assumingMemoryBound(to: Float.self)
            for m in 0..<M { out[m * ldo + r] = simdDot(values, x + m * K, K) }
        case .other:
            w.dequantizeRow(row, scratch, K)
            for m in 0..<M { out[m * ldo + r] = simdDot(scratch, x + m * K, K) }
        }
    }
}

/// y[M, rows] = x[M, cols] · Wᵀ.
public func quantizedMatMul(_ w: QuantizedMatrix, x: UnsafePointer<Float>, M: Int, y: UnsafeMutablePointer<Float>) {
    let K = w.cols, N = w.rows
    if M <= 4 {
        // Per-block sums of x for the Q4_1 offsets.
        let nb = K / 32
        let xs = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, M * nb))
        defer { xs.deallocate() }
        if w.format == .q4_1 { for m in 0..<M { for b in 0..<nb { xs[m * nb + b] = simdSum(x + m * K + b * 32, 32) } } }
        let parts = N * K >= 1 << 16 ? Parallel.threads : 1
        Parallel.forChunks(N, minChunk: Swift.max(1, N / parts)) { lo, hi in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: w.format == .other ? K : 1)
            defer { scratch.deallocate() }
            quantizedRowsTimesX(w, x, M: M, y, ldo: N, rows: lo, hi, scratch: scratch, xsums: xs)
        }
        return
    }
    // Prefill: dequantised tiles of weight rows, each multiplied by all of x with sgemm.
    let tile = 64
    let tiles = (N + tile - 1) / tile
    Parallel.forChunks(tiles, minChunk: 1) { t0, t1 in
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: tile * K)
        defer { buf.deallocate() }
        for t in t0..<t1 {
            let lo = t * tile, hi = Swift.min(N, lo + tile)
            w.dequantize(rows: lo, hi, into: buf)
            sgemm(transA: false, transB: true, M: M, N: hi - lo, K: K, A: x, lda: K, B: buf, ldb: K, beta: 0,
                  C: y + lo, ldc: N, parallel: false)
        }
    }
}

/// dx[M, cols] += dy[M, rows] · W (the gradient through a frozen quantised matrix).
func quantizedMatMulBackward(_ w: QuantizedMatrix, dy: UnsafePointer<Float>, M: Int, dx: UnsafeMutablePointer<Float>) {
    let K = w.cols, N = w.rows
    let tile = 64
    let buf = UnsafeMutablePointer<Float>.allocate(capacity: tile * K)
    defer { buf.deallocate() }
    var lo = 0
    while lo < N {
        let hi = Swift.min(N, lo + tile)
        w.dequantize(rows: lo, hi, into: buf)
        sgemm(transA: false, transB: false, M: M, N: K, K: hi - lo, A: dy + lo, lda: N, B: buf, ldb: K, beta: 1,
              C: dx, ldc: K)
        lo = hi
    }
}

extension Tensor {
    /// x [..., cols] -> [..., rows] through a frozen quantised weight (gradient flows to x only).
    public func quantizedLinear(_ w: QuantizedMatrix) -> Tensor {
        let x = contiguous()
        let K = shape[rank - 1]
        shapeCheck(K == w.cols, "quantizedLinear: input \(shape) with a [\(w.rows), \(w.cols)] weight")
        let M = count / K
        var outShape = shape; outShape[rank - 1] = w.rows
        let y = Tensor(uninitialized: outShape)
        quantizedMatMul(w, x: x.data, M: M, y: y.data)
        y.record([x]) { g in
            x.accumulateGrad { dx in quantizedMatMulBackward(w, dy: g.data, M: M, dx: dx) }
        }
        return y
    }
}
