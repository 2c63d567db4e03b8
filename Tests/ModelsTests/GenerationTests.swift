import Foundation
import Testing
import ModelFormats
import NeuralNet
import TensorCore
import Tokenization
@testable import Models

@Suite("Sampling")
struct SamplingTests {
    let logits: [Float] = [1, 3, 2, 3, -1, 0.5]

    @Test func greedyTakesTheLowestIDOnTies() {
        var s = TokenSampler(.greedy, seed: 0)
        #expect(s.next(logits) == 1)
    }

    @Test func topKOneIsGreedy() {
        var s = TokenSampler(SamplingOptions(temperature: 1, topK: 1, topP: 1, minP: 0), seed: 3)
        for _ in 0..<20 { #expect(s.next(logits) == 1) }
    }

    @Test func topPAndMinPKeepOnlyLikelyTokens() {
        // With top-p 0.5 only the two tied best tokens (1 and 3) remain.
        var s = TokenSampler(SamplingOptions(temperature: 1, topK: 0, topP: 0.5, minP: 0), seed: 1)
        let seen = Set((0..<200).map { _ in s.next(logits) })
        #expect(seen == [1, 3])
        // min-p 0.5: tokens below half the best probability (ids 0, 2, 4, 5) are dropped.
        var m = TokenSampler(SamplingOptions(temperature: 1, topK: 0, topP: 1, minP: 0.5), seed: 1)
        #expect(Set((0..<200).map { _ in m.next(logits) }) == [1, 3])
    }

    @Test func temperatureSamplingFollowsTheDistribution() {
        var s = TokenSampler(SamplingOptions(temperature: 1, topK: 0, topP: 1, minP: 0), seed: 7)
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<20_000 { counts[Int(s.next(logits))] += 1 }
        let z = logits.map { exp(Double($0)) }.reduce(0, +)
        for (i, l) in logits.enumerated() {
            let expected = exp(Double(l)) / z
            #expect(abs(Double(counts[i]) / 20_000 - expected) < 0.015, "token \(i)")
        }
    }

    @Test func seededSamplingIsReproducibleAndRepetitionIsPenalised() {
        var a = TokenSampler(SamplingOptions(), seed: 42), b = TokenSampler(SamplingOptions(), seed: 42)
        #expect((0..<50).map { _ in a.next(logits) } == (0..<50).map { _ in b.next(logits) })
        var p = TokenSampler(SamplingOptions(temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 2), seed: 0)
        #expect(p.next(logits, history: [1]) == 3)
        #expect(p.next(logits, history: [1, 3]) == 2)
    }
}

@Suite("Generation with SmolLM2")
struct GenerationTests {
    let tokenizer: BPETokenizer = {
        try! BPETokenizer(gguf: ModelFormatsGGUF.open(smolLM2Path()))
    }()

    @Test func streamedPiecesMakeTheTextAndGreedyIsDeterministic() {
        let g = Generator(model: smolLM2, tokenizer: tokenizer)
        var options = GenerationOptions()
        options.maxTokens = 24
        options.sampling = .greedy
        var pieces: [String] = []
        let r = g.generate(prompt: tokenizer.encode("The capital of France is"), options: options) { pieces.append($0.text); return true }
        #expect(pieces.joined() == r.text)
        #expect(r.ids.count <= 24 && r.text.contains("Paris"))
        let again = g.generate(prompt: tokenizer.encode("The capital of France is"), options: options)
        #expect(again.ids == r.ids)
        #expect(r.prefillTokensPerSecond > 0 && r.decodeTokensPerSecond > 0)
    }

    @Test func stopsAtStopStringsAndEOS() {
        let g = Generator(model: smolLM2, tokenizer: tokenizer)
        var options = GenerationOptions()
        options.maxTokens = 40
        options.sampling = .greedy
        let full = g.generate(prompt: tokenizer.encode("1, 2, 3, 4,"), options: options)
        #expect(full.text.contains(" 7"))
        options.stopStrings = [" 7"]
        let stopped = g.generate(prompt: tokenizer.encode("1, 2, 3, 4,"), options: options)
        #expect(stopped.stopReason == "stop_string" && !stopped.text.contains(" 7"))
        #expect(full.text.hasPrefix(stopped.text))
        // A chat answer ends at <|im_end|> (EOS) well before the limit.
        let chat = ChatTemplate.chatML([ChatMessage(role: "user", content: "Say hello.")])
        options.stopStrings = []
        options.maxTokens = 100
        let answer = g.generate(prompt: tokenizer.encode(chat), options: options)
        #expect(answer.stopReason == "eos" && !answer.text.isEmpty)
    }

