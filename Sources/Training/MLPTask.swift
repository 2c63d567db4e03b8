import Foundation
import Models
import ModelFormats
import NeuralNet
import TensorCore

/// Every setting of an MLP's run (`glassbox train mlp`).
package struct MLPConfig: RunConfig {
    package var kind = "mlp"
    package var name: String?
    /// A generated task (`Table.tasks`), or nil with `csv`.
    package var task: String?
    /// A CSV file and its target column.
    package var csv: String?
    package var target: String?
    /// For a CSV target: force classification (true) or regression (false); nil: decided from the values.
    package var classification: Bool?
    /// A preset the settings came from ("overfit": a network far too large for too few points).
    package var preset: String?
    package var points = 1000
    package var noise: Float = 0.1
    package var validationFraction = 0.2
    package var hidden = [64, 64]
    package var activation = MLPNetwork.Activation.tanh
    /// gd (full-batch gradient descent), sgd (mini-batch), momentum (mini-batch SGD, momentum 0.9) or adam.
    package var optimizer = "adam"
    /// ce (cross-entropy, classification) or mse (mean squared error; regression always).
    package var loss = "ce"
    /// Examples per step (0: the whole training split).
    package var batch = 0
    package var steps = 2000
    package var learningRate: Float = 0.01
    package var momentum: Float = 0.9
    package var weightDecay: Float = 0
    package var gradClip: Float = 0
    package var seed: UInt64 = 0
    package var logInterval = 10
    package var evalInterval = 50
    package var sampleInterval = 500
    package var checkpointInterval = 100
    package var earlyStopPatience = 0
    /// Cells per side of the decision-boundary grid.
    package var grid = 64

    package init() {}

    package var lrSchedule: LRSchedule { .constant(learningRate) }

    /// The settings of a preset: "overfit" (60 noisy moons, half of them held out, two layers of 256 ReLUs,
    /// Adam until the training loss is near zero: the validation loss turns up and the warning fires).
    package mutating func apply(preset name: String) throws {
        switch name {
        case "overfit":
            task = "moons"; points = 60; noise = 0.35; validationFraction = 0.5
            hidden = [256, 256]; activation = .relu; optimizer = "adam"; learningRate = 0.005; batch = 0
            steps = 1500; evalInterval = 25; checkpointInterval = 100
        default: throw TrainingError("unknown preset '\(name.prefix(40))' (overfit)")
        }
        preset = name
    }

    package func validate() throws {
        guard kind == "mlp" else { throw TrainingError("not an MLP's settings (kind '\(kind.prefix(20))')") }
        if let name { try TrainConfig.checkRunName(name) }
        guard (task == nil) != (csv == nil) else { throw TrainingError("give a generated --task or a --csv file, not both") }
        if csv != nil, (target ?? "").isEmpty { throw TrainingError("--csv needs --target COLUMN (the column to predict)") }
        guard (1...(1 << 40)).contains(steps) else { throw TrainingError("--steps must be 1 to 2^40, got \(steps)") }
        guard ["gd", "sgd", "momentum", "adam"].contains(optimizer) else {
            throw TrainingError("unknown optimizer '\(optimizer.prefix(20))' (gd, sgd, momentum or adam)")
        }
        guard ["ce", "mse"].contains(loss) else { throw TrainingError("unknown loss '\(loss.prefix(20))' (ce or mse)") }
        guard (0...(1 << 20)).contains(batch) else { throw TrainingError("--batch must be 0 (the whole split) to 2^20, got \(batch)") }
        guard optimizer != "gd" || batch == 0 else { throw TrainingError("--optimizer gd is full-batch gradient descent: leave --batch at 0 (or use sgd)") }
        guard learningRate > 0, learningRate.isFinite else { throw TrainingError("--lr must be a positive number, got \(learningRate)") }
        guard (0..<1).contains(momentum) else { throw TrainingError("--momentum must be in [0, 1), got \(momentum)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw TrainingError("--weight-decay must be >= 0, got \(weightDecay)") }
        guard gradClip >= 0, gradClip.isFinite else { throw TrainingError("--clip must be >= 0 (0: off), got \(gradClip)") }
        guard validationFraction > 0, validationFraction < 1 else { throw TrainingError("--validation must be between 0 and 1, got \(validationFraction)") }
        guard logInterval > 0, evalInterval > 0, sampleInterval > 0, checkpointInterval > 0 else {
            throw TrainingError("log, eval, sample and checkpoint intervals must be positive")
        }
        guard earlyStopPatience >= 0 else { throw TrainingError("--early-stop must be >= 0, got \(earlyStopPatience)") }
        guard (8...256).contains(grid) else { throw TrainingError("--grid must be 8 to 256, got \(grid)") }
        try MLPNetwork.Config(inputs: 1, hidden: hidden, outputs: 1, activation: activation).validate()
    }

    /// The data the settings name: the generated task, or the CSV file.
    package func table() throws -> Table {
        if let task { return try Table.generate(task, count: points, noise: noise, seed: seed &+ 0xDA7A) }
        return try Table.csv(path: csv ?? "", target: target ?? "", classification: classification)
    }
}

/// What an MLPNetwork checkpoint's `config.json` holds: the network, and what it needs to be used on raw inputs.
package struct MLPCheckpointConfig: Codable, Sendable, Equatable {
    package var architecture = "glassbox-mlp"
    package var model: MLPNetwork.Config
    package var features: [String]
    package var target: String
    package var classes: [String]?
    package var standardizer: Standardizer
}

/// An MLPNetwork trained on a table: full-batch or mini-batch, cross-entropy or MSE, accuracy or MSE at each
/// evaluation, and at each checkpoint a figure (`mlp`): the decision boundary (2 features) or the fitted
/// function (1 feature), the features' importance and the first layer's weights.
package final class MLPTask: TrainingTask {
    package typealias Config = MLPConfig
    package typealias Batch = [Int]?

    package let config: MLPConfig
    package let model: MLPNetwork
    package let train: Table, validation: Table
    package let standardizer: Standardizer
    package let parameters: [(String, Tensor)]
    package let optimizer: any Optimizer
    /// The standardised features of each split.
    package let xTrain: Tensor, xVal: Tensor

    /// A new task (a fresh model) on the data `config` names.
    package convenience init(config: MLPConfig) throws {
        try config.validate()
        let table = try config.table()
        let split = table.split(validation: config.validationFraction, seed: config.seed &+ 0x5917)
        let model = MLPNetwork(MLPNetwork.Config(inputs: table.width, hidden: config.hidden, outputs: table.classes?.count ?? 1,
                                   activation: config.activation), seed: config.seed)
        try model.config.validate()
        try self.init(config: config, train: split.train, validation: split.validation, model: model)
    }

    init(config: MLPConfig, train: Table, validation: Table, model: MLPNetwork) throws {
        guard train.rows >= 2, validation.rows >= 1 else {
            throw TrainingError("\(train.rows + validation.rows) examples are too few to split into training and validation")
        }
        if !train.isClassification && config.loss == "ce" && config.task == nil && config.csv != nil {
            throw TrainingError("column '\(train.targetName)' holds values, not classes: use --loss mse (regression), or --classification")
        }
        self.config = config
        self.train = train; self.validation = validation
        self.model = model
        standardizer = Standardizer(fitting: train)
        xTrain = standardizer.apply(train)
        xVal = standardizer.apply(validation)
        parameters = model.namedParameters()
        switch config.optimizer {
        case "adam": optimizer = Adam(parameters, lr: config.learningRate, weightDecay: config.weightDecay, decoupled: false)
        case "momentum": optimizer = SGD(parameters, lr: config.learningRate, momentum: config.momentum, weightDecay: config.weightDecay)
        default: optimizer = SGD(parameters, lr: config.learningRate, momentum: 0, weightDecay: config.weightDecay)
        }
    }

    package var isClassification: Bool { train.isClassification }
    package var itemsPerStep: Int { config.batch == 0 ? train.rows : config.batch }

    /// Nil: the whole training split; else `batch` rows drawn with replacement.
    package func batch(rng: inout RandomGenerator) -> [Int]? {
        guard config.batch > 0 else { return nil }
        return (0..<config.batch).map { _ in rng.nextInt(train.rows) }
    }

    func rows(_ x: Tensor, _ indices: [Int]) -> Tensor {
        let w = x.shape[1], out = Tensor(uninitialized: [indices.count, w])
        for (i, r) in indices.enumerated() { (out.data + i * w).update(from: x.data + r * w, count: w) }
        return out
    }

    /// The loss of the model's outputs (N, outputs) against targets.
    func loss(_ out: Tensor, _ targets: [Float]) -> Tensor {
        if isClassification && config.loss == "ce" { return out.crossEntropy(targets: targets.map { Int32($0) }) }
        let C = out.shape[1]
        var want = [Float](repeating: 0, count: targets.count * C)
        if isClassification { for (i, t) in targets.enumerated() { want[i * C + Int(t)] = 1 } } else { want = targets }
        return out.mseLoss(Tensor(want, shape: out.shape))
    }

    package func loss(_ batch: [Int]?, dropout: inout RandomGenerator) -> Tensor {
        guard let batch else { return loss(model.forward(xTrain), train.targets) }
        return loss(model.forward(rows(xTrain, batch)), batch.map { train.targets[$0] })
    }

    /// A rank's examples of the batch (of the whole training set when the batch is all of it).
    package func shard(_ batch: [Int]?, part: Int, of parts: Int) -> (batch: [Int]?, weight: Double) {
        if parts == 1 { return (batch, Double(batch?.count ?? train.rows)) }
        let all = batch ?? Array(0..<train.rows)
        let part = Array(all[shardRange(part: part, of: parts, count: all.count)])
        return (part, Double(part.count))
    }

    package func validationLoss() -> Double {
        GradMode.withoutGradients { Double(loss(model.forward(xVal), validation.targets).item) }
    }

    /// Accuracy (classification) or mean squared error of the model on a split.
    package func score(_ x: Tensor, _ t: Table) -> Double {
        let out = GradMode.withoutGradients { model.forward(x) }
        let C = out.shape[1]
        if isClassification {
            var right = 0
            for i in 0..<t.rows {
                let row = out.data + i * C
                let guess = (0..<C).max { row[$0] < row[$1] }!
                if Float(guess) == t.targets[i] { right += 1 }
            }
            return Double(right) / Double(max(t.rows, 1))
        }
        var s = 0.0
        for i in 0..<t.rows { let d = Double(out.data[i] - t.targets[i]); s += d * d }
        return s / Double(max(t.rows, 1))
    }

    package var metricName: String { isClassification ? "accuracy" : "mse" }

    package func evaluationScalars() -> [(tag: String, value: Double)] {
        [("val/\(metricName)", score(xVal, validation)), ("train/\(metricName)", score(xTrain, train))]
    }

    // MARK: Figures

    /// Per feature: the drop in the validation metric when that feature's column is shuffled (accuracy falls,
    /// MSE rises: both reported as "worse by"), and the mean |gradient × input| of the predicted output.
    package func importance() -> (permutation: [Double], gradientInput: [Double]) {
        let w = validation.width, n = validation.rows
        let base = score(xVal, validation)
        var rng = RandomGenerator(seed: config.seed &+ 0x1A9)
        var permutation: [Double] = []
        for j in 0..<w {
            let x = Tensor(xVal.scalars, shape: xVal.shape)
            var order = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(i + 1)) }
            for i in 0..<n { x.data[i * w + j] = xVal.data[order[i] * w + j] }
            let s = score(x, validation)
            permutation.append(isClassification ? base - s : s - base)
        }
        // Gradient × input: one backward of the sum of each row's predicted output.
        let x = Tensor(xVal.scalars, shape: xVal.shape)
        x.requiresGrad = true
        let out = model.forward(x)
        let C = out.shape[1]
        var pick = [Float](repeating: 0, count: n * C)
        for i in 0..<n {
            let row = out.data + i * C
            pick[i * C + (C == 1 ? 0 : (0..<C).max { row[$0] < row[$1] }!)] = 1
        }
        (out * Tensor(pick, shape: out.shape)).sum().backward()
        var gi = [Double](repeating: 0, count: w)
        if let g = x.grad {
            for i in 0..<n { for j in 0..<w { gi[j] += Double(abs(g.data[i * w + j] * x.data[i * w + j])) } }
        }
        for (_, p) in parameters { p.grad = nil }
        return (permutation, gi.map { $0 / Double(max(n, 1)) })
    }

    /// The model's figure at a checkpoint (one JSON document).
    package func figure(step: Int) -> MLPFigure {
        let imp = importance()
        let first = model.layers[0]
        let W = first.weight.shape[0], I = first.weight.shape[1]
        let trainLoss = GradMode.withoutGradients { () -> Double in Double(loss(model.forward(xTrain), train.targets).item) }
        var fig = MLPFigure(step: step, kind: "table", features: train.featureNames, target: train.targetName, classes: train.classes,
                            metric: metricName, trainMetric: score(xTrain, train), valMetric: score(xVal, validation),
                            trainLoss: trainLoss,
                            valLoss: validationLoss(),
                            permutationImportance: imp.permutation, gradientInput: imp.gradientInput,
                            firstLayer: (0..<W).map { o in (0..<I).map { first.weight.data[o * I + $0] } },
                            firstLayerBias: first.bias?.scalars ?? [])
        // The points (at most 600, training then validation) in the original units.
        var points: [[Float]] = []
        for (split, t) in [(Float(0), train), (Float(1), validation)] {
            let take = min(t.rows, split == 0 ? 450 : 150)
            for i in 0..<take { points.append(Array(t.row(i * t.rows / take)) + [t.targets[i * t.rows / take], split]) }
        }
        func range(_ j: Int) -> [Float] {
            var lo = Float.infinity, hi = -Float.infinity
            for t in [train, validation] { for i in 0..<t.rows { let v = t.features[i * t.width + j]; lo = min(lo, v); hi = max(hi, v) } }
            let pad = max((hi - lo) * 0.08, 1e-3)
            return [lo - pad, hi + pad]
        }
        if train.width == 2 && isClassification {
            let n = config.grid, xr = range(0), yr = range(1)
            var grid: [Float] = []
            grid.reserveCapacity(n * n * 2)
            for r in 0..<n {                       // rows from the top (high x2) down
                let y = yr[1] - (Float(r) + 0.5) / Float(n) * (yr[1] - yr[0])
                for c in 0..<n { grid += [xr[0] + (Float(c) + 0.5) / Float(n) * (xr[1] - xr[0]), y] }
            }
            let p = GradMode.withoutGradients { model.forward(standardizer.apply(grid, rows: n * n)).softmax() }
            let C = p.shape[1]
            var cls: [Int] = [], conf: [Float] = []
            for i in 0..<(n * n) {
                let row = p.data + i * C
                let k = (0..<C).max { row[$0] < row[$1] }!
                cls.append(k); conf.append((row[k] * 1000).rounded() / 1000)
            }
            fig.kind = "boundary"; fig.xRange = xr; fig.yRange = yr; fig.grid = n; fig.cellClass = cls; fig.cellConfidence = conf
            fig.points = points
        } else if train.width == 1 && !isClassification {
            let xr = range(0), n = 200
            let xs = (0..<n).map { xr[0] + Float($0) / Float(n - 1) * (xr[1] - xr[0]) }
            let y = GradMode.withoutGradients { model.forward(standardizer.apply(xs, rows: n)) }
            fig.kind = "fit"; fig.xRange = xr; fig.curve = (0..<n).map { [xs[$0], y.data[$0]] }
            fig.points = points
        }
        return fig
    }

    package func figures(step: Int) throws -> [(name: String, document: String)] {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(figure(step: step))
        return [("mlp", String(decoding: data, as: UTF8.self))]
    }

    package func writeModel(to folder: URL) throws {
        let c = MLPCheckpointConfig(model: model.config, features: train.featureNames, target: train.targetName,
                                    classes: train.classes, standardizer: standardizer)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(try encoder.encode(c), to: folder.appendingPathComponent("config.json"))
        try model.saveWeights(folder: folder)
    }
}

