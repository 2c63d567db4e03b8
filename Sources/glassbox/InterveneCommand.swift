import ArgumentParser
import Foundation
import Interpretability
import Models

struct Intervene: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Edit the model (remove or scale heads and neurons, add a steering vector) and compare with the original.",
        discussion: """
        Runs the prompt with and without the edits and prints both next-token distributions, the KL divergence and \
        the change of the originally predicted token's logit; --generate N also continues both greedily. \
        Example: glassbox intervene "The capital of France is" --edit head:23:4 --generate 12
        """
    )
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var input: PromptInput
    @OptionGroup(title: "Interventions") var edits: EditFlags
    @Option(help: "Continue both runs greedily by this many tokens.") var generate: Int = 0
    @Option(help: "Alternatives shown per distribution.") var topK: Int = 5
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        let doc: InterventionDocument
        do {
            doc = try InspectService.intervene(loaded, prompt: try input.text(), edits.request, generate: generate, topK: topK)
        } catch let e as InterpretabilityError { throw ValidationError(e.forCommandLine) }
        if json { print(try DocumentCoding.line(doc)); return }
        let tok = loaded.tokenizer
        func name(_ id: Int) -> String { String(reflecting: tok.decodeText([Int32(id)])) }
        print(Terminal.bold("edits: ") + doc.interventions.map(\.description).joined(separator: "; "))
        print(Terminal.bold("\n" + Terminal.padded("original", 34)) + Terminal.bold("edited"))
        for i in 0..<max(doc.original.top.count, doc.intervened.top.count) {
            let a = i < doc.original.top.count ? Terminal.padded(name(doc.original.top[i].id), 20) + String(format: " %.3f", doc.original.top[i].probability) : ""
            let b = i < doc.intervened.top.count ? Terminal.padded(name(doc.intervened.top[i].id), 20) + String(format: " %.3f", doc.intervened.top[i].probability) : ""
            print(Terminal.padded(a, 34) + b)
        }
        print(String(format: "\nKL(original ‖ edited) %.4f nats; logit of %@: %.3f → %.3f", doc.klDivergence,
                     name(doc.targetID) as NSString, doc.targetLogit.original, doc.targetLogit.intervened))
        if let g = doc.generation {
            print(Terminal.bold("\noriginal: ") + g.original.text)
            print(Terminal.bold("edited:   ") + g.intervened.text)
        }
    }
}
