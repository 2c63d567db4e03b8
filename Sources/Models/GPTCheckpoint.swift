import Foundation
import ModelFormats
import NeuralNet
import TensorCore

/// Hugging Face folders for GPT-2: `config.json` + `model.safetensors` (HF names, tied head stored once).
extension GPT {
    /// Loads a folder written by `save_pretrained` (or by `GPT.save`). A Glassbox checkpoint folder is first
    /// checked against its `manifest.json` (a flipped byte is an error naming the file, not other weights);
    /// `verifyManifest: false` only where the caller has just checked the same folder.
    package static func load(folder: URL, verifyManifest: Bool = true) throws -> GPT {
        // Only the files a model is read from are hashed (not a checkpoint's optimizer state), while it loads.
        if verifyManifest {
            return try CheckpointManifest.verifying(folder: folder, skipHashing: CheckpointManifest.trainingStateFiles) {
                try load(folder: folder, verifyManifest: false)
            }
        }
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw NeuralNetError("\(configURL.path): no such file (a model folder needs config.json)")
        }
        let json: [String: Any]
        do { json = try JSONFile.object(configURL) } catch { throw NeuralNetError("\(error)") }
        let config: GPTConfig
        do { config = try GPTConfig(huggingFace: json) } catch { throw NeuralNetError("\(configURL.path): \(error)") }
        do { try config.validate() } catch { throw NeuralNetError("\(configURL.path): \(error)") }
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        // The weights must be in the file before the model is allocated from config.json's numbers (2 bytes a
        // parameter at the least): a config that asks for far more than the file holds is refused here.
        let stored = file.tensors.values.reduce(0) { $0 + $1.count }
        guard config.expectedParameterCount <= stored else {
            throw NeuralNetError("\(configURL.path): describes \(config.expectedParameterCount) parameters but model.safetensors holds \(stored)")
        }
        let model = GPT(config, seed: 0)
        try model.load(from: file)
        return model
    }

    /// Copies every parameter from a safetensors file, by Hugging Face name (an optional "transformer." prefix
    /// is tolerated on either side, as checkpoints differ there).
    package func load(from file: SafeTensorsFile) throws {
        for (name, p) in namedParameters() {
            let candidates = [name, name.hasPrefix("transformer.") ? String(name.dropFirst(12)) : "transformer." + name]
            guard let key = candidates.first(where: { file.tensors[$0] != nil }) else {
                throw FormatError(file: file.path, tensor: name, "missing from the checkpoint")
            }
            let info = try file.info(key)
            guard info.shape == p.shape else {
                throw FormatError(file: file.path, tensor: key, "shape \(info.shape) does not fit the model's \(p.shape)")
            }
            let values = try file.floats(key)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw FormatError(file: file.path, tensor: key, "non-finite value at element \(bad)")
            }
            values.withUnsafeBufferPointer { p.data.update(from: $0.baseAddress!, count: p.count) }
        }
    }

    /// The parameters as safetensors entries (HF names; the tied lm_head is not stored twice).
    package func safetensorsEntries() -> [SafeTensorsEntry] {
        namedParameters().map { name, p in
            SafeTensorsEntry(name: name, shape: p.shape, floats: UnsafeBufferPointer(start: p.data, count: p.count))
        }
    }

    /// Writes config.json and model.safetensors into `folder` (each file atomically).
    package func save(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let json = try JSONSerialization.data(withJSONObject: config.huggingFaceJSON, options: [.prettyPrinted, .sortedKeys])
        try writeAtomically(json, to: folder.appendingPathComponent("config.json"))
        try SafeTensorsWriter.write(safetensorsEntries(), metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"))
    }
}

extension GPT: FullyTrainable {
    package var defaultTuningMethod: TuningMethod { .full }

    package func trainingLogits(_ ids: [Int32], time T: Int, rows: [Int32], dropout: UnsafeMutablePointer<RandomGenerator>?) -> Tensor {
        let B = ids.count / T
        if let dropout, config.dropout > 0 {
            // The training forward (with dropout) gives every position's logits.
            return forward(ids, batch: B, time: T, dropoutRNG: &dropout.pointee).reshaped([B * T, -1]).embedding(rows)
        }
        return forward(ids, batch: B, time: T, embeddings: nil, hooks: nil, logits: .rows(rows))
    }

    package func reloaded(from folder: URL) throws -> any FullyTrainable { try GPT.load(folder: folder) }
}
