import Foundation

// TensorBoard event files, both ways: TFRecord framing (length, masked CRC-32C of the length, data, masked CRC-32C
// of the data) around `Event` protocol buffers (wall_time 1, step 2, file_version 3, summary 5); a `Summary` holds
// `Value`s (tag 1, simple_value 2, histo 5, tensor 8, metadata 9). Five small messages with a handful of fields
// each: a hand-written encoder and decoder of the protobuf wire format is shorter than the generated code of
// swift-protobuf and keeps its plugin out of the build.

// MARK: CRC-32C and TFRecord framing

enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked form: rotated right by 15 bits plus a constant.
    static func masked<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        let c = checksum(bytes)
        return ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
    }
}

// MARK: Protocol buffer wire format

struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    mutating func key(_ field: Int, _ wire: Int) { varint(UInt64(field << 3 | wire)) }
    mutating func int64(_ field: Int, _ v: Int) { key(field, 0); varint(UInt64(bitPattern: Int64(v))) }
    mutating func double(_ field: Int, _ v: Double) { key(field, 1); withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    mutating func float(_ field: Int, _ v: Float) { key(field, 5); withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    mutating func data(_ field: Int, _ d: [UInt8]) { key(field, 2); varint(UInt64(d.count)); bytes += d }
    mutating func string(_ field: Int, _ s: String) { data(field, Array(s.utf8)) }
    mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        build(&inner)
        data(field, inner.bytes)
    }
    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var inner = ProtoWriter()
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { inner.bytes += $0 } }
        data(field, inner.bytes)
    }
}

/// One field of a message: its number and its value by wire type.
enum ProtoField {
    case varint(Int, UInt64)
    case fixed64(Int, UInt64)
    case bytes(Int, ArraySlice<UInt8>)
    case fixed32(Int, UInt32)

    var number: Int {
        switch self { case .varint(let n, _), .fixed64(let n, _), .bytes(let n, _), .fixed32(let n, _): n }
    }
}

struct ProtoError: Error { let message: String }

/// The fields of one message, every length checked against the bytes at hand.
func protoFields(_ b: ArraySlice<UInt8>) throws -> [ProtoField] {
    var fields: [ProtoField] = []
    var i = b.startIndex
    func varint() throws -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard i < b.endIndex, shift < 64 else { throw ProtoError(message: "truncated or overlong varint") }
            let byte = b[i]; i += 1
            v |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return v }
            shift += 7
        }
    }
    func fixed(_ n: Int) throws -> UInt64 {
        guard b.endIndex - i >= n else { throw ProtoError(message: "truncated fixed-width field") }
        var v: UInt64 = 0
        for k in 0..<n { v |= UInt64(b[i + k]) << (8 * UInt64(k)) }
        i += n
        return v
    }
    while i < b.endIndex {
        let key = try varint()
        let number = Int(truncatingIfNeeded: key >> 3)
        guard number > 0 else { throw ProtoError(message: "field number 0") }
        switch key & 7 {
        case 0: fields.append(.varint(number, try varint()))
        case 1: fields.append(.fixed64(number, try fixed(8)))
        case 2:
            let n = try varint()
            guard n <= UInt64(b.endIndex - i) else { throw ProtoError(message: "field \(number) claims \(n) bytes, \(b.endIndex - i) left") }
            fields.append(.bytes(number, b[i..<(i + Int(n))]))
            i += Int(n)
        case 5: fields.append(.fixed32(number, UInt32(try fixed(4))))
        default: throw ProtoError(message: "unsupported wire type \(key & 7)")
        }
    }
    return fields
}

/// An event file that cannot be created, written or read.
package struct TensorBoardFileError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

// MARK: Events

/// What one TensorBoard event says (the kinds Glassbox reads and writes).
package enum TensorBoardValue: Equatable, Sendable {
    case scalar(Double)
    /// Bucket right edges and counts (TensorBoard's HistogramProto).
    case histogram(min: Double, max: Double, limits: [Double], counts: [Double])
    case text(String)
}

