import Foundation
import Hummingbird
import Interpretability
import ModelFormats
import Models
import NIOCore
import Tokenization

/// The OpenAI-compatible endpoints (docs/openai-api.md): `GET /v1/models`, `POST /v1/chat/completions` and
/// `POST /v1/completions`, streamed (server-sent `data:` chunks ending with `data: [DONE]`) or not, on the studio's
/// models and its queue of heavy work. The extension `"glassbox": {"internals": [...]}` returns, with each token,
/// what the model computed to choose it (the logit lens, attention, direct logit attribution) in the schemas of
/// docs/inspect-json.md, and every answer links to the same generation in the studio.
extension StudioAPI {
    func registerOpenAI(_ router: Router<StudioContext>) {
        router.get("/v1/models") { r, _ in
            _ = try r.query([])
            return try Self.json(.object(["object": "list", "data": .array(try self.models.entries().map(Self.modelObject))]))
        }
        router.get("/v1/models/:model") { r, c in
            _ = try r.query([])
            return try Self.json(Self.modelObject(try self.models.entry(c.parameters.get("model") ?? "")))
        }
        router.post("/v1/chat/completions") { r, c in try await self.completion(r, c, kind: .chat) }
        router.post("/v1/completions") { r, c in try await self.completion(r, c, kind: .text) }
    }

    /// A model as `/v1/models` lists it: its id is what requests name.
    static func modelObject(_ e: ModelEntry) -> JSONValue {
        .object(["id": .string(e.id), "object": "model", "created": 0, "owned_by": .string(e.kind == "checkpoint" ? "run \(e.run ?? "")" : "glassbox")])
    }

    static func json(_ value: JSONValue) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return JSONResponse.raw(try encoder.encode(value))
    }

    /// One completion: read and check the request, then generate on the heavy queue (streamed or whole).
    func completion(_ r: Request, _ c: StudioContext, kind: CompletionRequest.Kind) async throws -> Response {
        _ = try r.query([])
        let body = try await r.body.collect(upTo: CompletionRequest.maxBody)
        let request = try CompletionRequest(kind: kind, body: Data(body.readableBytesView))
        let entry = try models.entry(request.model)
        let generate = request.generateRequest()
        let run = OpenAIRun(request: request, entry: entry, generate: generate, link: Self.studioLink(r, entry, request, seed: generate.seed))
        if request.stream {
            return try eventStream(c, job: "v1-" + UUID().uuidString, framing: .openAI) { models, monitor, send in
                try run.stream(try models.model(entry), monitor: monitor) { send("chunk", $0) }
            }
        }
        let ticket = try models.admit(job: nil)
        let models = self.models
        let answer = try await models.perform(ticket, c) { monitor in try run.whole(try models.model(entry), monitor: monitor) }
        return try Self.json(answer)
    }

    /// The studio's generate page with this request's model, prompt and settings (the same seed gives the same
    /// text); a conversation opens with its system prompt and last user message.
    static func studioLink(_ r: Request, _ entry: ModelEntry, _ q: CompletionRequest, seed: UInt64) -> String {
        let host = r.head.authority ?? "127.0.0.1"
        var items: [(String, String)] = [("model", entry.id)]
        if q.kind == .chat {
            items.append(("chat", "1"))
            if let system = q.messages.last(where: { $0.role == "system" })?.content { items.append(("system", system)) }
            items.append(("prompt", q.messages.last(where: { $0.role == "user" })?.content ?? ""))
        } else {
            items.append(("prompt", q.prompt))
        }
        items += [("max_tokens", String(q.maxTokens)), ("temperature", String(q.temperature)), ("top_k", "0"), ("top_p", String(q.topP)),
                  ("min_p", "0"), ("repeat_penalty", "1"), ("seed", String(seed))]
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return "http://\(host)/generate?\(query)"
    }
}

/// One OpenAI-style generation: the engine's generation, its tokens' log probabilities and internals, in the
/// shapes of the chat completion / completion objects and their chunks.
struct OpenAIRun: Sendable {
    let request: CompletionRequest
    let entry: ModelEntry
    let generate: GenerateRequest
    let link: String
    let id: String
    let created: Int

