/// Watches evaluations for overfitting: validation loss rising while training loss falls.
package struct OverfitMonitor: Codable, Equatable, Sendable {
    package private(set) var lastValLoss: Double?
    package private(set) var lastTrainLoss: Double?
    /// Evaluations in a row at which validation rose while training fell.
    package private(set) var streak = 0

    package init() {}

    /// Takes one evaluation (validation loss, mean training loss since the last one); returns a warning text
    /// when this evaluation looks like overfitting.
    package mutating func observe(step: Int, valLoss: Double, trainLoss: Double) -> String? {
        defer { lastValLoss = valLoss; lastTrainLoss = trainLoss }
        guard let prevVal = lastValLoss, let prevTrain = lastTrainLoss else { return nil }
        guard valLoss > prevVal && trainLoss < prevTrain else { streak = 0; return nil }
        streak += 1
        return "step \(step): validation loss rose \(fmt(prevVal)) -> \(fmt(valLoss)) while training loss fell \(fmt(prevTrain)) -> \(fmt(trainLoss)) (overfitting?)"
    }

    private func fmt(_ x: Double) -> String { String(format: "%.4f", x) }
}

import Foundation
