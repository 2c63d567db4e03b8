import Foundation

/// A metadata value of a GGUF file.
package enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), uint64(UInt64), int64(Int64), float64(Double)
    case array(GGUFValueType, [GGUFValue])

    package var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        case .bool(let v): v ? 1 : 0
        default: nil
        }
    }

    package var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    package var string: String? { if case .string(let s) = self { s } else { nil } }
    package var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    package var array: [GGUFValue]? { if case .array(_, let a) = self { a } else { nil } }
    package var strings: [String]? { array?.compactMap(\.string) }
    package var ints: [Int]? { array?.compactMap(\.int) }
    /// The array's numbers as Float (nil unless every element is a number).
    package var floats: [Float]? {
        guard let a = array else { return nil }
        let d = a.compactMap(\.double)
        return d.count == a.count ? d.map(Float.init) : nil
    }
}

/// GGUF metadata value types (the numbers stored in the file).
package enum GGUFValueType: UInt32, Sendable {
    case uint8 = 0, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64

    package var name: String {
        switch self {
        case .uint8: "UINT8"
        case .int8: "INT8"
        case .uint16: "UINT16"
        case .int16: "INT16"
        case .uint32: "UINT32"
        case .int32: "INT32"
        case .float32: "FLOAT32"
        case .bool: "BOOL"
        case .string: "STRING"
        case .array: "ARRAY"
        case .uint64: "UINT64"
        case .int64: "INT64"
        case .float64: "FLOAT64"
        }
    }
}

/// One tensor's entry in a GGUF tensor-info table.
package struct GGUFTensorInfo: Sendable {
    package let name: String
    /// GGML order: dims[0] is the contiguous (row) length.
    package let dims: [Int]
    package let type: GGMLType
    /// Offset relative to the start of the data section.
    package let offset: Int
    package var elementCount: Int { dims.reduce(1, *) }
    /// Row-major (NumPy/PyTorch) shape: the reverse of `dims`.
    package var shape: [Int] { dims.reversed() }
    package var rowLength: Int { dims.first ?? 1 }
    package var rowCount: Int { elementCount / max(rowLength, 1) }
    package var byteCount: Int { type.byteCount(elements: elementCount) }
}

