import Foundation
import ModelFormats

/// The tokenizer a GGUF file describes: byte-level BPE (`tokenizer.ggml.model` gpt2) or SentencePiece (llama).
package func ggufTokenizer(_ g: GGUFFile) throws -> any TextTokenizer {
    switch g["tokenizer.ggml.model"]?.string {
    case "llama": return try SentencePieceTokenizer(gguf: g)
    default: return try BPETokenizer(gguf: g)
    }
}

extension BPETokenizer {
    /// From GGUF metadata (`tokenizer.ggml.*`).
    package convenience init(gguf g: GGUFFile) throws {
        guard let model = g["tokenizer.ggml.model"]?.string else {
            throw TokenizerError("\(g.path): no tokenizer.ggml.model in the metadata")
        }
        guard model == "gpt2" else {
            throw TokenizerError("\(g.path): tokenizer model '\(model.prefix(80))' is not supported (byte-level BPE 'gpt2' and SentencePiece 'llama' are)")
        }
        guard let tokens = g["tokenizer.ggml.tokens"]?.strings, !tokens.isEmpty else {
            throw TokenizerError("\(g.path): tokenizer.ggml.tokens is missing or empty")
        }
        let mergeStrings = g["tokenizer.ggml.merges"]?.strings ?? []
        let merges = try mergeStrings.map { m -> (String, String) in
            guard let sp = m.firstIndex(of: " ") else { throw TokenizerError("\(g.path): malformed merge '\(m)'") }
            return (String(m[..<sp]), String(m[m.index(after: sp)...]))
        }
        let types = g["tokenizer.ggml.token_type"]?.ints ?? []
        // 3 = control, 4 = user-defined: both are matched literally in text.
        let special = types.enumerated().filter { $0.element == 3 || $0.element == 4 }.map { Int32($0.offset) }
        let pre = g["tokenizer.ggml.pre"]?.string ?? "gpt2"
        let preTokenizer: PreTokenizer
        switch pre {
        case "smollm": preTokenizer = .smollm
        case "gpt2", "default", "gpt-2": preTokenizer = .gpt2
        // llama.cpp's names for Llama 3's pattern (llama-bpe, and the models that reuse it).
        case "llama-bpe", "llama3", "falcon3", "pixtral": preTokenizer = .llama3
        case "qwen2", "deepseek-r1-qwen": preTokenizer = .qwen2
        default:
            throw TokenizerError("\(g.path): pre-tokenizer '\(pre.prefix(80))' is not supported (gpt2, smollm, llama-bpe and qwen2 are)")
        }
        // Ids from the file are checked before they become Int32 (0xFFFFFFFF would trap).
        func tokenID(_ key: String) throws -> Int32? {
            guard let v = g[key]?.int else { return nil }
            guard (0..<tokens.count).contains(v) else {
                throw TokenizerError("\(g.path): \(key) \(v) is outside the vocabulary of \(tokens.count)")
            }
            return Int32(v)
        }
        do {
            try self.init(tokens: tokens, merges: merges, specialIDs: special, preTokenizer: preTokenizer,
                          bos: try tokenID("tokenizer.ggml.bos_token_id"), eos: try tokenID("tokenizer.ggml.eos_token_id"),
                          addBOS: g["tokenizer.ggml.add_bos_token"]?.bool ?? false)
        } catch let e as TokenizerError where !e.description.hasPrefix(g.path) {
            throw TokenizerError("\(g.path): \(e.description)")
        }
    }

    /// From a Hugging Face `tokenizer.json` (byte-level BPE; `tokenizer_config.json` beside it may name BOS/EOS).
    package convenience init(tokenizerJSON url: URL) throws {
        let data: Data
        do { data = try JSONFile.data(url, maxBytes: 256 << 20) } catch { throw TokenizerError("\(error)") }
        // tokenizer_config.json is optional (without it there is no BOS/EOS); one that is there must be readable.
        let configURL = url.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
        var config: Data?
        if FileManager.default.fileExists(atPath: configURL.path) {
            do { config = try JSONFile.data(configURL, maxBytes: 64 << 20) } catch { throw TokenizerError("\(error)") }
        }
        try self.init(tokenizerJSON: data, source: url, config: config)
    }

