import ArgumentParser
import Foundation
import Interpretability
import Models
import Reports
import TensorCore

struct Patch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Activation patching: which layers, positions and heads carry the clean prompt's answer.",
        discussion: """
        Runs the corrupted prompt with one activation taken from the clean run and reports the restored fraction of \
        the metric logit(answer) - logit(wrong) at the last position: per (layer, position) for the residual stream \
        entering each block, and per (layer, head) for each head's attention output. The prompts must tokenise to \
        the same length.
        """
    )
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The clean prompt.") var clean: String
    @Option(help: "The corrupted prompt (same number of tokens).") var corrupted: String
    @Option(help: "The answer the clean prompt leads to (its first token is used).") var answer: String
    @Option(help: "The answer the corrupted prompt leads to (its first token is used).") var wrong: String
    @Option(help: "Write a self-contained HTML report with the heatmaps to this file.") var html: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        if let html { try Inspect.checkWritable(html) }
        let progress = Terminal.Progress(enabled: !json)
        let doc: PatchDocument
        do {
            doc = try InspectService.patch(loaded, PatchRequest(clean: clean, corrupted: corrupted, answer: answer, wrong: wrong),
                                           monitor: WorkMonitor { part, f in progress.update(part, f) })
            progress.finish()
        } catch let e as InterpretabilityError {
            progress.finish()
            throw ValidationError(e.forCommandLine)
        }
        if let html {
            let page = try HTMLReport.render(kind: "patch", title: "Glassbox — patching", document: doc)
            do { try HTMLReport.write(page, to: html) } catch {
                throw ValidationError("--html: cannot write \(html): \(error.localizedDescription)")
            }
            Terminal.err("wrote \(html) (\(page.utf8.count / 1024) KiB)")
        }
        if json { print(try DocumentCoding.line(doc)); return }
        print(String(format: "metric: clean %.3f, corrupted %.3f", doc.cleanMetric, doc.corruptedMetric))
        print(Terminal.bold("\nresidual stream (restored fraction; rows = layers, columns = positions)"))
        print("      " + doc.corruptedTokens.indices.map { String(format: "%6d", $0) }.joined())
        for (l, row) in doc.residual.restored.enumerated() { print(String(format: "  %2d  ", l) + row.map { String(format: "%6.2f", $0) }.joined()) }
        print(Terminal.bold("\nheads (restored fraction; rows = layers, columns = heads)"))
        for (l, row) in doc.heads.restored.enumerated() { print(String(format: "  %2d  ", l) + row.map { String(format: "%6.2f", $0) }.joined()) }
    }
}
