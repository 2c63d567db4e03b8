import Tokenization
import Foundation
import Models
import ModelFormats
import NeuralNet
import TensorCore

/// A checkpoint folder a Hugging Face user recognises:
/// `config.json`, `model.safetensors`, `vocab.json`, plus `optimizer.safetensors` and `trainer_state.json`.
public enum Checkpoint {
    /// Writes the folder under a temporary name and renames it into place, so a crash never leaves a half
    /// checkpoint where a resume would look: the model's files (`writeModel` into the folder being made), the
    /// optimizer state and the trainer state.
    public static func write<C: RunConfig>(to folder: URL, optimizer: any Optimizer, state: RunState<C>,
                                           writeModel: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let tmp = parent.appendingPathComponent(".tmp-\(folder.lastPathComponent)-\(getpid())")
        try? fm.removeItem(at: tmp)
        do {
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            try writeModel(tmp)
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

    /// The optimizer state of a checkpoint folder (`optimizer.safetensors`): its step and tensors.
    public static func readOptimizer(_ folder: URL) throws -> (step: Int?, tensors: [String: [Float]]) {
        let optURL = folder.appendingPathComponent("optimizer.safetensors")
        let opt: SafeTensorsFile
        do { opt = try SafeTensorsFile(path: optURL.path) } catch { throw TrainingError("optimizer state: \(error)") }
        var tensors: [String: [Float]] = [:]
        for name in opt.names { tensors[name] = try opt.floats(name) }
        return (Int(opt.metadata["step"] ?? ""), tensors)
    }

    /// The trainer state of a checkpoint folder (`trainer_state.json`), validated.
    public static func readState<C: RunConfig>(_ folder: URL, as: C.Type) throws -> RunState<C> {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingError("\(folder.path): no such checkpoint folder")
        }
        let stateURL = folder.appendingPathComponent("trainer_state.json")
        guard let stateData = fm.contents(atPath: stateURL.path) else {
            throw TrainingError("\(stateURL.path): missing; \(folder.path) is not a Glassbox training checkpoint")
        }
        return try RunState<C>.decode(stateData, source: stateURL.path)
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
        let state = try readState(folder, as: TrainConfig.self)
        let fm = FileManager.default
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
        let opt = try readOptimizer(folder)
        return (model, vocabulary, opt.step ?? state.step, opt.tensors, state)
    }
}
