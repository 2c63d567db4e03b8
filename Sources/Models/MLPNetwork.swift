import Foundation
import ModelFormats
import NeuralNet
import TensorCore

/// A multilayer perceptron: `inputs` → hidden layers (each Linear then the activation) → `outputs` (a Linear, no
/// activation: logits for classification, the value for regression).
///
/// Parameters are named as a PyTorch `nn.Sequential` of Linear layers would be after its activations are removed:
/// `layers.{i}.weight` ([out, in]) and `layers.{i}.bias`. Hook points: `layers.{i}.hook_pre` (N, width) the
/// layer's output before the activation, `layers.{i}.hook_post` (N, width) after it (hidden layers), and
/// `hook_out` (N, outputs).
package final class MLPNetwork: Module {
    package enum Activation: String, Codable, Sendable, CaseIterable {
        case relu, tanh, sigmoid
        func apply(_ x: Tensor) -> Tensor {
            switch self {
            case .relu: return x.relu()
            case .tanh: return x.tanh()
            case .sigmoid: return x.sigmoid()
            }
        }
    }

    package struct Config: Codable, Sendable, Equatable {
        package var inputs: Int
        package var hidden: [Int]
        package var outputs: Int
        package var activation: Activation
        package init(inputs: Int, hidden: [Int], outputs: Int, activation: Activation) {
            self.inputs = inputs; self.hidden = hidden; self.outputs = outputs; self.activation = activation
        }
        /// The width of every layer, inputs first.
        package var widths: [Int] { [inputs] + hidden + [outputs] }
        package func validate() throws {
            guard (1...100_000).contains(inputs), (1...100_000).contains(outputs) else {
                throw NeuralNetError("an MLPNetwork needs 1 to 100000 inputs and outputs, got \(inputs) and \(outputs)")
            }
            guard hidden.count <= 64, hidden.allSatisfy({ (1...1_000_000).contains($0) }) else {
                throw NeuralNetError("hidden layers must be 1 to 1000000 wide, and at most 64 of them: got \(hidden)")
            }
            guard widths.indices.dropLast().reduce(0, { $0 + widths[$1] * widths[$1 + 1] }) <= 1 << 28 else {
                throw NeuralNetError("an MLPNetwork of widths \(widths) is too large (at most 2^28 weights)")
            }
        }
    }

    package let config: Config
    package let layers: [Linear]

    /// Weights drawn N(0, gain/fan_in) (He for ReLU, Xavier-like for tanh and sigmoid), biases zero.
    package init(_ config: Config, seed: UInt64) {
        self.config = config
        var rng = RandomGenerator(seed: seed)
        let w = config.widths
        let gain: Float = config.activation == .relu ? 2 : 1
        layers = (0..<(w.count - 1)).map { i in
            Linear(w[i], w[i + 1], std: (gain / Float(w[i])).squareRoot(), rng: &rng)
        }
    }

    package func namedParameters() -> [(String, Tensor)] {
        layers.enumerated().flatMap { i, l in l.namedParameters().map { ("layers.\(i).\($0.0)", $0.1) } }
    }

    /// (N, inputs) → (N, outputs).
    package func forward(_ x: Tensor, hooks: Hooks? = nil) -> Tensor {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h)
            if i == layers.count - 1 { return hooks?.apply("hook_out", h) ?? h }
            if let hooks { h = hooks.apply("layers.\(i).hook_pre", h) }
            h = config.activation.apply(h)
            if let hooks { h = hooks.apply("layers.\(i).hook_post", h) }
        }
        return h
    }
}
