import Foundation
import Testing
import ModelFormats
import TensorCore

@Suite("Quantised kernels against the formats' definitions")
struct QuantKernelTests {
    /// Random blocks with finite half-precision scales (and offsets).
    func randomRows(_ type: GGMLType, rows: Int, cols: Int, seed: UInt64) -> [UInt8] {
        var rng = RandomGenerator(seed: seed)
        let rowBytes = type.byteCount(elements: cols)
        var bytes = (0..<(rows * rowBytes)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let blockBytes = rowBytes / (cols / 32)
        let halves = type == .q4_1 ? 2 : 1
        for block in stride(from: 0, to: bytes.count, by: blockBytes) {
            for h in 0..<halves {
                let v = Float16((rng.nextFloat() - 0.5) * 0.2)
                bytes[block + 2 * h] = UInt8(v.bitPattern & 0xFF)
                bytes[block + 2 * h + 1] = UInt8(v.bitPattern >> 8)
            }
        }
        return bytes
    }

    func matrix(_ type: GGMLType, _ bytes: UnsafeRawBufferPointer, rows: Int, cols: Int) -> QuantizedMatrix {
        let format: QuantFormat = type == .q4_0 ? .q4_0 : type == .q4_1 ? .q4_1 : .q8_0
        return QuantizedMatrix(rows: rows, cols: cols, format: format, data: bytes.baseAddress!,
                               rowBytes: type.byteCount(elements: cols), owner: NSObject()) { s, d, n in type.dequantizeRow(s, d, count: n) }
    }

    /// Prefill's SIMD dequantisation is bit-identical to the reference dequantiser (itself checked against gguf-py).
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func dequantisationIsBitExact(_ type: GGMLType) {
        let rows = 7, cols = 576
        let bytes = randomRows(type, rows: rows, cols: cols, seed: UInt64(type.rawValue) + 1)
        bytes.withUnsafeBytes { raw in
            let m = matrix(type, raw, rows: rows, cols: cols)
            var fast = [Float](repeating: 0, count: rows * cols), reference = fast
            fast.withUnsafeMutableBufferPointer { m.dequantize(rows: 0, rows, into: $0.baseAddress!) }
            reference.withUnsafeMutableBufferPointer { d in
                for r in 0..<rows { type.dequantizeRow(raw.baseAddress! + r * m.rowBytes, d.baseAddress! + r * cols, count: cols) }
            }
            #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern))
        }
    }

    /// Decode's fused dot products (the AVX-512 or AVX2 kernels this CPU runs) equal the dot product with the
    /// dequantised row within float32 reassociation error, for one and several rows of x.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func fusedDotProductsMatchDequantised(_ type: GGMLType) {
        let rows = 50, cols = 576
        let bytes = randomRows(type, rows: rows, cols: cols, seed: UInt64(type.rawValue) + 10)
        var rng = RandomGenerator(seed: 5)
        bytes.withUnsafeBytes { raw in
            let m = matrix(type, raw, rows: rows, cols: cols)
            for M in [1, 3] {
                let x = Tensor.randn([M, cols], rng: &rng)
                let y = GradMode.withoutGradients { x.quantizedLinear(m) }
                let w = Tensor(uninitialized: [rows, cols])
                m.dequantize(rows: 0, rows, into: w.data)
                for i in 0..<M {
                    for r in 0..<rows {
                        var want = 0.0
                        for k in 0..<cols { want += Double(w.data[r * cols + k]) * Double(x.data[i * cols + k]) }
                        #expect(abs(Double(y.data[i * rows + r]) - want) < 1e-4 * max(1, abs(want)), "\(type) row \(r)")
                    }
                }
            }
        }
    }

    /// Every route of y = x Wᵀ and its gradient dx = dy W agree: few rows (fused dots / tiles), many rows (slabs
    /// dequantised per product), and many rows inside a `DequantizedWeights` scope (one float copy per matrix).
    @Test func manyRowProductsAgreeWithAndWithoutFloatCopies() {
        let type = GGMLType.q4_1, rows = 200, cols = 64
        let bytes = randomRows(type, rows: rows, cols: cols, seed: 77)
        var rng = RandomGenerator(seed: 6)
        bytes.withUnsafeBytes { raw in
            let m = matrix(type, raw, rows: rows, cols: cols)
            let w = Tensor(uninitialized: [rows, cols])
            m.dequantize(rows: 0, rows, into: w.data)
            for M in [5, 70, 130] {
                let x0 = Tensor.randn([M, cols], rng: &rng)
                func run() -> (y: [Float], dx: [Float]) {
                    let x = x0.detach()
                    x.requiresGrad = true
                    let y = x.quantizedLinear(m)
                    y.sum().backward()
                    return (y.scalars, x.grad!.scalars)
                }
                let plain = run()
                let scoped = DequantizedWeights.scope { run() }
                for i in 0..<M {
                    for r in 0..<rows {
                        var want = 0.0
                        for k in 0..<cols { want += Double(w.data[r * cols + k]) * Double(x0.data[i * cols + k]) }
                        #expect(abs(Double(plain.y[i * rows + r]) - want) < 1e-4 * max(1, abs(want)))
                        #expect(abs(Double(scoped.y[i * rows + r]) - want) < 1e-4 * max(1, abs(want)))
                    }
                    for k in 0..<cols {        // d(Σ y)/dx[i, k] = Σ_r W[r, k]
                        let want = (0..<rows).reduce(0.0) { $0 + Double(w.data[$1 * cols + k]) }
                        #expect(abs(Double(plain.dx[i * cols + k]) - want) < 1e-4 * max(1, abs(want)))
                        #expect(abs(Double(scoped.dx[i * cols + k]) - want) < 1e-4 * max(1, abs(want)))
                    }
                }
            }
        }
    }
}
