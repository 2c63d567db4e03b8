import ArgumentParser
import Foundation
import Models
import NeuralNet
import RunStore
import TensorCore
import Training

/// The studio's series path on a long run: recording N points, then answering them bucketed, cold and warm.
struct BenchSeries: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "series",
        abstract: "Record a long scalar series, then time the studio's bucketed answer (cold and warm) and check a spike survives."
    )

    @Option(help: "Points in the series.") var points: Int = 1_000_000
    @Option(help: "Buckets in the answer.") var buckets: Int = 2000
    @Flag(help: "Machine-readable output.") var json = false
    @Option(help: ArgumentHelp("Keep the recorded run in this runs directory, with a TensorBoard copy of its events (for bench/studio_vs_tensorboard.sh).", valueName: "dir"))
    var keep: String?

    func run() throws {
        guard (1...100_000_000).contains(points), (1...10_000).contains(buckets) else {
            throw ValidationError("--points must be in 1...100000000 and --buckets in 1...10000")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-bench-series-\(UUID().uuidString.prefix(8))")
        let dir = keep.map { URL(fileURLWithPath: $0) } ?? scratch
        if keep != nil, FileManager.default.fileExists(atPath: dir.appendingPathComponent("glassbox.sqlite").path) {
            throw ValidationError("\(dir.path) already holds a run store: give --keep a new folder")
        }
        defer { try? FileManager.default.removeItem(at: scratch) }  // best effort: a scratch folder in the temporary directory
        let spike = Int.random(in: 1...points)
        var config = TrainConfig(dataPath: "bench")
        config.steps = points
        // Recording: the trainer's own path (batched transactions).
        let t0 = Date()
        do {
            let store = RunRecorder(database: try RunDatabase(directory: dir))
            let recorder = keep == nil ? SinkGroup([store]) : SinkGroup([store, TensorBoardSink(runsDirectory: dir)])
            try recorder.runStarted(RunStart(id: "bench", config: config, parameterCount: 0, resumedAt: nil))
            for step in 1...points {
                recorder.scalars(step: step, wallTime: 1_800_000_000 + Double(step), [("train/loss", step == spike ? 100 : 3 + sin(Double(step) / 1000))])
            }
            recorder.runEnded(status: "finished", step: points)
            try recorder.flush()
        }
        let recordSeconds = Date().timeIntervalSince(t0)
        let chunks = try RunDatabase(directory: dir).chunkCount(run: "bench", tag: "train/loss")
        var readMs: [Double] = []
        func answer(_ db: RunDatabase) throws -> (ms: Double, summary: SeriesSummary) {
            let t = Date()
            let columns = try db.seriesColumns(run: "bench", tag: "train/loss")
            readMs.append(Date().timeIntervalSince(t) * 1000)
            let s = SeriesSummary.reduce(run: "bench", tag: "train/loss", columns, buckets: buckets, from: nil, to: nil, smoothing: 0.6)
            let data = try JSONEncoder().encode(s)
            _ = data.count
            return (Date().timeIntervalSince(t) * 1000, s)
        }
        // Cold: a newly opened store (as a server just started); warm: the same store again.
        let cold = try answer(try RunDatabase(directory: dir))
        let warmDB = try RunDatabase(directory: dir)
        var warm: [Double] = []
        var last = cold.summary
        for _ in 0..<5 { let a = try answer(warmDB); warm.append(a.ms); last = a.summary }
        warm.sort()
        // The cost of recording one logged training step of preset s (loss, lr, grad norm, tokens/s, and a gradient
        // norm and update ratio per parameter) into the run store and the TensorBoard files, per step.
        var tc = TrainConfig(dataPath: "bench")
        try tc.apply(preset: "s")
        let names = GPT(tc.modelConfig(vocabSize: 65), seed: 0).namedParameters().map(\.0)
        let recordDir = scratch.appendingPathComponent("record")
        let sink = SinkGroup([RunRecorder(database: try RunDatabase(directory: recordDir)), TensorBoardSink(runsDirectory: recordDir)])
        try sink.runStarted(RunStart(id: "cost", config: tc, parameterCount: 0, resumedAt: nil))
        let loggedSteps = 2000
        let tr = Date()
        for step in 1...loggedSteps {
            var values: [(tag: String, value: Double)] = [("train/loss", 2), ("train/lr", 1e-3), ("train/grad_norm", 1), ("train/tokens_per_s", 24000)]
            for n in names { values.append(("grad_norm/" + n, 0.5)); values.append(("update_ratio/" + n, 1e-3)) }
            sink.scalars(step: step, wallTime: Date().timeIntervalSince1970, values)
        }
        try sink.flush()
        let recordMicros = Date().timeIntervalSince(tr) / Double(loggedSteps) * 1e6
        let spikeKept = last.buckets.contains { $0.firstStep <= spike && spike <= $0.lastStep && $0.max == 100 }
        if json {
            print(Terminal.jsonLine(BenchDocument.Series(
                points: points, buckets: last.buckets.count, recordS: recordSeconds, recordPointsPerS: Double(points) / recordSeconds,
                coldMs: cold.ms, chunks: chunks, warmMsMedian: warm[warm.count / 2], readMsMedian: readMs.sorted()[readMs.count / 2],
                spikeStep: spike, spikeKept: spikeKept, recordUsPerLoggedStep: recordMicros, scalarsPerLoggedStep: 4 + 2 * names.count,
                system: SystemReport.current(measureSgemm: false))))
        } else {
            print(String(format: "recorded %d points in %.2f s (%.0f points/s)", points, recordSeconds, Double(points) / recordSeconds))
            print(String(format: "reading the points from the store (%d packed chunks and the newest rows): %.1f ms (median)", chunks, readMs.sorted()[readMs.count / 2]))
            print(String(format: "answer in %d buckets: cold %.1f ms, warm %.1f ms (median of 5); spike at step %d %@",
                         last.buckets.count, cold.ms, warm[warm.count / 2], spike, spikeKept ? "kept" : "LOST"))
            print(String(format: "recording a logged step of preset s (%d scalars) into the run store and TensorBoard files: %.0f µs",
                         4 + 2 * names.count, recordMicros))
        }
        if !spikeKept { throw CommandFailure("the spike at step \(spike) was lost") }
    }
}
