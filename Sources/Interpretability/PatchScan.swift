import Foundation
import Models
import TensorCore

/// The patching scans of `Patcher` for Llama, computed layer by layer over every variant at once, with only the
/// work that patching can change.
///
/// Patching the residual stream entering layer l at position p leaves layers 0..<l and positions 0..<p exactly
/// as in the corrupted run (attention is causal). So variant (l, p) needs layers l..<L at positions p..<T only,
/// its attention reading the corrupted run's keys and values for positions 0..<p. The scan walks the layers once:
/// at layer j every variant with l ≤ j is live (rows grouped by p: the variants of one p are a batch of
/// equal-length suffixes sharing the corrupted prefix), the variant l = j joins, and the row-wise parts (norms,
/// projections, MLP) run as one matrix product over all live rows. Work: Σ_l (L − l) · Σ_p (T − p) rows of a
/// layer, ~1/4 of L·T full forwards; and each weight is dequantised once (`DequantizedWeights`).
///
/// Patching head h's output at layer l (all positions) leaves layers 0..<l and layer l's attention as in the
/// corrupted run: the variant joins at layer l after its attention, as the corrupted residual plus the output
/// projection of the patched head outputs, and runs whole blocks from layer l + 1.
///
/// Exact up to summation order: the blocks are the model's own (`Llama.attentionBlock`, `Llama.mlpBlock`).
struct LlamaPatchScan {
    let model: Llama
    let T: Int
    /// Corrupted run: the residual entering each layer (T, D), the rotated keys and values (T, kvw), each
    /// layer's head outputs (T, C).
    let corruptedResid: [Tensor], corruptedZ: [Tensor]
    let cache: KVCache
    /// Clean run: the residual entering each layer, each layer's head outputs.
    let cleanResid: [Tensor], cleanZ: [Tensor]
    let answer: Int32, wrong: Int32
    /// The metric on the clean and on the corrupted prompt.
    let cleanMetric: Float, corruptedMetric: Float
    /// Rotary tables for positions 0..<T (rows gathered per batch).
    let rope: LayerRoPE

    init(model: Llama, clean: [Int32], corrupted: [Int32], answer: Int32, wrong: Int32) {
        self.model = model
        T = clean.count
        self.answer = answer; self.wrong = wrong
        let L = model.config.layers
        func wanted(_ name: String) -> Bool { name.hasSuffix("hook_resid_pre") || name.hasSuffix("attn.hook_z") }
        let cleanHooks = Hooks(cache: wanted), corruptHooks = Hooks(cache: wanted)
        let kv = model.makeCache(capacity: clean.count)
        let (lc, lk) = GradMode.withoutGradients {
            (model.forward(clean, logits: .last, hooks: cleanHooks), model.forward(corrupted, cache: kv, logits: .last, hooks: corruptHooks))
        }
        cache = kv
        cleanMetric = lc.data[Int(answer)] - lc.data[Int(wrong)]
        corruptedMetric = lk.data[Int(answer)] - lk.data[Int(wrong)]
        let layers = { (h: Hooks, suffix: String) -> [Tensor] in
            (0..<L).map { h.cache["blocks.\($0).\(suffix)"]!.contiguous() }     // cached by the forwards just run
        }
        cleanResid = layers(cleanHooks, "hook_resid_pre"); cleanZ = layers(cleanHooks, "attn.hook_z")
        corruptedResid = layers(corruptHooks, "hook_resid_pre"); corruptedZ = layers(corruptHooks, "attn.hook_z")
        rope = model.ropeTables(positions: Array(0..<T))
    }

    /// logit(answer) − logit(wrong) at the given rows of final residuals (n, D).
    func metrics(_ x: Tensor) -> [Float] {
        let c = model.config
        let read = model.output.rows([answer, wrong])                                   // (2, D)
        let l = x.rmsNorm(weight: model.outputNorm, eps: c.normEps).linear(read, layout: .outIn)   // (n, 2)
        return (0..<(l.count / 2)).map { l.data[2 * $0] - l.data[2 * $0 + 1] }
    }

