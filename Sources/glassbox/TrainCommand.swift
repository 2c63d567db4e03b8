import Tokenization
import ArgumentParser
import Foundation
import Interpretability
import Models
import RunStore
import Studio
import TensorCore
import Training

/// Probe prompts read out at every checkpoint into the run store (`ProbeSnapshot`): the prompts of --probe, or
/// the start of the validation split (what the model has not trained on).
func probePrompts(_ trainer: Trainer) throws -> [String] {
    let vocab = trainer.dataset.vocabulary
    if let given = trainer.config.probes {
        for p in given {
            let problem: String
            do { problem = try vocab.encodeText(p).count >= 2 ? "" : "has fewer than two tokens" } catch { problem = "\(error)" }
            guard problem.isEmpty else {
                throw ValidationError("--probe \(String(reflecting: String(p.prefix(40)))): needs at least two tokens of the corpus's vocabulary (its last is the answer): \(problem)")
            }
        }
        return given
    }
    let val = trainer.dataset.validation
    guard val.count >= 2 else { return [] }
    let n = min(val.count, max(2, min(trainer.config.block, 48)))
    return [vocab.decodeText(Array(val.prefix(n)))]
}

/// `glassbox train [gpt] ...` (the default), `glassbox train mlp ...`.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model, recording the run: a GPT on a text file (the default), or a classic model.",
        discussion: "glassbox train --steps 200 trains a GPT (glassbox train gpt --help); glassbox train mlp --help for the multilayer perceptron, glassbox train seq2seq --help for the LSTM encoder-decoder with attention.",
        subcommands: [TrainGPT.self, TrainMLP.self, TrainSeq2Seq.self],
        defaultSubcommand: TrainGPT.self
    )
}