/// A GGUF file (versions 2 and 3), memory-mapped: header, metadata, tensor infos, and tensor data read in place.
package final class GGUFFile: @unchecked Sendable {
    package let file: MappedFile
    package let version: Int
    /// Metadata in file order.
    package let metadata: [(key: String, value: GGUFValue)]
    package let tensors: [GGUFTensorInfo]
    package let alignment: Int
    /// Absolute offset of the data section.
    package let dataOffset: Int
    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    package var path: String { file.path }

    package convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    package init(file: MappedFile) throws {
        self.file = file
        var r = GGUFReader(file: file)
        let magic = try r.u32("magic")
        guard magic == 0x4655_4747 else {
            throw FormatError(file: file.path, "not a GGUF file (the first 4 bytes are not \"GGUF\")")
        }
        let version = Int(try r.u32("version"))
        guard version == 2 || version == 3 else {
            throw FormatError(file: file.path, "GGUF version \(version) is not supported (2 and 3 are)")
        }
        self.version = version
        let tensorCount = try r.count("tensor count", minBytesEach: 24)
        let kvCount = try r.count("metadata count", minBytesEach: 12)
        var metadata: [(String, GGUFValue)] = []
        metadata.reserveCapacity(kvCount)
        for _ in 0..<kvCount {
            let key = try r.string("metadata key", maxLength: 65_535)
            let typeRaw = try r.u32("type of \(key)")
            guard let type = GGUFValueType(rawValue: typeRaw) else {
                throw FormatError(file: file.path, "metadata '\(key)' has unknown value type \(typeRaw)")
            }
            metadata.append((key, try r.value(type, key)))
        }
        self.metadata = metadata
        metadataIndex = Dictionary(metadata.enumerated().map { ($1.0, $0) }, uniquingKeysWith: { a, _ in a })
        var alignment = 32
        if let i = metadataIndex["general.alignment"] {
            guard let a = metadata[i].1.int, a > 0, a & (a - 1) == 0 else {
                throw FormatError(file: file.path, "general.alignment must be a power of two")
            }
            alignment = a
        }
        self.alignment = alignment
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try r.string("tensor name", maxLength: 4096)
            let nd = Int(try r.u32("dimension count of \(name)"))
            guard (1...4).contains(nd) else {
                throw FormatError(file: file.path, tensor: name, "has \(nd) dimensions (1 to 4 allowed)")
            }
            var dims: [Int] = []
            var elements = 1
            for _ in 0..<nd {
                let d = try r.u64("dimension of \(name)")
                guard d > 0, d < 1 << 40 else { throw FormatError(file: file.path, tensor: name, "invalid dimension \(d)") }
                let (m, o) = elements.multipliedReportingOverflow(by: Int(d))
                guard !o, m < 1 << 40 else { throw FormatError(file: file.path, tensor: name, "shape \(dims + [Int(d)]) is too large") }
                elements = m
                dims.append(Int(d))
            }
            let typeRaw = try r.u32("type of \(name)")
            guard let type = GGMLType(rawValue: typeRaw) else {
                throw FormatError(file: file.path, tensor: name, "unsupported tensor type \(typeRaw)")
            }
            guard dims[0] % type.blockSize == 0 else {
                throw FormatError(file: file.path, tensor: name, "row length \(dims[0]) is not a multiple of the \(type.name) block size \(type.blockSize)")
            }
            let offset = try r.u64("offset of \(name)")
            guard offset < 1 << 48, Int(offset) % alignment == 0 else {
                throw FormatError(file: file.path, tensor: name, "data offset \(offset) is not aligned to \(alignment)")
            }
            tensors.append(GGUFTensorInfo(name: name, dims: dims, type: type, offset: Int(offset)))
        }
        dataOffset = (r.position + alignment - 1) / alignment * alignment
        for t in tensors {
            guard dataOffset + t.offset + t.byteCount <= file.count else {
                throw FormatError(file: file.path, tensor: t.name,
                                  "data (\(t.byteCount) bytes at \(dataOffset + t.offset)) runs past the end of the \(file.count)-byte file")
            }
        }
        // Tensor data may neither overlap nor alias: one corrupted offset must not make two weights share bytes.
        let byOffset = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw FormatError(file: file.path, tensor: b.name, "data at offset \(b.offset) overlaps tensor '\(FormatError.bounded(a.name, 120))' (\(a.byteCount) bytes at \(a.offset))")
        }
        try Self.checkDenseLayout(byOffset, dataOffset: dataOffset, alignment: alignment, file: file)
        var names = Set<String>()
        for t in tensors where !names.insert(t.name).inserted {
            throw FormatError(file: file.path, tensor: t.name, "appears twice")
        }
        self.tensors = tensors
        tensorIndex = Dictionary(tensors.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Tensor data is packed: the first tensor at offset 0, each next one at the previous one's end rounded up
    /// to the alignment, and the file ends with the last one's (padded) data. Both writers of the format
    /// (ggml's gguf.cpp and gguf-py) lay data out this way, so a gap or trailing bytes mean a corrupted offset,
    /// shape or type in the tensor table — which would otherwise read other bytes as a weight without a word.
    static func checkDenseLayout(_ byOffset: [GGUFTensorInfo], dataOffset: Int, alignment: Int, file: MappedFile) throws {
        func padded(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }
        var expected = 0
        var previous: GGUFTensorInfo?
        for t in byOffset {
            guard t.offset == expected else {
                let after = previous.map { "after tensor '\(FormatError.bounded($0.name, 120))' (\($0.byteCount) bytes at \($0.offset))" } ?? "before the first tensor"
                throw FormatError(file: file.path, tensor: t.name, "data at offset \(t.offset) leaves a gap of \(t.offset - expected) bytes \(after): GGUF tensor data is packed, so an offset, shape or type in the tensor table is corrupted")
            }
            expected = padded(t.offset + t.byteCount)
            previous = t
        }
        guard let last = previous else { return }
        let end = dataOffset + last.offset + last.byteCount
        guard file.count <= dataOffset + expected else {
            throw FormatError(file: file.path, "\(file.count - end) bytes follow the last tensor's data ('\(FormatError.bounded(last.name, 120))' ends at byte \(end)): the tensor table does not describe the whole file (a corrupted shape or type, or bytes appended)")
        }
    }

    /// Checks that a tensor holds no NaN or infinity where one poisons everything it touches: every element of a
    /// float tensor, the f16 scales (`d`, and `m`/`dmin` where the format has one) of every block of a quantised
    /// one. One strided pass over the scales: all 272 tensors of the SmolLM2 Q4_1 file (3.8M blocks, 7.6M
    /// half-float scales) in 7 ms once mapped; the first pass also faults the file's pages in (~65 ms in all on
    /// the development machine), which the first forward would otherwise pay.
    /// A flipped bit inside a weight's mantissa or a quantised nibble stays a finite number and cannot be found.
    package func checkFinite(_ t: GGUFTensorInfo) throws {
        guard let bad = t.type.firstNonFiniteScale(bytes(of: t), elements: t.elementCount) else { return }
        if t.type.blockSize == 1 {
            let value = Float(dequantize1(t, element: bad))
            throw FormatError(file: path, tensor: t.name, "element \(bad) is \(value) (\(t.type.name) weights must be finite)")
        }
        throw FormatError(file: path, tensor: t.name, "the scale of \(t.type.name) block \(bad) (elements \(bad * t.type.blockSize)..<\((bad + 1) * t.type.blockSize)) is NaN or infinite")
    }

    /// One element of an f32/f16/bf16 tensor (for messages).
    private func dequantize1(_ t: GGUFTensorInfo, element i: Int) -> Float {
        var v: Float = 0
        t.type.dequantizeRow(bytes(of: t) + i * t.type.blockBytes, &v, count: 1)
        return v
    }

    package subscript(key: String) -> GGUFValue? { metadataIndex[key].map { metadata[$0].value } }

    /// Whether the file holds a tensor named `name` (for optional tensors, such as an untied output head).
    package func contains(tensor name: String) -> Bool { tensorIndex[name] != nil }

    package func tensor(_ name: String) throws -> GGUFTensorInfo {
        guard let i = tensorIndex[name] else { throw FormatError(file: path, tensor: name, "not in the file") }
        return tensors[i]
    }

    /// The raw bytes of a tensor, in place in the mapping.
    package func bytes(of t: GGUFTensorInfo) -> UnsafeRawPointer {
        file.bytes.baseAddress! + dataOffset + t.offset
    }

    /// Rows `rows` of a tensor (in units of `rowLength` elements), dequantised to Float32.
    package func dequantize(_ name: String, rows: Range<Int>? = nil) throws -> [Float] {
        let t = try tensor(name)
        let rows = rows ?? 0..<t.rowCount
        guard rows.lowerBound >= 0, rows.upperBound <= t.rowCount else {
            throw FormatError(file: path, tensor: name, "rows \(rows) outside 0..<\(t.rowCount)")
        }
        let n = t.rowLength
        let rowBytes = t.type.byteCount(elements: n)
        var out = [Float](repeating: 0, count: rows.count * n)
        out.withUnsafeMutableBufferPointer { dst in
            for (j, row) in rows.enumerated() {
                t.type.dequantizeRow(bytes(of: t) + row * rowBytes, dst.baseAddress! + j * n, count: n)
            }
        }
        return out
    }
}

