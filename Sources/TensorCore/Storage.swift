import Foundation

/// One contiguous Float32 allocation shared by a tensor and its views.
///
/// Buffers come from and go back to `BufferPool`, so a training loop that makes the same shapes every step
/// allocates nothing after its first step (DESIGN: reuse buffers in training loops).
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

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

/// Recycles float buffers by exact size; bounded so that a change of shapes cannot hoard memory.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let maxPooledBytes = 2 << 30
    private let lock = NSLock()

    func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let n = Swift.max(count, 1)
        lock.lock()
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
        let n = Swift.max(count, 1)
        lock.lock()
        if pooledBytes + n * 4 <= maxPooledBytes {
            free[n, default: []].append(p)
            pooledBytes += n * 4
            lock.unlock()
            return
        }
        lock.unlock()
        UnsafeMutableRawPointer(p).deallocate()
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
