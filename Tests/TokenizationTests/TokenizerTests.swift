import Foundation
import Testing
import ModelFormats
@testable import Tokenization

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func smolLM2() throws -> GGUFFile {
    let env = ProcessInfo.processInfo.environment
    let path = env["GLASSBOX_MODEL"] ?? (env["GLASSBOX_MODELS"] ?? (NSHomeDirectory() + "/.cache/glassbox/models"))
        + "/SmolLM2-135M-Instruct.Q4_1.gguf"
    return try GGUFFile(path: path)
}

struct Case {
    let name: String, text: String, ids: [Int32], tokens: [String], decodedBytes: [UInt8], pretokens: [String]?
}

func loadCases() throws -> [Case] {
    let j = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("cases.json"))) as! [String: Any]
    return (j["cases"] as! [[String: Any]]).map { c in
        func hex(_ s: String) -> [UInt8] {
            var out: [UInt8] = []
            var i = s.startIndex
            while i < s.endIndex { let n = s.index(i, offsetBy: 2); out.append(UInt8(s[i..<n], radix: 16)!); i = n }
            return out
        }
        let textBytes = hex(c["utf8_hex"] as! String)
        return Case(name: c["name"] as! String, text: String(decoding: textBytes, as: UTF8.self),
                    ids: (c["ids"] as! [Int]).map(Int32.init), tokens: c["tokens"] as! [String],
                    decodedBytes: hex(c["decoded_bytes_hex"] as! String), pretokens: c["pretokens"] as? [String])
    }
}

@Suite("SmolLM2 tokenizer against the reference")
struct TokenizerFixtureTests {
    static let tokenizer: BPETokenizer = try! BPETokenizer(gguf: smolLM2())

    @Test func everyCaseEncodesToTheReferenceIDs() throws {
        let t = Self.tokenizer
        let cases = try loadCases()
        #expect(cases.count == 41)
        for c in cases {
            let ids = t.encode(c.text)
            #expect(ids == c.ids, "\(c.name): \(ids) vs \(c.ids)")
            #expect(ids.map(t.token) == c.tokens, "\(c.name) tokens")
            #expect(t.decodeBytes(c.ids) == c.decodedBytes, "\(c.name) decoded bytes")
            if let pre = c.pretokens {
                let ours = t.preTokenizer.split(c.text).map { ByteLevel.encode($0.utf8) }
                #expect(ours == pre, "\(c.name) pre-tokens: \(ours) vs \(pre)")
            }
        }
    }

    @Test func metadata() throws {
        let t = Self.tokenizer
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("tokenizer_meta.json"))) as! [String: Any]
        #expect(t.vocabularySize == meta["vocab_size"] as! Int)
        #expect(t.bosID == Int32(meta["bos_token_id"] as! Int) && t.eosID == Int32(meta["eos_token_id"] as! Int))
        #expect(t.addBOS == false)
        #expect(t.specialIDs.count == 17)
        #expect(t.merges.count == meta["merges_count"] as! Int)
    }

    @Test func streamingDecodeHoldsBackSplitCharacters() throws {
        let t = Self.tokenizer
        for c in try loadCases() where !c.ids.isEmpty {
            var d = StreamingDecoder(t)
            var text = ""
            for id in c.ids { text += d.push(id) }
            text += d.finish()
            #expect(text == String(decoding: c.decodedBytes, as: UTF8.self), "\(c.name)")
        }
        // "人工" is split into byte fragments: nothing is emitted until a character is complete.
        var d = StreamingDecoder(t)
        let ids = t.encode("人工")
        let pieces = ids.map { d.push($0) }
        #expect(pieces.joined() == "人工" && pieces.contains(""))
    }
}

@Suite("Pre-tokenizer")
struct PreTokenizerTests {
    @Test func gpt2Pattern() {
        #expect(PreTokenizer.gpt2.split("Hello world") == ["Hello", " world"])
        #expect(PreTokenizer.gpt2.split("I'm here  now\n\n") == ["I", "'m", " here", " ", " now", "\n\n"])
        #expect(PreTokenizer.gpt2.split("x = 42;") == ["x", " =", " 42", ";"])
        #expect(PreTokenizer.smollm.split("x = 42;") == ["x", " =", " ", "4", "2", ";"])
        #expect(PreTokenizer.smollm.split("Total:  42") == ["Total", ":", "  ", "4", "2"])
    }
}

