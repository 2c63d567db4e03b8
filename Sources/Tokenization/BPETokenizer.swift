import Foundation

/// The one public error of Tokenization.
package struct TokenizerError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Byte-level BPE (GPT-2 / SmolLM2 style).
///
/// encode: special tokens are matched literally first; the text between them is pre-tokenized, each piece's
/// UTF-8 bytes mapped to the byte alphabet, symbols missing from the vocabulary dropped, and adjacent pairs merged
/// by lowest merge rank (all non-overlapping occurrences, left to right) until no pair has a rank.
package final class BPETokenizer: @unchecked Sendable {
    package let tokens: [String]
    package let preTokenizer: PreTokenizer
    /// Ids of tokens matched literally inside text (control and user-defined special tokens).
    package let specialIDs: [Int32]
    package let bosID: Int32?
    package let eosID: Int32?
    package let addBOS: Bool
    let tokenIndex: [String: Int32]
    /// (left id, right id) packed into one key -> (rank, merged id)
    let merges: [UInt64: (rank: Int32, id: Int32)]
    let specials: [(bytes: [UInt8], id: Int32)]
    let specialsByFirstByte: [[(bytes: [UInt8], id: Int32)]]
    private var cache: [String: [Int32]] = [:]
    private let cacheLock = NSLock()

    package var vocabularySize: Int { tokens.count }

    package init(tokens: [String], merges: [(String, String)], specialIDs: [Int32], preTokenizer: PreTokenizer,
                bos: Int32?, eos: Int32?, addBOS: Bool) throws {
        guard tokens.count <= 1 << 22 else { throw TokenizerError("vocabulary of \(tokens.count) tokens is too large (at most \(1 << 22))") }
        for (what, id) in [("BOS token id", bos), ("EOS token id", eos)] + specialIDs.map({ ("special token id", $0) }) {
            if let id, !(0..<Int32(tokens.count)).contains(id) {
                throw TokenizerError("\(what) \(id) is outside the vocabulary of \(tokens.count)")
            }
        }
        self.tokens = tokens
        self.preTokenizer = preTokenizer
        self.specialIDs = specialIDs
        self.bosID = bos; self.eosID = eos; self.addBOS = addBOS
        var index: [String: Int32] = [:]
        index.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where index[t] == nil { index[t] = Int32(i) }
        tokenIndex = index
        var m: [UInt64: (Int32, Int32)] = [:]
        m.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let ia = index[a], let ib = index[b], let merged = index[a + b] else {
                throw TokenizerError("merge #\(rank) '\(a) \(b)' refers to tokens missing from the vocabulary")
            }
            let key = UInt64(UInt32(ia)) << 32 | UInt64(UInt32(ib))
            if m[key] == nil { m[key] = (Int32(rank), merged) }
        }
        self.merges = m
        // Longest first, so that one special token that prefixes another never wins.
        specials = specialIDs.map { (Array(tokens[Int($0)].utf8), $0) }.sorted { $0.bytes.count > $1.bytes.count }
        // By first byte: a text is scanned once, and each position looks only at the specials that can start there
        // (Gemma's vocabulary has thousands).
        var buckets = [[(bytes: [UInt8], id: Int32)]](repeating: [], count: 256)
        for s in specials where !s.bytes.isEmpty { buckets[Int(s.bytes[0])].append(s) }
        specialsByFirstByte = buckets
    }

    /// Token ids of `text` (with BOS first when the model asks for it and `addSpecial` is true).
    package func encode(_ text: String, addSpecial: Bool = true) -> [Int32] {
        var ids: [Int32] = []
        if addSpecial, addBOS, let bosID { ids.append(bosID) }
        let bytes = Array(text.utf8)
        var start = 0, i = 0
        while i < bytes.count {
            if let s = specialsByFirstByte[Int(bytes[i])].first(where: { matches($0.bytes, bytes, at: i) }) {
                if start < i { encodeOrdinary(bytes[start..<i], into: &ids) }
                ids.append(s.id)
                i += s.bytes.count
                start = i
            } else {
                i += 1
            }
        }
        if start < bytes.count { encodeOrdinary(bytes[start...], into: &ids) }
        return ids
    }

    private func matches(_ needle: [UInt8], _ hay: [UInt8], at i: Int) -> Bool {
        guard !needle.isEmpty, i + needle.count <= hay.count, hay[i] == needle[0] else { return false }
        for k in 1..<needle.count where hay[i + k] != needle[k] { return false }
        return true
    }

    private func encodeOrdinary(_ bytes: ArraySlice<UInt8>, into ids: inout [Int32]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for piece in preTokenizer.split(text) { ids.append(contentsOf: bpe(piece)) }
    }

    /// BPE of one pre-token (cached).
    func bpe(_ piece: String) -> [Int32] {
        cacheLock.lock()
        if let c = cache[piece] { cacheLock.unlock(); return c }
        cacheLock.unlock()
        var symbols: [Int32] = []
        for s in ByteLevel.encode(piece.utf8).unicodeScalars {
            if let id = tokenIndex[String(s)] { symbols.append(id) }  // bytes missing from the vocabulary vanish
        }
        while symbols.count > 1 {
            var best: (rank: Int32, id: Int32)?
            var bestPair: UInt64 = 0
            for k in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(symbols[k])) << 32 | UInt64(UInt32(symbols[k + 1]))
                if let m = merges[key], best == nil || m.rank < best!.rank { best = m; bestPair = key }
            }
            guard let merge = best else { break }
            let left = Int32(truncatingIfNeeded: bestPair >> 32), right = Int32(truncatingIfNeeded: bestPair & 0xFFFF_FFFF)
            var merged: [Int32] = []
            merged.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k + 1 < symbols.count && symbols[k] == left && symbols[k + 1] == right {
                    merged.append(merge.id); k += 2
                } else {
                    merged.append(symbols[k]); k += 1
                }
            }
            symbols = merged
        }
        cacheLock.lock()
        if cache.count > 100_000 { cache.removeAll() }
        cache[piece] = symbols
        cacheLock.unlock()
        return symbols
    }

    /// The raw bytes of `ids` (special tokens as their literal text).
    package func decodeBytes(_ ids: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        for id in ids { appendBytes(of: id, to: &out) }
        return out
    }

    func appendBytes(of id: Int32, to out: inout [UInt8]) {
        guard id >= 0, Int(id) < tokens.count else { return }
        if specialIDs.contains(id) { out.append(contentsOf: Array(tokens[Int(id)].utf8)) } else { ByteLevel.decode(tokens[Int(id)], into: &out) }
    }

    /// Text of `ids`; invalid UTF-8 becomes U+FFFD.
    package func decode(_ ids: [Int32]) -> String { String(decoding: decodeBytes(ids), as: UTF8.self) }

    package func token(_ id: Int32) -> String { id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : "" }

    package func id(of token: String) -> Int32? { tokenIndex[token] }
}