    /// From the bytes of a tokenizer.json (and of the tokenizer_config.json beside it, if any); `source` names it.
    package convenience init(tokenizerJSON data: Data, source url: URL, config: Data?) throws {
        let parsed: Any
        do { parsed = try JSONFile.parse(data, file: url.path) } catch { throw TokenizerError("\(error)") }
        guard let j = parsed as? [String: Any],
              let model = j["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Int] else {
            throw TokenizerError("\(url.path): not a Hugging Face tokenizer.json with a BPE model")
        }
        guard (model["type"] as? String ?? "BPE") == "BPE" else {
            throw TokenizerError("\(url.path): tokenizer type '\(model["type"] ?? "")' is not supported (BPE is)")
        }
        // SentencePiece's BPE written as tokenizer.json (Metaspace ▁ and byte fallback) is another algorithm.
        if model["byte_fallback"] as? Bool == true || (j["pre_tokenizer"] as? [String: Any])?["type"] as? String == "Metaspace" {
            throw TokenizerError("\(url.path): a SentencePiece-style tokenizer (Metaspace, byte fallback) is not read from tokenizer.json yet: open the model's GGUF file")
        }
        // Ids index an array: each must be in 0..<(tokens listed), so no negative index and no huge allocation.
        let added = j["added_tokens"] as? [[String: Any]] ?? []
        let idLimit = vocab.count + added.count
        if let bad = vocab.first(where: { !(0..<idLimit).contains($0.value) }) {
            throw TokenizerError("\(url.path): token '\(bad.key.prefix(40))' has id \(bad.value), outside 0..<\(idLimit)")
        }
        var tokens = [String](repeating: "", count: (vocab.values.max() ?? -1) + 1)
        for (t, i) in vocab { tokens[i] = t }
        var special: [Int32] = []
        for added in added {
            guard let id = added["id"] as? Int, let content = added["content"] as? String else { continue }
            guard (0..<idLimit).contains(id) else {
                throw TokenizerError("\(url.path): added token '\(content.prefix(40))' has id \(id), outside 0..<\(idLimit)")
            }
            if id >= tokens.count { tokens += [String](repeating: "", count: id - tokens.count + 1) }
            tokens[id] = content
            special.append(Int32(id))
        }
        let merges: [(String, String)] = try (model["merges"] as? [Any] ?? []).enumerated().map { i, m in
            if let s = m as? String, let sp = s.firstIndex(of: " ") { return (String(s[..<sp]), String(s[s.index(after: sp)...])) }
            if let pair = m as? [String], pair.count == 2 { return (pair[0], pair[1]) }
            throw TokenizerError("\(url.path): merge \(i) is neither \"a b\" nor [\"a\", \"b\"]")
        }
        // Serialising anything but an array or object is a fatal error in Foundation (found by the fuzzer).
        let preObject = j["pre_tokenizer"] ?? [String: Any]()
        var preJSON = ""  // null or a bare value: no pre-tokenizer settings, the GPT-2 default
        if JSONSerialization.isValidJSONObject(preObject) {
            do { preJSON = String(decoding: try JSONSerialization.data(withJSONObject: preObject), as: UTF8.self) } catch {
                throw TokenizerError("\(url.path): pre_tokenizer cannot be read (\(error.localizedDescription))")
            }
        }
        let pre = PreTokenizer(huggingFace: preJSON)
        var bos: Int32?, eos: Int32?, addBOS = false
        if let cd = config {
            let configPath = url.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json").path
            let parsed: Any
            do { parsed = try JSONFile.parse(cd, file: configPath) } catch { throw TokenizerError("\(error)") }
            guard let c = parsed as? [String: Any] else { throw TokenizerError("\(configPath): not a JSON object") }
            func tokenID(_ key: String) -> Int32? {
                let name = (c[key] as? String) ?? ((c[key] as? [String: Any])?["content"] as? String)
                return name.flatMap { n in tokens.firstIndex(of: n).map(Int32.init) }
            }
            bos = tokenID("bos_token"); eos = tokenID("eos_token")
            addBOS = c["add_bos_token"] as? Bool ?? false
        }
        // A post-processor whose single-sequence template starts with a special token adds it to every text
        // (Llama 3's <|begin_of_text|>): that token is the BOS.
        if let first = Self.templateFirstSpecial(j["post_processor"]), let id = tokens.firstIndex(of: first) {
            bos = Int32(id); addBOS = true
        }
        try self.init(tokens: tokens, merges: merges, specialIDs: special, preTokenizer: pre, bos: bos, eos: eos, addBOS: addBOS)
    }

