import Foundation
import Testing
import Models
import NeuralNet
import TensorCore
@testable import Interpretability

@Suite("Interventions")
struct InterventionTests {
    // "The Eiffel Tower is located in the city of"
    let ids: [Int32] = [504, 414, 46682, 18669, 314, 3807, 281, 260, 2240, 282]

    func logits(_ hooks: Hooks?) -> [Float] { GradMode.withoutGradients { model.forward(ids, logits: .last, hooks: hooks).scalars } }

    func maxDiff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } }

    /// Removing every head of a layer is running with that layer's attention output replaced by zeros.
    @Test func zeroingEveryHeadOfALayerZeroesItsAttentionOutput() {
        let l = 3, H = model.config.heads
        let edits = (0..<H).map { Intervention.head(layer: l, head: $0, scale: 0) }
        let edited = logits(Intervention.hooks(edits, shape: model.shape))
        let zeros = logits(Hooks(replacements: ["blocks.\(l).hook_attn_out": { Tensor.zeros($0.shape) }]))
        #expect(maxDiff(edited, zeros) < 1e-4)
        #expect(maxDiff(edited, logits(nil)) > 1e-2)          // and it does change the prediction
    }

    /// Scaling by 1 changes nothing (heads, neurons); a zero steering vector changes nothing.
    @Test func scalingByOneChangesNothing() {
        let plain = logits(nil)
        let ones: [Intervention] = [.head(layer: 0, head: 2, scale: 1), .head(layer: 29, head: 8, scale: 1), .neuron(layer: 5, index: 17, scale: 1),
                                    .steer(layer: 7, vector: [Float](repeating: 0, count: model.config.dim))]
        #expect(maxDiff(logits(Intervention.hooks(ones, shape: model.shape)), plain) == 0)
    }

    /// A neuron scaled by 0 is that column of `mlp.hook_post` set to zero; scaling by 2 doubles it.
    @Test func neuronEditsAreColumnEdits() {
        let l = 10, n = 123, F = model.config.hiddenDim
        func column(_ s: Float) -> Hooks {
            Hooks(replacements: ["blocks.\(l).mlp.hook_post": { x in
                let y = x.contiguous().detach().copy()
                for r in 0..<(y.count / F) { y.data[r * F + n] *= s }
                return y
            }])
        }
        for s: Float in [0, 2] {
            #expect(maxDiff(logits(Intervention.hooks([.neuron(layer: l, index: n, scale: s)], shape: model.shape)), logits(column(s))) == 0)
        }
    }

    /// The steering vector from a prompt to itself is zero; from one prompt to another it is their difference at
    /// the layer, and adding it changes the prediction.
    @Test func steeringVectors() {
        let a: [Int32] = [40, 2731], b: [Int32] = [40, 5463]
        let same = Intervention.steeringVector(model: model, from: a, to: a, layer: 6)
        #expect(same.allSatisfy { $0 == 0 })
        let v = Intervention.steeringVector(model: model, from: a, to: b, layer: 6)
        #expect(v.count == model.config.dim && v.contains { $0 != 0 })
        let edited = logits(Intervention.hooks([.steer(layer: 6, vector: v.map { $0 * 8 })], shape: model.shape))
        #expect(maxDiff(edited, logits(nil)) > 1e-2)
    }

    /// Steering from one word to another makes the second likelier and the first less likely: the sign of the
    /// vector is what its names say (a person steering "hate" → "love" once got "awful awful …").
    @Test func steeringMovesTowardsTheToText() throws {
        let tok = try ModelLoader.load(nil).tokenizer
        let prompt = try tok.encodeText("I think that you are so"), hate = try tok.encodeText(" hate"), love = try tok.encodeText(" love")
        let calm = try tok.encodeText(" calm"), angry = try tok.encodeText(" angry")
        func probabilities(_ hooks: Hooks?) -> [Float] {
            let z = GradMode.withoutGradients { model.forward(prompt, logits: .last, hooks: hooks).scalars }
            let m = z.max()!, e = z.map { Foundation.exp($0 - m) }, s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        let plain = probabilities(nil)
        for (from, to) in [(hate, love), (love, hate), (angry, calm), (calm, angry)] {
            let v = Intervention.steeringVector(model: model, from: from, to: to, layer: 10)
            let steered = probabilities(Intervention.hooks([.steer(layer: 10, vector: v.map { $0 * 4 })], shape: model.shape))
            let t = Int(to[0]), f = Int(from[0])
            #expect(steered[t] > plain[t], "steering towards \(to) lowered its probability")
            #expect(steered[t] / steered[f] > plain[t] / plain[f], "steering from \(from) to \(to) did not favour \(to)")
        }
    }

    /// Edits given as text are checked against the model, with the field named.
    @Test func parsedEditsAreChecked() throws {
        #expect(try Intervention.parse("head:3:5", shape: model.shape) == .head(layer: 3, head: 5, scale: 0))
        #expect(try Intervention.parse("neuron:2:7:1.5", shape: model.shape) == .neuron(layer: 2, index: 7, scale: 1.5))
        for bad in ["head:30:0", "head:0:9", "neuron:0:99999", "head:1", "attn:1:2", "head:1:2:nan", "head:1:2:1e9"] {
            #expect(throws: InterpretabilityError.self) { _ = try Intervention.parse(bad, shape: model.shape) }
        }
        do { _ = try Intervention.parse("head:30:0", shape: model.shape) } catch let e as InterpretabilityError { #expect(e.field == "edits") }
    }

    /// A generation session carries the hooks into every forward (prefill and each decoded token): removing the
    /// whole of layer 0's attention with the session equals the hooked plain forward of the same ids.
    @Test func sessionsApplyTheHooks() {
        let edits = (0..<model.config.heads).map { Intervention.head(layer: 0, head: $0, scale: 0) }
        let hooks = Intervention.hooks(edits, shape: model.shape)
        let session = model.makeSession(capacity: ids.count + 4, hooks: hooks)
        _ = session.feed(Array(ids.prefix(6)))
        let stepwise = session.feed(Array(ids.dropFirst(6)))
        #expect(maxDiff(stepwise, logits(hooks)) < 1e-3)
    }
}

@Suite("Model card")
struct ModelCardTests {
    /// A GPT-2 trained here: every weight placed in its layer with its kind; statistics from the values.
    @Test func gptWeightsArePlacedInTheirLayers() {
        let gpt = GPT(GPTConfig(vocabSize: 50, blockSize: 16, nLayer: 3, nHead: 4, nEmbd: 32), seed: 7)
        let (tree, weights) = ModelCard.parts(gpt.layout())
        #expect(weights.filter { $0.kind == "attn_qkv" && $0.name.hasSuffix("weight") }.compactMap(\.layer).sorted() == [0, 1, 2])
        #expect(weights.contains { $0.kind == "embedding" } && weights.contains { $0.kind == "final_norm" })
        #expect(!weights.contains { $0.kind == "other" }, "\(weights.filter { $0.kind == "other" }.map(\.name))")
        #expect(tree.children?.contains { $0.name == "layers" && $0.children?.count == 3 } == true)
        #expect(weights.reduce(0) { $0 + $1.parameters } == gpt.parameterCount)
        for w in weights {
            #expect(w.histogram.counts.reduce(0, +) == w.parameters)
            #expect(w.min <= w.max && w.std >= 0)
        }
    }

    /// SmolLM2: seven matrices and two norms per layer, types as stored, quantised weights dequantised.
    @Test func llamaCard() {
        let (_, weights) = ModelCard.parts(model.layout())
        #expect(weights.filter { $0.layer == 5 }.count == 9)
        #expect(weights.first { $0.name == "blk.0.attn_q" }?.type.hasPrefix("Q") == true)
        let q = weights.first { $0.name == "blk.0.attn_q" }!
        #expect(q.shape == [576, 576] && q.norm > 0)
    }
}

@Suite("Contrastive explanations")
struct ContrastTests {
    // "The Eiffel Tower is located in the city of" -> " Paris" rather than " Rome"
    let ids: [Int32] = [504, 414, 46682, 18669, 314, 3807, 281, 260, 2240, 282]
    let paris: Int32 = 7042, rome: Int32 = 7268

    /// The contrast read-out is the logit difference; DLA's parts add up to it; attributions with the contrast
    /// explain f(x) − f(b) of that difference (completeness).
    @Test func contrastIsTheLogitDifference() throws {
        let logits = GradMode.withoutGradients { model.forward(ids, logits: .last).scalars }
        let diff = GradMode.withoutGradients { model.forward(ids, logits: .lastTokenContrast(paris, rome)).item }
        #expect(abs(diff - (logits[Int(paris)] - logits[Int(rome)])) < 1e-3)
        let hooks = Hooks(cache: { DirectLogitAttribution.hookNames(layers: model.config.layers).contains($0) })
        _ = GradMode.withoutGradients { model.forward(ids, hooks: hooks) }
        let dla = try DirectLogitAttribution(model: model, cache: hooks.cache, target: paris, contrast: rome)
        let total = dla.embedding + dla.bias + dla.attention.reduce(0, +) + dla.mlp.reduce(0, +)
        #expect(abs(total - diff) < 1e-2, "DLA parts \(total) vs difference \(diff)")
        var a = Attributor(model: model)
        a.contrast = rome
        let r = a.attribute(ids, target: paris, steps: 32)
        #expect(r.contrastID == rome && abs(r.fInput - diff) < 1e-3)
        #expect(abs(r.scores.reduce(0, +) - (r.fInput - r.fBaseline) - r.completenessGap) < 1e-3)
    }
}

@Suite("Generation documents")
struct GenerationDocumentTests {
    /// Chinese text comes in byte-level pieces: an alternative that is a part of a character reads as its byte
    /// escapes, never as U+FFFD, and whole characters read as themselves.
    @Test func partialCharacterAlternativesReadAsBytes() throws {
        let loaded = try ModelLoader.load(nil)
        var r = GenerateRequest(prompt: "用一句话介绍北京。北京是")
        r.maxTokens = 4
        r.sampling.temperature = 0
        r.alternatives = 20
        let doc = try InspectService.generate(loaded, r)
        let texts = (doc.tokens ?? []).flatMap { $0.alternatives.map(\.text) }
        #expect(texts.count == 80)
        #expect(!texts.contains { $0.contains("\u{FFFD}") }, "\(texts)")
        #expect(texts.contains { $0.hasPrefix("\\x") }, "no partial character among \(texts)")
    }

    /// A conversation's later turns reuse the decoding state of the earlier ones (the terminal chat): the answer
    /// is the one a fresh generation over the whole conversation gives, with only the new messages fed.
    @Test func laterTurnsReuseTheCacheAndAnswerAsAFreshGeneration() throws {
        let loaded = try ModelLoader.load(nil)
        let cache = ConversationCache()
        func turn(_ messages: [ChatMessage], cache: ConversationCache?) throws -> GenerationDocument {
            var r = GenerateRequest(prompt: "")
            r.chat = true
            r.messages = messages
            r.maxTokens = 12
            r.sampling.temperature = 0
            return try InspectService.generate(loaded, r, cache: cache)
        }
        var messages = [ChatMessage(role: "user", content: "What is the capital of France?")]
        let first = try turn(messages, cache: cache)
        messages += [ChatMessage(role: "assistant", content: first.text), ChatMessage(role: "user", content: "And of Italy?")]
        let second = try turn(messages, cache: cache)
        // Only what the cache lacked was fed: at least the whole first prompt was reused.
        #expect(cache.reused >= first.promptIDs.count && cache.reused < second.promptIDs.count, "\(cache.reused)")
        let fresh = try turn(messages, cache: nil)
        #expect(second.ids == fresh.ids && second.text == fresh.text, "\(second.text) against \(fresh.text)")
        #expect(second.promptIDs == fresh.promptIDs)
        cache.reset()
        let again = try turn(Array(messages.prefix(1)), cache: cache)
        #expect(again.ids == first.ids)

        // A conversation that outgrows its cache gets a larger one (fed whole once) and answers the same.
        let small = ConversationCache(initialCapacity: 8)
        _ = try turn(Array(messages.prefix(1)), cache: small)
        let grown = try turn(messages, cache: small)
        #expect(small.reused == 0 && grown.ids == fresh.ids)
        let third = try turn(messages + [ChatMessage(role: "assistant", content: grown.text), ChatMessage(role: "user", content: "Thanks.")], cache: small)
        #expect(small.reused >= second.promptIDs.count && !third.ids.isEmpty)
    }
}
