import Foundation
import TensorCore

/// How the next token is chosen from logits.
package struct SamplingOptions: Codable, Equatable, Sendable {
    /// 0 = greedy (argmax, lowest id on exact ties).
    package var temperature: Float = 0.8
    /// Keep the k most likely tokens (0 = all).
    package var topK: Int = 40
    /// Keep the smallest set of most likely tokens whose probability reaches p (1 = all).
    package var topP: Float = 0.95
    /// Drop tokens less likely than minP times the most likely one (0 = off).
    package var minP: Float = 0.05
    /// Divide positive (multiply negative) logits of tokens seen in the last `repetitionWindow` by this (1 = off).
    package var repetitionPenalty: Float = 1
    package var repetitionWindow: Int = 64

    package init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1, repetitionWindow: Int = 64) {
        self.temperature = temperature; self.topK = topK; self.topP = topP; self.minP = minP
        self.repetitionPenalty = repetitionPenalty; self.repetitionWindow = repetitionWindow
    }

    package static let greedy = SamplingOptions(temperature: 0, topK: 0, topP: 1, minP: 0)
}

/// Indices of the k largest values, largest first (ties: lower index first), without sorting everything:
/// one pass keeping a sorted list of k, which for k ≪ n costs O(n) compares instead of O(n log n).
package func topKIndices(_ values: UnsafeBufferPointer<Float>, _ k: Int) -> [Int] {
    let k = min(k, values.count)
    if k <= 0 { return [] }
    if k > 256 {
        return Array(values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }.prefix(k))
    }
    var best: [Int] = []
    best.reserveCapacity(k + 1)
    for i in values.indices {
        let v = values[i]
        if best.count == k && v <= values[best[k - 1]] { continue }
        // Insert after every entry >= v (earlier indices win ties).
        var pos = best.count
        while pos > 0 && values[best[pos - 1]] < v { pos -= 1 }
        best.insert(i, at: pos)
        if best.count > k { best.removeLast() }
    }
    return best
}

package func topKIndices(_ values: [Float], _ k: Int) -> [Int] {
    values.withUnsafeBufferPointer { topKIndices($0, k) }
}

/// Picks tokens: repetition penalty, then greedy or top-k -> temperature softmax -> top-p -> min-p -> draw.
package struct TokenSampler: Sendable {
    package let options: SamplingOptions
    package var rng: RandomGenerator

    package init(_ options: SamplingOptions, seed: UInt64) { self.init(options, rng: RandomGenerator(seed: seed)) }

    package init(_ options: SamplingOptions, rng: RandomGenerator) {
        self.options = options
        self.rng = rng
    }

    package mutating func next(_ logits: [Float], history: [Int32] = []) -> Int32 {
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
        var candidates = topKIndices(logits, o.topK > 0 ? o.topK : logits.count)
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