    @Test func alternativesComeWithEveryToken() {
        let g = Generator(model: smolLM2, tokenizer: tokenizer)
        var options = GenerationOptions()
        options.maxTokens = 5
        options.sampling = .greedy
        options.alternatives = 5
        var tokens: [GeneratedToken] = []
        _ = g.generate(prompt: tokenizer.encode("Hello"), options: options) { tokens.append($0); return true }
        for t in tokens {
            #expect(t.alternatives.count == 5 && t.alternatives[0].id == t.id)
            #expect(t.probability! > 0 && t.probability! <= 1)
        }
    }

    @Test func chatMLMatchesTheModelsTemplate() throws {
        let text = ChatTemplate.chatML([ChatMessage(role: "user", content: "Hi")])
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let withSystem = ChatTemplate.chatML([ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: false)
        #expect(withSystem == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }
}

@Suite("Model loading")
struct ModelLoadingTests {
    @Test func bundledModelInfo() throws {
        let m = try ModelLoader.load(smolLM2Path())
        #expect(m.architecture == "llama" && m.sizeClass == "large")
        // SmolLM2-135M: 134,515,008 parameters (tied embedding counted once).
        #expect(m.parameterCount == 134_515_008)
        #expect(m.bytesByType.map(\.0) == ["F32", "Q4_1", "Q8_0"])
    }

    @Test func badModelPathsGiveClearErrors() throws {
        #expect { try ModelLoader.load("/no/such/model.gguf") } throws: { "\($0)".contains("no such file") }
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent("junk-\(UUID().uuidString).gguf")
        try Data("definitely not a model".utf8).write(to: junk)
        defer { try? FileManager.default.removeItem(at: junk) }
        #expect { try ModelLoader.load(junk.path) } throws: { "\($0)".contains("not a GGUF file") }
        let emptyDir = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: emptyDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: emptyDir) }
        #expect { try ModelLoader.load(emptyDir.path) } throws: { "\($0)".contains("config.json") }
    }

    /// A NaN quantisation scale in one block of the bundled model is refused on load, naming the file and tensor.
    @Test func aNaNScaleIsRefusedOnLoad() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("nan-scale-\(UUID().uuidString).gguf")
        try FileManager.default.copyItem(atPath: smolLM2Path(), toPath: copy.path)
        defer { try? FileManager.default.removeItem(at: copy) }
        let info = try GGUFFile(path: copy.path)
        let t = try info.tensor("blk.7.ffn_up.weight")
        let at = UInt64(info.dataOffset + t.offset + 5 * t.type.blockBytes)
        let handle = try FileHandle(forWritingTo: copy)
        try handle.seek(toOffset: at)
        try handle.write(contentsOf: Data([0x00, 0x7E]))   // f16 NaN as block 5's scale
        try handle.close()
        #expect { try ModelLoader.load(copy.path) } throws: {
            let m = "\($0)"
            return m.contains(copy.lastPathComponent) && m.contains("blk.7.ffn_up.weight") && m.contains("scale of Q4_1 block 5")
        }
    }

    @Test func aGPTCheckpointWithItsCharacterVocabularyLoadsAndGenerates() throws {
        // A folder as `glassbox train` writes it: config.json + model.safetensors + vocab.json.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let vocab = Vocabulary.build(.char, from: "abc def\n")
        let model = GPT(GPTConfig(vocabSize: vocab.size, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 16), seed: 1)
        try model.save(folder: dir)
        try JSONSerialization.data(withJSONObject: vocab.vocabJSON).write(to: dir.appendingPathComponent("vocab.json"))
        let loaded = try ModelLoader.load(dir.path)
        #expect(loaded.architecture == "gpt2" && loaded.sizeClass == "small")
        let g = Generator(model: loaded.model, tokenizer: loaded.tokenizer)
        var o = GenerationOptions(); o.maxTokens = 30
        let r = g.generate(prompt: try loaded.tokenizer.encodeText("abc"), options: o)
        #expect(r.ids.count == 30 && r.text.unicodeScalars.allSatisfy { "abcdef \n".unicodeScalars.contains($0) })
    }
}

import ModelFormats
enum ModelFormatsGGUF { static func open(_ p: String) throws -> GGUFFile { try GGUFFile(path: p) } }

@Suite("Top-k selection")
struct TopKTests {
    @Test func matchesAFullSortWithTiesToLowerIndices() {
        var rng = RandomGenerator(seed: 9)
        // Few distinct values, so ties are everywhere.
        let v = (0..<2000).map { _ in Float(rng.nextInt(50)) }
        let sorted = v.indices.sorted { v[$0] > v[$1] || (v[$0] == v[$1] && $0 < $1) }
        for k in [1, 5, 40, 256, 300, 2000, 5000] {
            #expect(topKIndices(v, k) == Array(sorted.prefix(k)), "k = \(k)")
        }
        #expect(topKIndices([Float](), 3).isEmpty && topKIndices([1, 2], 0).isEmpty)
    }
}
