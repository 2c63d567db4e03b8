import Foundation
import Testing
import Models
import TensorCore
@testable import Interpretability

@Suite("Activation patching")
struct PatchingTests {
    // "The Eiffel Tower is located in the city of", corrupted by replacing " E" with " Rome": " Paris" vs " Rome".
    let clean: [Int32] = [504, 414, 46682, 18669, 314, 3807, 281, 260, 2240, 282]

    @Test func sanity() throws {
        let paris: Int32 = 7042, rome: Int32 = 7268
        let corrupted = [504, rome] + Array(clean.dropFirst(2))  // "The Rome iffel Tower ..."
        let p = Patcher(model: model)
        let emb = model.tokenEmbedding.rows(corrupted)
        // Patching nothing restores 0%.
        let none = p.metrics(corrupted, embeddings: emb, answer: paris, wrong: rome)[0]
        let r = try p.run(clean: clean, corrupted: corrupted, answer: paris, wrong: rome)
        #expect(abs(none - r.corruptedMetric) < 1e-4)
        #expect(r.cleanMetric != r.corruptedMetric)
        // Patching the whole clean residual stream at the last layer restores 100%.
        let L = model.config.layers
        let cleanHooks = Hooks(cache: { $0 == "blocks.\(L - 1).hook_resid_post" })
        _ = GradMode.withoutGradients { model.forward(clean, hooks: cleanHooks) }
        let cleanPost = cleanHooks.cache["blocks.\(L - 1).hook_resid_post"]!
        let full = Hooks(replacements: ["blocks.\(L - 1).hook_resid_post": { _ in cleanPost }])
        let m = p.metrics(corrupted, embeddings: emb, answer: paris, wrong: rome, hooks: full)[0]
        #expect(abs((m - r.corruptedMetric) / (r.cleanMetric - r.corruptedMetric) - 1) < 1e-4)
        // At layer 0 the residual stream is the embeddings: patching the changed position restores everything,
        // patching an unchanged one nothing.
        #expect(abs(r.residual[0][1] - 1) < 1e-3)
        #expect(abs(r.residual[0][5]) < 1e-4)
        #expect(r.residual.count == L && r.residual[0].count == clean.count && r.heads[0].count == model.config.heads)
    }

    /// The layer-by-layer scan over every variant at once (LlamaPatchScan) gives the numbers of one whole
    /// batched forward per layer with hook replacements, for every layer, position and head.
    @Test func batchedScanMatchesHookedForwards() throws {
        let paris: Int32 = 7042, rome: Int32 = 7268
        let corrupted = [504, rome] + Array(clean.dropFirst(2))
        var plain = Patcher(model: model)
        plain.batched = false
        // Streamed in groups of layers, the last first, each layer of each scan once, as in the result.
        var streamed: [PatchRows] = [], metrics: (Float, Float)? = nil
        let a = try Patcher(model: model).run(clean: clean, corrupted: corrupted, answer: paris, wrong: rome,
                                              onMetrics: { metrics = ($0, $1) }, onRows: { streamed.append($0) })
        let b = try plain.run(clean: clean, corrupted: corrupted, answer: paris, wrong: rome)
        #expect(metrics?.0 == a.cleanMetric && metrics?.1 == a.corruptedMetric)
        for (scan, result) in [(PatchRows.Scan.residual, a.residual), (.heads, a.heads)] {
            let groups = streamed.filter { $0.scan == scan }
            #expect(groups.count > 1, "\(scan) came in one piece")
            #expect(groups.flatMap(\.layers).sorted() == Array(0..<result.count))
            #expect(groups.first?.layers.last == result.count - 1, "the last layers come first")
            for g in groups { for (l, row) in zip(g.layers, g.restored) { #expect(row == result[l]) } }
        }
        #expect(abs(a.cleanMetric - b.cleanMetric) < 1e-4 && abs(a.corruptedMetric - b.corruptedMetric) < 1e-4)
        for (x, y) in zip(a.residual + a.heads, b.residual + b.heads) {
            #expect(x.count == y.count)
            for (u, v) in zip(x, y) { #expect(abs(u - v) < 1e-3, "restored \(u) vs \(v)") }
        }
        #expect(a.residual.count == b.residual.count && a.heads.count == b.heads.count)
        // A cancelled scan stops with the cancellation error.
        let monitor = WorkMonitor()
        monitor.cancel()
        #expect(throws: InterpretabilityError.self) {
            _ = try Patcher(model: model).run(clean: clean, corrupted: corrupted, answer: paris, wrong: rome, monitor: monitor)
        }
    }
}
