import Tokenization
import Foundation
import Models
import ModelFormats
import NeuralNet
import TensorCore

/// A checkpoint folder a Hugging Face user recognises:
/// `config.json`, `model.safetensors`, `vocab.json`, plus `optimizer.safetensors` and `trainer_state.json`.
package enum Checkpoint {
    /// Writes the folder under a temporary name and renames it into place, so a crash never leaves a half
    /// checkpoint where a resume would look: the model's files (`writeModel` into the folder being made), the
    /// optimizer state and the trainer state, then — last, when every other file is complete — `manifest.json`
    /// with each file's size and SHA-256, which every read of the folder checks (`CheckpointManifest`).
    package static func write<C: RunConfig>(to folder: URL, optimizer: any Optimizer, state: RunState<C>,
                                           writeModel: (URL) throws -> Void) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let tmp = parent.appendingPathComponent(".tmp-\(folder.lastPathComponent)-\(getpid())")
        do {
            // A temporary folder of this process from an earlier try: its files must not end up in this checkpoint.
            if fm.fileExists(atPath: tmp.path) { try fm.removeItem(at: tmp) }
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            try writeModel(tmp)
            let opt = optimizer.stateDict()
            try SafeTensorsWriter.write(opt.tensors.map { SafeTensorsEntry(name: $0.0, shape: $0.1, floats: $0.2) },
                                        metadata: ["step": "\(opt.step)"], to: tmp.appendingPathComponent("optimizer.safetensors"))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeAtomically(try encoder.encode(state), to: tmp.appendingPathComponent("trainer_state.json"))
            try CheckpointManifest.write(folder: tmp)
            if fm.fileExists(atPath: folder.path) { try fm.removeItem(at: folder) }
            try fm.moveItem(at: tmp, to: folder)
        } catch {
            // best effort: the write's error is the one reported; a leftover temporary folder is removed at the next
            // resume (removeStrayTemporaries) and is never read as a checkpoint
            try? fm.removeItem(at: tmp)
            throw TrainingError("cannot write checkpoint \(folder.path): \(error)")
        }
    }

    /// The optimizer state of a checkpoint folder (`optimizer.safetensors`), to be checked and loaded with
    /// `OptimizerState.restore`.
    package static func readOptimizer(_ folder: URL) throws -> OptimizerState { try OptimizerState.read(folder: folder) }

    /// Checks a checkpoint folder against its `manifest.json` (every file's size and SHA-256, no file missing or
    /// added): a flipped byte anywhere is an error naming the file, never a model or a state computed with.
    /// Folders from before manifests answer `.absent` and load unchecked (`manifestNotes` says so). Files in
    /// `skipHashing` (ones the caller does not read) are checked for presence and size only.
    @discardableResult
    package static func verify(_ folder: URL, skipHashing: Set<String> = []) throws -> CheckpointManifest.Status {
        do { return try CheckpointManifest.verify(folder: folder, skipHashing: skipHashing) } catch { throw TrainingError("\(error)") }
    }

    /// What a resume tells the user about the folder it continues from: one note when the folder has no manifest
    /// (written before checkpoints carried one), so its files could not be checked for corruption.
    package static func manifestNotes(_ folder: URL) -> [String] {
        let manifest = folder.appendingPathComponent(CheckpointManifest.fileName).path
        if FileManager.default.fileExists(atPath: manifest) { return [] }
        return ["\(folder.lastPathComponent) has no \(CheckpointManifest.fileName) (written before checkpoints carried one): its files were loaded without a corruption check"]
    }

    /// The step a checkpoint folder's name gives (`step-NNNNNN`), nil for other names.
    package static func step(ofFolder folder: URL) -> Int? {
        let name = folder.lastPathComponent
        guard name.hasPrefix("step-") else { return nil }
        return Int(name.dropFirst(5))
    }

    /// The trainer state of a checkpoint folder (`trainer_state.json`), after the folder is checked against its
    /// manifest; validated, and its step must be the folder's (a state copied from another checkpoint would
    /// resume at the wrong step with the wrong generators).
    package static func readState<C: RunConfig>(_ folder: URL, as: C.Type) throws -> RunState<C> {
        try readState(folder, as: C.self, verifyManifest: true)
    }

    static func readState<C: RunConfig>(_ folder: URL, as: C.Type, verifyManifest: Bool) throws -> RunState<C> {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw TrainingError("\(folder.path): no such checkpoint folder")
        }
        if verifyManifest { try verify(folder) }
        let stateURL = folder.appendingPathComponent("trainer_state.json")
        guard let stateData = fm.contents(atPath: stateURL.path) else {
            throw TrainingError("\(stateURL.path): missing; \(folder.path) is not a Glassbox training checkpoint")
        }
        let state = try RunState<C>.decode(stateData, source: stateURL.path)
        if let step = step(ofFolder: folder), step != state.step {
            throw TrainingError("\(stateURL.path): step \(state.step), but the folder is \(folder.lastPathComponent): the state is not this checkpoint's")
        }
        for (name, v) in [("lastTrainLoss", state.lastTrainLoss), ("lastValLoss", state.lastValLoss), ("bestValLoss", state.bestValLoss)] {
            if let v, !v.isFinite { throw TrainingError("\(stateURL.path): \(name) is \(v) (a checkpoint is only written after finite losses)") }
        }
        return state
    }

    /// The newest complete checkpoint folder of a run directory (step-NNNNNN), if any.
    package static func latest(in runDirectory: URL) throws -> URL? { try all(in: runDirectory).last }

    /// Every checkpoint folder of a run directory (step-NNNNNN), oldest first; none when the run has no
    /// `checkpoints` folder yet. A folder that is there but cannot be listed is an error, not "no checkpoints".
    package static func all(in runDirectory: URL) throws -> [URL] {
        let dir = runDirectory.appendingPathComponent("checkpoints")
        let names = try listing(dir)
        return names.filter { $0.hasPrefix("step-") && Int($0.dropFirst(5)) != nil }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// A file a user puts in a checkpoint folder so that pruning never removes it.
    package static let keepMarker = "KEEP"

    /// The names in `dir`; none when it does not exist.
    static func listing(_ dir: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
        do { return try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
            throw TrainingError("cannot list \(dir.path): \(error.localizedDescription)")
        }
    }

    /// Removes the temporary folders that a killed writer left (`.tmp-step-NNNNNN-PID`). Returns one note a
    /// folder: removed, or why it could not be (a leftover is never read as a checkpoint, so the resume goes on).
    package static func removeStrayTemporaries(in runDirectory: URL) -> [String] {
        let dir = runDirectory.appendingPathComponent("checkpoints")
        let names: [String]
        do { names = try listing(dir) } catch { return ["could not look for unfinished checkpoint folders: \(error)"] }
        return names.filter { $0.hasPrefix(".tmp-step-") }.map { name in
            do {
                try FileManager.default.removeItem(at: dir.appendingPathComponent(name))
                return "removed the unfinished checkpoint folder \(name)"
            } catch {
                return "could not remove the unfinished checkpoint folder \(name): \(error.localizedDescription)"
            }
        }
    }

    /// Keeps the newest `keep` checkpoints (and every one holding a `KEEP` file, and `protected`); removes the
    /// rest. Returns the removed folders' names and, for each folder that could not be removed, why.
    @discardableResult
    package static func prune(in runDirectory: URL, keep: Int, protected: URL?) throws -> (removed: [String], failures: [String]) {
        guard keep > 0 else { return ([], []) }
        let fm = FileManager.default
        let folders = try all(in: runDirectory)
        var removed: [String] = [], failures: [String] = []
        for folder in folders.dropLast(keep) where folder.standardizedFileURL != protected?.standardizedFileURL {
            if fm.fileExists(atPath: folder.appendingPathComponent(keepMarker).path) { continue }
            do {
                try fm.removeItem(at: folder)
                removed.append(folder.lastPathComponent)
            } catch {
                failures.append("could not remove the old checkpoint \(folder.path): \(error.localizedDescription)")
            }
        }
        return (removed, failures)
    }

    package static func folderName(step: Int) -> String { String(format: "step-%06d", step) }

    /// Reads a checkpoint back: model, vocabulary, optimizer state and trainer state, each validated, and the
    /// folder checked against its manifest while they load (nothing is returned unless it passes).
    package static func read(_ folder: URL) throws -> (model: GPT, vocabulary: Vocabulary, optimizer: OptimizerState, state: TrainerState) {
        do {
            return try CheckpointManifest.verifying(folder: folder) { try readFiles(folder) }
        } catch let error as FormatError {
            throw TrainingError("\(error)")
        }
    }

    private static func readFiles(_ folder: URL) throws -> (model: GPT, vocabulary: Vocabulary, optimizer: OptimizerState, state: TrainerState) {
        let state = try readState(folder, as: TrainConfig.self, verifyManifest: false)
        let fm = FileManager.default
        let model: GPT
        // Checked against the manifest by `read`, alongside: not hashed twice.
        do { model = try GPT.load(folder: folder, verifyManifest: false) } catch { throw TrainingError("checkpoint \(folder.path): \(error)") }
        let vocabURL = folder.appendingPathComponent("vocab.json")
        guard let vdata = fm.contents(atPath: vocabURL.path) else { throw TrainingError("\(vocabURL.path): missing or unreadable") }
        let vparsed: Any
        do { vparsed = try JSONFile.parse(vdata, file: vocabURL.path) } catch { throw TrainingError("\(error)") }
        guard let vjson = vparsed as? [String: Int] else {
            throw TrainingError("\(vocabURL.path): not a {\"token\": id} JSON object")
        }
        let vocabulary = try Vocabulary(vocabJSON: vjson)
        guard vocabulary.size == model.config.vocabSize else {
            throw TrainingError("\(vocabURL.path): \(vocabulary.size) tokens, but the model has a vocabulary of \(model.config.vocabSize)")
        }
        return (model, vocabulary, try readOptimizer(folder), state)
    }
}
