import Foundation
import Testing
import Tokenization
@testable import Models

@Suite("Chat templates recognised from model files")
struct ChatTemplateTests {
    /// Every fixture's template (the text the GGUF carries) renders its conversation as transformers'
    /// apply_chat_template did; the BOS text is the one the rendering starts with.
    @Test(arguments: ["qwen2", "qwen3", "llama3", "mistral", "gemma2", "gemma3", "phi3", "phi3_longrope"])
    func rendersAsTransformers(name: String) throws {
        let url = ArchitectureFixture.root.appendingPathComponent("\(name)/reference.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let ref = try ArchitectureFixture.reference(name)
        let chat = try #require(ref["chat"] as? [String: Any])
        let rendered = try #require(chat["rendered"] as? String)
        let source = try #require(((ref["gguf_f16"] as? [String: Any])?["metadata"] as? [String: Any])?["tokenizer.chat_template"] as? String)
        let messages = try #require(chat["messages"] as? [[String: String]]).map { ChatMessage(role: $0["role"]!, content: $0["content"]!) }
        let template = try #require(try ChatTemplate.recognising(source, tokenizer: Vocabulary(kind: .char, characters: ["a"])))
        let bos = template.writesBOS ? rendered.prefix(through: rendered.firstIndex(of: ">")!).description : nil
        #expect(template.render(messages, bos: bos) == rendered, "\(name): \(template.style)")
    }

    @Test func smolLM2sTemplateKeepsItsSystemPrompt() throws {
        // SmolLM2's template holds real newlines; Qwen2.5's the Jinja escape; Qwen3's has no default system prompt.
        let smol = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
        let tokenizer = Vocabulary(kind: .char, characters: ["a"])
        #expect(try ChatTemplate.recognising(smol, tokenizer: tokenizer) == .smolLM2)
        let qwen25 = #"{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}{%- else %}{{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n' }}{%- endif %}"#
        #expect(try ChatTemplate.recognising(qwen25, tokenizer: tokenizer)?.defaultSystemPrompt == "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.")
        let qwen3 = #"{%- if messages[0].role == 'system' %}{{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}{%- endif %}"#
        #expect(try ChatTemplate.recognising(qwen3, tokenizer: tokenizer)?.defaultSystemPrompt == nil)
        #expect(ChatTemplate.smolLM2.render([ChatMessage(role: "user", content: "Hi")])
                == "<|im_start|>system\n\(ChatTemplate.defaultSystemPrompt)<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func anUnknownTemplateIsAnErrorAndNoTemplateFallsBackOnTheVocabulary() throws {
        let tokenizer = Vocabulary(kind: .char, characters: ["a"])
        #expect(throws: ChatTemplateError.self) { try ChatTemplate.recognising("{{ '### Human: ' + message }}", tokenizer: tokenizer) }
        #expect(try ChatTemplate.recognising(nil, tokenizer: tokenizer) == nil)
    }

    /// Llama 3.1/3.2 templates open with a dated system turn: the knowledge date, then the template's default date
    /// (3.1) or today's (3.2 asks `strftime_now`), then the system message, trimmed; it is written without one too.
    @Test func llama3TemplatesDateTheConversation() throws {
        let tokenizer = Vocabulary(kind: .char, characters: ["a"])
        let head = #"{{- bos_token }}{%- if not date_string is defined %}"#
        let body = #"{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}{{- "Cutting Knowledge Date: December 2023\n" }}{{- "Today Date: " + date_string + "\n\n" }}"#
        let fixed = try #require(try ChatTemplate.recognising(head + #"{%- set date_string = "26 Jul 2024" %}{%- endif %}"# + body, tokenizer: tokenizer))
        #expect(fixed.dateHeader == ChatTemplate.DateHeader(knowledge: "December 2023", today: "26 Jul 2024"))
        let messages = [ChatMessage(role: "system", content: "  Be brief. "), ChatMessage(role: "user", content: "Hi")]
        #expect(fixed.render(messages, bos: "<|begin_of_text|>") == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(fixed.render([messages[1]]).hasPrefix("<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user"))
        // strftime_now("%d %b %Y"): the day of `now`, zero-padded.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let day = try #require(calendar.date(from: DateComponents(year: 2026, month: 3, day: 5, hour: 12)))
        let today = try #require(try ChatTemplate.recognising(head + #"{%- set date_string = strftime_now("%d %b %Y") %}{%- endif %}"# + body,
                                                              tokenizer: tokenizer, now: day))
        #expect(today.dateHeader?.today == "05 Mar 2026")
        // Llama 3's first template writes no header.
        let plain = try #require(try ChatTemplate.recognising(#"{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}"#, tokenizer: tokenizer))
        #expect(plain.dateHeader == nil && plain.render([messages[1]]).hasPrefix("<|start_header_id|>user"))
    }
}