    /// The special token a TemplateProcessing post-processor (alone or in a Sequence) puts before a single text.
    static func templateFirstSpecial(_ processor: Any?) -> String? {
        guard let p = processor as? [String: Any] else { return nil }
        if p["type"] as? String == "Sequence" {
            return (p["processors"] as? [Any] ?? []).lazy.compactMap { templateFirstSpecial($0) }.first
        }
        guard p["type"] as? String == "TemplateProcessing", let single = p["single"] as? [[String: Any]],
              let first = single.first?["SpecialToken"] as? [String: Any] else { return nil }
        return first["id"] as? String
    }
}

extension PreTokenizer {
    /// The pre-tokenizer a tokenizer.json's `pre_tokenizer` object (as JSON text) describes: Llama 3's or Qwen2's
    /// split pattern, SmolLM's individual digits, else GPT-2's.
    init(huggingFace json: String) {
        // The patterns as JSON escapes them (a backslash doubled).
        let llama3Digits = #"\\p{N}{1,3}"#, qwenDigits = #"|\\p{N}|"#
        let letters = #"[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"#
        if json.contains(letters) && json.contains(llama3Digits) {
            self = .llama3
        } else if json.contains(letters) && json.contains(qwenDigits) {
            self = .qwen2
        } else if json.contains("\"Digits\"") && json.contains("\"individual_digits\":true") {
            self = .smollm
        } else {
            self = .gpt2
        }
    }
}

extension SentencePieceTokenizer {
    /// The SentencePiece tokenizer of a Hugging Face folder, or nil when the folder's tokenizer is not one: a
    /// `tokenizer.model` beside a tokenizer.json of SentencePiece's kind (byte fallback, `▁` spaces) or alone. The
    /// tokens tokenizer.json adds (with their rstrip flags) and tokenizer_config.json's BOS, EOS and add-BOS apply.
    package static func huggingFace(folder: URL) throws -> SentencePieceTokenizer? {
        let fm = FileManager.default
        let modelURL = folder.appendingPathComponent("tokenizer.model")
        guard fm.fileExists(atPath: modelURL.path) else { return nil }
        let jsonURL = folder.appendingPathComponent("tokenizer.json")
        var added: [(id: Int, content: String, rstrip: Bool)] = []
        if fm.fileExists(atPath: jsonURL.path) {
            let j: [String: Any]
            do { j = try JSONFile.object(jsonURL, maxBytes: 256 << 20) } catch { throw TokenizerError("\(error)") }
            let model = j["model"] as? [String: Any] ?? [:]
            let metaspace = (j["pre_tokenizer"] as? [String: Any])?["type"] as? String == "Metaspace"
            guard model["byte_fallback"] as? Bool == true || metaspace else { return nil }
            for a in j["added_tokens"] as? [[String: Any]] ?? [] {
                guard let id = a["id"] as? Int, let content = a["content"] as? String else { continue }
                added.append((id, content, a["rstrip"] as? Bool ?? false))
            }
        }
        var bos: String?, eos: String?, addBOS: Bool?, legacy = true
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        if fm.fileExists(atPath: configURL.path) {
            let c: [String: Any]
            do { c = try JSONFile.object(configURL) } catch { throw TokenizerError("\(error)") }
            func name(_ key: String) -> String? { (c[key] as? String) ?? ((c[key] as? [String: Any])?["content"] as? String) }
            bos = name("bos_token"); eos = name("eos_token"); addBOS = c["add_bos_token"] as? Bool
            legacy = c["legacy"] as? Bool ?? true
        }
        return try SentencePieceTokenizer(sentencePieceModel: modelURL, added: added, bosToken: bos, eosToken: eos, addBOS: addBOS,
                                          legacy: legacy)
    }
}
