import Foundation

/// Element types of safetensors files.
package enum SafeTensorsDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64", i32 = "I32", i64 = "I64", u8 = "U8", i8 = "I8", bool = "BOOL"

    package var size: Int {
        switch self {
        case .f32, .i32: 4
        case .f16, .bf16: 2
        case .f64, .i64: 8
        case .u8, .i8, .bool: 1
        }
    }
}

/// One tensor's entry in a safetensors header.
package struct SafeTensorInfo: Sendable {
    package let name: String
    package let dtype: SafeTensorsDType
    package let shape: [Int]
    /// Byte range within the data section.
    package let range: Range<Int>
    package var count: Int { shape.reduce(1, *) }
}

/// A memory-mapped safetensors file (Hugging Face format): 8-byte little-endian header length, a JSON header,
/// then the data. Every offset and size is checked against the file before anything is read.
package final class SafeTensorsFile: @unchecked Sendable {
    package let file: MappedFile
    package let tensors: [String: SafeTensorInfo]
    package let metadata: [String: String]
    let dataStart: Int

    package var path: String { file.path }
    package var names: [String] { tensors.keys.sorted() }

    package convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    package init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        guard file.count >= 8 else { throw FormatError(file: path, "too short for a safetensors file (\(file.count) bytes)") }
        let headerLength = file.load(0, as: UInt64.self)
        guard headerLength >= 2, headerLength <= UInt64(file.count - 8), headerLength < 100_000_000 else {
            throw FormatError(file: path, "not a safetensors file: header length \(headerLength) does not fit a \(file.count)-byte file")
        }
        let hl = Int(headerLength)
        dataStart = 8 + hl
        let headerData = Data(file.bytes[8..<(8 + hl)])
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: headerData) } catch {
            throw FormatError(file: path, "not a safetensors file: the header is not JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else {
            throw FormatError(file: path, "not a safetensors file: the header is not a JSON object")
        }
        let dataLength = file.count - dataStart
        var tensors: [String: SafeTensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                if let m = value as? [String: Any] { for (k, v) in m { metadata[k] = "\(v)" } }
                continue
            }
            guard let entry = value as? [String: Any], let dt = entry["dtype"] as? String,
                  let shapeAny = entry["shape"] as? [Any], let offs = entry["data_offsets"] as? [Any], offs.count == 2 else {
                throw FormatError(file: path, tensor: name, "malformed header entry")
            }
            guard let dtype = SafeTensorsDType(rawValue: dt) else {
                throw FormatError(file: path, tensor: name, "unsupported dtype \(dt)")
            }
            var shape: [Int] = []
            for d in shapeAny {
                guard let n = (d as? NSNumber)?.intValue, n >= 0, n < 1 << 40 else {
                    throw FormatError(file: path, tensor: name, "invalid shape \(shapeAny)")
                }
                shape.append(n)
            }
            guard let begin = (offs[0] as? NSNumber)?.intValue, let end = (offs[1] as? NSNumber)?.intValue,
                  begin >= 0, end >= begin, end <= dataLength else {
                throw FormatError(file: path, tensor: name, "data offsets \(offs) outside the \(dataLength)-byte data section")
            }
            var elements = 1
            for d in shape {
                let (m, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, m < 1 << 40 else { throw FormatError(file: path, tensor: name, "shape \(shape) is too large") }
                elements = m
            }
            guard elements * dtype.size == end - begin else {
                throw FormatError(file: path, tensor: name, "shape \(shape) of \(dt) needs \(elements * dtype.size) bytes, the file gives \(end - begin)")
            }
            tensors[name] = SafeTensorInfo(name: name, dtype: dtype, shape: shape, range: begin..<end)
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    package func info(_ name: String) throws -> SafeTensorInfo {
        guard let t = tensors[name] else { throw FormatError(file: path, tensor: name, "not in the file") }
        return t
    }

    /// The raw bytes of a tensor, in place in the mapping.
    package func rawBytes(_ name: String) throws -> UnsafeRawBufferPointer {
        let t = try info(name)
        return UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + t.range.lowerBound)..<(dataStart + t.range.upperBound)])
    }

    /// A floating-point tensor converted to Float32 (F32, F16, BF16, F64).
    package func floats(_ name: String) throws -> [Float] {
        let t = try info(name)
        let raw = try rawBytes(name)
        let n = t.count
        if n == 0 { return [] }
        switch t.dtype {
        case .f32:
            return [Float](unsafeUninitializedCapacity: n) { buf, c in
                _ = memcpy(buf.baseAddress!, raw.baseAddress!, n * 4); c = n
            }
        case .f16:
            return (0..<n).map { Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
        case .bf16:
            return (0..<n).map { Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) << 16) }
        case .f64:
            return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self)) }
        default:
            throw FormatError(file: path, tensor: name, "expected a floating-point tensor, found \(t.dtype.rawValue)")
        }
    }

    /// An integer tensor as Int32 values (I32, I64, U8, I8).
    package func ints(_ name: String) throws -> [Int32] {
        let t = try info(name)
        let raw = try rawBytes(name)
        switch t.dtype {
        case .i32: return (0..<t.count).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self) }
        case .i64: return (0..<t.count).map { Int32(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
        case .u8: return (0..<t.count).map { Int32(raw[$0]) }
        case .i8: return (0..<t.count).map { Int32(Int8(bitPattern: raw[$0])) }
        default: throw FormatError(file: path, tensor: name, "expected an integer tensor, found \(t.dtype.rawValue)")
        }
    }
}

/// A tensor to write: Float32 values or Int32 values with a shape.
package struct SafeTensorsEntry: Sendable {
    package let name: String
    package let shape: [Int]
    package let dtype: SafeTensorsDType
    package let bytes: Data

    package init(name: String, shape: [Int], floats: UnsafeBufferPointer<Float>) {
        self.name = name; self.shape = shape; self.dtype = .f32
        self.bytes = Data(buffer: floats)
    }

    package init(name: String, shape: [Int], floats: [Float]) {
        self.name = name; self.shape = shape; self.dtype = .f32
        self.bytes = floats.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    package init(name: String, shape: [Int], ints: [Int32]) {
        self.name = name; self.shape = shape; self.dtype = .i32
        self.bytes = ints.withUnsafeBufferPointer { Data(buffer: $0) }
    }
}

package enum SafeTensorsWriter {
    /// The bytes of a safetensors file holding `entries` (sorted by name, header padded to 8 bytes).
    /// Throws when the header cannot be encoded (a file with an empty header would load as no tensors at all).
    package static func encode(_ entries: [SafeTensorsEntry], metadata: [String: String] = [:]) throws -> Data {
        let sorted = entries.sorted { $0.name < $1.name }
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for e in sorted {
            header[e.name] = ["dtype": e.dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]] as [String: Any]
            offset += e.bytes.count
        }
        var json: Data
        do { json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) } catch {
            throw FormatError(file: "safetensors header", "cannot encode the header of \(sorted.count) tensors (\(error.localizedDescription))")
        }
        while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data(capacity: 8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for e in sorted { out.append(e.bytes) }
        return out
    }

    /// Writes the file atomically (temporary file, then rename).
    package static func write(_ entries: [SafeTensorsEntry], metadata: [String: String] = [:], to url: URL) throws {
        try writeAtomically(try encode(entries, metadata: metadata), to: url)
    }
}
