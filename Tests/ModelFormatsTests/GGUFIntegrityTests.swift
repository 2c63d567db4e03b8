import Foundation
import Testing
@testable import ModelFormats

/// Corrupted GGUF files are refused when opened (tensor table) or when their tensors are checked (NaN and
/// infinite scales and float weights), with the file, the tensor and the problem named.
@Suite("GGUF corruption is detected")
struct GGUFIntegrityTests {
    func write(_ d: Data) throws -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("gi-\(UUID().uuidString).gguf").path
        try d.write(to: URL(fileURLWithPath: p))
        return p
    }

    func refusal(_ data: Data, check: Bool = false) throws -> String {
        let path = try write(data); defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let g = try GGUFFile(path: path)
            if check { for t in g.tensors { try g.checkFinite(t) } }
            return ""
        } catch {
            #expect("\(error)".contains(path), "\(error)")
            return "\(error)"
        }
    }

    /// Where tensor "q"'s offset (u64 after its type, Q8_0) stands in the sample's tensor table.
    func qOffsetRange(_ d: Data) throws -> Range<Int> {
        let r = try #require(d.range(of: Data([0x01, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0])))
        return (r.lowerBound + 16)..<(r.lowerBound + 24)
    }

    func settingOffset(_ d: Data, _ offset: UInt64) throws -> Data {
        var out = d
        let range = try qOffsetRange(d)
        withUnsafeBytes(of: offset.littleEndian) { out.replaceSubrange(range, with: $0) }
        return out
    }

    @Test func tensorTableCorruption() throws {
        let good = GGUFBuilder.sample()
        #expect(try refusal(good, check: true).isEmpty)
        // Misaligned, past the end, overlapping, leaving a gap.
        #expect(try refusal(try settingOffset(good, 33)).contains("tensor 'q': data offset 33 is not aligned to 32"))
        #expect(try refusal(try settingOffset(good, 1 << 20)).contains("tensor 'q': data (34 bytes at"))
        #expect(try refusal(try settingOffset(good, 1 << 20)).contains("runs past the end"))
        #expect(try refusal(try settingOffset(good, 0)).contains("tensor 'q': data at offset 0 overlaps tensor 'a'"))
        let gap = try refusal(try settingOffset(good, 64) + Data(count: 32))
        #expect(gap.contains("tensor 'q': data at offset 64 leaves a gap of 32 bytes after tensor 'a'"), "\(gap)")
        // Bytes after the last tensor's padded data: the table does not describe the file.
        #expect(try refusal(good + Data(count: 64)).contains("bytes follow the last tensor's data ('q'"))
        // The padding of the last tensor may be there or not.
        #expect(try refusal(good + Data(count: 30)).isEmpty)
        // "a"'s one dimension 4 -> 12 (48 bytes): it now runs into "q".
        var wider = good
        let a = try #require(good.range(of: Data([0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x61, 0x01, 0, 0, 0, 0x04])))
        wider[a.upperBound - 1] = 12
        #expect(try refusal(wider).contains("overlaps tensor 'a'"))
    }

    @Test func nonFiniteScalesAndWeights() throws {
        let good = GGUFBuilder.sample()
        // The Q8_0 block's scale d (its first two bytes, 32 bytes into the data section) -> NaN.
        let dataStart = good.count - 66
        var nanScale = good
        nanScale[dataStart + 32] = 0x00; nanScale[dataStart + 33] = 0x7E
        #expect(try refusal(nanScale, check: true).contains("tensor 'q': the scale of Q8_0 block 0 (elements 0..<32) is NaN or infinite"))
        // F32 "a"'s third element -> +inf.
        var infWeight = good
        infWeight.replaceSubrange((dataStart + 8)..<(dataStart + 12), with: [0x00, 0x00, 0x80, 0x7F])
        #expect(try refusal(infWeight, check: true).contains("tensor 'a': element 2 is inf (F32 weights must be finite)"))
    }

    /// The real SmolLM2 file with a NaN in one Q4_1 block's scale and one in a norm weight: each refused, naming
    /// the tensor; the scan of all its scales is fast.
    @Test func realFileWithNaNs() throws {
        let source = try smolLM2Path()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        let g0 = try GGUFFile(path: source)
        let clock = ContinuousClock()
        let scan = try clock.measure { for t in g0.tensors { try g0.checkFinite(t) } }
        #expect(scan < .milliseconds(500), "scanning every scale of the 98 MB file took \(scan)")
        let q = try g0.tensor("blk.3.attn_q.weight"), norm = try g0.tensor("blk.5.ffn_norm.weight")
        #expect(q.type == .q4_1 && norm.type == .f32)
        // Block 17's m (the second half-float of the block) -> NaN; element 9 of the norm weight -> NaN.
        let block = g0.dataOffset + q.offset + 17 * 20 + 2
        bytes[block] = 0x01; bytes[block + 1] = 0x7E
        let element = g0.dataOffset + norm.offset + 9 * 4
        bytes.replaceSubrange(element..<(element + 4), with: [0x00, 0x00, 0xC0, 0x7F])
        let path = try write(bytes); defer { try? FileManager.default.removeItem(atPath: path) }
        let g = try GGUFFile(path: path)
        var messages: [String] = []
        for t in g.tensors {
            do { try g.checkFinite(t) } catch { messages.append("\(error)") }
        }
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.contains { $0.contains(path) && $0.contains("tensor 'blk.3.attn_q.weight': the scale of Q4_1 block 17") }, "\(messages)")
        #expect(messages.contains { $0.contains("tensor 'blk.5.ffn_norm.weight': element 9 is nan") }, "\(messages)")
    }
}
