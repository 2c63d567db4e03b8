import Foundation
import Models
import Tokenization

/// One instruction and the response to learn (`{"prompt": ..., "response": ...}` per line of a JSONL file).
package struct InstructionExample: Codable, Sendable, Equatable {
    package var prompt: String
    package var response: String
    package init(prompt: String, response: String) { self.prompt = prompt; self.response = response }
}

/// An example as token ids: the prompt as the model is asked it (in the chat template when the model has one),
/// then the response and its end marker. Only the response's tokens are trained on.
package struct EncodedExample: Sendable {
    /// The prompt's ids, ending where the answer starts (what generation is given).
    package let prompt: [Int32]
    /// The response's ids, with the end marker (`<|im_end|>` in ChatML, a newline in the plain format).
    package let response: [Int32]
    package var count: Int { prompt.count + response.count }

    /// Inputs (all ids but the last) and targets (the next id at each response position, -1 elsewhere).
    package var inputsAndTargets: (inputs: [Int32], targets: [Int32]) {
        let ids = prompt + response
        var targets = [Int32](repeating: -1, count: ids.count - 1)
        for i in (prompt.count - 1)..<(ids.count - 1) { targets[i] = ids[i + 1] }
        return (Array(ids.dropLast()), targets)
    }
}

/// Instruction data: reading a JSONL file (every problem named with its line), and the two prompt formats.
package enum InstructionData {
    /// The most a file may hold (it is read whole).
    package static let maxFileBytes = 256 << 20

    /// Reads `{"prompt", "response"}` objects, one per line (blank lines skipped). Anything else is an error that
    /// names the file, the line and the problem.
    package static func read(path: String) throws -> [InstructionExample] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw TrainingError("\(path): no such file (the data is a JSONL file of {\"prompt\": ..., \"response\": ...} lines)")
        }
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw TrainingError("\(path): cannot be read (\(error.localizedDescription))")
        }
        if let size = attributes[.size] as? Int, size > maxFileBytes {
            throw TrainingError("\(path): \(size) bytes is more than the \(maxFileBytes >> 20) MiB an instruction file may hold")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("\(path): cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw TrainingError("\(path): not UTF-8 text") }
        var examples: [InstructionExample] = []
        for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let where_ = "\(path) line \(i + 1)"
            let parsed: Any
            do { parsed = try JSONSerialization.jsonObject(with: Data(line.utf8)) } catch {
                throw TrainingError("\(where_): not a JSON object (expected {\"prompt\": ..., \"response\": ...}): \(error.localizedDescription)")
            }
            guard let object = parsed as? [String: Any] else {
                throw TrainingError("\(where_): not a JSON object (expected {\"prompt\": ..., \"response\": ...})")
            }
            guard let prompt = object["prompt"] as? String else { throw TrainingError("\(where_): \"prompt\" is missing or not a string") }
            guard let response = object["response"] as? String else { throw TrainingError("\(where_): \"response\" is missing or not a string") }
            guard !prompt.trimmingCharacters(in: .whitespaces).isEmpty, !response.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw TrainingError("\(where_): the prompt and the response must not be empty")
            }
            examples.append(InstructionExample(prompt: prompt, response: response))
        }
        return examples
    }

    /// How prompts are written for a model: in its chat template (ChatML for SmolLM2, Llama 3's, Gemma's, ...) when it
    /// has one, otherwise a plain `Question: …\nAnswer: ` line (models trained here).
    package enum Format: Sendable, Equatable {
        case chat(ChatTemplate)
        case plain

        /// The format of a loaded model: its chat template, or plain when it has none (an unknown template is an
        /// error, not a silent plain format).
        package static func of(_ model: LoadedModel) throws -> Format {
            guard let template = try ChatTemplate.recognising(model.chatTemplate, tokenizer: model.tokenizer) else { return .plain }
            return .chat(template)
        }

        package var isChat: Bool { if case .chat = self { true } else { false } }

        package func promptText(_ prompt: String) -> String {
            switch self {
            case .chat(let t): return t.render([ChatMessage(role: "user", content: prompt)])
            case .plain: return "Question: \(prompt)\nAnswer: "
            }
        }

        /// What ends a response: the template's end of turn, or a newline.
        package var endMarker: String {
            switch self {
            case .chat(let t): return t.endOfTurn
            case .plain: return "\n"
            }
        }
    }

    /// Token ids of an example in `format`; an error names the example when the tokenizer cannot write it (a
    /// character-level model meeting a character it never saw).
    package static func encode(_ e: InstructionExample, index: Int, format: Format, tokenizer: any TextTokenizer) throws -> EncodedExample {
        do {
            let prompt = try tokenizer.encodeText(format.promptText(e.prompt))
            let response = try tokenizer.encodeText(e.response + format.endMarker)
            guard !prompt.isEmpty, !response.isEmpty else { throw TrainingError("it encodes to no tokens") }
            return EncodedExample(prompt: prompt, response: response)
        } catch {
            throw TrainingError("example \(index + 1): the model's tokenizer cannot encode it (\(error))")
        }
    }
}
