import Foundation
import Testing

@Suite("glassbox info --system and the matrix kernels")
struct SystemCLITests {
    func system(_ environment: [String: String] = [:]) throws -> [String: Any] {
        let r = try glassbox(["info", "--system", "--json"], environment: environment)
        #expect(r.status == 0, "\(r.err)")
        return try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any] ?? [:]
    }

    /// The report names the CPU's features, the kernel chosen from them, the threads, and sgemm against the peak.
    @Test func reportsFeaturesKernelThreadsAndSpeed() throws {
        let o = try system()
        let cpu = o["cpu"] as? [String: Any] ?? [:], blas = o["blas"] as? [String: Any] ?? [:]
        let features = cpu["features"] as? [String] ?? []
        #expect((o["threads"] as? Int ?? 0) >= 1)
        #expect((o["sgemm_1024_gflops"] as? Double ?? 0) > 1)
        #expect(["avx512", "avx2", "portable"].contains(o["quant_kernel"] as? String ?? ""))
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, cpu["architecture"] as? String == "x86_64" else { return }
        #expect(blas["library"] as? String == "openblas" && blas["reason"] as? String == "cpu features")
        let wanted = features.contains("avx512bw") && features.contains("avx512vl") && features.contains("avx512dq") ? "SkylakeX"
            : features.contains("avx2") && features.contains("fma") ? "Haswell" : features.contains("avx") ? "Sandybridge" : "Prescott"
        #expect(blas["requested"] as? String == wanted)
        #expect((blas["kernel"] as? String)?.lowercased() == wanted.lowercased())
        // A measurement, not a speed assertion (tests share the machine): a fraction of the peak it must be.
        let fraction = o["sgemm_fraction_of_peak"] as? Double ?? -1
        #expect(fraction > 0 && fraction < 1.5, "\(fraction)")
        if features.contains("avx512bw") { #expect(o["quant_kernel"] as? String == "avx512") }
    }

    /// A user's OPENBLAS_CORETYPE is honoured (and said so); GLASSBOX_BLAS=portable runs without OpenBLAS.
    @Test func overridesAreHonouredAndSaid() throws {
        let haswell = try system(["OPENBLAS_CORETYPE": "Haswell"])
        let blas = haswell["blas"] as? [String: Any] ?? [:]
        if (haswell["cpu"] as? [String: Any])?["architecture"] as? String == "x86_64" {
            #expect(blas["kernel"] as? String == "Haswell" && blas["reason"] as? String == "OPENBLAS_CORETYPE")
        }
        let portable = try system(["GLASSBOX_BLAS": "portable"])
        #expect((portable["blas"] as? [String: Any])?["library"] as? String == "portable")
    }

    /// Training through the portable kernel gives the losses of training through OpenBLAS (float32 rounding apart).
    @Test func portableKernelTrainsLikeOpenBLAS() throws {
        func losses(_ environment: [String: String]) throws -> [Double] {
            let dir = scratch()
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = try glassbox(["train", "--data", corpus, "--preset", "s", "--layers", "1", "--steps", "4", "--log-interval", "1",
                                  "--eval-interval", "100", "--sample-interval", "100", "--checkpoint-interval", "100",
                                  "--runs-dir", dir.path, "--json", "--threads", "2"], environment: environment)
            #expect(r.status == 0, "\(r.err)")
            return r.out.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["loss"] as? Double
            }
        }
        let reference = try losses([:]), portable = try losses(["GLASSBOX_BLAS": "portable"])
        #expect(reference.count >= 4 && reference.count == portable.count)
        for (a, b) in zip(reference, portable) { #expect(abs(a - b) < 1e-4 * max(1, abs(a)), "\(a) vs \(b)") }
    }
}
