import Foundation
import ModelFormats
import NeuralNet
import TensorCore
import Tokenization

/// A causal language model that generation can drive.
package protocol LanguageModel: AnyObject {
    var vocabularySize: Int { get }
    var contextLength: Int { get }
    /// Whether generation may run past the context, keeping the last `contextLength` tokens (no KV cache).
    var slidesContext: Bool { get }
    /// A fresh decoding state (a KV cache where the model has one); `hooks` read or replace activations in
    /// every forward of the session (e.g. interventions while generating).
    func makeSession(capacity: Int, hooks: Hooks?) -> any DecodingSession
    /// Bytes a decoding session holds for `positions` positions (its KV cache; 0 where there is none).
    func sessionBytes(positions: Int) -> Int
}

extension LanguageModel {
    package func makeSession(capacity: Int) -> any DecodingSession { makeSession(capacity: capacity, hooks: nil) }
}

/// Feeds tokens and returns the next-token logits.
package protocol DecodingSession: AnyObject {
    /// Positions consumed so far.
    var length: Int { get }
    /// Appends `ids` and returns the logits [V] after the last of them.
    func feed(_ ids: [Int32]) -> [Float]
    /// Forgets every position from `n` on (to reuse a shared prefix).
    func truncate(to n: Int)
}

extension Llama: LanguageModel {
    package var vocabularySize: Int { config.vocabSize }
    package var contextLength: Int { config.contextLength }
    package var slidesContext: Bool { false }
    package func sessionBytes(positions: Int) -> Int { 2 * config.layers * positions * config.kvHeads * config.headDim * 4 }

    package func makeSession(capacity: Int, hooks: Hooks?) -> any DecodingSession {
        LlamaSession(model: self, cache: makeCache(capacity: min(capacity, config.contextLength)), hooks: hooks)
    }
}

final class LlamaSession: DecodingSession {
    let model: Llama
    let cache: KVCache
    let hooks: Hooks?
    init(model: Llama, cache: KVCache, hooks: Hooks?) { self.model = model; self.cache = cache; self.hooks = hooks }
    var length: Int { cache.length }
    func feed(_ ids: [Int32]) -> [Float] {
        GradMode.withoutGradients { model.forward(ids, cache: cache, logits: .last, hooks: hooks).scalars }
    }
    func truncate(to n: Int) { cache.truncate(to: n) }
}

extension GPT: LanguageModel {
    package var vocabularySize: Int { config.vocabSize }
    package var contextLength: Int { config.blockSize }
    package var slidesContext: Bool { true }
    package func sessionBytes(positions: Int) -> Int { 0 }
    package func makeSession(capacity: Int, hooks: Hooks?) -> any DecodingSession { GPTSession(model: self, hooks: hooks) }
}

/// GPT-2 has no KV cache here: each step re-runs the last `blockSize` tokens (small models).
final class GPTSession: DecodingSession {
    let model: GPT
    let hooks: Hooks?
    var history: [Int32] = []
    init(model: GPT, hooks: Hooks?) { self.model = model; self.hooks = hooks }
    var length: Int { history.count }
    func truncate(to n: Int) { history = Array(history.prefix(n)) }
    func feed(_ ids: [Int32]) -> [Float] {
        history += ids
        let context = Array(history.suffix(model.config.blockSize))
        return GradMode.withoutGradients {
            let logits = model.forward(TokenIDs(context), batch: 1, time: context.count, embeddings: nil, hooks: hooks, logits: .last)
            return Array(UnsafeBufferPointer(start: logits.data, count: model.config.vocabSize))
        }
    }
}

/// Hook points live in NeuralNet (GPT-2's forward uses them too); re-exported here for Llama users.
package typealias Hooks = NeuralNet.Hooks
