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
        guard let model = loaded.model as? any InspectableModel else { throw ValidationError("patch cannot open a \(loaded.architecture) model") }
        let tok = loaded.tokenizer
        let c = try tok.encodeText(clean), x = try tok.encodeText(corrupted)
        guard !c.isEmpty, c.count == x.count else {
            throw ValidationError("--clean has \(c.count) tokens and --corrupted \(x.count): they must be equal (and non-zero)")
        }
        guard let a = try tok.encodeText(answer).first, let w = try tok.encodeText(wrong).first else {
            throw ValidationError("--answer and --wrong must not be empty")
        }
        guard c.count <= loaded.model.contextLength else {
            throw ValidationError("the prompts have \(c.count) tokens; the model's context is \(loaded.model.contextLength)")
        }
        guard a != w else { throw ValidationError("--answer and --wrong are the same token (\(tok.tokenString(a)))") }
        if let html { try Inspect.checkWritable(html) }
        let r = Patcher(model: model).run(clean: c, corrupted: x, answer: a, wrong: w)
        let mc = model.shape
        let doc: [String: Any] = [
            "model": ["path": loaded.path, "name": URL(fileURLWithPath: loaded.path).lastPathComponent,
                      "architecture": loaded.architecture, "parameters": loaded.parameterCount, "layers": mc.layers,
                      "heads": mc.heads, "kv_heads": mc.kvHeads, "dim": mc.dim, "vocab": mc.vocab],
            "clean_tokens": c.map { tok.tokenString($0) }, "corrupted_tokens": x.map { tok.tokenString($0) },
            "clean_decoded": c.map { tok.decodeText([$0]) }, "corrupted_decoded": x.map { tok.decodeText([$0]) },
            "answer": ["id": Int(a), "text": tok.tokenString(a), "decoded": tok.decodeText([a])],
            "wrong": ["id": Int(w), "text": tok.tokenString(w), "decoded": tok.decodeText([w])],
            "metric": "logit(answer) - logit(wrong) at the last position",
            "clean_metric": Double(r.cleanMetric), "corrupted_metric": Double(r.corruptedMetric),
            "residual": ["hook": "blocks.{L}.hook_resid_pre", "restored": r.residual.map { $0.map(Double.init) }],
            "heads": ["hook": "blocks.{L}.attn.hook_z", "restored": r.heads.map { $0.map(Double.init) }],
        ]
        if let html {
            let page = try HTMLReport.render(kind: "patch", title: "Glassbox — patching", document: doc)
            do { try HTMLReport.write(page, to: html) } catch {
                throw ValidationError("--html: cannot write \(html): \(error.localizedDescription)")
            }
            Terminal.err("wrote \(html) (\(page.utf8.count / 1024) KiB)")
        }
        if json { print(Terminal.jsonLine(doc)); return }
        print(String(format: "metric: clean %.3f, corrupted %.3f", r.cleanMetric, r.corruptedMetric))
        print(Terminal.bold("\nresidual stream (restored fraction; rows = layers, columns = positions)"))
        print("      " + x.indices.map { String(format: "%6d", $0) }.joined())
        for (l, row) in r.residual.enumerated() { print(String(format: "  %2d  ", l) + row.map { String(format: "%6.2f", $0) }.joined()) }
        print(Terminal.bold("\nheads (restored fraction; rows = layers, columns = heads)"))
        for (l, row) in r.heads.enumerated() { print(String(format: "  %2d  ", l) + row.map { String(format: "%6.2f", $0) }.joined()) }
    }
}
