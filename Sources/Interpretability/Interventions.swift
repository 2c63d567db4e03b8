import Foundation
import Models
import TensorCore

/// An edit of the model's computation, applied through hook replacements (so it works in any forward: a plain
/// run, a generation with a KV cache, an inspection).
package enum Intervention: Sendable, Equatable {
    /// Multiply one attention head's output (its slice of `blocks.L.attn.hook_z`, before the output projection)
    /// by `scale` at every position: 0 removes the head (ablation), 1 changes nothing.
    case head(layer: Int, head: Int, scale: Float)
    /// Multiply one MLP neuron's activation (`blocks.L.mlp.hook_post`, column `index`) by `scale`.
    case neuron(layer: Int, index: Int, scale: Float)
    /// Add a vector to the residual stream entering `layer` (`blocks.L.hook_resid_pre`) at every position
    /// (activation addition, Turner et al. 2023).
    case steer(layer: Int, vector: [Float])

    package var layer: Int {
        switch self {
        case .head(let l, _, _), .neuron(let l, _, _), .steer(let l, _): l
        }
    }

    /// The hook point the edit replaces.
    package var hookName: String {
        switch self {
        case .head(let l, _, _): "blocks.\(l).attn.hook_z"
        case .neuron(let l, _, _): "blocks.\(l).mlp.hook_post"
        case .steer(let l, _): "blocks.\(l).hook_resid_pre"
        }
    }

    /// Parses `head:L:H[:SCALE]` or `neuron:L:N[:SCALE]` (scale default 0: remove), checked against the model.
    package static func parse(_ text: String, shape c: InspectShape) throws -> Intervention {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        let bad = InterpretabilityError("edit '\(text.prefix(60))' is not head:LAYER:HEAD[:SCALE] or neuron:LAYER:INDEX[:SCALE]", field: "edits")
        guard (3...4).contains(parts.count), let l = Int(parts[1]), let i = Int(parts[2]) else { throw bad }
        let scale: Float
        if parts.count == 4 {
            guard let s = Float(parts[3]), s.isFinite, abs(s) <= 1000 else {
                throw InterpretabilityError("edit '\(text.prefix(60))': the scale must be a finite number within ±1000", field: "edits")
            }
            scale = s
        } else { scale = 0 }
        guard (0..<c.layers).contains(l) else {
            throw InterpretabilityError("edit '\(text.prefix(60))': layer \(l) is not a layer of this model (0..<\(c.layers))", field: "edits")
        }
        switch parts[0].lowercased() {
        case "head":
            guard (0..<c.heads).contains(i) else {
                throw InterpretabilityError("edit '\(text.prefix(60))': head \(i) is not a head of this model (0..<\(c.heads))", field: "edits")
            }
            return .head(layer: l, head: i, scale: scale)
        case "neuron":
            guard (0..<c.mlpWidth).contains(i) else {
                throw InterpretabilityError("edit '\(text.prefix(60))': neuron \(i) is outside the MLP width \(c.mlpWidth)", field: "edits")
            }
            return .neuron(layer: l, index: i, scale: scale)
        default: throw bad
        }
    }

    /// Hooks that apply every edit (several edits of one hook point compose, in order).
    package static func hooks(_ edits: [Intervention], shape c: InspectShape) -> Hooks? {
        guard !edits.isEmpty else { return nil }
        var byHook: [String: [Intervention]] = [:]
        for e in edits { byHook[e.hookName, default: []].append(e) }
        var replacements: [String: (Tensor) -> Tensor] = [:]
        for (name, list) in byHook {
            replacements[name] = { x in
                let y = x.contiguous().detach().copy()
                let w = y.shape[y.rank - 1], rows = y.count / w
                for e in list {
                    switch e {
                    case .head(_, let h, let s):
                        let hs = w / c.heads
                        for r in 0..<rows { for d in 0..<hs { y.data[r * w + h * hs + d] *= s } }
                    case .neuron(_, let i, let s):
                        for r in 0..<rows { y.data[r * w + i] *= s }
                    case .steer(_, let v):
                        for r in 0..<rows { for d in 0..<w { y.data[r * w + d] += v[d] } }
                    }
                }
                return y
            }
        }
        return Hooks(replacements: replacements)
    }

    /// The residual stream entering `layer` at the last position of `b` minus that of `a`: the direction from a
    /// to b (from "Hate" to "Love" is "Love" − "Hate"), to be scaled and added with `.steer`, which moves the model
    /// away from `a` and towards `b`.
    package static func steeringVector(model: any InspectableModel, from a: [Int32], to b: [Int32], layer: Int) -> [Float] {
        let name = "blocks.\(layer).hook_resid_pre", D = model.shape.dim
        func last(_ ids: [Int32]) -> [Float] {
            let hooks = Hooks(cache: { $0 == name })
            _ = GradMode.withoutGradients { model.run(ids, logits: .last, hooks: hooks) }
            guard let r = hooks.cache[name]?.contiguous() else { return [Float](repeating: 0, count: D) }
            return Array(UnsafeBufferPointer(start: r.data + (ids.count - 1) * D, count: D))
        }
        return zip(last(b), last(a)).map { $0 - $1 }
    }
}

extension Tensor {
    /// A new tensor with the same values.
    func copy() -> Tensor {
        let out = Tensor(uninitialized: shape)
        out.copyValues(from: self)
        return out
    }
}
