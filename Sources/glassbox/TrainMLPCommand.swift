import ArgumentParser
import Foundation
import Interpretability
import ModelFormats
import Models
import Reports
import RunStore
import TensorCore
import Training

struct TrainMLP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mlp",
        abstract: "Train a multilayer perceptron on a generated 2-D or 1-D task, or on a CSV table, recording the run.",
        discussion: """
        Tasks: \(Table.tasks.map { "\($0.name) (\($0.about))" }.joined(separator: "; ")). \
        Features are standardised with the training split's mean and deviation; --validation of the examples are \
        held out. Optimizers: gd (full-batch gradient descent), sgd (mini-batch), momentum (mini-batch, momentum \
        0.9), adam. At every checkpoint the run records the decision boundary (2 features) or the fitted function \
        (1 feature), the features' importance and the first layer's weights: the studio animates them across \
        checkpoints. --preset overfit trains a network far too large on too few points, to watch it overfit.
        """
    )

    @Option(help: "A generated task: \(Table.tasks.map(\.name).joined(separator: ", ")).") var task: String?
    @Option(help: "A CSV file of numeric columns with a header row (instead of --task).") var csv: String?
    @Option(help: "The CSV column to predict.") var target: String?
    @Flag(help: "Treat the CSV target as classes (default: classes when its values are whole numbers with at most 20 distinct).")
    var classification = false
    @Flag(help: "Treat the CSV target as values to predict (regression).") var regression = false
    @Option(help: "Settings for teaching: overfit (a network far too large for 60 noisy points).") var preset: String?
    @Option(help: "Examples to generate.") var points: Int?
    @Option(help: "Noise of the generated examples (default per task).") var noise: Float?
    @Option(help: "Fraction of the examples held out for validation.") var validation: Double?
    @Option(help: "Hidden layer widths, e.g. 64,64.") var hidden: String?
    @Option(help: "Activation: relu, tanh or sigmoid.") var activation: String?
    @Option(help: "Optimizer: gd, sgd, momentum or adam.") var optimizer: String?
    @Option(help: "Loss: ce (cross-entropy) or mse (default: ce for classes, mse for values).") var loss: String?
    @Option(help: "Examples per step (0: the whole training split; default 0 for gd and adam, 32 for sgd and momentum).") var batch: Int?
    @Option(help: "Training steps.") var steps: Int?
    @Option(name: .customLong("lr"), help: "Learning rate.") var learningRate: Float?
    @Option(help: "Momentum of --optimizer momentum.") var momentum: Float?
    @Option(help: "L2 weight decay.") var weightDecay: Float?
    @Option(help: "Clip the global gradient norm to this (0: off).") var clip: Float?
    @Option(help: "Random seed (data, split and weights).") var seed: UInt64 = 0
    @Option(help: "Record scalars every N steps.") var logInterval: Int?
    @Option(help: "Evaluate on the validation split every N steps.") var evalInterval: Int?
    @Option(help: "Write a checkpoint (and the figures) every N steps.") var checkpointInterval: Int?
    @Option(help: "Stop after N evaluations in a row where validation loss rose while training loss fell (0: never).") var earlyStop: Int?
    @Option(help: "Cells per side of the decision-boundary grid.") var grid: Int?
    @OptionGroup var recorded: RecordedRunOptions
    @Option(help: "Also write a self-contained HTML page of the run: the decision boundary (or fitted function) across checkpoints, the features' importance, the first layer.")
    var html: String?

    func configuration() throws -> MLPConfig {
        var c = MLPConfig()
        if let preset { try c.apply(preset: preset) }
        if let task { c.task = task; c.csv = nil }
        if let csv {
            guard task == nil, preset == nil else { throw ValidationError("--csv replaces --task and --preset: give one of them") }
            c.task = nil; c.csv = csv; c.target = target
        } else if target != nil {
            throw ValidationError("--target names a column of --csv")
        }
        if c.task == nil && c.csv == nil { c.task = "spirals" }
        guard !(classification && regression) else { throw ValidationError("--classification and --regression exclude each other") }
        if classification { c.classification = true }
        if regression { c.classification = false }
        if let t = c.task, preset == nil {
            guard let info = Table.tasks.first(where: { $0.name == t }) else {
                throw ValidationError("unknown task '\(t.prefix(40))' (choose \(Table.tasks.map(\.name).joined(separator: ", ")), or give --csv FILE)")
            }
            c.noise = info.noise
            c.loss = info.classification ? "ce" : "mse"
        }
        if c.csv != nil && loss == nil {
            // Decided by the data: classes get cross-entropy, values the squared error.
            c.loss = try c.table().isClassification ? "ce" : "mse"
        }
        if let points { c.points = points }
        if let noise { c.noise = noise }
        if let validation { c.validationFraction = validation }
        if let hidden {
            let widths = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !widths.isEmpty, widths.allSatisfy({ $0 != nil }) else { throw ValidationError("--hidden: '\(hidden.prefix(40))' is not a list of widths such as 64,64") }
            c.hidden = widths.map { $0! }
        }
        if let activation {
            guard let a = MLPNetwork.Activation(rawValue: activation) else { throw ValidationError("--activation: '\(activation.prefix(20))' is not relu, tanh or sigmoid") }
            c.activation = a
        }
        if let optimizer {
            c.optimizer = optimizer
            if batch == nil { c.batch = ["sgd", "momentum"].contains(optimizer) ? 32 : 0 }
        }
        if let loss { c.loss = loss }
        if let batch { c.batch = batch }
        if let steps { c.steps = steps }
        if let learningRate { c.learningRate = learningRate }
        if let momentum { c.momentum = momentum }
        if let weightDecay { c.weightDecay = weightDecay }
        if let clip { c.gradClip = clip }
        c.seed = seed
        if let logInterval { c.logInterval = logInterval }
        if let evalInterval { c.evalInterval = evalInterval }
        if let checkpointInterval { c.checkpointInterval = checkpointInterval }
        if let earlyStop { c.earlyStopPatience = earlyStop }
        if let grid { c.grid = grid }
        return c
    }

    func run() throws {
        try TrainingJob.run(try TrainingJob.join(threads: recorded.threads)) { try train() }
    }

    func train() throws {
        if let html { try Inspect.checkWritable(html) }
        let database = try recorded.open()
        let trainer: TrainingRun<MLPTask>
        do {
            if recorded.resume != nil {
                let folder = try recorded.resumedRun(in: database, kind: "mlp", what: "an MLPNetwork: resume it with glassbox train --resume")
                trainer = try TrainingJob.leaderFirst { try TrainingRun<MLPTask>(resumeMLP: folder, steps: steps) }
            } else {
                var c = try configuration()
                c.name = try recorded.newRunName(in: database)
                try TrainingJob.checkBatch(c.batch, unit: "example")
                trainer = try TrainingRun<MLPTask>(mlp: c, runsDirectory: recorded.runsURL, id: try TrainingJob.newRunID())
            }
        } catch let e as TrainingError {
            throw ValidationError(e.description)
        }
        let c = trainer.config, task = trainer.task
        let header = {
            let data = c.task.map { "task \($0) (\(c.points) points, noise \(c.noise))" } ?? "\(c.csv ?? "") → \(task.train.targetName)"
            print(Terminal.bold("glassbox train mlp") + " run \(trainer.id)" + (c.name.map { " (\($0))" } ?? "") + (trainer.state.step > 0 ? " (resumed at step \(trainer.state.step))" : ""))
            print(Terminal.dim("  \(data) · \(task.train.rows) train / \(task.validation.rows) validation · \(task.isClassification ? "\(task.train.classes?.count ?? 0) classes" : "regression")"))
            print(Terminal.dim("  MLP \(task.model.config.widths.map(String.init).joined(separator: " → ")) (\(c.activation.rawValue)) · \(trainer.parameterCount) parameters · \(c.optimizer), lr \(c.learningRate), batch \(c.batch == 0 ? "all" : String(c.batch)) · loss \(task.isClassification ? c.loss : "mse")"))
        }
        guard let (summary, warnings) = try runRecorded(trainer, database: database, options: recorded, header: header) else { return }
        let metric = task.metricName
        let valMetric = task.score(task.xVal, task.validation), trainMetric = task.score(task.xTrain, task.train)
        if recorded.json {
            /// The metric's name is part of its keys (val_accuracy, train_mse).
            struct Extra: Encodable {
                var metric: String, val: Double, train: Double, warnings: Int, parameters: Int, trainExamples: Int, valExamples: Int
                var noiseVariance: Double?
                func encode(to encoder: Encoder) throws {
                    var c = encoder.container(keyedBy: NamedKey.self)
                    try c.encode(val, forKey: NamedKey("val_\(metric)")); try c.encode(train, forKey: NamedKey("train_\(metric)"))
                    try c.encode(warnings, forKey: NamedKey("warnings")); try c.encode(parameters, forKey: NamedKey("parameters"))
                    try c.encode(trainExamples, forKey: NamedKey("train_examples")); try c.encode(valExamples, forKey: NamedKey("val_examples"))
                    try c.encodeIfPresent(noiseVariance, forKey: NamedKey("noise_variance"))
                }
            }
            let noise = metric == "mse" && (c.task == "sine" || c.task == "linear") ? Double(c.noise * c.noise) : nil
            print(try DocumentCoding.line(RunEndDocument(summary, Extra(
                metric: metric, val: valMetric, train: trainMetric, warnings: warnings, parameters: trainer.parameterCount,
                trainExamples: task.train.rows, valExamples: task.validation.rows, noiseVariance: noise))))
        } else {
            let shown = metric == "accuracy" ? String(format: "val accuracy %.1f%% (train %.1f%%)", 100 * valMetric, 100 * trainMetric)
                                             : String(format: "val MSE %.4g (train %.4g)", valMetric, trainMetric)
            print("\(summary.status == "finished" ? Terminal.green("done") : Terminal.yellow(summary.status)): \(summary.steps) steps, \(shown), val loss \(summary.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a")")
            if warnings > 0 { print(Terminal.yellow("overfitting: ") + "the validation loss rose while the training loss fell at \(warnings) evaluation\(warnings == 1 ? "" : "s")") }
            if let ck = summary.checkpoint { print("checkpoint: \(ck)") }
            if summary.status == "interrupted" { print("resume with: glassbox train mlp --resume \(summary.run) --runs-dir \(recorded.runsDir)") }
            print(Terminal.dim("see it: glassbox serve --runs-dir \(recorded.runsDir)  (the decision boundary across checkpoints on the run's page)"))
        }
        if let html {
            try writeReport(html, run: trainer.id, database: database, config: c)
            if !recorded.json { print("report: \(html)") }
        }
        try exitIfInterrupted(summary)
    }

    /// The run's page as one HTML file (kind "mlp"): its settings and every checkpoint's figure.
    func writeReport(_ path: String, run id: String, database: any RunStorage, config: MLPConfig) throws {
        let settings = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(config))
        let doc = try RunPageDocument(run: id, figure: "mlp", in: database, config: settings, losses: false)
        let page = try HTMLReport.render(kind: "mlp", title: "Glassbox — MLP \(doc.run.name)", document: doc)
        do { try writeAtomically(Data(page.utf8), to: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("--html \(path): cannot write (\(error))")
        }
    }
}

