import Foundation
import Testing
import ModelFormats
import TensorCore
import Tokenization
@testable import Models

/// The tiny models of each architecture in Fixtures/architectures (made by scripts/make-arch-fixtures.py with
/// transformers and llama.cpp's converter; FORMAT.md there): token ids, logits at every position and greedy
/// continuations against both references.
enum ArchitectureFixture {
    static let root = fixtures.appendingPathComponent("architectures")

    /// The cases present (each a folder with reference.json).
    static let cases: [String] = ["qwen2", "qwen3", "llama3", "mistral", "phi3", "phi3_longrope", "gemma2", "gemma3"].filter {
        FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/reference.json").path)
    }

    /// Cases whose tokenizer is SentencePiece (read from the folder's tokenizer.model).
    static let sentencePiece: Set<String> = ["mistral", "phi3", "phi3_longrope", "gemma2", "gemma3"]

    static func reference(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("\(name)/reference.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func logits(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: root.appendingPathComponent("\(name)/logits.safetensors").path)
    }

    static func load(_ name: String, _ file: String) throws -> LoadedModel {
        try ModelLoader.load(root.appendingPathComponent("\(name)/\(file)").path)
    }

    /// Logits [T, V] at every position of `ids`.
    static func allLogits(_ model: LoadedModel, _ ids: [Int32]) throws -> [Float] {
        let llama = try #require(model.model as? Llama)
        return GradMode.withoutGradients { llama.forward(ids).scalars }
    }

    /// Greedy continuation of `ids` through the model's decoding session (KV cache), stopping at EOS.
    static func greedy(_ model: LoadedModel, _ ids: [Int32], count: Int, eos: Set<Int32>) -> [Int32] {
        let session = model.model.makeSession(capacity: ids.count + count)
        var logits = session.feed(ids)
        var out: [Int32] = []
        for _ in 0..<count {
            let next = Int32(logits.indices.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!)
            out.append(next)
            if eos.contains(next) { break }
            logits = session.feed([next])
        }
        return out
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}

@Suite("Architectures against transformers and llama.cpp (tiny fixtures)")
struct ArchitectureFixtureTests {
    @Test(arguments: ArchitectureFixture.cases)
    func tokenIDsMatchBothReferences(name: String) throws {
        let ref = try ArchitectureFixture.reference(name)
        let model = try ArchitectureFixture.load(name, "model.f16.gguf")
        let texts = try #require(ref["tokenizer"] as? [[String: Any]])
        #expect(texts.count >= 8)
        for t in texts {
            let text = try #require(t["text"] as? String)
            let ours = try model.tokenizer.encodeText(text).map(Int.init)
            let llamaCpp = try #require(t["llamacpp_ids"] as? [Int])
            #expect(ours == llamaCpp, "\(name): \(text.debugDescription.prefix(60)): ours \(ours.prefix(40)) llama.cpp \(llamaCpp.prefix(40))")
            if t["agree"] as? Bool == true {
                #expect(ours == (t["hf_ids"] as? [Int]), "\(name): \(text.debugDescription.prefix(60)) against tokenizers")
            }
            // Decoding gives the text back (byte-level BPE is lossless); BOS is dropped first.
            let bos = model.tokenizer.bosID
            let body = bos != nil && ours.first.map { Int32($0) } == bos ? Array(ours.dropFirst()) : ours
            // SentencePiece's space before the text (add_space_prefix) is dropped, as its decoders do.
            var decoded = model.tokenizer.decodeText(body.map(Int32.init))
            if (model.tokenizer as? SentencePieceTokenizer)?.addSpacePrefix == true, decoded.hasPrefix(" ") { decoded.removeFirst() }
            #expect(decoded == text, "\(name): round trip of \(text.debugDescription.prefix(60))")
        }
    }

    /// Logits at every position of three prompts (English, Chinese, code) from the F16 file against transformers in
    /// float32 on the same (float16-rounded) weights, and from the Q8_0 file against llama.cpp on that file.
    /// F16 tolerance: transformers and llama.cpp on an F32 file of the same weights differ by ~2e-5 (FORMAT.md), and
    /// we compute in float32 as transformers does: 2e-3 on logits of size ~30 leaves room for summation order only.
    @Test(arguments: ArchitectureFixture.cases)
    func logitsAtEveryPositionAndGreedyContinuations(name: String) throws {
        let ref = try ArchitectureFixture.reference(name)
        let logits = try ArchitectureFixture.logits(name)
        let f16 = try ArchitectureFixture.load(name, "model.f16.gguf")
        let q8 = try ArchitectureFixture.load(name, "model.q8_0.gguf")
        #expect(f16.architecture == ref["architecture"] as? String)
        let eos = Set((ref["eos_token_ids"] as? [Int] ?? []).map(Int32.init))
        let prompts = try #require(ref["prompts"] as? [[String: Any]])
        for (k, p) in prompts.enumerated() {
            let ids = try #require(p["ids"] as? [Int]).map(Int32.init)
            let scale = Float(p["logit_scale"] as? Double ?? 1)
            let ours = try ArchitectureFixture.allLogits(f16, ids)
            let transformers = try logits.floats("prompt\(k).transformers")
            #expect(ours.count == transformers.count)
            let d16 = ArchitectureFixture.maxAbsDiff(ours, transformers)
            #expect(d16 < 2e-3, "\(name) prompt \(k): F16 logits differ from transformers by \(d16)")

            // Q8_0: llama.cpp also rounds the activations to 8 bits, we do not, so the two references (transformers
            // on the unrounded weights, llama.cpp on this file) differ by `spread`: ours must lie within it of both,
            // with the same margin either way (the activation rounding can partly cancel the weight rounding at a
            // position, so transformers may sit slightly closer to llama.cpp than to us: phi3_longrope, by 0.4 %).
            let oursQ8 = try ArchitectureFixture.allLogits(q8, ids)
            let llamaQ8 = try logits.floats("prompt\(k).llamacpp_q8_0")
            let spread = ArchitectureFixture.maxAbsDiff(transformers, llamaQ8)
            let dq8 = ArchitectureFixture.maxAbsDiff(oursQ8, llamaQ8), dq8t = ArchitectureFixture.maxAbsDiff(oursQ8, transformers)
            #expect(dq8 <= 1.25 * spread + 1e-3, "\(name) prompt \(k): Q8_0 logits differ from llama.cpp by \(dq8) (references' spread \(spread))")
            #expect(dq8t <= 1.25 * spread + 1e-3, "\(name) prompt \(k): Q8_0 logits differ from transformers by \(dq8t) (references' spread \(spread))")
            print("\(name) prompt \(k): T=\(ids.count) F16 vs transformers \(d16); Q8_0 vs llama.cpp \(dq8), vs transformers \(dq8t), references' spread \(spread); logit scale \(scale)")

            // Greedy continuations through the KV cache: identical to transformers' unless the reference's top two
            // were within 1e-3 at some step (a near-tie either way is right).
            let t = try #require(p["transformers"] as? [String: Any])
            let expected = try #require(t["greedy"] as? [Int]).map(Int32.init)
            let margins = t["greedy_top2_margin"] as? [Double] ?? []
            let got = ArchitectureFixture.greedy(f16, ids, count: expected.count, eos: eos)
            let firstTie = margins.firstIndex { $0 < 1e-3 } ?? expected.count
            #expect(Array(got.prefix(firstTie)) == Array(expected.prefix(firstTie)), "\(name) prompt \(k): greedy \(got) vs \(expected)")
            // From the Q8_0 file: the same continuation as long as transformers' top two are further apart than
            // twice our difference from it (no rounding can swap them there).
            let gotQ8 = ArchitectureFixture.greedy(q8, ids, count: expected.count, eos: eos)
            let sure = margins.firstIndex { $0 <= 2 * Double(dq8t) } ?? expected.count
            #expect(Array(gotQ8.prefix(sure)) == Array(expected.prefix(sure)), "\(name) prompt \(k): Q8_0 greedy \(gotQ8) vs \(expected)")
        }
    }

    /// The conversation written as transformers' apply_chat_template writes it from the file's template, and its
    /// token ids as llama.cpp tokenizes that text.
    @Test(arguments: ArchitectureFixture.cases)
    func chatTemplateRendersAsTransformers(name: String) throws {
        let ref = try ArchitectureFixture.reference(name)
        let chat = try #require(ref["chat"] as? [String: Any])
        let messages = try #require(chat["messages"] as? [[String: String]]).map { ChatMessage(role: $0["role"]!, content: $0["content"]!) }
        for file in ["model.f16.gguf", "hf"] {
            let model = try ArchitectureFixture.load(name, file)
            let template = try model.chatFormat()
            let bos = model.tokenizer.bosID.map { model.tokenizer.tokenString($0) }
            #expect(template.render(messages, bos: bos) == chat["rendered"] as? String, "\(name) \(file): \(template.render(messages, bos: bos).debugDescription)")
            // Token ids as llama.cpp writes them (for Phi-3 it drops the whitespace after chat tokens, where
            // transformers' tokenizer does not); where they agree, that is transformers' too.
            // Both references tokenized the text without adding a BOS; the prompt has the model's BOS once. A GGUF file
            // is held to llama.cpp's ids, a Hugging Face folder to transformers' (its tokens' own rstrip flags).
            var ids = try template.promptIDs(messages, tokenizer: model.tokenizer).map(Int.init)
            let reference = try #require(chat[file == "hf" ? "ids" : "llamacpp_ids_special"] as? [Int])
            if let bos = model.tokenizer.bosID, ids.first == Int(bos), reference.first != Int(bos) { ids.removeFirst() }
            #expect(ids == reference, "\(name) \(file): \(ids.prefix(24)) vs \(reference.prefix(24))")
        }
    }

    /// The Hugging Face folder of the same model gives the same logits, and its tokenizer (tokenizer.json, or
    /// tokenizer.model for SentencePiece) transformers' ids wherever transformers and llama.cpp agree.
    @Test(arguments: ArchitectureFixture.cases)
    func huggingFaceFolderMatchesTransformers(name: String) throws {
        let ref = try ArchitectureFixture.reference(name)
        let logits = try ArchitectureFixture.logits(name)
        let hf = try ArchitectureFixture.load(name, "hf")
        let prompts = try #require(ref["prompts"] as? [[String: Any]])
        for (k, p) in prompts.enumerated() {
            let ids = try #require(p["ids"] as? [Int]).map(Int32.init)
            let d = ArchitectureFixture.maxAbsDiff(try ArchitectureFixture.allLogits(hf, ids), try logits.floats("prompt\(k).transformers"))
            #expect(d < 2e-3, "\(name) prompt \(k): folder logits differ from transformers by \(d)")
        }
        for t in try #require(ref["tokenizer"] as? [[String: Any]]) where t["agree"] as? Bool == true {
            let text = try #require(t["text"] as? String)
            #expect(try hf.tokenizer.encodeText(text).map(Int.init) == (t["hf_ids"] as? [Int]), "\(name) folder: \(text.debugDescription.prefix(60))")
        }
    }

    /// A multimodal Gemma 3 folder (Gemma3ForConditionalGeneration: 4B and up) opens as its language model: the
    /// settings from `text_config` over Gemma3TextConfig's defaults, the weights under either prefix transformers
    /// writes, a vision tower beside them unread, the chat template from chat_template.json. Made here from the
    /// text fixture, it gives transformers' logits.
    @Test(arguments: ["language_model.model.", "model.language_model."])
    func gemma3MultimodalFolderOpensAsItsLanguageModel(prefix: String) throws {
        guard ArchitectureFixture.cases.contains("gemma3") else { return }
        let source = ArchitectureFixture.root.appendingPathComponent("gemma3/hf")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-gemma3-mm-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for f in ["tokenizer.json", "tokenizer.model"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: folder.appendingPathComponent(f))
        }
        // The template moves to chat_template.json, as multimodal folders keep it.
        var tokenizerConfig = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("tokenizer_config.json"))) as? [String: Any])
        let template = try #require(tokenizerConfig.removeValue(forKey: "chat_template") as? String)
        try JSONSerialization.data(withJSONObject: tokenizerConfig).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        try JSONSerialization.data(withJSONObject: ["chat_template": template]).write(to: folder.appendingPathComponent("chat_template.json"))
        // text_config lists what differs from the defaults (here rms_norm_eps and the activation are the defaults).
        var text = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as? [String: Any])
        for k in ["rms_norm_eps", "hidden_activation", "architectures"] { text.removeValue(forKey: k) }
        let config: [String: Any] = ["architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "text_config": text,
                                     "vision_config": ["model_type": "siglip_vision_model", "hidden_size": 8], "mm_tokens_per_image": 4]
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        let weights = try SafeTensorsFile(path: source.appendingPathComponent("model.safetensors").path)
        var entries = try weights.names.map { name in
            SafeTensorsEntry(name: name.hasPrefix("model.") ? prefix + name.dropFirst(6) : name,
                             shape: try weights.info(name).shape, floats: try weights.floats(name))
        }
        entries.append(SafeTensorsEntry(name: "vision_tower.vision_model.embeddings.patch_embedding.weight", shape: [8, 3, 2, 2],
                                        floats: [Float](repeating: 0.5, count: 96)))
        try SafeTensorsWriter.write(entries, to: folder.appendingPathComponent("model.safetensors"))

        let model = try ModelLoader.load(folder.path)
        #expect(model.architecture == "gemma3")
        let ref = try ArchitectureFixture.reference("gemma3")
        let logits = try ArchitectureFixture.logits("gemma3")
        for (k, p) in try #require(ref["prompts"] as? [[String: Any]]).enumerated() {
            let ids = try #require(p["ids"] as? [Int]).map(Int32.init)
            let d = ArchitectureFixture.maxAbsDiff(try ArchitectureFixture.allLogits(model, ids), try logits.floats("prompt\(k).transformers"))
            #expect(d < 2e-3, "prompt \(k): the multimodal folder's logits differ from transformers by \(d)")
        }
        #expect(try model.chatFormat().style == .gemma)
    }
}
