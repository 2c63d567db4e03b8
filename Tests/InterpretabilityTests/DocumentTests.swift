import Foundation
import Testing
import Models
import NeuralNet
import TensorCore
@testable import Interpretability

/// The typed documents and the service layer, on a small random GPT-2.
@Suite("Inspection documents")
struct DocumentTests {
    let gpt = GPT(GPTConfig(vocabSize: 50, blockSize: 16, nLayer: 3, nHead: 4, nEmbd: 32), seed: 7)
    let ids: [Int32] = [3, 17, 42, 8, 8, 23, 5, 11]

    func inspector() -> Inspector { Inspector(model: gpt, tokenString: { "t\($0)" }, tokenText: { "<\($0)>" }) }

    @Test func aDocumentDecodesBackIntoItsType() throws {
        var o = InspectionOptions()
        o.attentionLayers = [0, 2]
        o.steps = 8
        o.rule = .rightRiemann
        o.neuron = (1, 5)
        let doc = try inspector().run(ids, options: o)
        #expect(doc.tokens.count == 8 && doc.positions.count == 8 && doc.logitLens?.count == 4)
        #expect(doc.attention?.map(\.layer) == [0, 2] && doc.attention?[0].pattern.count == 4)
        #expect(doc.heads?.count == 3 && doc.neurons?.peak.count == 3 && doc.neuronTrace?.activations.count == 8)
        #expect(doc.attributions?.scores.count == 8 && doc.directLogitAttribution?.heads.count == 3)
        let data = try DocumentCoding.encoder().encode(doc)
        let back = try DocumentCoding.decoder().decode(InspectDocument.self, from: data)
        #expect(try DocumentCoding.encoder().encode(back) == data)
        // The keys docs/inspect-json.md documents, pairs as [id, probability].
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["tokens", "positions", "logit_lens", "logit_lens_grid", "attention", "heads", "attributions", "direct_logit_attribution", "neurons", "neuron_trace", "contribution_graph"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let first = try #require((object["positions"] as? [[String: Any]])?.first)
        let top = try #require(first["top"] as? [[Any]])
        #expect(top.count == 5 && top[0].count == 2 && first["actual_next_rank"] != nil)
        #expect(object["attention_compact"] == nil && object["vocab"] == nil && object["model"] == nil)
    }

    @Test func onlyTheAskedPartsAreComputed() throws {
        var o = InspectionOptions()
        o.parts = try InspectPart.parse("lens, dla")
        let doc = try inspector().run(ids, options: o)
        #expect(doc.logitLens != nil && doc.directLogitAttribution != nil)
        #expect(doc.attention == nil && doc.heads == nil && doc.neurons == nil && doc.attributions == nil)
        #expect(throws: InterpretabilityError.self) { try InspectPart.parse("lens,nope") }
    }

    @Test func aMissingHookPointIsAnErrorNotACrash() {
        #expect(throws: InterpretabilityError.self) { try LogitLens(model: gpt, cache: [:], position: 0, topK: 3) }
        #expect(throws: InterpretabilityError.self) { try LogitLensGrid(model: gpt, cache: [:]) }
        #expect(throws: InterpretabilityError.self) { try DirectLogitAttribution(model: gpt, cache: [:], target: 1) }
        #expect(throws: InterpretabilityError.self) { try NeuronActivations(cache: [:], layers: [0], k: 3) }
    }

    @Test func progressIsReportedAndCancellingStopsTheWork() throws {
        final class Seen: @unchecked Sendable { var parts: [String: Double] = [:]; let lock = NSLock() }
        let seen = Seen()
        let monitor = WorkMonitor { part, f in seen.lock.lock(); seen.parts[part] = max(seen.parts[part] ?? 0, f); seen.lock.unlock() }
        var o = InspectionOptions()
        o.steps = 16
        _ = try inspector().run(ids, options: o, monitor: monitor)
        #expect(seen.parts["forward"] == 1 && seen.parts["attributions"] == 1 && seen.parts["lens"] == 1)
        // Cancelled while the attributions run (after their first batch): the request ends with `cancelled`.
        final class Box: @unchecked Sendable { var monitor: WorkMonitor? }
        let box = Box()
        let cancelling = WorkMonitor { part, f in if part == "attributions" && f > 0 { box.monitor?.cancel() } }
        box.monitor = cancelling
        var slow = InspectionOptions()
        slow.steps = 256
        var a = Attributor(model: gpt)
        a.maxRows = 16      // two gradient points a batch: many batches, so the cancel lands mid-way
        a.monitor = cancelling
        cancelling.expect("attributions", units: 256)
        _ = a.attribute(ids, target: 9, steps: 256, rule: .rightRiemann)
        #expect(cancelling.isCancelled)
        #expect(throws: InterpretabilityError.cancelled) { _ = try inspector().run(ids, options: slow, monitor: cancelling) }
        // Patching stops too.
        #expect(throws: InterpretabilityError.cancelled) {
            _ = try Patcher(model: gpt).run(clean: ids, corrupted: [3, 17, 40, 8, 8, 23, 5, 11], answer: 9, wrong: 10, monitor: cancelling)
        }
        #expect(throws: InterpretabilityError.self) { _ = try Patcher(model: gpt).run(clean: ids, corrupted: [1, 2], answer: 9, wrong: 10) }
    }
}