/// An MLPNetwork at a checkpoint, as the studio and the HTML export draw it.
package struct MLPFigure: Codable, Sendable {
    package var step: Int
    /// boundary (2 features, classes: `cell_class`/`cell_confidence` on a grid over `x_range` × `y_range`, rows
    /// from the top), fit (1 feature, regression: `curve` of [x, prediction]) or table (the rest).
    package var kind: String
    package var features: [String]
    package var target: String
    package var classes: [String]?
    /// accuracy or mse.
    package var metric: String
    package var trainMetric: Double
    package var valMetric: Double
    package var trainLoss: Double
    package var valLoss: Double
    /// Per feature: how much worse the validation metric gets when the feature is shuffled.
    package var permutationImportance: [Double]
    /// Per feature: mean |∂ predicted output / ∂ input × input| over the validation split (standardised inputs).
    package var gradientInput: [Double]
    /// The first layer's weights [unit][feature] (on standardised inputs) and biases.
    package var firstLayer: [[Float]]
    package var firstLayerBias: [Float]
    package var xRange: [Float]?
    package var yRange: [Float]?
    package var grid: Int?
    package var cellClass: [Int]?
    package var cellConfidence: [Float]?
    package var curve: [[Float]]?
    /// [feature values..., target, split (0 training, 1 validation)], in the original units.
    package var points: [[Float]]?

    enum CodingKeys: String, CodingKey {
        case step, kind, features, target, classes, metric, grid, curve, points
        case trainMetric = "train_metric", valMetric = "val_metric", trainLoss = "train_loss", valLoss = "val_loss"
        case permutationImportance = "permutation_importance", gradientInput = "gradient_input"
        case firstLayer = "first_layer", firstLayerBias = "first_layer_bias", xRange = "x_range", yRange = "y_range"
        case cellClass = "cell_class", cellConfidence = "cell_confidence"
    }
}

