// A quick tour of the Glassbox library: load a model, chat with it (streamed), look inside it while it reads a
// sentence, and train a small GPT for a few steps.
//
//   swift run -c release --package-path Examples quick-tour [MODEL.gguf] [TEXT-FILE]
import Foundation
import Glassbox

/// Writes to standard output unbuffered, so streamed tokens and lines come out in order.
func say(_ text: String, terminator: String = "\n") { FileHandle.standardOutput.write(Data((text + terminator).utf8)) }

let arguments = CommandLine.arguments.dropFirst()
let model = try Model.load(arguments.first)    // nil: the bundled SmolLM2-135M-Instruct
say("\(model.architecture) · \(model.parameterCount) parameters · context \(model.contextLength) · \(model.vocabularySize) tokens")

// 1. Chat, streamed token by token; the conversation keeps the model's state between turns.
let options = GenerateOptions(maxTokens: 40)
let conversation = try Conversation(model)
var reply: Completion!
for question in ["What is the capital of France?", "And of Italy?"] {
    say("\nuser> \(question)\nassistant> ", terminator: "")
    reply = try conversation.send(question, options: options) { token in
        say(token.text, terminator: "")   // each token as it comes
        return true
    }
    say(String(format: "\n[%d tokens at %.1f tok/s, %@]", reply.tokens.count, reply.decodeTokensPerSecond, reply.stopReason.rawValue))
}

// 2. What did the model consider at the first answer token?
if let first = reply.tokens.first {
    let alternatives = first.alternatives.map { "\(String(reflecting: $0.text)) \(String(format: "%.2f", $0.probability))" }
    say("first token \(String(reflecting: first.text)), p \(String(format: "%.2f", first.probability)); alternatives: \(alternatives.joined(separator: ", "))")
}

// 3. Look inside: where in the layers does the prediction appear (the logit lens), and which earlier tokens feed it.
let text = "The Eiffel Tower is in the city of"
let inside = try model.inspect(text, options: InspectOptions(analyses: [.lens, .dla]))
let predicted = inside.positions.last!.top[0]
say("\n\(String(reflecting: text)) → \(String(reflecting: model.detokenize([predicted.id]))) (p \(String(format: "%.2f", predicted.probability)))")
if let lens = inside.logitLens, let firstLayer = lens.first(where: { $0.top.first?.id == predicted.id }) {
    say("the logit lens reads it first after layer \(firstLayer.layer) of \(lens.count - 1)")
}
if let dla = inside.directLogitAttribution {
    let strongest = dla.mlp.indices.max { dla.mlp[$0] < dla.mlp[$1] }!
    say(String(format: "the MLP of layer %d writes the most of its logit (%+.2f of %.2f)", strongest, dla.mlp[strongest], dla.logit))
}

// 4. Train a small GPT for a few steps on a text file (the corpus given, else a made-up one), recorded as a run.
let runs = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-quick-tour").path
let corpus: String
if arguments.count > 1 {
    corpus = arguments[arguments.startIndex + 1]
} else {
    corpus = runs + ".txt"
    try String(repeating: "To be, or not to be, that is the question. ", count: 300).write(toFile: corpus, atomically: true, encoding: .utf8)
}
var training = TrainingOptions(textFile: corpus, steps: 20)
training.evaluationInterval = 10
training.runsDirectory = runs
let result = try train(training) { progress in
    if progress.step % 10 == 0 { say(String(format: "step %3d  loss %.3f  %.0f tok/s", progress.step, progress.loss, progress.tokensPerSecond)) }
    return true
}
say("run \(result.run): \(result.status), loss \(String(format: "%.3f", result.finalLoss)); see it with  glassbox serve --runs-dir \(runs)")
let trained = try Model.load(result.checkpoint!)
say("the trained GPT continues \"To be\" with \(String(reflecting: try trained.generate("To be", options: GenerateOptions(maxTokens: 20)).text))")
