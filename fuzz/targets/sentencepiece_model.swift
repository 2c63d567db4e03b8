// libFuzzer target: a SentencePiece model (tokenizer.model, protobuf), read into a tokenizer that then encodes and
// decodes a text. Any input must give a value or an error, never a crash, an out-of-bounds read (AddressSanitizer)
// or a huge allocation.
import Foundation
import Tokenization

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSentencePieceModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let t = try? SentencePieceTokenizer(sentencePieceModel: bytes, source: "fuzz.model") else { return 0 }
    if let ids = try? t.encodeText("Hello, 世界! <s> 123  end") { _ = t.decodeText(ids) }
    return 0
}