struct TrainGPT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpt",
        abstract: "Train a character- or byte-level GPT on a text file, recording the run.",
        discussion: """
        Presets: s (4 layers, 4 heads, 128 wide, block 128, batch 16) and m (6 layers, 6 heads, 384 wide, \
        block 256, batch 16); every field can be overridden. Runs are recorded in <runs-dir>/glassbox.sqlite and \
        checkpoints written to <runs-dir>/<run>/checkpoints/step-NNNNNN (Hugging Face GPT-2 folders). \
        Ctrl-C checkpoints and stops; --resume RUN continues exactly. The classic models have their own         subcommands: glassbox train mlp --help.
        """,
        subcommands: [TrainMLP.self]
    )

    @Option(help: "Text corpus (UTF-8). Default: the bundled tinyshakespeare.") var data: String?
    @Option(help: "Model preset: s or m.") var preset: String = "s"
    @Option(help: "Tokenizer: char or byte.") var tokenizer: String = "char"
    @Option(help: "Training steps.") var steps: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Where runs are stored (checkpoints, event files; and the records, unless --store says otherwise).") var runsDir: String = "runs"
    @Option(help: "A shared run store, postgres://USER@HOST/DATABASE (?sslmode=require for TLS; the password from the URL or PGPASSWORD). Default: $GLASSBOX_STORE, else the runs directory.") var store: String?
    @Option(help: "A name for the run (letters, digits, - _ .), unique in the run store; usable wherever a run id is.")
    var name: String?
    @Option(help: "Continue this run (id or unique prefix) from its newest checkpoint.") var resume: String?
    @Option(help: "A probe prompt read out at every checkpoint (logit lens, top predictions, head entropy, loss; its last token is the answer). Repeatable; default: the start of the validation split.")
    var probe: [String] = []
    @Option(help: "Transformer layers.") var layers: Int?
    @Option(help: "Attention heads.") var heads: Int?
    @Option(help: "Model width (embedding size).") var width: Int?
    @Option(help: "Context length (block size).") var block: Int?
    @Option(help: "Sequences per batch.") var batch: Int?
    @Option(name: .customLong("lr"), help: "Peak learning rate.") var learningRate: Float?
    @Option(help: "Final learning rate of the cosine schedule.") var minLr: Float?
    @Option(help: "Learning-rate schedule: cosine (with warm-up) or constant.") var schedule: String?
    @Option(help: "Warm-up steps.") var warmup: Int?
    @Option(help: "AdamW weight decay (matrices and embeddings).") var weightDecay: Float?
    @Option(help: "Dropout probability.") var dropout: Float?
    @Option(help: "Clip the global gradient norm to this (0: off).") var clip: Float?
    @Option(help: "Record scalars every N steps.") var logInterval: Int?
    @Option(help: "Evaluate validation loss every N steps.") var evalInterval: Int?
    @Option(help: "Validation batches per evaluation.") var evalBatches: Int?
    @Option(help: "Record histograms and a text sample every N steps.") var sampleInterval: Int?
    @Option(help: "Write a checkpoint every N steps.") var checkpointInterval: Int?
    @Option(help: "Stop after N evaluations in a row where validation loss rose while training loss fell (0: never).")
    var earlyStop: Int?
    @Option(help: "Stop (with a checkpoint) after this step, as if interrupted.") var stopAt: Int?
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Keep the newest N checkpoints (0: all). The newest and any folder holding a file named KEEP are never removed.")
    var keepCheckpoints: Int = 5
    @Flag(help: "Print one JSON object per logged step and a final summary.") var json = false
    @Flag(help: "Serve the studio while training (127.0.0.1, --port) and print the run's address; after the run it keeps serving until Ctrl-C.")
    var serve = false
    @Option(help: "The studio's port with --serve (0: any free port).") var port: Int = 8080
    @Flag(inversion: .prefixedNo, help: "Also write TensorBoard event files (<runs-dir>/<run>/events.out.tfevents.*).")
    var tensorboard = true

    /// Starts the studio in a process of its own (StudioSupervisor.swift): the training never depends on it.
    /// Returns once it listens, or throws.
    func startStudio(run id: String) throws -> StudioSupervisor {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port) is not a port (0 to 65535)") }
        var environment = ProcessInfo.processInfo.environment
        // The store goes by the environment, not the command line: a password in a URL stays out of `ps`.
        if let url = RunStores.url(option: store) { environment["GLASSBOX_STORE"] = url }
        let runsURL = URL(fileURLWithPath: runsDir)
        let studio = try StudioSupervisor(arguments: ["--runs-dir", runsDir], port: port, environment: environment,
                                          log: runsURL.appendingPathComponent(id).appendingPathComponent("studio.log"))
        let json = self.json
        studio.onRestart = { text in json ? Terminal.err("warning: \(text)") : Terminal.err(Terminal.yellow("warning: ") + text) }
        let url = try studio.start()
        let runURL = url + "runs/\(id)"
        json ? Terminal.err("studio: \(runURL)") : print(Terminal.bold("studio: ") + runURL)
        Terminal.flush()
        return studio
    }

    func run() throws {
        let job = try TrainingJob.join(threads: threads)
        try TrainingJob.run(job) { try train(job: job) }
    }

    /// One process's part: alone, or rank `job.rank` of a data-parallel job (rank 0 records, prints and serves).
    func train(job: MPICollective?) throws {
        let leader = job?.isLeader ?? true
        guard !runsDir.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--runs-dir is empty: give a folder for the runs") }
        let runsURL = URL(fileURLWithPath: runsDir)
        let database = try RunStores.open(url: RunStores.url(option: store), runsDirectory: runsURL)
        let trainer: Trainer
        if let resume {
            if name != nil { throw ValidationError("--name names a new run; a resumed run keeps its name") }
            let record = try database.run(resume)
            trainer = try TrainingJob.leaderFirst { try Trainer(resume: runsURL.appendingPathComponent(record.id), steps: steps) }
        } else {
            var config = TrainConfig(dataPath: "")
            guard let path = data ?? defaultCorpusPath() else {
                throw ValidationError("no --data given and the bundled corpus tinyshakespeare.txt was not found beside the binary "
                                      + "(looked in ./data, <bin>/../share/glassbox, <bin>/data): give --data FILE or set GLASSBOX_DATA")
            }
            config.dataPath = path
            try config.apply(preset: preset)
            guard let kind = TokenizerKind(rawValue: tokenizer) else {
                throw ValidationError("unknown tokenizer '\(tokenizer)' (char or byte)")
            }
            config.tokenizer = kind
            config.seed = seed
            if let name {
                try TrainConfig.checkRunName(name)
                if leader, let other = try database.runID(named: name) { throw ValidationError("a run named '\(name)' already exists (\(other)) in \(runsDir)") }
                config.name = name
            }
            if let steps { config.steps = steps }
            if let layers { config.layers = layers }
            if let heads { config.heads = heads }
            if let width { config.width = width }
            if let block { config.block = block }
            if let batch { config.batch = batch }
            if let learningRate { config.learningRate = learningRate }
            if let minLr { config.minLearningRate = minLr }
            if let schedule { config.schedule = schedule }
            if let warmup { config.warmupSteps = warmup }
            if let weightDecay { config.weightDecay = weightDecay }
            if let dropout { config.dropout = dropout }
            if let clip { config.gradClip = clip }
            if let logInterval { config.logInterval = logInterval }
            if let evalInterval { config.evalInterval = evalInterval }
            if let evalBatches { config.evalBatches = evalBatches }
            if let sampleInterval { config.sampleInterval = sampleInterval }
            if let checkpointInterval { config.checkpointInterval = checkpointInterval }
            if let earlyStop { config.earlyStopPatience = earlyStop }
            if !probe.isEmpty {
                guard probe.count <= 16 else { throw ValidationError("--probe: at most 16 probes, got \(probe.count)") }
                config.probes = probe
            }
            config.threads = Parallel.threads
            try TrainingJob.checkBatch(config.batch, job, unit: "sequence")
            trainer = try Trainer(config: config, runsDirectory: runsURL, id: try TrainingJob.newRunID())
        }
        guard keepCheckpoints >= 0 else { throw ValidationError("--keep-checkpoints must be >= 0 (0: keep all), got \(keepCheckpoints)") }
        trainer.keepCheckpoints = keepCheckpoints
        trainer.stopAt = stopAt
        installInterruptHandler()
        trainer.shouldStop = { interruptRequested }
        // The other ranks train quietly: rank 0 records, prints and serves.
        guard let peers = try TrainingJob.attach(trainer) else { return }
        for note in trainer.notes { json ? Terminal.err("note: \(note)") : print(Terminal.yellow("note: ") + note) }
        let recorder = RunRecorder(database: database)
        let events = tensorboard ? TensorBoardSink(runsDirectory: runsURL) : nil
        trainer.sink = events.map { SinkGroup([recorder, $0]) } ?? recorder
        // MFU against the hardware's FMA peak for these threads (a register-bound loop, a few milliseconds), of
        // every rank.
        trainer.peakFlops = MatrixKernels.fmaPeakPerCore() * Double(Parallel.threads * (job?.size ?? 1)) * 1e9
        let studio = serve ? try startStudio(run: trainer.id) : nil
        defer { studio?.stop() }
        let c = trainer.config
        let progress = ProgressPrinter(json: json, total: c.steps, tokensPerStep: c.batch * c.block)
        if !json {
            print(Terminal.bold("glassbox train") + " run \(trainer.id)" + (c.name.map { " (\($0))" } ?? "") + (trainer.state.step > 0 ? " (resumed at step \(trainer.state.step))" : ""))
            print(Terminal.dim("  data \(c.dataPath) · \(c.tokenizer.rawValue)-level, vocabulary \(trainer.dataset.vocabulary.size) · \(trainer.dataset.train.count) train / \(trainer.dataset.validation.count) val tokens"))
            print(Terminal.dim("  model \(c.layers) layers × \(c.heads) heads × \(c.width) wide, block \(c.block), batch \(c.batch) · \(trainer.model.parameterCount) parameters · \(Parallel.threads) threads"
                               + (job.map { " × \($0.size) ranks (data-parallel, \($0.libraryVersion))" } ?? "")))
            let epochs = trainer.dataset.epochs(steps: c.steps, batch: c.batch, block: c.block)
            print(Terminal.dim(String(format: "  %d steps × %d tokens = %.2g passes (epochs) over the training split", c.steps, c.batch * c.block, epochs)))
        }
        if let warning = trainer.dataset.validationWarning(block: c.block) {
            json ? Terminal.err("warning: \(warning)") : print(Terminal.yellow("warning: ") + warning)
        }
        trainer.onStep = { progress.step($0) }
        trainer.onMessage = { progress.message($0) }
        trainer.onSample = { progress.sample(step: $0, text: $1) }
        try recordProbes(trainer)
        let summary = try TrainingJob.runWatched(trainer, peers: peers, database: database) { progress.finishLine() }
        if let problem = events?.problem { Terminal.err("warning: \(problem)") }
        if json {
            struct Extra: Encodable { var ranks: Int }
            print(try DocumentCoding.line(RunEndDocument(summary, Extra(ranks: job?.size ?? 1))))
        } else {
            let val = summary.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a"
            print("\(summary.status == "finished" ? Terminal.green("done") : Terminal.yellow(summary.status)): \(summary.steps) steps, train loss \(String(format: "%.4f", summary.finalTrainLoss)), val loss \(val)")
            if let ck = summary.checkpoint { print("checkpoint: \(ck)") }
            if summary.status == "interrupted" { print("resume with: glassbox train --resume \(summary.run) --runs-dir \(runsDir)") }
            print(Terminal.dim("see the run: glassbox runs show \(summary.run) --runs-dir \(runsDir)"))
        }
        if serve && interruptSignal == 0 {
            // The run is over; its pages stay up until Ctrl-C.
            print(Terminal.dim("still serving the studio · Ctrl-C to stop"))
            Terminal.flush()
            while !interruptRequested { usleep(100_000) }
            return
        }
        // Stopped by a signal: checkpointed and recorded as interrupted, then the conventional status 128 + signal.
        if summary.status == "interrupted" && interruptSignal != 0 {
            Terminal.flush()
            throw ExitCode(128 + interruptSignal)
        }
    }
}

