import TensorCore

/// An LSTM cell with PyTorch's parameters (`weight_ih` (4H, I), `weight_hh` (4H, H), `bias_ih`, `bias_hh`; gates
/// in the order i, f, g, o), so `nn.LSTM` weights load as they are.
package final class LSTMCell: Module {
    package let weightIH: Tensor, weightHH: Tensor, biasIH: Tensor, biasHH: Tensor
    package let inputSize: Int, hiddenSize: Int

    /// Weights drawn U(−1/√H, 1/√H), as PyTorch does.
    package init(inputSize: Int, hiddenSize: Int, rng: inout RandomGenerator) {
        self.inputSize = inputSize; self.hiddenSize = hiddenSize
        let k = 1 / Float(hiddenSize).squareRoot()
        func u(_ shape: [Int]) -> Tensor { parameter(Tensor.uniform(shape, low: -k, high: k, rng: &rng)) }
        weightIH = u([4 * hiddenSize, inputSize]); weightHH = u([4 * hiddenSize, hiddenSize])
        biasIH = u([4 * hiddenSize]); biasHH = u([4 * hiddenSize])
    }

    package func namedParameters() -> [(String, Tensor)] {
        [("weight_ih", weightIH), ("weight_hh", weightHH), ("bias_ih", biasIH), ("bias_hh", biasHH)]
    }

    /// The input's share of the gates, W_ih x + b_ih, for many steps at once: (N, I) → (N, 4H).
    package func inputGates(_ x: Tensor) -> Tensor { x.linear(weightIH, bias: biasIH, layout: .outIn) }

    /// One step from the input's gates (`inputGates`) and the state (h, c), each (B, H): the new (h, c).
    package func step(inputGates gx: Tensor, h: Tensor, c: Tensor) -> (h: Tensor, c: Tensor) {
        let gates = gx + h.linear(weightHH, bias: biasHH, layout: .outIn)
        let c2 = gates.lstmCellState(c)
        return (gates.lstmCellOutput(c2), c2)
    }

    /// One step from the input x (B, I).
    package func callAsFunction(_ x: Tensor, h: Tensor, c: Tensor) -> (h: Tensor, c: Tensor) {
        step(inputGates: inputGates(x), h: h, c: c)
    }
}

/// Additive attention (Bahdanau et al. 2015): score_t = v · tanh(W_s s + W_h h_t + b), weights = softmax over the
/// unmasked t, context = Σ_t weights_t h_t. Parameters `w_s` (A, Ds), `w_h` (A, De), `bias` (A), `v` (A).
package final class AdditiveAttention: Module {
    package let ws: Tensor, wh: Tensor, bias: Tensor, v: Tensor

    package init(stateSize: Int, encoderSize: Int, attentionSize: Int, rng: inout RandomGenerator) {
        let ks = 1 / Float(stateSize).squareRoot(), ke = 1 / Float(encoderSize).squareRoot(), ka = 1 / Float(attentionSize).squareRoot()
        ws = parameter(Tensor.uniform([attentionSize, stateSize], low: -ks, high: ks, rng: &rng))
        wh = parameter(Tensor.uniform([attentionSize, encoderSize], low: -ke, high: ke, rng: &rng))
        bias = parameter(Tensor.zeros([attentionSize]))
        v = parameter(Tensor.uniform([attentionSize], low: -ka, high: ka, rng: &rng))
    }

    package func namedParameters() -> [(String, Tensor)] { [("w_s", ws), ("w_h", wh), ("bias", bias), ("v", v)] }

    /// The encoder's share of the scores, W_h h_t + b, computed once per input: (B, T, De) → (B, T, A).
    package func keys(_ encoder: Tensor) -> Tensor { encoder.linear(wh, bias: bias, layout: .outIn) }

    /// Weights (B, T) and context (B, De) for decoder states s (B, Ds); `mask` (B, T) holds 0 where a position
    /// may be attended and −∞ where it is padding.
    package func callAsFunction(_ s: Tensor, encoder: Tensor, keys: Tensor, mask: Tensor?) -> (weights: Tensor, context: Tensor) {
        let B = s.shape[0], T = encoder.shape[1], A = v.count
        let q = s.linear(ws, layout: .outIn).reshaped([B, 1, A])
        var scores = (keys + q).tanh().linear(v.reshaped([1, A]), layout: .outIn).reshaped([B, T])
        if let mask { scores = scores + mask }
        let w = scores.softmax()
        return (w, w.reshaped([B, 1, T]).matmul(encoder).reshaped([B, encoder.shape[2]]))
    }
}

/// Luong's "general" attention: score_t = sᵀ W h_t, weights = softmax over the unmasked t, context = Σ_t weights_t
/// h_t. Parameter `w` (Ds, De).
package final class BilinearAttention: Module {
    package let w: Tensor

    package init(stateSize: Int, encoderSize: Int, rng: inout RandomGenerator) {
        let k = 1 / Float(encoderSize).squareRoot()
        w = parameter(Tensor.uniform([stateSize, encoderSize], low: -k, high: k, rng: &rng))
    }

    package func namedParameters() -> [(String, Tensor)] { [("w", w)] }

    /// W h_t for every t, once per input: (B, T, De) → (B, T, Ds).
    package func keys(_ encoder: Tensor) -> Tensor { encoder.linear(w, layout: .outIn) }

    package func callAsFunction(_ s: Tensor, encoder: Tensor, keys: Tensor, mask: Tensor?) -> (weights: Tensor, context: Tensor) {
        let B = s.shape[0], T = encoder.shape[1]
        var scores = keys.matmul(s.reshaped([B, s.shape[1], 1])).reshaped([B, T])
        if let mask { scores = scores + mask }
        let a = scores.softmax()
        return (a, a.reshaped([B, 1, T]).matmul(encoder).reshaped([B, encoder.shape[2]]))
    }
}
