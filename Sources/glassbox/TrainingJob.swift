import ArgumentParser
import Foundation
import TensorCore
import RunStore
import Training

/// A training started by `mpirun -np N glassbox train ...`: the job's processes (ranks) train one run together,
/// data-parallel. Alone (no mpirun, or one process) there is no job and no MPI is loaded.
enum TrainingJob {
    /// Joins the job, if any, and sets this process's threads: `--threads`, else the cores shared among the ranks
    /// on this machine.
    /// The job this process joined (nil: alone).
    nonisolated(unsafe) static var current: MPICollective?

    static func join(threads: Int?) throws -> MPICollective? {
        let job = try MPICollective.fromEnvironment()
        current = job
        if let threads {
            Parallel.setThreads(threads)
        } else if let job {
            Parallel.setThreads(max(1, ProcessInfo.processInfo.activeProcessorCount / job.localSize))
        } else {
            Parallel.setThreads(Parallel.threads)
        }
        return job
    }

    /// Runs a training command in the job: an error on any rank is printed with its rank and ends every rank
    /// (MPI_Abort) instead of leaving the others waiting in the next all-reduce; a normal end finalises MPI.
    static func run(_ job: MPICollective?, _ body: () throws -> Void) throws {
        guard let job else { return try body() }
        do {
            try body()
            // The ranks part together: none ends while rank 0 still writes (its watch would take that for a loss).
            try job.barrier()
        } catch let exit as ExitCode {
            job.finish()
            throw exit
        } catch {
            Terminal.err("Error: rank \(job.rank) of \(job.size): \(error)")
            job.abort(1)
        }
        job.finish()
    }

    /// The other ranks on this machine (rank, process id): every rank calls it at the same point (an all-gather).
    static func localPeers(_ job: MPICollective) throws -> [(rank: Int, pid: pid_t)] {
        var host = 0xcbf29ce484222325 as UInt64
        for b in ProcessInfo.processInfo.hostName.utf8 { host = (host ^ UInt64(b)) &* 0x100000001b3 }
        let all = try job.gather([Double(getpid()), Double(bitPattern: host)])
        return all.indices.filter { $0 != job.rank && all[$0][1].bitPattern == host }.map { (rank: $0, pid: pid_t(all[$0][0])) }
    }

    /// While rank 0 trains, it watches the ranks on its machine: one that ends (killed, crashed) fails the run with
    /// the reason and ends the job within a fraction of a second, rather than leaving rank 0 waiting in an all-reduce
    /// that cannot finish (Open MPI's own runtime then ends the rest). `failed` records the reason; the returned
    /// closure stops the watch (before the ranks part at the end). Ranks on other machines are left to mpirun.
    static func watch(_ peers: [(rank: Int, pid: pid_t)], of job: MPICollective, failed: @escaping @Sendable (String) -> Void) -> () -> Void {
        let done = WatchFlag()
        guard !peers.isEmpty else { return { done.set() } }
        let size = job.size
        let thread = Thread {
            while !done.isSet {
                usleep(100_000)
                for p in peers where kill(p.pid, 0) != 0 && errno == ESRCH && !done.isSet {
                    failed("rank \(p.rank) of \(size) (process \(p.pid)) ended while the job was running")
                    return
                }
            }
        }
        thread.start()
        return { done.set() }
    }

    /// Makes something rank 0 must make first (a resumed trainer: rank 0 sets aside unreadable checkpoints and
    /// removes unfinished folders), then on the other ranks, which find the checkpoints as rank 0 left them.
    static func leaderFirst<R>(_ make: () throws -> R) throws -> R {
        guard let job = current else { return try make() }
        if job.isLeader {
            let made = try make()
            try job.barrier()
            return made
        }
        try job.barrier()
        return try make()
    }

    /// A new run's id: rank 0's, on every rank.
    static func newRunID() throws -> String? {
        try current.map { try $0.broadcast(TrainingRun<GPTTask>.newRunID()) }
    }

    /// Every rank trains on at least one item of each batch.
    static func checkBatch(_ batch: Int, _ job: MPICollective? = current, unit: String) throws {
        if let job, batch > 0, batch < job.size {
            throw ValidationError("--batch \(batch) is smaller than the \(job.size) ranks: every rank needs at least one \(unit) of each batch")
        }
    }
}

/// A flag one thread sets and another reads.
final class WatchFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

extension TrainingJob {
    /// Joins `trainer` (set up to stop on a signal) to the current job (nothing alone). The ranks other than 0 train
    /// quietly here and get nil back (rank 0 records and reports); rank 0, or a process alone, gets the ranks it is
    /// to watch.
    static func attach<T: TrainingTask>(_ trainer: TrainingRun<T>) throws -> [(rank: Int, pid: pid_t)]? {
        guard let job = current else { return [] }
        trainer.collective = job
        let peers = try localPeers(job)
        if !job.isLeader {
            _ = try trainer.run()
            return nil
        }
        return peers
    }

    /// Rank 0's (or a lone process's) run of `trainer`, watching `peers` while it trains; `finally` runs either way.
    static func runWatched<T: TrainingTask>(_ trainer: TrainingRun<T>, peers: [(rank: Int, pid: pid_t)], database: any RunStorage,
                                            finally: () -> Void) throws -> TrainSummary {
        let stopWatching = current.map { watch(peers, of: $0, database: database, trainer: trainer) }
        defer {
            stopWatching?()
            finally()
        }
        return try trainer.run()
    }

    /// Rank 0's watch of a run: a lost rank marks the run failed in the store with the step reached and the last
    /// checkpoint, says so, and ends this process (mpirun then ends the job).
    static func watch<T: TrainingTask>(_ peers: [(rank: Int, pid: pid_t)], of job: MPICollective, database: any RunStorage, trainer: TrainingRun<T>) -> () -> Void {
        let id = trainer.id
        let checkpoints = trainer.runDirectory.appendingPathComponent("checkpoints")
        let runDirectory = trainer.runDirectory
        // The training thread is stuck in a collective: its step is read as it stands (through a non-generic box,
        // so that the watch, a Sendable closure, holds no metatype).
        let currentStep = StepReader { trainer.state.step }
        let rank = job.rank, size = job.size
        return watch(peers, of: job) { reason in
            let step = currentStep.read()
            let last: String
            do {
                last = try Checkpoint.all(in: runDirectory).last.map { "; the last checkpoint is \($0.path)" }
                    ?? "; no checkpoint was written yet (\(checkpoints.path))"
            } catch {
                last = "; the checkpoints could not be listed (\(error))"
            }
            let text = "stopped at step \(step): \(reason)" + last
            do { try database.recordFailure(run: id, step: step, text: text) } catch {
                Terminal.err("warning: the run store could not record this failure: \(error)")
            }
            Terminal.err("Error: rank \(rank) of \(size): \(text)")
            _exit(1)
        }
    }
}

/// Reads a training's step from another thread (the watch of a stuck data-parallel run), racing the trainer on
/// purpose: what it reads is only reported.
private final class StepReader: @unchecked Sendable {
    let read: () -> Int
    init(_ read: @escaping () -> Int) { self.read = read }
}
