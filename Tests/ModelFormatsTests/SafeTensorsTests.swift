import Foundation
import Testing
@testable import ModelFormats

@Suite("safetensors")
struct SafeTensorsTests {
    func tempFile(_ data: Data) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    var sample: Data {
        get throws {
        try SafeTensorsWriter.encode([
            SafeTensorsEntry(name: "b", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
            SafeTensorsEntry(name: "a", shape: [4], ints: [7, -8, 9, 10]),
        ], metadata: ["format": "pt"])
        }
    }

    @Test func roundTrip() throws {
        let path = try tempFile(try sample); defer { try? FileManager.default.removeItem(atPath: path) }
        let f = try SafeTensorsFile(path: path)
        #expect(f.names == ["a", "b"])
        #expect(try f.floats("b") == [1, 2, 3, 4, 5, 6])
        #expect(try f.info("b").shape == [2, 3])
        #expect(try f.ints("a") == [7, -8, 9, 10])
        #expect(f.metadata["format"] == "pt")
        // The header is padded so that the data starts 8-byte aligned.
        #expect(f.dataStart % 8 == 0)
    }

    @Test func halfPrecisionConverts() throws {
        // F16 1.5 = 0x3E00, BF16 -2 = 0xC000, hand-built file.
        let header = #"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"g":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]}}"#
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(Data(header.utf8))
        d.append(contentsOf: [0x00, 0x3E, 0x00, 0xC0])
        let path = try tempFile(d); defer { try? FileManager.default.removeItem(atPath: path) }
        let f = try SafeTensorsFile(path: path)
        #expect(try f.floats("h") == [1.5])
        #expect(try f.floats("g") == [-2])
    }

    @Test func errorsNameTheFileTheTensorAndTheProblem() throws {
        #expect(throws: FormatError.self) { _ = try SafeTensorsFile(path: "/no/such/file.safetensors") }
        let good = try sample
        let cases: [(Data, String)] = [
            (Data([1, 2, 3]), "too short"),
            (Data(repeating: 0xFF, count: 64), "header length"),
            (good.prefix(good.count - 5), "outside"),
        ]
        for (data, expected) in cases {
            let path = try tempFile(data); defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try SafeTensorsFile(path: path)
                Issue.record("accepted a bad file (\(expected))")
            } catch {
                #expect("\(error)".contains(expected) && "\(error)".contains(path), "\(error)")
            }
        }
        // A shape that does not fit its byte range.
        let header = #"{"w":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,8]}}"#
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(Data(header.utf8)); d.append(Data(count: 8))
        let path = try tempFile(d); defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { _ = try SafeTensorsFile(path: path) } throws: { "\($0)".contains("tensor 'w'") && "\($0)".contains("needs") }
    }

    @Test func truncatedAndBitFlippedFilesNeverCrash() throws {
        let good = try sample
        var rng = SystemRandomNumberGenerator()
        for cut in stride(from: 0, to: good.count, by: 3) {
            let path = try tempFile(good.prefix(cut)); defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: FormatError.self) { _ = try SafeTensorsFile(path: path) }
        }
        for _ in 0..<300 {
            var bad = good
            let i = Int.random(in: 0..<bad.count, using: &rng)
            bad[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            let path = try tempFile(bad); defer { try? FileManager.default.removeItem(atPath: path) }
            // Either a clean error or a file whose every tensor reads within bounds.
            if let f = try? SafeTensorsFile(path: path) {
                for name in f.names { _ = try? f.floats(name); _ = try? f.ints(name) }
            }
        }
    }

    @Test func atomicWriteLeavesNoTemporaryFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.safetensors")
        try SafeTensorsWriter.write([SafeTensorsEntry(name: "x", shape: [1], floats: [3])], to: url)
        try SafeTensorsWriter.write([SafeTensorsEntry(name: "x", shape: [1], floats: [4])], to: url)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.safetensors"])
        #expect(try SafeTensorsFile(path: url.path).floats("x") == [4])
        #expect(throws: FormatError.self) {
            try writeAtomically(Data([1]), to: URL(fileURLWithPath: "/no/such/dir/file"))
        }
    }
}

@Suite("safetensors edge cases")
struct SafeTensorsEdgeTests {
    @Test func zeroElementTensorsRead() throws {
        let data = try SafeTensorsWriter.encode([SafeTensorsEntry(name: "empty", shape: [0, 4], floats: [])])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("e-\(UUID().uuidString).safetensors").path
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try SafeTensorsFile(path: path).floats("empty") == [])
    }
}
