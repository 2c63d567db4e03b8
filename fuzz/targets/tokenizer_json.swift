// libFuzzer target: a Hugging Face tokenizer.json, then encoding and decoding text with it.
import Foundation
import Tokenization

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let t = try? BPETokenizer(tokenizerJSON: bytes, source: URL(fileURLWithPath: "fuzz/tokenizer.json"), config: nil) else { return 0 }
    if let ids = try? t.encodeText("Hello, 世界! <|im_start|> 123") { _ = t.decodeText(ids) }
    return 0
}
