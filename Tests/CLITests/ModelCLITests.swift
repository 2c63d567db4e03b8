import Foundation
import Testing

@Suite("glassbox with the bundled model")
struct ModelCLITests {
    @Test func generateJSON() throws {
        let r = try glassbox(["generate", "The capital of France is", "--temperature", "0", "--max-tokens", "12", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let o = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        #expect(o["prompt_ids"] as? [Int] == [504, 3575, 282, 4649, 314])
        #expect((o["ids"] as! [Int]).count <= 12)
        #expect((o["text"] as! String).contains("Paris"))
        #expect(o["prefill_tokens_per_s"] is Double && o["decode_tokens_per_s"] is Double)
    }

    @Test func generateReadsTheFileFromStandardInputAndStreams() throws {
        let r = try glassbox(["generate", "--file", "-", "--temperature", "0", "--max-tokens", "8"], stdin: "The capital of France is")
        #expect(r.status == 0 && r.out.contains("Paris"), "\(r.out) \(r.err)")
        #expect(r.err.contains("prompt tokens"))
    }

    @Test func tokenizeJSONMatchesTheReference() throws {
        let r = try glassbox(["tokenize", "<|im_start|>user\nHello world<|im_end|>", "--json"])
        let o = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        #expect(o["ids"] as? [Int] == [1, 4093, 198, 19556, 905, 2])
        #expect(o["tokens"] as? [String] == ["<|im_start|>", "user", "Ċ", "Hello", "Ġworld", "<|im_end|>"])
    }

    @Test func infoJSON() throws {
        let r = try glassbox(["info", "--json"])
        let o = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        #expect(o["architecture"] as? String == "llama" && o["size_class"] as? String == "large")
        #expect(o["parameters_total"] as? Int == 134_515_008)
        let h = o["hyper_parameters"] as! [String: String]
        #expect(h["num_layers"] == "30" && h["num_kv_heads"] == "3" && h["rope_theta"] == "100000.0")
        #expect((o["bytes_by_type"] as! [String: Int])["Q4_1"]! > 50_000_000)
    }

    @Test func badModelsAndPromptsFailCleanly() throws {
        let missing = try glassbox(["generate", "hi", "--model", "/no/such.gguf"])
        #expect(missing.status != 0 && missing.err.contains("/no/such.gguf") && missing.err.contains("no such file"))
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID().uuidString).gguf")
        try Data(repeating: 7, count: 100).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        let bad = try glassbox(["info", "--model", junk.path])
        #expect(bad.status != 0 && bad.err.contains("not a GGUF file"))
        let noPrompt = try glassbox(["generate"])
        #expect(noPrompt.status != 0 && noPrompt.err.contains("PROMPT"))
    }
}

@Suite("glassbox inspect")
struct InspectCLITests {
    @Test func inspectJSONHasTheDocumentedFields() throws {
        let r = try glassbox(["inspect", "The capital of France is", "--json", "--layers", "0,29", "--steps", "8"])
        #expect(r.status == 0, "\(r.err)")
        let o = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let tokens = o["tokens"] as! [[String: Any]]
        #expect(tokens.map { $0["id"] as! Int } == [504, 3575, 282, 4649, 314])
        let positions = o["positions"] as! [[String: Any]]
        #expect(positions.count == 5 && (positions[4]["top"] as! [[Double]]).count == 5)
        let lens = o["logit_lens"] as! [[String: Any]]
        #expect(lens.count == 31 && lens[30]["final_token_rank"] as? Int == 0)
        let attention = o["attention"] as! [[String: Any]]
        #expect(attention.map { $0["layer"] as! Int } == [0, 29])
        let pattern = attention[0]["pattern"] as! [[[Double]]]
        #expect(pattern.count == 9 && pattern[0].count == 5 && abs(pattern[3][4].reduce(0, +) - 1) < 1e-5)
        let a = o["attributions"] as! [String: Any]
        #expect((a["scores"] as! [Double]).count == 5 && (a["gradient_x_input"] as! [Double]).count == 5)
        #expect(a["target_id"] as? Int == 7042 && a["baseline"] as? String == "zero" && a["completeness_gap"] is Double)
    }

    @Test func badInspectArguments() throws {
        let r = try glassbox(["inspect", "hi", "--layers", "31"])
        #expect(r.status != 0 && r.err.contains("--layers"))
        let b = try glassbox(["inspect", "hi", "--baseline", "mean"])
        #expect(b.status != 0 && b.err.contains("--baseline"))
    }
}

@Suite("glassbox patch")
struct PatchCLITests {
    @Test func patchJSONAndBadPrompts() throws {
        let r = try glassbox(["patch", "--clean", "The Eiffel Tower is in", "--corrupted", "The Colosseum is in",
                              "--answer", " Paris", "--wrong", " Rome", "--json"])
        // Both prompts are 6 tokens.
        #expect(r.status == 0, "\(r.err)")
        let o = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let residual = (o["residual"] as! [String: Any])["restored"] as! [[Double]]
        #expect(residual.count == 30)
        let heads = (o["heads"] as! [String: Any])["restored"] as! [[Double]]
        #expect(heads.count == 30 && heads[0].count == 9)
        let clean = o["clean_metric"] as! Double, corrupted = o["corrupted_metric"] as! Double
        #expect(clean > corrupted)
        // Positions 1-3 differ (" E iffel Tower" vs " Col osse um"). At layer 0, patching an unchanged position
        // (0, 4, 5) changes nothing; patching a changed one restores part of the answer.
        for p in [0, 4, 5] { #expect(abs(residual[0][p]) < 1e-3, "position \(p)") }
        #expect(residual[0][1...3].allSatisfy { $0 > 0.05 })
    }

    @Test func unequalLengthsAreRefused() throws {
        let r = try glassbox(["patch", "--clean", "a b c", "--corrupted", "a", "--answer", " x", "--wrong", " y"])
        #expect(r.status != 0 && r.err.contains("must be equal"))
    }
}
