import ModelFormats
import TensorCore

/// A frozen [out, in] weight: dense Float32 (safetensors) or block-quantised in place (GGUF), possibly with a
/// trainable low-rank update (LoRA) on top.
package enum Weight {
    case dense(Tensor)
    case quantized(QuantizedMatrix)
    /// A frozen weight plus a LoRA update: x Wᵀ + s · (x Aᵀ) Bᵀ.
    indirect case adapted(Weight, LoRA)

    /// y = x Wᵀ: [..., in] -> [..., out].
    package func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .dense(let w): return x.linear(w, layout: .outIn)
        case .quantized(let q): return x.quantizedLinear(q)
        case .adapted(let base, let lora): return lora.add(to: base(x), input: x)
        }
    }

    /// x through several weights of the same input width (q, k, v; gate and up): quantised weights share one
    /// parallel region when x has few rows (decode); otherwise each is applied alone. Adapted weights add their
    /// low-rank updates to their frozen weights' products.
    package static func apply(_ weights: [Weight], to x: Tensor) -> [Tensor] {
        if weights.contains(where: { if case .adapted = $0 { return true } else { return false } }) {
            let bases = apply(weights.map(\.frozen), to: x)
            return zip(weights, bases).map { w, y in
                if case .adapted(_, let lora) = w { return lora.add(to: y, input: x) }
                return y
            }
        }
        var qs: [QuantizedMatrix] = []
        for w in weights { if case .quantized(let q) = w { qs.append(q) } }
        if qs.count == weights.count { return x.quantizedLinears(qs) }
        return weights.map { $0(x) }
    }

    /// The frozen weight under any adapter.
    package var frozen: Weight {
        if case .adapted(let base, _) = self { return base.frozen }
        return self
    }

    package var shape: [Int] {
        switch self {
        case .dense(let w): return w.shape
        case .quantized(let q): return [q.rows, q.cols]
        case .adapted(let base, _): return base.shape
        }
    }

    package var parameterCount: Int { shape.reduce(1, *) }

    /// Bytes held (for `glassbox info`).
    package var byteCount: Int {
        switch self {
        case .dense(let w): return w.count * 4
        case .quantized(let q): return q.byteCount
        case .adapted(let base, let lora): return base.byteCount + (lora.a.count + lora.b.count) * 4
        }
    }

    /// Rows gathered and dequantised: an embedding lookup [ids.count, in].
    package func rows(_ ids: [Int32]) -> Tensor {
        switch self {
        case .dense(let w): return GradMode.withoutGradients { w.embedding(ids) }
        case .quantized(let q):
            let out = Tensor(uninitialized: [ids.count, q.cols])
            for (i, id) in ids.enumerated() {
                // Never read outside the table, whatever a caller passes (callers validate user input first).
                shapeCheck(id >= 0 && Int(id) < q.rows, "embedding: id \(id) outside the table of \(q.rows) rows")
                q.dequantize(rows: Int(id), Int(id) + 1, into: out.data + i * q.cols)
            }
            return out
        case .adapted(let base, _): return base.rows(ids)      // embeddings are never adapted
        }
    }

    /// The whole matrix as Float32 (for analyses that need it, e.g. identical-row checks).
    package func dequantized() -> Tensor {
        switch self {
        case .dense(let w): return w
        case .quantized(let q):
            let out = Tensor(uninitialized: [q.rows, q.cols])
            q.dequantize(rows: 0, q.rows, into: out.data)
            return out
        case .adapted(let base, let lora):
            return GradMode.withoutGradients { base.dequantized().detach() + lora.merged() }
        }
    }

    /// Rows `range` of a frozen weight (one part of a fused tensor: Phi-3's attn_qkv, ffn_up = gate and up).
    package func rows(_ range: Range<Int>) -> Weight {
        switch self {
        case .dense(let w): return .dense(GradMode.withoutGradients { w.narrow(start: range.lowerBound, length: range.count).contiguous() })
        case .quantized(let q): return .quantized(q.rows(range))
        case .adapted(let base, _): return base.rows(range)
        }
    }

    /// A GGUF tensor as a weight, read in place from the memory-mapped file.
    package static func gguf(_ file: GGUFFile, _ name: String) throws -> Weight {
        let t = try file.tensor(name)
        guard t.dims.count == 2 else { throw FormatError(file: file.path, tensor: name, "expected a matrix, found dims \(t.dims)") }
        let format: QuantFormat
        switch t.type {
        case .f32: format = .f32
        case .q4_0: format = .q4_0
        case .q4_1: format = .q4_1
        case .q8_0: format = .q8_0
        default: format = .other
        }
        let type = t.type
        try file.checkFinite(t)
        return .quantized(QuantizedMatrix(rows: t.dims[1], cols: t.dims[0], format: format, data: file.bytes(of: t),
                                          rowBytes: type.byteCount(elements: t.dims[0]), owner: file) { src, dst, n in
            type.dequantizeRow(src, dst, count: n)
        })
    }
}
