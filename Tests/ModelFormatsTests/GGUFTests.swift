import Foundation
import Testing
@testable import ModelFormats

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The bundled SmolLM2 GGUF, fetched by `scripts/fetch-model.sh` (which `make test` runs first).
func smolLM2Path() throws -> String {
    let env = ProcessInfo.processInfo.environment
    let path = env["GLASSBOX_MODEL"] ?? (env["GLASSBOX_MODELS"] ?? (NSHomeDirectory() + "/.cache/glassbox/models"))
        + "/SmolLM2-135M-Instruct.Q4_1.gguf"
    guard FileManager.default.fileExists(atPath: path) else {
        throw FormatError(file: path, "missing: run scripts/fetch-model.sh (make test does)")
    }
    return path
}

@Suite("GGUF against the reference (SmolLM2-135M-Instruct.Q4_1.gguf)")
struct GGUFFixtureTests {
    let reference = try! JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("tensors.json"))) as! [String: Any]

    @Test func headerMetadataAndTensorTable() throws {
        let g = try GGUFFile(path: try smolLM2Path())
        let h = reference["header"] as! [String: Any]
        #expect(g.version == h["version"] as! Int)
        #expect(g.tensors.count == h["tensor_count"] as! Int)
        #expect(g.metadata.count == h["kv_count"] as! Int)
        #expect(g.alignment == h["alignment"] as! Int)
        #expect(g.dataOffset == h["tensor_data_offset"] as! Int)
        #expect(g.file.count == h["file_size_bytes"] as! Int)

        // Every key in file order, with its type and value.
        let kv = reference["kv"] as! [String: Any]
        #expect(g.metadata.count == kv.count)
        for (key, value) in g.metadata {
            let ref = kv[key] as! [String: Any]
            switch value {
            case .array(let et, let items):
                #expect(ref["type"] as? String == "ARRAY" && ref["element_type"] as? String == et.name, "\(key)")
                #expect(items.count == ref["length"] as! Int, "\(key)")
                if let all = ref["value"] as? [Any] {
                    #expect(items.map(describe) == all.map { "\($0)" }, "\(key)")
                } else {
                    #expect(items.prefix(8).map(describe) == (ref["first_8"] as! [Any]).map { "\($0)" }, "\(key)")
                    #expect(items.suffix(2).map(describe) == (ref["last_2"] as! [Any]).map { "\($0)" }, "\(key)")
                }
            default:
                #expect(describe(value) == describe(ref["value"]!), "\(key): \(value) vs \(ref["value"]!)")
            }
        }

        let tensors = reference["tensors"] as! [[String: Any]]
        #expect(g.tensors.map(\.name) == tensors.map { $0["name"] as! String })
        for (t, r) in zip(g.tensors, tensors) {
            #expect(t.dims == r["ggml_dims"] as! [Int])
            #expect(t.shape == r["shape_row_major"] as! [Int])
            #expect(t.type.name == r["ggml_type"] as! String && Int(t.type.rawValue) == r["ggml_type_id"] as! Int)
            #expect(t.elementCount == r["n_elements"] as! Int && t.byteCount == r["n_bytes"] as! Int)
            #expect(t.offset == r["offset_in_data"] as! Int && g.dataOffset + t.offset == r["absolute_offset"] as! Int)
        }
    }

    @Test func dequantisedRowsAreExact() throws {
        let g = try GGUFFile(path: try smolLM2Path())
        let values = try SafeTensorsFile(path: fixtures.appendingPathComponent("dequant.safetensors").path)
        let samples = reference["dequant_samples"] as! [[String: Any]]
        #expect(samples.count >= 3)
        for s in samples {
            let key = s["key"] as! String, rows = s["rows"] as! [Int]
            let expected = try values.floats(key)
            let ne0 = s["ne0"] as! Int
            for (j, row) in rows.enumerated() {
                let ours = try g.dequantize(key, rows: row..<(row + 1))
                let ref = Array(expected[(j * ne0)..<((j + 1) * ne0)])
                #expect(ours.map(\.bitPattern) == ref.map(\.bitPattern), "\(key) row \(row) differs")
            }
        }
    }

    func describe(_ v: Any) -> String {
        switch v {
        case let g as GGUFValue:
            switch g {
            case .string(let s): return s
            case .bool(let b): return b ? "1" : "0"
            case .float32(let f): return "\(Double(f))"
            case .float64(let d): return "\(d)"
            default: return "\(g.int ?? 0)"
            }
        case let n as NSNumber:
            if "\(n)" == "true" { return "1" }
            if "\(n)" == "false" { return "0" }
            if let i = Int(exactly: n.doubleValue), "\(n)" == "\(i)" { return "\(i)" }
            return "\(n.doubleValue)"
        default: return "\(v)"
        }
    }
}

