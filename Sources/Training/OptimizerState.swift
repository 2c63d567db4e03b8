import Foundation
import ModelFormats
import NeuralNet

/// A checkpoint's optimizer state (`optimizer.safetensors`): the step count and the named state tensors
/// (`exp_avg.<param>`, `exp_avg_sq.<param>`, `momentum_buffer.<param>`), as read, before it is trusted.
///
/// `restore` is the only way into an optimizer: the state must be exactly the optimizer's — the same names,
/// shapes and step as the trainer state, finite values — or the resume stops with an error naming the tensor.
/// Loading a state for another model or another step would continue a different run without a word.
package struct OptimizerState: Sendable {
    /// The step recorded in the file's metadata (nil in files that have none).
    package var step: Int?
    package var tensors: [String: [Float]]
    package var shapes: [String: [Int]]
    /// The file, for messages.
    package var source: String

    /// Reads `optimizer.safetensors` of a checkpoint folder (each tensor as float32).
    package static func read(folder: URL) throws -> OptimizerState {
        let url = folder.appendingPathComponent("optimizer.safetensors")
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(path: url.path) } catch { throw TrainingError("optimizer state: \(error)") }
        var tensors: [String: [Float]] = [:], shapes: [String: [Int]] = [:]
        for name in file.names {
            tensors[name] = try file.floats(name)
            shapes[name] = try file.info(name).shape
        }
        var step: Int?
        if let text = file.metadata["step"] {
            guard let s = Int(text), s >= 0 else { throw TrainingError("\(url.path): metadata step '\(text.prefix(40))' is not a step") }
            step = s
        }
        return OptimizerState(step: step, tensors: tensors, shapes: shapes, source: url.path)
    }

    /// Checks the state against `optimizer` (its names and shapes) and the trainer state's `step`, then loads it.
    package func restore(into optimizer: any Optimizer, step expectedStep: Int) throws {
        func fail(_ problem: String) -> TrainingError { TrainingError("\(source): \(problem)") }
        if let step, step != expectedStep {
            throw fail("the optimizer is at step \(step), but trainer_state.json at step \(expectedStep): the two files are not of one checkpoint")
        }
        let layout = optimizer.stateLayout
        let expected = Set(layout.map(\.name))
        for (name, shape) in layout {
            guard let have = shapes[name], let values = tensors[name] else {
                throw fail("lacks '\(name)' (the model has this parameter: the state belongs to another model)")
            }
            guard have == shape, values.count == shape.reduce(1, *) else {
                throw fail("'\(name)' has shape \(have), the model's parameter has \(shape): the state belongs to another model")
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("'\(name)' holds \(values[bad]) at element \(bad) (optimizer state must be finite)")
            }
            // Second moments are means of squares.
            if name.hasPrefix("exp_avg_sq."), let bad = values.firstIndex(where: { $0 < 0 }) {
                throw fail("'\(name)' holds \(values[bad]) at element \(bad) (a second moment is never negative)")
            }
        }
        if let extra = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw fail("holds '\(extra)', which the model has no parameter for: the state belongs to another model")
        }
        do { try optimizer.loadStateDict(step: step ?? expectedStep, tensors: tensors) } catch { throw fail("\(error)") }
    }
}
