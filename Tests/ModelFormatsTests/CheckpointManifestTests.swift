import Foundation
import Testing
@testable import ModelFormats

@Suite("Checkpoint manifests")
struct CheckpointManifestTests {
    /// A folder of three files and its manifest.
    func sealedFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("manifest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("{\"a\": 1}".utf8).write(to: dir.appendingPathComponent("config.json"))
        try Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: dir.appendingPathComponent("model.safetensors"))
        try Data("{}".utf8).write(to: dir.appendingPathComponent("trainer_state.json"))
        try CheckpointManifest.write(folder: dir)
        return dir
    }

    func refusal(_ folder: URL) -> String {
        do { try CheckpointManifest.verify(folder: folder); return "" } catch { return "\(error)" }
    }

    @Test func recordsEveryFileWithItsSizeAndDigest() throws {
        let dir = try sealedFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let manifest = try CheckpointManifest.read(dir.appendingPathComponent("manifest.json").path)
        #expect(manifest.files.map(\.name) == ["config.json", "model.safetensors", "trainer_state.json"])
        for entry in manifest.files {
            let path = dir.appendingPathComponent(entry.name).path
            #expect(entry.sha256 == (try referenceSHA256(path)), "\(entry.name)")
            #expect(entry.bytes == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        }
        #expect(try CheckpointManifest.verify(folder: dir) == .verified(files: 3))
        // A user's KEEP marker and hidden files are not the checkpoint's: they may come later.
        try Data().write(to: dir.appendingPathComponent("KEEP"))
        try Data("x".utf8).write(to: dir.appendingPathComponent(".DS_Store"))
        #expect(try CheckpointManifest.verify(folder: dir) == .verified(files: 3))
        // No manifest: a folder from before manifests, unchecked.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("manifest.json"))
        #expect(try CheckpointManifest.verify(folder: dir) == .absent)
    }

    /// A flipped bit in any file, a truncated or extended file, a missing or added file, a manifest edited or
    /// broken: each refused with the folder and the file named.
    @Test func everyDifferenceIsRefusedNamingTheFile() throws {
        let dir = try sealedFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["config.json", "model.safetensors", "trainer_state.json"] {
            let url = dir.appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            for position in [0, original.count / 2, original.count - 1] {
                var flipped = original
                flipped[position] ^= 0x10
                try flipped.write(to: url)
                let m = refusal(dir)
                #expect(m.contains(dir.path) && m.contains("\(name) does not match its manifest (SHA-256"), "\(m)")
            }
            try original.dropLast().write(to: url)
            #expect(refusal(dir).contains("\(name) does not match its manifest (\(original.count - 1) bytes, the manifest says \(original.count): truncated"))
            try (original + Data([0])).write(to: url)
            #expect(refusal(dir).contains("extended"))
            try FileManager.default.removeItem(at: url)
            #expect(refusal(dir).contains("checkpoint file \(name) is missing"))
            try original.write(to: url)
            #expect(refusal(dir).isEmpty)
        }
        // A file the manifest does not list (e.g. a second weights shard a loader would pick up).
        let extra = dir.appendingPathComponent("model-00002.safetensors")
        try Data("x".utf8).write(to: extra)
        #expect(refusal(dir).contains("model-00002.safetensors is not in its manifest"))
        try FileManager.default.removeItem(at: extra)
        // An entry removed from the manifest: that file is then one the manifest does not list.
        let manifestURL = dir.appendingPathComponent("manifest.json")
        let manifest = try Data(contentsOf: manifestURL)
        var edited = try CheckpointManifest.read(manifestURL.path)
        edited.files.removeAll { $0.name == "trainer_state.json" }
        try JSONEncoder().encode(edited).write(to: manifestURL)
        #expect(refusal(dir).contains("trainer_state.json is not in its manifest"))
        // Entries that escape the folder or are listed twice; a broken manifest; an unknown format.
        for bad in ["../x", "", "manifest.json"] {
            var e = try CheckpointManifest.read(manifestURL.path)
            e.files.append(.init(name: bad, bytes: 0, sha256: String(repeating: "0", count: 64)))
            try JSONEncoder().encode(e).write(to: manifestURL)
            #expect(refusal(dir).contains("not a file name a checkpoint holds"), "\(bad)")
        }
        try Data("{\"format\": ".utf8).write(to: manifestURL)
        #expect(refusal(dir).contains("manifest.json: not a checkpoint manifest"))
        var other = try JSONDecoder().decode(CheckpointManifest.self, from: manifest)
        other.format = "glassbox-checkpoint-manifest-9"
        try JSONEncoder().encode(other).write(to: manifestURL)
        #expect(refusal(dir).contains("unknown manifest format"))
        try manifest.write(to: manifestURL)
        #expect(refusal(dir).isEmpty)
        // A subfolder is no checkpoint file: refused on write and on read.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        #expect(refusal(dir).contains("sub is not in its manifest"))
        #expect(throws: FormatError.self) { try CheckpointManifest.write(folder: dir) }
    }
}
