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
                var sampler = TokenSampler(SamplingOptions(temperature: temperature, topK: topK, topP: 1, minP: 0), rng: rng)
                let next = sampler.next(last, history: ids)
                rng = sampler.rng
                ids.append(next)
                out.append(next)
            }
        }
        return out
    }
}

