import CQuantKernels
import Dispatch
import Foundation
import Synchronization

/// Persistent worker threads for short parallel regions (decode runs ~200 of them per token).
///
/// Waking threads through `DispatchQueue.concurrentPerform` costs tens of microseconds per region on these VMs,
/// more than a small region saves. Here the caller publishes a job by bumping an atomic generation counter that
/// the workers spin on, runs part 0 itself, and spins until the others finish (as ggml's thread pool does).
/// A worker that has seen no job for `spinNanoseconds` sleeps on a semaphore, so an idle process (a server
/// waiting for requests, a chat waiting for input) uses no CPU; the next job wakes it.
final class WorkerPool: @unchecked Sendable {
    /// Threads in all: the caller and size - 1 workers.
    let size: Int
    /// How long an idle worker spins before it sleeps.
    static let spinNanoseconds: UInt64 = 2_000_000
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let sleeping = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let exited = Atomic<Int>(0)
    // Sleeping workers wait on `wakeCondition` for the generation to move; the caller takes `wakeLock` to broadcast,
    // so a worker that checked the generation under the lock is already waiting when the broadcast comes.
    private let wakeLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeCondition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Written by the caller before the generation bump (sequentially consistent), read by workers after it.
    private var job: ((Int) -> Void)?
    private var parts = 0

    /// `name`-1, `name`-2, ... name the worker threads (as `top -H` and /proc show them; 15 bytes at most).
    init(size: Int, name: String = "gb-worker") {
        self.size = max(size, 1)
        pthread_mutex_init(wakeLock, nil)
        pthread_cond_init(wakeCondition, nil)
        for i in 1..<self.size {
            let threadName = "\(name)-\(i)"
            let t = Thread { [self] in
                gb_set_thread_name(threadName)
                self.workerLoop(index: i)
            }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            var g = generation.load(ordering: .sequentiallyConsistent)
            if g == seen {
                let start = DispatchTime.now().uptimeNanoseconds
                var spins = 0
                while g == seen {
                    spins &+= 1
                    if spins & 255 != 0 {
                        gb_cpu_relax()
                    } else if DispatchTime.now().uptimeNanoseconds - start > Self.spinNanoseconds {
                        pthread_mutex_lock(wakeLock)
                        sleeping.add(1, ordering: .sequentiallyConsistent)
                        while generation.load(ordering: .sequentiallyConsistent) == seen {
                            pthread_cond_wait(wakeCondition, wakeLock)
                        }
                        sleeping.subtract(1, ordering: .sequentiallyConsistent)
                        pthread_mutex_unlock(wakeLock)
                    }
                    g = generation.load(ordering: .sequentiallyConsistent)
                }
            }
            seen = g
            if stopped.load(ordering: .sequentiallyConsistent) {
                exited.add(1, ordering: .sequentiallyConsistent)
                return
            }
            if index < parts, let job { job(index) }
            remaining.subtract(1, ordering: .releasing)
        }
    }

    /// Runs body(0..<n) with part 0 on the calling thread and parts 1..<size on the workers; parts beyond the
    /// pool's size run on the caller afterwards. Nested or concurrent calls run inline.
    func run(parts n: Int, _ body: (Int) -> Void) {
        guard n > 1, size > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<n { body(i) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        let parts = min(n, size)
        publish(parts: parts, body)
        for i in parts..<n { body(i) }
    }

    /// Hands `body` to the workers (parts 1..<parts), runs part 0 here, and waits for every worker.
    private func publish(parts: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            self.parts = parts
            remaining.store(size - 1, ordering: .sequentiallyConsistent)
            generation.add(1, ordering: .sequentiallyConsistent)
            wakeSleepers()
            escaping(0)
            while remaining.load(ordering: .acquiring) > 0 { gb_cpu_relax() }
            job = nil
        }
    }

    /// Ends the worker threads (after any running region) and waits until they have left.
    func shutdown() {
        guard size > 1 else { return }
        while !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { gb_cpu_relax() }
        stopped.store(true, ordering: .sequentiallyConsistent)
        generation.add(1, ordering: .sequentiallyConsistent)
        wakeSleepers()
        while exited.load(ordering: .sequentiallyConsistent) < size - 1 { usleep(50) }
    }

    deinit {
        pthread_cond_destroy(wakeCondition)
        pthread_mutex_destroy(wakeLock)
        wakeCondition.deallocate()
        wakeLock.deallocate()
    }

    /// Wakes the workers that went to sleep (after the generation moved). A worker counts itself in `sleeping`
    /// before it checks the generation, both sequentially consistent, so either it sees the new generation or
    /// this sees it counted.
    private func wakeSleepers() {
        guard sleeping.load(ordering: .sequentiallyConsistent) > 0 else { return }
        pthread_mutex_lock(wakeLock)
        pthread_cond_broadcast(wakeCondition)
        pthread_mutex_unlock(wakeLock)
    }
}
