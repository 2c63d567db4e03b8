import Foundation
import Testing

/// One service layer: the CLI and the studio's API give the same document for the same request.
@Suite("The CLI and the studio share one service", .serialized)
struct ServiceCLITests {
    /// Starts `glassbox serve` on a free port and returns its base URL (and the process, to stop).
    func serve(_ dir: URL) throws -> (Process, String) {
        let (p, out) = try spawnGlassbox(["serve", "--runs-dir", dir.path, "--port", "0"])
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline && !text.contains("\n") {
            text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        guard let r = text.range(of: "http://[^ \\n/]+", options: .regularExpression) else {
            p.terminate()
            throw CancellationError()
        }
        return (p, String(text[r]))
    }

    func get(_ url: String) throws -> (status: Int, body: Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-w", "\n%{http_code}", url]
        let text = try runCombined(p)
        guard let split = text.lastIndex(of: "\n") else { return (0, Data()) }
        return (Int(text[text.index(after: split)...]) ?? 0, Data(text[..<split].utf8))
    }

    func query(_ items: [(String, String)]) -> String {
        var c = URLComponents()
        c.queryItems = items.map { URLQueryItem(name: $0.0, value: $0.1) }
        // '+' is a space in a query: encode it (baselines such as mean+sinks).
        return (c.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
    }

    @Test func inspectAndPatchGiveTheSameDocuments() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let prompt = "The Eiffel Tower is located in the city of"
        let cli = try glassbox(["inspect", prompt, "--json", "--steps", "8", "--rule", "riemann", "--layers", "3,7", "--neuron", "5:17"])
        #expect(cli.status == 0, "\(cli.err)")
        let (server, base) = try serve(dir)
        defer { server.terminate(); server.waitUntilExit() }
        let api = try get(base + "/api/inspect?" + query([("prompt", prompt), ("steps", "8"), ("rule", "riemann"), ("layers", "3,7"), ("neuron", "5:17")]))
        #expect(api.status == 200, "\(String(decoding: api.body.prefix(300), as: UTF8.self))")
        let a = try JSONSerialization.jsonObject(with: Data(cli.out.utf8)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: api.body) as? NSDictionary
        #expect(a != nil && a == b, "the CLI's and the API's documents differ")
        #expect((a?["attention"] as? [[String: Any]])?.map { $0["layer"] as? Int } == [3, 7])

        // Only some analyses: one forward, no attributions.
        let only = try get(base + "/api/inspect?" + query([("prompt", prompt), ("only", "lens,attention")]))
        let o = try JSONSerialization.jsonObject(with: only.body) as? [String: Any]
        #expect(only.status == 200 && o?["logit_lens"] != nil && o?["attributions"] == nil && o?["neurons"] == nil)

        let patchArgs = [("clean", "The Eiffel Tower is in"), ("corrupted", "The Colosseum is in"), ("answer", " Paris"), ("wrong", " Rome")]
        let pc = try glassbox(["patch"] + patchArgs.flatMap { ["--\($0.0)", $0.1] } + ["--json"])
        #expect(pc.status == 0, "\(pc.err)")
        let pa = try get(base + "/api/patch?" + query(patchArgs))
        #expect(pa.status == 200)
        #expect(try JSONSerialization.jsonObject(with: Data(pc.out.utf8)) as? NSDictionary == JSONSerialization.jsonObject(with: pa.body) as? NSDictionary)

        // Bad requests: a 4xx naming the problem, never a crash.
        for (q, status, needle) in [
            (query([("prompt", prompt), ("model", "../../etc/passwd")]), 404, "no model"),
            (query([("prompt", prompt), ("only", "lens,bogus")]), 400, "bogus"),
            (query([("prompt", "")]), 422, "empty"),
            (query([("prompt", prompt), ("layers", "99")]), 422, "layer 99"),
            (query([("prompt", prompt), ("baseline", "token:999999999")]), 422, "outside the vocabulary"),
            ("steps=8", 400, "prompt is required"),
        ] as [(String, Int, String)] {
            let r = try get(base + "/api/inspect?" + q)
            let text = String(decoding: r.body, as: UTF8.self)
            #expect(r.status == status && text.contains(needle), "\(q): \(r.status) \(text.prefix(200))")
        }
        let models = try JSONSerialization.jsonObject(with: try get(base + "/api/models").body) as? [[String: Any]]
        #expect(models?.first?["id"] as? String == "bundled")
    }
}
