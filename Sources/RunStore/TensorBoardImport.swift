import Foundation
import Training

/// `glassbox import-tensorboard`: every folder under a directory that holds event files becomes one run, named
/// after its path under the directory (as TensorBoard names runs; `/` becomes `_`).
package enum TensorBoardImport {
    package struct Imported: Sendable {
        package let id: String
        package let name: String
        package let folder: String
        package let scalars: Int
        package let histograms: Int
        package let texts: Int
        package let files: Int
    }

    /// Folders holding event files (`*tfevents*`), relative to `root` ("." for the root itself), sorted.
    package static func runFolders(under root: URL) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw RunStoreError("\(root.path): no such directory")
        }
        var folders = Set<String>()
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
        let base = root.standardizedFileURL.path
        for case let url as URL in walker where url.lastPathComponent.contains("tfevents") {
            let dir = url.deletingLastPathComponent().standardizedFileURL.path
            folders.insert(dir == base ? "." : String(dir.dropFirst(base.count + 1)))
        }
        return folders.sorted()
    }

    /// A run name from a folder's relative path: letters, digits, '-', '_', '.'; others become '_'.
    package static func runName(_ relative: String, root: URL) -> String {
        let raw = relative == "." ? root.standardizedFileURL.lastPathComponent : relative
        var name = String(raw.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? Character($0) : "_" })
        while name.hasPrefix(".") { name.removeFirst() }
        return String((name.isEmpty ? "run" : name).prefix(64))
    }

    /// Imports every run folder under `root` into `db`; `warn` hears of skipped files, records and runs.
    package static func importDirectory(_ root: URL, into db: any RunStorage, warn: (String) -> Void) throws -> [Imported] {
        var out: [Imported] = []
        for relative in try runFolders(under: root) {
            let folder = relative == "." ? root : root.appendingPathComponent(relative)
            let name = runName(relative, root: root)
            if let existing = try db.runID(named: name) {
                warn("\(folder.path): a run named '\(name)' is already in the store (\(existing)); skipped")
                continue
            }
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("tfevents") }.sorted()
            var events: [TensorBoardEvent] = []
            for f in files {
                do { events += try readTensorBoardEvents(folder.appendingPathComponent(f).path, warn: warn) } catch { warn("\(error)") }
            }
            if let run = try store(events, name: name, folder: folder, files: files.count, into: db) { out.append(run) }
            else { warn("\(folder.path): no scalars, histograms or text in its event files; skipped") }
        }
        return out
    }

    static func store(_ events: [TensorBoardEvent], name: String, folder: URL, files: Int, into db: any RunStorage) throws -> Imported? {
        var scalars = 0, histograms = 0, texts = 0
        var lastStep = 0, first = Double.infinity, last = 0.0
        for e in events {
            lastStep = max(lastStep, e.step)
            if e.wallTime > 0 { first = min(first, e.wallTime); last = max(last, e.wallTime) }
            for (_, v) in e.values {
                switch v { case .scalar: scalars += 1; case .histogram: histograms += 1; case .text: texts += 1 }
            }
        }
        guard scalars + histograms + texts > 0 else { return nil }
        var id = Trainer.newRunID()
        // A probe for a free id: a store that cannot answer fails the insert below, which reports it.
        while (try? db.run(id)) != nil { id = Trainer.newRunID() }
        let config = try JSONSerialization.data(withJSONObject: ["name": name, "source": folder.path, "importedFrom": "tensorboard"], options: [.sortedKeys])
        let created = first.isFinite ? first : Date().timeIntervalSince1970
        var rows: [RunRow] = []
        for e in events {
            for (tag, v) in e.values {
                switch v {
                case .scalar(let x):
                    rows.append(.scalar(tag: tag, step: e.step, wallTime: e.wallTime, value: x))
                case .histogram(let lo, let hi, let limits, let counts):
                    rows.append(.histogram(tag: tag, step: e.step, rebin(min: lo, max: hi, limits: limits, counts: counts)))
                case .text(let s):
                    rows.append(.sample(step: e.step, text: tag == "samples" ? s : "\(tag): \(s)"))
                }
            }
        }
        try db.importRun(ImportedRun(id: id, name: name, createdAt: created, updatedAt: max(last, created), step: lastStep,
                                     config: String(decoding: config, as: UTF8.self)), rows: rows)
        return Imported(id: id, name: name, folder: folder.path, scalars: scalars, histograms: histograms, texts: texts, files: files)
    }

    /// TensorBoard's buckets (right edges, counts; the first bucket open to the left) spread over `bins` equal bins
    /// of [min, max], each bucket's count placed at its centre (clamped into the range).
    static func rebin(min lo: Double, max hi: Double, limits: [Double], counts: [Double], bins: Int = 32) -> Histogram {
        var out = [Int](repeating: 0, count: bins)
        let width = (hi - lo) / Double(bins)
        var left = lo
        for (limit, count) in zip(limits, counts) {
            defer { left = limit }
            guard count > 0 && count.isFinite else { continue }
            let l = Swift.max(left, lo), r = Swift.min(limit, hi)
            let centre = r >= l ? (l + r) / 2 : Swift.min(Swift.max(limit, lo), hi)
            let b = width > 0 ? Int((centre - lo) / width) : 0
            out[Swift.min(Swift.max(b, 0), bins - 1)] += Int(count.rounded())
        }
        return Histogram(min: Float(lo), max: Float(hi), counts: out)
    }
}
