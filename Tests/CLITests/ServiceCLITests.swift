import Foundation
import RunStore
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
        // Streamed: start, groups of layers that cover every layer of both scans, and the same document at the end.
        let ps = String(decoding: try get(base + "/api/patch?" + query(patchArgs + [("stream", "1")])).body, as: UTF8.self)
        func events(_ name: String) -> [Any] {
            ps.components(separatedBy: "event: \(name)\ndata: ").dropFirst().compactMap {
                try? JSONSerialization.jsonObject(with: Data(($0.components(separatedBy: "\n").first ?? "").utf8))
            }
        }
        #expect(ps.hasPrefix("event: start\ndata: {"), "\(ps.prefix(300))")
        let rows = events("rows").compactMap { $0 as? [String: Any] }
        for scan in ["residual", "heads"] {
            let layers = rows.filter { $0["scan"] as? String == scan }.flatMap { ($0["layers"] as? [Int]) ?? [] }
            #expect(layers.sorted() == Array(0..<30), "\(scan): \(layers)")
        }
        #expect(!events("progress").isEmpty)
        #expect(events("done").first as? NSDictionary == (try JSONSerialization.jsonObject(with: pa.body) as? NSDictionary))
        let uneven = try get(base + "/api/patch?" + query([("clean", "a b"), ("corrupted", "a b c d"), ("answer", " x"), ("wrong", " y"), ("stream", "1")]))
        let ue = String(decoding: uneven.body, as: UTF8.self)
        #expect(ue.contains("event: error") && ue.contains("tokens"), "\(ue.prefix(300))")

        // Attributions streamed: progress that counts the real gradient evaluations (the adaptive rule refines past
        // its steps while the completeness gap is large: the total grows, and the count reaches it), then the
        // document the plain request gives.
        let attrArgs = [("prompt", prompt), ("only", "attributions"), ("steps", "8")]
        let plain = try get(base + "/api/inspect?" + query(attrArgs))
        let st = String(decoding: try get(base + "/api/inspect?" + query(attrArgs + [("stream", "1")])).body, as: UTF8.self)
        func streamed(_ name: String) -> [[String: Any]] {
            st.components(separatedBy: "event: \(name)\ndata: ").dropFirst().compactMap {
                try? JSONSerialization.jsonObject(with: Data(($0.components(separatedBy: "\n").first ?? "").utf8)) as? [String: Any]
            }
        }
        let progress = streamed("progress").filter { $0["part"] as? String == "attributions" }
        #expect(progress.count >= 2, "\(st.prefix(400))")
        #expect(progress.allSatisfy { ($0["total"] as? Double ?? 0) >= 8 && $0["elapsed_s"] is Double })
        let totals = progress.compactMap { $0["total"] as? Double }, dones = progress.compactMap { $0["done"] as? Double }
        #expect(zip(dones, dones.dropFirst()).allSatisfy { $0 <= $1 }, "\(dones)")
        #expect(zip(totals, totals.dropFirst()).allSatisfy { $0 <= $1 }, "\(totals)")
        #expect(zip(dones, totals).allSatisfy { $0 <= $1 }, "a count above its total: \(dones) of \(totals)")
        #expect(progress.last?["fraction"] as? Double == 1)
        let used = ((try JSONSerialization.jsonObject(with: plain.body) as? [String: Any])?["attributions"] as? [String: Any])?["steps"] as? Int ?? 0
        #expect(Double(used) <= (totals.last ?? 0), "the progress said \(totals.last ?? 0) evaluations, the attributions used \(used)")
        #expect(streamed("done").first.map { NSDictionary(dictionary: $0) } == (try JSONSerialization.jsonObject(with: plain.body) as? NSDictionary))

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

    /// Generation streams as server-sent events (and stops with its client), interventions and the model card
    /// answer as the CLI does, `ids=` inspects exact token ids, and bad parameters get a 4xx naming them.
    @Test func generateInterveneAndCard() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let (server, base) = try serve(dir)
        defer { server.terminate(); server.waitUntilExit() }
        let prompt = "The capital of France is"
        // Greedy generation: the stream's tokens are the CLI's.
        let sse = try get(base + "/api/generate?" + query([("prompt", prompt), ("max_tokens", "6"), ("temperature", "0")]))
        let text = String(decoding: sse.body, as: UTF8.self)
        #expect(sse.status == 200 && text.hasPrefix("event: start\ndata: {"), "\(text.prefix(300))")
        #expect(text.components(separatedBy: "event: token\n").count - 1 == 6, "\(text.prefix(600))")
        let doneLine = text.components(separatedBy: "event: done\ndata: ").last?.components(separatedBy: "\n").first ?? ""
        let done = try JSONSerialization.jsonObject(with: Data(doneLine.utf8)) as? [String: Any]
        let cli = try glassbox(["generate", prompt, "--max-tokens", "6", "--temperature", "0", "--json"])
        let c = try JSONSerialization.jsonObject(with: Data(cli.out.utf8)) as? [String: Any]
        #expect(done?["ids"] as? [Int] == c?["ids"] as? [Int] && (done?["ids"] as? [Int])?.count == 6)
        #expect(text.contains("\"alternatives\":[[") && text.contains("\"shown\":"))
        // Exact ids: the prompt and the generated tokens, inspected as fed.
        let promptIDs = ((try JSONSerialization.jsonObject(with: Data((text.components(separatedBy: "event: start\ndata: ").last?
            .components(separatedBy: "\n").first ?? "").utf8)) as? [String: Any])?["prompt_ids"] as? [Int]) ?? []
        let all = (promptIDs + ((done?["ids"] as? [Int]) ?? [])).map(String.init).joined(separator: ",")
        let byIDs = try get(base + "/api/inspect?" + query([("ids", all), ("only", "lens")]))
        let d = try JSONSerialization.jsonObject(with: byIDs.body) as? [String: Any]
        #expect(byIDs.status == 200 && (d?["tokens"] as? [Any])?.count == promptIDs.count + 6)

        // Interventions: the CLI's document equals the API's; scale 1 changes nothing.
        let cliEdit = try glassbox(["intervene", prompt, "--edit", "head:23:4", "--edit", "neuron:5:17:2", "--generate", "4", "--json"])
        #expect(cliEdit.status == 0, "\(cliEdit.err)")
        let apiEdit = try get(base + "/api/intervene?" + query([("prompt", prompt), ("edits", "head:23:4,neuron:5:17:2"), ("generate", "4")]))
        #expect(apiEdit.status == 200)
        #expect(try JSONSerialization.jsonObject(with: Data(cliEdit.out.utf8)) as? NSDictionary == JSONSerialization.jsonObject(with: apiEdit.body) as? NSDictionary)
        let one = try JSONSerialization.jsonObject(with: try get(base + "/api/intervene?" + query([("prompt", prompt), ("edits", "head:3:1:1")])).body) as? [String: Any]
        #expect((one?["kl_divergence"] as? Double) == 0)
        let steer = try get(base + "/api/intervene?" + query([("prompt", prompt), ("steer_layer", "6"), ("steer_from", "Love"), ("steer_to", "Hate"), ("steer_scale", "8")]))
        let st = try JSONSerialization.jsonObject(with: steer.body) as? [String: Any]
        #expect(steer.status == 200 && ((st?["kl_divergence"] as? Double) ?? 0) > 0)

        // The model card: every weight of the 30 layers, the size class, the types.
        let card = try get(base + "/api/models/bundled/card")
        let m = try JSONSerialization.jsonObject(with: card.body) as? [String: Any]
        #expect(card.status == 200 && ((m?["model"] as? [String: Any])?["size_class"] as? String) == "large")
        #expect((m?["weights"] as? [[String: Any]])?.filter { $0["kind"] as? String == "attn_q" }.count == 30)

        for (path, status, needle) in [
            ("/api/generate?" + query([("prompt", prompt), ("temperature", "-1")]), 400, "temperature"),
            ("/api/generate?" + query([("prompt", prompt), ("max_tokens", "5000")]), 400, "max_tokens"),
            ("/api/intervene?" + query([("prompt", prompt), ("edits", "head:99:0")]), 422, "edits"),
            ("/api/intervene?" + query([("prompt", prompt)]), 422, "no edits"),
            ("/api/intervene?" + query([("prompt", prompt), ("steer_layer", "3")]), 422, "steer_from"),
            ("/api/inspect?" + query([("ids", "1,2,99999999")]), 422, "outside the vocabulary"),
            ("/api/models/nope/card", 404, "no model"),
        ] as [(String, Int, String)] {
            let r = try get(base + path)
            let t = String(decoding: r.body, as: UTF8.self)
            #expect(r.status == status && t.contains(needle), "\(path): \(r.status) \(t.prefix(200))")
        }
        // A model-dependent problem found once streaming has begun comes as an error event.
        let bad = String(decoding: try get(base + "/api/generate?" + query([("prompt", prompt), ("edits", "head:99:0")])).body, as: UTF8.self)
        #expect(bad.contains("event: error") && bad.contains("edits"), "\(bad.prefix(300))")
    }
}

