import Foundation
import ModelFormats

/// SentencePiece BPE as GGUF files carry it (`tokenizer.ggml.model` = `llama`: Llama 2, Mistral, Gemma, Phi-3).
///
/// encode: special tokens (control and user-defined) are matched literally first. Each stretch of text between them
/// gets a leading space where the file asks for one (`add_space_prefix`, at the start and after a special token),
/// its spaces become `▁`, and it is split into characters; the adjacent pair whose concatenation is the
/// highest-scoring token is merged (ties: leftmost) until no pair forms a token. A character that is not a token
/// falls back to its UTF-8 bytes as `<0xHH>` tokens (or the unknown token without them).
package final class SentencePieceTokenizer: @unchecked Sendable {
    package let tokens: [String]
    package let scores: [Float]
    /// Ids of tokens matched literally inside text (control and user-defined tokens).
    package let specialIDs: [Int32]
    package let bosID: Int32?
    package let eosID: Int32?
    package let unknownID: Int32?
    package let addBOS: Bool
    package let addSpacePrefix: Bool
    /// Special tokens after which whitespace is dropped (llama.cpp's RSTRIP: Phi-3's chat tokens).
    package let rstripIDs: Set<Int32>
    /// Whether the space prefix also goes after each special token (llama.cpp, and transformers' "legacy"
    /// tokenizers) or only before the text (transformers' `legacy: false`).
    package let spaceAfterSpecial: Bool
    let tokenIndex: [String: Int32]
    /// The id of `<0xHH>` for each byte (-1 where the vocabulary has none).
    let byteIDs: [Int32]
    let isByte: [Bool]
    let specials: [(bytes: [UInt8], id: Int32)]
    let specialsByFirstByte: [[(bytes: [UInt8], id: Int32)]]
    let specialSet: Set<Int32>

    package var vocabularySize: Int { tokens.count }

    /// Token types follow GGUF's `tokenizer.ggml.token_type`: 1 normal, 2 unknown, 3 control, 4 user-defined,
    /// 5 unused, 6 byte.
    package init(tokens: [String], scores: [Float], types: [Int], bos: Int32?, eos: Int32?, unknown: Int32?,
                addBOS: Bool, addSpacePrefix: Bool, rstripIDs: Set<Int32> = [], spaceAfterSpecial: Bool = true) throws {
        guard !tokens.isEmpty, tokens.count <= 1 << 22 else { throw TokenizerError("vocabulary of \(tokens.count) tokens is not in 1...\(1 << 22)") }
        guard scores.count == tokens.count else { throw TokenizerError("\(scores.count) scores for \(tokens.count) tokens") }
        guard types.isEmpty || types.count == tokens.count else { throw TokenizerError("\(types.count) token types for \(tokens.count) tokens") }
        for (what, id) in [("BOS token id", bos), ("EOS token id", eos), ("unknown token id", unknown)] {
            if let id, !(0..<Int32(tokens.count)).contains(id) {
                throw TokenizerError("\(what) \(id) is outside the vocabulary of \(tokens.count)")
            }
        }
        if addBOS && bos == nil { throw TokenizerError("the tokenizer adds a BOS token but names none") }
        self.tokens = tokens; self.scores = scores
        self.bosID = bos; self.eosID = eos; self.unknownID = unknown
        self.addBOS = addBOS; self.addSpacePrefix = addSpacePrefix; self.rstripIDs = rstripIDs
        self.spaceAfterSpecial = spaceAfterSpecial
        var index: [String: Int32] = [:]
        index.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where index[t] == nil { index[t] = Int32(i) }
        tokenIndex = index
        var bytes = [Int32](repeating: -1, count: 256)
        var byteFlags = [Bool](repeating: false, count: tokens.count)
        for (i, t) in tokens.enumerated() where (types.isEmpty || types[i] == 6) {
            if let b = Self.byteValue(t) { bytes[Int(b)] = Int32(i); byteFlags[i] = true }
        }
        byteIDs = bytes; isByte = byteFlags
        specialIDs = types.enumerated().filter { $0.element == 3 || $0.element == 4 }.map { Int32($0.offset) }
        specialSet = Set(specialIDs)
        // Longest first, so that one special token that prefixes another never wins; empty ones never match.
        specials = specialIDs.map { (Array(tokens[Int($0)].utf8), $0) }.filter { !$0.0.isEmpty }.sorted { $0.bytes.count > $1.bytes.count }
        // By first byte: a text is scanned once, and each position looks only at the specials that can start there
        // (Gemma's vocabulary has thousands).
        var buckets = [[(bytes: [UInt8], id: Int32)]](repeating: [], count: 256)
        for s in specials where !s.bytes.isEmpty { buckets[Int(s.bytes[0])].append(s) }
        specialsByFirstByte = buckets
    }

    /// From GGUF metadata (`tokenizer.ggml.*` with model `llama`).
    package convenience init(gguf g: GGUFFile) throws {
        guard let tokens = g["tokenizer.ggml.tokens"]?.strings, !tokens.isEmpty else {
            throw TokenizerError("\(g.path): tokenizer.ggml.tokens is missing or empty")
        }
        guard let scores = g["tokenizer.ggml.scores"]?.floats else {
            throw TokenizerError("\(g.path): tokenizer.ggml.scores is missing (a SentencePiece vocabulary needs its scores)")
        }
        func tokenID(_ key: String) throws -> Int32? {
            guard let v = g[key]?.int else { return nil }
            guard (0..<tokens.count).contains(v) else {
                throw TokenizerError("\(g.path): \(key) \(v) is outside the vocabulary of \(tokens.count)")
            }
            return Int32(v)
        }
        // llama.cpp strips whitespace after Phi-3's special tokens (models it knows by general.name), all but
        // <unk>, <s> and <|endoftext|>.
        let types = g["tokenizer.ggml.token_type"]?.ints ?? []
        var rstrip = Set<Int32>()
        let name = (g["general.name"]?.string ?? "").lowercased()
        if name.contains("phi-3") || name.contains("phi3") {
            for (i, t) in types.enumerated() where [2, 3, 4].contains(t) && !["<unk>", "<s>", "<|endoftext|>"].contains(tokens[i]) {
                rstrip.insert(Int32(i))
            }
            if let i = tokens.firstIndex(of: "</s>") { rstrip.insert(Int32(i)) }
        }
        do {
            try self.init(tokens: tokens, scores: scores, types: types,
                          bos: try tokenID("tokenizer.ggml.bos_token_id"), eos: try tokenID("tokenizer.ggml.eos_token_id"),
                          unknown: try tokenID("tokenizer.ggml.unknown_token_id"),
                          addBOS: g["tokenizer.ggml.add_bos_token"]?.bool ?? true,
                          addSpacePrefix: g["tokenizer.ggml.add_space_prefix"]?.bool ?? true, rstripIDs: rstrip)
        } catch let e as TokenizerError where !e.description.hasPrefix(g.path) {
            throw TokenizerError("\(g.path): \(e.description)")
        }
    }

    /// 0xHH of a `<0xHH>` token.
    static func byteValue(_ t: String) -> UInt8? {
        let u = Array(t.utf8)
        guard u.count == 6, u[0] == 60, u[1] == 48, u[2] == 120, u[5] == 62 else { return nil }   // <0x..>
        return UInt8(String(decoding: u[3...4], as: UTF8.self), radix: 16)
    }

    /// Token ids of `text` (with BOS first when the model asks for it and `addSpecial` is true).
    package func encode(_ text: String, addSpecial: Bool = true) -> [Int32] {
        var ids: [Int32] = []
        if addSpecial, addBOS, let bosID { ids.append(bosID) }
        let bytes = Array(text.utf8)
        var start = 0, i = 0
        var afterSpecial = true   // a space goes before the first stretch and after each special token
        func ordinary(_ end: Int) {
            guard start < end else { return }
            var piece = afterSpecial && addSpacePrefix ? [UInt8(32)] : []
            piece += bytes[start..<end]
            encodeOrdinary(piece, into: &ids)
            afterSpecial = false
        }
        while i < bytes.count {
            if let s = specialsByFirstByte[Int(bytes[i])].first(where: { matches($0.bytes, bytes, at: i) }) {
                ordinary(i)
                ids.append(s.id)
                afterSpecial = spaceAfterSpecial
                i += s.bytes.count
                if rstripIDs.contains(s.id) {
                    while i < bytes.count, [9, 10, 11, 12, 13, 32].contains(bytes[i]) { i += 1 }
                }
                start = i
            } else {
                i += 1
            }
        }
        ordinary(bytes.count)
        return ids
    }

    private func matches(_ needle: [UInt8], _ hay: [UInt8], at i: Int) -> Bool {
        guard i + needle.count <= hay.count else { return false }
        for k in 0..<needle.count where hay[i + k] != needle[k] { return false }
        return true
    }

    /// One stretch of text without special tokens (spaces as given; `▁` is written here).
    func encodeOrdinary(_ raw: [UInt8], into ids: inout [Int32]) {
        // Spaces become ▁ (E2 96 81); the stretch is split into UTF-8 characters.
        var text: [UInt8] = []
        text.reserveCapacity(raw.count * 2)
        for b in raw { if b == 32 { text += [0xE2, 0x96, 0x81] } else { text.append(b) } }
        var symbols: [(start: Int, length: Int)] = []
        var o = 0
        while o < text.count {
            let lead = text[o]
            let n = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 1
            let len = min(n, text.count - o)
            symbols.append((o, len))
            o += len
        }
        let count = symbols.count
        guard count > 0 else { return }
        var next = Array(1...count).map { $0 == count ? -1 : $0 }
        var prev = (0..<count).map { $0 - 1 }
        var length = symbols.map(\.length)
        func token(_ a: Int, _ n: Int) -> Int32? { tokenIndex[String(decoding: text[a..<(a + n)], as: UTF8.self)] }
        // Candidate merges: highest score first, then leftmost; an entry is stale once either side has changed size.
        var heap = PairHeap()
        func propose(_ left: Int, _ right: Int) {
            guard left >= 0, right >= 0 else { return }
            let size = length[left] + length[right]
            guard let id = token(symbols[left].start, size) else { return }
            heap.push(.init(score: scores[Int(id)], left: left, right: right, size: size))
        }
        for k in 1..<max(count, 1) { propose(k - 1, k) }
        while let b = heap.pop() {
            guard length[b.left] > 0, length[b.right] > 0, length[b.left] + length[b.right] == b.size, next[b.left] == b.right else { continue }
            length[b.left] += length[b.right]
            length[b.right] = 0
            next[b.left] = next[b.right]
            if next[b.right] >= 0 { prev[next[b.right]] = b.left }
            propose(prev[b.left], b.left)
            propose(b.left, next[b.left])
        }
        var k = 0
        while k >= 0 {
            let start = symbols[k].start, n = length[k]
            if let id = token(start, n) {
                ids.append(id)
            } else {
                for byte in text[start..<(start + n)] {
                    let id = byteIDs[Int(byte)]
                    if id >= 0 { ids.append(id) } else if let unknownID { ids.append(unknownID) }
                }
            }
            k = next[k]
        }
    }

    /// The raw bytes of `ids`: `▁` as a space, byte tokens as their byte, special tokens as their literal text.
    package func decodeBytes(_ ids: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids where id >= 0 && Int(id) < tokens.count {
            let i = Int(id)
            if isByte[i], let b = Self.byteValue(tokens[i]) { out.append(b); continue }
            if specialSet.contains(id) { out += Array(tokens[i].utf8); continue }
            let u = Array(tokens[i].utf8)
            var j = 0
            while j < u.count {
                if j + 2 < u.count && u[j] == 0xE2 && u[j + 1] == 0x96 && u[j + 2] == 0x81 { out.append(32); j += 3 } else { out.append(u[j]); j += 1 }
            }
        }
        return out
    }

    package func token(_ id: Int32) -> String { id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : "" }
}