    /// Rows `rows` of x gathered into a new (rows.count, width) tensor.
    func gather(_ x: Tensor, _ rows: [Int]) -> Tensor {
        let w = x.shape[x.rank - 1], src = x.contiguous()
        let out = Tensor(uninitialized: [rows.count, w])
        for (i, r) in rows.enumerated() { (out.data + i * w).update(from: src.data + r * w, count: w) }
        return out
    }

    /// The rows of several (n_i, D) tensors, one after the other.
    func stacked(_ parts: [Tensor]) -> Tensor {
        if parts.count == 1 { return parts[0] }
        let w = parts[0].shape[1]
        let out = Tensor(uninitialized: [parts.reduce(0) { $0 + $1.shape[0] }, w])
        var at = out.data
        for t in parts {
            let t = t.contiguous()
            at.update(from: t.data, count: t.count)
            at += t.count
        }
        return out
    }

    /// Rows of one layer per variant of the residual scan: Σ_p (T − p).
    var residualRowsPerVariant: Int { T * (T + 1) / 2 }

    /// [layer][position] for the patched layers `layers` (in order): the metric with the residual entering the
    /// layer at `position` taken from the clean run. `advance(rows)` after each layer with the rows it ran.
    func residualScan(layers: Range<Int>, monitor: WorkMonitor?, advance: (Int) -> Void) throws -> [[Float]] {
        let c = model.config, L = c.layers, D = c.dim, kvw = c.kvHeads * c.headDim, C = c.heads * c.headDim
        let a = layers.lowerBound, b = layers.upperBound
        // Rows at layer j: for each p, the live variants (l = a ..< min(j + 1, b)), each positions p..<T.
        func offsets(_ live: Int) -> [Int] {
            var o = [0]
            for p in 0..<T { o.append(o[p] + live * (T - p)) }
            return o
        }
        var x: Tensor? = nil
        for j in a..<L {
            try monitor?.check()
            let before = min(j, b) - a, joins = j < b, live = before + (joins ? 1 : 0)
            let old = offsets(before), new = offsets(live)
            let next: Tensor
            if joins {
                next = Tensor(uninitialized: [new[T], D])
                for p in 0..<T {
                    let n = T - p
                    if let x { (next.data + new[p] * D).update(from: x.data + old[p] * D, count: before * n * D) }
                    // The variant joining at this layer: the corrupted residual from p on, with the clean one at p.
                    let joined = next.data + (new[p] + before * n) * D
                    joined.update(from: corruptedResid[j].data + p * D, count: n * D)
                    joined.update(from: cleanResid[j].data + p * D, count: D)
                }
            } else {
                next = x!                                       // j ≥ b > a: a variant has joined
            }
            var positions: [Int] = []
            positions.reserveCapacity(new[T])
            for p in 0..<T { for _ in 0..<live { positions += p..<T } }
            let h = model.attentionBlock(j, next, rope: rope.gathering(positions), hooks: nil) { q, k, v in
                let z = Tensor(uninitialized: [new[T], C])
                let q = q.contiguous(), k = k.contiguous(), v = v.contiguous()
                for p in 0..<T {
                    let n = T - p, rows = new[p]
                    let qg = Tensor(uninitialized: [live, n, C])
                    qg.data.update(from: q.data + rows * C, count: live * n * C)
                    // Each variant's keys: the corrupted prefix, then its own suffix.
                    let keys = Tensor(uninitialized: [live, T, kvw]), values = Tensor(uninitialized: [live, T, kvw])
                    for s in 0..<live {
                        let kd = keys.data + s * T * kvw, vd = values.data + s * T * kvw
                        kd.update(from: cache.keys[j].data, count: p * kvw)
                        vd.update(from: cache.values[j].data, count: p * kvw)
                        (kd + p * kvw).update(from: k.data + (rows + s * n) * kvw, count: n * kvw)
                        (vd + p * kvw).update(from: v.data + (rows + s * n) * kvw, count: n * kvw)
                    }
                    let a = Tensor.suffixAttention(q: qg, keys: keys, values: values, heads: c.heads, kvHeads: c.kvHeads)
                    (z.data + rows * C).update(from: a.output.data, count: live * n * C)
                }
                return z
            }
            x = model.mlpBlock(j, h, hooks: nil)
            BufferMemory.trim(to: 64 << 20)          // the next layer's batch is larger: these sizes do not come again
            advance(new[T])
        }
        guard let x else { return [] }
        // Variant (l, p)'s last position.
        let o = offsets(b - a)
        let last = (0..<(b - a)).flatMap { l in (0..<T).map { p in o[p] + l * (T - p) + (T - p - 1) } }
        let m = metrics(gather(x, last))
        return (0..<(b - a)).map { l in Array(m[(l * T)..<((l + 1) * T)]) }
    }

