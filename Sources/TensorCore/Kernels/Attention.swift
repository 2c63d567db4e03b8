import Foundation

/// Fused causal scaled-dot-product attention, grouped-query ready.
///
/// For batch b, query head h (using key/value head h / (nh / nkv)):
///   S = Q Kᵀ · scale  (T, T),  P = softmax(causal(S)),  O = P V  (T, hs)
/// Q, K, V are read in place from [B, T, *] buffers at a column offset with a row stride, so GPT-2's fused
/// `c_attn` output [B, T, 3C] needs no split. Heads run in parallel, each with single-threaded GEMMs.

/// Where one of Q, K, V lives: base pointer, the row stride of [B, T, rowStride], and a column offset.
struct HeadMatrix {
    let base: UnsafeMutablePointer<Float>
    let rowStride: Int
    let column: Int
    @inline(__always) func head(_ b: Int, _ h: Int, T: Int, hs: Int) -> UnsafeMutablePointer<Float> {
        base + b * T * rowStride + column + h * hs
    }
}

/// What varies between the attention layers of the models Glassbox runs: the score scale (1/√hs unless given:
/// Gemma's query_pre_attn_scalar), soft-capping of the scores (Gemma 2: s ← cap · tanh(s / cap), before the mask)
/// and a sliding window (a query sees only the last `window` positions, itself included: Gemma's local layers).
package struct AttentionOptions: Sendable, Equatable {
    package var scale: Float?
    package var softcap: Float?
    package var window: Int?
    package init(scale: Float? = nil, softcap: Float? = nil, window: Int? = nil) {
        self.scale = scale; self.softcap = softcap; self.window = window
    }
    package static let standard = AttentionOptions()

    func scale(headSize hs: Int) -> Float { scale ?? 1 / Float(hs).squareRoot() }

    /// The first key a query that sees keys 0..<n may attend.
    @inline(__always) package func firstKey(_ n: Int) -> Int { window.map { Swift.max(0, n - $0) } ?? 0 }

    /// Caps scores[lo..<n], softmaxes them, and zeroes the rest of the row of Tk.
    @inline(__always) func finishRow(_ row: UnsafeMutablePointer<Float>, n: Int, Tk: Int) {
        let lo = firstKey(n)
        if let cap = softcap { for j in lo..<n { row[j] = cap * tanhf(row[j] / cap) } }
        softmaxRowInPlace(row + lo, n - lo)
        row.update(repeating: 0, count: lo)
        (row + n).update(repeating: 0, count: Tk - n)
    }
}

/// Queries are processed in blocks of this many rows; block [i0, i1) only needs keys [0, i1) (causality), which
/// skips close to half of the T x T products on long contexts.
let attentionQueryBlock = 64

