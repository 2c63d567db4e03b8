import CQuantKernels
import Dispatch
import Synchronization

/// Persistent worker threads for short parallel regions (decode runs ~200 of them per token).
///
/// `DispatchQueue.concurrentPerform` costs tens of microseconds per region; here the caller publishes a job by
/// bumping an atomic generation counter that the workers spin on, runs part 0 itself, and spins until the others
/// finish. Workers that see no work for a while sleep on a semaphore and are woken by the next job.
final class WorkerPool: @unchecked Sendable {
    let size: Int
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let sleeping = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?
    private var parts = 0

    /// `size` threads in all: the caller and size - 1 workers.
    init(size: Int) {
        self.size = size
        for i in 1..<max(size, 1) {
            let t = Thread { [unowned self] in self.workerLoop(index: i) }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var g = generation.load(ordering: .sequentiallyConsistent)
            while g == seen {
                spins += 1
                if spins < 200_000 {
                    gb_cpu_relax()
                } else {
                    sleeping.add(1, ordering: .sequentiallyConsistent)
                    if generation.load(ordering: .sequentiallyConsistent) == seen { wake.wait() }
                    sleeping.subtract(1, ordering: .sequentiallyConsistent)
                    spins = 0
                }
                g = generation.load(ordering: .sequentiallyConsistent)
            }
            seen = g
            if index < parts, let job { job(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Runs body(0..<parts) with part 0 on the calling thread. Nested or concurrent calls run inline.
    func run(parts n: Int, _ body: (Int) -> Void) {
        guard n > 1, size > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<n { body(i) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let parts = min(n, size)
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            self.parts = parts
            remaining.store(size - 1, ordering: .sequentiallyConsistent)
            generation.add(1, ordering: .sequentiallyConsistent)
            let asleep = sleeping.load(ordering: .sequentiallyConsistent)
            for _ in 0..<asleep { wake.signal() }
            escaping(0)
            while remaining.load(ordering: .acquiring) > 0 { gb_cpu_relax() }
            job = nil
        }
        // More parts than threads: the rest run here.
        for i in parts..<n { body(i) }
    }
}

import Foundation
