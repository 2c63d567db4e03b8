import ArgumentParser
import Foundation
import Interpretability
import ModelFormats
import Models
import Reports
import RunStore
import TensorCore
import Training

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a pretrained model on instruction data (LoRA adapters on a Llama, every weight of a GPT trained here), recording the run.",
        discussion: """
        The data is a JSONL file of {"prompt": ..., "response": ...} lines (default: the bundled \
        instructions.jsonl, 420 generated examples of six small tasks). Prompts are written in the model's chat \
        template (ChatML for SmolLM2), and the loss counts only the response's tokens. A Llama's weights stay as \
        loaded (quantised and memory-mapped for a GGUF file): LoRA adapters on the attention projections (--targets \
        all adds the MLP's) are trained, and each checkpoint is an adapter folder in Hugging Face PEFT's layout \
        (adapter_model.safetensors + adapter_config.json) that `generate`, `chat`, `inspect` and the other model \
        commands load with --adapter. A GPT trained here (a checkpoint folder) is fine-tuned whole. At each \
        checkpoint a few held-out prompts are answered by the base and the fine-tuned model, side by side in \
        the studio.
        """
    )

    @Option(help: "The base model: a .gguf file or a model folder (default: the bundled SmolLM2-135M-Instruct).") var model: String?
    @Option(help: "A JSONL file of {\"prompt\", \"response\"} lines (default: the bundled instructions.jsonl).") var data: String?
    @Option(help: "lora (adapters; Llama models) or full (every weight; GPTs trained here). Default: by the model.") var method: String?
    @Option(help: "Rank of the LoRA adapters.") var loraRank: Int?
    @Option(help: "LoRA alpha (the update is scaled by alpha / rank).") var loraAlpha: Float?
    @Option(help: "Projections that get adapters: attention (q,k,v,o), all (also gate, up, down), or a list such as q_proj,v_proj.") var targets: String?
    @Option(help: "Training steps.") var steps: Int?
    @Option(name: .customLong("lr"), help: "Peak learning rate (linear warm-up, cosine decay to a tenth).") var learningRate: Float?
    @Option(help: "Warm-up steps.") var warmup: Int?
    @Option(help: "Examples per step.") var batch: Int?
    @Option(help: "Leave out examples longer than this many tokens.") var maxTokens: Int?
    @Option(help: "Examples held out for validation (at most a fifth of the data).") var validation: Int?
    @Option(help: "Held-out prompts answered before and after, at each checkpoint.") var compare: Int?
    @Option(help: "Tokens of each of those answers at the most.") var compareTokens: Int?
    @Option(help: "Decoupled weight decay.") var weightDecay: Float?
    @Option(help: "Clip the global gradient norm to this (0: off).") var clip: Float?
    @Option(help: "Random seed (the split, the adapters' start, the batches).") var seed: UInt64 = 0
    @Option(help: "Record scalars every N steps.") var logInterval: Int?
    @Option(help: "Evaluate on the held-out examples every N steps.") var evalInterval: Int?
    @Option(help: "Write a checkpoint (and the before/after answers) every N steps.") var checkpointInterval: Int?
    @Option(help: "Also write a self-contained HTML page of the run: the held-out answers before and after at every checkpoint, the losses.")
    var html: String?
    @OptionGroup var recorded: RecordedRunOptions

    func configuration(base: LoadedModel, dataPath: String) throws -> FinetuneConfig {
        var c = FinetuneConfig(model: base.path, data: dataPath)
        c.method = method ?? ((base.model as? any TrainableLanguageModel)?.defaultTuningMethod ?? .lora).rawValue
        if c.method == "full" && (loraRank != nil || loraAlpha != nil || targets != nil) {
            throw ValidationError("--lora-rank, --lora-alpha and --targets are settings of --method lora")
        }
        if let loraRank { c.rank = loraRank }
        c.alpha = loraAlpha ?? Float(2 * c.rank)
        if let targets {
            switch targets {
            case "attention": c.targets = LoRAAdapter.attentionTargets
            case "all": c.targets = LoRAAdapter.attentionTargets + LoRAAdapter.mlpTargets
            default: c.targets = targets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        if c.method == "full" { c.learningRate = 3e-4 }
        if let steps { c.steps = steps }
        if let learningRate { c.learningRate = learningRate }
        if let warmup { c.warmup = warmup }
        if let batch { c.batch = batch }
        if let maxTokens { c.maxTokens = maxTokens }
        if let validation { c.validationExamples = validation }
        if let compare { c.compare = compare }
        if let compareTokens { c.compareTokens = compareTokens }
        if let weightDecay { c.weightDecay = weightDecay }
        if let clip { c.gradClip = clip }
        c.seed = seed
        if let logInterval { c.logInterval = logInterval }
        if let evalInterval { c.evalInterval = evalInterval }
        if let checkpointInterval { c.checkpointInterval = checkpointInterval }
        c.sampleInterval = c.checkpointInterval
        return c
    }

    func run() throws {
        try TrainingJob.run(try TrainingJob.join(threads: recorded.threads)) { try train() }
    }

    func train() throws {
        let residentAtStart = BufferMemory.residentBytes()
        if let html { try Inspect.checkWritable(html) }
        let database = try recorded.open()
        let json = recorded.json
        let trainer: TrainingRun<FinetuneTask>
        do {
            if recorded.resume != nil {
                if model != nil || data != nil || method != nil { throw ValidationError("a resumed run keeps its model, data and method") }
                let folder = try recorded.resumedRun(in: database, kind: "finetune", what: "a fine-tuning run")
                trainer = try TrainingJob.leaderFirst { try TrainingRun<FinetuneTask>(resumeFinetune: folder, steps: steps) }
            } else {
                let base: LoadedModel
                do { base = try ModelLoader.load(model) } catch { throw ValidationError("--model: \(error)") }
                guard let dataPath = data ?? defaultDataPath("instructions.jsonl") else {
                    throw ValidationError("no --data given and the bundled instructions.jsonl was not found beside the binary (give --data FILE.jsonl)")
                }
                var c = try configuration(base: base, dataPath: dataPath)
                c.name = try recorded.newRunName(in: database)
                try TrainingJob.checkBatch(c.batch, unit: "example")
                if !json && TrainingJob.current?.isLeader ?? true { print(Terminal.dim("measuring the base model on the held-out examples…")) }
                let id = try TrainingJob.newRunID()
                trainer = try TrainingRun<FinetuneTask>(finetune: c, base: base, runsDirectory: recorded.runsURL, id: id)
            }
        } catch let e as TrainingError {
            throw ValidationError(e.description)
        }
        let c = trainer.config, task = trainer.task
        let modelBytes = try FileManager.default.attributesOfItem(atPath: c.model)[.size] as? Int ?? 0
        let header = {
            print(Terminal.bold("glassbox finetune") + " run \(trainer.id)" + (c.name.map { " (\($0))" } ?? "") + (trainer.state.step > 0 ? " (resumed at step \(trainer.state.step))" : ""))
            print(Terminal.dim("  \(URL(fileURLWithPath: c.model).lastPathComponent) · \(URL(fileURLWithPath: c.data).lastPathComponent): \(task.train.count) train / \(task.validation.count) held out\(task.skipped > 0 ? " (\(task.skipped) too long, left out)" : "") · \(task.format.isChat ? "chat template" : "plain Question/Answer format")"))
            let what = c.method == "lora" ? "LoRA r \(c.rank), alpha \(c.alpha) on \(LoRAAdapter.ordered(c.targets).joined(separator: " ")) · \(Terminal.compactCount(trainer.parameterCount)) trainable parameters, the base frozen"
                                          : "every weight · \(Terminal.compactCount(trainer.parameterCount)) parameters"
            print(Terminal.dim("  \(what) · lr \(c.learningRate), batch \(c.batch) · base held-out loss \(String(format: "%.4f", task.baseValidationLoss))"))
        }
        BufferMemory.resetPeak()
        let started = Date()
        let startStep = trainer.state.step
        guard let (summary, warnings) = try runRecorded(trainer, database: database, options: recorded, header: header) else { return }
        let seconds = Date().timeIntervalSince(started)
        let peak = BufferMemory.peakResidentBytes(), tensors = BufferMemory.peakLiveBytes
        // Parameters, their gradients and two Adam moments.
        let trainableBytes = trainer.parameterCount * 4 * 4
        let comparisons = zip(task.heldOut.prefix(c.compare), zip(task.baseAnswers, try task.tunedAnswers())).map { e, a in
            ["prompt": e.prompt, "reference": e.response, "base": a.0, "tuned": a.1]
        }
        let mb = { (b: Int) in (Double(b) / 1_048_576 * 10).rounded() / 10 }
        if json {
            struct Extra: Encodable {
                var method: String, baseValLoss: Double, trainableParameters: Int, trainExamples: Int, valExamples: Int, skippedExamples: Int
                var stepsPerSecond: Double, seconds: Double, peakRSS: Double, rssAtStart: Double, peakTensor: Double, modelFile: Double
                var trainableState: Double, warnings: Int, examples: [[String: String]], output: String?
                enum CodingKeys: String, CodingKey {
                    case method, baseValLoss = "base_val_loss", trainableParameters = "trainable_parameters", trainExamples = "train_examples"
                    case valExamples = "val_examples", skippedExamples = "skipped_examples", stepsPerSecond = "steps_per_s", seconds
                    case peakRSS = "peak_rss_mb", rssAtStart = "rss_at_start_mb", peakTensor = "peak_tensor_mb", modelFile = "model_file_mb"
                    case trainableState = "trainable_state_mb", warnings, examples
                }
                func encode(to encoder: Encoder) throws {
                    var k = encoder.container(keyedBy: CodingKeys.self)
                    try k.encode(method, forKey: .method); try k.encode(baseValLoss, forKey: .baseValLoss)
                    try k.encode(trainableParameters, forKey: .trainableParameters); try k.encode(trainExamples, forKey: .trainExamples)
                    try k.encode(valExamples, forKey: .valExamples); try k.encode(skippedExamples, forKey: .skippedExamples)
                    try k.encode(stepsPerSecond, forKey: .stepsPerSecond); try k.encode(seconds, forKey: .seconds)
                    try k.encode(peakRSS, forKey: .peakRSS); try k.encode(rssAtStart, forKey: .rssAtStart); try k.encode(peakTensor, forKey: .peakTensor)
                    try k.encode(modelFile, forKey: .modelFile); try k.encode(trainableState, forKey: .trainableState)
                    try k.encode(warnings, forKey: .warnings); try k.encode(examples, forKey: .examples)
                    // The checkpoint under its kind's name: the adapter folder (LoRA) or the model folder (full).
                    var named = encoder.container(keyedBy: NamedKey.self)
                    try named.encode(output, forKey: NamedKey(method == "lora" ? "adapter" : "model"))
                }
            }
            print(try DocumentCoding.line(RunEndDocument(summary, Extra(
                method: c.method, baseValLoss: task.baseValidationLoss, trainableParameters: trainer.parameterCount,
                trainExamples: task.train.count, valExamples: task.validation.count, skippedExamples: task.skipped,
                stepsPerSecond: Double(summary.steps - startStep) / max(seconds, 1e-9), seconds: seconds, peakRSS: mb(peak),
                rssAtStart: mb(residentAtStart), peakTensor: mb(tensors), modelFile: mb(modelBytes), trainableState: mb(trainableBytes),
                warnings: warnings, examples: comparisons, output: summary.checkpoint))))
        } else {
            let val = summary.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a"
            print("\(summary.status == "finished" ? Terminal.green("done") : Terminal.yellow(summary.status)): \(summary.steps) steps, held-out loss \(String(format: "%.4f", task.baseValidationLoss)) → \(val)")
            print(Terminal.dim(String(format: "  %.2f steps/s · peak resident %.0f MiB (model file %.0f MiB, tensors at most %.0f MiB)",
                                      Double(summary.steps - startStep) / max(seconds, 1e-9), mb(peak), mb(modelBytes), mb(tensors))))
            for row in comparisons {
                print(Terminal.bold("  ▸ ") + (row["prompt"] ?? ""))
                print("    " + Terminal.dim("base:  ") + (row["base"] ?? "").replacingOccurrences(of: "\n", with: " ⏎ "))
                print("    " + Terminal.dim("tuned: ") + (row["tuned"] ?? "").replacingOccurrences(of: "\n", with: " ⏎ "))
            }
            if let ck = summary.checkpoint {
                if c.method == "lora" {
                    print("adapter: \(ck)")
                    print(Terminal.dim("use it: glassbox generate --chat --adapter \(ck) \"...\"   (or inspect --adapter)"))
                } else {
                    print("model: \(ck)")
                }
            }
            if summary.status == "interrupted" { print("resume with: glassbox finetune --resume \(summary.run) --runs-dir \(recorded.runsDir)") }
            print(Terminal.dim("see it: glassbox serve --runs-dir \(recorded.runsDir)  (the answers before and after on the run's page)"))
        }
        if let html {
            try writeReport(html, run: trainer.id, database: database)
            if !json { print("report: \(html)") }
        }
        try exitIfInterrupted(summary)
    }

    /// The run's page as one HTML file (kind "finetune"): its settings, every checkpoint's answers, the held-out losses.
    func writeReport(_ path: String, run id: String, database: any RunStorage) throws {
        let doc = try RunPageDocument(run: id, figure: "finetune", in: database, losses: true)
        let page = try HTMLReport.render(kind: "finetune", title: "Glassbox — fine-tuning \(doc.run.name)", document: doc)
        do { try writeAtomically(Data(page.utf8), to: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("--html \(path): cannot write (\(error))")
        }
    }
}
