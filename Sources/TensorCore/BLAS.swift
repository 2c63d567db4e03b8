import CBLAS
import Foundation

/// Row-major single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, with op(A) M x K, op(B) K x N.
///
/// Large products are split over the rows of C (or its columns when M is small) across `Parallel.threads`,
/// each part a single-threaded call of the kernel that `MatrixKernels` chose for this CPU.
package func sgemm(
    transA: Bool, transB: Bool, M: Int, N: Int, K: Int,
    alpha: Float = 1, A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
    beta: Float, C: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true
) {
    if M == 0 || N == 0 { return }
    MatrixKernels.ensureLoaded()
    let ta: Int32 = transA ? 1 : 0, tb: Int32 = transB ? 1 : 0
    let flops = M * N * K
    let parts = parallel && flops >= 1 << 18 ? Parallel.threads : 1
    if parts <= 1 {
        gb_sgemm(ta, tb, Int32(M), Int32(N), Int32(K), alpha, A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
        return
    }
    if K >= 2 * Swift.max(M, N) && M * N <= 1 << 20 {
        // Long inner dimension, small result (weight gradients: K = batch rows): each thread multiplies a slice
        // of K into a partial result, so no thread packs the whole of a large operand; the partials are added.
        let chunks = Swift.min(parts, Swift.max(1, K / 64))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (chunks - 1) * M * N)
        defer { scratch.deallocate() }
        Parallel.forEach(chunks) { c in
            let lo = K * c / chunks, hi = K * (c + 1) / chunks
            let a = transA ? A + lo * lda : A + lo
            let b = transB ? B + lo : B + lo * ldb
            if c == 0 {
                gb_sgemm(ta, tb, Int32(M), Int32(N), Int32(hi - lo), alpha, a, Int32(lda), b, Int32(ldb), beta, C, Int32(ldc))
            } else {
                gb_sgemm(ta, tb, Int32(M), Int32(N), Int32(hi - lo), alpha, a, Int32(lda), b, Int32(ldb), 0,
                         scratch + (c - 1) * M * N, Int32(N))
            }
        }
        Parallel.forChunks(M, minChunk: Swift.max(1, 8192 / N)) { lo, hi in
            for c in 1..<chunks {
                for r in lo..<hi { addInPlace(C + r * ldc, scratch + (c - 1) * M * N + r * N, N) }
            }
        }
    } else if M >= N || M >= 8 * parts {
        Parallel.forChunks(M, minChunk: 4) { lo, hi in
            // Rows lo..<hi of op(A): row offset without transpose, column offset with it.
            let a = transA ? A + lo : A + lo * lda
            gb_sgemm(ta, tb, Int32(hi - lo), Int32(N), Int32(K), alpha, a, Int32(lda), B, Int32(ldb), beta,
                     C + lo * ldc, Int32(ldc))
        }
    } else {
        Parallel.forChunks(N, minChunk: 4) { lo, hi in
            let b = transB ? B + lo * ldb : B + lo
            gb_sgemm(ta, tb, Int32(M), Int32(hi - lo), Int32(K), alpha, A, Int32(lda), b, Int32(ldb), beta,
                     C + lo, Int32(ldc))
        }
    }
}

/// The CPU this process runs on, as the kernels see it.
package struct CPUDescription: Codable, Sendable, Equatable {
    package var architecture: String
    package var vendor: String
    package var model: String
    package var family: Int
    package var modelNumber: Int
    /// Instruction-set features the kernels use (only those the OS enables).
    package var features: [String]
    package var cores: Int

    enum CodingKeys: String, CodingKey {
        case architecture, vendor, model, family, features, cores
        case modelNumber = "model_number"
    }

    package static let current: CPUDescription = {
        var i = gb_cpu_info()
        gb_cpu_detect(&i)
        var f: [String] = []
        let flags: [(Int32, String)] = [
            (i.sse42, "sse4.2"), (i.avx, "avx"), (i.avx2, "avx2"), (i.fma, "fma"), (i.f16c, "f16c"),
            (i.avx512f, "avx512f"), (i.avx512bw, "avx512bw"), (i.avx512dq, "avx512dq"), (i.avx512vl, "avx512vl"),
            (i.avx512vnni, "avx512vnni"), (i.avx512bf16, "avx512bf16"), (i.avxvnni, "avxvnni"),
            (i.neon, "neon"), (i.dotprod, "dotprod"), (i.sve, "sve"),
        ]
        for (on, name) in flags where on != 0 { f.append(name) }
        return CPUDescription(
            architecture: i.is_x86_64 != 0 ? "x86_64" : i.is_arm64 != 0 ? "arm64" : "unknown",
            vendor: cString(&i.vendor), model: cString(&i.brand), family: Int(i.family), modelNumber: Int(i.model),
            features: f, cores: ProcessInfo.processInfo.activeProcessorCount)
    }()

    package func has(_ feature: String) -> Bool { features.contains(feature) }
}

