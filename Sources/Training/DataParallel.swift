import CMPI
import Foundation
import NeuralNet
import TensorCore

/// What data-parallel training needs of the processes it runs in: sums, a broadcast, an all-gather, and a way to
/// end them all. `MPICollective` is the real one (`mpirun -np N glassbox train ...`).
package protocol Collective: AnyObject {
    /// This process's index (0 records the run and writes checkpoints) and the number of processes.
    var rank: Int { get }
    var size: Int { get }
    /// In-place sums of float buffers across the ranks, as bucketed non-blocking reductions waited together.
    func sum(buckets: [UnsafeMutableBufferPointer<Float>]) throws
    /// Every rank's values (the same count on each), in rank order.
    func gather(_ values: [Double]) throws -> [[Double]]
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws
    func barrier() throws
    /// Ends every process of the job with `code` (a rank that cannot go on must not leave the others waiting).
    func abort(_ code: Int32) -> Never
}

extension Collective {
    package var isLeader: Bool { rank == 0 }

    /// Rank 0's bytes of `data` on every rank.
    package func broadcast(_ data: [UInt8], from root: Int = 0) throws -> [UInt8] {
        var count = [Double(data.count)]
        count = try gather(count)[root]
        var buffer = rank == root ? data : [UInt8](repeating: 0, count: Int(count[0]))
        try buffer.withUnsafeMutableBytes { try broadcast($0, from: root) }
        return buffer
    }

    /// Rank 0's string on every rank (a new run's id, the folder a resumed run starts from).
    package func broadcast(_ text: String, from root: Int = 0) throws -> String {
        String(decoding: try broadcast(Array(text.utf8), from: root), as: UTF8.self)
    }
}

/// The job's processes through Open MPI, loaded at run time (`libmpi.so.40`): the binary needs no MPI to build or
/// to run alone, as OpenBLAS is loaded the same way.
package final class MPICollective: Collective {
    package let rank: Int
    package let size: Int
    /// Ranks on this machine (threads per rank default to the cores shared among them).
    package let localSize: Int
    /// The library's own version line (for summaries).
    package let libraryVersion: String

    /// The job this process belongs to, when started by `mpirun` with more than one process (nil otherwise: no
    /// MPI is loaded). `library` overrides the library's file (`GLASSBOX_MPI_LIBRARY`).
    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MPICollective? {
        guard let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init), size > 1 else { return nil }
        let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? size
        return try MPICollective(library: environment["GLASSBOX_MPI_LIBRARY"], localSize: local)
    }

    init(library: String?, localSize: Int) throws {
        var error = [CChar](repeating: 0, count: 512)
        if gb_mpi_open(library, &error, Int32(error.count)) != 0 {
            throw TrainingError("started by mpirun, but \(Self.text(error))")
        }
        var r: Int32 = 0, s: Int32 = 0
        let rc = gb_mpi_init(&r, &s)
        guard rc == 0 else { throw TrainingError("MPI_Init_thread failed: \(Self.describe(rc))") }
        rank = Int(r); size = Int(s); self.localSize = max(1, localSize)
        var version = [CChar](repeating: 0, count: 256)
        gb_mpi_library_version(&version, Int32(version.count))
        libraryVersion = Self.text(version)
    }

    static func describe(_ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: 512)
        gb_mpi_error_string(code, &text, Int32(text.count))
        return Self.text(text)
    }

    /// The text a C function wrote into `buffer`: the bytes up to its first NUL.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func check(_ rc: Int32, _ what: String) throws {
        if rc != 0 { throw TrainingError("rank \(rank): \(what) failed: \(Self.describe(rc))") }
    }

    package func sum(buckets: [UnsafeMutableBufferPointer<Float>]) throws {
        var requests = [UnsafeMutableRawPointer?](repeating: nil, count: buckets.count)
        for (i, b) in buckets.enumerated() where b.count > 0 {
            try check(gb_mpi_iallreduce_sum_float(b.baseAddress, Int32(b.count), &requests[i]), "the gradients' all-reduce")
        }
        let started = requests.indices.filter { buckets[$0].count > 0 }
        var live = started.map { requests[$0] }
        try check(gb_mpi_waitall(Int32(live.count), &live), "waiting for the gradients' all-reduce")
    }

    package func gather(_ values: [Double]) throws -> [[Double]] {
        var received = [Double](repeating: 0, count: values.count * size)
        try values.withUnsafeBytes { sent in
            try received.withUnsafeMutableBytes { r in
                try check(gb_mpi_allgather_bytes(sent.baseAddress, r.baseAddress, Int32(sent.count)), "an all-gather")
            }
        }
        return (0..<size).map { Array(received[$0 * values.count..<($0 + 1) * values.count]) }
    }

    package func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws {
        var offset = 0
        while offset < buffer.count {
            let n = min(buffer.count - offset, 1 << 30)
            try check(gb_mpi_bcast(buffer.baseAddress! + offset, Int32(n), Int32(root)), "a broadcast")
            offset += n
        }
    }

    package func barrier() throws { try check(gb_mpi_barrier(), "a barrier") }

    package func abort(_ code: Int32) -> Never {
        fflush(nil)  // every output stream
        gb_mpi_abort(code)
        exit(code)
    }

    /// MPI_Finalize at a normal end.
    package func finish() { _ = gb_mpi_finalize() }
}

