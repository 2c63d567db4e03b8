import CQuantKernels
import Foundation

/// y = x Wᵀ with W [out, in] kept in a block-quantised format, dequantised on the fly.
///
/// Few rows of x (decode): each output row's blocks are unpacked once into SIMD registers and dotted with every x
/// row (Q4_1, Q8_0 and Q4_0 have dedicated kernels; other formats dequantise a row into a scratch buffer).
/// Many rows (prefill): tiles of 64 weight rows are dequantised into a buffer and multiplied with sgemm.
/// Dequantisation is exact (as the block formats define it), so results match float32 within summation order.

/// Block formats with dedicated SIMD kernels; everything else goes through the matrix's `dequantizeRow`.
package enum QuantFormat: Sendable { case f32, q4_0, q4_1, q8_0, other }

/// A frozen [rows, cols] weight matrix in a quantised format, read in place (e.g. from a memory-mapped file).
package struct QuantizedMatrix: @unchecked Sendable {
    package let rows: Int
    package let cols: Int
    package let format: QuantFormat
    package let data: UnsafeRawPointer
    package let rowBytes: Int
    /// Dequantises `count` elements of one row (exactly, as the format defines it).
    package let dequantizeRow: @Sendable (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void
    /// Keeps the memory behind `data` alive.
    let owner: AnyObject

    package init(rows: Int, cols: Int, format: QuantFormat, data: UnsafeRawPointer, rowBytes: Int, owner: AnyObject,
                dequantizeRow: @escaping @Sendable (UnsafeRawPointer, UnsafeMutablePointer<Float>, Int) -> Void) {
        self.rows = rows; self.cols = cols; self.format = format; self.data = data; self.rowBytes = rowBytes
        self.owner = owner; self.dequantizeRow = dequantizeRow
    }

    /// Rows lo..<hi as a matrix of their own, read in place (a fused q/k/v or gate/up tensor split by rows).
    package func rows(_ range: Range<Int>) -> QuantizedMatrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "rows \(range) of a \(rows)-row matrix")
        return QuantizedMatrix(rows: range.count, cols: cols, format: format, data: data + range.lowerBound * rowBytes,
                               rowBytes: rowBytes, owner: owner, dequantizeRow: dequantizeRow)
    }

    /// Rows lo..<hi dequantised into dst (row-major, `cols` per row): the SIMD kernels of CQuantKernels for
    /// Q4_0, Q4_1 and Q8_0 (bit-identical to the format's definition), the matrix's own function otherwise.
    package func dequantize(rows lo: Int, _ hi: Int, into dst: UnsafeMutablePointer<Float>) {
        let nb = cols / 32
        for r in lo..<hi {
            let src = data + r * rowBytes, y = dst + (r - lo) * cols
            switch format {
            case .q4_0 where cols % 32 == 0: gb_dequant_q4_0(src, y, nb)
            case .q4_1 where cols % 32 == 0: gb_dequant_q4_1(src, y, nb)
            case .q8_0 where cols % 32 == 0: gb_dequant_q8_0(src, y, nb)
            default: dequantizeRow(src, y, cols)
            }
        }
    }

    /// Bytes of the weights (what one pass over the matrix reads).
    package var byteCount: Int { rows * rowBytes }
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
package func quantizedMatMul(_ w: QuantizedMatrix, x: UnsafePointer<Float>, M: Int, y: UnsafeMutablePointer<Float>) {
    if M <= 4 {
        quantizedMatVecGroup([w], x: x, M: M, ys: [y])
        return
    }
    let K = w.cols, N = w.rows
    if M >= manyRows, let dense = DequantizedWeights.current?.dense(w) {
        sgemm(transA: false, transB: true, M: M, N: N, K: K, A: x, lda: K, B: dense, ldb: K, beta: 0, C: y, ldc: N)
        return
    }
    // Prefill: dequantised tiles of weight rows, each multiplied by all of x with sgemm, the tiles split across
    // the threads. (Whole dequantised slabs and one threaded sgemm each were measured slower here: prefill of 128
    // tokens 438 against 629 tokens/s; batched analyses use the float copies above instead.)
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

/// Rows of x from which a product inside a `DequantizedWeights` scope reads the float copy (made once: N·K,
/// against M·N·K multiply-adds per product), and a gradient outside one dequantises whole slabs.
let manyRows = 64

/// Float copies of quantised weights, kept while a batched analysis runs (`DequantizedWeights.scope`).
///
/// An analysis such as integrated gradients or a patching scan runs the model dozens of times on batches of a few
/// hundred rows; dequantising every weight for each of those passes cost as much as a fifth of the work (and
/// the adaptive attribution's small refinement batches far more). Within a scope, each matrix is dequantised
/// once, on first use by a product with many rows, up to a byte budget; matrices beyond the budget are
/// dequantised per product as before. The copies are freed when the scope ends, so a model held by a server
/// keeps only its memory-mapped weights between requests.
package final class DequantizedWeights: @unchecked Sendable {
    /// The scope's copies, seen by the products run on this task or thread.
    @TaskLocal package static var current: DequantizedWeights?

    /// Bytes of float copies allowed (default 1 GiB: all of a 135M-parameter model's layers).
    package let budgetBytes: Int
    package private(set) var usedBytes = 0
    private var copies: [UnsafeRawPointer: UnsafeMutablePointer<Float>] = [:]
    private let lock = NSLock()

    package init(budgetBytes: Int = 1 << 30) { self.budgetBytes = budgetBytes }

    deinit { for p in copies.values { p.deallocate() } }

    /// Runs `body` with products of many rows reading float copies of the quantised weights.
    package static func scope<R>(budgetBytes: Int = 1 << 30, _ body: () throws -> R) rethrows -> R {
        if current != nil { return try body() }          // nested: the outer scope's copies serve
        // The analysis's buffers go back to the system with its float copies (a server keeps only the model).
        defer { BufferMemory.trim(to: 0) }
        return try $current.withValue(DequantizedWeights(budgetBytes: budgetBytes), operation: body)
    }

    /// The float copy of `w` (made now if it fits the budget), or nil.
    func dense(_ w: QuantizedMatrix) -> UnsafePointer<Float>? {
        lock.lock(); defer { lock.unlock() }
        if let p = copies[w.data] { return UnsafePointer(p) }
        let bytes = w.rows * w.cols * MemoryLayout<Float>.size
        guard usedBytes + bytes <= budgetBytes else { return nil }
        let p = UnsafeMutablePointer<Float>.allocate(capacity: w.rows * w.cols)
        let K = w.cols
        Parallel.forChunks(w.rows, minChunk: 16) { a, b in w.dequantize(rows: a, b, into: p + a * K) }
        copies[w.data] = p
        usedBytes += bytes
        return UnsafePointer(p)
    }
}

/// Calls `body(lo, hi, slab)` for consecutive row ranges of `w`, each dequantised (by all threads) into a float
/// slab of at most ~8 MiB, so a large matrix (an unembedding) never needs a whole float copy.
func withDequantizedSlabs(_ w: QuantizedMatrix, _ body: (Int, Int, UnsafePointer<Float>) -> Void) {
    let K = w.cols, N = w.rows
    let slabRows = Swift.max(64, Swift.min(N, (8 << 20) / 4 / Swift.max(K, 1)))
    let slab = UnsafeMutablePointer<Float>.allocate(capacity: slabRows * K)
    defer { slab.deallocate() }
    var lo = 0
    while lo < N {
        let hi = Swift.min(N, lo + slabRows)
        Parallel.forChunks(hi - lo, minChunk: 16) { a, b in w.dequantize(rows: lo + a, lo + b, into: slab + a * K) }
        body(lo, hi, slab)
        lo = hi
    }
}

/// ys[i][M, ws[i].rows] = x[M, cols] · ws[i]ᵀ for few rows of x (decode), every matrix in one parallel region.
///
/// Projections that read the same activations (Llama's q, k, v; gate and up) are one region: the rows of all
/// matrices are split across the threads together, which halves the synchronisations per layer and balances the
/// small k and v matrices with the large q.
func quantizedMatVecGroup(_ ws: [QuantizedMatrix], x: UnsafePointer<Float>, M: Int, ys: [UnsafeMutablePointer<Float>]) {
    guard let K = ws.first?.cols else { return }
    let nb = K / 32
    // Per-block sums of x for the Q4_1 offsets.
    let xs = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, M * nb))
    defer { xs.deallocate() }
    if ws.contains(where: { $0.format == .q4_1 }) {
        for m in 0..<M { for b in 0..<nb { xs[m * nb + b] = simdSum(x + m * K + b * 32, 32) } }
    }
    let total = ws.reduce(0) { $0 + $1.rows }
    let needsScratch = ws.contains { $0.format == .other }
    // One contiguous run of rows per thread (measured: dynamically claimed chunks were ~6% slower, as each
    // thread's reads stop being one stream for the prefetchers); at least ~16k multiply-adds per thread.
    Parallel.forChunks(total, minChunk: Swift.max(1, (1 << 14) / Swift.max(K, 1))) { lo, hi in
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: needsScratch ? K : 1)
        defer { scratch.deallocate() }
        var base = 0
        for (w, y) in zip(ws, ys) {
            let a = Swift.max(lo, base), b = Swift.min(hi, base + w.rows)
            if a < b { quantizedRowsTimesX(w, x, M: M, y, ldo: w.rows, rows: a - base, b - base, scratch: scratch, xsums: xs) }
            base += w.rows
        }
    }
}

