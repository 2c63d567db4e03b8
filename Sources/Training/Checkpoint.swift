import Tokenization
import Foundation
import ModelFormats
import NeuralNet
import TensorCore

/// Everything besides the weights that a resumed run needs to continue exactly.
public struct TrainerState: Codable, Sendable {
    public var format = "glassbox-trainer-state-1"
    public var run: String
    public var step: Int
    public var config: TrainConfig
    public var dataRNG: RandomGenerator
    public var dropoutRNG: RandomGenerator
    /// Tokens consumed so far (the data position: batches are random windows drawn with dataRNG).
    public var tokensSeen: Int
    public var lastTrainLoss: Double?
    public var lastValLoss: Double?
    public var bestValLoss: Double?
    public var overfit: OverfitMonitor
    /// Training losses since the last evaluation (their mean is compared at the next one).
    public var lossesSinceEval: [Double] = []

    /// Reads and validates a `trainer_state.json` (untrusted: a hand edit or a disk error must give an error
    /// naming `source` and the field, never a trap later).
    public static func decode(_ data: Data, source: String) throws -> TrainerState {
        func check(_ ok: Bool, _ problem: String) throws { if !ok { throw TrainingError("\(source): \(problem)") } }
        try check(data.count <= 64 << 20, "\(data.count) bytes is too large for a trainer state")
        let state: TrainerState
        do { state = try JSONDecoder().decode(TrainerState.self, from: data) } catch {
            throw TrainingError("\(source): not a Glassbox trainer state (\(String(describing: error).prefix(300)))")
        }
        try check(state.format == "glassbox-trainer-state-1", "unknown format '\(state.format.prefix(64))'")
        try check(state.step >= 0 && state.step <= 1 << 40, "step \(state.step) is not a valid step")
        try check(state.tokensSeen >= 0, "tokensSeen \(state.tokensSeen) is negative")
        for (name, g) in [("dataRNG", state.dataRNG), ("dropoutRNG", state.dropoutRNG)] {
            try check(g.state.count == 4 && g.state.contains { $0 != 0 }, "\(name) is not a generator state (4 words, not all zero)")
        }
        try check(state.lossesSinceEval.count <= 1 << 24 && state.lossesSinceEval.allSatisfy(\.isFinite), "lossesSinceEval holds a non-finite value")
        for (name, v) in [("lastTrainLoss", state.lastTrainLoss), ("lastValLoss", state.lastValLoss), ("bestValLoss", state.bestValLoss)] {
            if let v { try check(!v.isNaN, "\(name) is NaN") }
        }
        try check((0...(1 << 40)).contains(state.overfit.streak), "overfit.streak \(state.overfit.streak) is out of range")
        try check(state.run.count <= 200 && !state.run.contains("/") && !state.run.hasPrefix("."), "run id '\(state.run.prefix(64))' is not a run id")
        do { try state.config.validate() } catch { throw TrainingError("\(source): \(error)") }
        do { try state.config.modelConfig(vocabSize: 1).validate() } catch { throw TrainingError("\(source): \(error)") }
        return state
    }
}

/// A checkpoint folder a Hugging Face user recognises:
/// `config.json`, `model.safetensors`, `vocab.json`, plus `optimizer.safetensors` and `trainer_state.json`.
public enum Checkpoint {
    /// Writes the folder under a temporary name and renames it into place, so a crash never leaves a half
    /// checkpoint where a resume would look.
    public static func write(to folder: URL, model: GPT, vocabulary: Vocabulary, optimizer: Adam, state: TrainerState) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let tmp = parent.appendingPathComponent(".tmp-\(folder.lastPathComponent)-\(getpid())")
        try? fm.removeItem(at: tmp)
        do {
            try model.save(folder: tmp)
            let vocab = try JSONSerialization.data(withJSONObject: vocabulary.vocabJSON, options: [.sortedKeys])
            try writeAtomically(vocab, to: tmp.appendingPathComponent("vocab.json"))
            let opt = optimizer.stateDict()
            try SafeTensorsWriter.write(opt.tensors.map { SafeTensorsEntry(name: $0.0, shape: $0.1, floats: $0.2) },
                                        metadata: ["step": "\(opt.step)"], to: tmp.appendingPathComponent("optimizer.safetensors"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeAtomically(try encoder.encode(state), to: tmp.appendingPathComponent("trainer_state.json"))
            if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }
            try fm.moveItem(at: tmp, to: folder)
        } catch {
            try? fm.removeItem(at: tmp)
            throw TrainingError("cannot write checkpoint \(folder.path): \(error)")
        }
    }

