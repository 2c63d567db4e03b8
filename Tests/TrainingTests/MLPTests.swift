import Foundation
import Testing
import Models
import TensorCore
@testable import Training

@Suite("Training an MLP")
struct MLPTests {
    func run(_ c: MLPConfig, _ dir: URL, id: String = "mlp") throws -> (TrainingRun<MLPTask>, MemorySink) {
        let trainer = try TrainingRun<MLPTask>(mlp: c, runsDirectory: dir, id: id)
        let sink = MemorySink()
        trainer.sink = sink
        _ = try trainer.run()
        return (trainer, sink)
    }

    /// Two interleaved spirals: a 64×64 tanh network with full-batch Adam separates them (≥ 95% on held-out
    /// points), and every checkpoint records the decision boundary.
    @Test func spiralsAreSeparated() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var c = MLPConfig()
        c.task = "spirals"; c.noise = 0.03
        let (trainer, sink) = try run(c, dir)
        let acc = trainer.task.score(trainer.task.xVal, trainer.task.validation)
        #expect(acc >= 0.95, "validation accuracy \(acc)")
        #expect(sink.scalars["val/accuracy"]?.last?.value == acc)
        // A boundary figure at every checkpoint (every 100 steps), in the original units.
        let figs = sink.figures.filter { $0.name == "mlp" }
        #expect(figs.map(\.step) == Array(stride(from: 100, through: 2000, by: 100)))
        let last = try JSONDecoder().decode(MLPFigure.self, from: Data(figs.last!.document.utf8))
        #expect(last.kind == "boundary" && last.grid == 64 && last.cellClass?.count == 64 * 64 && last.cellConfidence?.count == 64 * 64)
        #expect(last.points?.count == 600 && last.firstLayer.count == 64 && last.firstLayer[0].count == 2)
        #expect(last.permutationImportance.count == 2 && last.permutationImportance.allSatisfy { $0 > 0.1 }, "\(last.permutationImportance)")
        // The boundary is not one class: both colours are on the map.
        #expect(Set(last.cellClass ?? []) == [0, 1])
    }

    /// A noisy sine: the validation MSE comes within 1.5× the noise variance (the best any model can do).
    @Test func sineIsFittedToTheNoise() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var c = MLPConfig()
        c.task = "sine"; c.noise = 0.1; c.loss = "mse"
        let (trainer, sink) = try run(c, dir)
        let mse = trainer.task.score(trainer.task.xVal, trainer.task.validation)
        #expect(mse <= 1.5 * 0.01, "validation MSE \(mse) against noise variance 0.01")
        let fig = try JSONDecoder().decode(MLPFigure.self, from: Data(sink.figures.last!.document.utf8))
        #expect(fig.kind == "fit" && fig.curve?.count == 200)
    }

    /// The overfitting preset: a network far too large for 30 training points; the warning fires.
    @Test func overfittingPresetWarns() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        var c = MLPConfig()
        try c.apply(preset: "overfit")
        let (trainer, sink) = try run(c, dir)
        #expect(sink.messages.contains { $0.0 == "warning" && $0.1.contains("overfitting") })
        #expect(trainer.task.score(trainer.task.xTrain, trainer.task.train) == 1)
        #expect(trainer.task.score(trainer.task.xVal, trainer.task.validation) < 0.9)
    }

    /// Every optimizer trains (gradient descent, mini-batch SGD, momentum, Adam) and MSE works for classes; a
    /// stopped run resumes to the same weights as an uninterrupted one.
    @Test func optimizersAndExactResume() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        for (opt, batch, lr) in [("gd", 0, Float(0.5)), ("sgd", 16, 0.1), ("momentum", 16, 0.05), ("adam", 32, 0.01)] {
            var c = MLPConfig()
            c.task = "moons"; c.noise = 0.1; c.points = 400; c.steps = 400; c.optimizer = opt; c.batch = batch; c.learningRate = lr
            c.hidden = [16]; c.checkpointInterval = 400
            let (trainer, _) = try run(c, dir, id: opt)
            #expect(trainer.task.score(trainer.task.xVal, trainer.task.validation) > 0.85, "\(opt)")
        }
        var c = MLPConfig()
        c.task = "blobs"; c.points = 300; c.steps = 60; c.loss = "mse"; c.batch = 20; c.optimizer = "momentum"; c.checkpointInterval = 20
        let (full, _) = try run(c, dir, id: "full")
        let first = try TrainingRun<MLPTask>(mlp: c, runsDirectory: dir, id: "split")
        first.stopAt = 20
        _ = try first.run()
        let second = try TrainingRun<MLPTask>(resumeMLP: dir.appendingPathComponent("split"))
        #expect(second.state.step == 20)
        _ = try second.run()
        for ((n, a), (_, b)) in zip(full.task.parameters, second.task.parameters) { #expect(a.scalars == b.scalars, "\(n)") }
    }

    /// A CSV table: standardised on the training split, classes found; bad cells are named by row and column.
    @Test func csvTables() throws {
        let dir = temporaryDirectory(); defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var rows = ["height,weight,label"]
        var rng = RandomGenerator(seed: 4)
        for i in 0..<200 {
            let c = i % 2
            rows.append("\(170 + 10 * Float(c) + 4 * rng.nextNormal()),\(60 + 15 * Float(c) + 5 * rng.nextNormal()),\(c == 0 ? 3 : 7)")
        }
        let good = dir.appendingPathComponent("good.csv")
        try rows.joined(separator: "\n").write(to: good, atomically: true, encoding: .utf8)
        let t = try Table.csv(path: good.path, target: "label")
        #expect(t.classes == ["3", "7"] && t.featureNames == ["height", "weight"] && t.rows == 200)
        var c = MLPConfig()
        c.task = nil; c.csv = good.path; c.target = "label"; c.steps = 300; c.hidden = [8]
        let (trainer, sink) = try run(c, dir)
        #expect(trainer.task.score(trainer.task.xVal, trainer.task.validation) > 0.85)
        // Standardised with the training split's statistics only.
        let s = Standardizer(fitting: trainer.task.train)
        #expect(trainer.task.standardizer == s && abs(s.mean[0] - 175) < 2)
        #expect(try JSONDecoder().decode(MLPFigure.self, from: Data(sink.figures.last!.document.utf8)).kind == "boundary")

        func message(_ text: String, target: String = "label") -> String {
            let f = dir.appendingPathComponent("bad.csv")
            try? text.write(to: f, atomically: true, encoding: .utf8)
            do { _ = try Table.csv(path: f.path, target: target); return "" } catch { return "\(error)" }
        }
        let header = "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"
        #expect(message(header + "9,ten,1\n").contains("row 6, column 'b': 'ten' is not a finite number"))
        #expect(message(header + "9,10\n").contains("row 6 has 2 columns, the header 3"))
        #expect(message(header, target: "colour").contains("no column named 'colour'"))
        #expect(message("a,a,label\n1,2,0\n").contains("names a column twice"))
        #expect(message(header + "9,nan,1\n").contains("is not a finite number"))
    }

    /// Settings that cannot work are refused with the option named.
    @Test func badSettings() {
        func message(_ change: (inout MLPConfig) -> Void) -> String {
            var c = MLPConfig()
            c.task = "moons"
            change(&c)
            do { try c.validate(); _ = try c.table(); return "" } catch { return "\(error)" }
        }
        #expect(message { $0.optimizer = "rmsprop" }.contains("unknown optimizer 'rmsprop'"))
        #expect(message { $0.hidden = [0] }.contains("hidden layers"))
        #expect(message { $0.task = "zebra" }.contains("unknown task 'zebra'"))
        #expect(message { $0.optimizer = "gd"; $0.batch = 8 }.contains("full-batch"))
        #expect(message { $0.csv = "x.csv" }.contains("not both"))
        #expect(message { $0.points = 2 }.contains("--points"))
        #expect(message { $0.learningRate = -1 }.contains("--lr"))
    }
}
