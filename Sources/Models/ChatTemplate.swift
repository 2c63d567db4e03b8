/// A chat message.
public struct ChatMessage: Codable, Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) { self.role = role; self.content = content }
}

/// ChatML, the template of SmolLM2-Instruct: `<|im_start|>role\ncontent<|im_end|>\n` per message, a default
/// system prompt when the first message is not a system message, and `<|im_start|>assistant\n` to answer.
public enum ChatTemplate {
    public static let defaultSystemPrompt = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"

    public static func chatML(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var s = ""
        if messages.first?.role != "system" {
            s += "<|im_start|>system\n\(defaultSystemPrompt)<|im_end|>\n"
        }
        for m in messages { s += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { s += "<|im_start|>assistant\n" }
        return s
    }
}