extension SentencePieceTokenizer: TextTokenizer {
    package func encodeText(_ text: String) throws -> [Int32] { encode(text) }
    package func tokenString(_ id: Int32) -> String { token(id) }
}

/// A max-heap of candidate merges (score, then the leftmost first).
struct PairHeap {
    struct Pair { let score: Float; let left: Int; let right: Int; let size: Int }
    private var items: [Pair] = []

    /// Whether a comes out before b.
    private func before(_ a: Pair, _ b: Pair) -> Bool { a.score > b.score || (a.score == b.score && a.left < b.left) }

    mutating func push(_ p: Pair) {
        items.append(p)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard before(items[i], items[parent]) else { break }
            items.swapAt(i, parent); i = parent
        }
    }

    mutating func pop() -> Pair? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count && before(items[l], items[best]) { best = l }
                if r < items.count && before(items[r], items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best); i = best
            }
        }
        return top
    }
}

extension SentencePieceTokenizer {
    /// From a Hugging Face folder's SentencePiece model (`tokenizer.model`, the protobuf `ModelProto`), with the
    /// tokens tokenizer.json adds after it (Phi-3's chat tokens) and tokenizer_config.json's BOS, EOS and add-BOS.
    /// Only BPE models are read (Llama 2, Mistral, Gemma, Phi-3); a unigram model is an error.
    package convenience init(sentencePieceModel url: URL, added: [(id: Int, content: String, rstrip: Bool)],
                            bosToken: String?, eosToken: String?, addBOS: Bool?, legacy: Bool = true) throws {
        let data: Data
        do { data = try JSONFile.data(url, maxBytes: 64 << 20) } catch { throw TokenizerError("\(error)") }
        try self.init(sentencePieceModel: data, source: url.path, added: added, bosToken: bosToken, eosToken: eosToken,
                      addBOS: addBOS, legacy: legacy)
    }