/// The part of `count` items that rank `part` of `parts` trains on: contiguous, sizes differing by at most one.
package func shardRange(part: Int, of parts: Int, count: Int) -> Range<Int> {
    (count * part / parts)..<(count * (part + 1) / parts)
}

/// Gradients summed across ranks: each rank's gradients, scaled by its share of the batch's loss terms, are packed
/// into buckets of about `bucketFloats`, reduced as non-blocking all-reduces, and unpacked: afterwards every rank
/// holds the gradient of the whole batch's mean loss.
final class GradientSync {
    let parameters: [Tensor]
    let bucketFloats: Int
    private var storage: UnsafeMutableBufferPointer<Float>
    private var buckets: [UnsafeMutableBufferPointer<Float>] = []

    init(parameters: [Tensor], bucketFloats: Int = 1 << 20) {
        self.parameters = parameters
        self.bucketFloats = bucketFloats
        let total = parameters.reduce(0) { $0 + $1.count }
        storage = .allocate(capacity: max(total, 1))
        // Buckets break between parameters where they can (a parameter larger than a bucket is one bucket).
        var start = 0, filled = 0
        for p in parameters {
            if filled > 0 && filled + p.count > bucketFloats {
                buckets.append(UnsafeMutableBufferPointer(rebasing: storage[start..<(start + filled)]))
                start += filled; filled = 0
            }
            filled += p.count
        }
        if filled > 0 { buckets.append(UnsafeMutableBufferPointer(rebasing: storage[start..<(start + filled)])) }
    }

    deinit { storage.deallocate() }

    var bucketCount: Int { buckets.count }

    func reduce(over collective: Collective, scale: Float) throws {
        var offset = 0
        for p in parameters {
            let out = storage.baseAddress! + offset
            if let g = p.grad {
                for i in 0..<p.count { out[i] = g.data[i] * scale }
            } else {
                out.update(repeating: 0, count: p.count)
            }
            offset += p.count
        }
        try collective.sum(buckets: buckets)
        offset = 0
        for p in parameters {
            if p.grad == nil { p.grad = Tensor(uninitialized: p.shape) }
            p.grad!.data.update(from: storage.baseAddress! + offset, count: p.count)
            offset += p.count
        }
    }
}

/// A 64-bit checksum of the parameters' bits and the optimizer's state (FNV-1a over 32-bit words): equal on every
/// rank while they agree.
func trainingStateChecksum(_ parameters: [Tensor], _ optimizer: any Optimizer) -> UInt64 {
    var h: UInt64 = 0xcbf29ce484222325
    func mix(_ words: UnsafePointer<UInt32>, _ n: Int) { for i in 0..<n { h = (h ^ UInt64(words[i])) &* 0x100000001b3 } }
    for p in parameters {
        p.data.withMemoryRebound(to: UInt32.self, capacity: p.count) { mix($0, p.count) }
    }
    let state = optimizer.stateDict()
    h = (h ^ UInt64(state.step)) &* 0x100000001b3
    for (_, _, values) in state.tensors {
        values.withUnsafeBufferPointer { b in
            b.baseAddress.map { base in base.withMemoryRebound(to: UInt32.self, capacity: b.count) { mix($0, b.count) } }
        }
    }
    return h
}
