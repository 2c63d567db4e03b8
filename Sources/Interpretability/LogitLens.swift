import Foundation
import Models
import NeuralNet
import TensorCore

/// Token ids with probabilities, most likely first.
package typealias TopTokens = [(id: Int32, probability: Float)]

/// The top-k of softmax(logits), with the entropy (nats) and the probability and rank of one token.
package struct Distribution: Sendable {
    package let top: TopTokens
    package let entropy: Float
    package let chosenRank: Int?
    package let chosenProbability: Float?

    package init(logits: UnsafeBufferPointer<Float>, k: Int, chosen: Int32? = nil) {
        let m = logits.max() ?? 0
        var z = 0.0
        for l in logits { z += Foundation.exp(Double(l - m)) }
        var h = 0.0
        for l in logits {
            let p = Foundation.exp(Double(l - m)) / z
            if p > 0 { h -= p * Foundation.log(p) }
        }
        entropy = Float(h)
        top = topKIndices(logits, k).map { (Int32($0), Float(Foundation.exp(Double(logits[$0] - m)) / z)) }
        if let chosen, Int(chosen) < logits.count {
            let lc = logits[Int(chosen)]
            chosenRank = logits.enumerated().filter { $0.element > lc || ($0.element == lc && $0.offset < Int(chosen)) }.count
            chosenProbability = Float(Foundation.exp(Double(lc - m)) / z)
        } else {
            chosenRank = nil; chosenProbability = nil
        }
    }
}

/// Logit lens (nostalgebraist 2020): the final norm and unembedding applied to the residual stream at every layer
/// boundary. Entry 0 reads the embeddings, entry L the output of block L−1; the last entry is the model's own
/// next-token distribution.
package struct LogitLens: Sendable {
    package struct Entry: Sendable {
        package let layer: Int
        package let distribution: Distribution
    }
    /// One entry per layer boundary at the analysed position.
    package let entries: [Entry]
    package let position: Int
    /// The finally predicted token and its rank at every boundary.
    package let finalToken: Int32
    package var finalTokenRanks: [Int] { entries.map { $0.distribution.chosenRank ?? -1 } }

    /// From a cache holding `blocks.{L}.hook_resid_post` for every layer and `hook_embed`.
    package init(model: any InspectableModel, cache: [String: Tensor], position: Int, topK: Int) throws {
        var residuals = [try hook(cache, "hook_embed")]
        for l in 0..<model.shape.layers { residuals.append(try hook(cache, "blocks.\(l).hook_resid_post")) }
        let rows = residuals.map { $0.narrow(start: position, length: 1) }
        let stacked = GradMode.withoutGradients { () -> Tensor in
            let x = Tensor(uninitialized: [rows.count, model.shape.dim])
            for (i, r) in rows.enumerated() { (x.data + i * model.shape.dim).update(from: r.contiguous().data, count: model.shape.dim) }
            return model.unembed(x)   // (L+1, V)
        }
        let V = model.shape.vocab
        let last = UnsafeBufferPointer(start: stacked.data + (rows.count - 1) * V, count: V)
        let final = Distribution(logits: last, k: 1).top[0].id
        finalToken = final
        entries = (0..<rows.count).map { i in
            Entry(layer: i, distribution: Distribution(logits: UnsafeBufferPointer(start: stacked.data + i * V, count: V),
                                                       k: topK, chosen: final))
        }
        self.position = position
    }
}

/// Names of the hook points that an analysis needs.
package enum HookNames {
    package static func residuals(layers: Int) -> Set<String> {
        Set(["hook_embed"] + (0..<layers).map { "blocks.\($0).hook_resid_post" })
    }
}

/// The logit lens at every position (for the layers × positions grid): per layer boundary and position, the top
/// token and its probability, and the rank there of the token the model finally predicts at that position.
package struct LogitLensGrid: Sendable {
    /// [boundary][position]
    package let top: [[Int32]]
    package let probability: [[Float]]
    package let finalRank: [[Int]]

    /// From a cache holding `HookNames.residuals(layers:)` (one sequence). Positions go through the unembedding
    /// in chunks, so memory stays at chunk × vocabulary floats.
    package init(model: any InspectableModel, cache: [String: Tensor], chunk: Int = 128) throws {
        var residuals = [try hook(cache, "hook_embed").contiguous()]
        for l in 0..<model.shape.layers { residuals.append(try hook(cache, "blocks.\(l).hook_resid_post").contiguous()) }
        let D = model.shape.dim, V = model.shape.vocab, T = residuals[0].count / D
        func unembed(_ r: Tensor, _ start: Int, _ n: Int) -> Tensor {
            GradMode.withoutGradients { model.unembed(r.narrow(start: start, length: n)) }
        }
        var top = [[Int32]](repeating: [], count: residuals.count)
        var prob = [[Float]](repeating: [], count: residuals.count)
        var rank = [[Int]](repeating: [], count: residuals.count)
        var start = 0
        while start < T {
            let n = min(chunk, T - start)
            let finalLogits = unembed(residuals[residuals.count - 1], start, n)
            let finals: [Int] = (0..<n).map { t in
                let row = UnsafeBufferPointer(start: finalLogits.data + t * V, count: V)
                return topKIndices(row, 1)[0]
            }
            for (i, r) in residuals.enumerated() {
                let logits = i == residuals.count - 1 ? finalLogits : unembed(r, start, n)
                for t in 0..<n {
                    let row = UnsafeBufferPointer(start: logits.data + t * V, count: V)
                    let best = topKIndices(row, 1)[0]
                    let m = row[best]
                    var z = 0.0
                    for v in row { z += Foundation.exp(Double(v - m)) }
                    let lf = row[finals[t]]
                    var above = 0
                    for (j, v) in row.enumerated() where v > lf || (v == lf && j < finals[t]) { above += 1 }
                    top[i].append(Int32(best)); prob[i].append(Float(1 / z)); rank[i].append(above)
                }
            }
            start += n
        }
        self.top = top; probability = prob; finalRank = rank
    }
}