/// Prints training progress: a one-line bar with ETA on a terminal, plain lines when piped, JSON with --json.
final class ProgressPrinter {
    let json: Bool, total: Int, tokensPerStep: Int
    /// What a step trains on: tokens, or examples.
    let unit: String
    var lastDraw = Date.distantPast
    var barShown = false

    init(json: Bool, total: Int, tokensPerStep: Int, unit: String = "tokens") {
        self.json = json; self.total = total; self.tokensPerStep = tokensPerStep; self.unit = unit
    }
    var rateLabel: String { unit == "tokens" ? "tok/s" : "ex/s" }

    func step(_ r: StepReport) {
        if json {
            guard r.logged || r.valLoss != nil else { return }
            print((try? DocumentCoding.line(StepLine(report: r, unit: unit))) ?? "{}")
            Terminal.flush()
            return
        }
        let rate = r.elapsedSeconds / Double(max(r.step, 1))
        let eta = rate * Double(total - r.step)
        if Terminal.isTTY {
            if let v = r.valLoss {
                clearBar()
                print(String(format: "step %5d  train %.4f  val %.4f", r.step, r.loss, v))
            }
            guard Date().timeIntervalSince(lastDraw) > 0.1 || r.step == total else { return }
            lastDraw = Date()
            let width = 28
            let filled = Int(Double(width) * Double(r.step) / Double(max(total, 1)))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            let line = String(format: "%@ %d/%d  loss %.4f  %.0f %@  ETA %@", bar, r.step, total, r.loss,
                              r.tokensPerSecond, rateLabel, Terminal.duration(eta))
            print("\r\u{1B}[2K" + line, terminator: "")
            Terminal.flush()
            barShown = true
        } else if r.logged || r.valLoss != nil {
            var line = String(format: "step %d/%d  loss %.4f  lr %.2e  grad %.3f  %.0f %@  ETA %@", r.step, total, r.loss,
                              r.learningRate, r.gradNorm, r.tokensPerSecond, rateLabel, Terminal.duration(eta))
            if let v = r.valLoss { line += String(format: "  val %.4f", v) }
            print(line)
            Terminal.flush()
        }
    }

