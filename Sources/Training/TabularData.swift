import Foundation
import TensorCore

/// A table of numeric examples: features (one row per example) and a target per row: a class index for
/// classification, a value for regression.
package struct Table: Sendable, Equatable {
    package var featureNames: [String]
    package var targetName: String
    /// Class names for classification (targets are indices into them); nil for regression.
    package var classes: [String]?
    /// Row-major, rows × featureNames.count.
    package var features: [Float]
    package var targets: [Float]

    package var rows: Int { targets.count }
    package var width: Int { featureNames.count }
    package var isClassification: Bool { classes != nil }

    package init(featureNames: [String], targetName: String, classes: [String]?, features: [Float], targets: [Float]) {
        self.featureNames = featureNames; self.targetName = targetName; self.classes = classes
        self.features = features; self.targets = targets
    }

    package func row(_ i: Int) -> ArraySlice<Float> { features[(i * width)..<((i + 1) * width)] }

    /// The rows at `indices`, in that order.
    package func subset(_ indices: [Int]) -> Table {
        var f: [Float] = []
        f.reserveCapacity(indices.count * width)
        for i in indices { f += row(i) }
        return Table(featureNames: featureNames, targetName: targetName, classes: classes, features: f, targets: indices.map { targets[$0] })
    }

    /// A shuffled split (seeded): `fraction` of the rows (at least one) held out for validation.
    package func split(validation fraction: Double, seed: UInt64) -> (train: Table, validation: Table) {
        var rng = RandomGenerator(seed: seed)
        var order = Array(0..<rows)
        for i in stride(from: rows - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(i + 1)) }
        let held = min(rows - 1, max(1, Int((Double(rows) * fraction).rounded())))
        return (subset(Array(order[held...])), subset(Array(order[..<held])))
    }

    // MARK: Generated tasks

    /// The generated tasks: name, what it is, whether it is classification, its default noise.
    package static let tasks: [(name: String, about: String, classification: Bool, noise: Float)] = [
        ("spirals", "two interleaved spirals (2-D, 2 classes): the classic hard case for a small network", true, 0.03),
        ("moons", "two interleaving half circles (2-D, 2 classes)", true, 0.15),
        ("circles", "a disc inside a ring (2-D, 2 classes): not linearly separable", true, 0.05),
        ("xor", "four clusters, opposite corners alike (2-D, 2 classes)", true, 0.05),
        ("blobs", "three Gaussian clusters (2-D, 3 classes)", true, 0.1),
        ("sine", "y = sin(x) plus Gaussian noise (1-D regression)", false, 0.1),
        ("linear", "y = 2x - 1 plus Gaussian noise (1-D regression)", false, 0.2),
    ]

    /// `count` examples of a generated task with Gaussian `noise` (standard deviation; for the regressions the
    /// noise on y, whose variance is the best validation MSE any model can reach).
    package static func generate(_ task: String, count: Int, noise: Float, seed: UInt64) throws -> Table {
        guard (4...1_000_000).contains(count) else { throw TrainingError("--points must be 4 to 1000000, got \(count)") }
        guard noise >= 0, noise.isFinite, noise <= 100 else { throw TrainingError("--noise must be a number in 0...100, got \(noise)") }
        var rng = RandomGenerator(seed: seed)
        var f: [Float] = [], t: [Float] = []
        func n() -> Float { rng.nextNormal() * noise }
        let two = ["0", "1"]
        switch task {
        case "spirals":
            for i in 0..<count {
                let c = i % 2, r = rng.nextFloat()
                let turns: Float = 1.75, angle = r * turns * 2 * .pi + Float(c) * .pi
                let radius = 0.1 + 0.9 * r
                f += [radius * cos(angle) + n(), radius * sin(angle) + n()]
                t.append(Float(c))
            }
            return Table(featureNames: ["x1", "x2"], targetName: "class", classes: two, features: f, targets: t)
        case "moons":
            for i in 0..<count {
                let c = i % 2, a = rng.nextFloat() * .pi
                f += c == 0 ? [cos(a) + n(), sin(a) + n()] : [1 - cos(a) + n(), 0.5 - sin(a) + n()]
                t.append(Float(c))
            }
            return Table(featureNames: ["x1", "x2"], targetName: "class", classes: two, features: f, targets: t)
        case "circles":
            for i in 0..<count {
                let c = i % 2, a = rng.nextFloat() * 2 * .pi
                let r: Float = c == 0 ? 0.5 * rng.nextFloat().squareRoot() : 0.8 + 0.2 * rng.nextFloat()
                f += [r * cos(a) + n(), r * sin(a) + n()]
                t.append(Float(c))
            }
            return Table(featureNames: ["x1", "x2"], targetName: "class", classes: two, features: f, targets: t)
        case "xor":
            for i in 0..<count {
                let q = i % 4, sx: Float = q % 2 == 0 ? -1 : 1, sy: Float = q < 2 ? -1 : 1
                f += [sx * 0.5 + 0.25 * rng.nextNormal() + n(), sy * 0.5 + 0.25 * rng.nextNormal() + n()]
                t.append(sx == sy ? 0 : 1)
            }
            return Table(featureNames: ["x1", "x2"], targetName: "class", classes: two, features: f, targets: t)
        case "blobs":
            let centres: [(Float, Float)] = [(-1, -0.6), (1, -0.6), (0, 1)]
            for i in 0..<count {
                let c = i % 3
                f += [centres[c].0 + 0.4 * rng.nextNormal() + n(), centres[c].1 + 0.4 * rng.nextNormal() + n()]
                t.append(Float(c))
            }
            return Table(featureNames: ["x1", "x2"], targetName: "class", classes: ["0", "1", "2"], features: f, targets: t)
        case "sine", "linear":
            for _ in 0..<count {
                let x = task == "sine" ? (rng.nextFloat() * 4 - 2) * .pi : rng.nextFloat() * 4 - 2
                f.append(x)
                t.append((task == "sine" ? sin(x) : 2 * x - 1) + n())
            }
            return Table(featureNames: ["x"], targetName: "y", classes: nil, features: f, targets: t)
        default:
            throw TrainingError("unknown task '\(task.prefix(40))' (choose \(tasks.map(\.name).joined(separator: ", ")), or give --csv FILE)")
        }
    }

    // MARK: CSV

    /// A CSV file with a header row, every column numeric. The target column: classes when `classification`
    /// (each distinct value a class, in sorted order; nil: classes when every value is a whole number and there
    /// are at most 20 distinct ones), else values. Errors name the row and the column.
    package static func csv(path: String, target: String, classification: Bool? = nil) throws -> Table {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrainingError("\(path): no such file or not readable") }
        guard data.count <= 1 << 30 else { throw TrainingError("\(path): \(data.count) bytes is too large (at most 1 GiB)") }
        guard let text = String(data: data, encoding: .utf8) else { throw TrainingError("\(path): not UTF-8 text") }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let headerLine = lines.first else { throw TrainingError("\(path): empty (expected a header row of column names)") }
        func fields(_ line: Substring) -> [String] {
            line.split(separator: ",", omittingEmptySubsequences: false).map {
                var s = $0.trimmingCharacters(in: .whitespaces)
                if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { s = String(s.dropFirst().dropLast()) }
                return s
            }
        }
        let header = fields(headerLine)
        guard Set(header).count == header.count else { throw TrainingError("\(path): row 1 (the header) names a column twice") }
        guard let ti = header.firstIndex(of: target) else {
            throw TrainingError("\(path): no column named '\(target.prefix(60))' (the columns: \(header.prefix(20).joined(separator: ", ")))")
        }
        guard header.count >= 2 else { throw TrainingError("\(path): needs a target column and at least one feature column") }
        guard lines.count >= 5 else { throw TrainingError("\(path): \(lines.count - 1) data rows; at least 4 are needed") }
        var f: [Float] = [], raw: [Float] = []
        f.reserveCapacity((lines.count - 1) * (header.count - 1))
        for (r, line) in lines.enumerated().dropFirst() {
            let cells = fields(line)
            guard cells.count == header.count else {
                throw TrainingError("\(path): row \(r + 1) has \(cells.count) columns, the header \(header.count)")
            }
            for (c, cell) in cells.enumerated() {
                guard let v = Float(cell), v.isFinite else {
                    throw TrainingError("\(path): row \(r + 1), column '\(header[c])': '\(cell.prefix(40))' is not a finite number")
                }
                if c == ti { raw.append(v) } else { f.append(v) }
            }
        }
        let names = header.enumerated().filter { $0.offset != ti }.map(\.element)
        let distinct = Set(raw)
        let asClasses = classification ?? (distinct.count <= 20 && raw.allSatisfy { $0 == $0.rounded() })
        if asClasses {
            guard distinct.count >= 2 else { throw TrainingError("\(path): column '\(target)' has one value only: nothing to classify") }
            guard distinct.count <= 1000 else { throw TrainingError("\(path): column '\(target)' has \(distinct.count) distinct values: too many classes (at most 1000)") }
            let sorted = distinct.sorted(), index = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Float($0)) })
            func name(_ v: Float) -> String { v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(v) }
            return Table(featureNames: names, targetName: target, classes: sorted.map(name), features: f, targets: raw.map { index[$0]! })
        }
        return Table(featureNames: names, targetName: target, classes: nil, features: f, targets: raw)
    }
}

