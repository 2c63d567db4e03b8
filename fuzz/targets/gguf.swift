// libFuzzer target: a GGUF file, then everything Glassbox reads from one before a model is built — the metadata,
// the tensor table, a row of every tensor (dequantised), and the tokenizer. Any input must give a value or an
// error, never a crash, an out-of-bounds read (AddressSanitizer) or a huge allocation.
import Foundation
import ModelFormats
import Tokenization

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = MappedFile(copying: UnsafeRawBufferPointer(start: data, count: size), name: "fuzz.gguf")
    guard let g = try? GGUFFile(file: file) else { return 0 }
    for t in g.tensors.prefix(64) {
        _ = try? g.dequantize(t.name, rows: 0..<min(1, t.rowCount))
    }
    _ = g["general.architecture"]?.string
    if let tokenizer = try? ggufTokenizer(g) {
        if let ids = try? tokenizer.encodeText("Hello, 世界! 123") { _ = tokenizer.decodeText(ids) }
    }
    return 0
}
