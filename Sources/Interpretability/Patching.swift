import Foundation
import Models
import TensorCore

/// Activation patching (causal tracing): run the corrupted prompt with one activation taken from the clean run,
/// and measure how much of the clean behaviour comes back.
///
/// Metric m = logit(answer) − logit(wrong) at the last position; restored fraction = (m_patched − m_corrupted) /
/// (m_clean − m_corrupted): 1 = fully restored, 0 = no effect. Patch runs are batched: one forward per layer
/// covers every position (residual stream) or every head (attention output `hook_z`).
public struct PatchingResult: Sendable {
    public let cleanMetric: Float
    public let corruptedMetric: Float
    /// [layer][position]: patching `blocks.{L}.hook_resid_pre` at one position.
    public let residual: [[Float]]
    /// [layer][head]: patching one head's slice of `blocks.{L}.attn.hook_z` at every position.
    public let heads: [[Float]]
}

public struct Patcher {
    public let model: any InspectableModel

    /// Llama models run the scans layer by layer over all variants at once (`LlamaPatchScan`); false runs one
    /// batched forward of the whole model per layer, as for every other model (the tests compare the two).
    public var batched = true

    public init(model: any InspectableModel) { self.model = model }

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

    /// Reports progress per layer to `monitor` and stops when it is cancelled.
    public func run(clean: [Int32], corrupted: [Int32], answer: Int32, wrong: Int32, monitor: WorkMonitor? = nil) throws -> PatchingResult {
        try DequantizedWeights.scope { try runNow(clean: clean, corrupted: corrupted, answer: answer, wrong: wrong, monitor: monitor) }
    }

    func runNow(clean: [Int32], corrupted: [Int32], answer: Int32, wrong: Int32, monitor: WorkMonitor?) throws -> PatchingResult {
        guard !clean.isEmpty, clean.count == corrupted.count else {
            throw InterpretabilityError("patching needs two prompts of the same number of tokens (clean \(clean.count), corrupted \(corrupted.count))")
        }
        if batched, let llama = model as? Llama {
            // Layer by layer over every variant at once (LlamaPatchScan): the same numbers, a fraction of the work.
            return try GradMode.withoutGradients {
                let scan = LlamaPatchScan(model: llama, clean: clean, corrupted: corrupted, answer: answer, wrong: wrong)
                let denom = scan.cleanMetric - scan.corruptedMetric
                func restored(_ m: Float) -> Float { denom == 0 ? 0 : (m - scan.corruptedMetric) / denom }
                // Progress in proportion to the work: the residual scan is ~2/3 of it at typical lengths.
                let residual = try scan.residualScan(monitor: monitor) { monitor?.progress("patching", 0.65 * $0) }
                let heads = try scan.headScan(monitor: monitor) { monitor?.progress("patching", 0.65 + 0.35 * $0) }
                return PatchingResult(cleanMetric: scan.cleanMetric, corruptedMetric: scan.corruptedMetric,
                                      residual: residual.map { $0.map(restored) }, heads: heads.map { $0.map(restored) })
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
        }
        monitor?.progress("patching", 1)
        return PatchingResult(cleanMetric: mClean, corruptedMetric: mCorrupt, residual: residual, heads: heads)
    }
}
