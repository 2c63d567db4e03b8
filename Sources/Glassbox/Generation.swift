import Foundation
import Interpretability
import Models
import NeuralNet

/// How to sample a continuation. The defaults are greedy decoding (temperature 0) of up to 128 tokens.
public struct GenerateOptions: Sendable, Equatable {
    /// The most new tokens (0...4096).
    public var maxTokens = 128
    /// 0 is greedy; higher spreads the choice.
    public var temperature: Float = 0
    /// Keep only the `topK` most likely tokens (0: all).
    public var topK = 0
    /// Keep the smallest set of tokens whose probabilities add up to `topP`.
    public var topP: Float = 1
    /// Drop tokens less likely than `minP` times the most likely one.
    public var minP: Float = 0
    /// Divides (or multiplies, when negative) the logits of tokens already in the text; 1 is none.
    public var repetitionPenalty: Float = 1
    /// The sampler's seed: the same seed gives the same text.
    public var seed: UInt64 = 0
    /// Texts that end the generation (not included in the result).
    public var stop: [String] = []
    /// The most likely alternatives reported with each token (1...50).
    public var alternatives = 5

    /// Options with these settings; the rest keep their defaults.
    public init(maxTokens: Int = 128, temperature: Float = 0, seed: UInt64 = 0) {
        self.maxTokens = maxTokens; self.temperature = temperature; self.seed = seed
    }
}

/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    /// Who speaks.
    public enum Role: String, Sendable, Codable {
        /// Instructions for the whole conversation (first, at most once).
        case system
        /// The person.
        case user
        /// The model.
        case assistant
    }
    /// Who speaks.
    public var role: Role
    /// What is said.
    public var content: String

    /// A message of `role` saying `content`.
    public init(role: Role, content: String) { self.role = role; self.content = content }
    /// A system message.
    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: text) }
    /// A message of the person.
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: text) }
    /// A message of the model (an earlier answer).
    public static func assistant(_ text: String) -> ChatMessage { ChatMessage(role: .assistant, content: text) }
}

/// A token as it was generated: its id, its text, how likely the model found it, and what else it considered.
public struct GeneratedToken: Sendable, Equatable {
    /// The token's id in the model's vocabulary.
    public var id: Int
    /// The text this token adds (empty while a character's bytes are incomplete).
    public var text: String
    /// Its probability under the distribution it was drawn from.
    public var probability: Float
    /// Rank among the model's choices (0: the most likely).
    public var rank: Int
    /// Entropy of the distribution it was drawn from, in nats.
    public var entropy: Float
    /// The most likely tokens at this step, with their probabilities.
    public var alternatives: [(id: Int, text: String, probability: Float)]

    public static func == (a: GeneratedToken, b: GeneratedToken) -> Bool {
        a.id == b.id && a.text == b.text && a.probability == b.probability && a.rank == b.rank && a.entropy == b.entropy
            && a.alternatives.elementsEqual(b.alternatives) { $0.id == $1.id && $0.text == $1.text && $0.probability == $1.probability }
    }
}

/// Why a generation ended.
public enum StopReason: String, Sendable {
    /// The model's end-of-sequence or end-of-turn token.
    case endOfSequence = "eos"
    /// One of the stop texts.
    case stopText = "stop_string"
    /// `maxTokens` were generated.
    case maxTokens = "max_tokens"
    /// The model's context is full.
    case contextFull = "context_full"
    /// The token callback returned false.
    case cancelled
}

/// A finished generation.
public struct Completion: Sendable {
    /// The generated text, without the prompt and without a stop text.
    public var text: String
    /// Every generated token, in order.
    public var tokens: [GeneratedToken]
    /// Tokens of the prompt as fed (the chat template applied).
    public var promptTokens: Int
    /// Why the generation ended.
    public var stopReason: StopReason
    /// Prompt tokens per second while the prompt was read.
    public var prefillTokensPerSecond: Double
    /// New tokens per second after the prompt was read.
    public var decodeTokensPerSecond: Double
}

extension Model {
    /// Continues `prompt`, calling `onToken` with each new token as it is generated (return false to stop).
    ///
    /// - Throws: an error naming the option at fault (a prompt longer than the context, a temperature below 0, …).
    public func generate(_ prompt: String, options: GenerateOptions = GenerateOptions(),
                         onToken: ((GeneratedToken) -> Bool)? = nil) throws -> Completion {
        var r = GenerateRequest(prompt: prompt)
        r.apply(options)
        return try run(r, onToken: onToken)
    }

