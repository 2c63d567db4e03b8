import Foundation
import Training

/// Collects what a trainer records, in memory.
final class MemorySink: TrainingSink {
    var scalars: [String: [(step: Int, value: Double)]] = [:]
    var histograms: [String] = []
    var samples: [(Int, String)] = []
    var messages: [(String, String)] = []
    var checkpoints: [Int] = []
    var status = ""

    var figures: [(step: Int, name: String, document: String)] = []
    func runStarted(_ run: RunStart) throws {}
    func figure(step: Int, name: String, document: String) { figures.append((step, name, document)) }
    func scalars(step: Int, wallTime: Double, _ values: [(tag: String, value: Double)]) {
        for v in values { scalars[v.tag, default: []].append((step, v.value)) }
    }
    func histogram(step: Int, tag: String, _ histogram: Histogram) { histograms.append(tag) }
    func sample(step: Int, text: String) { samples.append((step, text)) }
    func message(step: Int, level: String, text: String) { messages.append((level, text)) }
    func checkpoint(step: Int, path: String) { checkpoints.append(step) }
    func runEnded(status: String, step: Int) { self.status = status }
    func flush() throws {}
}

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let corpusPath = repoRoot.appendingPathComponent("data/tinyshakespeare.txt").path

func temporaryDirectory(_ name: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("glassbox-tests-\(name.filter { $0.isLetter })-\(UUID().uuidString.prefix(8))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small, fast configuration on the bundled corpus.
func smallConfig(steps: Int) -> TrainConfig {
    var c = TrainConfig(dataPath: corpusPath)
    c.layers = 2; c.heads = 2; c.width = 64; c.block = 32; c.batch = 16
    c.steps = steps
    c.learningRate = 3e-3; c.minLearningRate = 3e-4; c.warmupSteps = 10
    c.logInterval = 1; c.evalInterval = 10; c.evalBatches = 4
    c.sampleInterval = 50; c.sampleLength = 40; c.checkpointInterval = 10
    return c
}
