import Foundation
import Testing
import ModelFormats
import Models
import NeuralNet
import TensorCore
@testable import Interpretability

/// The contribution graph against ../shared/fixtures/contribution_graph (copied to Fixtures/contribution_graph:
/// SmolLM2, float64 from float32 activations; FORMAT.md: a float32 implementation agrees to ~1e-4) and against
/// scripts/make-contribution-graph-fixture.py on the tiny GPT-2 (Fixtures/contribution_graph_tiny_gpt2.json).
@Suite("Contribution graph")
struct ContributionGraphTests {
    static let folder = fixtures.appendingPathComponent("contribution_graph")

    static func ids(prompt: Int) throws -> [Int32] {
        let data = try Data(contentsOf: folder.appendingPathComponent("prompt_\(prompt).json"))
        let j = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(j["input_ids"] as? [Int]).map(Int32.init)
    }

    /// Max |ours − reference| over one tensor, flattened row-major.
    static func maxAbsDiff(_ ours: [Float], _ ref: [Float]) -> Float {
        precondition(ours.count == ref.count, "\(ours.count) values vs \(ref.count)")
        return zip(ours, ref).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Per (L, q): the attention parts and the MLP parts each add up to 1; heads and tokens share one total.
    static func worstSumError(_ g: ContributionGraph) -> Float {
        var worst: Float = 0
        for layer in g.layers {
            for q in 0..<g.positions {
                let tokens = layer.attnTokens[q].reduce(0, +), heads = layer.attnHeads[q].reduce(0, +)
                worst = max(worst, abs(tokens + layer.attnResid[q] - 1), abs(heads + layer.attnResid[q] - 1),
                            abs(layer.mlp[q] + layer.mlpResid[q] - 1))
                for k in (q + 1)..<g.positions where layer.attnTokens[q][k] != 0 { worst = .infinity }
            }
        }
        return worst
    }

    @Test(arguments: [0, 1, 2])
    func smolLM2MatchesTheReference(prompt: Int) throws {
        let ids = try Self.ids(prompt: prompt)
        let g = try ContributionGraph(model: model, ids: ids)
        let T = ids.count
        #expect(g.positions == T && g.heads == 9 && g.layers.count == 30)
        #expect(g.layers.enumerated().allSatisfy { $0.offset == $0.element.layer })
        let f = try SafeTensorsFile(path: Self.folder.appendingPathComponent("prompt_\(prompt).safetensors").path)
        let ours: [(String, [Float])] = [
            ("attn_tokens", g.layers.flatMap { $0.attnTokens.flatMap { $0 } }),
            ("attn_heads", g.layers.flatMap { $0.attnHeads.flatMap { $0 } }),
            ("attn_resid", g.layers.flatMap(\.attnResid)),
            ("mlp", g.layers.flatMap(\.mlp)),
            ("mlp_resid", g.layers.flatMap(\.mlpResid)),
        ]
        var report: [String] = []
        for (name, values) in ours {
            let d = Self.maxAbsDiff(values, try f.floats(name))
            report.append("\(name) \(d)")
            #expect(d < 1e-3, "prompt \(prompt) \(name): max abs diff \(d)")
        }
        let sums = Self.worstSumError(g)
        print("contribution graph, SmolLM2 prompt \(prompt) (T = \(T)): max abs diff \(report.joined(separator: ", ")); sums \(sums)")
        #expect(sums < 1e-5, "prompt \(prompt): parts add up to 1 within \(sums)")
    }

    /// GPT-2 (LayerNorm, Conv1D, biases): against the PyTorch script, with every bias set to the script's pattern.
    @Test func tinyGPT2MatchesPyTorch() throws {
        let gpt = try GPT.load(folder: fixtures.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("NeuralNetTests/Fixtures/tiny_gpt2"))
        for (l, block) in gpt.h.enumerated() {
            let biases = [(block.attn.cAttn.bias, 1), (block.attn.cProj.bias, 2), (block.mlp.cFc.bias, 3), (block.mlp.cProj.bias, 4)]
            for (bias, s) in biases {
                let b = try #require(bias)
                for i in 0..<b.count { b.data[i] = Float(((7 * i + 5 * l + 3 * s) % 13) - 6) / 256 }
            }
        }
        struct Reference: Decodable {
            let input_ids: [Int32]
            let layers: [ContributionGraph.LayerContributions]
        }
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf:
            fixtures.appendingPathComponent("contribution_graph_tiny_gpt2.json")))
        let g = try ContributionGraph(model: gpt, ids: ref.input_ids)
        #expect(g.positions == 16 && g.heads == 4 && g.layers.count == 2)
        var worst: Float = 0
        for (ours, theirs) in zip(g.layers, ref.layers) {
            for (a, b) in [(ours.attnTokens.flatMap { $0 }, theirs.attnTokens.flatMap { $0 }),
                           (ours.attnHeads.flatMap { $0 }, theirs.attnHeads.flatMap { $0 }),
                           (ours.attnResid, theirs.attnResid), (ours.mlp, theirs.mlp), (ours.mlpResid, theirs.mlpResid)] {
                worst = max(worst, Self.maxAbsDiff(a, b))
            }
        }
        let sums = Self.worstSumError(g)
        print("contribution graph, tiny GPT-2: max abs diff \(worst) vs PyTorch; sums \(sums)")
        #expect(worst < 1e-4)
        #expect(sums < 1e-5)
    }

    @Test func missingHookPointsThrow() throws {
        let ids: [Int32] = [504, 3575, 282, 4649, 314]
        #expect(throws: InterpretabilityError.self) { try ContributionGraph(model: model, cache: [:], positions: 5) }
        #expect(throws: InterpretabilityError.self) { try ContributionGraph(model: model, ids: []) }
        let names = ContributionGraph.hookNames(model: model)
        let hooks = Hooks(cache: { names.contains($0) && $0 != "blocks.7.attn.hook_pattern" })
        _ = GradMode.withoutGradients { model.run(ids, logits: .last, hooks: hooks) }
        do {
            _ = try ContributionGraph(model: model, cache: hooks.cache, positions: 5)
            Issue.record("a missing hook point did not throw")
        } catch let e as InterpretabilityError {
            #expect(e.description.contains("blocks.7.attn.hook_pattern"), "\(e)")
        }
        // A cache of another length is refused, not read out of bounds.
        #expect(throws: InterpretabilityError.self) { try ContributionGraph(model: model, cache: hooks.cache, positions: 6) }
    }

    @Test func jsonUsesSnakeCaseAndRoundTrips() throws {
        let g = try ContributionGraph(model: model, ids: [504, 3575, 282])
        let data = try JSONEncoder().encode(g)
        let j = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(j.keys) == ["positions", "heads", "layers"])
        let first = try #require((j["layers"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["layer", "attn_tokens", "attn_heads", "attn_resid", "mlp", "mlp_resid"])
        #expect(try JSONDecoder().decode(ContributionGraph.self, from: data) == g)
    }

    /// The inspect page's first-answer budget: one forward plus the graph for 32 tokens under 1 s on 2 cores.
    /// Prints the times for 32 tokens (best of 3) and 256 tokens (one run): the hooked forward, then the graph
    /// from its cache. Not asserted: these shared machines are noisy.
    @Test func timing() throws {
        let prompt = try (0..<3).flatMap { try Self.ids(prompt: $0) }
        let names = ContributionGraph.hookNames(model: model)
        let clock = ContinuousClock()
        for (T, runs) in [(32, 3), (256, 1)] {
            let ids = (0..<T).map { prompt[$0 % prompt.count] }
            var forward = Duration.seconds(1000), graph = Duration.seconds(1000)
            for _ in 0..<runs {
                let hooks = Hooks(cache: { names.contains($0) })
                let t0 = clock.now
                _ = GradMode.withoutGradients { model.run(ids, logits: .last, hooks: hooks) }
                let t1 = clock.now
                let g = try ContributionGraph(model: model, cache: hooks.cache, positions: T)
                let t2 = clock.now
                forward = min(forward, t1 - t0); graph = min(graph, t2 - t1)
                #expect(g.layers.count == 30 && Self.worstSumError(g) < 1e-5)
            }
            print("contribution graph timing, SmolLM2, T = \(T), \(Parallel.threads) threads (best of \(runs)): "
                  + "hooked forward \(forward), graph from the cache \(graph)")
        }
    }
}
