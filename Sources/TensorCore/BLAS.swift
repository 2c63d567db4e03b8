import COpenBLAS

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, with op(A) M x K, op(B) K x N.
///
/// Large products are split over the rows of C (or its columns when M is small) across `Parallel.threads`,
/// each part a single-threaded `cblas_sgemm` call.
public func sgemm(
    transA: Bool, transB: Bool, M: Int, N: Int, K: Int,
    alpha: Float = 1, A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
    beta: Float, C: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true
) {
    if M == 0 || N == 0 { return }
    let ta = transA ? CblasTrans : CblasNoTrans
    let tb = transB ? CblasTrans : CblasNoTrans
    let flops = M * N * K
    let parts = parallel && flops >= 1 << 18 ? Parallel.threads : 1
    if parts <= 1 {
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(M), Int32(N), Int32(K), alpha, A, Int32(lda), B, Int32(ldb),
                    beta, C, Int32(ldc))
        return
    }
    if M >= N || M >= 8 * parts {
        Parallel.forChunks(M, minChunk: 4) { lo, hi in
            // Rows lo..<hi of op(A): row offset without transpose, column offset with it.
            let a = transA ? A + lo : A + lo * lda
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(hi - lo), Int32(N), Int32(K), alpha, a, Int32(lda), B,
                        Int32(ldb), beta, C + lo * ldc, Int32(ldc))
        }
    } else {
        Parallel.forChunks(N, minChunk: 4) { lo, hi in
            let b = transB ? B + lo * ldb : B + lo
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(M), Int32(hi - lo), Int32(K), alpha, A, Int32(lda), b,
                        Int32(ldb), beta, C + lo, Int32(ldc))
        }
    }
}
