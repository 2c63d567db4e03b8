/// Matrix products through `cblas_sgemm`: batched `matmul` with broadcasting over batch dimensions, and the fused
/// `linear` layer (x W + b) in both weight layouts.

/// How a tensor's last two axes sit in memory for BLAS: row-major as is, or a transposed view of a row-major one.
struct MatrixOperand {
    let tensor: Tensor
    let rows: Int, cols: Int
    let transposed: Bool
    /// Leading dimension of the stored (untransposed) matrix.
    let ld: Int
    let batchShape: [Int]

    init(_ t: Tensor) {
        shapeCheck(t.rank >= 2, "matmul needs rank >= 2, got \(t.shape)")
        let r = t.rank
        rows = t.shape[r - 2]; cols = t.shape[r - 1]
        batchShape = Array(t.shape[..<(r - 2)])
        // A transposed view of a contiguous tensor: the last two strides are swapped, the batch ones contiguous.
        let batchOK = (0..<(r - 2)).allSatisfy { t.strides[$0] == Tensor.contiguousStrides(t.shape)[$0] || t.shape[$0] == 1 }
        if t.isContiguous {
            tensor = t; transposed = false; ld = cols
        } else if batchOK && t.strides[r - 1] == rows && t.strides[r - 2] == 1 {
            tensor = t; transposed = true; ld = rows
        } else {
            tensor = t.contiguous(); transposed = false; ld = cols
        }
    }
}

extension Tensor {
    /// Matrix product over the last two axes, broadcasting the leading (batch) axes: [..., M, K] x [..., K, N].
    package func matmul(_ other: Tensor) -> Tensor {
        let a = MatrixOperand(self), b = MatrixOperand(other)
        shapeCheck(a.cols == b.rows, "matmul \(shape) x \(other.shape)")
        let M = a.rows, K = a.cols, N = b.cols
        let batch = Broadcast.shape(a.batchShape, b.batchShape)
        let nb = batch.reduce(1, *)
        let out = Tensor(uninitialized: batch + [M, N])
        // Matrix-index strides of each operand over the broadcast batch (0 where it repeats).
        let sa = Broadcast.strides(a.batchShape, to: batch), sb = Broadcast.strides(b.batchShape, to: batch)
        let offsets: [(Int, Int)] = {
            var o: [(Int, Int)] = []
            o.reserveCapacity(nb)
            Broadcast.forEach(batch, sa, sb) { _, i, j in o.append((i, j)) }
            return o
        }()
        let ap = a.tensor.data, bp = b.tensor.data, cp = out.data
        for (k, (ia, ib)) in offsets.enumerated() {
            sgemm(transA: a.transposed, transB: b.transposed, M: M, N: N, K: K, A: ap + ia * M * K, lda: a.ld,
                  B: bp + ib * K * N, ldb: b.ld, beta: 0, C: cp + k * M * N, ldc: N)
        }
        let at = a.tensor, bt = b.tensor
        out.record([at, bt]) { g in
            let gp = g.data
            if at.requiresGrad {
                // dA[i] += dC[i] op(B[i])^T
                at.accumulateGrad { da in
                    for (k, (ia, ib)) in offsets.enumerated() {
                        // The gradient of a transposed view is stored in the view's own (M, K) layout.
                        sgemm(transA: false, transB: !b.transposed, M: M, N: K, K: N, A: gp + k * M * N, lda: N,
                              B: bp + ib * K * N, ldb: b.ld, beta: 1, C: da + ia * M * K, ldc: K)
                    }
                }
            }
            if bt.requiresGrad {
                // dB[i] += op(A[i])^T dC[i]
                bt.accumulateGrad { db in
                    for (k, (ia, ib)) in offsets.enumerated() {
                        sgemm(transA: !a.transposed, transB: false, M: K, N: N, K: M, A: ap + ia * M * K, lda: a.ld,
                              B: gp + k * M * N, ldb: N, beta: 1, C: db + ib * K * N, ldc: N)
                    }
                }
            }
        }
        return out
    }
}

/// Weight layouts of a linear map.
package enum WeightLayout: Sendable {
    /// `[in, out]`, y = x W + b (Hugging Face GPT-2 `Conv1D`).
    case inOut
    /// `[out, in]`, y = x Wᵀ + b (`nn.Linear`, GGUF, tied embedding heads).
    case outIn
}

extension Tensor {
    /// y = x W + b over the last axis of x: [..., in] -> [..., out]. One fused op (bias in the GEMM's C).
    package func linear(_ weight: Tensor, bias: Tensor? = nil, layout: WeightLayout) -> Tensor {
        let x = contiguous(), w = weight.contiguous()
        let inF = shape[rank - 1]
        let outF = layout == .inOut ? w.shape[1] : w.shape[0]
        shapeCheck(w.rank == 2 && (layout == .inOut ? w.shape[0] : w.shape[1]) == inF,
                   "linear: input \(shape) with weight \(w.shape) (\(layout))")
        let rows = count / inF
        var outShape = shape; outShape[rank - 1] = outF
        let y = Tensor(uninitialized: outShape)
        let xp = x.data, wp = w.data, yp = y.data
        var beta: Float = 0
        let b = bias?.contiguous()
        if let b {
            shapeCheck(b.count == outF, "linear: bias \(b.shape) for \(outF) outputs")
            let bp = b.data
            Parallel.forChunks(rows, minChunk: Swift.max(1, elementwiseChunk / outF)) { lo, hi in
                for r in lo..<hi { (yp + r * outF).update(from: bp, count: outF) }
            }
            beta = 1
        }
        sgemm(transA: false, transB: layout == .outIn, M: rows, N: outF, K: inF, A: xp, lda: inF, B: wp,
              ldb: layout == .inOut ? outF : inF, beta: beta, C: yp, ldc: outF)
        var inputs = [x, w]
        if let b { inputs.append(b) }
        y.record(inputs) { g in
            linearBackward(x: x, w: w, b: b, g: g, rows: rows, inF: inF, outF: outF, layout: layout)
        }
        return y
    }
}

/// dx += dy Wᵀ (inOut) or dy W (outIn); dW += xᵀ dy (inOut) or dyᵀ x (outIn); db += column sums of dy.
func linearBackward(x: Tensor, w: Tensor, b: Tensor?, g: Tensor, rows: Int, inF: Int, outF: Int, layout: WeightLayout) {
    let gp = g.data, xp = x.data, wp = w.data
    x.writeOrAccumulateGrad { dx, fresh in
        sgemm(transA: false, transB: layout == .inOut, M: rows, N: inF, K: outF, A: gp, lda: outF, B: wp,
              ldb: layout == .inOut ? outF : inF, beta: fresh ? 0 : 1, C: dx, ldc: inF)
    }
    w.writeOrAccumulateGrad { dw, fresh in
        switch layout {
        case .inOut:
            sgemm(transA: true, transB: false, M: inF, N: outF, K: rows, A: xp, lda: inF, B: gp, ldb: outF,
                  beta: fresh ? 0 : 1, C: dw, ldc: outF)
        case .outIn:
            sgemm(transA: true, transB: false, M: outF, N: inF, K: rows, A: gp, lda: outF, B: xp, ldb: inF,
                  beta: fresh ? 0 : 1, C: dw, ldc: inF)
        }
    }
    b?.writeOrAccumulateGrad { db, fresh in
        if fresh { db.update(repeating: 0, count: outF) }
        withRowChunkPartials(rows: rows, C: outF, outputs: [db]) { lo, hi, partials in
            guard let out = partials[0] else { return }
            for r in lo..<hi { addInPlace(out, gp + r * outF, outF) }
        }
    }
}
