import Foundation

/// How many threads the engine's kernels use, and the parallel regions that use them.
///
/// Every region runs on one persistent `WorkerPool` (spinning workers that sleep when idle). OpenBLAS is kept
/// single-threaded and our kernels split the work, so the total never exceeds the threads asked for (DESIGN
/// rule 5: no oversubscription). Regions with too little work for more than one chunk run inline.
package enum Parallel {
    nonisolated(unsafe) private static var current: WorkerPool = {
        WorkerPool(size: Swift.max(1, ProcessInfo.processInfo.activeProcessorCount))
    }()
    private static let lock = NSLock()

    /// The threads a region may use (the caller included).
    package static var threads: Int { current.size }

    /// Uses `n` threads from now on (the old workers end). Call it between regions, not inside one.
    package static func setThreads(_ n: Int) {
        let n = Swift.max(1, n)
        lock.lock(); defer { lock.unlock() }
        if n == current.size { return }
        let old = current
        current = WorkerPool(size: n)
        old.shutdown()
    }

    /// Runs `body(chunkStart, chunkEnd)` over 0..<count split into at most `threads` chunks of at least
    /// `minChunk` items; inline when one chunk suffices.
    @inline(__always)
    package static func forChunks(_ count: Int, minChunk: Int, _ body: (Int, Int) -> Void) {
        let pool = current
        let chunks = min(pool.size, Swift.max(1, count / Swift.max(minChunk, 1)))
        if chunks <= 1 { body(0, count); return }
        pool.run(parts: chunks) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo, hi) }
        }
    }

    /// Runs `body(i)` for i in 0..<count across the threads (for independent items such as attention heads).
    @inline(__always)
    package static func forEach(_ count: Int, _ body: (Int) -> Void) {
        forChunks(count, minChunk: 1) { lo, hi in for i in lo..<hi { body(i) } }
    }
}