    /// Answers the conversation's last message as the assistant, in the model's chat template; the answer ends at
    /// the template's end of turn.
    ///
    /// - Throws: when the model has no chat template Glassbox recognises (see ``canChat``), or the conversation
    ///   does not end with a user message.
    public func chat(_ messages: [ChatMessage], options: GenerateOptions = GenerateOptions(),
                     onToken: ((GeneratedToken) -> Bool)? = nil) throws -> Completion {
        var r = GenerateRequest(prompt: "")
        r.messages = messages.map { Models.ChatMessage(role: $0.role.rawValue, content: $0.content) }
        r.chat = true
        r.apply(options)
        return try run(r, onToken: onToken)
    }

    /// The tokens of a continuation of `prompt` as they are generated, on a thread of their own; ending the
    /// iteration early stops the generation.
    public func stream(_ prompt: String, options: GenerateOptions = GenerateOptions()) -> AsyncThrowingStream<GeneratedToken, Error> {
        AsyncThrowingStream { continuation in
            let stopped = StopFlag()
            continuation.onTermination = { _ in stopped.set() }
            Thread.detachNewThread {
                do {
                    _ = try self.generate(prompt, options: options) { token in
                        continuation.yield(token)
                        return !stopped.isSet
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }

    func run(_ r: GenerateRequest, cache: ConversationCache? = nil, onToken: ((GeneratedToken) -> Bool)?) throws -> Completion {
        try serially {
            var tokens: [GeneratedToken] = []
            let doc = try InspectService.generate(loaded, r, cache: cache, onToken: { t in
                let token = GeneratedToken(t)
                tokens.append(token)
                return onToken?(token) ?? true
            })
            return Completion(text: doc.text, tokens: tokens, promptTokens: doc.promptIDs.count,
                              stopReason: StopReason(rawValue: doc.stopReason) ?? .maxTokens,
                              prefillTokensPerSecond: doc.prefillTokensPerSecond, decodeTokensPerSecond: doc.decodeTokensPerSecond)
        }
    }
}

/// A conversation with a model, turn by turn: each reply answers everything said so far, in the model's chat
/// template. The model's decoding state is kept between turns, so a turn reads only the new messages.
///
/// ```swift
/// let conversation = Conversation(model, system: "Answer in one sentence.")
/// let first = try conversation.send("What is the capital of France?")
/// let second = try conversation.send("And of Italy?")
/// ```
public final class Conversation: @unchecked Sendable {
    /// The model that answers.
    public let model: Model
    private var history: [ChatMessage]
    private let opening: [ChatMessage]
    private let cache = ConversationCache()
    private let lock = NSLock()

    /// A new conversation, opened by `system` when given.
    ///
    /// - Throws: when the model has no chat template Glassbox recognises (see ``Model/canChat``).
    public init(_ model: Model, system: String? = nil) throws {
        _ = try model.loaded.chatFormat()
        self.model = model
        opening = system.map { [.system($0)] } ?? []
        history = opening
    }

    /// Everything said so far, the system message first.
    public var messages: [ChatMessage] { lock.withLock { history } }

    /// Says `text` as the user and returns the model's answer, which joins the conversation.
    ///
    /// - Throws: when the conversation no longer fits the model's context (``reset()`` starts over), or an option
    ///   is out of range; the conversation is then as it was.
    public func send(_ text: String, options: GenerateOptions = GenerateOptions(),
                     onToken: ((GeneratedToken) -> Bool)? = nil) throws -> Completion {
        try lock.withLock {
            let asked = history + [.user(text)]
            var r = GenerateRequest(prompt: "")
            r.chat = true
            r.messages = asked.map { Models.ChatMessage(role: $0.role.rawValue, content: $0.content) }
            r.apply(options)
            let answer = try model.run(r, cache: cache, onToken: onToken)
            history = asked + [.assistant(answer.text)]
            return answer
        }
    }

    /// Forgets every turn; the system message stays.
    public func reset() {
        lock.withLock {
            history = opening
            cache.reset()
        }
    }
}

extension GeneratedToken {
    init(_ t: GenerationDocument.Token) {
        self.init(id: t.id, text: t.text, probability: t.probability, rank: t.rank, entropy: t.entropy,
                  alternatives: t.alternatives.map { (id: $0.id, text: $0.text, probability: $0.probability) })
    }
}

extension GenerateRequest {
    mutating func apply(_ o: GenerateOptions) {
        maxTokens = o.maxTokens
        sampling = SamplingOptions(temperature: o.temperature, topK: o.topK, topP: o.topP, minP: o.minP)
        sampling.repetitionPenalty = o.repetitionPenalty
        seed = o.seed
        stop = o.stop
        alternatives = o.alternatives
    }
}

/// Set once, read from another thread.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