/// A bounds-checked little-endian cursor over the mapped file.
struct GGUFReader {
    let file: MappedFile
    var position = 0

    mutating func need(_ n: Int, _ what: String) throws {
        guard n >= 0, position + n <= file.count else {
            throw FormatError(file: file.path, "truncated: \(what) at byte \(position) needs \(n) bytes, the file has \(file.count)")
        }
    }

    mutating func u32(_ what: String) throws -> UInt32 {
        try need(4, what); defer { position += 4 }
        return file.load(position, as: UInt32.self)
    }

    mutating func u64(_ what: String) throws -> UInt64 {
        try need(8, what); defer { position += 8 }
        return file.load(position, as: UInt64.self)
    }

    /// A u64 count that must fit in the rest of the file (`minBytesEach` per item), so no absurd allocation.
    mutating func count(_ what: String, minBytesEach: Int) throws -> Int {
        let n = try u64(what)
        guard n <= UInt64((file.count - position) / max(minBytesEach, 1)) else {
            throw FormatError(file: file.path, "\(what) \(n) cannot fit in the file")
        }
        return Int(n)
    }

    mutating func string(_ what: String, maxLength: Int = Int.max) throws -> String {
        let n = try count("length of \(what)", minBytesEach: 1)
        guard n <= maxLength else { throw FormatError(file: file.path, "\(what) at byte \(position) claims \(n) bytes (at most \(maxLength))") }
        try need(n, what)
        defer { position += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: file.bytes[position..<(position + n)]), as: UTF8.self)
    }

    mutating func scalar<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        try need(MemoryLayout<T>.size, what); defer { position += MemoryLayout<T>.size }
        return file.load(position, as: T.self)
    }

    mutating func value(_ type: GGUFValueType, _ key: String) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try scalar(UInt8.self, key))
        case .int8: return .int8(try scalar(Int8.self, key))
        case .uint16: return .uint16(try scalar(UInt16.self, key))
        case .int16: return .int16(try scalar(Int16.self, key))
        case .uint32: return .uint32(try scalar(UInt32.self, key))
        case .int32: return .int32(try scalar(Int32.self, key))
        case .uint64: return .uint64(try scalar(UInt64.self, key))
        case .int64: return .int64(try scalar(Int64.self, key))
        case .float32: return .float32(Float(bitPattern: try scalar(UInt32.self, key)))
        case .float64: return .float64(Double(bitPattern: try scalar(UInt64.self, key)))
        case .bool:
            let b = try scalar(UInt8.self, key)
            guard b <= 1 else { throw FormatError(file: file.path, "metadata '\(key)': invalid bool \(b)") }
            return .bool(b == 1)
        case .string: return .string(try string(key))
        case .array:
            let raw = try u32("element type of \(key)")
            guard let et = GGUFValueType(rawValue: raw), et != .array else {
                throw FormatError(file: file.path, "metadata '\(key)': unsupported array element type \(raw)")
            }
            let n = try count("length of \(key)", minBytesEach: et == .string ? 8 : max(1, et.fixedSize))
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(et, key)) }
            return .array(et, items)
        }
    }
}

extension GGUFValueType {
    var fixedSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string, .array: 0
        }
    }
}
