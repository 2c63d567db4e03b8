import Foundation
import Models
import NeuralNet
import TensorCore
import Testing
import Tokenization
import Training

/// Fine-tuning with LoRA through the generic trainer: only the response's tokens are targets, the run records
/// the base loss at step 0 and the before/after answers at each checkpoint, and a stopped run resumes exactly.
struct FinetuneTests {
    /// The first 40 lines of the bundled instruction set.
    func smallData(_ dir: URL) throws -> String {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let lines = try String(contentsOf: repoRoot.appendingPathComponent("data/instructions.jsonl"), encoding: .utf8)
            .split(separator: "\n").prefix(40)
        let path = dir.appendingPathComponent("small.jsonl").path
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func targetsAreTheResponseOnly() throws {
        let path = ModelLoader.bundledModelPath
        guard FileManager.default.fileExists(atPath: path) else { return }
        let loaded = try ModelLoader.load(path)
        let format = try InstructionData.Format.of(loaded)
        #expect(format == .chat(.smolLM2))
        let e = try InstructionData.encode(InstructionExample(prompt: "What is 2 + 3?", response: "2 + 3 = 5"), index: 0,
                                           format: format, tokenizer: loaded.tokenizer)
        let (inputs, targets) = e.inputsAndTargets
        #expect(inputs.count == e.count - 1 && targets.count == inputs.count)
        let learnt = targets.filter { $0 >= 0 }
        #expect(learnt == e.response)                                           // the answer and <|im_end|>, nothing else
        #expect(loaded.tokenizer.decodeText(learnt) == "2 + 3 = 5<|im_end|>")
        #expect(loaded.tokenizer.decodeText(e.prompt).hasSuffix("<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n<|im_start|>assistant\n"))
    }

    @Test func loraRunRecordsAndResumesExactly() throws {
        let path = ModelLoader.bundledModelPath
        guard FileManager.default.fileExists(atPath: path) else { return }
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        let base = try ModelLoader.load(path)
        var c = FinetuneConfig(model: path, data: try smallData(dir))
        c.steps = 4; c.batch = 2; c.rank = 2; c.alpha = 4; c.targets = ["q_proj", "v_proj"]; c.validationExamples = 5
        c.compare = 1; c.compareTokens = 4; c.checkpointInterval = 2; c.evalInterval = 2; c.sampleInterval = 2; c.learningRate = 2e-3

        let full = try TrainingRun<FinetuneTask>(finetune: c, base: base, runsDirectory: dir, id: "full")
        let sink = MemorySink()
        full.sink = sink
        _ = try full.run()
        // The base model's held-out loss at step 0, then the fine-tuned one.
        #expect(sink.scalars["val/loss"]?.first?.step == 0)
        #expect(sink.scalars["val/loss"]?.first?.value == full.task.baseValidationLoss)
        #expect(sink.scalars["memory/peak_rss_mb"]?.isEmpty == false)
        let figures = sink.figures.filter { $0.name == "finetune" }
        #expect(figures.map(\.step) == [2, 4])
        let doc = try JSONSerialization.jsonObject(with: Data(figures[0].document.utf8)) as? [String: Any]
        let example = (doc?["examples"] as? [[String: String]])?.first
        #expect(doc?["base_val_loss"] as? Double == full.task.baseValidationLoss && example?["base"] != nil && example?["tuned"] != nil)
        #expect(example?["prompt"] == full.task.heldOut[0].prompt && example?["reference"] == full.task.heldOut[0].response)

        let first = try TrainingRun<FinetuneTask>(finetune: c, base: base, runsDirectory: dir, id: "split")
        first.stopAt = 2
        _ = try first.run()
        let second = try TrainingRun<FinetuneTask>(resumeFinetune: dir.appendingPathComponent("split"))
        #expect(second.state.step == 2)
        _ = try second.run()
        for ((n, a), (_, b)) in zip(full.task.parameters, second.task.parameters) { #expect(a.scalars == b.scalars, "\(n)") }
        // The base weights were never touched: the base model answers as before.
        let again = try FinetuneTask.answers(base.model, tokenizer: base.tokenizer, format: .chat(.smolLM2), prompts: [full.task.heldOut[0].prompt], maxTokens: 4)
        #expect(again == full.task.baseAnswers)
    }
}