/// Forward for every (b, h): fills probs [B, nh, Tq, Tk] and out [B, Tq, nh * hs].
///
/// The Tq queries are the last Tq of the Tk positions (Tq < Tk when earlier keys come from a KV cache):
/// query i attends keys 0 ... Tk - Tq + i.
func attentionForward(q: HeadMatrix, k: HeadMatrix, v: HeadMatrix, out: UnsafeMutablePointer<Float>,
                      probs: UnsafeMutablePointer<Float>, B: Int, Tq: Int, Tk: Int, nh: Int, nkv: Int, hs: Int,
                      options: AttentionOptions = .standard) {
    let group = nh / nkv
    let C = nh * hs
    let shift = Tk - Tq
    let scale = options.scale(headSize: hs)
    if B == 1 && Tq == 1 {
        decodeAttention(q: q.base + q.column, k: k.base + k.column, v: v.base + v.column, kStride: k.rowStride,
                        vStride: v.rowStride, out: out, probs: probs, n: Tk, nh: nh, nkv: nkv, hs: hs, options: options)
        return
    }
    Parallel.forEach(B * nh) { bh in
        let b = bh / nh, h = bh % nh, kvh = h / group
        let p = probs + bh * Tq * Tk
        let qh = q.head(b, h, T: Tq, hs: hs), kh = k.head(b, kvh, T: Tk, hs: hs), vh = v.head(b, kvh, T: Tk, hs: hs)
        let oh = out + b * Tq * C + h * hs
        if Tq <= 2 {
            // Decode: one or two queries against the cache. Plain SIMD dot products and axpys; sgemm's packing
            // would cost more than the arithmetic here.
            for i in 0..<Tq {
                let row = p + i * Tk, n = shift + i + 1
                let qi = qh + i * q.rowStride
                for j in 0..<n { row[j] = scale * simdDot(qi, kh + j * k.rowStride, hs) }
                options.finishRow(row, n: n, Tk: Tk)
                let o = oh + i * C
                o.update(repeating: 0, count: hs)
                for j in options.firstKey(n)..<n {
                    let pj = row[j], vj = vh + j * v.rowStride
                    for d in 0..<hs { o[d] += pj * vj[d] }
                }
            }
            return
        }
        var i0 = 0
        while i0 < Tq {
            let i1 = Swift.min(Tq, i0 + attentionQueryBlock), rows = i1 - i0, keys = shift + i1
            // S[i0..<i1, 0..<keys] = Q[i0..<i1] K[0..<keys]ᵀ · scale
            sgemm(transA: false, transB: true, M: rows, N: keys, K: hs, alpha: scale, A: qh + i0 * q.rowStride,
                  lda: q.rowStride, B: kh, ldb: k.rowStride, beta: 0, C: p + i0 * Tk, ldc: Tk, parallel: false)
            for i in i0..<i1 { options.finishRow(p + i * Tk, n: shift + i + 1, Tk: Tk) }
            // O[i0..<i1] = P[i0..<i1, 0..<keys] V[0..<keys]
            sgemm(transA: false, transB: false, M: rows, N: hs, K: keys, A: p + i0 * Tk, lda: Tk, B: vh,
                  ldb: v.rowStride, beta: 0, C: oh + i0 * C, ldc: C, parallel: false)
            i0 = i1
        }
    }
}

/// One query position against n cached keys (decode), every head at once, with the keys split across the threads.
///
/// Splitting by heads leaves a thread idle (9 heads on 2 threads) and reads each shared K/V row once per query
/// head; here each thread takes a contiguous range of keys for all heads (split-K, as flash-decoding does): per
/// key-value head it reads each key and value row once for the query heads of its group, keeping a running
/// maximum, the sum of exponentials and the unnormalised output. The partial results are then combined exactly:
/// with m = max over parts, out = Σ_p e^{m_p − m} o_p / Σ_p e^{m_p − m} l_p, and the probabilities rescaled alike.
func decodeAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, kStride: Int,
                     vStride: Int, out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, n: Int,
                     nh: Int, nkv: Int, hs: Int, options: AttentionOptions = .standard) {
    let group = nh / nkv
    let scale = options.scale(headSize: hs), first = options.firstKey(n)
    let parts = Swift.max(1, Swift.min(Parallel.threads, n / 32))
    // Per part and head: running max, sum of exponentials, and the unnormalised output (hs floats).
    let stride = hs + 2
    let partial = UnsafeMutablePointer<Float>.allocate(capacity: parts * nh * stride)
    defer { partial.deallocate() }
    Parallel.forEach(parts) { p in
        // Keys before the window's first are masked: they keep probability 0 and this part may have none left.
        let hi = n * (p + 1) / parts, lo = Swift.min(hi, Swift.max(first, n * p / parts))
        for kvh in 0..<nkv {
            for g in 0..<group {
                let h = kvh * group + g
                let qh = q + h * hs, row = probs + h * n
                (row + n * p / parts).update(repeating: 0, count: lo - n * p / parts)
                // Scores for this head over keys lo..<hi (capped where the model caps them), and their maximum.
                var m = -Float.infinity
                for j in lo..<hi {
                    var sc = scale * simdDot(qh, k + j * kStride + kvh * hs, hs)
                    if let cap = options.softcap { sc = cap * tanhf(sc / cap) }
                    row[j] = sc
                    m = Swift.max(m, sc)
                }
                let st = partial + (p * nh + h) * stride
                let o = st + 2
                o.update(repeating: 0, count: hs)
                guard lo < hi else { st[0] = -.infinity; st[1] = 0; continue }
                let mv = SIMD8<Float>(repeating: m)
                mapSIMD8(hi - lo, row + lo, row + lo) { simdExp($0 - mv) }
                st[0] = m
                st[1] = simdSum(row + lo, hi - lo)
                for j in lo..<hi {
                    let e = row[j], vj = v + j * vStride + kvh * hs
                    var d = 0
                    let ev = SIMD8<Float>(repeating: e)
                    while d + 8 <= hs { storeSIMD8(loadSIMD8(o + d) + ev * loadSIMD8(vj + d), o + d); d += 8 }
                    while d < hs { o[d] += e * vj[d]; d += 1 }
                }
            }
        }
    }
    for h in 0..<nh {
        var m = -Float.infinity
        for p in 0..<parts { m = Swift.max(m, partial[(p * nh + h) * stride]) }
        var l: Float = 0
        for p in 0..<parts { let st = partial + (p * nh + h) * stride; l += expf(st[0] - m) * st[1] }
        let o = out + h * hs, row = probs + h * n
        o.update(repeating: 0, count: hs)
        for p in 0..<parts {
            let st = partial + (p * nh + h) * stride
            let w = st[1] > 0 ? expf(st[0] - m) / l : 0
            for d in 0..<hs { o[d] += w * st[2 + d] }
            let lo = n * p / parts, hi = n * (p + 1) / parts
            for j in lo..<hi { row[j] *= w }
        }
    }
}

