import Foundation

/// A histogram of a tensor's values: `counts[i]` values fell in bin i of `bins` equal bins over [min, max].
package struct Histogram: Codable, Equatable, Sendable {
    package let min: Float
    package let max: Float
    package let counts: [Int]

    package init(min: Float, max: Float, counts: [Int]) { self.min = min; self.max = max; self.counts = counts }

    package init(_ values: UnsafeBufferPointer<Float>, bins: Int = 32) {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where v.isFinite { lo = Swift.min(lo, v); hi = Swift.max(hi, v) }
        if lo > hi { lo = 0; hi = 0 }
        var counts = [Int](repeating: 0, count: bins)
        let width = (hi - lo) / Float(bins)
        for v in values where v.isFinite {
            let b = width > 0 ? Int((v - lo) / width) : 0
            counts[Swift.min(Swift.max(b, 0), bins - 1)] += 1
        }
        self.min = lo; self.max = hi; self.counts = counts
    }
}

/// A run as it starts (or resumes): what its record opens with.
package struct RunStart: Sendable {
    package var id: String
    /// The name the user gave it, if any.
    package var name: String?
    /// What is trained ("gpt", "mlp", ...).
    package var kind: String
    /// The run's settings as a JSON object.
    package var config: String
    package var totalSteps: Int
    package var parameterCount: Int
    /// The step a resumed run continues from (nil: a new run).
    package var resumedAt: Int?
    /// Processes training it together (data-parallel over MPI; 1: one process).
    package var ranks = 1
    /// A resumed run: the step up to which its records had committed when the checkpoint it resumes from was
    /// written (nil: not known, a checkpoint from before this was kept). The store must hold them all.
    package var recordedThrough: Int?
    package init(id: String, name: String?, kind: String, config: String, totalSteps: Int, parameterCount: Int, resumedAt: Int?) {
        self.id = id; self.name = name; self.kind = kind; self.config = config; self.totalSteps = totalSteps
        self.parameterCount = parameterCount; self.resumedAt = resumedAt
    }
    /// The start of a run with these settings.
    package init<C: RunConfig>(id: String, config: C, parameterCount: Int, resumedAt: Int?) throws {
        self.init(id: id, name: config.name, kind: config.kind, config: String(decoding: try JSONEncoder().encode(config), as: UTF8.self),
                  totalSteps: config.steps, parameterCount: parameterCount, resumedAt: resumedAt)
    }
}

/// Where a run's record goes (the run store implements it; tests may collect in memory).
/// Calls come from the training thread; an implementation batches its writes.
package protocol TrainingSink: AnyObject {
    func runStarted(_ run: RunStart) throws
    func scalars(step: Int, wallTime: Double, _ values: [(tag: String, value: Double)])
    func histogram(step: Int, tag: String, _ histogram: Histogram)
    func sample(step: Int, text: String)
    func message(step: Int, level: String, text: String)
    func checkpoint(step: Int, path: String)
    /// A probe prompt's read-outs at a checkpoint, as one JSON document (see `ProbeSnapshot`).
    func probe(step: Int, index: Int, document: String)
    /// A figure of the model at a checkpoint (e.g. an MLP's decision boundary), as one JSON document.
    func figure(step: Int, name: String, document: String)
    func runEnded(status: String, step: Int)
    /// Writes everything recorded so far and returns once it is durable (a checkpoint waits for it: what it covers
    /// must be in the record first); throws when it cannot be, leaving `failure` set.
    func flush() throws
    /// A write error the sink could not overcome (it keeps what it could not write): the trainer stops on it.
    var failure: Error? { get }
}

extension TrainingSink {
    package var failure: Error? { nil }
    package func probe(step: Int, index: Int, document: String) {}
    package func figure(step: Int, name: String, document: String) {}
}

/// What the trainer reports after each step (for progress bars and JSON lines).
package struct StepReport: Codable, Sendable {
    package let step: Int
    package let totalSteps: Int
    package let loss: Double
    package let valLoss: Double?
    package let learningRate: Double
    package let gradNorm: Double
    package let tokensPerSecond: Double
    package let elapsedSeconds: Double
    /// Whether this step's scalars were recorded (every logInterval steps).
    package let logged: Bool
}

/// The end of a run.
package struct TrainSummary: Codable, Sendable {
    package let run: String
    package let steps: Int
    package let finalTrainLoss: Double
    package let finalValLoss: Double?
    package let checkpoint: String?
    package let status: String

    enum CodingKeys: String, CodingKey {
        case run, steps, status, checkpoint
        case finalTrainLoss = "final_train_loss", finalValLoss = "final_val_loss"
    }
}

/// A string coding key, for documents whose keys are data (`val_accuracy` or `val_mse`).
package struct NamedKey: CodingKey {
    package var stringValue: String
    package var intValue: Int? { nil }
    package init(_ name: String) { stringValue = name }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { nil }
}

/// What a training command prints last with `--json`: the run's summary (absent values as null) and what the kind of
/// run adds, in one object.
package struct RunEndDocument<Extra: Encodable>: Encodable {
    package var summary: TrainSummary
    package var extra: Extra

    package init(_ summary: TrainSummary, _ extra: Extra) { self.summary = summary; self.extra = extra }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: TrainSummary.CodingKeys.self)
        try c.encode(summary.run, forKey: .run); try c.encode(summary.steps, forKey: .steps); try c.encode(summary.status, forKey: .status)
        try c.encode(summary.finalTrainLoss, forKey: .finalTrainLoss)
        try c.encode(summary.finalValLoss, forKey: .finalValLoss)   // null when there was no evaluation
        try c.encode(summary.checkpoint, forKey: .checkpoint)
        try extra.encode(to: encoder)
    }
}