    /// [layer][head] for the patched layers `layers` (in order): the metric with head h's output at the layer
    /// (every position) taken from the clean run. `advance(rows)` after each layer with the rows it ran.
    func headScan(layers: Range<Int>, monitor: WorkMonitor?, advance: (Int) -> Void) throws -> [[Float]] {
        let c = model.config, L = c.layers, H = c.heads, hs = c.headDim, C = H * hs, D = c.dim
        let a = layers.lowerBound, b = layers.upperBound
        var x: Tensor? = nil                                  // (live · T, D), variants (l, h) in order
        for j in a..<L {
            try monitor?.check()
            // Variants that joined before: a whole block.
            var mid: [Tensor] = []
            if let x {
                let live = x.shape[0] / T
                let table = rope.gathering((0..<live).flatMap { _ in 0..<T })
                mid.append(model.attentionBlock(j, x, rope: table, hooks: nil) { q, k, v in
                    Tensor.causalAttention(q: q.reshaped([live, T, -1]), k: k.reshaped([live, T, -1]), v: v.reshaped([live, T, -1]),
                                           heads: c.heads, kvHeads: c.kvHeads).output.reshaped([live * T, -1])
                })
            }
            if j < b {
                // The H variants joining after this layer's attention: the corrupted residual plus the output
                // projection of the corrupted head outputs with head h's taken from the clean run.
                let z = Tensor(uninitialized: [H * T, C]), resid = Tensor(uninitialized: [H * T, D])
                for h in 0..<H {
                    (z.data + h * T * C).update(from: corruptedZ[j].data, count: T * C)
                    (resid.data + h * T * D).update(from: corruptedResid[j].data, count: T * D)
                    for t in 0..<T { (z.data + (h * T + t) * C + h * hs).update(from: cleanZ[j].data + t * C + h * hs, count: hs) }
                }
                mid.append(resid + model.layers[j].wo(z))
            }
            let block = stacked(mid)
            x = model.mlpBlock(j, block, hooks: nil)
            BufferMemory.trim(to: 64 << 20)
            advance(block.shape[0])
        }
        guard let x else { return [] }
        // Variant (l, h) is row block (l − a)·H + h; its last position.
        let n = b - a
        let m = metrics(gather(x, (0..<(n * H)).map { $0 * T + T - 1 }))
        return (0..<n).map { l in Array(m[(l * H)..<((l + 1) * H)]) }
    }
}

/// Models whose patching scans run batched, layer by layer over every variant at once.
protocol BatchedPatchScanning: InspectableModel {
    /// The scan of these prompts, computed up to the patched layers; nil where the model's block has a part the
    /// batched scan does not follow (it then runs variant by variant).
    func patchScan(clean: [Int32], corrupted: [Int32], answer: Int32, wrong: Int32) -> LlamaPatchScan?
}

extension Llama: BatchedPatchScanning {
    /// Only the plain block: the scan adds each head's output projection straight to the residual, so a norm on
    /// the attention output (Gemma's) or a soft-cap is left to the variant-by-variant path.
    func patchScan(clean: [Int32], corrupted: [Int32], answer: Int32, wrong: Int32) -> LlamaPatchScan? {
        guard config.isPlainLlama, layers.allSatisfy({ $0.postAttentionNorm == nil && $0.postMLPNorm == nil }) else { return nil }
        return LlamaPatchScan(model: self, clean: clean, corrupted: corrupted, answer: answer, wrong: wrong)
    }
}
