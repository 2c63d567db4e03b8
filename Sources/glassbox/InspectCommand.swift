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
    @Option(help: "Alternatives per position and per logit-lens layer.") var topK: Int = 5
    @Option(help: "Layers whose full attention patterns go into the JSON (comma-separated; default: first and last). Head statistics cover every layer, and the HTML report shows every layer's heads.") var layers: String?
    @Option(help: "Integrated-gradients baseline: mean+sinks (mean token embedding, attention sinks kept), mean+first, zero, token:ID, token:ID+first.")
    var baseline: String = "mean+sinks"
    @Option(help: "Integrated-gradients gradient evaluations along the path.") var steps: Int = 64
    @Option(help: "Quadrature: adaptive (refines where f changes), riemann (right Riemann sum) or gauss (Gauss-Legendre).")
    var rule: String = "adaptive"
    @Option(help: "Trace one MLP neuron across the tokens: LAYER:INDEX.") var neuron: String?
    @Option(help: "Write a self-contained HTML report to this file.") var html: String?
    @Flag(help: "Print the JSON document.") var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        guard let model = loaded.model as? any InspectableModel else { throw ValidationError("inspect cannot open a \(loaded.architecture) model") }
        let ids = try loaded.tokenizer.encodeText(try input.text())
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty") }
        guard ids.count <= loaded.model.contextLength else {
            throw ValidationError("the prompt has \(ids.count) tokens; the model's context is \(loaded.model.contextLength)")
        }
        let L = model.shape.layers
        let wanted = try layers.map { s in try s.split(separator: ",").map { p -> Int in
            guard let l = Int(p.trimmingCharacters(in: .whitespaces)), (0..<L).contains(l) else { throw ValidationError("--layers: \(p) is not a layer in 0..<\(L)") }
            return l
        } } ?? [0, L - 1]
        let V = model.shape.vocab
        var options = InspectionOptions()
        options.topK = topK
        options.attentionLayers = wanted
        if let targetId {
            guard (0..<V).contains(targetId) else { throw ValidationError("--target-id \(targetId) is outside the vocabulary of \(V)") }
            options.target = Int32(targetId)
        } else if let target {
            guard let first = try loaded.tokenizer.encodeText(target).first else { throw ValidationError("--target is empty") }
            options.target = first
        }
        options.baseline = try parseBaseline(baseline, vocabulary: V)
        guard steps > 0 else { throw ValidationError("--steps must be positive") }
        let rules: [String: IntegrationRule] = ["riemann": .rightRiemann, "gauss": .gaussLegendre, "adaptive": .adaptive]
        guard let integration = rules[rule] else { throw ValidationError("--rule: riemann, gauss or adaptive") }
        options.steps = steps
        options.rule = integration
        if let neuron {
            let parts = neuron.split(separator: ":").map { Int($0) }
            guard parts.count == 2, let l = parts[0], let n = parts[1], (0..<L).contains(l), (0..<model.shape.mlpWidth).contains(n) else {
                throw ValidationError("--neuron: '\(neuron)' is not LAYER:INDEX with a layer in 0..<\(L) and an index in 0..<\(model.shape.mlpWidth)")
            }
            options.neuron = (l, n)
        }
        options.compactAttention = html != nil
        if let html { try Self.checkWritable(html) }
        guard topK > 0 else { throw ValidationError("--top-k must be positive") }
        let tok = loaded.tokenizer
        let result = Inspector(model: model, tokenString: { tok.tokenString($0) }, tokenText: { tok.decodeText([$0]) })
            .run(ids, options: options)
        var doc = result.document
        let attribution = result.attribution, lens = result.lens
        let c = model.shape
        doc["model"] = ["path": loaded.path, "name": URL(fileURLWithPath: loaded.path).lastPathComponent,
                        "architecture": loaded.architecture, "parameters": loaded.parameterCount,
                        "size_class": loaded.sizeClass, "layers": L, "heads": c.heads, "kv_heads": c.kvHeads,
                        "dim": c.dim, "mlp_width": c.mlpWidth, "vocab": c.vocab]
        if let html {
            var report = doc
            report["attention"] = nil          // every layer is in attention_compact
            report["attention_compact"] = result.compactAttention?.json
            report["vocab"] = Self.vocabulary(of: doc, tokenizer: tok)
            let page = try HTMLReport.render(kind: "inspect", title: "Glassbox — " + tok.decodeText(Array(ids.suffix(12))), document: report)
            do { try HTMLReport.write(page, to: html) } catch {
                throw ValidationError("--html: cannot write \(html): \(error.localizedDescription)")
            }
            Terminal.err("wrote \(html) (\(page.utf8.count / 1024) KiB)")
        }
        if abs(attribution.relativeGap) > 0.05 {
            Terminal.err(Terminal.yellow("warning: ") + String(format: "integrated gradients explain %.0f%% of f(x) - f(baseline) (completeness gap %.3g): the path integral is not resolved by %d points with baseline %@; try --steps %d",
                                                               100 * (1 + Double(attribution.relativeGap)), attribution.completenessGap, steps, attribution.baseline, steps * 4))
        }
        if json { print(Terminal.jsonLine(doc)); return }
        if html != nil { return }
        // A terminal summary.
        print(Terminal.bold("tokens"))
        for (t, id) in ids.enumerated() {
            let s = attribution.scores[t]
            print(String(format: "  %3d ", t) + Terminal.padded(String(reflecting: tok.tokenString(id)), 18)
                  + String(format: " IG %+8.3f  grad×input %+8.3f", s, attribution.gradientXInput[t]))
        }
        print(String(format: "  target %@, baseline %@, %d gradient points: completeness gap %.3f (%.1f%% of f(x) - f(baseline))",
                     String(reflecting: tok.tokenString(attribution.targetID)) as NSString, attribution.baseline as NSString, attribution.steps,
                     attribution.completenessGap, 100 * attribution.relativeGap))
        let next = result.positions[ids.count - 1].top.map { "\(String(reflecting: tok.tokenString($0.id))) \(String(format: "%.3f", $0.probability))" }
        print(Terminal.bold("\nnext token") + " (after the last position): " + next.joined(separator: ", "))
        print(Terminal.bold("\nlogit lens") + " (top token per layer at the last position)")
        for e in lens.entries {
            let t = e.distribution.top[0]
            print(String(format: "  %2d  ", e.layer) + Terminal.padded(String(reflecting: tok.tokenString(t.id)), 20)
                  + String(format: " %.3f   rank of final: %d", t.probability, e.distribution.chosenRank ?? -1))
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

    /// Decoded text of every token id the report shows (predictions, logit lens, target).
    static func vocabulary(of doc: [String: Any], tokenizer: any TextTokenizer) -> [String: String] {
        var ids = Set<Int>()
        for p in doc["positions"] as? [[String: Any]] ?? [] { for t in p["top"] as? [[Any]] ?? [] { if let i = t[0] as? Int { ids.insert(i) } } }
        for e in doc["logit_lens"] as? [[String: Any]] ?? [] { for t in e["top"] as? [[Any]] ?? [] { if let i = t[0] as? Int { ids.insert(i) } } }
        if let g = doc["logit_lens_grid"] as? [String: Any], let top = g["top"] as? [[Int]] { for r in top { ids.formUnion(r) } }
        if let a = doc["attributions"] as? [String: Any], let t = a["target_id"] as? Int { ids.insert(t) }
        if let d = doc["direct_logit_attribution"] as? [String: Any], let t = d["target_id"] as? Int { ids.insert(t) }
        var out: [String: String] = [:]
        for i in ids { out[String(i)] = tokenizer.decodeText([Int32(i)]) }
        return out
    }

    func parseBaseline(_ s: String, vocabulary V: Int) throws -> AttributionBaseline {
        if s == "zero" { return .zero }
        if s == "mean+first" { return .meanKeepingFirst }
        if s == "mean+sinks" { return .meanKeepingSinks }
        if s.hasPrefix("token:") {
            var rest = String(s.dropFirst(6))
            let keep = rest.hasSuffix("+first")
            if keep { rest = String(rest.dropLast(6)) }
            guard let id = Int32(rest) else { throw ValidationError("--baseline: '\(s)' (mean+sinks, mean+first, zero, token:ID or token:ID+first)") }
            guard (0..<V).contains(Int(id)) else {
                throw ValidationError("--baseline: token id \(id) is outside the vocabulary of \(V) (0..<\(V))")
            }
            return keep ? .tokenKeepingFirst(id) : .token(id)
        }
        throw ValidationError("--baseline: '\(s)' (mean+sinks, mean+first, zero, token:ID or token:ID+first)")
    }
}
