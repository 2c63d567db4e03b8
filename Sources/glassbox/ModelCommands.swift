import ArgumentParser
import Foundation
import Interpretability
import Models
import NeuralNet
import TensorCore
import Tokenization

/// --model and --threads, shared by the commands that run a model.
struct ModelOptions: ParsableArguments {
    @Option(help: "A .gguf file or a model folder (config.json + *.safetensors + tokenizer.json or vocab.json). Default: the bundled SmolLM2-135M-Instruct.")
    var model: String?
    @Option(help: "A LoRA adapter folder (adapter_model.safetensors + adapter_config.json, as glassbox finetune or Hugging Face PEFT writes) applied on top of the model.")
    var adapter: String?
    @Option(help: "Threads (default: all cores).") var threads: Int?

    func load() throws -> LoadedModel {
        Parallel.setThreads(threads ?? Parallel.threads)
        return try ModelLoader.load(model, adapter: adapter)
    }
}

/// The model's chat format: a model without one (e.g. a character-level GPT trained here) is told so.
func requireChatTemplate(_ loaded: LoadedModel) throws -> ChatTemplate {
    do { return try loaded.chatFormat() } catch let e as ChatTemplateError {
        throw ValidationError("\(e.description): use generate without --chat")
    }
}

/// PROMPT or --file F (- for standard input).
struct PromptInput: ParsableArguments {
    @Argument(help: "The prompt text.") var prompt: String?
    @Option(help: "Read the prompt from a file (- for standard input).") var file: String?

    func text() throws -> String {
        if let file {
            if file == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
            guard let d = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            return String(decoding: d, as: UTF8.self)
        }
        guard let prompt else { throw ValidationError("give a PROMPT or --file F") }
        return prompt
    }
}

struct SamplingFlags: ParsableArguments {
    @Option(help: "New tokens at most.") var maxTokens: Int = 256
    @Option(help: "Sampling temperature (0: greedy).") var temperature: Float = 0.8
    @Option(help: "Top-k (0: off).") var topK: Int = 40
    @Option(help: "Top-p / nucleus (1: off).") var topP: Float = 0.95
    @Option(help: "Min-p (0: off).") var minP: Float = 0.05
    @Option(help: "Repetition penalty (1: off).") var repeatPenalty: Float = 1
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Stop when this text appears (repeatable).") var stop: [String] = []

    /// The options, checked against the model's vocabulary.
    /// A request of the generation service with these settings.
    func request(prompt: String) -> GenerateRequest {
        var r = GenerateRequest(prompt: prompt)
        r.maxTokens = maxTokens
        r.sampling = options.sampling
        r.seed = seed
        r.stop = stop
        return r
    }

    func options(vocabulary: Int) throws -> GenerationOptions {
        guard topK <= vocabulary else { throw ValidationError("--top-k \(topK) is larger than the vocabulary of \(vocabulary)") }
        return options
    }

    var options: GenerationOptions {
        var o = GenerationOptions()
        o.maxTokens = maxTokens
        o.sampling = SamplingOptions(temperature: temperature, topK: topK, topP: topP, minP: minP, repetitionPenalty: repeatPenalty)
        o.seed = seed
        o.stopStrings = stop
        return o
    }

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be >= 0") }
        guard temperature.isFinite, temperature >= 0 else { throw ValidationError("--temperature must be a finite number >= 0, got \(temperature)") }
        guard topK >= 0 else { throw ValidationError("--top-k must be >= 0 (0: off), got \(topK)") }
        guard topP > 0, topP <= 1, minP >= 0, minP < 1, repeatPenalty.isFinite, repeatPenalty > 0 else {
            throw ValidationError("sampling settings out of range (0 < top-p <= 1, 0 <= min-p < 1, finite repeat-penalty > 0)")
        }
    }
}