    func message(_ text: String) {
        clearBar()
        if json { Terminal.err("warning: \(text)") } else { print(Terminal.yellow("warning: ") + text) }
    }

    /// Shows a text sample between progress lines (not in JSON mode: samples are in the run database).
    func sample(step: Int, text: String) {
        guard !json else { return }
        clearBar()
        print(Terminal.dim("── sample at step \(step) ──"))
        print(text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false)
            .prefix(6).map { "  " + $0 }.joined(separator: "\n"))
    }

    func clearBar() {
        if barShown { print("\r\u{1B}[2K", terminator: ""); barShown = false }
    }

    func finishLine() {
        if barShown { print(""); barShown = false }
    }
}

extension TrainGPT {
    /// Reads the probes out at every checkpoint (one forward each, after the checkpoint is written).
    func recordProbes(_ trainer: Trainer) throws {
        let prompts = try probePrompts(trainer)
        guard !prompts.isEmpty else { return }
        let vocab = trainer.dataset.vocabulary
        trainer.onCheckpoint = { [weak trainer] step, task in
            guard let trainer else { return }
            let model = task.model
            for (i, text) in prompts.enumerated() {
                do {
                    let snap = try ProbeSnapshot.take(model: model, tokenizer: vocab, text: text, probe: i, step: step,
                                                      maxTokens: model.config.blockSize)
                    trainer.sink?.probe(step: step, index: i, document: try DocumentCoding.line(snap))
                } catch {
                    trainer.warn(step: step, "probe \(i) was not read out at step \(step): \(error)")
                }
            }
            // A store failure is kept in `sink.failure`, which the trainer checks (and stops on) after this call.
            try? trainer.sink?.flush()
        }
    }
}

/// One `--json` line per logged step: the rate under its unit's name (tokens_per_s, examples_per_s); a value that is
/// not a finite number is written as null.
struct StepLine: Encodable {
    var report: StepReport
    var unit: String

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: NamedKey.self)
        func put(_ v: Double?, _ key: String) throws { try c.encode(v.flatMap { $0.isFinite ? $0 : nil }, forKey: NamedKey(key)) }
        try c.encode(report.step, forKey: NamedKey("step"))
        try put(report.loss, "loss"); try put(report.learningRate, "lr"); try put(report.gradNorm, "grad_norm")
        try put(report.tokensPerSecond, "\(unit)_per_s"); try put(report.elapsedSeconds, "elapsed_s")
        if let v = report.valLoss { try put(v, "val_loss") }
    }
}