/// Turns a stream of token ids into text pieces, holding back bytes of a UTF-8 character split across tokens.
package struct StreamingDecoder {
    let tokenizer: any TextTokenizer
    var pending: [UInt8] = []

    package init(_ tokenizer: any TextTokenizer) { self.tokenizer = tokenizer }

    /// The text that became complete with this token ("" while a character is still incomplete).
    package mutating func push(_ id: Int32) -> String {
        pending += tokenizer.decodeBytes([id])
        let keep = incompleteSuffixLength(pending)
        let ready = pending.count - keep
        let text = String(decoding: pending[..<ready], as: UTF8.self)
        pending.removeFirst(ready)
        return text
    }

    /// What remains at the end of the stream (an incomplete character becomes U+FFFD).
    package mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of a trailing, still-incomplete UTF-8 sequence (0 if the bytes end on a boundary or are invalid).
    func incompleteSuffixLength(_ b: [UInt8]) -> Int {
        var k = 0
        var i = b.count - 1
        while i >= 0 && k < 3 && b[i] & 0xC0 == 0x80 { i -= 1; k += 1 }
        guard i >= 0 else { return 0 }
        let lead = b[i]
        let need = lead >= 0xF0 && lead < 0xF8 ? 4 : lead >= 0xE0 && lead < 0xF0 ? 3 : lead >= 0xC0 && lead < 0xE0 ? 2 : 1
        return need > k + 1 ? k + 1 : 0
    }
}