    /// The newest complete checkpoint folder of a run directory (step-NNNNNN), if any.
    public static func latest(in runDirectory: URL) -> URL? { all(in: runDirectory).last }

    /// Every checkpoint folder of a run directory (step-NNNNNN), oldest first.
    public static func all(in runDirectory: URL) -> [URL] {
        let dir = runDirectory.appendingPathComponent("checkpoints")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix("step-") && Int($0.dropFirst(5)) != nil }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// A file a user puts in a checkpoint folder so that pruning never removes it.
    public static let keepMarker = "KEEP"

    /// Removes the temporary folders that a killed writer left (`.tmp-step-NNNNNN-PID`); returns their names.
    @discardableResult
    public static func removeStrayTemporaries(in runDirectory: URL) -> [String] {
        let dir = runDirectory.appendingPathComponent("checkpoints")
        let fm = FileManager.default
        let stray = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix(".tmp-step-") }
        for name in stray { try? fm.removeItem(at: dir.appendingPathComponent(name)) }
        return stray
    }

    /// Keeps the newest `keep` checkpoints (and every one holding a `KEEP` file, and `protected`); removes the
    /// rest. Returns the removed folders' names.
    @discardableResult
    public static func prune(in runDirectory: URL, keep: Int, protected: URL?) -> [String] {
        guard keep > 0 else { return [] }
        let fm = FileManager.default
        let folders = all(in: runDirectory)
        var removed: [String] = []
        for folder in folders.dropLast(keep) where folder.standardizedFileURL != protected?.standardizedFileURL {
            if fm.fileExists(atPath: folder.appendingPathComponent(keepMarker).path) { continue }
            if (try? fm.removeItem(at: folder)) != nil { removed.append(folder.lastPathComponent) }
        }
        return removed
    }

    public static func folderName(step: Int) -> String { String(format: "step-%06d", step) }

    /// Reads a checkpoint back: model, vocabulary, optimizer state and trainer state, each validated.
    public static func read(_ folder: URL) throws -> (model: GPT, vocabulary: Vocabulary, optimizerStep: Int,
                                                      optimizerTensors: [String: [Float]], state: TrainerState) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingError("\(folder.path): no such checkpoint folder")
        }
        let stateURL = folder.appendingPathComponent("trainer_state.json")
        guard let stateData = fm.contents(atPath: stateURL.path) else {
            throw TrainingError("\(stateURL.path): missing; \(folder.path) is not a Glassbox training checkpoint")
        }
        let state = try TrainerState.decode(stateData, source: stateURL.path)
        let model: GPT
        do { model = try GPT.load(folder: folder) } catch { throw TrainingError("checkpoint \(folder.path): \(error)") }
        let vocabURL = folder.appendingPathComponent("vocab.json")
        guard let vdata = fm.contents(atPath: vocabURL.path),
              let vjson = (try? JSONSerialization.jsonObject(with: vdata)) as? [String: Int] else {
            throw TrainingError("\(vocabURL.path): missing or not a {\"token\": id} JSON object")
        }
        let vocabulary = try Vocabulary(vocabJSON: vjson)
        guard vocabulary.size == model.config.vocabSize else {
            throw TrainingError("\(vocabURL.path): \(vocabulary.size) tokens, but the model has a vocabulary of \(model.config.vocabSize)")
        }
        let optURL = folder.appendingPathComponent("optimizer.safetensors")
        let opt: SafeTensorsFile
        do { opt = try SafeTensorsFile(path: optURL.path) } catch { throw TrainingError("optimizer state: \(error)") }
        var tensors: [String: [Float]] = [:]
        for name in opt.names { tensors[name] = try opt.floats(name) }
        let step = Int(opt.metadata["step"] ?? "") ?? state.step
        return (model, vocabulary, step, tensors, state)
    }
}