@Suite("GGML block types against gguf-py")
struct QuantTypeTests {
    @Test(arguments: ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K", "F16", "BF16"])
    func dequantisesLikeGGUFPy(_ name: String) throws {
        let f = try SafeTensorsFile(path: fixtures.appendingPathComponent("quant_blocks.safetensors").path)
        let raw = try f.rawBytes("\(name).raw")
        let expected = try f.floats("\(name).values")
        let type = GGMLType.allCases.first { $0.name == name }!
        var out = [Float](repeating: .nan, count: expected.count)
        out.withUnsafeMutableBufferPointer { type.dequantizeRow(raw.baseAddress!, $0.baseAddress!, count: expected.count) }
        #expect(raw.count == type.byteCount(elements: expected.count))
        let worst = zip(out, expected).map { abs($0 - $1) / max(1e-6, abs($1)) }.max()!
        // Float32 rounding only (gguf-py computes in float32 too, with numpy's order of operations).
        #expect(worst < 1e-6, "\(name): worst relative difference \(worst)")
    }
}

/// Builds small GGUF files for the error tests.
struct GGUFBuilder {
    var data = Data()
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func str(_ s: String) { u64(UInt64(s.utf8.count)); data.append(Data(s.utf8)) }

    /// A v3 file: one string, one u32, one float array of metadata; one F32 [4] tensor and one Q8_0 [32] tensor.
    static func sample() -> Data {
        var b = GGUFBuilder()
        b.u32(0x4655_4747); b.u32(3); b.u64(2); b.u64(3)
        b.str("general.architecture"); b.u32(8); b.str("llama")
        b.str("llama.block_count"); b.u32(4); b.u32(30)
        b.str("x.values"); b.u32(9); b.u32(6); b.u64(2); b.u32(Float(1.5).bitPattern); b.u32(Float(-2).bitPattern)
        b.str("a"); b.u32(1); b.u64(4); b.u32(0); b.u64(0)
        b.str("q"); b.u32(1); b.u64(32); b.u32(8); b.u64(32)
        while b.data.count % 32 != 0 { b.data.append(0) }
        for v: Float in [1, 2, 3, 4] { b.u32(v.bitPattern) }
        b.data.append(Data(count: 16))  // pad to offset 32
        b.data.append(contentsOf: [0x00, 0x3C])  // d = 1.0
        b.data.append(contentsOf: (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) })
        return b.data
    }
}

