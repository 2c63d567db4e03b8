import Foundation
import TensorCore

/// How text becomes token ids for training from scratch.
public enum TokenizerKind: String, Codable, Sendable, CaseIterable {
    /// One id per distinct character of the corpus (sorted by code point).
    case char
    /// One id per byte (256 ids), any text.
    case byte
}

/// A character- or byte-level vocabulary.
public struct Vocabulary: Codable, Equatable, Sendable {
    public let kind: TokenizerKind
    /// For `.char`: the characters, id = index.
    public let characters: [String]

    public var size: Int { kind == .byte ? 256 : characters.count }

    public static func build(_ kind: TokenizerKind, from text: String) -> Vocabulary {
        switch kind {
        case .byte: return Vocabulary(kind: .byte, characters: [])
        case .char:
            let chars = Set(text.unicodeScalars.map { String($0) }).sorted { $0.unicodeScalars.first!.value < $1.unicodeScalars.first!.value }
            return Vocabulary(kind: .char, characters: chars)
        }
    }

    public func encode(_ text: String) throws -> [Int32] {
        switch kind {
        case .byte: return text.utf8.map { Int32($0) }
        case .char:
            let index = Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, Int32($0)) })
            return try text.unicodeScalars.map {
                guard let id = index[String($0)] else { throw TrainingError("character \(String(reflecting: String($0))) is not in the vocabulary") }
                return id
            }
        }
    }

    public func decode(_ ids: [Int32]) -> String {
        switch kind {
        case .byte: return String(decoding: ids.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        case .char: return ids.map { Int($0) < characters.count && $0 >= 0 ? characters[Int($0)] : "\u{FFFD}" }.joined()
        }
    }

    /// `vocab.json` as Hugging Face tokenizers write it: `{"token": id}` (bytes as "<0xNN>" for byte level).
    public var vocabJSON: [String: Int] {
        switch kind {
        case .char: return Dictionary(uniqueKeysWithValues: characters.enumerated().map { ($1, $0) })
        case .byte: return Dictionary(uniqueKeysWithValues: (0..<256).map { (String(format: "<0x%02X>", $0), $0) })
        }
    }

    public init(kind: TokenizerKind, characters: [String]) {
        self.kind = kind
        self.characters = characters
    }

    /// Reads a `vocab.json` written by `vocabJSON`.
    public init(vocabJSON: [String: Int]) throws {
        if vocabJSON.count == 256, vocabJSON["<0x00>"] == 0 {
            self.init(kind: .byte, characters: [])
            return
        }
        var chars = [String](repeating: "", count: vocabJSON.count)
        for (c, i) in vocabJSON {
            guard i >= 0, i < chars.count else { throw TrainingError("vocab.json: id \(i) outside 0..<\(chars.count)") }
            chars[i] = c
        }
        self.init(kind: .char, characters: chars)
    }
}

/// A tokenised corpus split 90/10 into training and validation ids, with batch sampling (nanoGPT style:
/// random windows of `block + 1` tokens; targets are the inputs shifted by one).
public struct TextDataset: Sendable {
    public let vocabulary: Vocabulary
    public let train: [Int32]
    public let validation: [Int32]

    public init(path: String, tokenizer: TokenizerKind, vocabulary: Vocabulary? = nil) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw TrainingError("corpus \(path): no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("corpus \(path): cannot be read") }
        guard !data.isEmpty else { throw TrainingError("corpus \(path) is empty") }
        guard let text = String(data: data, encoding: .utf8) else { throw TrainingError("corpus \(path) is not UTF-8 text") }
        try self.init(text: text, name: path, tokenizer: tokenizer, vocabulary: vocabulary)
    }

    public init(text: String, name: String = "text", tokenizer: TokenizerKind, vocabulary: Vocabulary? = nil) throws {
        guard !text.isEmpty else { throw TrainingError("corpus \(name) is empty") }
        let vocab = vocabulary ?? Vocabulary.build(tokenizer, from: text)
        let ids = try vocab.encode(text)
        let cut = Int(Double(ids.count) * 0.9)
        self.vocabulary = vocab
        self.train = Array(ids[..<cut])
        self.validation = Array(ids[cut...])
    }

    /// Checks that windows of `block + 1` tokens fit in both splits.
    public func check(block: Int) throws {
        guard train.count > block + 1, validation.count > block + 1 else {
            throw TrainingError("block size \(block) is larger than the corpus allows (\(train.count) training and \(validation.count) validation tokens; need more than \(block + 1) in each)")
        }
    }

    /// A batch of `batch` windows: inputs and targets, each batch x block ids row-major.
    public func batch(from split: [Int32], batch: Int, block: Int, rng: inout RandomGenerator) -> (inputs: [Int32], targets: [Int32]) {
        var x = [Int32](), y = [Int32]()
        x.reserveCapacity(batch * block); y.reserveCapacity(batch * block)
        for _ in 0..<batch {
            let start = rng.nextInt(split.count - block - 1)
            x.append(contentsOf: split[start..<(start + block)])
            y.append(contentsOf: split[(start + 1)..<(start + block + 1)])
        }
        return (x, y)
    }
}
