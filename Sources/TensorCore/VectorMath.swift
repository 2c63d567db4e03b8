/// SIMD transcendental functions for the hot loops (GELU, softmax, SiLU), accurate to a few float ulps.
///
/// exp(x) = 2^n * exp(r) with n = round(x / ln 2) and r = x - n ln 2 (Cody–Waite split of ln 2), |r| <= ln2/2,
/// exp(r) by its degree-7 Taylor polynomial (truncation error < 2e-8 relative on that interval).
@inline(__always)
package func simdExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Clamp with lane masks: `clamped(lowerBound:upperBound:)` is a generic, non-inlined call here.
    var clamped = x
    clamped.replace(with: -87.3, where: x .< -87.3)
    clamped.replace(with: 88.3, where: x .> 88.3)
    // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits: lane-wise float and
    // integer ops only (a generic Float -> Int32 SIMD conversion is not vectorised and was 28% of a training step).
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shifted = clamped * 1.442_695_04 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693_145_75
    r = r - n * 1.428_606_8e-6
    var p = SIMD8<Float>(repeating: 1.0 / 5040)
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    // 2^n by building the float's exponent bits.
    let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    let scale = unsafeBitCast(bits, to: SIMD8<Float>.self)
    var result = p * scale
    // Below the clamp the true value underflows to 0.
    result.replace(with: 0, where: x .< -87.3)
    return result
}

/// tanh(x) = 1 - 2 / (exp(2x) + 1), saturating cleanly at +-1.
@inline(__always)
package func simdTanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let e = simdExp(2 * x)
    return 1 - 2 / (e + 1)
}

/// Applies a SIMD8 function over n floats (scalar tail through the same function).
@inline(__always)
func mapSIMD8(_ n: Int, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
              _ f: (SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= n {
        let v = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: f(v), as: SIMD8<Float>.self)
        i += 8
    }
    if i < n {
        var v = SIMD8<Float>(repeating: 0)
        for j in 0..<(n - i) { v[j] = src[i + j] }
        let y = f(v)
        for j in 0..<(n - i) { dst[i + j] = y[j] }
    }
}

@inline(__always)
func loadSIMD8(_ p: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
@inline(__always)
func storeSIMD8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Sum of n floats with SIMD accumulators.
@inline(__always)
package func simdSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var a0 = SIMD8<Float>(repeating: 0), a1 = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 16 <= n { a0 += loadSIMD8(p + i); a1 += loadSIMD8(p + i + 8); i += 16 }
    var s = (a0 + a1).sum()
    while i < n { s += p[i]; i += 1 }
    return s
}

/// Dot product of n floats with SIMD accumulators.
@inline(__always)
package func simdDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var a0 = SIMD8<Float>(repeating: 0), a1 = SIMD8<Float>(repeating: 0)
    var i = 0
    while i + 16 <= n {
        a0 += loadSIMD8(a + i) * loadSIMD8(b + i)
        a1 += loadSIMD8(a + i + 8) * loadSIMD8(b + i + 8)
        i += 16
    }
    var s = (a0 + a1).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}