/// Backward: dQ, dK, dV accumulate (+=) into buffers laid out like Q, K, V. Work is split by (b, kv head) so
/// that query heads sharing a key/value head never write the same dK/dV rows at once.
func attentionBackward(q: HeadMatrix, k: HeadMatrix, v: HeadMatrix, dq: HeadMatrix?, dk: HeadMatrix?, dv: HeadMatrix?,
                       dout: UnsafePointer<Float>, probs: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                       B: Int, T: Int, nh: Int, nkv: Int, hs: Int, options: AttentionOptions = .standard) {
    let group = nh / nkv
    let C = nh * hs
    let scale = options.scale(headSize: hs)
    Parallel.forEach(B * nkv) { bk in
        let b = bk / nkv, kvh = bk % nkv
        let dp = scratch + bk * T * T
        let kh = k.head(b, kvh, T: T, hs: hs), vh = v.head(b, kvh, T: T, hs: hs)
        for h in (kvh * group)..<((kvh + 1) * group) {
            let p = probs + (b * nh + h) * T * T
            let dO = dout + b * T * C + h * hs
            let qh = q.head(b, h, T: T, hs: hs)
            var i0 = 0
            while i0 < T {
                let i1 = Swift.min(T, i0 + attentionQueryBlock), rows = i1 - i0
                let pb = p + i0 * T, db = dp + i0 * T, dOb = dO + i0 * C
                // dP = dO Vᵀ over keys 0..<i1
                sgemm(transA: false, transB: true, M: rows, N: i1, K: hs, A: dOb, lda: C, B: vh, ldb: v.rowStride,
                      beta: 0, C: db, ldc: T, parallel: false)
                // dV[0..<i1] += Pᵀ dO
                if let dv {
                    sgemm(transA: true, transB: false, M: i1, N: hs, K: rows, A: pb, lda: T, B: dOb, ldb: C, beta: 1,
                          C: dv.head(b, kvh, T: T, hs: hs), ldc: dv.rowStride, parallel: false)
                }
                // dS = P ⊙ (dP - rowsum(dP ⊙ P)) · scale (entries past the diagonal have P = 0).
                for i in i0..<i1 {
                    let pr = p + i * T, dr = dp + i * T
                    let n = i + 1
                    let s = simdDot(pr, dr, n)
                    for j in 0..<n { dr[j] = pr[j] * (dr[j] - s) * scale }
                    (dr + n).update(repeating: 0, count: i1 - n)
                    // Through the cap: d(cap·tanh(x/cap))/dx = 1 − tanh², from the capped score recomputed.
                    if let cap = options.softcap {
                        let qi = qh + i * q.rowStride
                        for j in options.firstKey(n)..<n where pr[j] > 0 {
                            let t = tanhf(scale * simdDot(qi, kh + j * k.rowStride, hs) / cap)
                            dr[j] *= 1 - t * t
                        }
                    }
                }
                // dQ[i0..<i1] += dS K[0..<i1] ; dK[0..<i1] += dSᵀ Q[i0..<i1]
                if let dq {
                    sgemm(transA: false, transB: false, M: rows, N: hs, K: i1, A: db, lda: T, B: kh, ldb: k.rowStride,
                          beta: 1, C: dq.head(b, h, T: T, hs: hs) + i0 * dq.rowStride, ldc: dq.rowStride, parallel: false)
                }
                if let dk {
                    sgemm(transA: true, transB: false, M: i1, N: hs, K: rows, A: db, lda: T, B: qh + i0 * q.rowStride,
                          ldb: q.rowStride, beta: 1, C: dk.head(b, kvh, T: T, hs: hs), ldc: dk.rowStride, parallel: false)
                }
                i0 = i1
            }
        }
    }
}