    /// From the bytes of a `tokenizer.model`; `source` names it in errors.
    package convenience init(sentencePieceModel data: Data, source: String, added: [(id: Int, content: String, rstrip: Bool)] = [],
                            bosToken: String? = nil, eosToken: String? = nil, addBOS: Bool? = nil, legacy: Bool = true) throws {
        let model = try SentencePieceModel(Array(data), source: source)
        guard model.modelType == 2 else {
            throw TokenizerError("\(source): SentencePiece model type \(model.modelType) is not supported (BPE, type 2, is)")
        }
        var tokens = model.pieces.map(\.piece), scores = model.pieces.map(\.score), types = model.pieces.map(\.type)
        var rstrip = Set<Int32>()
        for a in added.sorted(by: { $0.id < $1.id }) {
            guard a.id >= 0 && a.id < 1 << 22 else { throw TokenizerError("\(source): added token id \(a.id) is out of range") }
            if a.id >= tokens.count {
                let gap = a.id - tokens.count
                tokens += [String](repeating: "", count: gap + 1); scores += [Float](repeating: 0, count: gap + 1)
                types += [Int](repeating: 5, count: gap + 1)
            }
            tokens[a.id] = a.content
            if types[a.id] != 3 { types[a.id] = 4 }     // matched literally in text
            if a.rstrip { rstrip.insert(Int32(a.id)) }
        }
        func id(_ name: String?, _ fallback: Int) -> Int32? {
            if let name, let i = tokens.firstIndex(of: name) { return Int32(i) }
            return fallback >= 0 && fallback < tokens.count ? Int32(fallback) : nil
        }
        try self.init(tokens: tokens, scores: scores, types: types, bos: id(bosToken, model.bosID), eos: id(eosToken, model.eosID),
                      unknown: id(nil, model.unkID), addBOS: addBOS ?? true, addSpacePrefix: model.addDummyPrefix, rstripIDs: rstrip,
                      spaceAfterSpecial: legacy)
    }
}

