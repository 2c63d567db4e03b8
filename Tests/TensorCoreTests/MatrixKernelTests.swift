import Foundation
import Testing
@testable import TensorCore

@Suite("Matrix kernels chosen from the CPU's features")
struct MatrixKernelTests {
    func cpu(_ features: [String], arch: String = "x86_64") -> CPUDescription {
        CPUDescription(architecture: arch, vendor: "test", model: "test", family: 0, modelNumber: 0, features: features, cores: 2)
    }

    @Test func kernelFollowsFeatures() {
        let avx512 = ["sse4.2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
        #expect(MatrixKernels.kernel(for: cpu(avx512)) == "SkylakeX")
        #expect(MatrixKernels.kernel(for: cpu(["sse4.2", "avx", "avx2", "fma", "f16c"])) == "Haswell")
        // AVX-512 F alone (no BW/VL) is not enough for the SkylakeX kernels.
        #expect(MatrixKernels.kernel(for: cpu(["avx", "avx2", "fma", "avx512f"])) == "Haswell")
        #expect(MatrixKernels.kernel(for: cpu(["sse4.2", "avx"])) == "Sandybridge")
        #expect(MatrixKernels.kernel(for: cpu(["sse4.2"])) == "Prescott")
        #expect(MatrixKernels.kernel(for: cpu(["neon"], arch: "arm64")) == nil)
        #expect(MatrixKernels.fallbacks(after: "SkylakeX") == ["Haswell", "Sandybridge", "Prescott"])
        #expect(MatrixKernels.fallbacks(after: "Prescott") == [])
    }

    /// On this machine: the kernel in use is the one its features call for (never a generic SSE kernel on an AVX2
    /// CPU), and it passed the check against the portable kernel.
    @Test func kernelInUseMatchesThisCPU() {
        let cpu = CPUDescription.current
        let s = MatrixKernels.selection
        #expect(!cpu.features.isEmpty || cpu.architecture != "x86_64")
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["GLASSBOX_BLAS"] == nil else { return }
        #expect(s.library == "openblas", "OpenBLAS should load here: \(s.rejected)")
        #expect(s.rejected.isEmpty, "rejected: \(s.rejected)")
        if cpu.architecture == "x86_64" {
            #expect(s.requested == MatrixKernels.kernel(for: cpu))
            #expect(s.kernel.lowercased() == s.requested.lowercased())
            if cpu.has("avx2") && cpu.has("fma") {
                #expect(!["Prescott", "Katmai", "Core2", "Penryn", "Dunnington", "Nehalem", "Sandybridge"].contains(s.kernel))
            }
        }
        #expect(MatrixKernels.checkLoadedKernel() == nil)
    }

    /// The engine's parallel sgemm (row, column and inner-dimension splits) against the portable reference.
    @Test func parallelSplitsMatchPortable() {
        var rng = RandomGenerator(seed: 3)
        for (M, N, K) in [(300, 40, 64), (6, 500, 90), (40, 30, 2048), (128, 384, 2048), (3, 5, 7)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = (0..<(M * K)).map { _ in rng.nextFloat() - 0.5 }
                let b = (0..<(K * N)).map { _ in rng.nextFloat() - 0.5 }
                let c0 = (0..<(M * N)).map { _ in rng.nextFloat() - 0.5 }
                var got = c0, want = c0
                let lda = ta ? M : K, ldb = tb ? K : N
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in got.withUnsafeMutableBufferPointer { cp in
                    sgemm(transA: ta, transB: tb, M: M, N: N, K: K, alpha: 1.5, A: ap.baseAddress!, lda: lda,
                          B: bp.baseAddress!, ldb: ldb, beta: 0.5, C: cp.baseAddress!, ldc: N)
                } } }
                gb_sgemm_portable_(ta, tb, M, N, K, 1.5, a, lda, b, ldb, 0.5, &want, N)
                let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
                #expect(worst < 1e-4 * Float(K).squareRoot(), "\(M)x\(N)x\(K) trans \(ta)/\(tb): \(worst)")
            }
        }
    }

    @Test func systemReportIsComplete() {
        let r = SystemReport.current(measureSgemm: false)
        #expect(r.threads >= 1)
        if r.cpu.architecture == "x86_64" && r.cpu.has("fma") { #expect(r.fmaPeakGflopsPerCore > 1) }
        let json = try? JSONEncoder().encode(r)
        let text = json.map { String(decoding: $0, as: UTF8.self) } ?? ""
        for key in ["\"features\"", "\"kernel\"", "\"threads\"", "\"fma_peak_gflops\""] { #expect(text.contains(key)) }
    }
}

import CBLAS
private func gb_sgemm_portable_(_ ta: Bool, _ tb: Bool, _ M: Int, _ N: Int, _ K: Int, _ alpha: Float, _ a: [Float], _ lda: Int,
                                _ b: [Float], _ ldb: Int, _ beta: Float, _ c: inout [Float], _ ldc: Int) {
    gb_sgemm_portable(ta ? 1 : 0, tb ? 1 : 0, Int32(M), Int32(N), Int32(K), alpha, a, Int32(lda), b, Int32(ldb), beta, &c, Int32(ldc))
}