/// dx[M, cols] += dy[M, rows] · W (the gradient through a frozen quantised matrix).
func quantizedMatMulBackward(_ w: QuantizedMatrix, dy: UnsafePointer<Float>, M: Int, dx: UnsafeMutablePointer<Float>) {
    let K = w.cols, N = w.rows
    if M >= manyRows, let dense = DequantizedWeights.current?.dense(w) {
        sgemm(transA: false, transB: false, M: M, N: K, K: N, A: dy, lda: N, B: dense, ldb: K, beta: 1, C: dx, ldc: K)
        return
    }
    if M >= manyRows {
        // Whole slabs (see quantizedMatMul): one threaded sgemm per slab instead of a rank-64 update of all of dx
        // per 64 weight rows.
        withDequantizedSlabs(w) { lo, hi, slab in
            sgemm(transA: false, transB: false, M: M, N: K, K: hi - lo, A: dy + lo, lda: N, B: slab, ldb: K, beta: 1,
                  C: dx, ldc: K)
        }
        return
    }
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
    /// x [..., cols] through several frozen quantised weights of the same input width: one result per weight
    /// (as `quantizedLinear` each), computed in one parallel region when x has few rows.
    package func quantizedLinears(_ ws: [QuantizedMatrix]) -> [Tensor] {
        let x = contiguous()
        let K = shape[rank - 1], M = count / K
        guard M <= 4, ws.count > 1 else { return ws.map { x.quantizedLinear($0) } }
        let ys = ws.map { w -> Tensor in
            shapeCheck(K == w.cols, "quantizedLinears: input \(shape) with a [\(w.rows), \(w.cols)] weight")
            var outShape = shape; outShape[rank - 1] = w.rows
            return Tensor(uninitialized: outShape)
        }
        quantizedMatVecGroup(ws, x: x.data, M: M, ys: ys.map(\.data))
        for (w, y) in zip(ws, ys) {
            y.record([x]) { g in
                x.accumulateGrad { dx in quantizedMatMulBackward(w, dy: g.data, M: M, dx: dx) }
            }
        }
        return ys
    }

    /// x [..., cols] -> [..., rows] through a frozen quantised weight (gradient flows to x only).
    package func quantizedLinear(_ w: QuantizedMatrix) -> Tensor {
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
