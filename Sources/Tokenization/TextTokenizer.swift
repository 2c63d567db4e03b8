/// What generation and inspection need from a tokenizer.
package protocol TextTokenizer: Sendable {
    var vocabularySize: Int { get }
    /// End of sequence (generation stops here), if the tokenizer has one.
    var eosID: Int32? { get }
    /// Beginning of sequence, if the tokenizer has one.
    var bosID: Int32? { get }
    /// Token ids of `text` (special-token text recognised; BOS only if the model's metadata asks for it).
    func encodeText(_ text: String) throws -> [Int32]
    /// The raw bytes of ids (special tokens as their literal text).
    func decodeBytes(_ ids: [Int32]) -> [UInt8]
    /// A token as shown to people (its vocabulary string).
    func tokenString(_ id: Int32) -> String
}

extension TextTokenizer {
    /// Token ids of `text` without the BOS the model puts before a prompt: what a word or a fragment of text is
    /// (a target, an answer, a steering word).
    package func encodeFragment(_ text: String) throws -> [Int32] {
        let ids = try encodeText(text)
        guard let bos = bosID, ids.first == bos, !text.hasPrefix(tokenString(bos)) else { return ids }
        return Array(ids.dropFirst())
    }

    /// Text of ids; invalid UTF-8 becomes U+FFFD.
    package func decodeText(_ ids: [Int32]) -> String { String(decoding: decodeBytes(ids), as: UTF8.self) }
}

extension BPETokenizer: TextTokenizer {
    package func encodeText(_ text: String) throws -> [Int32] { encode(text) }
    package func tokenString(_ id: Int32) -> String { token(id) }
}

extension Vocabulary: TextTokenizer {
    package var vocabularySize: Int { size }
    package var eosID: Int32? { nil }
    package var bosID: Int32? { nil }
    package func encodeText(_ text: String) throws -> [Int32] { try encode(text) }
    /// A byte-level vocabulary's ids are the bytes themselves (a character's bytes may come one token at a time).
    package func decodeBytes(_ ids: [Int32]) -> [UInt8] { kind == .byte ? ids.map { UInt8(truncatingIfNeeded: $0) } : Array(decode(ids).utf8) }
    package func tokenString(_ id: Int32) -> String { decode([id]) }
}
