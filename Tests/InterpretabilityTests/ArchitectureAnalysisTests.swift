import Foundation
import Testing
import TensorCore
@testable import Models
@testable import Interpretability

/// Every analysis on the tiny model of each architecture (Tests/ModelsTests/Fixtures/architectures): the checks
/// that hold whatever the weights — decompositions that sum to what they decompose, batched and one-at-a-time
/// patching agreeing, integrated gradients' completeness, an intervention that changes the output.
@Suite("Analyses on every architecture")
struct ArchitectureAnalysisTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/architectures")
    static let cases = ["qwen2", "qwen3", "llama3", "mistral", "phi3", "phi3_longrope", "gemma2", "gemma3"].filter {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/model.f16.gguf").path)
    }

    static func load(_ name: String) throws -> LoadedModel {
        try ModelLoader.load(root.appendingPathComponent("\(name)/model.f16.gguf").path)
    }

    @Test(arguments: cases)
    func inspectDocumentHoldsTogether(name: String) throws {
        let loaded = try Self.load(name)
        var r = InspectRequest(prompt: "The quick brown fox jumps over the lazy dog")
        r.steps = 32
        r.maxSteps = 256
        r.target = " fox"
        let doc = try InspectService.inspect(loaded, r)
        let T = doc.tokens.count
        // A target word is its own first token, never the BOS a prompt starts with (Llama 3, Gemma, Mistral, Phi-3).
        let fox = try loaded.tokenizer.encodeFragment(" fox")
        #expect(doc.attributions?.targetID == Int(fox[0]) && fox.first != loaded.tokenizer.bosID, "\(name): target \(fox)")
        #expect(doc.model?.architecture == loaded.architecture)
        // The logit lens at the last layer reads what the model predicts.
        let lens = try #require(doc.logitLens?.last)
        #expect(lens.top.first?.id == doc.positions.last?.top.first?.id, "\(name): lens \(lens.top.first?.id ?? -1)")
        // Direct logit attribution: embedding + constant + every layer's attention and MLP = the (uncapped) logit,
        // and each layer's heads sum to its attention.
        let dla = try #require(doc.directLogitAttribution)
        let sum = dla.embedding + dla.bias + dla.attention.reduce(0, +) + dla.mlp.reduce(0, +)
        #expect(abs(sum - dla.logit) < 1e-3 * max(1, abs(dla.logit)), "\(name): DLA parts \(sum) vs logit \(dla.logit)")
        for (l, heads) in dla.heads.enumerated() {
            #expect(abs(heads.reduce(0, +) - dla.attention[l]) < 1e-3 * max(1, abs(dla.attention[l])), "\(name) layer \(l): heads \(heads) vs \(dla.attention[l])")
        }
        // Integrated gradients: attributions sum to f(input) − f(baseline).
        let a = try #require(doc.attributions)
        #expect(abs(a.completenessRelativeGap) < 0.05, "\(name): completeness gap \(a.completenessRelativeGap)")
        // The contribution graph: each query's attention parts (tokens and the residual) sum to one.
        let graph = try #require(doc.contributionGraph)
        #expect(graph.layers.count == (loaded.model as! Llama).config.layers)
        for layer in graph.layers {
            for q in 0..<T {
                let s = layer.attnTokens[q].reduce(0, +) + layer.attnResid[q]
                #expect(abs(s - 1) < 1e-3, "\(name) layer \(layer.layer) query \(q): parts sum to \(s)")
            }
        }
        // Attention patterns: rows sum to one, nothing after the query.
        for layer in doc.attention ?? [] {
            for head in layer.pattern {
                for (q, row) in head.enumerated() {
                    #expect(abs(row.reduce(0, +) - 1) < 1e-3)
                    #expect(row.dropFirst(q + 1).allSatisfy { $0 == 0 })
                }
            }
        }
    }

    /// The model card lists every parameter: its component tree sums to the model's parameter count, and every
    /// weight has its statistics.
    @Test(arguments: cases)
    func modelCardCountsEveryParameter(name: String) throws {
        let loaded = try Self.load(name)
        let card = try InspectService.modelCard(loaded)
        #expect(card.components.parameters == loaded.parameterCount, "\(name): card \(card.components.parameters), model \(loaded.parameterCount)")
        #expect(card.weights.reduce(0) { $0 + $1.parameters } == loaded.parameterCount, "\(name): weights \(card.weights.reduce(0) { $0 + $1.parameters })")
    }

    /// Batched patching (one forward per layer over every variant) equals patching one run at a time.
    @Test(arguments: cases)
    func batchedPatchingEqualsOneAtATime(name: String) throws {
        let loaded = try Self.load(name)
        let tok = loaded.tokenizer
        // The tiny vocabularies split names differently: the corrupted run changes one token of the clean one.
        let clean = try tok.encodeText("When Mary and John went to the store, John gave a drink to")
        var corrupted = clean
        corrupted[clean.count / 2] = clean[1]
        let model = try #require(loaded.model as? any InspectableModel)
        let answer = clean[2], wrong = clean[3]
        var one = Patcher(model: model)
        one.batched = false
        let a = try Patcher(model: model).run(clean: clean, corrupted: corrupted, answer: answer, wrong: wrong)
        let b = try one.run(clean: clean, corrupted: corrupted, answer: answer, wrong: wrong)
        #expect(abs(a.cleanMetric - b.cleanMetric) < 1e-3 && abs(a.corruptedMetric - b.corruptedMetric) < 1e-3)
        let worst = zip(a.residual.joined(), b.residual.joined()).map { abs($0 - $1) }.max() ?? 0
        let worstHeads = zip(a.heads.joined(), b.heads.joined()).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 2e-3 && worstHeads < 2e-3, "\(name): residual \(worst), heads \(worstHeads)")
    }

    /// Removing every head of the last layer changes the next-token logits (the edit reaches the model).
    @Test(arguments: cases)
    func interventionsReachTheModel(name: String) throws {
        let loaded = try Self.load(name)
        let llama = try #require(loaded.model as? Llama)
        let ids = try loaded.tokenizer.encodeText("Once upon a time")
        let c = llama.config
        let edits = (0..<c.heads).map { Intervention.head(layer: c.layers - 1, head: $0, scale: 0) }
        let plain = GradMode.withoutGradients { llama.forward(ids, logits: .last).scalars }
        let edited = GradMode.withoutGradients { llama.forward(ids, logits: .last, hooks: Intervention.hooks(edits, shape: llama.shape)).scalars }
        #expect(zip(plain, edited).map { abs($0 - $1) }.max()! > 1e-3, "\(name): the ablation changed nothing")
    }
}
