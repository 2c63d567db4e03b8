import Foundation
import COpenBLAS

/// How many threads the engine's kernels use. OpenBLAS itself is kept single-threaded and our kernels split
/// the work, so the total never exceeds the cores (DESIGN rule 5: no oversubscription).
public enum Parallel {
    nonisolated(unsafe) public private(set) static var threads: Int = {
        openblas_set_num_threads(1)
        return Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(1)
        threads = Swift.max(1, n)
    }

    /// Runs `body(chunkStart, chunkEnd)` over 0..<count split into at most `threads` chunks of at least
    /// `minChunk` items; inline when one chunk suffices.
    @inline(__always)
    public static func forChunks(_ count: Int, minChunk: Int, _ body: (Int, Int) -> Void) {
        let _ = threads
        let chunks = min(threads, Swift.max(1, count / Swift.max(minChunk, 1)))
        if chunks <= 1 { body(0, count); return }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo, hi) }
        }
    }

    /// Runs `body(i)` for i in 0..<count across the threads (for independent items such as attention heads).
    @inline(__always)
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        forChunks(count, minChunk: 1) { lo, hi in for i in lo..<hi { body(i) } }
    }
}
