import ArgumentParser
import Foundation
import Interpretability
import ModelFormats
import Models
import RunStore
import TensorCore
import Training

struct TrainSeq2Seq: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seq2seq",
        abstract: "Train an encoder-decoder on a generated sequence task (normalising written dates by default), recording the run. --quick: a run of about a minute on 2 cores that reaches over 95% exact match.",
        discussion: """
        --arch lstm: a bidirectional LSTM encoder and an LSTM decoder with additive (bahdanau), bilinear (luong) or \
        no attention; --arch transformer: a T5-style encoder-decoder (encoder self-attention, decoder causal \
        self-attention and cross-attention, sinusoidal positions). Tasks: dates ("twenty-third of November 2026", "23 Nov 2026", "11/23/2026", ... to \
        2026-11-23), reverse and sort (strings of digits). Training batches are drawn fresh every step and never \
        hold a held-out input; each evaluation decodes the held-out set greedily and records its exact match \
        (val/exact_match). Every checkpoint records the attention of held-out examples (the studio shows it); \
        glassbox translate --model CHECKPOINT TEXT shows it for any input.
        """
    )
    @Flag(help: "A quick run: 600 steps, evaluated every 100 on 500 held-out inputs, a checkpoint every 200 (under a minute on 2 cores; the dates task passes 95% exact match by step 400). Options given as well win.")
    var quick = false
    @Option(help: "Task: dates, reverse or sort.") var task: String = "dates"
    @Option(help: "Architecture: lstm (encoder-decoder LSTMs with attention) or transformer (T5-style encoder-decoder).") var arch: String = "lstm"
    @Option(help: "Attention: bahdanau (additive), luong (bilinear) or none.") var attention: String = "bahdanau"
    @Option(help: "Character embedding width.") var embedding: Int?
    @Option(help: "Width of each encoder direction (the decoder is twice as wide).") var hidden: Int?
    @Option(help: "Transformer: model width.") var width: Int?
    @Option(help: "Transformer: attention heads.") var heads: Int?
    @Option(help: "Transformer: encoder layers (and as many decoder layers).") var layers: Int?
    @Option(help: "Examples per step.") var batch: Int?
    @Option(help: "Training steps.") var steps: Int?
    @Option(name: .customLong("lr"), help: "Peak learning rate (Adam; warm-up, then cosine to a tenth).") var learningRate: Float?
    @Option(help: "Clip the global gradient norm to this (0: off).") var clip: Float?
    @Option(help: "Held-out inputs for the exact match.") var heldOut: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Record scalars every N steps.") var logInterval: Int?
    @Option(help: "Evaluate (validation loss, exact match on the held-out set) every N steps.") var evalInterval: Int?
    @Option(help: "Write a checkpoint (and the attention figure) every N steps.") var checkpointInterval: Int?
    @Option(help: "Show held-out examples every N steps.") var sampleInterval: Int?
    @OptionGroup var recorded: RecordedRunOptions

    func run() throws {
        try TrainingJob.run(try TrainingJob.join(threads: recorded.threads)) { try train() }
    }

    func train() throws {
        let database = try recorded.open()
        let trainer: TrainingRun<Seq2SeqTask>
        do {
            if recorded.resume != nil {
                let folder = try recorded.resumedRun(in: database, kind: "seq2seq", what: "a seq2seq one")
                trainer = try TrainingJob.leaderFirst { try TrainingRun<Seq2SeqTask>(resumeSeq2Seq: folder, steps: steps) }
            } else {
                var c = Seq2SeqConfig()
                c.task = task; c.arch = arch; c.seed = seed
                guard let a = Seq2SeqLSTM.Attention(rawValue: attention) else { throw ValidationError("--attention: '\(attention.prefix(20))' is not bahdanau, luong or none") }
                c.attention = a
                if quick {
                    c.steps = 600; c.evalInterval = 100; c.heldOut = 500; c.checkpointInterval = 200; c.sampleInterval = 200
                }
                if let embedding { c.embedding = embedding }
                if let hidden { c.hidden = hidden }
                if let width { c.width = width }
                if let heads { c.heads = heads }
                if let layers { c.layers = layers }
                if let batch { c.batch = batch }
                if let steps { c.steps = steps }
                if let learningRate { c.learningRate = learningRate }
                if let clip { c.gradClip = clip }
                if let heldOut { c.heldOut = heldOut }
                if let logInterval { c.logInterval = logInterval }
                if let evalInterval { c.evalInterval = evalInterval }
                if let checkpointInterval { c.checkpointInterval = checkpointInterval }
                if let sampleInterval { c.sampleInterval = sampleInterval }
                c.name = try recorded.newRunName(in: database)
                try TrainingJob.checkBatch(c.batch, unit: "pair")
                trainer = try TrainingRun<Seq2SeqTask>(seq2seq: c, runsDirectory: recorded.runsURL, id: try TrainingJob.newRunID())
            }
        } catch let e as TrainingError {
            throw ValidationError(e.description)
        }
        let c = trainer.config
        guard let (summary, _) = try runRecorded(trainer, database: database, options: recorded, header: {
            print(Terminal.bold("glassbox train seq2seq") + " run \(trainer.id)" + (c.name.map { " (\($0))" } ?? "") + (trainer.state.step > 0 ? " (resumed at step \(trainer.state.step))" : ""))
            print(Terminal.dim("  task \(c.task) · \(c.heldOut) held-out inputs · batch \(c.batch)"))
            print(Terminal.dim(c.arch == "transformer"
                ? "  transformer encoder-decoder, \(c.layers) + \(c.layers) layers × \(c.heads) heads × \(c.width) wide · \(trainer.parameterCount) parameters"
                : "  LSTM encoder-decoder, attention \(c.attention.rawValue), embedding \(c.embedding), encoder 2 × \(c.hidden), decoder \(2 * c.hidden) · \(trainer.parameterCount) parameters"))
        }) else { return }
        let exact = trainer.task.exactMatch()
        if recorded.json {
            struct Extra: Encodable {
                var exactMatch: Double, heldOut: Int, parameters: Int, arch: String, attention: String
                enum CodingKeys: String, CodingKey { case exactMatch = "exact_match", heldOut = "held_out", parameters, arch, attention }
            }
            print(try DocumentCoding.line(RunEndDocument(summary, Extra(
                exactMatch: exact, heldOut: trainer.task.heldOut.count, parameters: trainer.parameterCount, arch: c.arch,
                attention: c.arch == "transformer" ? "transformer" : c.attention.rawValue))))
        } else {
            // The metric and its name as the studio shows them (val/exact_match, "exact match (held-out)").
            print("\(summary.status == "finished" ? Terminal.green("done") : Terminal.yellow(summary.status)): \(summary.steps) steps, exact match (held-out) \(String(format: "%.1f%%", 100 * exact)) on \(trainer.task.heldOut.count) inputs at step \(summary.steps), val loss \(summary.finalValLoss.map { String(format: "%.4f", $0) } ?? "n/a")")
            if let ck = summary.checkpoint {
                print("checkpoint: \(ck)")
                print(Terminal.dim("try it: glassbox translate --model \(ck) \"twenty-third of November 2026\""))
            }
            if summary.status == "interrupted" { print("resume with: glassbox train seq2seq --resume \(summary.run) --runs-dir \(recorded.runsDir)") }
        }
        try exitIfInterrupted(summary)
    }
}

