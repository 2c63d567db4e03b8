import Foundation
import Testing
import Models
import TensorCore
@testable import Training

@Suite("Training an LSTM encoder-decoder with attention")
struct Seq2SeqTests {
    /// Written dates to ISO 8601: ≥ 95% exact match on 1,000 held-out inputs, and where the input's numbers map
    /// onto the output's characters one by one (YYYY/MM/DD, MM/DD/YYYY) the attention sits on the aligned band.
    @Test func datesAreNormalisedAndTheAttentionAligns() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var c = Seq2SeqConfig()
        c.steps = 700; c.evalInterval = 700; c.checkpointInterval = 700; c.sampleInterval = 700
        let trainer = try TrainingRun<Seq2SeqTask>(seq2seq: c, runsDirectory: dir, id: "dates")
        let sink = MemorySink()
        trainer.sink = sink
        _ = try trainer.run()
        let exact = try #require(sink.scalars["val/exact_match"]?.last?.value)
        #expect(exact >= 0.95, "exact match \(exact) on \(trainer.task.heldOut.count) held-out inputs")
        #expect(trainer.task.heldOut.count == 1000 && Set(trainer.task.heldOut.map(\.input)).count == 1000)

        // Attention mass within one character of the aligned input position, over the aligned output characters.
        var mass: [Double] = []
        for format in [0, 1] {
            let examples = trainer.task.heldOut.filter { $0.format == format }.prefix(20)
            let decoded = trainer.task.model.greedy(examples.map { CharVocabulary.encode($0.input) })
            let align = try #require(DateTask.alignment(format: format))
            for (e, d) in zip(examples, decoded) where CharVocabulary.decode(d.ids) == e.output {
                for (j, source) in align.enumerated() {
                    guard let source, j < d.attention.count else { continue }
                    let row = d.attention[j]
                    mass.append((max(0, source - 1)...min(row.count - 1, source + 1)).reduce(0.0) { $0 + Double(row[$1]) })
                }
            }
        }
        let mean = mass.reduce(0, +) / Double(max(mass.count, 1))
        #expect(mass.count > 100 && mean >= 0.6, "mean attention mass on the aligned band \(mean) over \(mass.count) characters")

        // The figure at the checkpoint: held-out examples with their attention rows (each sums to 1).
        let fig = try JSONDecoder().decode(Seq2SeqFigure.self, from: Data(try #require(sink.figures.last).document.utf8))
        #expect(fig.examples.count == 8 && fig.attention == "bahdanau")
        for e in fig.examples {
            #expect(e.weights.count == e.outputTokens.count && e.weights.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-3 && $0.count == e.inputTokens.count })
        }
        // Checkpoints load back into the same model.
        let (loaded, _) = try Seq2SeqTask.loadModel(try #require(trainer.lastCheckpoint))
        let probe = [CharVocabulary.encode("23 Nov 2026")]
        #expect(loaded.greedy(probe)[0].ids == trainer.task.model.greedy(probe)[0].ids)
    }

    /// The encoder-decoder transformer on the same task: ≥ 95% exact match on the held-out dates, every layer's
    /// and head's patterns in the figure (encoder self-attention, decoder causal self-attention, cross-attention).
    @Test func transformerNormalisesDates() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var c = Seq2SeqConfig()
        c.arch = "transformer"; c.steps = 900; c.evalInterval = 900; c.checkpointInterval = 900; c.sampleInterval = 900
        let trainer = try TrainingRun<Seq2SeqTask>(seq2seq: c, runsDirectory: dir, id: "tf")
        let sink = MemorySink()
        trainer.sink = sink
        _ = try trainer.run()
        let exact = try #require(sink.scalars["val/exact_match"]?.last?.value)
        #expect(exact >= 0.95, "exact match \(exact)")
        let fig = try JSONDecoder().decode(Seq2SeqFigure.self, from: Data(try #require(sink.figures.last).document.utf8))
        #expect(fig.attention == "transformer")
        let e = fig.examples[0], layers = try #require(e.layers)
        #expect(layers.count == 2 && layers.allSatisfy { $0.cross.count == 4 && $0.encoderSelf.count == 4 && $0.decoderSelf.count == 4 })
        let T = e.inputTokens.count, n = e.outputTokens.count
        #expect(layers[0].encoderSelf[0].count == T && layers[0].encoderSelf[0][0].count == T)
        #expect(layers[1].cross[3].count == n && layers[1].cross[3][0].count == T)
        // Causal: no output position attends to a later one.
        #expect(layers.allSatisfy { $0.decoderSelf.allSatisfy { h in h.enumerated().allSatisfy { q, row in row.enumerated().allSatisfy { $0.offset <= q || $0.element == 0 } } } })
        let (loaded, config) = try Seq2SeqTask.loadModel(try #require(trainer.lastCheckpoint))
        #expect(config.architecture == "glassbox-seq2seq-transformer")
        let probe = [CharVocabulary.encode("Monday, November 23, 2026")]
        #expect(CharVocabulary.decode(loaded.greedy(probe)[0].ids) == CharVocabulary.decode(trainer.task.model.greedy(probe)[0].ids))
    }

    /// The data: every format parses back to the same date; held-out inputs are never trained on.
    @Test func dateFormats() {
        var rng = RandomGenerator(seed: 5)
        var seen = Set<Int>()
        for _ in 0..<500 {
            let e = DateTask.example(&rng)
            seen.insert(e.format)
            #expect(e.output.count == 10 && e.input.allSatisfy { CharVocabulary.alphabet.contains($0) }, "\(e)")
        }
        #expect(seen.count == DateTask.formatCount)
        #expect(DateTask.weekday(2026, 11, 26) == 4)       // a Thursday
        #expect(DateTask.ordinalWord(23) == "twenty-third" && DateTask.ordinal(11) == "11th" && DateTask.ordinal(22) == "22nd")
        let task = try? Seq2SeqTask(config: { var c = Seq2SeqConfig(); c.heldOut = 300; return c }())
        var r = RandomGenerator(seed: 9)
        let held = Set(task?.heldOut.map { CharVocabulary.encode($0.input) } ?? [])
        for _ in 0..<20 { #expect(task?.batch(rng: &r).inputs.allSatisfy { !held.contains($0) } == true) }
    }
}
