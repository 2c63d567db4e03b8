import Foundation

/// The pointwise part of an LSTM cell, with its backward pass. The gates' pre-activations come from the caller
/// (W_ih x + b_ih + W_hh h + b_hh, as (B, 4H) in PyTorch's order i, f, g, o), so the matrix products stay
/// ordinary `linear`s:
///
///     i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
///     c' = f ⊙ c + i ⊙ g          (`lstmCellState`)
///     h' = o ⊙ tanh(c')           (`lstmCellOutput`)
///
/// Split in two so that h' passes its gradient to c' through the graph: the next step's c' and h' both read c'.
extension Tensor {
    /// c' = σ(a_f) ⊙ c + σ(a_i) ⊙ tanh(a_g), for gates (B, 4H) and cell state c (B, H).
    package func lstmCellState(_ c: Tensor) -> Tensor {
        let a = contiguous(), c = c.contiguous()
        shapeCheck(a.rank == 2 && c.rank == 2 && a.shape[0] == c.shape[0] && a.shape[1] == 4 * c.shape[1],
                   "lstmCellState: gates \(a.shape), cell \(c.shape) (want (B, 4H) and (B, H))")
        let B = c.shape[0], H = c.shape[1]
        let out = Tensor(uninitialized: [B, H])
        let ap = a.data, cp = c.data, op = out.data
        for b in 0..<B {
            let g = ap + b * 4 * H, cb = cp + b * H, ob = op + b * H
            for j in 0..<H {
                let i = sigmoid1(g[j]), f = sigmoid1(g[H + j]), gg = tanhf(g[2 * H + j])
                ob[j] = f * cb[j] + i * gg
            }
        }
        out.record([a, c]) { grad in
            let dy = grad.contiguous().data
            a.accumulateGrad { da in
                for b in 0..<B {
                    let g = ap + b * 4 * H, d = da + b * 4 * H, cb = cp + b * H, dyb = dy + b * H
                    for j in 0..<H {
                        let i = sigmoid1(g[j]), f = sigmoid1(g[H + j]), gg = tanhf(g[2 * H + j])
                        d[j] += dyb[j] * gg * i * (1 - i)
                        d[H + j] += dyb[j] * cb[j] * f * (1 - f)
                        d[2 * H + j] += dyb[j] * i * (1 - gg * gg)
                    }
                }
            }
            c.accumulateGrad { dc in
                for b in 0..<B {
                    let g = ap + b * 4 * H
                    for j in 0..<H { dc[b * H + j] += dy[b * H + j] * sigmoid1(g[H + j]) }
                }
            }
        }
        return out
    }

    /// h' = σ(a_o) ⊙ tanh(c'), for gates (B, 4H) and the new cell state c' (B, H).
    package func lstmCellOutput(_ c: Tensor) -> Tensor {
        let a = contiguous(), c = c.contiguous()
        shapeCheck(a.rank == 2 && c.rank == 2 && a.shape[0] == c.shape[0] && a.shape[1] == 4 * c.shape[1],
                   "lstmCellOutput: gates \(a.shape), cell \(c.shape) (want (B, 4H) and (B, H))")
        let B = c.shape[0], H = c.shape[1]
        let out = Tensor(uninitialized: [B, H])
        let ap = a.data, cp = c.data, op = out.data
        for b in 0..<B {
            for j in 0..<H { op[b * H + j] = sigmoid1(ap[b * 4 * H + 3 * H + j]) * tanhf(cp[b * H + j]) }
        }
        out.record([a, c]) { grad in
            let dy = grad.contiguous().data
            a.accumulateGrad { da in
                for b in 0..<B {
                    for j in 0..<H {
                        let o = sigmoid1(ap[b * 4 * H + 3 * H + j])
                        da[b * 4 * H + 3 * H + j] += dy[b * H + j] * tanhf(cp[b * H + j]) * o * (1 - o)
                    }
                }
            }
            c.accumulateGrad { dc in
                for b in 0..<B {
                    for j in 0..<H {
                        let o = sigmoid1(ap[b * 4 * H + 3 * H + j]), t = tanhf(cp[b * H + j])
                        dc[b * H + j] += dy[b * H + j] * o * (1 - t * t)
                    }
                }
            }
        }
        return out
    }
}

@inline(__always)
func sigmoid1(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
