import ArgumentParser
import Foundation
import Interpretability
import Models
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
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        guard let model = loaded.llama else { throw ValidationError("patch supports Llama models for now (this is \(loaded.architecture))") }
        let tok = loaded.tokenizer
        let c = try tok.encodeText(clean), x = try tok.encodeText(corrupted)
        guard !c.isEmpty, c.count == x.count else {
            throw ValidationError("--clean has \(c.count) tokens and --corrupted \(x.count): they must be equal (and non-zero)")
        }
        guard let a = try tok.encodeText(answer).first, let w = try tok.encodeText(wrong).first else {
            throw ValidationError("--answer and --wrong must not be empty")
        }
        guard a != w else { throw ValidationError("--answer and --wrong are the same token (\(tok.tokenString(a)))") }
        let r = Patcher(model: model).run(clean: c, corrupted: x, answer: a, wrong: w)
        let doc: [String: Any] = [
            "clean_tokens": c.map { tok.tokenString($0) }, "corrupted_tokens": x.map { tok.tokenString($0) },
            "answer": ["id": Int(a), "text": tok.tokenString(a)], "wrong": ["id": Int(w), "text": tok.tokenString(w)],
            "metric": "logit(answer) - logit(wrong) at the last position",
            "clean_metric": Double(r.cleanMetric), "corrupted_metric": Double(r.corruptedMetric),
            "residual": ["hook": "blocks.{L}.hook_resid_pre", "restored": r.residual.map { $0.map(Double.init) }],
            "heads": ["hook": "blocks.{L}.attn.hook_z", "restored": r.heads.map { $0.map(Double.init) }],
        ]
        if json { print(Terminal.jsonLine(doc)); return }
        print(String(format: "metric: clean %.3f, corrupted %.3f", r.cleanMetric, r.corruptedMetric))
        print(Terminal.bold("\nresidual stream (restored fraction; rows = layers, columns = positions)"))
        print("      " + x.indices.map { String(format: "%6d", $0) }.joined())
        for (l, row) in r.residual.enumerated() { print(String(format: "  %2d  ", l) + row.map { String(format: "%6.2f", $0) }.joined()) }
        print(Terminal.bold("\nheads (restored fraction; rows = layers, columns = heads)"))
        for (l, row) in r.heads.enumerated() { print(String(format: "  %2d  ", l) + row.map { String(format: "%6.2f", $0) }.joined()) }
    }
}
