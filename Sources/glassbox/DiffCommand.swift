import ArgumentParser
import Foundation
import Interpretability
import Models

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two versions of one model (two checkpoints, a base and its fine-tuned version) on one prompt.",
        discussion: "Per-head direct logit attribution and attention changes, and the MLP neurons whose activation at the last position changed most. Both models must have the same shape and tokenizer."
    )
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "The other model (a .gguf file or a model folder, e.g. a later checkpoint).") var against: String
    @OptionGroup var input: PromptInput
    @Option(help: "Compare on this token's logit (its first token); default: the first model's prediction.") var target: String?
    @Flag(inversion: .prefixedNo, help: "Ask the prompt as a user's message in the first model's chat template (the default when it has one; --no-chat: the raw text).")
    var chat: Bool?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let a = try modelOptions.load()
        let b: LoadedModel
        do { b = try ModelLoader.load(against) } catch { throw ValidationError("--against: cannot open \(against): \(error)") }
        let doc: DiffDocument
        do {
            doc = try InspectService.diff(a, id: a.path, b, id: b.path, prompt: try input.text(), target: target, chat: chat)
        } catch let e as InterpretabilityError { throw ValidationError(e.forCommandLine) }
        if json { print(try DocumentCoding.line(doc)); return }
        let tok = a.tokenizer
        func name(_ id: Int) -> String { String(reflecting: tok.decodeText([Int32(id)])) }
        print(Terminal.bold("target ") + name(doc.targetID) + String(format: ": logit %.3f → %.3f; KL(a ‖ b) %.4f nats", doc.a.logit, doc.b.logit, doc.klDivergence))
        print(Terminal.bold("\nheads whose attention changed most") + " (mean |ΔA|, DLA change)")
        for h in doc.heads.prefix(10) { print(String(format: "  L%-2d H%-2d  %.4f  %+.3f", h.layer, h.head, h.meanChange, h.dlaChange)) }
        print(Terminal.bold("\nneurons that changed most") + " (activation at the last position, a → b)")
        for n in doc.neurons.prefix(10) { print(String(format: "  L%-2d N%-5d  %+.3f → %+.3f", n.layer, n.index, n.a, n.b)) }
    }
}
