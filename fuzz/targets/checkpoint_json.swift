// libFuzzer target: the JSON files of a training checkpoint, read as a resume reads them. The first byte picks
// the reader: 0 trainer_state.json (TrainerState.decode), 1 vocab.json (a character vocabulary), 2 config.json
// (a GPT-2 configuration, validated); the rest is the file.
import Foundation
import Models
import NeuralNet
import Tokenization
import Training

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpointJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Data(bytes: data + 1, count: size - 1)
    switch data[0] % 3 {
    case 0:
        if let state = try? TrainerState.decode(bytes, source: "fuzz/trainer_state.json") {
            // What a resume does with it next: the schedule and the model shape.
            _ = state.config.lrSchedule.rate(at: min(state.step, state.config.steps))
            _ = state.config.modelConfig(vocabSize: 65).expectedParameterCount
        }
    case 1:
        if let json = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Int], let v = try? Vocabulary(vocabJSON: json) {
            _ = v.decode((0..<Int32(min(v.size, 8))).map { $0 })
        }
    default:
        if let json = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any], let c = try? GPTConfig(huggingFace: json) {
            if (try? c.validate()) != nil { _ = c.expectedParameterCount }
        }
    }
    return 0
}
