import Foundation
import ModelFormats
import TensorCore

/// A layer or model: owns parameters under stable names (Hugging Face checkpoint keys, relative to the module).
///
/// The names are written next to the properties (`namedParameters()`), not discovered by reflection, so a
/// checkpoint key can be found by reading the module.
package protocol Module: AnyObject {
    func namedParameters() -> [(String, Tensor)]
}

extension Module {
    package var parameters: [Tensor] { namedParameters().map(\.1) }

    package var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.1.count } }

    /// Clears every parameter's gradient.
    package func zeroGrad() { for p in parameters { p.grad = nil } }

    /// Copies values from a name -> (shape, values) dictionary, checking every name and shape.
    package func load(_ state: [String: (shape: [Int], values: [Float])], strict: Bool = true) throws {
        for (name, p) in namedParameters() {
            guard let entry = state[name] else {
                if strict { throw NeuralNetError("missing parameter '\(name)'") }
                continue
            }
            guard entry.shape == p.shape else {
                throw NeuralNetError("parameter '\(name)' has shape \(entry.shape), the model expects \(p.shape)")
            }
            entry.values.withUnsafeBufferPointer { p.data.update(from: $0.baseAddress!, count: p.count) }
        }
    }
}

extension Module {
    /// Writes every parameter into `folder/model.safetensors` (float32, the parameters' names).
    package func saveWeights(folder: URL) throws {
        let entries = namedParameters().map { SafeTensorsEntry(name: $0.0, shape: $0.1.shape, floats: $0.1.scalars) }
        try SafeTensorsWriter.write(entries, metadata: ["format": "pt"], to: folder.appendingPathComponent("model.safetensors"))
    }

    /// Reads `folder/model.safetensors` into the parameters, every name and shape checked.
    package func loadWeights(folder: URL) throws {
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        var state: [String: (shape: [Int], values: [Float])] = [:]
        for name in file.names { state[name] = (try file.info(name).shape, try file.floats(name)) }
        try load(state)
    }
}

/// Prefixes the names of a child module's parameters ("h.0" + "ln_1.weight" -> "h.0.ln_1.weight").
package func scoped(_ prefix: String, _ params: [(String, Tensor)]) -> [(String, Tensor)] {
    params.map { ("\(prefix).\($0.0)", $0.1) }
}

/// The one public error of NeuralNet.
package struct NeuralNetError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// A trainable tensor: contiguous, requiring gradients.
package func parameter(_ t: Tensor) -> Tensor {
    t.requiresGrad = true
    return t
}
