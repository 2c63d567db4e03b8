import Foundation

/// One contiguous Float32 allocation shared by a tensor and its views.
///
/// Buffers come from and go back to `BufferPool`, so a training loop that makes the same shapes every step
/// allocates nothing after its first step (DESIGN: reuse buffers in training loops).
package final class Storage: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<Float>
    package let count: Int

    /// A buffer of `count` floats with unspecified contents.
    init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count)
    }

    /// A buffer of `count` zeros.
    convenience init(zeros count: Int) {
        self.init(uninitializedCount: count)
        pointer.update(repeating: 0, count: count)
    }

    deinit { BufferPool.shared.give(pointer, count) }
}

/// Recycles float buffers by size class; bounded so that a change of shapes cannot hoard memory.
///
/// A request is rounded up to its class (eight classes per doubling, so at most 12.5% more than asked), and a
/// buffer given back serves any later request of the same class: a training loop that makes the same shapes
/// every step allocates nothing after its first step, and a batched analysis whose shapes grow a little from
/// layer to layer (a patching scan) reuses its buffers instead of faulting in fresh pages for each. When the
/// pooled bytes would pass the bound, whole classes are released first, so buffers of shapes no longer used go
/// back to the system instead of filling the pool for good.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    /// When each class was last given back (a count of gives), for `trim`.
    private var givenAt: [Int: Int] = [:]
    private var gives = 0
    private let maxPooledBytes = 2 << 30
    private let lock = NSLock()
    /// Bytes held by tensors now (taken and not given back), and the most at any time since `resetPeak`.
    private(set) var liveBytes = 0
    private(set) var peakLiveBytes = 0

    func resetPeak() {
        lock.lock(); peakLiveBytes = liveBytes; lock.unlock()
    }

    /// The float count allocated for a request of `count` floats.
    static func sizeClass(_ count: Int) -> Int {
        let n = Swift.max(count, 1)
        if n <= 1024 { return n }                       // small buffers: exact (cheap to allocate anyway)
        let top = Int.bitWidth - 1 - n.leadingZeroBitCount      // 2^top <= n
        let step = 1 << (top - 3)                               // eight classes per doubling
        return (n + step - 1) / step * step
    }

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = BufferPool.sizeClass(count)
        lock.lock()
        liveBytes += n * 4
        peakLiveBytes = Swift.max(peakLiveBytes, liveBytes)
        if var list = free[n], let p = list.popLast() {
            free[n] = list
            pooledBytes -= n * 4
            lock.unlock()
            return p
        }
        lock.unlock()
        // 64-byte alignment keeps SIMD loads and OpenBLAS on aligned rows.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    func give(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        let n = BufferPool.sizeClass(count)
        lock.lock()
        liveBytes -= n * 4
        guard n * 4 <= maxPooledBytes else { lock.unlock(); UnsafeMutableRawPointer(p).deallocate(); return }
        var stale: [UnsafeMutablePointer<Float>] = []
        while pooledBytes + n * 4 > maxPooledBytes, let (size, list) = free.first(where: { $0.key != n }) ?? free.first {
            free[size] = nil
            pooledBytes -= size * 4 * list.count
            stale += list
        }
        free[n, default: []].append(p)
        pooledBytes += n * 4
        gives += 1
        givenAt[n] = gives
        lock.unlock()
        for q in stale { UnsafeMutableRawPointer(q).deallocate() }
    }

    /// Releases pooled buffers, least recently given classes first, until at most `bytes` stay pooled.
    func trim(to bytes: Int) {
        lock.lock()
        var stale: [UnsafeMutablePointer<Float>] = []
        while pooledBytes > bytes, let size = free.keys.min(by: { (givenAt[$0] ?? 0) < (givenAt[$1] ?? 0) }) {
            let list = free.removeValue(forKey: size) ?? []
            pooledBytes -= size * 4 * list.count
            stale += list
        }
        lock.unlock()
        for q in stale { UnsafeMutableRawPointer(q).deallocate() }
    }

    /// Releases every pooled buffer (e.g. between benchmarks of different sizes).
    func drain() {
        lock.lock()
        for (_, list) in free { for p in list { UnsafeMutableRawPointer(p).deallocate() } }
        free = [:]
        pooledBytes = 0
        lock.unlock()
    }
}

/// The float buffers tensors recycle (`BufferPool`).
package enum BufferMemory {
    /// Gives pooled buffers back to the system until at most `bytes` stay (the classes given back longest ago
    /// first). Analyses whose shapes change from pass to pass (a patching scan's batches grow layer by layer)
    /// call it between passes, so buffers of sizes that will not come again do not pile up to the pool's bound.
    package static func trim(to bytes: Int) { BufferPool.shared.trim(to: bytes) }

    /// Bytes of tensor storage in use at the most since the last `resetPeak` (e.g. a training step's activations,
    /// gradients and weights held as tensors; memory-mapped weights are not tensors and do not count).
    package static var peakLiveBytes: Int { BufferPool.shared.peakLiveBytes }
    package static func resetPeak() { BufferPool.shared.resetPeak() }

    /// The process's peak resident set size (VmHWM, /proc/self/status), 0 where unknown.
    package static func peakResidentBytes() -> Int { procStatus("VmHWM:") }
    /// The process's resident set size now (VmRSS).
    package static func residentBytes() -> Int { procStatus("VmRSS:") }

    static func procStatus(_ field: String) -> Int {
        // Documented default: a memory figure for reports, 0 where /proc is not there (not Linux).
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
}