/// What every recorded run of a classic model or a fine-tuning takes besides its own settings: where runs live,
/// the new run's name or the run to resume, threads, checkpoints kept, and how it reports.
struct RecordedRunOptions: ParsableArguments {
    @Option(help: "Where runs are stored (checkpoints, event files; and the records, unless --store says otherwise).") var runsDir: String = "runs"
    @Option(help: "A shared run store, postgres://USER@HOST/DATABASE (?sslmode=require for TLS; the password from the URL or PGPASSWORD). Default: $GLASSBOX_STORE, else the runs directory.") var store: String?
    @Option(help: "A name for the run (letters, digits, - _ .), unique in the run store.") var name: String?
    @Option(help: "Continue this run (id or unique prefix, a run of the same kind) from its newest checkpoint.") var resume: String?
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Keep the newest N checkpoints (0: all).") var keepCheckpoints: Int = 0
    @Flag(help: "Print one JSON object per logged step and a final summary.") var json = false
    @Flag(inversion: .prefixedNo, help: "Also write TensorBoard event files.") var tensorboard = true

    func validate() throws {
        guard !runsDir.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--runs-dir is empty: give a folder for the runs") }
        guard keepCheckpoints >= 0 else { throw ValidationError("--keep-checkpoints must be >= 0 (0: keep all), got \(keepCheckpoints)") }
        if resume != nil && name != nil { throw ValidationError("--name names a new run; a resumed run keeps its name") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    var runsURL: URL { URL(fileURLWithPath: runsDir) }

    /// Opens the run store (the threads are set by `TrainingJob.join`).
    func open() throws -> any RunStorage {
        try RunStores.open(url: RunStores.url(option: store), runsDirectory: runsURL)
    }

    /// The --name for a new run, checked and unused in the store (nil when none was given). In a job, rank 0
    /// looks it up (the others could find the run it has started meanwhile).
    func newRunName(in database: any RunStorage) throws -> String? {
        guard let name else { return nil }
        try TrainConfig.checkRunName(name)
        if TrainingJob.current?.isLeader ?? true, let other = try database.runID(named: name) { throw ValidationError("a run named '\(name)' already exists (\(other)) in \(database.location)") }
        return name
    }

    /// The folder of the --resume run, which must be of `kind` (`what` names it in the error).
    func resumedRun(in database: any RunStorage, kind: String, what: String) throws -> URL {
        let record = try database.run(resume ?? "")
        guard record.kind == kind else { throw ValidationError("run \(record.id) is a \(record.kind) run, not \(what)") }
        return runsURL.appendingPathComponent(record.id)
    }
}

/// Runs a classic model's training with the run store (and TensorBoard files) as its record, Ctrl-C as a
/// checkpointed stop, a progress bar or JSON lines, and the first overfitting warnings in full (the rest counted,
/// all in the run's record). Returns the summary and the number of warnings.
func runRecorded<T: TrainingTask>(_ trainer: TrainingRun<T>, database: any RunStorage, options: RecordedRunOptions,
                                  header: () -> Void) throws -> (TrainSummary, Int)? {
    let json = options.json, runsURL = options.runsURL
    trainer.keepCheckpoints = options.keepCheckpoints
    installInterruptHandler()
    trainer.shouldStop = { interruptRequested }
    // In a data-parallel job the other ranks train quietly (nil): rank 0 records and reports.
    guard let peers = try TrainingJob.attach(trainer) else { return nil }
    for note in trainer.notes { json ? Terminal.err("note: \(note)") : print(Terminal.yellow("note: ") + note) }
    let recorder = RunRecorder(database: database)
    let events = options.tensorboard ? TensorBoardSink(runsDirectory: runsURL) : nil
    trainer.sink = events.map { SinkGroup([recorder, $0]) } ?? recorder
    let progress = ProgressPrinter(json: json, total: trainer.config.steps, tokensPerStep: trainer.task.itemsPerStep, unit: trainer.task.itemName)
    if !json { header() }
    var warnings = 0
    trainer.onStep = { progress.step($0) }
    trainer.onSample = { progress.sample(step: $0, text: $1) }
    trainer.onMessage = { text in
        warnings += 1
        if warnings <= 3 { progress.message(text) }
        if warnings == 3 { progress.message("further overfitting warnings are counted in the summary (all are in the run's messages)") }
    }
    let summary = try TrainingJob.runWatched(trainer, peers: peers, database: database) { progress.finishLine() }
    if let problem = events?.problem { Terminal.err("warning: \(problem)") }
    return (summary, warnings)
}

/// Stopped by a signal: checkpointed and recorded as interrupted, then the conventional status 128 + signal.
func exitIfInterrupted(_ summary: TrainSummary) throws {
    if summary.status == "interrupted" && interruptSignal != 0 {
        Terminal.flush()
        throw ExitCode(128 + interruptSignal)
    }
}
