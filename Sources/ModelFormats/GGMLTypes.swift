/// GGML tensor element types and their block layouts, with exact dequantisation as the formats define it
/// (float32 arithmetic, separate multiply and add).
package enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8
    case q4_K = 12, q5_K = 13, q6_K = 14
    case bf16 = 30

    package var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        }
    }

    /// Elements per block.
    package var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: 32
        case .q4_K, .q5_K, .q6_K: 256
        }
    }

    /// Bytes per block.
    package var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: 34
        case .q4_K: 144
        case .q5_K: 176
        case .q6_K: 210
        }
    }

    package func byteCount(elements: Int) -> Int { elements / blockSize * blockBytes }

    /// The first block (or element, for f32/f16/bf16) of `elements` values at `src` whose scale is NaN or
    /// infinite — f16 scales `d` (and `m`/`dmin` where the format has one) of every block — or nil. One
    /// strided pass over the scales: cheap next to a forward, and a NaN scale poisons every output it touches.
    package func firstNonFiniteScale(_ src: UnsafeRawPointer, elements: Int) -> Int? {
        func badHalf(_ offset: Int) -> Bool { src.loadUnaligned(fromByteOffset: offset, as: UInt16.self) & 0x7C00 == 0x7C00 }
        let blocks = elements / blockSize
        switch self {
        case .f32:
            for i in 0..<elements where !src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self).isFinite { return i }
        case .f16:
            for i in 0..<elements where badHalf(2 * i) { return i }
        case .bf16:
            for i in 0..<elements where src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self) & 0x7F80 == 0x7F80 { return i }
        case .q4_0, .q5_0, .q8_0:
            for b in 0..<blocks where badHalf(b * blockBytes) { return b }
        case .q4_1, .q5_1, .q4_K, .q5_K:
            for b in 0..<blocks where badHalf(b * blockBytes) || badHalf(b * blockBytes + 2) { return b }
        case .q6_K:
            for b in 0..<blocks where badHalf(b * blockBytes + 208) { return b }
        }
        return nil
    }

    /// Dequantises `count` elements (a multiple of the block size) from `src` into `dst`.
    package func dequantizeRow(_ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        let blocks = count / blockSize
        switch self {
        case .f32:
            for i in 0..<count { dst[i] = src.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f16:
            for i in 0..<count { dst[i] = Float(half(src, 2 * i)) }
        case .bf16:
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .q8_0:
            for b in 0..<blocks {
                let p = src + b * 34, y = dst + b * 32
                let d = Float(half(p, 0))
                for j in 0..<32 { y[j] = d * Float(Int8(bitPattern: p.load(fromByteOffset: 2 + j, as: UInt8.self))) }
            }
        case .q4_0:
            for b in 0..<blocks {
                let p = src + b * 18, y = dst + b * 32
                let d = Float(half(p, 0))
                for j in 0..<16 {
                    let q = p.load(fromByteOffset: 2 + j, as: UInt8.self)
                    y[j] = Float(Int(q & 0x0F) - 8) * d
                    y[j + 16] = Float(Int(q >> 4) - 8) * d
                }
            }
        case .q4_1:
            for b in 0..<blocks {
                let p = src + b * 20, y = dst + b * 32
                let d = Float(half(p, 0)), m = Float(half(p, 2))
                for j in 0..<16 {
                    let q = p.load(fromByteOffset: 4 + j, as: UInt8.self)
                    y[j] = addNoFMA(Float(q & 0x0F) * d, m)
                    y[j + 16] = addNoFMA(Float(q >> 4) * d, m)
                }
            }
        case .q5_0:
            for b in 0..<blocks {
                let p = src + b * 22, y = dst + b * 32
                let d = Float(half(p, 0))
                let qh = p.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
                for j in 0..<16 {
                    let q = p.load(fromByteOffset: 6 + j, as: UInt8.self)
                    let h0 = ((qh >> UInt32(j)) << 4) & 0x10, h1 = (qh >> UInt32(j + 12)) & 0x10
                    y[j] = Float(Int32(UInt32(q & 0x0F) | h0) - 16) * d
                    y[j + 16] = Float(Int32(UInt32(q >> 4) | h1) - 16) * d
                }
            }
        case .q5_1:
            for b in 0..<blocks {
                let p = src + b * 24, y = dst + b * 32
                let d = Float(half(p, 0)), m = Float(half(p, 2))
                let qh = p.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
                for j in 0..<16 {
                    let q = p.load(fromByteOffset: 8 + j, as: UInt8.self)
                    let h0 = ((qh >> UInt32(j)) << 4) & 0x10, h1 = (qh >> UInt32(j + 12)) & 0x10
                    y[j] = addNoFMA(Float(UInt32(q & 0x0F) | h0) * d, m)
                    y[j + 16] = addNoFMA(Float(UInt32(q >> 4) | h1) * d, m)
                }
            }
        case .q4_K:
            for b in 0..<blocks {
                let p = src + b * 144, y = dst + b * 256
                let d = Float(half(p, 0)), dmin = Float(half(p, 2))
                let scales = p + 4, qs = p + 16
                for g in 0..<4 {  // 64 elements per group: two sub-blocks of 32
                    let (s1, m1) = scaleMinK4(2 * g, scales), (s2, m2) = scaleMinK4(2 * g + 1, scales)
                    let d1 = d * Float(s1), dm1 = dmin * Float(m1), d2 = d * Float(s2), dm2 = dmin * Float(m2)
                    let q = qs + 32 * g, out = y + 64 * g
                    for l in 0..<32 {
                        let v = q.load(fromByteOffset: l, as: UInt8.self)
                        out[l] = subNoFMA(d1 * Float(v & 0x0F), dm1)
                        out[l + 32] = subNoFMA(d2 * Float(v >> 4), dm2)
                    }
                }
            }
        case .q5_K:
            for b in 0..<blocks {
                let p = src + b * 176, y = dst + b * 256
                let d = Float(half(p, 0)), dmin = Float(half(p, 2))
                let scales = p + 4, qh = p + 16, qs = p + 48
                for g in 0..<4 {
                    let (s1, m1) = scaleMinK4(2 * g, scales), (s2, m2) = scaleMinK4(2 * g + 1, scales)
                    let d1 = d * Float(s1), dm1 = dmin * Float(m1), d2 = d * Float(s2), dm2 = dmin * Float(m2)
                    let u1 = UInt8(1) << (2 * g), u2 = UInt8(2) << (2 * g)
                    let q = qs + 32 * g, out = y + 64 * g
                    for l in 0..<32 {
                        let v = q.load(fromByteOffset: l, as: UInt8.self), h = qh.load(fromByteOffset: l, as: UInt8.self)
                        out[l] = subNoFMA(d1 * Float(Int(v & 0x0F) + (h & u1 != 0 ? 16 : 0)), dm1)
                        out[l + 32] = subNoFMA(d2 * Float(Int(v >> 4) + (h & u2 != 0 ? 16 : 0)), dm2)
                    }
                }
            }
        case .q6_K:
            for b in 0..<blocks {
                let p = src + b * 210, y = dst + b * 256
                let d = Float(half(p, 208))
                for n in 0..<2 {  // two halves of 128
                    let ql = p + 64 * n, qh = p + 128 + 32 * n, sc = p + 192 + 8 * n, out = y + 128 * n
                    for l in 0..<32 {
                        let si = l / 16
                        let a = ql.load(fromByteOffset: l, as: UInt8.self), c = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                        let h = qh.load(fromByteOffset: l, as: UInt8.self)
                        let q1 = Int(a & 0x0F | ((h >> 0) & 3) << 4) - 32
                        let q2 = Int(c & 0x0F | ((h >> 2) & 3) << 4) - 32
                        let q3 = Int(a >> 4 | ((h >> 4) & 3) << 4) - 32
                        let q4 = Int(c >> 4 | ((h >> 6) & 3) << 4) - 32
                        func s(_ k: Int) -> Float { Float(Int8(bitPattern: sc.load(fromByteOffset: k, as: UInt8.self))) }
                        out[l] = d * s(si) * Float(q1)
                        out[l + 32] = d * s(si + 2) * Float(q2)
                        out[l + 64] = d * s(si + 4) * Float(q3)
                        out[l + 96] = d * s(si + 6) * Float(q4)
                    }
                }
            }
        }
    }
}

@inline(__always)
func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float16 {
    Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
}

/// The 6-bit scale and min of sub-block j of a K-quant block (12 packed bytes for 8 sub-blocks).
@inline(__always)
func scaleMinK4(_ j: Int, _ q: UnsafeRawPointer) -> (UInt8, UInt8) {
    func b(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
    if j < 4 { return (b(j) & 63, b(j + 4) & 63) }
    return ((b(j + 4) & 0x0F) | ((b(j - 4) >> 6) << 4), (b(j + 4) >> 4) | ((b(j) >> 6) << 4))
}

// The reference rounds the product before the add; keep the compiler from fusing them into one FMA
// (the AVX2 build would otherwise differ by an ulp).
@inline(never) func addNoFMA(_ a: Float, _ b: Float) -> Float { a + b }
@inline(never) func subNoFMA(_ a: Float, _ b: Float) -> Float { a - b }