/// The parts of SentencePiece's `ModelProto` a tokenizer needs, read from protobuf's wire format: the pieces
/// (field 1: piece, score, type), the trainer's model type and special ids (field 2), the normaliser's dummy prefix
/// (field 3).
struct SentencePieceModel {
    var pieces: [(piece: String, score: Float, type: Int)] = []
    var modelType = 1, unkID = 0, bosID = 1, eosID = 2
    var addDummyPrefix = true

    init(_ bytes: [UInt8], source: String) throws {
        var top = ProtobufReader(bytes[...], source: source)
        while let (field, value) = try top.next() {
            switch (field, value) {
            case (1, .bytes(let b)):
                var r = ProtobufReader(b, source: source)
                var piece = "", score: Float = 0, type = 1
                while let (f, v) = try r.next() {
                    switch (f, v) {
                    case (1, .bytes(let s)): piece = String(decoding: s, as: UTF8.self)
                    case (2, .fixed32(let u)): score = Float(bitPattern: u)
                    case (3, .varint(let t)): type = Int(truncatingIfNeeded: t)
                    default: break
                    }
                }
                pieces.append((piece, score, type))
            case (2, .bytes(let b)):
                var r = ProtobufReader(b, source: source)
                while let (f, v) = try r.next() {
                    guard case .varint(let x) = v else { continue }
                    let n = Int(Int32(truncatingIfNeeded: x))
                    switch f {
                    case 3: modelType = n
                    case 40: unkID = n
                    case 41: bosID = n
                    case 42: eosID = n
                    default: break
                    }
                }
            case (3, .bytes(let b)):
                var r = ProtobufReader(b, source: source)
                while let (f, v) = try r.next() { if f == 3, case .varint(let x) = v { addDummyPrefix = x != 0 } }
            default: break
            }
        }
        guard !pieces.isEmpty else { throw TokenizerError("\(source): no pieces in the SentencePiece model") }
    }
}

