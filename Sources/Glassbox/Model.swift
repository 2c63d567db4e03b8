import Foundation
import Interpretability
import Models
import Tokenization

/// A language model ready to run: its network, its tokenizer and its chat template, read from a GGUF file
/// (SmolLM2, Qwen2/2.5/3, Llama 3, Mistral, Gemma 2/3, Phi-3), a Hugging Face folder, or a folder Glassbox trained.
///
/// ```swift
/// let model = try Model.load()                        // the bundled SmolLM2-135M-Instruct
/// let reply = try model.chat([.user("What is a transformer?")])
/// print(reply.text)
/// ```
///
/// A model's weights are read-only once loaded; each call runs on the calling thread and calls on one model are
/// taken one at a time, so a model may be shared between tasks.
public final class Model: @unchecked Sendable {
    let loaded: LoadedModel
    private let lock = NSLock()

    init(_ loaded: LoadedModel) { self.loaded = loaded }

    /// Loads a `.gguf` file or a model folder (`config.json` with `*.safetensors`, or a checkpoint Glassbox wrote);
    /// `nil` loads the bundled SmolLM2-135M-Instruct. With `adapter`, a LoRA adapter folder (Hugging Face PEFT
    /// layout, as `glassbox finetune` writes) is applied on top.
    ///
    /// - Throws: an error naming the file and the problem: a missing or corrupt file, an unsupported architecture
    ///   or quantisation type, an adapter that does not fit the model.
    public static func load(_ path: String? = nil, adapter: String? = nil) throws -> Model {
        Model(try ModelLoader.load(path, adapter: adapter))
    }

    /// Where the bundled SmolLM2-135M-Instruct is looked for (`GLASSBOX_MODEL`, else the model cache that
    /// `make model` fills).
    public static var bundledModelPath: String { ModelLoader.bundledModelPath }

    /// The file or folder the model was read from.
    public var path: String { loaded.path }
    /// The architecture as the file names it (`llama`, `qwen2`, `gemma3`, `gpt2`, …).
    public var architecture: String { loaded.architecture }
    /// Parameters in all (an adapter's included).
    public var parameterCount: Int { loaded.parameterCount }
    /// The most positions one sequence may hold.
    public var contextLength: Int { loaded.model.contextLength }
    /// Tokens in the vocabulary.
    public var vocabularySize: Int { loaded.tokenizer.vocabularySize }
    /// The hyper-parameters `glassbox info` shows, by name (layers, heads, width, rope theta, …).
    public var hyperParameters: [(name: String, value: String)] { loaded.hyperParameters.map { (name: $0.0, value: $0.1) } }
    /// Whether ``chat(_:options:onToken:)`` can format a conversation for this model (its file carries a chat
    /// template Glassbox recognises: ChatML, Llama 3, Gemma, Phi-3 or Mistral).
    public var canChat: Bool { (try? loaded.chatFormat()) != nil }

    // MARK: - Tokens

    /// The token ids of `text`, with the beginning-of-sequence token where the model's tokenizer adds one.
    public func tokenize(_ text: String) throws -> [Int] {
        try loaded.tokenizer.encodeText(text).map(Int.init)
    }

    /// The text of a sequence of token ids (bytes that do not form whole characters read as U+FFFD).
    public func detokenize(_ ids: [Int]) -> String {
        loaded.tokenizer.decodeText(ids.compactMap { (0..<vocabularySize).contains($0) ? Int32($0) : nil })
    }

    /// One token as the vocabulary spells it (`Ġthe`, `▁the`, `<|im_end|>`), or nil for an id outside it.
    public func token(_ id: Int) -> String? {
        (0..<vocabularySize).contains(id) ? loaded.tokenizer.tokenString(Int32(id)) : nil
    }

    func serially<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