/// Reads a fixed-size C char array field.
private func cString<T>(_ field: inout T) -> String {
    withUnsafeBytes(of: &field) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Which matrix kernel runs, chosen from the CPU's features and checked before use.
///
/// OpenBLAS (DYNAMIC_ARCH builds, as Debian ships) chooses its kernel from a table of CPU models and falls back to
/// generic SSE kernels on CPUs newer than its table. Glassbox chooses instead, from the features cpuid reports
/// (AVX-512 F/BW/DQ/VL → SkylakeX, AVX2 + FMA → Haswell, AVX → Sandybridge), loads OpenBLAS with that kernel
/// (`OPENBLAS_CORETYPE`, honoured only at load time, hence `dlopen`), and checks its products against a portable
/// reference on awkward shapes with every transpose. A kernel that computes wrong results is unloaded and the
/// next weaker one tried; without OpenBLAS the portable blocked kernel runs. A user's own `OPENBLAS_CORETYPE` is
/// tried first; `GLASSBOX_BLAS=portable` forces the portable kernel.
package enum MatrixKernels {
    package struct Selection: Codable, Sendable, Equatable {
        /// "openblas" or "portable".
        package var library: String
        /// The kernel family asked for ("SkylakeX", ...), or "portable".
        package var requested: String
        /// What OpenBLAS reports it runs ("SkylakeX", "Cooperlake", ...).
        package var kernel: String
        /// Why this kernel: "cpu features", "OPENBLAS_CORETYPE", "GLASSBOX_BLAS", "fallback".
        package var reason: String
        package var libraryPath: String
        package var libraryConfig: String
        /// Kernels tried and refused, with the reason.
        package var rejected: [String]

        enum CodingKeys: String, CodingKey {
            case library, requested, kernel, reason, rejected
            case libraryPath = "library_path", libraryConfig = "library_config"
        }
    }

    /// The kernel chosen for this CPU's features alone (nil: let the library decide, as on arm64).
    package static func kernel(for cpu: CPUDescription) -> String? {
        guard cpu.architecture == "x86_64" else { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpu.has) { return "SkylakeX" }
        if cpu.has("avx2") && cpu.has("fma") { return "Haswell" }
        if cpu.has("avx") { return "Sandybridge" }
        return "Prescott"
    }

    /// Weaker kernels to try, in order, when `kernel` fails its check.
    static func fallbacks(after kernel: String?) -> [String] {
        let chain = ["SkylakeX", "Haswell", "Sandybridge", "Prescott"]
        guard let kernel, let i = chain.firstIndex(of: kernel) else { return [] }
        return Array(chain[(i + 1)...])
    }

    /// The kernel in use (loading and checking it on first use).
    package static let selection: Selection = {
        let env = ProcessInfo.processInfo.environment
        var rejected: [String] = []
        if env["GLASSBOX_BLAS"] == "portable" {
            return Selection(library: "portable", requested: "portable", kernel: "portable", reason: "GLASSBOX_BLAS",
                             libraryPath: "", libraryConfig: "", rejected: [])
        }
        var candidates: [(String?, String)] = []
        if let user = env["OPENBLAS_CORETYPE"], !user.isEmpty { candidates.append((user, "OPENBLAS_CORETYPE")) }
        let own = kernel(for: .current)
        candidates.append((own, own == nil ? "library default" : "cpu features"))
        for k in fallbacks(after: own) { candidates.append((k, "fallback")) }
        var err = [CChar](repeating: 0, count: 512)
        for (coretype, reason) in candidates {
            let status: Int32 = coretype.map { gb_blas_load($0, &err, err.count) } ?? gb_blas_load(nil, &err, err.count)
            if status != 0 {
                rejected.append(String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
                break   // the library itself is missing: another kernel will not help
            }
            if let problem = checkLoadedKernel() {
                rejected.append("\(coretype ?? "default") (\(String(cString: gb_blas_corename()))): \(problem)")
                gb_blas_unload()
                continue
            }
            return Selection(library: "openblas", requested: coretype ?? "default", kernel: String(cString: gb_blas_corename()),
                             reason: reason, libraryPath: String(cString: gb_blas_path()),
                             libraryConfig: String(cString: gb_blas_config()), rejected: rejected)
        }
        return Selection(library: "portable", requested: "portable", kernel: "portable", reason: "fallback",
                         libraryPath: "", libraryConfig: "", rejected: rejected)
    }()

    /// Loads the kernel before the first product (cheap after the first call).
    @inline(__always)
    static func ensureLoaded() { _ = selection }

    /// Compares the loaded kernel with the portable one on shapes that exercise edge tiles, every transpose,
    /// alpha and beta; returns a description of the first mismatch, or nil.
    static func checkLoadedKernel() -> String? {
        var rng = RandomGenerator(seed: 7)
        for (M, N, K) in [(1, 49, 33), (37, 29, 61), (67, 70, 300), (130, 97, 129)] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = (0..<(M * K)).map { _ in rng.nextFloat() * 2 - 1 }
                    let b = (0..<(K * N)).map { _ in rng.nextFloat() * 2 - 1 }
                    let c0 = (0..<(M * N)).map { _ in rng.nextFloat() * 2 - 1 }
                    var got = c0, want = c0
                    let lda = ta ? M : K, ldb = tb ? K : N
                    gb_sgemm(ta ? 1 : 0, tb ? 1 : 0, Int32(M), Int32(N), Int32(K), 0.75, a, Int32(lda), b, Int32(ldb), 0.5, &got, Int32(N))
                    gb_sgemm_portable(ta ? 1 : 0, tb ? 1 : 0, Int32(M), Int32(N), Int32(K), 0.75, a, Int32(lda), b, Int32(ldb), 0.5, &want, Int32(N))
                    // Values are sums of K products of magnitude <= 1: allow float32 reassociation error.
                    let tol = 1e-5 * Float(K) + 1e-5
                    for i in 0..<(M * N) where !(abs(got[i] - want[i]) <= tol) {
                        return "sgemm \(M)x\(N)x\(K) trans \(ta)/\(tb): element \(i) is \(got[i]), expected \(want[i])"
                    }
                }
            }
        }
        return nil
    }

    /// The machine's fp32 FMA peak on one core, in GFLOP/s (0 where unknown).
    package static func fmaPeakPerCore() -> Double { gb_fma_peak_gflops() }
}
