import Foundation
import Testing
import TensorCore
@testable import Training

/// Rank 0 of a two-rank job whose other rank is this one's mirror (the same part, the same values): what the
/// trainer's side of data-parallel training does, without MPI. `diverge` makes the other rank's parameter checksum
/// differ from the next comparison on.
final class MirrorCollective: Collective {
    let rank = 0, size = 2
    var diverge = false
    var reductions = 0, gathers = 0
    func sum(buckets: [UnsafeMutableBufferPointer<Float>]) throws {
        reductions += 1
        for b in buckets { for i in b.indices { b[i] *= 2 } }
    }
    func gather(_ values: [Double]) throws -> [[Double]] {
        gathers += 1
        var other = values
        // The checksum comparison is the one gather of one value besides the validation loss's (a NaN-free bit flip).
        if diverge && values.count == 1 { other[0] = Double(bitPattern: values[0].bitPattern ^ 1) }
        return [values, other]
    }
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws {}
    func barrier() throws {}
    func abort(_ code: Int32) -> Never { fatalError("abort \(code)") }
}

@Suite("Data-parallel training (the trainer's side)")
struct DataParallelTests {
    /// Parts of a batch cover it once, in order, with sizes differing by at most one; their weights add up to the
    /// whole batch's.
    @Test func shardsCoverTheBatch() throws {
        for (count, parts) in [(16, 2), (17, 3), (5, 5), (1, 1)] {
            let ranges = (0..<parts).map { shardRange(part: $0, of: parts, count: count) }
            #expect(ranges.flatMap { Array($0) } == Array(0..<count))
            #expect(Set(ranges.map(\.count)).count <= 2 && ranges.map(\.count).max()! - ranges.map(\.count).min()! <= 1)
        }
        let c = smallConfig(steps: 1)
        let trainer = try Trainer(config: c, runsDirectory: temporaryDirectory())
        var rng = RandomGenerator(seed: 3)
        let batch = trainer.task.batch(rng: &rng)
        let parts = (0..<3).map { trainer.task.shard(batch, part: $0, of: 3) }
        #expect(parts.map(\.weight).reduce(0, +) == trainer.task.shard(batch, part: 0, of: 1).weight)
        #expect(parts.flatMap(\.batch.inputs) == batch.inputs && parts.flatMap(\.batch.targets) == batch.targets)
    }

    /// With a mirrored second rank, the summed gradients are the mirrored part's: the run trains, records only as
    /// rank 0, and gathers each step's loss once.
    @Test func aMirroredRankTrains() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trainer = try Trainer(config: smallConfig(steps: 12), runsDirectory: dir)
        let mirror = MirrorCollective()
        let sink = MemorySink()
        trainer.collective = mirror
        trainer.sink = sink
        let summary = try trainer.run()
        #expect(summary.status == "finished" && summary.steps == 12)
        #expect(mirror.reductions == 12)
        #expect(sink.scalars["rank/1/tokens_per_s"]?.count == 12 && sink.scalars["train/allreduce_share"]?.count == 12)
        let losses = sink.scalars["train/loss"]!.map(\.value)
        #expect(losses.last! < losses.first!, "\(losses)")
    }

    /// Ranks whose parameters differ stop the run with an error at the next comparison (not a silent drift), and
    /// the run is recorded failed with the reason.
    @Test func divergedRanksStopTheRun() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = smallConfig(steps: 40)
        c.evalInterval = 1000
        let trainer = try Trainer(config: c, runsDirectory: dir)
        let mirror = MirrorCollective()
        let sink = MemorySink()
        trainer.collective = mirror
        trainer.checksumInterval = 5
        trainer.sink = sink
        trainer.afterBackward = { step, _ in if step == 12 { mirror.diverge = true } }
        #expect {
            try trainer.run()
        } throws: { error in
            "\(error)".contains("step 15: the parameters and optimizer state of rank 1 differ from rank 0's") && "\(error)".contains("diverged")
        }
        #expect(sink.status == "failed")
        #expect(sink.messages.contains { $0.0 == "error" && $0.1.contains("diverged") })
        #expect(trainer.state.step == 15)
    }
}
