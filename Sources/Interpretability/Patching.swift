import Foundation
import Models
import TensorCore

/// Activation patching (causal tracing): run the corrupted prompt with one activation taken from the clean run,
/// and measure how much of the clean behaviour comes back.
///
/// Metric m = logit(answer) − logit(wrong) at the last position; restored fraction = (m_patched − m_corrupted) /
/// (m_clean − m_corrupted): 1 = fully restored, 0 = no effect. Patch runs are batched: one forward per layer
/// covers every position (residual stream) or every head (attention output `hook_z`).
package struct PatchingResult: Sendable {
    package let cleanMetric: Float
    package let corruptedMetric: Float
    /// [layer][position]: patching `blocks.{L}.hook_resid_pre` at one position.
    package let residual: [[Float]]
    /// [layer][head]: patching one head's slice of `blocks.{L}.attn.hook_z` at every position.
    package let heads: [[Float]]
}

/// Some layers of one scan, as soon as they are computed: `Patcher.run` reports the layers in groups (the last
/// layers first: they are the cheapest), so a page can draw the maps as they fill.
package struct PatchRows: Sendable, Equatable, Codable {
    package enum Scan: String, Sendable, Codable { case residual, heads }
    package let scan: Scan
    /// The layers, in order; `restored[i]` is layer `layers[i]`'s row ([position] or [head]).
    package let layers: [Int]
    package let restored: [[Float]]
}

