import Foundation
import Hummingbird
import Interpretability
import ModelFormats
import Models

/// An error of the OpenAI-compatible endpoints, answered in OpenAI's shape:
/// `{"error": {"message", "type", "param", "code"}}`.
struct OpenAIError: Error {
    let status: HTTPResponse.Status
    let message: String
    var param: String?
    var code: String?
    var type: String { status.code >= 500 ? "server_error" : "invalid_request_error" }

    init(_ status: HTTPResponse.Status = .badRequest, _ message: String, param: String? = nil, code: String? = nil) {
        self.status = status; self.message = message; self.param = param; self.code = code
    }

    /// The body: what every OpenAI client parses (`openai.BadRequestError` and friends read `error.message`).
    var json: Data {
        let error: JSONValue = .object(["message": .string(message), "type": .string(type),
                                        "param": param.map(JSONValue.string) ?? .null, "code": code.map(JSONValue.string) ?? .null])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(JSONValue.object(["error": error]))) ?? Data("{\"error\":{\"message\":\"error\"}}".utf8)
    }

    var response: Response { JSONResponse.raw(json, status: status) }

    /// Any error of a /v1 route in OpenAI's shape: the studio's own errors keep their status and message.
    static func from(_ error: any Error) -> OpenAIError {
        switch error {
        case let e as OpenAIError: return e
        case let e as APIError: return OpenAIError(e.status, e.message, code: e.status == .notFound ? "model_not_found" : nil)
        case let e as InterpretabilityError: return OpenAIError(.badRequest, e.description, param: e.field)
        case let e as HTTPError: return OpenAIError(e.status, e.body ?? e.status.reasonPhrase)
        default: return OpenAIError(.internalServerError, "\(error)")
        }
    }
}

/// What a client asked of `/v1/chat/completions` or `/v1/completions`, checked field by field: a field the
/// endpoint does not take, a value of the wrong type or out of range, or a feature the engine does not have is a
/// 400 that names the field (`param`), never ignored in silence.
struct CompletionRequest: Sendable {
    enum Kind: Sendable { case chat, text }
    let kind: Kind
    var model = ""
    var messages: [ChatMessage] = []
    var prompt = ""
    var maxTokens: Int
    var temperature: Float = 1
    var topP: Float = 1
    var stop: [String] = []
    var seed: UInt64?
    var stream = false
    var includeUsage = false
    /// Log probabilities of the chosen tokens; `topLogprobs` alternatives each (0...20).
    var logprobs = false
    var topLogprobs = 0
    /// The `glassbox` extension: internals per returned token.
    var internals: Set<InspectPart> = []
    var internalsTopK = 5
    var internalsLayers: [Int]?

    /// The fields each endpoint takes; all else is refused. Fields that official clients send with a value that
    /// changes nothing (n = 1, a zero penalty, echo = false, ...) are accepted at that value only.
    static let chatFields: Set<String> = ["model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "seed",
                                          "stream", "stream_options", "logprobs", "top_logprobs", "n", "presence_penalty", "frequency_penalty",
                                          "user", "safety_identifier", "glassbox"]
    static let textFields: Set<String> = ["model", "prompt", "max_tokens", "temperature", "top_p", "stop", "seed", "stream", "stream_options",
                                          "logprobs", "n", "presence_penalty", "frequency_penalty", "user", "safety_identifier", "echo", "suffix", "best_of", "glassbox"]
    /// Fields of the OpenAI API that this engine does not implement: named as such rather than as unknown.
    static let unsupported: Set<String> = ["tools", "tool_choice", "functions", "function_call", "parallel_tool_calls", "response_format",
                                           "logit_bias", "audio", "modalities", "prediction", "reasoning_effort", "service_tier", "store",
                                           "metadata", "web_search_options", "verbosity", "moderation", "prompt_cache_key",
                                           "prompt_cache_options", "prompt_cache_retention"]
    /// The largest body read, in bytes.
    static let maxBody = 4 << 20