@Suite("GGUF parsing and bad files")
struct GGUFParsingTests {
    func write(_ d: Data) throws -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("g-\(UUID().uuidString).gguf").path
        try d.write(to: URL(fileURLWithPath: p))
        return p
    }

    @Test func parsesAHandBuiltFile() throws {
        let path = try write(GGUFBuilder.sample()); defer { try? FileManager.default.removeItem(atPath: path) }
        let g = try GGUFFile(path: path)
        #expect(g["general.architecture"]?.string == "llama")
        #expect(g["llama.block_count"]?.int == 30)
        #expect(g["x.values"]?.array?.compactMap(\.double) == [1.5, -2])
        #expect(try g.dequantize("a") == [1, 2, 3, 4])
        #expect(try g.dequantize("q") == (0..<32).map { Float($0 - 16) })
    }

    @Test func badFilesGiveErrorsNamingTheProblem() throws {
        let good = GGUFBuilder.sample()
        var cases: [(Data, String)] = [(Data("GGML".utf8) + good.dropFirst(4), "not a GGUF file"), (Data(), "truncated")]
        var v9 = good; v9[4] = 9
        cases.append((v9, "version 9"))
        var hugeCount = good; hugeCount.replaceSubrange(16..<24, with: Data(repeating: 0xFF, count: 8))
        cases.append((hugeCount, "cannot fit"))
        var badType = good
        // The tensor type of "q" (u32 after its one dimension) -> 99.
        if let r = good.range(of: Data([0x01, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0])) {
            badType[r.lowerBound + 12] = 99
            cases.append((badType, "unsupported tensor type 99"))
        }
        cases.append((good.prefix(good.count - 10), "runs past the end"))
        // "q"'s data offset (after its type) moved onto "a"'s bytes: aliasing tensors are refused.
        if let r = good.range(of: Data([0x01, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0])) {
            var aliased = good
            aliased.replaceSubrange((r.lowerBound + 16)..<(r.lowerBound + 24), with: Data(count: 8))
            cases.append((aliased, "overlaps tensor 'a'"))
        }
        // A metadata key of 100 kB of binary: refused, and the message stays short.
        var longKey = GGUFBuilder()
        longKey.u32(0x4655_4747); longKey.u32(3); longKey.u64(0); longKey.u64(1)
        longKey.str(String(decoding: (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7) }, as: UTF8.self))
        longKey.u32(4); longKey.u32(1)
        cases.append((longKey.data, "at most 65535"))
        // A 60 kB binary key with an unknown type: the key is echoed cut short and escaped.
        var binaryKey = GGUFBuilder()
        binaryKey.u32(0x4655_4747); binaryKey.u32(3); binaryKey.u64(0); binaryKey.u64(1)
        binaryKey.str(String(decoding: (0..<60_000).map { UInt8(truncatingIfNeeded: $0 % 31) }, as: UTF8.self))
        binaryKey.u32(77); binaryKey.u32(1)
        cases.append((binaryKey.data, "unknown value type 77"))
        for (data, expected) in cases {
            let path = try write(data); defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try GGUFFile(path: path)
                Issue.record("accepted a bad file (\(expected))")
            } catch {
                #expect("\(error)".contains(expected) && "\(error)".contains(path), "\(error)")
                #expect("\(error)".utf8.count < 1500 && !"\(error)".contains("\n"), "message of \("\(error)".utf8.count) bytes")
            }
        }
    }

    @Test func truncatedAndBitFlippedFilesNeverCrash() throws {
        let good = GGUFBuilder.sample()
        for cut in 0..<good.count {
            let path = try write(good.prefix(cut)); defer { try? FileManager.default.removeItem(atPath: path) }
            if let g = try? GGUFFile(path: path) {
                // Only the padding and data tail may be cut while the header still describes what is there.
                for t in g.tensors { _ = try? g.dequantize(t.name) }
            }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var bad = good
            let i = Int.random(in: 0..<bad.count, using: &rng)
            bad[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            let path = try write(bad); defer { try? FileManager.default.removeItem(atPath: path) }
            if let g = try? GGUFFile(path: path) { for t in g.tensors { _ = try? g.dequantize(t.name) } }
        }
    }
}


@Suite("Quantisation scales are checked on load")
struct ScaleScanTests {
    /// A NaN or infinite scale in one block of every format is found, in that block; clean data passes.
    @Test(arguments: [GGMLType.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K])
    func findsTheBadBlock(_ type: GGMLType) {
        let blocks = 5, elements = blocks * type.blockSize
        var bytes = [UInt8](repeating: 0, count: type.byteCount(elements: elements))
        // Finite scales everywhere (f16 1.0 = 0x3C00; raw floats 0), then a NaN in block 3.
        let scaleOffsets: [Int] = switch type {
        case .f32, .f16, .bf16: []
        case .q6_K: [208]
        case .q4_1, .q5_1, .q4_K, .q5_K: [0, 2]
        default: [0]
        }
        for b in 0..<blocks { for o in scaleOffsets { bytes[b * type.blockBytes + o + 1] = 0x3C } }
        bytes.withUnsafeBytes { #expect(type.firstNonFiniteScale($0.baseAddress!, elements: elements) == nil) }
        let bad = 3 * type.blockBytes + (scaleOffsets.last ?? 0)
        switch type {
        case .f32: bytes[bad + 2] = 0xC0; bytes[bad + 3] = 0x7F       // NaN
        case .bf16: bytes[bad] = 0x80; bytes[bad + 1] = 0x7F          // +inf
        default: bytes[bad] = 0x00; bytes[bad + 1] = 0x7C             // f16 +inf
        }
        bytes.withUnsafeBytes { #expect(type.firstNonFiniteScale($0.baseAddress!, elements: elements) == 3) }
    }
}