package struct Patcher {
    package let model: any InspectableModel

    /// Llama models run the scans layer by layer over all variants at once (`LlamaPatchScan`); false runs one
    /// batched forward of the whole model per layer, as for every other model (the tests compare the two).
    package var batched = true

    package init(model: any InspectableModel) { self.model = model }

    /// The metric for each sequence of a batched run on `embeddings` (B·T, D) with optional replacements.
    func metrics(_ ids: [Int32], embeddings: Tensor, answer: Int32, wrong: Int32, hooks: Hooks? = nil) -> [Float] {
        GradMode.withoutGradients {
            let logits = model.run(ids, logits: .last, embeddings: embeddings, hooks: hooks)   // (B, V)
            let V = model.shape.vocab, B = logits.count / V
            return (0..<B).map { logits.data[$0 * V + Int(answer)] - logits.data[$0 * V + Int(wrong)] }
        }
    }

    /// A batch of B copies of x (T, D) as (B·T, D).
    func repeated(_ x: Tensor, _ B: Int) -> Tensor {
        let n = x.count
        let out = Tensor(uninitialized: [B * x.shape[0], x.shape[1]])
        let src = x.contiguous().data
        for b in 0..<B { (out.data + b * n).update(from: src, count: n) }
        return out
    }

    /// Reports progress to `monitor` and stops when it is cancelled; `onMetrics` gets the metric on the clean and
    /// the corrupted prompt before the scans, `onRows` each group of layers of either scan as soon as it is done
    /// (the whole result is also returned).
    package func run(clean: [Int32], corrupted: [Int32], answer: Int32, wrong: Int32, monitor: WorkMonitor? = nil,
                    onMetrics: ((_ clean: Float, _ corrupted: Float) -> Void)? = nil, onRows: ((PatchRows) -> Void)? = nil) throws -> PatchingResult {
        try DequantizedWeights.scope {
            try runNow(clean: clean, corrupted: corrupted, answer: answer, wrong: wrong, monitor: monitor,
                       onMetrics: onMetrics ?? { _, _ in }, onRows: onRows ?? { _ in })
        }
    }

    /// Groups of patched layers, the last first, each with about `rows` rows per layer at least (so its products
    /// stay large enough to run at speed).
    static func groups(layers L: Int, rowsPerLayer: Int, rows: Int = 1024) -> [Range<Int>] {
        let g = max(1, (rows + max(rowsPerLayer, 1) - 1) / max(rowsPerLayer, 1))
        return stride(from: L, to: 0, by: -g).map { max(0, $0 - g)..<$0 }
    }

    func runNow(clean: [Int32], corrupted: [Int32], answer: Int32, wrong: Int32, monitor: WorkMonitor?,
                onMetrics: (Float, Float) -> Void, onRows: (PatchRows) -> Void) throws -> PatchingResult {
        guard !clean.isEmpty, clean.count == corrupted.count else {
            throw InterpretabilityError("patching needs two prompts of the same number of tokens (clean \(clean.count), corrupted \(corrupted.count))")
        }
        if batched, let batchable = model as? any BatchedPatchScanning,
           let scan = GradMode.withoutGradients({ batchable.patchScan(clean: clean, corrupted: corrupted, answer: answer, wrong: wrong) }) {
            // Layer by layer over every variant at once (LlamaPatchScan): the same numbers, a fraction of the work.
            return try GradMode.withoutGradients {
                let denom = scan.cleanMetric - scan.corruptedMetric
                func restored(_ m: Float) -> Float { denom == 0 ? 0 : (m - scan.corruptedMetric) / denom }
                onMetrics(scan.cleanMetric, scan.corruptedMetric)
                let L = model.shape.layers, T = clean.count, H = model.shape.heads
                // In groups of patched layers, the last first, each reported when done; progress in rows run.
                let rGroups = Self.groups(layers: L, rowsPerLayer: scan.residualRowsPerVariant)
                let hGroups = Self.groups(layers: L, rowsPerLayer: H * T)
                func work(_ g: Range<Int>, _ perVariant: Int) -> Double {
                    (g.lowerBound..<L).reduce(0) { $0 + Double(min($1 + 1, g.upperBound) - g.lowerBound) } * Double(perVariant)
                }
                monitor?.expect("patching", units: rGroups.reduce(0) { $0 + work($1, scan.residualRowsPerVariant) }
                                + hGroups.reduce(0) { $0 + work($1, H * T) })
                let advance: (Int) -> Void = { rows in monitor?.advance("patching", by: Double(rows)) }
                var residual = [[Float]](repeating: [], count: L), heads = [[Float]](repeating: [], count: L)
                for g in rGroups {
                    let rows = try scan.residualScan(layers: g, monitor: monitor, advance: advance).map { $0.map(restored) }
                    for (i, l) in g.enumerated() { residual[l] = rows[i] }
                    onRows(PatchRows(scan: .residual, layers: Array(g), restored: rows))
                }
                for g in hGroups {
                    let rows = try scan.headScan(layers: g, monitor: monitor, advance: advance).map { $0.map(restored) }
                    for (i, l) in g.enumerated() { heads[l] = rows[i] }
                    onRows(PatchRows(scan: .heads, layers: Array(g), restored: rows))
                }
                monitor?.progress("patching", 1)
                return PatchingResult(cleanMetric: scan.cleanMetric, corruptedMetric: scan.corruptedMetric, residual: residual, heads: heads)
            }
        }
        let c = model.shape, T = clean.count, D = c.dim, L = c.layers, H = c.heads, hs = c.headDim
        // The clean run's activations at the patched hook points.
        let cleanHooks = Hooks(cache: { $0.hasSuffix("hook_resid_pre") || $0.hasSuffix("attn.hook_z") })
        let cleanEmb = model.tokenEmbeddings(clean), corruptEmb = model.tokenEmbeddings(corrupted)
        let mClean = metrics(clean, embeddings: cleanEmb, answer: answer, wrong: wrong, hooks: cleanHooks)[0]
        let mCorrupt = metrics(corrupted, embeddings: corruptEmb, answer: answer, wrong: wrong)[0]
        let denom = mClean - mCorrupt
        func restored(_ m: Float) -> Float { denom == 0 ? 0 : (m - mCorrupt) / denom }
        onMetrics(mClean, mCorrupt)

        var residual: [[Float]] = [], heads: [[Float]] = []
        for l in 0..<L {
            try monitor?.check()
            monitor?.progress("patching", Double(l) / Double(L))
            // Sequence p of the batch gets the clean residual at position p.
            let cleanResid = try hook(cleanHooks.cache, "blocks.\(l).hook_resid_pre").contiguous()
            let r = Hooks(replacements: ["blocks.\(l).hook_resid_pre": { x in
                let y = Tensor(uninitialized: x.shape)
                y.copyValues(from: x)
                for p in 0..<T { (y.data + (p * T + p) * D).update(from: cleanResid.data + p * D, count: D) }
                return y
            }])
            residual.append(metrics(corrupted, embeddings: repeated(corruptEmb, T), answer: answer, wrong: wrong, hooks: r).map(restored))
            onRows(PatchRows(scan: .residual, layers: [l], restored: [residual[l]]))
            // Sequence h of the batch gets head h's clean output at every position.
            let cleanZ = try hook(cleanHooks.cache, "blocks.\(l).attn.hook_z").contiguous()
            let z = Hooks(replacements: ["blocks.\(l).attn.hook_z": { x in
                let y = Tensor(uninitialized: x.shape)
                y.copyValues(from: x)
                for h in 0..<H {
                    for t in 0..<T {
                        (y.data + (h * T + t) * H * hs + h * hs).update(from: cleanZ.data + t * H * hs + h * hs, count: hs)
                    }
                }
                return y
            }])
            heads.append(metrics(corrupted, embeddings: repeated(corruptEmb, H), answer: answer, wrong: wrong, hooks: z).map(restored))
            onRows(PatchRows(scan: .heads, layers: [l], restored: [heads[l]]))
        }
        monitor?.progress("patching", 1)
        return PatchingResult(cleanMetric: mClean, corruptedMetric: mCorrupt, residual: residual, heads: heads)
    }
}
