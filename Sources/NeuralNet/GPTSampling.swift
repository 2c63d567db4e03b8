import TensorCore

extension GPT {
    /// Samples `count` tokens after `prompt` (no KV cache: each step reruns the last `blockSize` tokens).
    /// temperature 0 is greedy; otherwise softmax(logits / temperature), optionally restricted to the top k.
    public func sample(prompt: TokenIDs, count: Int, temperature: Float = 1, topK: Int = 0,
                       rng: inout RandomGenerator) -> TokenIDs {
        var ids = prompt.isEmpty ? [0] : prompt
        var out: TokenIDs = []
        GradMode.withoutGradients {
            for _ in 0..<count {
                let context = Array(ids.suffix(config.blockSize))
                let logits = forward(context, batch: 1, time: context.count)
                let V = config.vocabSize
                let last = Array(UnsafeBufferPointer(start: logits.data + (context.count - 1) * V, count: V))
                let next = Sampler.pick(last, temperature: temperature, topK: topK, rng: &rng)
                ids.append(next)
                out.append(next)
            }
        }
        return out
    }
}

/// Picks a token id from logits.
public enum Sampler {
    public static func pick(_ logits: [Float], temperature: Float, topK: Int, rng: inout RandomGenerator) -> Int32 {
        if temperature <= 0 {
            return Int32(logits.indices.max { logits[$0] < logits[$1] } ?? 0)
        }
        var candidates = Array(logits.indices)
        if topK > 0 && topK < logits.count {
            candidates.sort { logits[$0] > logits[$1] }
            candidates = Array(candidates.prefix(topK))
        }
        let m = candidates.map { logits[$0] }.max() ?? 0
        let weights = candidates.map { Double(expf((logits[$0] - m) / temperature)) }
        let total = weights.reduce(0, +)
        var r = Double(rng.nextFloat()) * total
        for (i, w) in zip(candidates, weights) {
            r -= w
            if r <= 0 { return Int32(i) }
        }
        return Int32(candidates.last ?? 0)
    }
}

import Foundation
