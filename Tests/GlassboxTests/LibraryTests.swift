import Foundation
import Testing
import Glassbox   // the public API only: no @testable, no other module

/// The library as a Swift user sees it: `import Glassbox` and nothing else. The bundled SmolLM2 (fetched by the test
/// set-up) and the tiny Qwen2 fixture model.
@Suite("The Glassbox library")
struct LibraryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let qwen = root.appendingPathComponent("Tests/ModelsTests/Fixtures/architectures/qwen2/model.q8_0.gguf").path
    static func scratch() -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-library-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    @Test func loadTokenizeAndDescribe() throws {
        let model = try Model.load()
        #expect(model.architecture == "llama" && model.contextLength == 8192 && model.vocabularySize == 49152)
        #expect(model.parameterCount > 100_000_000 && model.canChat)
        #expect(model.hyperParameters.contains { $0.name == "num_layers" }, "\(model.hyperParameters)")
        let ids = try model.tokenize("Hello, 世界!")
        #expect(model.detokenize(ids) == "Hello, 世界!")
        #expect(model.token(ids[0]) == "Hello" && model.token(-1) == nil && model.token(1 << 30) == nil)
    }

    @Test func generateStreamAndChat() async throws {
        let model = try Model.load()
        var streamed: [GeneratedToken] = []
        let greedy = try model.generate("The capital of France is", options: GenerateOptions(maxTokens: 8)) { t in
            streamed.append(t); return true
        }
        #expect(greedy.tokens.count == 8 && streamed == greedy.tokens && greedy.stopReason == .maxTokens)
        #expect(greedy.text == greedy.tokens.map(\.text).joined() && greedy.text.contains("Paris"), "\(greedy.text)")
        #expect(greedy.tokens.allSatisfy { $0.alternatives.count == 5 && $0.rank == 0 && $0.probability > 0 })
        // The same tokens through the async stream; stopping early from the callback.
        var fromStream: [GeneratedToken] = []
        for try await t in model.stream("The capital of France is", options: GenerateOptions(maxTokens: 8)) { fromStream.append(t) }
        #expect(fromStream == greedy.tokens)
        let stopped = try model.generate("The capital of France is", options: GenerateOptions(maxTokens: 8)) { _ in false }
        #expect(stopped.tokens.count == 1 && stopped.stopReason == .cancelled)
        // A conversation in the model's template ends at its end of turn.
        var options = GenerateOptions(maxTokens: 60)
        options.stop = []
        let reply = try model.chat([.system("You answer in one word."), .user("What is the capital of France?")], options: options)
        #expect(reply.stopReason == .endOfSequence || reply.stopReason == .stopText, "\(reply.stopReason)")
        #expect(reply.text.contains("Paris") && !reply.text.contains("<|im_end|>"), "\(reply.text)")
        #expect(reply.promptTokens > 20)
        // A conversation, turn by turn: the second answer is the one a single chat call over the whole
        // conversation gives, and the conversation holds both turns.
        let conversation = try Conversation(model, system: "You answer in one word.")
        let first = try conversation.send("What is the capital of France?", options: options)
        #expect(first.text == reply.text)
        let second = try conversation.send("And of Italy?", options: options)
        let whole = try model.chat(conversation.messages.dropLast().map { $0 }, options: options)
        #expect(second.text == whole.text && second.promptTokens == whole.promptTokens, "\(second.text) against \(whole.text)")
        #expect(conversation.messages.map(\.role) == [.system, .user, .assistant, .user, .assistant])
        conversation.reset()
        #expect(conversation.messages == [.system("You answer in one word.")])
    }

    @Test func badRequestsAreNamed() throws {
        #expect(throws: (any Error).self) { try Model.load("/nonexistent/model.gguf") }
        do { _ = try Model.load("/nonexistent/model.gguf"); Issue.record("loaded") } catch {
            #expect("\(error)".contains("/nonexistent/model.gguf") && "\(error)".contains("no such file"), "\(error)")
        }
        let model = try Model.load()
        var o = GenerateOptions(maxTokens: 5)
        o.temperature = -1
        do { _ = try model.generate("hi", options: o); Issue.record("generated") } catch { #expect("\(error)".contains("temperature"), "\(error)") }
        do { _ = try model.chat([.assistant("hello")]); Issue.record("answered") } catch { #expect("\(error)".contains("user"), "\(error)") }
        do { _ = try model.generate(""); Issue.record("generated") } catch { #expect("\(error)".contains("empty"), "\(error)") }
    }

    @Test func inspectAndPatch() throws {
        let model = try Model.load()
        let doc = try model.inspect("The Eiffel Tower is in Paris", options: InspectOptions(analyses: [.lens, .dla, .graph]))
        #expect(doc.tokens.count == doc.positions.count && doc.tokens.count >= 6)
        #expect(doc.logitLens?.count == 31 && doc.directLogitAttribution != nil && doc.attributions == nil, "\(doc.logitLens?.count ?? -1)")
        #expect(doc.contributionGraph?.layers.count == 30)
        // The document is the JSON the CLI prints.
        let json = try JSONEncoder().encode(doc)
        let back = try JSONDecoder().decode(InspectDocument.self, from: json)
        #expect(back.tokens == doc.tokens)
        let patch = try model.patch(clean: "The Eiffel Tower is in the city of", corrupted: "The Colosseum is in the city of",
                                    answer: " Paris", wrong: " Rome")
        #expect(patch.residual.restored.count == 30 && patch.heads.restored.count == 30 && patch.cleanMetric > patch.corruptedMetric)
        do { _ = try model.patch(clean: "a b c", corrupted: "a", answer: "x", wrong: "y"); Issue.record("patched") } catch {
            #expect("\(error)".contains("they must be equal"), "\(error)")
        }
    }

    @Test func trainAndFineTune() throws {
        let dir = Self.scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("text.txt")
        try String(repeating: "To be, or not to be, that is the question. ", count: 400).write(to: text, atomically: true, encoding: .utf8)
        var options = TrainingOptions(textFile: text.path, steps: 6)
        options.evaluationInterval = 3
        options.runsDirectory = dir.appendingPathComponent("runs").path
        options.name = "library-run"
        var steps: [TrainingProgress] = []
        let result = try train(options) { p in steps.append(p); return true }
        #expect(result.steps == 6 && result.status == "finished" && steps.map(\.step) == Array(1...6))
        #expect(steps.last!.loss < steps.first!.loss && steps.contains { $0.validationLoss != nil })
        // The checkpoint is a model the library opens; the run name is taken now.
        let checkpoint = try #require(result.checkpoint as String?)
        let trained = try Model.load(checkpoint)
        let continued = try trained.generate("To be", options: GenerateOptions(maxTokens: 4))
        #expect(trained.architecture == "gpt2" && continued.tokens.count == 4)
        do { _ = try train(options); Issue.record("trained twice") } catch { #expect("\(error)".contains("already exists"), "\(error)") }
        options.name = "../elsewhere"
        do { _ = try train(options); Issue.record("trained with a path as its name") } catch { #expect("\(error)".contains("--name"), "\(error)") }
        // Stopping from the callback ends the run at the next step, with a checkpoint.
        options.name = nil
        let stopped = try train(options) { p in p.step < 2 }
        #expect(stopped.steps == 3 && stopped.status == "interrupted" && stopped.checkpoint != nil, "\(stopped)")

        // LoRA on the tiny Qwen2 model: an adapter folder that loads on top of the base.
        let base = try Model.load(Self.qwen)
        let data = dir.appendingPathComponent("data.jsonl")
        let colours = ["red", "blue", "green"]
        let lines = (0..<12).map { i in "{\"prompt\": \"Say \(colours[i % 3]) \(i)\", \"response\": \"\(colours[i % 3])\"}" }
        try lines.joined(separator: "\n").write(to: data, atomically: true, encoding: .utf8)
        var ft = FineTuneOptions(data: data.path, steps: 3)
        ft.runsDirectory = options.runsDirectory
        ft.name = "tuned"
        let tuned = try base.fineTune(ft)
        do { _ = try base.fineTune(ft); Issue.record("fine-tuned twice under one name") } catch { #expect("\(error)".contains("already exists"), "\(error)") }
        #expect(tuned.steps == 3 && tuned.status == "finished")
        let adapter = try #require(tuned.checkpoint as String?)
        let adapted = try Model.load(Self.qwen, adapter: adapter)
        #expect(adapted.parameterCount > base.parameterCount)
    }
}