struct Translate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a trained seq2seq checkpoint on an input and show its attention (output characters × input characters).",
        discussion: "--model is a checkpoint folder of glassbox train seq2seq (runs/<run>/checkpoints/step-NNNNNN), or a run id or name with --runs-dir (its newest checkpoint)."
    )
    @Option(help: "A seq2seq checkpoint folder, or a run's id or name.") var model: String
    @Option(help: "Where runs are stored (when --model names a run).") var runsDir: String = "runs"
    @Option(help: "A shared run store, postgres://USER@HOST/DATABASE (?sslmode=require for TLS; the password from the URL or PGPASSWORD). Default: $GLASSBOX_STORE, else the runs directory.") var store: String?
    @Argument(help: "The input text, e.g. \"twenty-third of November 2026\".") var text: String
    @Option(help: "Write the attention heatmap as a self-contained HTML page (SVG, no script).") var html: String?
    @Option(help: "Write the attention heatmap as an SVG file.") var svg: String?
    @Flag(help: "Print one JSON object: input, output, tokens and attention.") var json = false

    func run() throws {
        let folder = try checkpointFolder()
        let doc: TranslationDocument
        do { doc = try TranslationService.translate(checkpoint: folder, text: text) } catch let e as TrainingError { throw ValidationError(e.description) }
        let (output, inTokens, outTokens, attention) = (doc.output, doc.inputTokens, doc.outputTokens, doc.attention)
        if let svg { try write(AttentionSVG.render(input: inTokens, output: outTokens, weights: attention), to: svg, option: "--svg") }
        if let html {
            let page = AttentionSVG.page(title: "\(text) → \(output)", input: inTokens, output: outTokens, weights: attention, model: folder.path)
            try write(page, to: html, option: "--html")
        }
        if json {
            print(try DocumentCoding.line(doc))
            return
        }
        print(output)
        if !doc.unknownCharacters.isEmpty { Terminal.err("note: characters outside the model's alphabet read as unknown: \(doc.unknownCharacters)") }
        if attention.isEmpty { print(Terminal.dim("(a model without attention: nothing to show)")); return }
        // A text heatmap: one row per output character, the input along the top.
        let shades = [" ", "░", "▒", "▓", "█"]
        print(Terminal.dim("attention (rows: output, columns: input)"))
        print("      " + inTokens.map { $0 == " " ? "·" : $0 }.joined())
        for (i, row) in attention.enumerated() {
            let label = outTokens[i].padding(toLength: 5, withPad: " ", startingAt: 0)
            print(label + " " + row.map { shades[min(4, Int(($0 * 5).rounded(.down)))] }.joined())
        }
        if let html { print("page: \(html)") }
    }

    func checkpointFolder() throws -> URL {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDir), isDir.boolValue {
            let url = URL(fileURLWithPath: model)
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) { return url }
            if let last = try Checkpoint.latest(in: url) { return last }
            throw ValidationError("--model \(model): neither a checkpoint folder (config.json) nor a run folder with checkpoints")
        }
        let database = try RunStores.open(url: RunStores.url(option: store), runsDirectory: URL(fileURLWithPath: runsDir))
        let record = try database.run(model)
        guard record.kind == "seq2seq" else { throw ValidationError("run \(record.id) is a \(record.kind) run, not a seq2seq one") }
        guard let last = try Checkpoint.latest(in: URL(fileURLWithPath: runsDir).appendingPathComponent(record.id)) else {
            throw ValidationError("run \(record.id) has no checkpoint yet")
        }
        return last
    }

    func write(_ text: String, to path: String, option: String) throws {
        do { try writeAtomically(Data(text.utf8), to: URL(fileURLWithPath: path)) } catch {
            throw ValidationError("\(option) \(path): cannot write (\(error))")
        }
    }
}