/// The result of an attention op: the output and the softmax probabilities [B, nh, T, T] (no gradient).
package struct AttentionOutput {
    package let output: Tensor
    package let probabilities: Tensor
}

extension Tensor {
    /// Causal self-attention over a fused [B, T, (nh + 2 nkv) hs] projection (q | k | v along the last axis).
    package static func causalSelfAttention(qkv: Tensor, heads nh: Int, kvHeads nkv: Int? = nil) -> AttentionOutput {
        let x = qkv.contiguous()
        let nkv = nkv ?? nh
        let B = x.shape[0], T = x.shape[1], W = x.shape[2]
        shapeCheck(nh % nkv == 0 && W % (nh + 2 * nkv) == 0, "attention: width \(W) for \(nh) heads, \(nkv) kv heads")
        let hs = W / (nh + 2 * nkv)
        return attention(q: (x, 0), k: (x, nh * hs), v: (x, (nh + nkv) * hs), B: B, T: T, nh: nh, nkv: nkv, hs: hs)
    }

    /// Causal attention with separate q [B, T, nh·hs], k and v [B, T, nkv·hs].
    package static func causalAttention(q: Tensor, k: Tensor, v: Tensor, heads nh: Int, kvHeads nkv: Int,
                                       options: AttentionOptions = .standard) -> AttentionOutput {
        let q = q.contiguous(), k = k.contiguous(), v = v.contiguous()
        let B = q.shape[0], T = q.shape[1], hs = q.shape[2] / nh
        shapeCheck(k.shape == [B, T, nkv * hs] && v.shape == k.shape, "attention: q \(q.shape) k \(k.shape) v \(v.shape)")
        return attention(q: (q, 0), k: (k, 0), v: (v, 0), B: B, T: T, nh: nh, nkv: nkv, hs: hs, options: options)
    }

