import Testing
@testable import TensorCore

@Suite("Gradients against finite differences")
struct GradientTests {
    @Test func elementwiseBroadcast() {
        for op in [BinaryOp.add, .sub, .mul] {
            gradCheck([rand([2, 3, 4], seed: 1), rand([4], seed: 2)]) { $0[0].binary(op, $0[1]) }
            gradCheck([rand([2, 1, 4], seed: 3), rand([3, 1], seed: 4)]) { $0[0].binary(op, $0[1]) }
            gradCheck([rand([3, 4], seed: 5), rand([3, 4], seed: 6)]) { $0[0].binary(op, $0[1]) }
        }
        gradCheck([rand([2, 3], seed: 7), rand([3], seed: 8, std: 0.2, mean: 2)]) { $0[0] / $0[1] }
        gradCheck([rand([5], seed: 9)]) { $0[0] * 3 + 1 }
    }

    @Test func reductions() {
        for axis in [0, 1, 2] {
            gradCheck([rand([2, 3, 4], seed: 10)]) { $0[0].sum(axis: axis) }
            gradCheck([rand([2, 3, 4], seed: 11)]) { $0[0].mean(axis: axis, keepDims: true) }
            // Distinct values 0.1 apart: no ties within the finite-difference step.
            let values = (0..<24).map { Float(($0 * 7) % 24) * 0.1 }
            gradCheck([Tensor(values, shape: [2, 3, 4])]) { $0[0].max(axis: axis) }
        }
        gradCheck([rand([3, 4], seed: 13)]) { $0[0].sum() }
        gradCheck([rand([3, 4], seed: 14)]) { $0[0].mean() }
    }

    /// The LSTM cell's two pointwise ops, stacking and joining along the last axis.
    @Test func recurrentAndJoins() {
        gradCheck([rand([3, 8], seed: 31), rand([3, 2], seed: 32)]) { $0[0].lstmCellState($0[1]) }
        gradCheck([rand([3, 8], seed: 33), rand([3, 2], seed: 34)]) { $0[0].lstmCellOutput($0[1]) }
        gradCheck([rand([3, 8], seed: 35), rand([3, 2], seed: 36)]) { a in
            let c = a[0].lstmCellState(a[1])
            return a[0].lstmCellOutput(c) * c
        }
        gradCheck([rand([2, 3], seed: 37), rand([2, 3], seed: 38)]) { Tensor.stack([$0[0], $0[1] * 2]) }
        gradCheck([rand([2, 2, 3], seed: 39), rand([2, 2, 1], seed: 40)]) { Tensor.concatenate(lastAxis: [$0[0], $0[1], $0[0]]) }
    }

    @Test func views() {
        gradCheck([rand([2, 3, 4], seed: 15)]) { $0[0].transposed(0, 2).contiguous() }
        gradCheck([rand([2, 3, 4], seed: 16)]) { $0[0].reshaped([4, 6]) * 2 }
        gradCheck([rand([5, 3], seed: 17)]) { $0[0].narrow(start: 1, length: 3) }
        gradCheck([rand([2, 3, 4], seed: 18)]) { $0[0].transposed(1, 2).reshaped([2, 12]) }
    }

    @Test func matmul() {
        gradCheck([rand([3, 4], seed: 20), rand([4, 5], seed: 21)]) { $0[0].matmul($0[1]) }
        gradCheck([rand([2, 3, 4], seed: 22), rand([2, 4, 5], seed: 23)]) { $0[0].matmul($0[1]) }
        gradCheck([rand([2, 3, 4], seed: 24), rand([4, 5], seed: 25)]) { $0[0].matmul($0[1]) }
        gradCheck([rand([3, 4], seed: 26), rand([2, 4, 5], seed: 27)]) { $0[0].matmul($0[1]) }
        // Transposed views go to BLAS with a transpose flag.
        gradCheck([rand([2, 4, 3], seed: 28), rand([2, 5, 4], seed: 29)]) {
            $0[0].transposed().matmul($0[1].transposed())
        }
    }

