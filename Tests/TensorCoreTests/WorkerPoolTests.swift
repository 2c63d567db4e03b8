import Foundation
import Synchronization
import Testing
@testable import TensorCore

@Suite("Worker pool")
struct WorkerPoolTests {
    @Test func everyPartRunsOnce() {
        let pool = WorkerPool(size: 3)
        defer { pool.shutdown() }
        for n in [1, 2, 3, 7, 100] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: n)
            hits.initialize(repeating: 0, count: n)
            for _ in 0..<50 { pool.run(parts: n) { hits[$0] += 1 } }
            #expect((0..<n).allSatisfy { hits[$0] == 50 })
            hits.deallocate()
        }
    }

    @Test func nestedRegionsRunInline() {
        let pool = WorkerPool(size: 2)
        defer { pool.shutdown() }
        let total = Atomic<Int>(0)
        pool.run(parts: 2) { _ in
            pool.run(parts: 4) { _ in total.add(1, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 8)
    }

    @Test func chunksCoverTheRange() {
        for count in [0, 1, 5, 1000, 100_003] {
            let seen = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
            seen.initialize(repeating: 0, count: max(count, 1))
            Parallel.forChunks(count, minChunk: 7) { lo, hi in for i in lo..<hi { seen[i] += 1 } }
            #expect((0..<count).allSatisfy { seen[$0] == 1 })
            seen.deallocate()
        }
    }

    /// Idle workers sleep: after the spin window, a process waiting on input burns no CPU.
    @Test func idleWorkersUseNoCPU() throws {
        let pool = WorkerPool(size: 2, name: "gbtest-idle")
        defer { pool.shutdown() }
        let x = UnsafeMutablePointer<Float>.allocate(capacity: 1 << 16)
        defer { x.deallocate() }
        pool.run(parts: 2) { p in for i in (p << 15)..<((p + 1) << 15) { x[i] = Float(i) } }
        usleep(50_000)   // past the spin window (2 ms): asleep
        let idle = threadCPUSeconds(named: "gbtest-idle", over: 0.4)
        #expect(idle != nil, "the pool's worker thread was not found by name")
        #expect((idle ?? 1) < 0.02, "the idle worker used \(idle ?? -1) s of CPU in 0.4 s")
    }

    /// After workers have gone to sleep, the next region still runs on them (woken, not lost).
    @Test func sleepingWorkersWake() {
        let pool = WorkerPool(size: 2, name: "gbtest-wake")
        defer { pool.shutdown() }
        for _ in 0..<3 {
            usleep(10_000)
            let ran = Atomic<Int>(0)
            pool.run(parts: 2) { _ in ran.add(1, ordering: .relaxed) }
            #expect(ran.load(ordering: .relaxed) == 2)
        }
    }
}

/// CPU seconds used over `seconds` by this process's threads whose name starts with `prefix` (from /proc).
func threadCPUSeconds(named prefix: String, over seconds: Double) -> Double? {
    func snapshot() -> [String: Double] {
        var out: [String: Double] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        for t in tasks {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(t)/comm", encoding: .utf8),
                  comm.hasPrefix(prefix),
                  let stat = try? String(contentsOfFile: "/proc/self/task/\(t)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let u = Double(fields[11]), let s = Double(fields[12]) else { continue }
            out[t] = (u + s) / tick
        }
        return out
    }
    let a = snapshot()
    usleep(useconds_t(seconds * 1e6))
    let b = snapshot()
    if a.isEmpty || b.isEmpty { return nil }
    return b.reduce(0) { $0 + ($1.value - (a[$1.key] ?? $1.value)) }
}
