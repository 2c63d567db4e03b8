import ArgumentParser
import Foundation
import Interpretability
import Models
import TensorCore

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look inside a prediction: tokens, next-token alternatives, logit lens, attention, attributions.",
        discussion: "The JSON schema is documented in docs/inspect-json.md."
    )
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var input: PromptInput
    @Option(help: "Attribute this token's logit (its first token); default: the predicted next token.") var target: String?
    @Option(help: "Attribute this token id's logit.") var targetId: Int?
    @Option(help: "Alternatives per position and per logit-lens layer.") var topK: Int = 5
    @Option(help: "Layers whose attention patterns to include (comma-separated; default: first and last).") var layers: String?
    @Option(help: "Integrated-gradients baseline: mean+sinks (mean token embedding, attention sinks kept), mean+first, zero, token:ID, token:ID+first.")
    var baseline: String = "mean+sinks"
    @Option(help: "Integrated-gradients gradient evaluations along the path.") var steps: Int = 64
    @Option(help: "Quadrature: adaptive (refines where f changes), riemann (right Riemann sum) or gauss (Gauss-Legendre).")
    var rule: String = "adaptive"
    @Flag(help: "Print the JSON document.") var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        guard let model = loaded.llama else { throw ValidationError("inspect supports Llama models for now (this is \(loaded.architecture))") }
        let ids = try loaded.tokenizer.encodeText(try input.text())
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty") }
        let L = model.config.layers
        let wanted = try layers.map { s in try s.split(separator: ",").map { p -> Int in
            guard let l = Int(p.trimmingCharacters(in: .whitespaces)), (0..<L).contains(l) else { throw ValidationError("--layers: \(p) is not a layer in 0..<\(L)") }
            return l
        } } ?? [0, L - 1]
        let residuals = HookNames.residuals(layers: L)
        let patterns = Set(wanted.map { "blocks.\($0).attn.hook_pattern" })
        let hooks = Hooks(cache: { residuals.contains($0) || patterns.contains($0) })
        let logits = GradMode.withoutGradients { model.forward(ids, hooks: hooks) }
        let V = model.config.vocabSize, T = ids.count
        let positions = (0..<T).map { t in
            Distribution(logits: UnsafeBufferPointer(start: logits.data + t * V, count: V), k: topK,
                         chosen: t + 1 < T ? ids[t + 1] : nil)
        }
        let lens = LogitLens(model: model, cache: hooks.cache, position: T - 1, topK: topK)
        var targetID = positions[T - 1].top[0].id
        if let targetId {
            guard (0..<V).contains(targetId) else { throw ValidationError("--target-id \(targetId) is outside the vocabulary of \(V)") }
            targetID = Int32(targetId)
        } else if let target {
            guard let first = try loaded.tokenizer.encodeText(target).first else { throw ValidationError("--target is empty") }
            targetID = first
        }
        let base = try parseBaseline(baseline)
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        let rules: [String: IntegrationRule] = ["riemann": .rightRiemann, "gauss": .gaussLegendre, "adaptive": .adaptive]
        guard let integration = rules[rule] else { throw ValidationError("--rule: riemann, gauss or adaptive") }
        let attribution = Attributor(model: model).attribute(ids, target: targetID, baseline: base, steps: steps,
                                                             rule: integration)
        let tok = loaded.tokenizer
        func top(_ d: Distribution) -> [[Any]] { d.top.map { [Int($0.id), Double($0.probability)] } }
        let doc: [String: Any] = [
            "model": ["path": loaded.path, "architecture": loaded.architecture, "parameters": loaded.parameterCount,
                      "size_class": loaded.sizeClass, "layers": L, "heads": model.config.heads],
            "tokens": ids.enumerated().map { ["position": $0.offset, "id": Int($0.element), "text": tok.tokenString($0.element)] },
            "positions": positions.enumerated().map { t, d -> [String: Any] in
                var o: [String: Any] = ["position": t, "top": top(d), "entropy": Double(d.entropy)]
                if let r = d.chosenRank { o["actual_next_rank"] = r; o["actual_next_probability"] = Double(d.chosenProbability ?? 0) }
                return o
            },
            "logit_lens": lens.entries.map { ["layer": $0.layer, "top": top($0.distribution),
                                              "final_token_rank": $0.distribution.chosenRank ?? -1] },
            "attention": wanted.map { l -> [String: Any] in
                let p = hooks.cache["blocks.\(l).attn.hook_pattern"]!
                let H = model.config.heads
                let s = p.scalars
                let pattern = (0..<H).map { h in (0..<T).map { i in (0..<T).map { j in Double(s[(h * T + i) * T + j]) } } }
                return ["layer": l, "pattern": pattern,
                        "heads": HeadSummary.summarise(p.reshaped([H, T, T])).map {
                            ["head": $0.head, "entropy": Double($0.entropy), "previous_token": Double($0.previousToken),
                             "first_token": Double($0.firstToken), "same_token": Double($0.sameToken)] }]
            },
            "attributions": [
                "method": attribution.method, "baseline": attribution.baseline, "steps": attribution.steps,
                "rule": integration.name, "target_id": Int(attribution.targetID),
                "target_text": tok.tokenString(attribution.targetID), "scores": attribution.scores.map(Double.init),
                "gradient_x_input": attribution.gradientXInput.map(Double.init),
                "f_input": Double(attribution.fInput), "f_baseline": Double(attribution.fBaseline),
                "completeness_gap": Double(attribution.completenessGap),
                "completeness_relative_gap": Double(attribution.relativeGap),
            ],
        ]
        if abs(attribution.relativeGap) > 0.05 {
            Terminal.err(Terminal.yellow("warning: ") + String(format: "integrated gradients explain %.0f%% of f(x) - f(baseline) (completeness gap %.3g): the path integral is not resolved by %d points with baseline %@; try --steps %d",
                                                               100 * (1 + Double(attribution.relativeGap)), attribution.completenessGap, steps, attribution.baseline, steps * 4))
        }
        if json { print(Terminal.jsonLine(doc)); return }
        // A terminal summary.
        print(Terminal.bold("tokens"))
        for (t, id) in ids.enumerated() {
            let s = attribution.scores[t]
            print(String(format: "  %3d %-18@ IG %+8.3f  grad×input %+8.3f", t, String(reflecting: tok.tokenString(id)) as NSString, s, attribution.gradientXInput[t]))
        }
        print(Terminal.bold("\nnext token") + " (after the last position): " + positions[T - 1].top.map { "\(String(reflecting: tok.tokenString($0.id))) \(String(format: "%.3f", $0.probability))" }.joined(separator: ", "))
        print(Terminal.bold("\nlogit lens") + " (top token per layer at the last position)")
        for e in lens.entries {
            let t = e.distribution.top[0]
            print(String(format: "  %2d  %-20@ %.3f   rank of final: %d", e.layer, String(reflecting: tok.tokenString(t.id)) as NSString, t.probability, e.distribution.chosenRank ?? -1))
        }
    }

    func parseBaseline(_ s: String) throws -> AttributionBaseline {
        if s == "zero" { return .zero }
        if s == "mean+first" { return .meanKeepingFirst }
        if s == "mean+sinks" { return .meanKeepingSinks }
        if s.hasPrefix("token:") {
            var rest = String(s.dropFirst(6))
            let keep = rest.hasSuffix("+first")
            if keep { rest = String(rest.dropLast(6)) }
            guard let id = Int32(rest) else { throw ValidationError("--baseline: '\(s)' (mean+sinks, mean+first, zero, token:ID or token:ID+first)") }
            return keep ? .tokenKeepingFirst(id) : .token(id)
        }
        throw ValidationError("--baseline: '\(s)' (mean+sinks, mean+first, zero, token:ID or token:ID+first)")
    }
}