@Suite("Hugging Face tokenizer.json")
struct TokenizerJSONTests {
    @Test func aTokenizerJSONWithTheSameVocabularyEncodesLikeTheGGUF() throws {
        let g = try smolLM2()
        let gguf = try BPETokenizer(gguf: g)
        // The layout `tokenizers` writes: model.vocab / model.merges, added_tokens, Digits + ByteLevel pre-tokenizer.
        var vocab: [String: Int] = [:]
        for (i, t) in gguf.tokens.enumerated() where !gguf.specialIDs.contains(Int32(i)) { vocab[t] = i }
        let json: [String: Any] = [
            "version": "1.0",
            "added_tokens": gguf.specialIDs.map { ["id": Int($0), "content": gguf.tokens[Int($0)], "special": true] },
            "pre_tokenizer": ["type": "Sequence", "pretokenizers": [
                ["type": "Digits", "individual_digits": true],
                ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true]]],
            "model": ["type": "BPE", "vocab": vocab, "merges": g["tokenizer.ggml.merges"]!.strings!],
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tj-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try JSONSerialization.data(withJSONObject: json).write(to: dir.appendingPathComponent("tokenizer.json"))
        try JSONSerialization.data(withJSONObject: ["bos_token": "<|im_start|>", "eos_token": "<|im_end|>"])
            .write(to: dir.appendingPathComponent("tokenizer_config.json"))
        let hf = try BPETokenizer(tokenizerJSON: dir.appendingPathComponent("tokenizer.json"))
        #expect(hf.preTokenizer == .smollm && hf.bosID == 1 && hf.eosID == 2)
        for c in try loadCases() {
            #expect(hf.encode(c.text) == c.ids, "\(c.name)")
        }
        #expect(throws: TokenizerError.self) { _ = try BPETokenizer(tokenizerJSON: dir.appendingPathComponent("missing.json")) }
    }
}

@Suite("Token ids from files are checked")
struct TokenIDValidationTests {
    @Test func idsOutsideTheVocabularyAreRefused() {
        for (bos, eos, special) in [(Int32(3), Int32?.none, [Int32]()), (nil, -1, []), (nil, nil, [Int32.max])] {
            #expect(throws: TokenizerError.self) {
                _ = try BPETokenizer(tokens: ["a", "b", "c"], merges: [], specialIDs: special, preTokenizer: .gpt2,
                                     bos: bos, eos: eos, addBOS: false)
            }
        }
    }

    /// A negative or huge id in tokenizer.json is an error naming the file, not a trap or a huge allocation.
    @Test func badTokenizerJSONIDs() throws {
        for vocab in [#"{"a": 0, "b": -1}"#, #"{"a": 0, "b": 1099511627776}"#] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let url = dir.appendingPathComponent("tokenizer.json")
            try Data(#"{"model": {"type": "BPE", "vocab": \#(vocab), "merges": []}}"#.utf8).write(to: url)
            var message = ""
            do { _ = try BPETokenizer(tokenizerJSON: url) } catch { message = "\(error)" }
            #expect(message.contains(url.path) && message.contains("outside"), "\(message)")
        }
    }
}

