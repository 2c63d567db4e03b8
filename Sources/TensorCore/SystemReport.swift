import CQuantKernels
import Dispatch

/// Where numbers were measured: the CPU and its features, the matrix kernel in use, the threads, and the sgemm
/// speed against the machine's FMA peak. Printed by `glassbox info --system` and included in every bench's JSON,
/// so figures from different machines are never compared blindly.
package struct SystemReport: Codable, Sendable {
    package var cpu: CPUDescription
    package var blas: MatrixKernels.Selection
    /// The quantised dot-product kernels in use for decode ("avx512", "avx2" or "portable").
    package var quantKernel: String
    package var threads: Int
    /// fp32 FMA peak of one core (a register-bound FMA loop at the widest vector width), GFLOP/s.
    package var fmaPeakGflopsPerCore: Double
    /// `fmaPeakGflopsPerCore` × threads.
    package var fmaPeakGflops: Double
    /// Best of several 1024³ products through the engine's parallel `sgemm`, GFLOP/s (nil when not measured).
    package var sgemmGflops: Double?
    /// sgemmGflops / fmaPeakGflops.
    package var sgemmFractionOfPeak: Double?

    enum CodingKeys: String, CodingKey {
        case cpu, blas, threads, quantKernel = "quant_kernel"
        case fmaPeakGflopsPerCore = "fma_peak_gflops_per_core", fmaPeakGflops = "fma_peak_gflops"
        case sgemmGflops = "sgemm_1024_gflops", sgemmFractionOfPeak = "sgemm_fraction_of_peak"
    }

    /// Describes this machine; `measureSgemm` adds the 1024³ measurement (about a second).
    package static func current(measureSgemm: Bool) -> SystemReport {
        let perCore = MatrixKernels.fmaPeakPerCore()
        let peak = perCore * Double(Parallel.threads)
        let sgemm = measureSgemm ? MatrixKernels.measureSgemm() : nil
        return SystemReport(cpu: .current, blas: MatrixKernels.selection,
                            quantKernel: String(cString: gb_quant_kernel_name()), threads: Parallel.threads,
                            fmaPeakGflopsPerCore: perCore, fmaPeakGflops: peak, sgemmGflops: sgemm,
                            sgemmFractionOfPeak: sgemm.flatMap { peak > 0 ? $0 / peak : nil })
    }
}

extension MatrixKernels {
    /// The best of several n³ products through the engine's parallel `sgemm`, in GFLOP/s.
    package static func measureSgemm(n: Int = 1024, repeats: Int = 6) -> Double {
        let a = Tensor.full([n, n], 0.5), b = Tensor.full([n, n], 0.25), c = Tensor.zeros([n, n])
        var best = 0.0
        for _ in 0..<repeats {
            let t0 = DispatchTime.now().uptimeNanoseconds
            sgemm(transA: false, transB: false, M: n, N: n, K: n, A: a.data, lda: n, B: b.data, ldb: n, beta: 0, C: c.data, ldc: n)
            let s = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            best = max(best, 2 * Double(n * n * n) / s / 1e9)
        }
        return best
    }
}
