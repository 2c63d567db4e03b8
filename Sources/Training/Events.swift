import Foundation

/// A histogram of a tensor's values: `counts[i]` values fell in bin i of `bins` equal bins over [min, max].
public struct Histogram: Codable, Equatable, Sendable {
    public let min: Float
    public let max: Float
    public let counts: [Int]

    public init(min: Float, max: Float, counts: [Int]) { self.min = min; self.max = max; self.counts = counts }

    public init(_ values: UnsafeBufferPointer<Float>, bins: Int = 32) {
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
public struct RunStart: Sendable {
    public var id: String
    /// The name the user gave it, if any.
    public var name: String?
    /// What is trained ("gpt", "mlp", ...).
    public var kind: String
    /// The run's settings as a JSON object.
    public var config: String
    public var totalSteps: Int
    public var parameterCount: Int
    /// The step a resumed run continues from (nil: a new run).
    public var resumedAt: Int?
    /// Processes training it together (data-parallel over MPI; 1: one process).
    public var ranks = 1
    /// A resumed run: the step up to which its records had committed when the checkpoint it resumes from was
    /// written (nil: not known, a checkpoint from before this was kept). The store must hold them all.
    public var recordedThrough: Int?
    public init(id: String, name: String?, kind: String, config: String, totalSteps: Int, parameterCount: Int, resumedAt: Int?) {
        self.id = id; self.name = name; self.kind = kind; self.config = config; self.totalSteps = totalSteps
        self.parameterCount = parameterCount; self.resumedAt = resumedAt
    }
    /// The start of a run with these settings.
    public init<C: RunConfig>(id: String, config: C, parameterCount: Int, resumedAt: Int?) throws {
        self.init(id: id, name: config.name, kind: config.kind, config: String(decoding: try JSONEncoder().encode(config), as: UTF8.self),
                  totalSteps: config.steps, parameterCount: parameterCount, resumedAt: resumedAt)
    }
}

/// Where a run's record goes (the run store implements it; tests may collect in memory).
/// Calls come from the training thread; an implementation batches its writes.
public protocol TrainingSink: AnyObject {
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
    public var failure: Error? { nil }
    public func probe(step: Int, index: Int, document: String) {}
    public func figure(step: Int, name: String, document: String) {}
}

/// What the trainer reports after each step (for progress bars and JSON lines).
public struct StepReport: Codable, Sendable {
    public let step: Int
    public let totalSteps: Int
    public let loss: Double
    public let valLoss: Double?
    public let learningRate: Double
    public let gradNorm: Double
    public let tokensPerSecond: Double
    public let elapsedSeconds: Double
    /// Whether this step's scalars were recorded (every logInterval steps).
    public let logged: Bool
}

/// The end of a run.
public struct TrainSummary: Codable, Sendable {
    public let run: String
    public let steps: Int
    public let finalTrainLoss: Double
    public let finalValLoss: Double?
    public let checkpoint: String?
    public let status: String

    enum CodingKeys: String, CodingKey {
        case run, steps, status, checkpoint
        case finalTrainLoss = "final_train_loss", finalValLoss = "final_val_loss"
    }
}
