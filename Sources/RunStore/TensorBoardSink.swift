import Foundation
import Training

// MARK: The training sink

/// Writes a run's scalars, histograms and text samples as TensorBoard events beside its checkpoints.
///
/// The files are a copy for other tools; the run store holds the record. So a write error never stops a training:
/// the copy stops, and `problem` says why. Nor does the copy take the last space of a disk: below 16 MB free it
/// stops before writing (the run store needs that room to record the run's end).
package final class TensorBoardSink: TrainingSink {
    let folder: URL
    private var writer: TensorBoardFileWriter?
    private var lastFlush = Date()
    /// Why the copy stopped, if it did.
    package private(set) var problem: String?
    static let minimumFreeBytes = 16 << 20

    package init(runsDirectory: URL) { folder = runsDirectory }

    package func runStarted(_ run: RunStart) throws {
        do { writer = try TensorBoardFileWriter(folder: folder.appendingPathComponent(run.id)) } catch { stop("\(error)") }
    }

    private func stop(_ why: String) {
        if problem == nil { problem = "TensorBoard event files stopped: \(why) (the run store keeps the whole record)" }
        writer?.discard()
        writer = nil
    }

    package func scalars(step: Int, wallTime: Double, _ values: [(tag: String, value: Double)]) {
        writer?.write(TensorBoardEvent(wallTime: wallTime, step: step, values: values.map { ($0.tag, .scalar($0.value)) }))
        if Date().timeIntervalSince(lastFlush) > 2 { write() }
    }

    package func histogram(step: Int, tag: String, _ h: Histogram) {
        let bins = max(h.counts.count, 1)
        let width = Double(h.max - h.min) / Double(bins)
        let limits = (1...bins).map { Double(h.min) + width * Double($0) }
        writer?.write(TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: step,
                                       values: [(tag, .histogram(min: Double(h.min), max: Double(h.max), limits: limits, counts: h.counts.map(Double.init)))]))
    }

    package func sample(step: Int, text: String) {
        writer?.write(TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: step, values: [("samples", .text(text))]))
    }

    package func message(step: Int, level: String, text: String) {
        writer?.write(TensorBoardEvent(wallTime: Date().timeIntervalSince1970, step: step, values: [("messages/\(level)", .text(text))]))
    }

    package func checkpoint(step: Int, path: String) {}
    package func runEnded(status: String, step: Int) {}

    /// Never throws: a failure stops the event files and is said in `problem` (the run store keeps the record).
    package func flush() throws { write() }

    private func write() {
        lastFlush = Date()
        guard let writer else { return }
        var fs = statvfs()
        if statvfs(folder.path, &fs) == 0, Int(fs.f_bavail) * Int(fs.f_frsize) < Self.minimumFreeBytes {
            stop("less than \(Self.minimumFreeBytes >> 20) MB free on the disk of \(folder.path)")
            return
        }
        do { try writer.flush() } catch { stop("\(error)") }
    }
}

/// Several sinks as one (the run store and the TensorBoard files).
package final class SinkGroup: TrainingSink {
    package let sinks: [TrainingSink]
    package init(_ sinks: [TrainingSink]) { self.sinks = sinks }
    package func runStarted(_ run: RunStart) throws { for s in sinks { try s.runStarted(run) } }
    package func scalars(step: Int, wallTime: Double, _ values: [(tag: String, value: Double)]) { for s in sinks { s.scalars(step: step, wallTime: wallTime, values) } }
    package func histogram(step: Int, tag: String, _ h: Histogram) { for s in sinks { s.histogram(step: step, tag: tag, h) } }
    package func sample(step: Int, text: String) { for s in sinks { s.sample(step: step, text: text) } }
    package func message(step: Int, level: String, text: String) { for s in sinks { s.message(step: step, level: level, text: text) } }
    package func checkpoint(step: Int, path: String) { for s in sinks { s.checkpoint(step: step, path: path) } }
    package func probe(step: Int, index: Int, document: String) { for s in sinks { s.probe(step: step, index: index, document: document) } }
    package func figure(step: Int, name: String, document: String) { for s in sinks { s.figure(step: step, name: name, document: document) } }
    package func runEnded(status: String, step: Int) { for s in sinks { s.runEnded(status: status, step: step) } }
    /// In order; a sink that fails stops the flush there (the first sink is the run store: nothing after it may
    /// take space it still needs).
    package func flush() throws {
        for s in sinks { try s.flush() }
    }
    package var failure: Error? { sinks.lazy.compactMap(\.failure).first }
}