    @Test func linear() {
        gradCheck([rand([2, 3, 4], seed: 30), rand([4, 5], seed: 31), rand([5], seed: 32)]) {
            $0[0].linear($0[1], bias: $0[2], layout: .inOut)
        }
        gradCheck([rand([6, 4], seed: 33), rand([5, 4], seed: 34)]) { $0[0].linear($0[1], layout: .outIn) }
    }

    @Test func embedding() {
        gradCheck([rand([7, 3], seed: 35)]) { $0[0].embedding([1, 4, 1, 6], shape: [2, 2]) }
    }

    @Test func softmaxFamily() {
        gradCheck([rand([3, 5], seed: 40)]) { $0[0].softmax() }
        gradCheck([rand([3, 5], seed: 41)]) { $0[0].logSoftmax() }
        gradCheck([rand([2, 4, 4], seed: 42)]) { $0[0].causalMasked().softmax() }
        gradCheck([rand([2, 3, 5], seed: 43)]) { $0[0].causalMasked(value: -1e4).softmax() }
    }

    @Test func activations() {
        for f in [Pointwise.gelu, .relu, .silu, .tanh, .sigmoid, .exp] {
            // Keep ReLU's inputs away from its kink at 0.
            let x = rand([3, 7], seed: 50)
            if f == .relu { for i in 0..<x.count where abs(x.data[i]) < 0.05 { x.data[i] = 0.3 } }
            gradCheck([x]) { $0[0].pointwise(f) }
        }
        gradCheck([rand([9], seed: 51, std: 0.3, mean: 2)]) { $0[0].log() }
    }

    @Test func norms() {
        gradCheck([rand([3, 6], seed: 60), rand([6], seed: 61, mean: 1), rand([6], seed: 62)]) {
            $0[0].layerNorm(weight: $0[1], bias: $0[2])
        }
        gradCheck([rand([3, 6], seed: 63), rand([6], seed: 64, mean: 1)]) { $0[0].rmsNorm(weight: $0[1]) }
    }

    @Test func losses() {
        gradCheck([rand([4, 6], seed: 70)]) { $0[0].crossEntropy(targets: [0, 5, -1, 2]) }
        gradCheck([rand([4, 6], seed: 71), rand([4, 6], seed: 72)]) { $0[0].mseLoss($0[1]) }
    }

    @Test func dropoutUsesItsMask() {
        gradCheck([rand([4, 8], seed: 73)]) { x in
            var rng = RandomGenerator(seed: 5)
            return x[0].dropout(0.3, rng: &rng)
        }
    }

    @Test func fusedAttention() {
        // Multi-head over a fused qkv, and grouped-query (4 query heads sharing 2 key/value heads).
        gradCheck([rand([2, 5, 3 * 8], seed: 80)]) { Tensor.causalSelfAttention(qkv: $0[0], heads: 2).output }
        gradCheck([rand([2, 5, 8 * 2], seed: 81)]) { Tensor.causalSelfAttention(qkv: $0[0], heads: 4, kvHeads: 2).output }
        gradCheck([rand([1, 4, 8], seed: 82), rand([1, 4, 4], seed: 83), rand([1, 4, 4], seed: 84)]) {
            Tensor.causalAttention(q: $0[0], k: $0[1], v: $0[2], heads: 4, kvHeads: 2).output
        }
    }

    @Test func attentionWithSoftCapWindowAndScale() {
        // Gemma's options: scores capped at 2 (small, so the cap bends them), a window of 2 positions, another scale.
        let options = AttentionOptions(scale: 0.7, softcap: 2, window: 2)
        gradCheck([rand([1, 5, 8], seed: 85), rand([1, 5, 4], seed: 86), rand([1, 5, 4], seed: 87)]) {
            Tensor.causalAttention(q: $0[0], k: $0[1], v: $0[2], heads: 4, kvHeads: 2, options: options).output
        }
    }

