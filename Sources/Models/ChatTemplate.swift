import Foundation
import Tokenization

/// A chat message.
package struct ChatMessage: Codable, Sendable, Equatable {
    package var role: String
    package var content: String
    package init(role: String, content: String) { self.role = role; self.content = content }
}

/// How a model's conversations are written, recognised from the Jinja template its file carries (GGUF
/// `tokenizer.chat_template`, Hugging Face `tokenizer_config.json` `chat_template`).
///
/// The families of the models Glassbox opens are rendered here as their templates render them:
/// - `.chatML` (SmolLM2, Qwen): `<|im_start|>role\ncontent<|im_end|>\n` per message, the template's default system
///   prompt when the conversation has none (Qwen3's template has none), `<|im_start|>assistant\n` to answer.
/// - `.llama3`: `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>`, contents trimmed. Llama 3.1/3.2's
///   templates open every conversation with a system turn that dates it ("Cutting Knowledge Date: December
///   2023", "Today Date: 26 Jul 2024", or today's date where the template asks `strftime_now`), the system
///   message after it (`dateHeader`).
/// - `.gemma`: `<start_of_turn>user\ncontent<end_of_turn>\n`, the assistant's role named `model`, a system prompt
///   written at the head of the first user turn.
/// - `.phi3`: `<|role|>\ncontent<|end|>\n`.
/// - `.mistral`: `[INST] user [/INST]assistant</s>`, a system prompt at the head of the first user turn.
/// A template of none of these is an error that says so (`recognising`).
package struct ChatTemplate: Sendable, Equatable {
    package enum Style: String, Sendable, CaseIterable { case chatML = "chatml", llama3, gemma, phi3, mistral }

    package let style: Style
    /// The system prompt written when a conversation has none (ChatML templates that carry one).
    package let defaultSystemPrompt: String?
    /// Whether the template writes the BOS token's text first (`{{ bos_token }}`).
    package let writesBOS: Bool
    /// Llama 3.1/3.2's system turn: the model's knowledge date and the date of the conversation.
    package let dateHeader: DateHeader?

    package struct DateHeader: Sendable, Equatable {
        package var knowledge: String
        package var today: String
        package init(knowledge: String, today: String) { self.knowledge = knowledge; self.today = today }
    }

    package init(style: Style, defaultSystemPrompt: String? = nil, writesBOS: Bool = false, dateHeader: DateHeader? = nil) {
        self.style = style; self.defaultSystemPrompt = defaultSystemPrompt; self.writesBOS = writesBOS; self.dateHeader = dateHeader
    }

    /// SmolLM2-Instruct's template: ChatML with its default system prompt.
    package static let smolLM2 = ChatTemplate(style: .chatML, defaultSystemPrompt: defaultSystemPrompt)
    package static let defaultSystemPrompt = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    /// The template `source` describes. Without a source, ChatML with SmolLM2's system prompt where the vocabulary
    /// has its tokens (checkpoints trained from SmolLM2), else nil (the model has no chat format).
    /// `now` dates a conversation whose template asks for today's date.
    package static func recognising(_ source: String?, tokenizer: any TextTokenizer, now: Date = Date()) throws -> ChatTemplate? {
        guard let source, !source.isEmpty else {
            guard let a = try? tokenizer.encodeText("<|im_start|>"), a.count == 1 else { return nil }
            return .smolLM2
        }
        let bos = source.contains("bos_token")
        if source.contains("<|im_start|>") {
            return ChatTemplate(style: .chatML, defaultSystemPrompt: chatMLDefaultSystem(source), writesBOS: bos)
        }
        if source.contains("<|start_header_id|>") {
            return ChatTemplate(style: .llama3, writesBOS: bos, dateHeader: llama3DateHeader(source, now: now))
        }
        if source.contains("<start_of_turn>") { return ChatTemplate(style: .gemma, writesBOS: bos) }
        if source.contains("<|end|>") && (source.contains("<|user|>") || source.contains("<|assistant|>")) {
            return ChatTemplate(style: .phi3, writesBOS: bos)
        }
        if source.contains("[INST]") { return ChatTemplate(style: .mistral, writesBOS: bos) }
        throw ChatTemplateError("the model's chat template is not one Glassbox knows (ChatML, Llama 3, Gemma, Phi-3 and Mistral [INST] are); it begins: \(source.prefix(120).debugDescription)")
    }

    /// The dated system turn of a Llama 3.1/3.2 template: its "Cutting Knowledge Date" literal, and the date the
    /// template sets — `strftime_now("%d %b %Y")` (today, as transformers renders it) where it asks for it, else
    /// its `date_string` default.
    static func llama3DateHeader(_ source: String, now: Date) -> DateHeader? {
        guard let k = source.range(of: "Cutting Knowledge Date: ") else { return nil }
        let knowledge = source[k.upperBound...].prefix { $0 != "\\" && $0 != "\n" && $0 != "\"" && $0 != "'" }
        let today: String
        if source.contains("strftime_now") {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone.current
            let c = calendar.dateComponents([.year, .month, .day], from: now)
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            today = String(format: "%02d %@ %04d", c.day ?? 1, months[(c.month ?? 1) - 1], c.year ?? 2024)
        } else if let d = source.range(of: "date_string = \""),
                  let end = source[d.upperBound...].firstIndex(of: "\"") {
            today = String(source[d.upperBound..<end])
        } else {
            today = "26 Jul 2024"
        }
        return DateHeader(knowledge: String(knowledge), today: today)
    }

    /// The default system message a ChatML template writes: the text between `<|im_start|>system\n` and
    /// `<|im_end|>` in one of its string literals (Jinja escapes: `\n`, `\t`, `\"`, `\\`).
    static func chatMLDefaultSystem(_ source: String) -> String? {
        // The newline is a Jinja escape in some templates and a real newline in others (SmolLM2's); a system prompt
        // taken from the messages is an expression, not literal text: the first literal one is the default.
        var from = source.startIndex
        var found: Substring?
        while found == nil, let start = source[from...].range(of: "<|im_start|>system\\n") ?? source[from...].range(of: "<|im_start|>system\n") {
            guard let end = source[start.upperBound...].range(of: "<|im_end|>") else { break }
            let text = source[start.upperBound..<end.lowerBound]
            if !text.contains("'") && !text.contains("+") && !text.contains("{") { found = text }
            from = end.upperBound
        }
        guard let literal = found else { return nil }
        var out = "", escaped = false
        for c in literal {
            if escaped {
                out.append(c == "n" ? "\n" : c == "t" ? "\t" : c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out.isEmpty ? nil : out
    }

    /// The conversation as the template writes it, with `bos` (the BOS token's text) first where the template
    /// writes one; `addGenerationPrompt` ends it with the opening of the assistant's turn.
    package func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true, bos: String? = nil) -> String {
        var s = writesBOS ? (bos ?? "") : ""
        switch style {
        case .chatML:
            if messages.first?.role != "system", let system = defaultSystemPrompt {
                s += "<|im_start|>system\n\(system)<|im_end|>\n"
            }
            for m in messages { s += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { s += "<|im_start|>assistant\n" }
        case .llama3:
            var messages = messages[...]
            if let header = dateHeader {
                // The system turn is always written, dated; the system message (trimmed) follows the dates.
                var system = ""
                if messages.first?.role == "system" { system = messages.removeFirst().content.trimmingWhitespace() }
                s += "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: \(header.knowledge)\n"
                    + "Today Date: \(header.today)\n\n\(system)<|eot_id|>"
            }
            for m in messages {
                s += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(m.content.trimmingWhitespace())<|eot_id|>"
            }
            if addGenerationPrompt { s += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .gemma:
            for (role, content) in Self.foldingSystem(messages) {
                s += "<start_of_turn>\(role == "assistant" ? "model" : role)\n\(content.trimmingWhitespace())<end_of_turn>\n"
            }
            if addGenerationPrompt { s += "<start_of_turn>model\n" }
        case .phi3:
            for m in messages { s += "<|\(m.role)|>\n\(m.content)<|end|>\n" }
            if addGenerationPrompt { s += "<|assistant|>\n" }
        case .mistral:
            for (role, content) in Self.foldingSystem(messages) {
                s += role == "user" ? "[INST] \(content) [/INST]" : "\(content)</s>"
            }
        }
        return s
    }

    /// Token ids of the conversation ready for the model to answer: BOS once (the template's or the tokenizer's).
    package func promptIDs(_ messages: [ChatMessage], tokenizer: any TextTokenizer) throws -> [Int32] {
        try tokenizer.encodeText(render(messages))
    }

    /// What ends the assistant's turn.
    package var endOfTurn: String {
        switch style {
        case .chatML: "<|im_end|>"
        case .llama3: "<|eot_id|>"
        case .gemma: "<end_of_turn>"
        case .phi3: "<|end|>"
        case .mistral: "</s>"
        }
    }

    /// Messages with a leading system message written at the head of the first user turn (templates without a
    /// system role: Gemma, Mistral).
    static func foldingSystem(_ messages: [ChatMessage]) -> [(String, String)] {
        guard let first = messages.first, first.role == "system" else { return messages.map { ($0.role, $0.content) } }
        var rest = messages.dropFirst().map { ($0.role, $0.content) }
        if let i = rest.firstIndex(where: { $0.0 == "user" }) {
            rest[i].1 = first.content + "\n\n" + rest[i].1
        } else {
            rest.insert(("user", first.content), at: 0)
        }
        return rest
    }

    /// ChatML with SmolLM2's default system prompt (kept for callers that know their model is SmolLM2).
    package static func chatML(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        smolLM2.render(messages, addGenerationPrompt: addGenerationPrompt)
    }
}

/// A chat template that cannot be used.
package struct ChatTemplateError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

extension String {
    /// Without leading and trailing whitespace (Jinja's `trim`).
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let a = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let b = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[a...b])
    }
}
