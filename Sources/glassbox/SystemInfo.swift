import Foundation
import TensorCore

extension SystemReport {
    /// "AMD EPYC · avx2 avx512f ... · OpenBLAS SkylakeX (cpu features) · 2 threads · sgemm 180 of 200 GFLOP/s".
    var oneLine: String {
        var parts = [cpu.model.isEmpty ? cpu.architecture : cpu.model, cpu.features.joined(separator: " ")]
        parts.append(blas.library == "openblas" ? "OpenBLAS \(blas.kernel) (\(blas.reason))" : "portable sgemm (\(blas.reason))")
        parts.append("quantised \(quantKernel)")
        parts.append("\(threads) threads")
        if let g = sgemmGflops {
            parts.append(String(format: "sgemm 1024³ %.0f GFLOP/s of %.0f FMA peak (%.0f%%)", g, fmaPeakGflops, 100 * (sgemmFractionOfPeak ?? 0)))
        } else {
            parts.append(String(format: "FMA peak %.0f GFLOP/s", fmaPeakGflops))
        }
        return parts.joined(separator: " · ")
    }

    /// The human-readable form of `glassbox info --system`.
    var text: String {
        var lines = ["cpu           \(cpu.model.isEmpty ? "unknown" : cpu.model) (\(cpu.vendor), \(cpu.architecture), family \(cpu.family) model \(cpu.modelNumber), \(cpu.cores) cores)",
                     "features      \(cpu.features.joined(separator: " "))"]
        if blas.library == "openblas" {
            lines.append("matrix kernel OpenBLAS \(blas.kernel), asked for \(blas.requested) because of \(blas.reason)")
            lines.append("library       \(blas.libraryPath) — \(blas.libraryConfig)")
        } else {
            lines.append("matrix kernel portable C sgemm (\(blas.reason))")
        }
        for r in blas.rejected { lines.append("rejected      \(r)") }
        lines.append("quantised     \(quantKernel) dot products (decode)")
        lines.append("threads       \(threads) (OpenBLAS single-threaded; the engine's pool splits the work)")
        lines.append(String(format: "FMA peak      %.1f GFLOP/s per core, %.1f on %d threads", fmaPeakGflopsPerCore, fmaPeakGflops, threads))
        if let g = sgemmGflops {
            lines.append(String(format: "sgemm 1024³   %.1f GFLOP/s through the engine = %.0f%% of the FMA peak", g, 100 * (sgemmFractionOfPeak ?? 0)))
        }
        return lines.joined(separator: "\n")
    }
}
