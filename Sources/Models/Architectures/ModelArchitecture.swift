import Foundation
import ModelFormats
import TensorCore

/// One architecture a model file may declare: the names files give it (GGUF `general.architecture`, Hugging Face
/// `model_type`) and how its network is built from each kind of file.
///
/// Every architecture Glassbox opens is one entry of `ModelArchitecture.all`, defined in its own file of this folder;
/// adding an architecture is that file plus one line in `all`.
package struct ModelArchitecture: Sendable {
    /// The name Glassbox shows (the GGUF name where the architecture has one).
    package let name: String
    /// What distinguishes it, in a line (shown by `glassbox info --architectures`).
    package let summary: String
    /// GGUF `general.architecture` values this entry reads.
    package let ggufNames: [String]
    /// Hugging Face config.json `model_type` values this entry reads.
    package let huggingFaceTypes: [String]
    let gguf: (@Sendable (GGUFFile) throws -> Network)?
    let huggingFace: (@Sendable (URL, [String: Any]) throws -> Network)?

    /// A network as built from a file, with what `glassbox info` and the model card show of it.
    struct Network {
        let model: any LanguageModel
        let hyperParameters: [(String, String)]
        let parameterCounts: [(String, Int)]
    }

    /// Every architecture Glassbox opens.
    package static let all: [ModelArchitecture] = [.llama, .qwen2, .qwen3, .phi3, .gemma2, .gemma3, .gpt2]

    static func gguf(named name: String) -> ModelArchitecture? {
        all.first { $0.gguf != nil && $0.ggufNames.contains(name) }
    }

    static func huggingFace(type: String) -> ModelArchitecture? {
        all.first { $0.huggingFace != nil && $0.huggingFaceTypes.contains(type) }
    }

    /// "llama, qwen2, qwen3" for error messages.
    static var ggufNames: String { all.filter { $0.gguf != nil }.flatMap(\.ggufNames).joined(separator: ", ") }
    static var huggingFaceTypes: String { all.filter { $0.huggingFace != nil }.flatMap(\.huggingFaceTypes).joined(separator: ", ") }
}

extension ModelArchitecture {
    /// An architecture of the Llama family (`Llama` runs it): RMSNorm, rotary positions, SwiGLU, grouped-query
    /// attention, with the optional pieces the file has. `pairing` is the GGUF files' rotary layout (llama.cpp's
    /// converter permutes q/k into adjacent pairs only for `llama`); Hugging Face checkpoints always pair halves.
    /// `configure` reads what the architecture adds from the GGUF metadata.
    static func llamaFamily(name: String, summary: String, ggufNames: [String], huggingFaceTypes: [String],
                            pairing: RoPEPairingName, gemmaCheckpoints: Bool = false,
                            textConfigDefaults: TextConfigDefaults? = nil,
                            configure: @escaping @Sendable (inout LlamaConfig, GGUFFile) throws -> Void = { _, _ in }) -> ModelArchitecture {
        let gguf: @Sendable (GGUFFile) throws -> Network = { file in
            let model = try Llama(gguf: file, pairing: pairing.pairing, configure: configure)
            return Network(model: model, hyperParameters: model.hyperParameters + [("rope_pairing", "\(pairing.rawValue) (GGUF)")],
                           parameterCounts: model.parameterCounts)
        }
        let huggingFace: @Sendable (URL, [String: Any]) throws -> Network = { folder, config in
            var config = config
            // A multimodal folder (Gemma 3 4B and up) keeps the language model's settings in `text_config`, which
            // lists only what differs from the text model's defaults; its weights sit under a prefix.
            if let text = config["text_config"] as? [String: Any] {
                guard let textConfigDefaults else {
                    throw FormatError(file: folder.appendingPathComponent("config.json").path,
                                      "a text_config inside a '\(name)' model is not supported")
                }
                config = textConfigDefaults.values().merging(text) { _, given in given }
            }
            let model = try Llama(huggingFace: folder, config: config, gemma: gemmaCheckpoints)
            return Network(model: model, hyperParameters: model.hyperParameters + [("rope_pairing", "halves (Hugging Face)")],
                           parameterCounts: model.parameterCounts)
        }
        return ModelArchitecture(name: name, summary: summary, ggufNames: ggufNames, huggingFaceTypes: huggingFaceTypes,
                                 gguf: gguf, huggingFace: huggingFaceTypes.isEmpty ? nil : huggingFace)
    }

    /// The settings a wrapped language model's `text_config` leaves out (its config class's defaults).
    struct TextConfigDefaults: Sendable {
        let values: @Sendable () -> [String: Any]
    }

    /// The rotary layouts by the names `glassbox info` prints.
    enum RoPEPairingName: String, Sendable {
        case adjacent, halves
        var pairing: RoPEPairing { self == .adjacent ? .adjacent : .halves }
    }
}