    /// Reads and checks a request body.
    init(kind: Kind, body: Data) throws {
        self.kind = kind
        maxTokens = kind == .chat ? 256 : 16
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            throw OpenAIError(.badRequest, "the request body is not a JSON object (send Content-Type: application/json and a JSON object)")
        }
        let allowed = kind == .chat ? Self.chatFields : Self.textFields
        for key in object.keys.sorted() where !allowed.contains(key) {
            if Self.unsupported.contains(key) || Self.chatFields.union(Self.textFields).contains(key) {
                throw OpenAIError(.badRequest, "'\(key)' is not supported by Glassbox's \(kind == .chat ? "chat completions" : "completions") endpoint", param: key, code: "unsupported_parameter")
            }
            throw OpenAIError(.badRequest, "unknown parameter '\(key.prefix(64))'", param: String(key.prefix(64)), code: "unknown_parameter")
        }
        let f = Fields(object)
        model = try f.string("model", required: true) ?? ""
        if kind == .chat { messages = try Self.messages(object["messages"]) } else { prompt = try Self.prompt(object["prompt"]) }
        if let n = try f.int("max_completion_tokens", 1...4096) ?? f.int("max_tokens", 1...4096) { maxTokens = n }
        temperature = Float(try f.number("temperature", 0...2) ?? 1)
        topP = Float(try f.number("top_p", 0...1) ?? 1)
        guard topP > 0 else { throw OpenAIError(.badRequest, "top_p must be greater than 0", param: "top_p") }
        stop = try Self.stop(object["stop"])
        if let s = try f.int("seed", Int(Int64.min)...Int(Int64.max)) { seed = UInt64(bitPattern: Int64(s)) }
        stream = try f.bool("stream") ?? false
        if let options = object["stream_options"], options != .null {
            guard case .object(let o) = options, Set(o.keys).isSubset(of: ["include_usage"]) else {
                throw OpenAIError(.badRequest, "stream_options takes {\"include_usage\": true|false}", param: "stream_options")
            }
            guard stream else { throw OpenAIError(.badRequest, "stream_options is only allowed with stream: true", param: "stream_options") }
            includeUsage = try Fields(o).bool("include_usage") ?? false
        }
        try readLogprobs(f)
        try Self.onlyNeutral(f)
        try readExtension(object["glassbox"])
    }

    /// `logprobs` (chat: a bool with `top_logprobs` 0...20; completions: an int 0...5, the alternatives).
    private mutating func readLogprobs(_ f: Fields) throws {
        if kind == .chat {
            logprobs = try f.bool("logprobs") ?? false
            if let k = try f.int("top_logprobs", 0...20) {
                guard logprobs else { throw OpenAIError(.badRequest, "top_logprobs needs logprobs: true", param: "top_logprobs") }
                topLogprobs = k
            }
        } else if let k = try f.int("logprobs", 0...5) {
            logprobs = true; topLogprobs = k
        }
    }

    /// Fields the clients send that this engine honours only at their neutral value.
    private static func onlyNeutral(_ f: Fields) throws {
        if let n = try f.int("n", 1...128), n != 1 { throw OpenAIError(.badRequest, "n = \(n): Glassbox returns one choice per request (n = 1)", param: "n", code: "unsupported_parameter") }
        if let n = try f.int("best_of", 1...20), n != 1 { throw OpenAIError(.badRequest, "best_of must be 1", param: "best_of", code: "unsupported_parameter") }
        for name in ["presence_penalty", "frequency_penalty"] {
            if let v = try f.number(name, -2...2), v != 0 {
                throw OpenAIError(.badRequest, "\(name) is not supported (Glassbox's sampler has no such penalty); send 0 or leave it out", param: name, code: "unsupported_parameter")
            }
        }
        if try f.bool("echo") == true { throw OpenAIError(.badRequest, "echo is not supported", param: "echo", code: "unsupported_parameter") }
        if let s = try f.string("suffix"), !s.isEmpty { throw OpenAIError(.badRequest, "suffix (insertion) is not supported", param: "suffix", code: "unsupported_parameter") }
        _ = try f.string("user")
        _ = try f.string("safety_identifier")
    }

    /// `"glassbox": {"internals": ["lens", "attention", "dla"], "top_k": 5, "layers": [0, 29]}`.
    private mutating func readExtension(_ value: JSONValue?) throws {
        guard let value, value != .null else { return }
        guard case .object(let o) = value else { throw OpenAIError(.badRequest, "glassbox must be an object such as {\"internals\": [\"lens\"]}", param: "glassbox") }
        if let bad = o.keys.sorted().first(where: { !["internals", "top_k", "layers"].contains($0) }) {
            throw OpenAIError(.badRequest, "glassbox takes internals, top_k and layers, not '\(bad.prefix(64))'", param: "glassbox.\(bad.prefix(64))")
        }
        let f = Fields(o, prefix: "glassbox.")
        guard case .array(let list)? = o["internals"], !list.isEmpty, list.count <= 3 else {
            throw OpenAIError(.badRequest, "glassbox.internals must list one or more of lens, attention, dla", param: "glassbox.internals")
        }
        for item in list {
            guard let name = item.string, let part = InspectPart(rawValue: name), [.lens, .attention, .dla].contains(part) else {
                throw OpenAIError(.badRequest, "glassbox.internals: '\(item.text.prefix(40))' is not one of lens, attention, dla", param: "glassbox.internals")
            }
            internals.insert(part)
        }
        internalsTopK = try f.int("top_k", 1...20) ?? 5
        if let layers = o["layers"], layers != .null {
            guard case .array(let l) = layers, !l.isEmpty, l.count <= 64 else { throw OpenAIError(.badRequest, "glassbox.layers must be a list of layer numbers", param: "glassbox.layers") }
            internalsLayers = try l.map { v in
                guard case .int(let n) = v, (0...4096).contains(n) else { throw OpenAIError(.badRequest, "glassbox.layers: \(v.text.prefix(20)) is not a layer number", param: "glassbox.layers") }
                return n
            }
        }
        guard maxTokens <= 256 else {
            throw OpenAIError(.badRequest, "with glassbox.internals, max_tokens is at most 256 (each token is inspected)", param: "max_tokens")
        }
    }

    /// The conversation: roles system, developer (as system), user and assistant; content a string or text parts.
    static func messages(_ value: JSONValue?) throws -> [ChatMessage] {
        guard case .array(let list)? = value, !list.isEmpty else {
            throw OpenAIError(.badRequest, "messages must be a non-empty list of {role, content}", param: "messages")
        }
        guard list.count <= 1000 else { throw OpenAIError(.badRequest, "at most 1000 messages", param: "messages") }
        return try list.enumerated().map { i, item in
            let where_ = "messages[\(i)]"
            guard case .object(let m) = item, let role = m["role"]?.string else {
                throw OpenAIError(.badRequest, "\(where_) must be an object with a role and a content", param: where_)
            }
            if let bad = m.keys.sorted().first(where: { !["role", "content", "name"].contains($0) }) {
                throw OpenAIError(.badRequest, "\(where_).\(bad.prefix(40)) is not supported (messages carry role, content and name)", param: "\(where_).\(bad.prefix(40))", code: "unsupported_parameter")
            }
            let mapped = role == "developer" ? "system" : role
            guard ["system", "user", "assistant"].contains(mapped) else {
                throw OpenAIError(.badRequest, "\(where_).role '\(role.prefix(40))' is not supported: system, developer, user or assistant", param: "\(where_).role")
            }
            return ChatMessage(role: mapped, content: try text(m["content"], param: "\(where_).content"))
        }
    }

    /// A message's content: a string, or a list of `{"type": "text", "text": ...}` parts (joined).
    static func text(_ value: JSONValue?, param: String) throws -> String {
        if let s = value?.string { return s }
        guard case .array(let parts)? = value else { throw OpenAIError(.badRequest, "\(param) must be a string or a list of text parts", param: param) }
        return try parts.map { p -> String in
            guard case .object(let o) = p, o["type"]?.string == "text", let t = o["text"]?.string else {
                throw OpenAIError(.badRequest, "\(param): only text parts ({\"type\": \"text\", \"text\": ...}) are supported", param: param, code: "unsupported_parameter")
            }
            return t
        }.joined()
    }

    /// The completions prompt: a string, or a list holding one string.
    static func prompt(_ value: JSONValue?) throws -> String {
        if let s = value?.string, !s.isEmpty { return s }
        if case .array(let list)? = value, list.count == 1, let s = list[0].string, !s.isEmpty { return s }
        if case .array(let list)? = value, list.count > 1, list.allSatisfy({ $0.string != nil }) { throw OpenAIError(.badRequest, "one prompt per request (a list of \(list.count) was given)", param: "prompt", code: "unsupported_parameter") }
        throw OpenAIError(.badRequest, "prompt must be a non-empty string (token-id prompts are not supported)", param: "prompt")
    }

    /// `stop`: a string or up to 4 strings.
    static func stop(_ value: JSONValue?) throws -> [String] {
        guard let value, value != .null else { return [] }
        if let s = value.string { return s.isEmpty ? [] : [s] }
        guard case .array(let list) = value, list.count <= 4, case let strings = list.compactMap(\.string), strings.count == list.count,
              strings.allSatisfy({ !$0.isEmpty && $0.count <= 200 }) else {
            throw OpenAIError(.badRequest, "stop must be a string or a list of up to 4 non-empty strings", param: "stop")
        }
        return strings
    }

    /// The generation this request asks for, in the engine's terms (OpenAI's sampling: temperature and top-p only).
    func generateRequest() -> GenerateRequest {
        var r = GenerateRequest(prompt: kind == .chat ? "" : prompt)
        if kind == .chat {
            r.chat = true
            r.messages = messages
            r.prompt = messages.last?.content ?? ""
        }
        r.maxTokens = maxTokens
        r.sampling.temperature = temperature
        r.sampling.topP = topP
        r.sampling.topK = 0
        r.sampling.minP = 0
        r.sampling.repetitionPenalty = 1
        r.seed = seed ?? UInt64.random(in: 0...UInt64(Int32.max))
        r.stop = stop
        r.alternatives = max(topLogprobs, 1)
        return r
    }
}

