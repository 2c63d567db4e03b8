import Foundation
import TensorCore

/// How the next token is chosen from logits.
public struct SamplingOptions: Codable, Equatable, Sendable {
    /// 0 = greedy (argmax, lowest id on exact ties).
    public var temperature: Float = 0.8
    /// Keep the k most likely tokens (0 = all).
    public var topK: Int = 40
    /// Keep the smallest set of most likely tokens whose probability reaches p (1 = all).
    public var topP: Float = 0.95
    /// Drop tokens less likely than minP times the most likely one (0 = off).
    public var minP: Float = 0.05
    /// Divide positive (multiply negative) logits of tokens seen in the last `repetitionWindow` by this (1 = off).
    public var repetitionPenalty: Float = 1
    public var repetitionWindow: Int = 64

    public init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1, repetitionWindow: Int = 64) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.minP = minP
        self.repetitionPenalty = repetitionPenalty; self.repetitionWindow = repetitionWindow
    }

    public static let greedy = SamplingOptions(temperature: 0, topK: 0, topP: 1, minP: 0)
}

/// Picks tokens: repetition penalty, then greedy or top-k -> temperature softmax -> top-p -> min-p -> draw.
public struct TokenSampler: Sendable {
    public let options: SamplingOptions
    public var rng: RandomGenerator

    public init(_ options: SamplingOptions, seed: UInt64) { self.init(options, rng: RandomGenerator(seed: seed)) }

    public init(_ options: SamplingOptions, rng: RandomGenerator) {
        self.options = options
        self.rng = rng
    }

    public mutating func next(_ logits: [Float], history: [Int32] = []) -> Int32 {
        var logits = logits
        let o = options
        if o.repetitionPenalty != 1 {
            for id in Set(history.suffix(o.repetitionWindow)) where Int(id) < logits.count && id >= 0 {
                let l = logits[Int(id)]
                logits[Int(id)] = l > 0 ? l / o.repetitionPenalty : l * o.repetitionPenalty
            }
        }
        if o.temperature <= 0 {
            var best = 0
            for i in 1..<logits.count where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        var candidates = Array(logits.indices)
        if o.topK > 0 && o.topK < candidates.count {
            candidates = Array(candidates.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }.prefix(o.topK))
        } else {
            candidates.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        }
        let m = logits[candidates[0]]
        var probs = candidates.map { Double(Foundation.exp((logits[$0] - m) / o.temperature)) }
        var total = probs.reduce(0, +)
        var keep = probs.count
        if o.topP < 1 {
            var acc = 0.0
            for (i, p) in probs.enumerated() {
                acc += p / total
                if acc >= Double(o.topP) { keep = i + 1; break }
            }
        }
        if o.minP > 0 {
            let floor = probs[0] * Double(o.minP)
            keep = min(keep, probs.prefix(keep).firstIndex { $0 < floor } ?? keep)
        }
        keep = max(keep, 1)
        probs = Array(probs.prefix(keep)); candidates = Array(candidates.prefix(keep))
        total = probs.reduce(0, +)
        var r = Double(rng.nextFloat()) * total
        for (i, p) in zip(candidates, probs) {
            r -= p
            if r <= 0 { return Int32(i) }
        }
        return Int32(candidates[keep - 1])
    }
}