package struct TensorBoardEvent: Equatable, Sendable {
    package var wallTime: Double
    package var step: Int
    package var values: [(tag: String, value: TensorBoardValue)]

    package init(wallTime: Double, step: Int, values: [(tag: String, value: TensorBoardValue)]) {
        self.wallTime = wallTime; self.step = step; self.values = values
    }

    package static func == (a: TensorBoardEvent, b: TensorBoardEvent) -> Bool {
        a.wallTime == b.wallTime && a.step == b.step && a.values.count == b.values.count
            && zip(a.values, b.values).allSatisfy { $0.tag == $1.tag && $0.value == $1.value }
    }

    /// The event as protocol-buffer bytes.
    func encoded() -> [UInt8] {
        var w = ProtoWriter()
        w.double(1, wallTime)
        w.int64(2, step)
        w.message(5) { summary in
            for (tag, value) in values {
                summary.message(1) { v in
                    v.string(1, tag)
                    switch value {
                    case .scalar(let x):
                        v.float(2, Float(x))
                    case .histogram(let lo, let hi, let limits, let counts):
                        v.message(5) { h in
                            h.double(1, lo); h.double(2, hi)
                            let num = counts.reduce(0, +)
                            // Sum and sum of squares from the bucket centres (the histogram keeps no more).
                            var sum = 0.0, squares = 0.0, left = lo
                            for (limit, count) in zip(limits, counts) {
                                let centre = (left + limit) / 2
                                sum += centre * count; squares += centre * centre * count
                                left = limit
                            }
                            h.double(3, num); h.double(4, sum); h.double(5, squares)
                            h.packedDoubles(6, limits); h.packedDoubles(7, counts)
                        }
                    case .text(let s):
                        // The text plugin's form: metadata naming the plugin, a scalar DT_STRING tensor.
                        v.message(9) { m in m.message(1) { p in p.string(1, "text") } }
                        v.message(8) { t in
                            t.int64(1, 7)            // DT_STRING
                            t.message(2) { _ in }    // shape [] (a scalar)
                            t.data(8, Array(s.utf8))
                        }
                    }
                }
            }
        }
        return w.bytes
    }

    /// Decodes an event; nil for events without a summary (file version, graphs, session logs).
    static func decode(_ bytes: ArraySlice<UInt8>) throws -> TensorBoardEvent? {
        var wallTime = 0.0, step = 0
        var summary: ArraySlice<UInt8>?
        for f in try protoFields(bytes) {
            switch f {
            case .fixed64(1, let v): wallTime = Double(bitPattern: v)
            case .varint(2, let v): step = Int(truncatingIfNeeded: Int64(bitPattern: v))
            case .bytes(5, let b): summary = b
            default: break
            }
        }
        guard let summary else { return nil }
        var values: [(tag: String, value: TensorBoardValue)] = []
        for f in try protoFields(summary) {
            guard case .bytes(1, let valueBytes) = f else { continue }
            var tag = "", plugin = ""
            var value: TensorBoardValue?
            var tensor: ArraySlice<UInt8>?
            for g in try protoFields(valueBytes) {
                switch g {
                case .bytes(1, let b): tag = String(decoding: b, as: UTF8.self)
                case .fixed32(2, let v): value = .scalar(Double(Float(bitPattern: v)))
                case .bytes(5, let h): value = try decodeHistogram(h)
                case .bytes(8, let t): tensor = t
                case .bytes(9, let m):
                    for p in try protoFields(m) { if case .bytes(1, let pd) = p { for q in try protoFields(pd) { if case .bytes(1, let name) = q { plugin = String(decoding: name, as: UTF8.self) } } } }
                default: break
                }
            }
            if value == nil, let tensor { value = try decodeTensor(tensor, plugin: plugin) }
            if let value, !tag.isEmpty { values.append((tag, value)) }
        }
        return TensorBoardEvent(wallTime: wallTime, step: step, values: values)
    }

    static func decodeHistogram(_ b: ArraySlice<UInt8>) throws -> TensorBoardValue {
        var lo = 0.0, hi = 0.0
        var limits: [Double] = [], counts: [Double] = []
        func doubles(_ d: ArraySlice<UInt8>) throws -> [Double] {
            guard d.count % 8 == 0 else { throw ProtoError(message: "packed doubles of \(d.count) bytes") }
            return stride(from: d.startIndex, to: d.endIndex, by: 8).map { s in
                var v: UInt64 = 0
                for k in 0..<8 { v |= UInt64(d[s + k]) << (8 * UInt64(k)) }
                return Double(bitPattern: v)
            }
        }
        for f in try protoFields(b) {
            switch f {
            case .fixed64(1, let v): lo = Double(bitPattern: v)
            case .fixed64(2, let v): hi = Double(bitPattern: v)
            case .bytes(6, let d): limits += try doubles(d)
            case .fixed64(6, let v): limits.append(Double(bitPattern: v))
            case .bytes(7, let d): counts += try doubles(d)
            case .fixed64(7, let v): counts.append(Double(bitPattern: v))
            default: break
            }
        }
        guard limits.count == counts.count else { throw ProtoError(message: "histogram with \(limits.count) limits and \(counts.count) counts") }
        return .histogram(min: lo, max: hi, limits: limits, counts: counts)
    }

    /// Scalars written as tensors (TensorFlow 2's summaries) and text (the text plugin's string tensors).
    static func decodeTensor(_ b: ArraySlice<UInt8>, plugin: String) throws -> TensorBoardValue? {
        var dtype: UInt64 = 0
        var floats: [Float] = [], doubles: [Double] = [], strings: [String] = []
        var content: ArraySlice<UInt8> = []
        for f in try protoFields(b) {
            switch f {
            case .varint(1, let v): dtype = v
            case .bytes(4, let c): content = c
            case .fixed32(5, let v): floats.append(Float(bitPattern: v))
            case .bytes(5, let d) where d.count % 4 == 0:
                floats += stride(from: d.startIndex, to: d.endIndex, by: 4).map { s in
                    Float(bitPattern: UInt32(d[s]) | UInt32(d[s + 1]) << 8 | UInt32(d[s + 2]) << 16 | UInt32(d[s + 3]) << 24)
                }
            case .fixed64(6, let v): doubles.append(Double(bitPattern: v))
            case .bytes(8, let s): strings.append(String(decoding: s, as: UTF8.self))
            default: break
            }
        }
        if dtype == 7 || plugin == "text" { return strings.isEmpty ? nil : .text(strings.joined(separator: "\n")) }
        if let f = floats.first { return .scalar(Double(f)) }
        if let d = doubles.first { return .scalar(d) }
        // tensor_content: raw little-endian values.
        if dtype == 1, content.count == 4 {
            let s = content.startIndex
            return .scalar(Double(Float(bitPattern: UInt32(content[s]) | UInt32(content[s + 1]) << 8 | UInt32(content[s + 2]) << 16 | UInt32(content[s + 3]) << 24)))
        }
        if dtype == 2, content.count == 8 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(content[content.startIndex + k]) << (8 * UInt64(k)) }
            return .scalar(Double(bitPattern: v))
        }
        return nil
    }
}

