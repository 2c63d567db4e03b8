import Foundation
import Testing

/// The command line on the tiny model of every architecture (Tests/ModelsTests/Fixtures/architectures).
@Suite("glassbox on every architecture")
struct ArchitectureCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/architectures")
    static let names = ["llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3", "gpt2"]

    @Test func architecturesAreListed() throws {
        let r = try glassbox(["info", "--architectures", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let listed = (o["architectures"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(listed == Self.names)
    }

    /// info, a chat answer and an inspection from each fixture's GGUF file and Hugging Face folder.
    @Test(arguments: ["qwen2", "qwen3", "llama3", "mistral", "phi3", "phi3_longrope", "gemma2", "gemma3"])
    func infoChatAndInspect(name: String) throws {
        let dir = Self.root.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("reference.json").path) else { return }
        let ref = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("reference.json"))) as? [String: Any])
        for model in [dir.appendingPathComponent("model.q8_0.gguf").path, dir.appendingPathComponent("hf").path] {
            let info = try glassbox(["info", "--model", model, "--json"])
            #expect(info.status == 0, "\(name): \(info.err)")
            let o = try JSONSerialization.jsonObject(with: Data(info.out.utf8)) as? [String: Any]
            // The registry's name, from the file or the folder alike (Llama 3 and Mistral are `llama`).
            #expect(o?["architecture"] as? String == ref["architecture"] as? String, "\(name) \(model)")
            let chat = try glassbox(["generate", "--model", model, "--chat", "你好", "--max-tokens", "4", "--temperature", "0", "--json"])
            #expect(chat.status == 0, "\(name) \(model): \(chat.err)")
            let inspect = try glassbox(["inspect", "--model", model, "The quick brown fox", "--steps", "8", "--json"])
            #expect(inspect.status == 0 && inspect.out.contains("direct_logit_attribution"), "\(name) \(model): \(inspect.err)")
        }
    }
}
