import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The OpenAI-compatible endpoints' checks of what they are sent (tests/openai runs the official client against a
/// started server with the model): every refusal is a 4xx in OpenAI's error shape that names the parameter.
@Suite("OpenAI-compatible API: requests")
struct OpenAIAPITests {
    /// `{"error": {"message", "type", "param", "code"}}` of a response.
    func openAIError(_ r: TestResponse) -> [String: Any]? {
        ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any])?["error"] as? [String: Any]
    }

    @Test func badRequestsAreRefusedInOpenAIsShape() async throws {
        let (dir, _, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        let hi = #""messages": [{"role": "user", "content": "Hi"}]"#
        let cases: [(String, String, HTTPResponse.Status, String?, String)] = [
            ("/v1/chat/completions", "not json", .badRequest, nil, "not a JSON object"),
            ("/v1/chat/completions", "[1, 2]", .badRequest, nil, "not a JSON object"),
            ("/v1/chat/completions", #"{"messages": [{"role": "user", "content": "Hi"}]}"#, .badRequest, "model", "model is required"),
            ("/v1/chat/completions", #"{"model": "bundled"}"#, .badRequest, "messages", "messages must be"),
            ("/v1/chat/completions", #"{"model": "bundled", "messages": []}"#, .badRequest, "messages", "non-empty"),
            ("/v1/chat/completions", #"{"model": "bundled", "messages": [{"role": "tool", "content": "x"}]}"#, .badRequest, "messages[0].role", "not supported"),
            ("/v1/chat/completions", #"{"model": "bundled", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}"#,
             .badRequest, "messages[0].content", "only text parts"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "n": 3}"#, .badRequest, "n", "one choice"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "tools": []}"#, .badRequest, "tools", "not supported"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "frobnicate": 1}"#, .badRequest, "frobnicate", "unknown parameter"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "temperature": 2.5}"#, .badRequest, "temperature", "0.0...2.0"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "temperature": "hot"}"#, .badRequest, "temperature", "must be a number"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "max_tokens": 1.5}"#, .badRequest, "max_tokens", "integer"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "max_tokens": 100000}"#, .badRequest, "max_tokens", "1...4096"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "top_p": 0}"#, .badRequest, "top_p", "greater than 0"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "stop": ["a", "b", "c", "d", "e"]}"#, .badRequest, "stop", "up to 4"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "top_logprobs": 2}"#, .badRequest, "top_logprobs", "needs logprobs"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "stream": "yes"}"#, .badRequest, "stream", "true or false"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "stream_options": {"include_usage": true}}"#, .badRequest, "stream_options", "only allowed with stream"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "frequency_penalty": 1}"#, .badRequest, "frequency_penalty", "no such penalty"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "glassbox": {"internals": ["graph"]}}"#, .badRequest, "glassbox.internals", "not one of"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "glassbox": {"internals": ["lens"], "colour": 1}}"#, .badRequest, "glassbox.colour", "takes internals"),
            ("/v1/chat/completions", #"{"model": "bundled", \#(hi), "glassbox": {"internals": ["lens"]}, "max_tokens": 1000}"#, .badRequest, "max_tokens", "at most 256"),
            ("/v1/chat/completions", #"{"model": "no-such-model", \#(hi)}"#, .notFound, nil, "no model 'no-such-model'"),
            ("/v1/completions", #"{"model": "bundled", "prompt": ["a", "b"]}"#, .badRequest, "prompt", "one prompt per request"),
            ("/v1/completions", #"{"model": "bundled", "prompt": [1, 2, 3]}"#, .badRequest, "prompt", "token-id prompts"),
            ("/v1/completions", #"{"model": "bundled", "prompt": "x", "echo": true}"#, .badRequest, "echo", "not supported"),
            ("/v1/completions", #"{"model": "bundled", "prompt": "x", "logprobs": 9}"#, .badRequest, "logprobs", "0...5"),
            ("/v1/completions", #"{"model": "bundled", "prompt": "x", "messages": []}"#, .badRequest, "messages", "not supported"),
        ]
        try await app(dir).test(.router) { client in
            for (uri, body, status, param, text) in cases {
                try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) { r in
                    #expect(r.status == status, "\(body): \(r.status) \(String(buffer: r.body))")
                    let e = openAIError(r)
                    #expect((e?["message"] as? String)?.contains(text) == true, "\(body): \(String(buffer: r.body))")
                    #expect(e?["type"] as? String == "invalid_request_error", "\(body): \(String(buffer: r.body))")
                    if let param { #expect(e?["param"] as? String == param, "\(body): \(String(buffer: r.body))") }
                }
            }
            // Only JSON bodies: a form post (which any web page could send) is refused before anything reads it.
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "{}")) { r in
                #expect(r.status == .unsupportedMediaType)
                #expect((openAIError(r)?["message"] as? String)?.contains("application/json") == true, "\(String(buffer: r.body))")
            }
            // Other routes still take no POST, and unknown /v1 addresses answer in OpenAI's shape.
            try await client.execute(uri: "/v1/models", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}")) { r in
                #expect(r.status == .methodNotAllowed)
            }
            try await client.execute(uri: "/v1/embeddings", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(openAIError(r)?["message"] != nil, "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/v1/models", method: .get) { r in
                let o = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any]
                #expect(r.status == .ok && o?["object"] as? String == "list" && o?["data"] is [Any], "\(String(buffer: r.body))")
            }
        }
    }

    /// With a token, the OpenAI clients' `Authorization: Bearer` opens the endpoints; without it they are closed.
    @Test func tokenIsTheAPIKey() async throws {
        let (dir, _, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        try await app(dir, token: "s3cret-key").test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get) { r in
                #expect(r.status == .unauthorized)
                #expect(openAIError(r)?["message"] != nil, "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer s3cret-key"]) { r in
                #expect(r.status == .ok)
            }
        }
    }
}
