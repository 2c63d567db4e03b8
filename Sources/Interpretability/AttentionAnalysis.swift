import Foundation
import TensorCore

/// Per-head summaries of an attention pattern (H, T, T): entropy and how much each head attends to the previous,
/// the first and the same token (means over query positions; the first query is skipped for "previous").
package struct HeadSummary: Sendable {
    package let head: Int
    package let entropy: Float
    package let previousToken: Float
    package let firstToken: Float
    package let sameToken: Float

    package static func summarise(_ pattern: Tensor) -> [HeadSummary] {
        let p = pattern.contiguous()
        let T = p.shape[p.rank - 1], H = p.count / (T * T)
        let d = p.data
        return (0..<H).map { h in
            var ent = 0.0, prev = 0.0, first = 0.0, same = 0.0
            for i in 0..<T {
                let row = d + (h * T + i) * T
                for j in 0...i where row[j] > 0 { ent -= Double(row[j]) * Foundation.log(Double(row[j])) }
                if i > 0 { prev += Double(row[i - 1]) }
                first += Double(row[0]); same += Double(row[i])
            }
            let n = Double(T)
            return HeadSummary(head: h, entropy: Float(ent / n), previousToken: Float(T > 1 ? prev / (n - 1) : 0),
                               firstToken: Float(first / n), sameToken: Float(same / n))
        }
    }
}
