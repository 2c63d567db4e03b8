import Foundation
import Testing
@testable import ModelFormats

/// `sha256sum`'s digest of a file (the reference: coreutils, not our code).
func referenceSHA256(_ path: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    p.arguments = [path]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(String(decoding: data, as: UTF8.self).prefix(64))
}

@Suite("SHA-256 against sha256sum")
struct SHA256Tests {
    /// Every length around the 55/56/64-byte padding edges and a few larger ones, in one piece and in uneven
    /// pieces, equal `sha256sum`'s digest.
    @Test func matchesSha256sum() throws {
        var rng = SystemRandomNumberGenerator()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for length in [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 4096, 65_537, 1_048_579] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let file = dir.appendingPathComponent("\(length)")
            try Data(bytes).write(to: file)
            let reference = try referenceSHA256(file.path)
            #expect(bytes.withUnsafeBytes { SHA256.hex($0) } == reference, "length \(length)")
            var pieces = SHA256()
            var offset = 0, step = 1
            while offset < length {
                let end = min(length, offset + step)
                pieces.update(Array(bytes[offset..<end]))
                offset = end
                step = step * 7 % 997 + 1
            }
            #expect(pieces.finalizeHex() == reference, "length \(length) in pieces")
        }
        // The standard's own example.
        #expect(Array("abc".utf8).withUnsafeBytes { SHA256.hex($0) } == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