/// Interventions: --edit head:L:H[:SCALE] / neuron:L:N[:SCALE] (repeatable) and a steering vector.
struct EditFlags: ParsableArguments {
    @Option(help: "Edit the model: head:LAYER:HEAD[:SCALE] or neuron:LAYER:INDEX[:SCALE] (scale 0, the default, removes it; repeatable).")
    var edit: [String] = []
    @Option(help: "Add a steering vector at this layer: the residual stream of --steer-to minus that of --steer-from (last positions), which moves the model from the one text towards the other.")
    var steerLayer: Int?
    @Option(help: "The text the steering vector points away from.") var steerFrom: String?
    @Option(help: "The text the steering vector points towards.") var steerTo: String?
    @Option(help: "The steering vector's scale.") var steerScale: Float = 4

    var request: InterventionRequest {
        var r = InterventionRequest()
        r.edits = edit
        r.steerLayer = steerLayer; r.steerFrom = steerFrom; r.steerTo = steerTo; r.steerScale = steerScale
        return r
    }

    /// The hooks of the edits (nil without edits), or a validation error naming the flag.
    func hooks(_ loaded: LoadedModel) throws -> Hooks? {
        guard !request.isEmpty else { return nil }
        guard let model = loaded.model as? any InspectableModel else { throw ValidationError("a \(loaded.architecture) model cannot be edited") }
        do {
            let (edits, _) = try InspectService.interventions(loaded, request)
            return Intervention.hooks(edits, shape: model.shape)
        } catch let e as InterpretabilityError { throw ValidationError(e.forCommandLine) }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate text from a prompt, streamed as it is produced.")
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var input: PromptInput
    @OptionGroup var sampling: SamplingFlags
    @Flag(help: "Wrap the prompt as a user message in the chat template (ChatML) and answer as the assistant.")
    var chat = false
    @Option(help: "System prompt for --chat.") var system: String?
    @Flag(help: "Print one JSON object at the end instead of streaming text.") var json = false
    @Flag(help: "Explain each token as it streams: its probability, rank, the entropy and the top alternatives (one line per token; with --json, a \"tokens\" list).")
    var explain = false
    @Option(help: "Alternatives per token with --explain.") var alternatives: Int = 5
    @OptionGroup(title: "Interventions") var edits: EditFlags

    func run() throws {
        guard (1...50).contains(alternatives) else { throw ValidationError("--alternatives must be in 1...50, got \(alternatives)") }
        let loaded = try modelOptions.load()
        _ = try sampling.options(vocabulary: loaded.tokenizer.vocabularySize)   // the flag named as given
        // The service every front end uses (the studio's /api/generate, the library's generate and chat).
        var r = sampling.request(prompt: try input.text())
        r.chat = chat
        r.system = system
        r.alternatives = explain ? alternatives : 1
        r.interventions = edits.request
        let tok = loaded.tokenizer
        func quoted(_ id: Int) -> String { String(reflecting: tok.decodeText([Int32(id)])) }
        let doc: GenerationDocument
        do {
            doc = try InspectService.generate(loaded, r, onToken: { token in
                if explain && !json {
                    let alts = token.alternatives.map { "\(quoted($0.id)) \(String(format: "%.3f", $0.probability))" }.joined(separator: "  ")
                    print(Terminal.padded(quoted(token.id), 18) + String(format: " p %.3f  rank %-3d H %.2f  | ", token.probability,
                                 token.rank, token.entropy) + Terminal.dim(alts))
                    Terminal.flush()
                } else if !json { print(token.text, terminator: ""); Terminal.flush() }
                return true
            })
        } catch let e as InterpretabilityError {
            throw ValidationError(e.field == "chat" ? "\(e.description): use generate without --chat" : e.forCommandLine)
        }
        if json {
            var out = doc
            if !explain { out.tokens = nil }
            print(try DocumentCoding.line(out))
        } else {
            print("")
            Terminal.flush()
            Terminal.err(Terminal.dim(String(format: "[%d prompt tokens at %.0f tok/s, %d new at %.1f tok/s, %@]",
                                             doc.promptIDs.count, doc.prefillTokensPerSecond, doc.ids.count,
                                             doc.decodeTokensPerSecond, doc.stopReason)))
            if doc.stopReason == "max_tokens" {
                Terminal.err(Terminal.yellow("(cut at --max-tokens \(sampling.maxTokens); raise it for a longer answer)"))
            }
        }
    }
}

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Chat with the model in the terminal (in its chat template; /reset clears, /exit or Ctrl-D quits).")
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "System prompt.") var system: String?
    @OptionGroup var sampling: SamplingFlags

    func run() throws {
        let loaded = try modelOptions.load()
        _ = try requireChatTemplate(loaded)
        _ = try sampling.options(vocabulary: loaded.tokenizer.vocabularySize)   // the flag named as given
        // Each turn is the service's chat generation over the whole conversation; the cache keeps the decoding
        // state between turns, so only the new part of the conversation is fed.
        let cache = ConversationCache()
        let opening = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        var messages = opening
        print(Terminal.dim("chatting with \(URL(fileURLWithPath: loaded.path).lastPathComponent) — /reset clears the history, /exit quits"))
        while true {
            print(Terminal.bold("you> "), terminator: "")
            Terminal.flush()
            guard let line = readLine() else { print(""); break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text == "/exit" || text == "/quit" { break }
            if text == "/reset" {
                messages = opening
                cache.reset()
                print(Terminal.dim("(history cleared)"))
                continue
            }
            var r = sampling.request(prompt: "")
            r.chat = true
            r.messages = messages + [ChatMessage(role: "user", content: text)]
            r.alternatives = 1
            var started = false
            let doc: GenerationDocument
            do {
                doc = try InspectService.generate(loaded, r, cache: cache, onToken: { t in
                    if !started { print(Terminal.bold("assistant> "), terminator: ""); started = true }
                    print(t.text, terminator: ""); Terminal.flush(); return true
                })
            } catch let e as InterpretabilityError where e.field == "prompt" {
                print(Terminal.yellow("(the conversation no longer fits the context: \(e.description); /reset to start over)"))
                continue
            } catch let e as InterpretabilityError {
                throw ValidationError(e.forCommandLine)
            }
            if !started { print(Terminal.bold("assistant> "), terminator: "") }
            print("")
            var stats = String(format: "[%d tokens at %.1f tok/s]", doc.ids.count, doc.decodeTokensPerSecond)
            if doc.stopReason == "max_tokens" { stats += " (cut at --max-tokens \(r.maxTokens))" }
            print(Terminal.dim(stats))
            messages = r.messages! + [ChatMessage(role: "assistant", content: doc.text)]
        }
    }
}

struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show how text is split into tokens.")
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var input: PromptInput
    @Flag(help: "Print {\"ids\": [...], \"tokens\": [...]}.") var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        let ids = try loaded.tokenizer.encodeText(try input.text())
        let tokens = ids.map { loaded.tokenizer.tokenString($0) }
        let pieces = TokenPiece.describe(ids, tokenizer: loaded.tokenizer)
        if json {
            print(Terminal.jsonLine(TokenizeDocument(ids: ids.map(Int.init), tokens: tokens, shown: pieces.map(\.shown),
                                                     groups: pieces.map(\.group), groupTexts: pieces.map(\.groupText))))
        } else {
            // The token's text; a part of a character as byte escapes, with the character its group forms.
            for (i, (id, p)) in zip(ids, pieces).enumerated() {
                var line = String(format: "%7d  ", id) + Terminal.padded(p.complete ? String(reflecting: p.shown) : p.shown, 20)
                if !p.complete || pieces.indices.contains(i + 1) && pieces[i + 1].group == p.group || p.group != i {
                    line += Terminal.dim(p.group == i ? "  ┐ " + String(reflecting: p.groupText) : "  │")
                }
                print(line)
            }
            print(Terminal.dim("\(ids.count) tokens"))
        }
    }
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A model's architecture, hyper-parameters, parameter counts and memory; with --architectures, the architectures Glassbox opens; with --system, this machine's CPU and matrix kernels.")
    @OptionGroup var modelOptions: ModelOptions
    @Flag(help: "Describe this machine instead: CPU features, the matrix kernel chosen, threads, and sgemm GFLOP/s against the FMA peak.")
    var system = false
    @Flag(help: "List the architectures Glassbox opens: their GGUF and Hugging Face names and what each adds.")
    var architectures = false
    @Flag(help: "Machine-readable output.") var json = false

    func run() throws {
        if architectures {
            let all = ModelArchitecture.all
            if json {
                struct Entry: Encodable {
                    var name: String, gguf: [String], huggingFace: [String], summary: String
                    enum CodingKeys: String, CodingKey { case name, gguf, huggingFace = "hugging_face", summary }
                }
                struct Listing: Encodable { var architectures: [Entry] }
                print(try DocumentCoding.line(Listing(architectures: all.map {
                    Entry(name: $0.name, gguf: $0.ggufNames, huggingFace: $0.huggingFaceTypes, summary: $0.summary)
                })))
            } else {
                for a in all {
                    let names = [a.ggufNames.isEmpty ? nil : "GGUF " + a.ggufNames.joined(separator: ", "),
                                 a.huggingFaceTypes.isEmpty ? nil : "Hugging Face " + a.huggingFaceTypes.joined(separator: ", ")]
                    print(Terminal.bold(a.name) + "  " + Terminal.dim(names.compactMap { $0 }.joined(separator: " · ")))
                    print("  \(a.summary)")
                }
            }
            return
        }
        if system {
            Parallel.setThreads(modelOptions.threads ?? Parallel.threads)
            let report = SystemReport.current(measureSgemm: true)
            print(json ? Terminal.jsonLine(report) : report.text)
            return
        }
        let m = try modelOptions.load()
        let weightBytes = m.bytesByType.reduce(0) { $0 + $1.1 }
        // The decoding state at full context (a KV cache: 2 (K, V) x layers x context x kv width x 4 bytes).
        let kvBytes = m.model.sessionBytes(positions: m.model.contextLength)
        if json {
            print(Terminal.jsonLine(ModelInfoDocument(
                path: m.path, architecture: m.architecture, sizeClass: m.sizeClass,
                hyperParameters: Dictionary(m.hyperParameters, uniquingKeysWith: { a, _ in a }),
                parameters: Dictionary(m.parameterCounts, uniquingKeysWith: { a, _ in a }), parametersTotal: m.parameterCount,
                bytesByType: Dictionary(m.bytesByType, uniquingKeysWith: { a, _ in a }), weightBytes: weightBytes,
                kvCacheBytesFullContext: kvBytes, memoryBytes: weightBytes + kvBytes, vocabularySize: m.tokenizer.vocabularySize)))
            return
        }
        print(Terminal.bold("\(URL(fileURLWithPath: m.path).lastPathComponent)") + "  \(m.architecture), \(m.sizeClass) (\(m.parameterCount) parameters)")
        print(Terminal.dim("  size classes: small ≤ 1M parameters, medium ≤ 100M, large ≤ 1B, very large above"))
        print(Terminal.bold("\nhyper-parameters"))
        for (k, v) in m.hyperParameters { print("  \(k.padding(toLength: 20, withPad: " ", startingAt: 0)) \(v)") }
        print(Terminal.bold("\nparameters"))
        for (k, v) in m.parameterCounts { print("  \(k.padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%12d", v))") }
        print("  \("total".padding(toLength: 20, withPad: " ", startingAt: 0)) \(String(format: "%12d", m.parameterCount))")
        print(Terminal.bold("\nweights by type"))
        for (k, v) in m.bytesByType { print("  \(k.padding(toLength: 20, withPad: " ", startingAt: 0)) \(megabytes(v))") }
        print(Terminal.bold("\nmemory"))
        print("  weights              \(megabytes(weightBytes)) (memory-mapped)")
        if kvBytes > 0 { print("  KV cache (full ctx)  \(megabytes(kvBytes))") }
    }

    func megabytes(_ b: Int) -> String { String(format: "%9.1f MB", Double(b) / 1e6) }
}
