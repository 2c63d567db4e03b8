// libFuzzer target: a safetensors file — the JSON header, the tensor table, and the values of every tensor.
import Foundation
import ModelFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = MappedFile(copying: UnsafeRawBufferPointer(start: data, count: size), name: "fuzz.safetensors")
    guard let s = try? SafeTensorsFile(file: file) else { return 0 }
    for name in s.names.prefix(64) { _ = try? s.floats(name) }
    _ = s.metadata
    return 0
}
