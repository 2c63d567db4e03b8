import Foundation
import ModelFormats
import NeuralNet
import TensorCore
import Tokenization

/// A model ready to run: the network, its tokenizer, and what `glassbox info` shows.
package struct LoadedModel {
    package let path: String
    package let architecture: String
    package let model: any LanguageModel
    package let tokenizer: any TextTokenizer
    /// Hyper-parameters by name.
    package let hyperParameters: [(String, String)]
    /// Parameter counts per component.
    package let parameterCounts: [(String, Int)]
    /// Bytes per weight type (e.g. "Q4_1": 63 MB).
    package let bytesByType: [(String, Int)]
    package let chatTemplate: String?
    /// The LoRA adapter folder applied on top of the weights, if any.
    package var adapter: String? = nil

    package var parameterCount: Int { parameterCounts.reduce(0) { $0 + $1.1 } }

    /// The model's chat format, recognised from its template; an error when it has none or an unknown one.
    package func chatFormat() throws -> ChatTemplate {
        guard let t = try ChatTemplate.recognising(chatTemplate, tokenizer: tokenizer) else {
            throw ChatTemplateError("this model has no chat template (its file carries none and its vocabulary has no <|im_start|> token)")
        }
        return t
    }

    /// The size classes of the articles this project grew from: small (≤ 1M parameters), medium (≤ 100M),
    /// large (≤ 1B), very large (above).
    package var sizeClass: String {
        let n = parameterCount
        return n <= 1_000_000 ? "small" : n <= 100_000_000 ? "medium" : n <= 1_000_000_000 ? "large" : "very large"
    }
}

