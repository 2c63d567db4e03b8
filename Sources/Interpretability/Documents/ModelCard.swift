import Foundation
import Models
import NeuralNet
import TensorCore

extension ModelCard {
    /// Statistics of one weight (dequantised first if it is quantised): norm, moments, extremes, a 64-bin histogram.
    static func stats(name: String, label: String, layer: Int?, kind: String, values t: Tensor, type: String, bytes: Int) -> WeightStats {
        let x = t.contiguous()
        let n = x.count
        var sum = 0.0, sumSq = 0.0, lo = Float.infinity, hi = -Float.infinity
        for i in 0..<n {
            let v = x.data[i]
            guard v.isFinite else { continue }
            sum += Double(v); sumSq += Double(v) * Double(v)
            lo = Swift.min(lo, v); hi = Swift.max(hi, v)
        }
        if lo > hi { lo = 0; hi = 0 }
        let bins = 64
        var counts = [Int](repeating: 0, count: bins)
        let width = Double(hi - lo)
        for i in 0..<n {
            let v = x.data[i]
            guard v.isFinite else { continue }
            let b = width > 0 ? Int(Double(v - lo) / width * Double(bins)) : 0
            counts[Swift.min(bins - 1, Swift.max(0, b))] += 1
        }
        let mean = n > 0 ? sum / Double(n) : 0
        let variance = n > 0 ? Swift.max(0, sumSq / Double(n) - mean * mean) : 0
        return WeightStats(name: name, label: label, layer: layer, kind: kind, shape: t.shape, type: type, bytes: bytes,
                           parameters: n, norm: sumSq.squareRoot(), mean: mean, std: variance.squareRoot(), min: lo, max: hi,
                           histogram: Histogram(lo: lo, hi: hi, counts: counts))
    }

    static func typeName(_ w: Weight) -> String {
        switch w {
        case .dense: return "F32"
        case .adapted(let base, let lora): return typeName(base) + " + LoRA r\(lora.rank)"
        case .quantized(let q):
            switch q.format {
            case .f32: return "F32"
            case .q4_0: return "Q4_0"
            case .q4_1: return "Q4_1"
            case .q8_0: return "Q8_0"
            case .other: return String(format: "quantised (%.2f bits per weight)", Double(q.byteCount * 8) / Double(Swift.max(q.rows * q.cols, 1)))
            }
        }
    }

    static func component(_ n: ModelLayout.Node) -> Component {
        Component(name: n.name, parameters: n.parameters, shape: n.children == nil ? n.shape : nil, tied: n.tied,
                  children: n.children?.map(component))
    }

    /// The card's tree and weight statistics from the model's own description of its parts (every matrix
    /// dequantised once for its statistics).
    static func parts(_ layout: ModelLayout) -> (Component, [WeightStats]) {
        let weights = layout.weights.map { e in
            stats(name: e.name, label: e.label, layer: e.layer, kind: e.kind, values: e.weight.dequantized(), type: typeName(e.weight),
                  bytes: e.weight.byteCount)
        }
        return (component(layout.tree), weights)
    }
}

extension InspectService {
    /// The architecture, parameter counts per component, weight types and bytes, and per-weight statistics.
    package static func modelCard(_ loaded: LoadedModel, monitor: WorkMonitor? = nil) throws -> ModelCard {
        guard let model = loaded.model as? any InspectableModel else {
            throw InterpretabilityError("a \(loaded.architecture) model has no card")
        }
        let (components, weights) = ModelCard.parts(model.layout())
        try monitor?.check()
        var types: [String: (Int, Int)] = [:]
        for w in weights { types[w.type, default: (0, 0)].0 += w.parameters; types[w.type, default: (0, 0)].1 += w.bytes }
        // The model was just read from these files: one that cannot be looked at now is an error, not 0 bytes.
        let fm = FileManager.default
        var fileBytes = try fm.attributesOfItem(atPath: loaded.path)[.size] as? Int ?? 0
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: loaded.path, isDirectory: &isDir), isDir.boolValue {
            fileBytes = try fm.contentsOfDirectory(atPath: loaded.path).reduce(0) {
                $0 + (try fm.attributesOfItem(atPath: loaded.path + "/" + $1)[.size] as? Int ?? 0)
            }
        }
        return ModelCard(model: ModelSummary(loaded, shape: model.shape), fileBytes: fileBytes,
                         types: types.keys.sorted().map { .init(type: $0, parameters: types[$0]!.0, bytes: types[$0]!.1) },
                         components: components, weights: weights)
    }
}
