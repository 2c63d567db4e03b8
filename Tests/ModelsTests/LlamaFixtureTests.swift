import Foundation
import Testing
import ModelFormats
import TensorCore
import Tokenization
@testable import Models

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func smolLM2Path() -> String {
    let env = ProcessInfo.processInfo.environment
    return env["GLASSBOX_MODEL"] ?? (env["GLASSBOX_MODELS"] ?? (NSHomeDirectory() + "/.cache/glassbox/models"))
        + "/SmolLM2-135M-Instruct.Q4_1.gguf"
}

/// One shared model for the suite (loading maps the file; nothing is copied).
/// Its forward only reads the weights, so the parallel tests share it.
nonisolated(unsafe) let smolLM2: Llama = try! Llama(gguf: GGUFFile(path: smolLM2Path()))

/// Token ids whose embedding rows are bit-identical: their logits tie exactly, so their order is arbitrary.
let tieGroups: [Set<Int32>] = {
    let s = try! JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("smollm2_forward/summary.json"))) as! [String: Any]
    return (s["duplicate_embedding_row_groups"] as! [[String: Any]]).map { Set(($0["ids"] as! [Int]).map(Int32.init)) }
}()

/// Top-k ids compared up to ties: ids within one tie group are interchangeable.
func canonical(_ ids: [Int32]) -> [Int32] {
    ids.map { id in tieGroups.first { $0.contains(id) }?.min() ?? id }
}

@Suite("SmolLM2 forward against Hugging Face (float32)")
struct SmolLM2ForwardTests {
    @Test(arguments: [0, 1, 2])
    func logitsTopKAttentionAndGreedy(prompt: Int) throws {
        let f = try SafeTensorsFile(path: fixtures.appendingPathComponent("smollm2_forward/prompt_\(prompt).safetensors").path)
        let ids = try f.ints("input_ids")
        let T = ids.count, V = smolLM2.config.vocabSize
        var attention: [Int: Tensor] = [:]
        let logits = GradMode.withoutGradients { smolLM2.forward(ids, attention: { attention[$0] = $1 }) }
        #expect(logits.shape == [T, V])
        let all = logits.scalars

        // Last-position logits.
        let last = Array(all[((T - 1) * V)...])
        let refLast = try f.floats("last_logits")
        let maxDiff = zip(last, refLast).map { abs($0 - $1) }.max()!
        #expect(maxDiff < 1e-3, "prompt \(prompt): last logits max abs diff \(maxDiff)")
        print("prompt \(prompt): T=\(T), last-position logits max abs diff \(maxDiff)")

        // Top-20 ids at every position (ties between identical embeddings compared as sets).
        let topIDs = try f.ints("topk_ids"), gaps = try f.floats("topk_min_gap")
        for t in 0..<T {
            let row = all[(t * V)..<((t + 1) * V)]
            let ours = row.indices.sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(20).map { Int32($0 - t * V) }
            let ref = Array(topIDs[(t * 20)..<((t + 1) * 20)])
            if gaps[t] > 1e-3 {
                #expect(canonical(ours) == canonical(ref), "prompt \(prompt) position \(t): \(ours) vs \(ref)")
            } else {
                #expect(Set(canonical(ours)) == Set(canonical(ref)), "prompt \(prompt) position \(t) (near-tie)")
            }
        }

        // Attention probabilities of blocks 0 and 29 ([head, query, key]).
        for layer in [0, 29] {
            let ours = attention[layer]!.scalars, ref = try f.floats("attn_layer\(layer)")
            let d = zip(ours, ref).map { abs($0 - $1) }.max()!
            #expect(d < 1e-5, "prompt \(prompt) attention layer \(layer): max abs diff \(d)")
        }

        // 32 greedy tokens with the KV cache (lowest id on exact ties; EOS does not stop).
        let cache = smolLM2.makeCache(capacity: T + 32)
        var next = ids
        var generated: [Int32] = []
        GradMode.withoutGradients {
            for _ in 0..<32 {
                let l = smolLM2.forward(next, cache: cache, logits: .last).scalars
                var best = 0
                for i in 1..<l.count where l[i] > l[best] { best = i }
                generated.append(Int32(best))
                next = [Int32(best)]
            }
        }
        #expect(generated == (try f.ints("greedy_ids")), "prompt \(prompt) greedy continuation")
    }
}

