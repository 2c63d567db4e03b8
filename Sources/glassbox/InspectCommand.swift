import ArgumentParser
import Foundation
import Interpretability
import Models
import Reports
import TensorCore
import Tokenization

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look inside a prediction: tokens, next-token alternatives, logit lens, attention, attributions.",
        discussion: "The JSON schema is documented in docs/inspect-json.md."
    )
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var input: PromptInput
    @Option(help: "Attribute this token's logit (its first token); default: the predicted next token.") var target: String?
    @Option(help: "Attribute this token id's logit.") var targetId: Int?
    @Option(help: "Explain the target rather than this token (its first token): the attributions and the direct logit attribution read logit(target) - logit(contrast).")
    var contrast: String?
    @Option(help: "The contrast as a token id.") var contrastId: Int?
    @Option(help: "Alternatives per position and per logit-lens layer.") var topK: Int = 5
    @Option(help: "Layers whose full attention patterns go into the JSON (comma-separated; default: first and last). Head statistics cover every layer, and the HTML report shows every layer's heads.") var layers: String?
    @Option(help: "Integrated-gradients baseline: mean+sinks (mean token embedding, attention sinks kept), mean+first, zero, token:ID, token:ID+first.")
    var baseline: String = "mean+sinks"
    @Option(help: "Integrated-gradients gradient evaluations along the path (with the adaptive rule: at least this many).") var steps: Int = 64
    @Option(help: "With the adaptive rule: go on past --steps, up to this many gradient evaluations, while the completeness gap is above 5% (default: 4 × steps).")
    var maxSteps: Int?
    @Option(help: "Quadrature: adaptive (refines where f changes), riemann (right Riemann sum) or gauss (Gauss-Legendre).")
    var rule: String = "adaptive"
    @Option(help: "Trace one MLP neuron across the tokens: LAYER:INDEX.") var neuron: String?
    @Option(help: "Write a self-contained HTML report to this file.") var html: String?
    @Flag(help: "Print the JSON document.") var json = false
    @Option(help: "Compute only these analyses (comma-separated: lens, attention, dla, neurons, graph, attributions); the next-token predictions always come. Default: all (the contribution graph up to 128 tokens).")
    var only: String?

    func run() throws {
        let loaded = try modelOptions.load()
        var request = InspectRequest(prompt: try input.text())
        request.target = target
        request.targetID = targetId
        request.contrast = contrast
        request.contrastID = contrastId
        request.topK = topK
        request.attentionLayers = try layers.map { s in try s.split(separator: ",").map { p -> Int in
            guard let l = Int(p.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--layers: '\(p)' is not a layer number") }
            return l
        } }
        request.baseline = baseline
        request.steps = steps
        request.maxSteps = maxSteps
        request.rule = rule
        request.neuron = neuron
        if let only {
            do { request.parts = try InspectPart.parse(only) } catch let e as InterpretabilityError { throw ValidationError("--only: \(e.description)") }
        }
        request.forReport = html != nil
        if let html { try Self.checkWritable(html) }
        let progress = Terminal.Progress(enabled: !json)
        let monitor = WorkMonitor { part, fraction in progress.update(part, fraction) }
        var doc: InspectDocument
        do {
            doc = try InspectService.inspect(loaded, request, monitor: monitor)
            progress.finish()
        } catch let e as InterpretabilityError {
            progress.finish()
            throw ValidationError(e.forCommandLine)
        }
        let tok = loaded.tokenizer
        if let html {
            var report = doc
            report.attention = nil          // every layer is in attention_compact
            let ids = doc.tokens.map { Int32($0.id) }
            let page = try HTMLReport.render(kind: "inspect", title: "Glassbox — " + tok.decodeText(Array(ids.suffix(12))), document: report)
            do { try HTMLReport.write(page, to: html) } catch {
                throw ValidationError("--html: cannot write \(html): \(error.localizedDescription)")
            }
            Terminal.err("wrote \(html) (\(page.utf8.count / 1024) KiB)")
        }
        doc.attentionCompact = nil
        doc.vocab = nil
        if let a = doc.attributions, abs(a.completenessRelativeGap) > 0.05 {
            let advice = rule == "adaptive" ? "--max-steps \(4 * a.steps)" : "--steps \(4 * steps) or the adaptive rule"
            Terminal.err(Terminal.yellow("warning: ") + String(format: "integrated gradients explain %.0f%% of f(x) - f(baseline) (completeness gap %.3g): the path integral is not resolved by %d points with baseline %@; try %@",
                                                               100 * (1 + Double(a.completenessRelativeGap)), a.completenessGap, a.steps, a.baseline, advice))
        }
        if json { print(try DocumentCoding.line(doc)); return }
        if html != nil { return }
        // A terminal summary.
        print(Terminal.bold("tokens"))
        for t in doc.tokens {
            var line = String(format: "  %3d ", t.position) + Terminal.padded(String(reflecting: t.text), 18)
            if let a = doc.attributions { line += String(format: " IG %+8.3f  grad×input %+8.3f", a.scores[t.position], a.gradientXInput[t.position]) }
            print(line)
        }
        if let a = doc.attributions {
            print(String(format: "  target %@, baseline %@, %d gradient points: completeness gap %.3f (%.1f%% of f(x) - f(baseline))",
                         String(reflecting: a.targetText) as NSString, a.baseline as NSString, a.steps,
                         a.completenessGap, 100 * a.completenessRelativeGap))
        }
        let next = (doc.positions.last?.top ?? []).map { "\(String(reflecting: tok.tokenString(Int32($0.id)))) \(String(format: "%.3f", $0.probability))" }
        print(Terminal.bold("\nnext token") + " (after the last position): " + next.joined(separator: ", "))
        if let lens = doc.logitLens {
            print(Terminal.bold("\nlogit lens") + " (top token per layer at the last position)")
            for e in lens {
                guard let t = e.top.first else { continue }
                print(String(format: "  %2d  ", e.layer) + Terminal.padded(String(reflecting: tok.tokenString(Int32(t.id))), 20)
                      + String(format: " %.3f   rank of final: %d", t.probability, e.finalTokenRank))
            }
        }
    }

    /// Fails early (before minutes of work) when the report cannot be written there.
    static func checkWritable(_ path: String) throws {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("--html: the folder \(dir) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else { throw ValidationError("--html: the folder \(dir) is not writable") }
    }
}