// MARK: Files

/// Appends events to `<folder>/events.out.tfevents.<time>.<host>.<pid>.glassbox` (a new file per process, as
/// TensorBoard's writers do).
package final class TensorBoardFileWriter {
    package let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    package init(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = "events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(ProcessInfo.processInfo.hostName).\(getpid()).glassbox"
        path = folder.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw TensorBoardFileError("cannot create the TensorBoard event file \(path)")
        }
        handle = h
        // The first event of every file names the format version.
        var w = ProtoWriter()
        w.double(1, Date().timeIntervalSince1970)
        w.string(3, "brain.Event:2")
        append(record: w.bytes)
    }

    // best effort at teardown: the sink flushes explicitly and reports a failure as its `problem`; only what was
    // buffered since can be lost here, and a deinit has no one to tell
    deinit { try? flush(); try? handle.close() }

    func append(record data: [UInt8]) {
        var length = UInt64(data.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { Array($0) }
        buffer += lengthBytes
        withUnsafeBytes(of: CRC32C.masked(lengthBytes).littleEndian) { buffer += $0 }
        buffer += data
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { buffer += $0 }
    }

    package func write(_ event: TensorBoardEvent) { append(record: event.encoded()) }

    /// Drops what is not written yet (so that closing the file writes nothing more).
    package func discard() { buffer.removeAll() }

    package func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: Data(buffer)) } catch {
            throw TensorBoardFileError("cannot write the TensorBoard event file \(path): \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads every event of a file. A record whose length or checksum does not match ends the reading of that file
/// with a warning naming the file and the byte offset; what came before it is kept.
package func readTensorBoardEvents(_ path: String, warn: (String) -> Void = { _ in }) throws -> [TensorBoardEvent] {
    guard let data = FileManager.default.contents(atPath: path) else { throw TensorBoardFileError("cannot read \(path)") }
    return readTensorBoardEvents([UInt8](data), source: path, warn: warn)
}

/// The events in the bytes of an event file (`source` names it in warnings).
package func readTensorBoardEvents(_ b: [UInt8], source path: String, warn: (String) -> Void = { _ in }) -> [TensorBoardEvent] {
    var events: [TensorBoardEvent] = []
    var offset = 0
    func u64(_ o: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[o + $1]) << (8 * UInt64($1)) } }
    func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) } }
    while offset < b.count {
        guard b.count - offset >= 12 else { warn("\(path): truncated record header at byte \(offset); the rest is skipped"); break }
        let length = u64(offset)
        guard u32(offset + 8) == CRC32C.masked(b[offset..<(offset + 8)]) else {
            warn("\(path): bad length checksum at byte \(offset); the rest is skipped"); break
        }
        // A record is 12 header bytes, the data and a 4-byte checksum; a file shorter than that is cut off.
        let available = b.count - offset - 16
        guard available >= 0, length <= UInt64(available) else {
            warn("\(path): record at byte \(offset) claims \(length) bytes, the file ends before; the rest is skipped"); break
        }
        let start = offset + 12, end = start + Int(length)
        guard u32(end) == CRC32C.masked(b[start..<end]) else {
            warn("\(path): bad data checksum in the record at byte \(offset); the rest is skipped"); break
        }
        do {
            if let e = try TensorBoardEvent.decode(b[start..<end]) { events.append(e) }
        } catch {
            warn("\(path): record at byte \(offset) is not an event (\((error as? ProtoError)?.message ?? "\(error)")); skipped")
        }
        offset = end + 4
    }
    return events
}

