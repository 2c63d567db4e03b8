import ArgumentParser
import Foundation
import TensorCore
import Training

/// A training started by `mpirun -np N glassbox train ...`: the job's processes (ranks) train one run together,
/// data-parallel. Alone (no mpirun, or one process) there is no job and no MPI is loaded.
enum TrainingJob {
    /// Joins the job, if any, and sets this process's threads: `--threads`, else the cores shared among the ranks
    /// on this machine.
    static func join(threads: Int?) throws -> MPICollective? {
        let job = try MPICollective.fromEnvironment()
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
        } catch let exit as ExitCode {
            job.finish()
            throw exit
        } catch {
            Terminal.err("Error: rank \(job.rank) of \(job.size): \(error)")
            job.abort(1)
        }
        job.finish()
    }

    /// Every rank trains on at least one item of each batch.
    static func checkBatch(_ batch: Int, _ job: MPICollective?, unit: String) throws {
        if let job, batch > 0, batch < job.size {
            throw ValidationError("--batch \(batch) is smaller than the \(job.size) ranks: every rank needs at least one \(unit) of each batch")
        }
    }
}
