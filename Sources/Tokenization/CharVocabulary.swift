import Foundation

/// How text becomes token ids for training from scratch.
package enum TokenizerKind: String, Codable, Sendable, CaseIterable {
    /// One id per distinct character of the corpus (sorted by code point).
    case char
    /// One id per byte (256 ids), any text.
    case byte
}

/// A character- or byte-level vocabulary.
package struct Vocabulary: Codable, Equatable, Sendable {
    package let kind: TokenizerKind
    /// For `.char`: the characters, id = index.
    package let characters: [String]

    package var size: Int { kind == .byte ? 256 : characters.count }

    package static func build(_ kind: TokenizerKind, from text: String) -> Vocabulary {
        switch kind {
        case .byte: return Vocabulary(kind: .byte, characters: [])
        case .char:
            let chars = Set(text.unicodeScalars.map { String($0) }).sorted { $0.unicodeScalars.first!.value < $1.unicodeScalars.first!.value }
            return Vocabulary(kind: .char, characters: chars)
        }
    }

    package func encode(_ text: String) throws -> [Int32] {
        switch kind {
        case .byte: return text.utf8.map { Int32($0) }
        case .char:
            let index = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, Int32($0)) })
            return try text.unicodeScalars.map {
                guard let id = index[String($0)] else { throw TokenizerError("character \(String(reflecting: String($0))) is not in the vocabulary") }
                return id
            }
        }
    }

    package func decode(_ ids: [Int32]) -> String {
        switch kind {
        case .byte: return String(decoding: ids.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        case .char: return ids.map { Int($0) < characters.count && $0 >= 0 ? characters[Int($0)] : "\u{FFFD}" }.joined()
        }
    }

    /// `vocab.json` as Hugging Face tokenizers write it: `{"token": id}` (bytes as "<0xNN>" for byte level).
    package var vocabJSON: [String: Int] {
        switch kind {
        case .char: return Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
        case .byte: return Dictionary(uniqueKeysWithValues: (0..<256).map { (String(format: "<0x%02X>", $0), $0) })
        }
    }

    package init(kind: TokenizerKind, characters: [String]) {
        self.kind = kind
        self.characters = characters
    }

    /// Reads a `vocab.json` written by `vocabJSON`.
    package init(vocabJSON: [String: Int]) throws {
        if vocabJSON.count == 256, vocabJSON["<0x00>"] == 0 {
            self.init(kind: .byte, characters: [])
            return
        }
        var chars = [String?](repeating: nil, count: vocabJSON.count)
        for (c, i) in vocabJSON {
            guard i >= 0, i < chars.count else { throw TokenizerError("vocab.json: id \(i) outside 0..<\(chars.count)") }
            guard chars[i] == nil else { throw TokenizerError("vocab.json: id \(i) is given to two tokens") }
            guard c.count == 1 else { throw TokenizerError("vocab.json: '\(c.prefix(20))' is not one character (a character-level vocabulary)") }
            chars[i] = c
        }
        self.init(kind: .char, characters: chars.compactMap { $0 })
    }
}