extension TrainingRun where Task == MLPTask {
    /// A new MLPNetwork run in `runsDirectory/<id>`.
    package convenience init(mlp config: MLPConfig, runsDirectory: URL, id: String? = nil) throws {
        let task = try MLPTask(config: config)
        let runID = id ?? Self.newRunID()
        self.init(task: task, state: RunState(run: runID, config: config), runDirectory: runsDirectory.appendingPathComponent(runID))
    }

    /// Continues an MLPNetwork run from its newest readable checkpoint, up to `steps` (default: the run's own).
    package convenience init(resumeMLP runDirectory: URL, steps: Int? = nil) throws {
        let (folder, ck, notes) = try Self.newestReadable(in: runDirectory) { folder -> (RunState<MLPConfig>, MLPNetwork, OptimizerState) in
            let state = try Checkpoint.readState(folder, as: MLPConfig.self)
            let data = FileManager.default.contents(atPath: folder.appendingPathComponent("config.json").path) ?? Data()
            let c: MLPCheckpointConfig
            do { c = try JSONDecoder().decode(MLPCheckpointConfig.self, from: data) } catch {
                throw TrainingError("\(folder.path)/config.json: not an MLPNetwork checkpoint's config (\(String(describing: error).prefix(200)))")
            }
            try c.model.validate()
            let model = MLPNetwork(c.model, seed: 0)
            do { try model.loadWeights(folder: folder) } catch { throw TrainingError("\(folder.path): \(error)") }
            return (state, model, try Checkpoint.readOptimizer(folder))
        }
        var state = ck.0
        if let steps { state.config.steps = steps }
        try state.config.validate()
        let table = try state.config.table()
        let split = table.split(validation: state.config.validationFraction, seed: state.config.seed &+ 0x5917)
        guard ck.1.config.inputs == table.width, ck.1.config.outputs == (table.classes?.count ?? 1) else {
            throw TrainingError("\(folder.path): the model has \(ck.1.config.inputs) inputs and \(ck.1.config.outputs) outputs; the data now has \(table.width) features and \((table.classes?.count ?? 1)) outputs")
        }
        let task = try MLPTask(config: state.config, train: split.train, validation: split.validation, model: ck.1)
        try ck.2.restore(into: task.optimizer, step: state.step)
        self.init(task: task, state: state, runDirectory: runDirectory, lastCheckpoint: folder, notes: notes + Checkpoint.manifestNotes(folder))
    }
}
