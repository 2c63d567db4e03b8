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

@inline(__always) func loadHalf(_ p: UnsafeRawPointer, _ o: Int) -> Float {
    Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
}

/// The 32 4-bit values of a Q4 block as floats: low nibbles of bytes 0–15 are elements 0–15, high nibbles 16–31.
/// Each 8-byte half is widened straight into 32-bit lanes, so every step is an 8-wide AVX2 operation.
@inline(__always) func nibbles(_ p: UnsafeRawPointer) -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    let a = SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(as: SIMD8<UInt8>.self))
    let b = SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: 8, as: SIMD8<UInt8>.self))
    return (SIMD8<Float>(a & 15), SIMD8<Float>(b & 15), SIMD8<Float>(a &>> 4), SIMD8<Float>(b &>> 4))
}

@inline(__always) func int8x8(_ p: UnsafeRawPointer, _ o: Int) -> SIMD8<Float> {
    SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: o, as: SIMD8<Int8>.self)))
}

/// One Q4_1/Q4_0 block (32 weights) dotted with 32 x values, before the block scale: a shallow tree of
/// products so that consecutive blocks overlap in the pipeline.
@inline(__always) func q4BlockDot(_ q: UnsafeRawPointer, _ xb: UnsafeRawPointer, centred: Bool) -> SIMD8<Float> {
    var (l0, l1, h0, h1) = nibbles(q)
    if centred { l0 -= 8; l1 -= 8; h0 -= 8; h1 -= 8 }
    var p0 = l0 * xb.loadUnaligned(as: SIMD8<Float>.self)
    var p1 = l1 * xb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
    p0 = p0.addingProduct(h0, xb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
    p1 = p1.addingProduct(h1, xb.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
    return p0 + p1
}

@inline(__always) func q8BlockDot(_ p: UnsafeRawPointer, _ xb: UnsafeRawPointer) -> SIMD8<Float> {
    var p0 = int8x8(p, 2) * xb.loadUnaligned(as: SIMD8<Float>.self)
    var p1 = int8x8(p, 10) * xb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
    p0 = p0.addingProduct(int8x8(p, 18), xb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
    p1 = p1.addingProduct(int8x8(p, 26), xb.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
    return p0 + p1
}

/// dot(W row, x) for one row of x (decode). One block per iteration: the only loop-carried dependency is the
/// accumulator's FMA, so out-of-order execution overlaps consecutive blocks. (Unrolling by hand made LLVM's SLP
/// vectoriser mix the two blocks' lanes into shuffles: 2x slower.)
@inline(__always) func quantizedRowDot(_ format: QuantFormat, _ row: UnsafeRawPointer, _ x: UnsafePointer<Float>,
                                       nb: Int, xsums: UnsafePointer<Float>) -> Float {
    var acc = SIMD8<Float>()
    var offset: Float = 0
    let xr = UnsafeRawPointer(x)
    switch format {
    case .q4_1:
        for b in 0..<nb {
            let p = row + b * 20
            acc = acc.addingProduct(q4BlockDot(p + 4, xr + b * 128, centred: false), SIMD8(repeating: loadHalf(p, 0)))
            offset = offset.addingProduct(loadHalf(p, 2), xsums[b])
        }
    case .q4_0:
        for b in 0..<nb {
            let p = row + b * 18
            acc = acc.addingProduct(q4BlockDot(p + 2, xr + b * 128, centred: true), SIMD8(repeating: loadHalf(p, 0)))
        }
    case .q8_0:
        for b in 0..<nb {
            let p = row + b * 34
            acc = acc.addingProduct(q8BlockDot(p, xr + b * 128), SIMD8(repeating: loadHalf(p, 0)))
        }
    case .f32, .other:
        preconditionFailure("quantizedRowDot: no block kernel for \(format)")
    }
    return acc.sum() + offset
}

/// out[m * ldo + r] = dot(W row r, x row m) for rows r in lo..<hi and m in 0..<M (M <= 4).
func quantizedRowsTimesX(_ w: QuantizedMatrix, _ x: UnsafePointer<Float>, M: Int, _ out: UnsafeMutablePointer<Float>,
                         ldo: Int, rows lo: Int, _ hi: Int, scratch: UnsafeMutablePointer<Float>, xsums: UnsafePointer<Float>) {
    let K = w.cols, nb = K / 32
    if M == 1 && (w.format == .q4_1 || w.format == .q4_0 || w.format == .q8_0) {
        switch w.format {
        case .q4_1: for r in lo..<hi { out[r] = gb_dot_q4_1(w.data + r * w.rowBytes, x, xsums, nb) }
        case .q4_0: for r in lo..<hi { out[r] = gb_dot_q4_0(w.data + r * w.rowBytes, x, nb) }
        default: for r in lo..<hi { out[r] = gb_dot_q8_0(w.data + r * w.rowBytes, x, nb) }
        }
        return
    }
    for r in lo..<hi {
        let row = w.data + r * w.rowBytes
        var acc = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var offs: (Float, Float, Float, Float) = (0, 0, 0, 0)
        @inline(__always) func fma(_ m: Int, _ v: SIMD8<Float>) {
            switch m {
            case 0: acc.0 += v
            case 1: acc.1 += v
            case 2: acc.2 += v
            default: acc.3 += v
            }
        }
        switch w.format {
        case .q4_1, .q4_0:
            let blockBytes = w.format == .q4_1 ? 20 : 18, qOffset = w.format == .q4_1 ? 4 : 2
            for b in 0..<nb {
                let p = row + b * blockBytes
                let d = loadHalf(p, 0)
                var (l0, l1, h0, h1) = nibbles(p + qOffset)
                if w.format == .q4_0 { l0 -= 8; l1 -= 8; h0 -= 8; h1 -= 8 }
                for m in 0..<M {
                    let xb = UnsafeRawPointer(x + m * K + b * 32)
                    var s = l0 * xb.loadUnaligned(as: SIMD8<Float>.self)
                    s = s.addingProduct(l1, xb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
                    s = s.addingProduct(h0, xb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
                    s = s.addingProduct(h1, xb.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
                    fma(m, s * d)
                }
                if w.format == .q4_1 {
                    // The block's offset m contributes m * sum(x over the block).
                    let mb = loadHalf(p, 2)
                    offs.0 += mb * xsums[b]
                    if M > 1 { offs.1 += mb * xsums[nb + b] }
                    if M > 2 { offs.2 += mb * xsums[2 * nb + b] }
                    if M > 3 { offs.3 += mb * xsums[3 * nb + b] }
                }
            }
        case .q8_0:
            for b in 0..<nb {
                let p = row + b * 34
                let d = loadHalf(p, 0)
                let q0 = int8x8(p, 2), q1 = int8x8(p, 10), q2 = int8x8(p, 18), q3 = int8x8(p, 26)
                for m in 0..<M {
                    let xb = UnsafeRawPointer(x + m * K + b * 32)
                    var s = q0 * xb.loadUnaligned(as: SIMD8<Float>.self)
                    s = s.addingProduct(q1, xb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
                    s = s.addingProduct(q2, xb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
                    s = s.addingProduct(q3, xb.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
                    fma(m, s * d)
                }
            }
        case .f32, .other:
            let values: UnsafePointer<Float>
            if w.format == .f32 {
                values = UnsafeRawPointer(row).assumingMemoryBound(to: Float.self)
            } else {
                w.dequantizeRow(row, scratch, K)
                values = UnsafePointer(scratch)
            }
            for m in 0..<M { out[m * ldo + r] = simdDot(values, x + m * K, K) }
            continue
        }
        out[r] = acc.0.sum() + offs.0
        if M > 1 { out[ldo + r] = acc.1.sum() + offs.1 }
        if M > 2 { out[2 * ldo + r] = acc.2.sum() + offs.2 }
        if M > 3 { out[3 * ldo + r] = acc.3.sum() + offs.3 }
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
