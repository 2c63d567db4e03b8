import Foundation
import TensorCore

/// The one public error of Interpretability: what was asked, and why it cannot be done.
package struct InterpretabilityError: Error, CustomStringConvertible, Sendable, Equatable {
    package let description: String
    /// The request field at fault (as the API names it: `layers`, `top_k`, `baseline`, ...), if one is.
    package let field: String?
    package init(_ description: String, field: String? = nil) { self.description = description; self.field = field }
    package static let cancelled = InterpretabilityError("cancelled")

    /// The message with the command-line option at fault in front (`--top-k: ...`).
    package var forCommandLine: String {
        field.map { "--" + $0.replacingOccurrences(of: "_", with: "-") + ": " + description } ?? description
    }
}

/// A cached hook point, or an error naming it (a model without that hook point, or an analysis that did not ask
/// for it).
func hook(_ cache: [String: Tensor], _ name: String) throws -> Tensor {
    guard let t = cache[name] else {
        throw InterpretabilityError("the hook point \(name) was not cached: the model has no such hook point, or the analysis did not request it")
    }
    return t
}

/// Progress and cancellation of one long request (an inspection, a patching scan): the service reports each
/// part's progress, and stops at the next check once `cancel()` was called (from any thread).
package final class WorkMonitor: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private let report: @Sendable (_ part: String, _ fraction: Double) -> Void

    package init(report: @escaping @Sendable (_ part: String, _ fraction: Double) -> Void = { _, _ in }) { self.report = report }

    package func cancel() { lock.lock(); cancelled = true; lock.unlock() }

    package var isCancelled: Bool { lock.lock(); defer { lock.unlock() }; return cancelled }

    /// Throws `InterpretabilityError.cancelled` once cancelled.
    package func check() throws { if isCancelled { throw InterpretabilityError.cancelled } }

    /// `part` is `fraction` done (0...1).
    package func progress(_ part: String, _ fraction: Double) { report(part, min(1, max(0, fraction))) }

    private var expected: [String: Double] = [:], done: [String: Double] = [:]

    /// `part` will take about `units` of work (reported with `advance`).
    package func expect(_ part: String, units: Double) {
        lock.lock(); expected[part] = units; done[part] = 0; lock.unlock()
        report(part, 0)
    }

    /// `part` turned out to need `units` more than expected (e.g. a refinement that goes on).
    package func extend(_ part: String, by units: Double) {
        lock.lock(); expected[part, default: 0] += units; lock.unlock()
    }

    /// The units of `part` done so far and the units it is expected to take now (nil for a part that counts none):
    /// what a progress bar says ("112 of 273 gradient evaluations"), the expectation growing when a refinement
    /// goes on.
    package func counts(_ part: String) -> (done: Double, expected: Double)? {
        lock.lock(); defer { lock.unlock() }
        guard let e = expected[part] else { return nil }
        return (done[part, default: 0], e)
    }

    /// `units` more of `part` are done; the fraction reported stays below 1 until the part says it is finished.
    package func advance(_ part: String, by units: Double) {
        lock.lock()
        done[part, default: 0] += units
        let f = expected[part].map { $0 > 0 ? min(0.99, done[part, default: 0] / $0) : 0 } ?? 0
        lock.unlock()
        report(part, f)
    }
}
