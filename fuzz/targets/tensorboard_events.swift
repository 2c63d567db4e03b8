// libFuzzer target: a TensorBoard event file (TFRecord framing, CRC-32C, Event/Summary protocol buffers), read as
// `glassbox import-tensorboard` reads it. Compiled together with Sources/RunStore/TensorBoard.swift (which stands
// alone for this), so no import.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTensorBoardEvents(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let events = readTensorBoardEvents(Array(UnsafeBufferPointer(start: data, count: size)), source: "fuzz.tfevents")
    // Whatever was read encodes again.
    for e in events { _ = e.encoded() }
    return 0
}