    init(request: CompletionRequest, entry: ModelEntry, generate: GenerateRequest, link: String) {
        self.request = request; self.entry = entry; self.generate = generate; self.link = link
        id = (request.kind == .chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
        created = Int(Date().timeIntervalSince1970)
    }

    var object: String { request.kind == .chat ? "chat.completion" : "text_completion" }

    /// The generation as one object (`stream: false`).
    func whole(_ loaded: LoadedModel, monitor: WorkMonitor) throws -> JSONValue {
        var tokens: [GenerationDocument.Token] = []
        var internals: [JSONValue] = []
        var prefix: [Int] = []
        let doc = try InspectService.generate(loaded, generate, monitor: monitor, onStart: { ids, _ in prefix = ids.map(Int.init) }, onToken: { t in
            tokens.append(t)
            return !monitor.isCancelled
        })
        if !request.internals.isEmpty {
            for t in tokens {
                internals.append(try tokenInternals(loaded, prefix: prefix, token: t))
                prefix.append(t.id)
            }
        }
        var choice: [String: JSONValue] = ["index": 0, "finish_reason": .string(finishReason(doc.stopReason)),
                                           "logprobs": request.logprobs ? logprobs(tokens, tokenizer: loaded.tokenizer) : .null]
        if request.kind == .chat {
            choice["message"] = .object(["role": "assistant", "content": .string(doc.text), "refusal": .null])
        } else {
            choice["text"] = .string(doc.text)
        }
        if !internals.isEmpty { choice["glassbox"] = .object(["tokens": .array(internals)]) }
        return .object(["id": .string(id), "object": .string(object), "created": .int(created), "model": .string(request.model),
                        "system_fingerprint": "glassbox", "choices": .array([.object(choice)]), "usage": usage(doc), "glassbox": about])
    }

    /// The generation as chunks (`stream: true`): the role first (chat), a chunk per token, the finish reason,
    /// then the usage when `stream_options.include_usage`.
    func stream(_ loaded: LoadedModel, monitor: WorkMonitor, send: (JSONValue) -> Void) throws {
        var prefix: [Int] = []
        var failure: (any Error)?
        if request.kind == .chat { send(chunk(["role": "assistant", "content": ""], top: about)) }
        let doc = try InspectService.generate(loaded, generate, monitor: monitor, onStart: { ids, _ in prefix = ids.map(Int.init) }, onToken: { t in
            var extra: [String: JSONValue] = [:]
            if request.logprobs { extra["logprobs"] = logprobs([t], tokenizer: loaded.tokenizer) }
            if !request.internals.isEmpty {
                do { extra["glassbox"] = .object(["tokens": .array([try tokenInternals(loaded, prefix: prefix, token: t)])]) } catch {
                    failure = error
                    return false
                }
            }
            prefix.append(t.id)
            send(chunk(request.kind == .chat ? ["content": .string(t.text)] : [:], text: t.text, extra: extra))
            return !monitor.isCancelled
        })
        if let failure { throw failure }
        try monitor.check()
        send(chunk([:], text: "", finish: finishReason(doc.stopReason), top: about))
        if request.includeUsage {
            send(.object(["id": .string(id), "object": .string(chunkObject), "created": .int(created), "model": .string(request.model),
                          "system_fingerprint": "glassbox", "choices": .array([]), "usage": usage(doc)]))
        }
    }

    var chunkObject: String { request.kind == .chat ? "chat.completion.chunk" : "text_completion" }

    /// The answer's link to the studio and its seed (the first chunk of a streamed chat, the last of every stream).
    var about: JSONValue { .object(["studio_url": .string(link), "seed": .int(Int(Int64(bitPattern: generate.seed)))]) }

    /// A chunk of one choice: a delta (chat) or a piece of text (completions); `extra` goes into the choice
    /// (logprobs, the token's internals), `top` beside the choices.
    func chunk(_ delta: [String: JSONValue], text: String = "", finish: String? = nil, extra: [String: JSONValue] = [:], top: JSONValue? = nil) -> JSONValue {
        var choice: [String: JSONValue] = ["index": 0, "finish_reason": finish.map(JSONValue.string) ?? .null, "logprobs": .null]
        if request.kind == .chat { choice["delta"] = .object(delta) } else { choice["text"] = .string(text) }
        for (k, v) in extra { choice[k] = v }
        var out: [String: JSONValue] = ["id": .string(id), "object": .string(chunkObject), "created": .int(created), "model": .string(request.model),
                                        "system_fingerprint": "glassbox", "choices": .array([.object(choice)])]
        if let top { out["glassbox"] = top }
        return .object(out)
    }

    func finishReason(_ stop: String) -> String {
        ["max_tokens", "context_full"].contains(stop) ? "length" : "stop"
    }

    func usage(_ doc: GenerationDocument) -> JSONValue {
        .object(["prompt_tokens": .int(doc.promptIDs.count), "completion_tokens": .int(doc.ids.count), "total_tokens": .int(doc.promptIDs.count + doc.ids.count)])
    }

    /// A token's text and bytes as OpenAI gives them: the text when its bytes are whole UTF-8, else their escapes.
    static func piece(_ id: Int, tokenizer: any TextTokenizer) -> (String, [Int]) {
        let bytes = tokenizer.decodeBytes([Int32(id)])
        let hex = { (b: UInt8) in "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true) }
        let text = String(validating: bytes, as: UTF8.self) ?? bytes.map(hex).joined()
        return (text, bytes.map(Int.init))
    }

    /// Log probabilities of the model's own next-token distribution (before temperature and top-p).
    func logprobs(_ tokens: [GenerationDocument.Token], tokenizer: any TextTokenizer) -> JSONValue {
        func lp(_ p: Float) -> JSONValue { .number(p > 0 ? Double(Foundation.log(p)) : -9999) }
        if request.kind == .chat {
            return .object(["content": .array(tokens.map { t in
                let (text, bytes) = Self.piece(t.id, tokenizer: tokenizer)
                let top = t.alternatives.prefix(request.topLogprobs).map { a -> JSONValue in
                    let (at, ab) = Self.piece(a.id, tokenizer: tokenizer)
                    return .object(["token": .string(at), "logprob": lp(a.probability), "bytes": .array(ab.map(JSONValue.int))])
                }
                return .object(["token": .string(text), "logprob": lp(t.probability), "bytes": .array(bytes.map(JSONValue.int)), "top_logprobs": .array(top)])
            }), "refusal": .null])
        }
        var offset = 0
        var offsets: [JSONValue] = []
        for t in tokens { offsets.append(.int(offset)); offset += t.text.count }
        return .object([
            "tokens": .array(tokens.map { .string(Self.piece($0.id, tokenizer: tokenizer).0) }),
            "token_logprobs": .array(tokens.map { lp($0.probability) }),
            "top_logprobs": .array(tokens.map { t in
                .object(Dictionary(t.alternatives.prefix(request.topLogprobs).map { (Self.piece($0.id, tokenizer: tokenizer).0, lp($0.probability)) }) { a, _ in a })
            }),
            "text_offset": .array(offsets),
        ])
    }

    /// What the model computed at the position that chose `token` (the last of `prefix`): the asked parts of the
    /// inspect document of the prefix, the chosen token as the target; attention as that position's row.
    func tokenInternals(_ loaded: LoadedModel, prefix: [Int], token: GenerationDocument.Token) throws -> JSONValue {
        var r = InspectRequest(prompt: "")
        r.ids = prefix
        r.targetID = token.id
        r.parts = request.internals
        r.topK = request.internalsTopK
        r.attentionLayers = request.internalsLayers
        let doc = try InspectService.inspect(loaded, r)
        guard case .object(let all) = try JSONDecoder().decode(JSONValue.self, from: DocumentCoding.encoder(sortedKeys: false).encode(doc)) else {
            throw OpenAIError(.internalServerError, "the inspect document of a token could not be read back")
        }
        var out: [String: JSONValue] = ["id": .int(token.id), "token": .string(Self.piece(token.id, tokenizer: loaded.tokenizer).0), "position": .int(prefix.count - 1)]
        if request.internals.contains(.lens) { out["logit_lens"] = all["logit_lens"] ?? .null }
        if request.internals.contains(.dla) { out["direct_logit_attribution"] = all["direct_logit_attribution"] ?? .null }
        if request.internals.contains(.attention) {
            out["attention"] = Self.lastRows(all["attention"] ?? .null)
            out["heads"] = all["heads"] ?? .null
        }
        return .object(out)
    }

    /// The attention entries with each head's pattern cut to its last query row (the position that chose the
    /// token): `pattern` stays heads × queries × keys, with one query.
    static func lastRows(_ attention: JSONValue) -> JSONValue {
        guard case .array(let layers) = attention else { return attention }
        return .array(layers.map { layer in
            guard case .object(var o) = layer, case .array(let heads)? = o["pattern"] else { return layer }
            o["pattern"] = .array(heads.map { head in
                guard case .array(let rows) = head, let last = rows.last else { return head }
                return .array([last])
            })
            return .object(o)
        })
    }
}