/// Every file of the fuzzers' seed corpus and crash corpus (fuzz/corpus, fuzz/crashes), read again by the same
/// readers the fuzz targets drive: each gives a value or an error, never a crash.
@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    static let fuzzRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz")

    func files(_ target: String) -> [URL] {
        ["corpus", "crashes"].flatMap { kind -> [URL] in
            let dir = Self.fuzzRoot.appendingPathComponent(kind).appendingPathComponent(target)
            return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }
                .map { dir.appendingPathComponent($0) }
        }
    }

    @Test func seedsExistForEveryTarget() {
        for t in ["gguf", "safetensors", "tokenizer_json", "sentencepiece_model"] { #expect(!files(t).isEmpty, "no seeds for \(t)") }
    }

    @Test func ggufFiles() throws {
        var parsed = 0
        for url in files("gguf") {
            let data = try Data(contentsOf: url)
            let g = data.withUnsafeBytes { try? GGUFFile(file: MappedFile(copying: $0, name: url.path)) }
            guard let g else { continue }
            parsed += 1
            for t in g.tensors.prefix(64) { _ = try? g.dequantize(t.name, rows: 0..<min(1, t.rowCount)) }
            if let tok = try? ggufTokenizer(g), let ids = try? tok.encodeText("Hello, 世界! 123") { _ = tok.decodeText(ids) }
        }
        #expect(parsed >= 1)
    }

    @Test func safetensorsFiles() throws {
        for url in files("safetensors") {
            let data = try Data(contentsOf: url)
            guard let s = data.withUnsafeBytes({ try? SafeTensorsFile(file: MappedFile(copying: $0, name: url.path)) }) else { continue }
            for name in s.names { _ = try? s.floats(name) }
        }
    }

    @Test func sentencePieceModels() throws {
        var parsed = 0
        for url in files("sentencepiece_model") {
            guard let t = try? SentencePieceTokenizer(sentencePieceModel: try Data(contentsOf: url), source: url.path) else { continue }
            parsed += 1
            if let ids = try? t.encodeText("Hello, 世界! <s> 123") { _ = t.decodeText(ids) }
        }
        #expect(parsed >= 1)
    }

    @Test func tokenizerJSONFiles() throws {
        var parsed = 0
        for url in files("tokenizer_json") {
            guard let t = try? BPETokenizer(tokenizerJSON: try Data(contentsOf: url), source: url, config: nil) else { continue }
            parsed += 1
            if let ids = try? t.encodeText("Hello, 世界! <|im_start|> 123") { _ = t.decodeText(ids) }
        }
        #expect(parsed >= 1)
    }
}

@Suite("Characters split across tokens")
struct TokenPieceTests {
    @Test func partialCharactersAreEscapedAndGrouped() {
        // 北 = E5 8C 97 split as [E5] [8C 97], then "A", then 京 = E4 BA AC whole, then é = C3 A9 split.
        let p = TokenPiece.describe([[0xE5], [0x8C, 0x97], [0x41], [0xE4, 0xBA, 0xAC], [0xC3], [0xA9, 0x20]])
        #expect(p.map(\.shown) == ["\\xE5", "\\x8C\\x97", "A", "京", "\\xC3", "\\xA9\\x20"])
        #expect(p.map(\.complete) == [false, false, true, true, false, false])
        #expect(p.map(\.group) == [0, 0, 2, 3, 4, 4])
        #expect(p.map(\.groupText) == ["北", "北", "A", "京", "é ", "é "])
        // A dangling lead byte at the end, and stray continuation bytes, still end their group.
        let q = TokenPiece.describe([[0x41], [0xE5, 0x8C], [0x80], [0x42]])
        #expect(q.map(\.group) == [0, 1, 1, 3] || q.map(\.group) == [0, 1, 2, 3])
        #expect(q.last?.groupText == "B")
    }

    @Test func chineseTextReadsAsItsCharacters() throws {
        let t = TokenizerFixtureTests.tokenizer
        let text = "北京是中国的首都，长城很长。"
        let ids = t.encode(text)
        let pieces = TokenPiece.describe(ids, tokenizer: t)
        // Every group's text, once per group, gives back the text; no replacement character anywhere.
        var seen = Set<Int>(), joined = ""
        for p in pieces where seen.insert(p.group).inserted { joined += p.groupText }
        #expect(joined == text)
        #expect(!pieces.contains { $0.shown.contains("\u{FFFD}") || $0.groupText.contains("\u{FFFD}") })
        #expect(pieces.contains { !$0.complete }, "SmolLM2 splits some of these characters")
        for p in pieces where !p.complete { #expect(p.shown.hasPrefix("\\x")) }
    }
}