/// A JSON object's fields, read with their types checked.
struct Fields {
    let object: [String: JSONValue]
    var prefix = ""
    init(_ object: [String: JSONValue], prefix: String = "") { self.object = object; self.prefix = prefix }

    private func present(_ name: String) -> JSONValue? {
        guard let v = object[name], v != .null else { return nil }
        return v
    }

    func string(_ name: String, required: Bool = false) throws -> String? {
        guard let v = present(name) else {
            if required { throw OpenAIError(.badRequest, "\(prefix)\(name) is required", param: prefix + name) }
            return nil
        }
        guard let s = v.string, s.count <= 1000 else { throw OpenAIError(.badRequest, "\(prefix)\(name) must be a string", param: prefix + name) }
        return s
    }

    func int(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
        guard let v = present(name) else { return nil }
        guard case .int(let n) = v else { throw OpenAIError(.badRequest, "\(prefix)\(name) must be an integer", param: prefix + name) }
        guard range.contains(n) else { throw OpenAIError(.badRequest, "\(prefix)\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(n)", param: prefix + name) }
        return n
    }

    func number(_ name: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard let v = present(name) else { return nil }
        let d: Double
        switch v {
        case .int(let i): d = Double(i)
        case .number(let x) where x.isFinite: d = x
        default: throw OpenAIError(.badRequest, "\(prefix)\(name) must be a number", param: prefix + name)
        }
        guard range.contains(d) else { throw OpenAIError(.badRequest, "\(prefix)\(name) must be in \(range.lowerBound)...\(range.upperBound), got \(d)", param: prefix + name) }
        return d
    }

    func bool(_ name: String) throws -> Bool? {
        guard let v = present(name) else { return nil }
        guard case .bool(let b) = v else { throw OpenAIError(.badRequest, "\(prefix)\(name) must be true or false", param: prefix + name) }
        return b
    }
}