/// Protobuf's wire format, one field at a time (no schema).
struct ProtobufReader {
    enum Value { case varint(UInt64), fixed64(UInt64), bytes(ArraySlice<UInt8>), fixed32(UInt32) }
    var rest: ArraySlice<UInt8>
    let source: String
    init(_ bytes: ArraySlice<UInt8>, source: String) { rest = bytes; self.source = source }

    mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while let b = rest.first {
            rest = rest.dropFirst()
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
            guard shift < 64 else { break }
        }
        throw TokenizerError("\(source): a malformed varint in the SentencePiece model")
    }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= rest.count else { throw TokenizerError("\(source): a field runs past the end of the SentencePiece model") }
        let out = rest.prefix(n)
        rest = rest.dropFirst(n)
        return out
    }

    /// The next field number and value, or nil at the end.
    mutating func next() throws -> (Int, Value)? {
        guard !rest.isEmpty else { return nil }
        let key = try varint()
        let field = Int(truncatingIfNeeded: key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: return (field, .fixed64(try take(8).reduce(into: (UInt64(0), UInt64(0))) { $0.0 |= UInt64($1) << $0.1; $0.1 += 8 }.0))
        case 2:
            let n = try varint()
            guard n <= UInt64(rest.count) else { throw TokenizerError("\(source): a field runs past the end of the SentencePiece model") }
            return (field, .bytes(try take(Int(n))))
        case 5: return (field, .fixed32(try take(4).reduce(into: (UInt32(0), UInt32(0))) { $0.0 |= UInt32($1) << $0.1; $0.1 += 8 }.0))
        default: throw TokenizerError("\(source): wire type \(key & 7) in the SentencePiece model is not protobuf's")
        }
    }
}
