import Foundation

/// How a sequence of tokens reads as text when a character is split across tokens (byte-level BPE splits most
/// Chinese characters into two or three tokens of one or two bytes each).
///
/// Each token's own bytes are shown as text when they are whole UTF-8 characters, and as byte escapes (`\xE5\x8C`)
/// when they are a part of one; tokens whose bytes only together form whole characters are one `group`, and every
/// token of the group carries the group's text.
package struct TokenPiece: Codable, Sendable, Equatable {
    /// The token's bytes.
    package var bytes: [UInt8]
    /// The bytes as text when they are whole UTF-8 characters, else as `\xHH` escapes (e.g. `\xE4\xB8`).
    package var shown: String
    /// Whether the bytes are whole characters on their own.
    package var complete: Bool
    /// The position of the first token of this token's character group.
    package var group: Int
    /// The text the whole group forms (the same for every token in it).
    package var groupText: String

    enum CodingKeys: String, CodingKey { case bytes, shown, complete, group, groupText = "group_text" }

    /// The pieces of `ids` (one per token).
    package static func describe(_ ids: [Int32], tokenizer: any TextTokenizer) -> [TokenPiece] {
        describe(ids.map { tokenizer.decodeBytes([$0]) })
    }

    /// The pieces of tokens given by their bytes.
    package static func describe(_ tokens: [[UInt8]]) -> [TokenPiece] {
        var out: [TokenPiece] = []
        out.reserveCapacity(tokens.count)
        var start = 0
        var buffer: [UInt8] = []
        func closeGroup(through end: Int) {
            let text = String(decoding: buffer, as: UTF8.self)
            for i in start...end { out[i].group = start; out[i].groupText = text }
            buffer.removeAll()
            start = end + 1
        }
        for (i, b) in tokens.enumerated() {
            let whole = isWholeUTF8(b)
            out.append(TokenPiece(bytes: b, shown: whole ? String(decoding: b, as: UTF8.self) : escaped(b), complete: whole,
                                  group: start, groupText: ""))
            buffer += b
            // A group ends where its bytes end on a character boundary (or cannot be completed).
            if !endsInsideCharacter(buffer) || buffer.count > 64 { closeGroup(through: i) }
        }
        if start < out.count { closeGroup(through: out.count - 1) }
        return out
    }

    /// `\xHH` for every byte.
    package static func escaped(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "\\x%02X", $0) }.joined()
    }

    /// Whether `bytes` are whole, valid UTF-8 characters.
    package static func isWholeUTF8(_ bytes: [UInt8]) -> Bool {
        String(validating: bytes, as: UTF8.self) != nil
    }

    /// Whether `bytes` end in the middle of a multi-byte character (a lead byte whose continuation bytes have not
    /// all come yet).
    static func endsInsideCharacter(_ bytes: [UInt8]) -> Bool {
        var i = bytes.count - 1
        var continuation = 0
        while i >= 0 && bytes[i] & 0xC0 == 0x80 && continuation < 3 { continuation += 1; i -= 1 }
        guard i >= 0 else { return false }   // only continuation bytes: nothing can complete them
        let lead = bytes[i]
        let length = lead < 0x80 ? 1 : lead & 0xE0 == 0xC0 ? 2 : lead & 0xF0 == 0xE0 ? 3 : lead & 0xF8 == 0xF0 ? 4 : 1
        return continuation + 1 < length
    }
}