/// Per-feature standardisation (x − mean) / std, fitted on the training split only.
package struct Standardizer: Codable, Sendable, Equatable {
    package var mean: [Float]
    package var std: [Float]

    package init(fitting t: Table) {
        let w = t.width, n = Double(max(t.rows, 1))
        var m = [Double](repeating: 0, count: w), s = [Double](repeating: 0, count: w)
        for i in 0..<t.rows { for (j, v) in t.row(i).enumerated() { m[j] += Double(v) } }
        for j in 0..<w { m[j] /= n }
        for i in 0..<t.rows { for (j, v) in t.row(i).enumerated() { s[j] += (Double(v) - m[j]) * (Double(v) - m[j]) } }
        mean = m.map { Float($0) }
        // A constant column keeps its scale (std 1), so it maps to 0 instead of dividing by zero.
        std = s.map { let sd = ($0 / n).squareRoot(); return sd > 1e-12 ? Float(sd) : 1 }
    }

    /// The rows of `t` standardised, as an (N, width) tensor.
    package func apply(_ t: Table) -> Tensor { apply(t.features, rows: t.rows) }

    package func apply(_ values: [Float], rows: Int) -> Tensor {
        let w = mean.count, out = Tensor(uninitialized: [rows, w])
        for i in 0..<rows { for j in 0..<w { out.data[i * w + j] = (values[i * w + j] - mean[j]) / std[j] } }
        return out
    }
}