/// An attention matrix as SVG: output tokens down the side, input tokens along the top, a cell per weight (white
/// 0 to dark 1) with the value in its tooltip.
enum AttentionSVG {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func render(input: [String], output: [String], weights: [[Float]]) -> String {
        let cell = 22, left = 46, top = 40, w = left + cell * max(input.count, 1) + 12, h = top + cell * max(weights.count, 1) + 12
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" font-family=\"ui-monospace, monospace\" font-size=\"13\">"
        s += "<rect width=\"\(w)\" height=\"\(h)\" fill=\"#fff\"/>"
        for (j, t) in input.enumerated() {
            s += "<text x=\"\(left + j * cell + cell / 2)\" y=\"\(top - 10)\" text-anchor=\"middle\" fill=\"#444\">\(escape(t == " " ? "·" : t))</text>"
        }
        for (i, row) in weights.enumerated() {
            let label = i < output.count ? output[i] : ""
            s += "<text x=\"\(left - 8)\" y=\"\(top + i * cell + cell / 2 + 4)\" text-anchor=\"end\" fill=\"#444\">\(escape(label))</text>"
            for (j, v) in row.enumerated() {
                // White (0) to deep blue (1); exactly 0 stays white.
                let t = Double(max(0, min(1, v)))
                let r = Int(255 - t * (255 - 23)), g = Int(255 - t * (255 - 62)), b = Int(255 - t * (255 - 145))
                s += "<rect x=\"\(left + j * cell)\" y=\"\(top + i * cell)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"rgb(\(r),\(g),\(b))\"><title>\(escape(label)) ← \(escape(j < input.count ? input[j] : "")): \(String(format: "%.3f", v))</title></rect>"
            }
        }
        return s + "</svg>"
    }

    static func page(title: String, input: [String], output: [String], weights: [[Float]], model: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <title>Glassbox — \(escape(title))</title>
        <style>body{font:15px/1.5 system-ui,sans-serif;margin:32px;color:#1b1f24;background:#f6f7f9}main{background:#fff;border:1px solid #dde1e6;border-radius:10px;padding:20px 24px;display:inline-block}h1{font-size:20px;margin:0 0 4px}p{color:#555;margin:4px 0 14px;max-width:80ch}code{background:#f0f2f5;padding:1px 5px;border-radius:4px}</style>
        </head><body><main>
        <h1>\(escape(title))</h1>
        <p>Attention of the decoder: each row is an output character, each column an input character; a dark cell says the decoder read that input character when it wrote that output character. Where the formats line up the dark cells follow the characters they copy.</p>
        \(render(input: input, output: output, weights: weights))
        <p>Model: <code>\(escape(model))</code></p>
        </main></body></html>
        """
    }
}