    private static func attention(q: (Tensor, Int), k: (Tensor, Int), v: (Tensor, Int), B: Int, T: Int, nh: Int,
                                  nkv: Int, hs: Int, options: AttentionOptions = .standard) -> AttentionOutput {
        func matrix(_ t: (Tensor, Int)) -> HeadMatrix { HeadMatrix(base: t.0.data, rowStride: t.0.shape[2], column: t.1) }
        let out = Tensor(uninitialized: [B, T, nh * hs])
        let probs = Tensor(uninitialized: [B, nh, T, T])
        attentionForward(q: matrix(q), k: matrix(k), v: matrix(v), out: out.data, probs: probs.data,
                         B: B, Tq: T, Tk: T, nh: nh, nkv: nkv, hs: hs, options: options)
        // Distinct source tensors (q, k, v may be one fused tensor).
        var inputs: [Tensor] = []
        for t in [q.0, k.0, v.0] where !inputs.contains(where: { $0 === t }) { inputs.append(t) }
        out.record(inputs) { g in
            func gradMatrix(_ t: (Tensor, Int)) -> HeadMatrix? {
                guard t.0.requiresGrad else { return nil }
                var m: HeadMatrix?
                t.0.accumulateGrad { m = HeadMatrix(base: $0, rowStride: t.0.shape[2], column: t.1) }
                return m
            }
            let scratch = Tensor(uninitialized: [B * nkv, T, T])
            attentionBackward(q: matrix(q), k: matrix(k), v: matrix(v), dq: gradMatrix(q), dk: gradMatrix(k),
                              dv: gradMatrix(v), dout: g.data, probs: probs.data, scratch: scratch.data,
                              B: B, T: T, nh: nh, nkv: nkv, hs: hs, options: options)
        }
        return AttentionOutput(output: out, probabilities: probs)
    }
}

extension Tensor {
    /// Inference attention of q [Tq, nh·hs] against the first Tk rows of key/value caches [capacity, nkv·hs]
    /// (the queries being the last Tq positions). Records no gradient.
    /// Attention of the last Tq positions of B sequences of Tk positions each (no gradient): q [B, Tq, nh·hs],
    /// keys and values [B, Tk, nkv·hs]; query i sits at position Tk − Tq + i and sees keys 0...that position.
    /// (Batched suffixes that share a prefix computed elsewhere, e.g. a patching scan.)
    package static func suffixAttention(q: Tensor, keys: Tensor, values: Tensor, heads nh: Int, kvHeads nkv: Int,
                                       options: AttentionOptions = .standard) -> AttentionOutput {
        let q = q.contiguous(), keys = keys.contiguous(), values = values.contiguous()
        let B = q.shape[0], Tq = q.shape[1], hs = q.shape[2] / nh, Tk = keys.shape[1]
        shapeCheck(q.rank == 3 && keys.shape == [B, Tk, nkv * hs] && values.shape == keys.shape && Tq <= Tk,
                   "suffixAttention: q \(q.shape), keys \(keys.shape), values \(values.shape)")
        let out = Tensor(uninitialized: [B, Tq, nh * hs])
        let probs = Tensor(uninitialized: [B, nh, Tq, Tk])
        attentionForward(q: HeadMatrix(base: q.data, rowStride: nh * hs, column: 0),
                         k: HeadMatrix(base: keys.data, rowStride: nkv * hs, column: 0),
                         v: HeadMatrix(base: values.data, rowStride: nkv * hs, column: 0),
                         out: out.data, probs: probs.data, B: B, Tq: Tq, Tk: Tk, nh: nh, nkv: nkv, hs: hs,
                         options: options)
        return AttentionOutput(output: out, probabilities: probs)
    }

    package static func cachedAttention(q: Tensor, keys: Tensor, values: Tensor, length Tk: Int, heads nh: Int,
                                       kvHeads nkv: Int, options: AttentionOptions = .standard) -> AttentionOutput {
        let q = q.contiguous()
        let Tq = q.count / q.shape[q.rank - 1], hs = q.shape[q.rank - 1] / nh
        shapeCheck(Tq <= Tk && keys.shape[keys.rank - 1] == nkv * hs && Tk <= keys.count / (nkv * hs),
                   "cachedAttention: q \(q.shape), cache \(keys.shape), length \(Tk)")
        let out = Tensor(uninitialized: [Tq, nh * hs])
        let probs = Tensor(uninitialized: [nh, Tq, Tk])
        attentionForward(q: HeadMatrix(base: q.data, rowStride: nh * hs, column: 0),
                         k: HeadMatrix(base: keys.data, rowStride: nkv * hs, column: 0),
                         v: HeadMatrix(base: values.data, rowStride: nkv * hs, column: 0),
                         out: out.data, probs: probs.data, B: 1, Tq: Tq, Tk: Tk, nh: nh, nkv: nkv, hs: hs,
                         options: options)
        return AttentionOutput(output: out, probabilities: probs)
    }
}