/// Probe prompts are read out at every checkpoint into the run store, and a resume keeps them.
@Suite("Probes across training")
struct ProbeCLITests {
    @Test func probesAreRecordedAtEveryCheckpoint() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        let args = ["train", "--data", corpus, "--steps", "30", "--layers", "2", "--width", "32", "--heads", "2", "--block", "32",
                    "--batch", "4", "--checkpoint-interval", "10", "--eval-interval", "10", "--runs-dir", runs, "--json", "--threads", "1",
                    "--name", "probed", "--probe", "ROMEO: I will go", "--probe", "To be, or not to be"]
        let r = try glassbox(args)
        #expect(r.status == 0, "\(r.err)")
        let db = try RunDatabase(directory: URL(fileURLWithPath: runs))
        let id = try #require(try db.runID(named: "probed"))
        let docs = try db.probes(run: id).map { try JSONSerialization.jsonObject(with: Data($0.document.utf8)) as? [String: Any] }
        #expect(docs.count == 6, "two probes at steps 10, 20, 30")
        for d in docs {
            #expect((d?["lens"] as? [[String: Any]])?.count == 3)                       // embeddings + 2 layers
            #expect((d?["head_entropy"] as? [[Double]])?.map(\.count) == [2, 2])
            #expect((d?["loss"] as? Double).map { $0.isFinite && $0 > 0 } == true)
        }
        #expect(Set(docs.compactMap { $0?["answer_text"] as? String }) == ["o", "e"])       // the probes' last characters
        // Two checkpoints of the run compared on one prompt; a checkpoint against itself changes nothing; a
        // model of another shape is refused.
        let ck = URL(fileURLWithPath: runs).appendingPathComponent(id).appendingPathComponent("checkpoints")
        let early = ck.appendingPathComponent("step-000010").path, late = ck.appendingPathComponent("step-000030").path
        let d = try glassbox(["diff", "--model", early, "--against", late, "To be, or not", "--json"])
        #expect(d.status == 0, "\(d.err)")
        let doc = try JSONSerialization.jsonObject(with: Data(d.out.utf8)) as? [String: Any]
        #expect(((doc?["kl_divergence"] as? Double) ?? 0) > 0 && (doc?["heads"] as? [Any])?.count == 4)
        #expect(doc?["chat"] as? Bool == false && doc?["prompt_text"] as? String == "To be, or not")   // no chat template: the raw text
        #expect((doc?["attention_change"] as? [[Double]])?.map(\.count) == [2, 2] && (doc?["neurons"] as? [Any])?.isEmpty == false)
        let same = try JSONSerialization.jsonObject(with: Data(try glassbox(["diff", "--model", late, "--against", late, "To be", "--json"]).out.utf8)) as? [String: Any]
        #expect((same?["kl_divergence"] as? Double) == 0 && (same?["dla_head_change"] as? [[Double]])?.allSatisfy { $0.allSatisfy { $0 == 0 } } == true)
        let other = try glassbox(["diff", "--against", late, "To be", "--json"])
        #expect(other.status != 0 && other.err.contains("shape"), "\(other.err)")
        // A probe outside the corpus's vocabulary is refused up front.
        let bad = try glassbox(["train", "--data", corpus, "--steps", "2", "--runs-dir", runs, "--probe", "日本"])
        #expect(bad.status != 0 && bad.err.contains("--probe"), "\(bad.err)")
        // Without --probe: the start of the validation split.
        let plain = try glassbox(["train", "--data", corpus, "--steps", "10", "--layers", "1", "--width", "32", "--heads", "2", "--block", "16",
                                  "--batch", "4", "--checkpoint-interval", "10", "--runs-dir", runs, "--json", "--threads", "1", "--name", "plain"])
        #expect(plain.status == 0, "\(plain.err)")
        let pid = try #require(try db.runID(named: "plain"))
        #expect(try db.probes(run: pid).count == 1)
    }
}