    /// softmax(mask(Q Kᵀ/√d)) V through the general ops, from a fused [B, T, 3·nh·hs] projection.
    func composedAttention(_ qkv: Tensor, B: Int, T: Int, nh: Int, hs: Int) -> Tensor {
        let parts = qkv.reshaped([B, T, 3, nh, hs])                  // (B, T, 3, nh, hs)
        func head(_ which: Int) -> Tensor {
            // Select q, k or v with a one-hot matmul over the "3" axis, then (B, nh, T, hs).
            var sel = [Float](repeating: 0, count: 3); sel[which] = 1
            let picked = parts.transposed(2, 4).matmul(Tensor(sel, shape: [3, 1]))   // (B, T, hs, nh, 1)
            return picked.reshaped([B, T, hs, nh]).transposed(1, 3).transposed(2, 3).contiguous()
        }
        let q = head(0), k = head(1), v = head(2)
        let att = (q.matmul(k.transposed()) * (1 / Float(hs).squareRoot())).causalMasked().softmax()
        return att.matmul(v).transposed(1, 2).contiguous().reshaped([B, T, nh * hs])
    }

    @Test(arguments: [5, 64, 130])
    func fusedAttentionEqualsComposedOps(T: Int) {
        // T = 130 spans three query blocks of the fused kernel, the last one partial.
        let B = 2, nh = 2, hs = 4
        let x1 = rand([B, T, 3 * nh * hs], seed: 85), x2 = Tensor(x1.scalars, shape: x1.shape)
        x1.requiresGrad = true; x2.requiresGrad = true
        let w = rand([B, T, nh * hs], seed: 86)
        let fused = Tensor.causalSelfAttention(qkv: x1, heads: nh).output
        let composed = composedAttention(x2, B: B, T: T, nh: nh, hs: hs)
        let a = fused.scalars, b = composed.scalars
        #expect(zip(a, b).map { abs($0 - $1) }.max()! < 1e-5)
        (fused * w).sum().backward()
        (composed * w).sum().backward()
        let g1 = x1.grad!.scalars, g2 = x2.grad!.scalars
        #expect(zip(g1, g2).map { abs($0 - $1) }.max()! < 1e-5)
    }
}

@Suite("Tensor basics")
struct TensorBasicsTests {
    @Test func broadcastShapes() {
        #expect(Broadcast.shape([2, 1, 4], [3, 1]) == [2, 3, 4])
        let a = Tensor([1, 2, 3], shape: [3, 1]), b = Tensor([10, 20], shape: [2])
        #expect((a + b).scalars == [11, 21, 12, 22, 13, 23])
    }

    @Test func transposeIsAView() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let t = a.transposed()
        #expect(t.storage === a.storage)
        #expect(t.scalars == [1, 4, 2, 5, 3, 6])
        #expect(a.reshaped([3, 2]).storage === a.storage)
    }

    @Test func inferenceModeRecordsNothing() {
        let w = rand([3, 3], seed: 1)
        w.requiresGrad = true
        let y = GradMode.withoutGradients { w.matmul(w).sum() }
        #expect(!y.requiresGrad)
        #expect(y.node == nil)
    }

    @Test func simdExpMatchesLibm() {
        var worst: Float = 0
        var x: Float = -80
        while x < 80 {
            let v = simdExp(SIMD8(repeating: x))[0]
            worst = Swift.max(worst, abs(v - Foundation.exp(x)) / Foundation.exp(x))
            x += 0.0137
        }
        #expect(worst < 5e-7)
    }

    @Test func seededGeneratorIsReproducible() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        #expect((0..<10).map { _ in a.nextNormal() } == (0..<10).map { _ in b.nextNormal() })
        let data = try! JSONEncoder().encode(a)
        var c = try! JSONDecoder().decode(RandomGenerator.self, from: data)
        #expect(c.nextNormal() == a.nextNormal())
    }

    @Test func maxReduction() {
        let a = Tensor([1, 5, 3, 4, 2, 6], shape: [2, 3])
        #expect(a.max(axis: 1).scalars == [5, 6])
        #expect(a.sum(axis: 0).scalars == [5, 7, 9])
    }
}

import Foundation