package enum ModelLoader {
    /// The bundled SmolLM2-135M-Instruct in the model cache (fetched by scripts/fetch-model.sh).
    package static var bundledModelPath: String {
        let env = ProcessInfo.processInfo.environment
        if let p = env["GLASSBOX_MODEL"] { return p }
        let dir = env["GLASSBOX_MODELS"] ?? (NSHomeDirectory() + "/.cache/glassbox/models")
        return dir + "/SmolLM2-135M-Instruct.Q4_1.gguf"
    }

    /// `load(path)` with a LoRA adapter folder (PEFT layout) applied on top when `adapter` is given.
    package static func load(_ path: String?, adapter: String?) throws -> LoadedModel {
        let base = try load(path)
        guard let adapter else { return base }
        guard let model = base.model as? any LoRAAdaptable else {
            throw FormatError(file: adapter, "\(base.path) is a \(base.architecture) model: it takes no LoRA adapters")
        }
        let lora = try model.loadAdapter(folder: URL(fileURLWithPath: adapter), trainable: false)
        var counts = base.parameterCounts
        counts.append(("lora", lora.parameterCount))
        var loaded = LoadedModel(path: base.path, architecture: base.architecture, model: model.withAdapter(lora), tokenizer: base.tokenizer,
                                 hyperParameters: base.hyperParameters + [("lora", "r \(lora.rank), alpha \(lora.alpha), \(lora.targets.joined(separator: " "))")],
                                 parameterCounts: counts, bytesByType: base.bytesByType + [("LoRA F32", lora.parameterCount * 4)],
                                 chatTemplate: base.chatTemplate)
        loaded.adapter = adapter
        return loaded
    }

    /// Loads a .gguf file or a folder (config.json + *.safetensors + tokenizer.json or vocab.json); nil = bundled.
    package static func load(_ path: String?) throws -> LoadedModel {
        let path = path ?? bundledModelPath
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            if path == bundledModelPath {
                throw FormatError(file: path, "the bundled model is not downloaded yet: run scripts/fetch-model.sh (or make model)")
            }
            throw FormatError(file: path, "no such file or folder")
        }
        if isDir.boolValue, let base = try adapterBase(URL(fileURLWithPath: path)) { return try load(base, adapter: path) }
        return isDir.boolValue ? try loadFolder(URL(fileURLWithPath: path)) : try loadGGUF(path)
    }

    /// For an adapter folder (adapter_config.json and no config.json, as `glassbox finetune` checkpoints are): the
    /// base model it names, which must be here (a path); nil for any other folder.
    static func adapterBase(_ folder: URL) throws -> String? {
        let fm = FileManager.default
        let configURL = folder.appendingPathComponent("adapter_config.json")
        guard fm.fileExists(atPath: configURL.path), !fm.fileExists(atPath: folder.appendingPathComponent("config.json").path) else { return nil }
        // The base model's path is read from the adapter's own config: checked against the manifest first.
        try CheckpointManifest.verify(folder: folder, skipHashing: CheckpointManifest.trainingStateFiles)
        let j = try JSONFile.object(configURL)
        guard let base = j["base_model_name_or_path"] as? String, !base.isEmpty else {
            throw FormatError(file: configURL.path, "names no base model (base_model_name_or_path): give --model BASE --adapter \(folder.path)")
        }
        guard fm.fileExists(atPath: base) else {
            throw FormatError(file: configURL.path, "its base model '\(base.prefix(200))' is not a file or folder here: give --model BASE --adapter \(folder.path)")
        }
        return base
    }

    static func loadGGUF(_ path: String) throws -> LoadedModel {
        let g = try GGUFFile(path: path)
        let name = g["general.architecture"]?.string ?? "?"
        guard let architecture = ModelArchitecture.gguf(named: name) else {
            throw FormatError(file: path, "architecture '\(name.prefix(80))' is not supported (\(ModelArchitecture.ggufNames) are)")
        }
        let network = try architecture.gguf!(g)
        let tokenizer = try ggufTokenizer(g)
        var bytes: [String: Int] = [:]
        for t in g.tensors { bytes[t.type.name, default: 0] += t.byteCount }
        return LoadedModel(path: path, architecture: name, model: network.model, tokenizer: tokenizer,
                           hyperParameters: network.hyperParameters, parameterCounts: network.parameterCounts,
                           bytesByType: bytes.sorted { $0.key < $1.key }, chatTemplate: g["tokenizer.chat_template"]?.string)
    }

    /// A checkpoint folder is checked against its manifest while it loads, and nothing is returned unless it
    /// passes (folders without a manifest — Hugging Face's, checkpoints from before manifests — load unchecked).
    static func loadFolder(_ folder: URL) throws -> LoadedModel {
        try CheckpointManifest.verifying(folder: folder, skipHashing: CheckpointManifest.trainingStateFiles) { try loadFolderFiles(folder) }
    }

    private static func loadFolderFiles(_ folder: URL) throws -> LoadedModel {
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw FormatError(file: configURL.path, "no such file (a model folder needs config.json)")
        }
        let j = try JSONFile.object(configURL)
        let type = j["model_type"] as? String ?? "?"
        guard let architecture = ModelArchitecture.huggingFace(type: type) else {
            throw FormatError(file: configURL.path, "model_type '\(type.prefix(80))' is not supported (\(ModelArchitecture.huggingFaceTypes) are)")
        }
        let tokenizer = try folderTokenizer(folder)
        let network = try architecture.huggingFace!(folder, j)
        let parameters = network.parameterCounts.reduce(0) { $0 + $1.1 }
        return LoadedModel(path: folder.path, architecture: architecture.name, model: network.model, tokenizer: tokenizer,
                           hyperParameters: network.hyperParameters, parameterCounts: network.parameterCounts,
                           bytesByType: [("F32", parameters * 4)], chatTemplate: try folderChatTemplate(folder))
    }

    /// The chat template of a Hugging Face folder: tokenizer_config.json's `chat_template` (a text, or a list of
    /// named ones: the "default"), else the `chat_template.jinja` or `chat_template.json` later versions write
    /// beside it; nil when it has none.
    static func folderChatTemplate(_ folder: URL) throws -> String? {
        func named(_ v: Any?) -> String? {
            if let text = v as? String { return text }
            let list = (v as? [[String: Any]]) ?? []
            return (list.first { $0["name"] as? String == "default" } ?? list.first)?["template"] as? String
        }
        let config = folder.appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: config.path), let t = named(try JSONFile.object(config)["chat_template"]) { return t }
        let jinja = folder.appendingPathComponent("chat_template.jinja")
        if FileManager.default.fileExists(atPath: jinja.path) {
            return String(decoding: try JSONFile.data(jinja), as: UTF8.self)
        }
        let json = folder.appendingPathComponent("chat_template.json")
        if FileManager.default.fileExists(atPath: json.path) { return named(try JSONFile.object(json)["chat_template"]) }
        return nil
    }

    static func folderTokenizer(_ folder: URL) throws -> any TextTokenizer {
        if let sentencePiece = try SentencePieceTokenizer.huggingFace(folder: folder) { return sentencePiece }
        let tj = folder.appendingPathComponent("tokenizer.json")
        if FileManager.default.fileExists(atPath: tj.path) { return try BPETokenizer(tokenizerJSON: tj) }
        let vj = folder.appendingPathComponent("vocab.json")
        if FileManager.default.fileExists(atPath: vj.path) {
            guard let v = try JSONFile.parse(JSONFile.data(vj, maxBytes: 64 << 20), file: vj.path) as? [String: Int] else {
                throw FormatError(file: vj.path, "not a JSON object of token -> id")
            }
            return try Vocabulary(vocabJSON: v)
        }
        throw FormatError(file: folder.path, "no tokenizer.json or vocab.json in the model folder")
    }
}