@Suite("tiny_llama (Hugging Face safetensors)")
struct TinyLlamaTests {
    @Test func logitsAttentionAndLoss() throws {
        let folder = fixtures.appendingPathComponent("tiny_llama")
        let j = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as! [String: Any]
        let model = try Llama(huggingFace: folder, config: j)
        #expect(model.config.kvHeads == 2 && model.config.ropeTheta == 10000 && model.config.tiedEmbeddings)
        let out = try SafeTensorsFile(path: folder.appendingPathComponent("outputs.safetensors").path)
        let ids = try out.ints("input_ids"), refLogits = try out.floats("logits")
        var lossSum = 0.0
        for b in 0..<2 {
            let row = Array(ids[(b * 16)..<((b + 1) * 16)])
            var attention: [Int: Tensor] = [:]
            let logits = GradMode.withoutGradients { model.forward(row, attention: { attention[$0] = $1 }) }
            let ref = Array(refLogits[(b * 16 * 128)..<((b + 1) * 16 * 128)])
            let d = zip(logits.scalars, ref).map { abs($0 - $1) }.max()!
            #expect(d < 1e-5, "batch \(b): logits max abs diff \(d)")
            for layer in 0..<2 {
                let refAtt = try out.floats("attn_layer\(layer)")
                let mine = attention[layer]!.scalars
                let r = Array(refAtt[(b * 4 * 256)..<((b + 1) * 4 * 256)])
                #expect(zip(mine, r).map { abs($0 - $1) }.max()! < 1e-6)
            }
            var targets = [Int32](repeating: -1, count: 16)
            for t in 0..<15 { targets[t] = row[t + 1] }
            lossSum += Double(GradMode.withoutGradients { logits.crossEntropy(targets: targets) }.item)
        }
        let loss = lossSum / 2
        #expect(abs(loss - Double(try out.floats("loss")[0])) < 1e-5)
    }
}

@Suite("Hyper-parameters from files are checked before use")
struct LlamaConfigValidationTests {
    /// tiny_llama's config.json with one field changed: each gives a one-line error naming config.json and the problem.
    @Test func nonsenseConfigsAreRefused() throws {
        let source = fixtures.appendingPathComponent("tiny_llama")
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        let cases: [(String, Any, String)] = [
            ("num_key_value_heads", 0, "key-value head count 0"),
            ("num_key_value_heads", 3, "do not divide"),
            ("num_attention_heads", 0, "head count 0"),
            ("num_hidden_layers", 1 << 40, "layer count"),
            ("vocab_size", -1, "vocabulary size -1"),
            ("hidden_size", 1 << 30, "width"),
            ("rms_norm_eps", -1e-5, "norm epsilon"),
            ("rope_theta", 0.0, "rope base"),
            ("hidden_act", "gelu_pytorch_tanh", "hidden_act"),
        ]
        for (key, value, expected) in cases {
            var j = base
            j[key] = value
            var message = ""
            do { _ = try Llama(huggingFace: source, config: j) } catch { message = "\(error)" }
            #expect(message.contains(expected) && message.contains("config.json") && !message.contains("\n"),
                    "\(key) = \(value): '\(message)'")
        }
    }

    @Test func validateAcceptsSmolLM2() throws {
        try LlamaConfig.validate(vocabSize: 49152, dim: 576, hiddenDim: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: nil,
                                 ropeTheta: 100000, normEps: 1e-5, contextLength: 8192, source: "x")
        #expect(throws: FormatError.self) {
            try LlamaConfig.validate(vocabSize: 49152, dim: 576, hiddenDim: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: nil,
                                     ropeTheta: .nan, normEps: 1e-5, contextLength: 8192, source: "x")
        }
    }
}
