import Dispatch
import Foundation

/// The table of contents of a checkpoint folder (`manifest.json`): every file's name, byte size and SHA-256.
///
/// A checkpoint is written whole and then never changed, so any difference on read — a flipped bit on disk, a
/// truncated copy, a file added or lost — means the folder is not what training wrote, and it is refused rather
/// than computed with (a flipped byte in a weight otherwise loads silently and gives other outputs; one in
/// `trainer_state.json` resumes into another state). The manifest is written last, after every other file is
/// complete and before the folder is renamed into place, so a folder with a manifest is a finished one.
///
/// Folders written before manifests existed have none: `verify` answers `.absent` and they still load, unchecked.
///
/// Cost: the files are hashed from a memory mapping in one streaming pass, about 300 MB/s on one core of the
/// development machine (the SmolLM2 GGUF's 98 MB in 0.33 s; `sha256sum`: 0.24 s), two files at once; a model
/// loader hashes only the files it reads (not the optimizer state). Measured numbers: docs/file-integrity.md.
package struct CheckpointManifest: Codable, Sendable, Equatable {
    package static let fileName = "manifest.json"
    package static let currentFormat = "glassbox-checkpoint-manifest-1"

    package struct Entry: Codable, Sendable, Equatable {
        package var name: String
        package var bytes: Int
        package var sha256: String
    }

    package var format: String
    package var files: [Entry]

    /// What `verify` found.
    package enum Status: Sendable, Equatable {
        /// Every file matched the manifest, and no file is missing or added.
        case verified(files: Int)
        /// No manifest: a folder from before manifests, loaded unchecked.
        case absent
    }

    /// Names that may stand in a folder without being in its manifest: a user's `KEEP` marker (added later, to
    /// protect a checkpoint from pruning) and hidden files (never read by any loader).
    static func isExempt(_ name: String) -> Bool { name == "KEEP" || name.hasPrefix(".") }

    /// Hashes every file of `folder` (all written and complete) and writes `manifest.json` last, atomically.
    /// Only plain files are allowed: a subfolder would escape the check.
    @discardableResult
    package static func write(folder: URL) throws -> CheckpointManifest {
        let fm = FileManager.default
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: folder.path) } catch {
            throw FormatError(file: folder.path, "cannot list the checkpoint folder (\(error.localizedDescription))")
        }
        var entries: [Entry] = []
        for name in names.sorted() where name != fileName && !isExempt(name) {
            let (bytes, digest) = try hash(folder.appendingPathComponent(name).path, in: folder)
            entries.append(Entry(name: name, bytes: bytes, sha256: digest))
        }
        let manifest = CheckpointManifest(format: currentFormat, files: entries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(manifest) } catch {
            throw FormatError(file: folder.appendingPathComponent(fileName).path, "cannot encode (\(error))")
        }
        try writeAtomically(data, to: folder.appendingPathComponent(fileName))
        return manifest
    }

    /// The files of a training checkpoint that only a resume reads: a model loader (inspect, generate, the
    /// studio) checks their presence and size but does not hash them, as it never computes with them.
    package static let trainingStateFiles: Set<String> = ["optimizer.safetensors", "trainer_state.json"]

    /// Checks `folder` against its `manifest.json`: every listed file present with its size and SHA-256, and no
    /// other file (besides `KEEP` and hidden files). Throws a `FormatError` naming the folder and the first file
    /// that differs; `.absent` when the folder has no manifest. Files named in `skipHashing` (ones the caller
    /// will not read) are checked for presence and size only. Large files are hashed on two threads at once.
    @discardableResult
    package static func verify(folder: URL, skipHashing: Set<String> = []) throws -> Status {
        let manifestPath = folder.appendingPathComponent(fileName).path
        let fm = FileManager.default
        guard fm.fileExists(atPath: manifestPath) else { return .absent }
        let manifest = try read(manifestPath)
        var listed = Set<String>()
        for entry in manifest.files {
            guard isPlainName(entry.name), entry.name != fileName, listed.insert(entry.name).inserted else {
                throw FormatError(file: manifestPath, "lists '\(FormatError.bounded(entry.name, 120))', which is not a file name a checkpoint holds (or is listed twice)")
            }
            guard entry.bytes >= 0, entry.sha256.utf8.count == 64, entry.sha256.utf8.allSatisfy({ isHexDigit($0) }) else {
                throw FormatError(file: manifestPath, "the entry of \(entry.name) has no valid size and SHA-256")
            }
        }
        let present: [String]
        do { present = try fm.contentsOfDirectory(atPath: folder.path) } catch {
            throw FormatError(file: folder.path, "cannot list the checkpoint folder (\(error.localizedDescription))")
        }
        for name in present.sorted() where name != fileName && !isExempt(name) && !listed.contains(name) {
            throw FormatError(file: folder.path, "checkpoint file \(FormatError.bounded(name, 120)) is not in its manifest (added after the checkpoint was written: remove it, or the folder is not one checkpoint)")
        }
        // Presence and sizes first (cheap, and a truncated file is named as such), then the digests.
        for entry in manifest.files {
            let path = folder.appendingPathComponent(entry.name).path
            guard fm.fileExists(atPath: path) else {
                throw FormatError(file: folder.path, "checkpoint file \(entry.name) is missing (its manifest lists \(entry.bytes) bytes)")
            }
            let size: Int
            do { size = (try fm.attributesOfItem(atPath: path)[.size] as? Int) ?? -1 } catch {
                throw FormatError(file: folder.path, "checkpoint file \(entry.name): cannot read its size (\(error.localizedDescription))")
            }
            guard size == entry.bytes else {
                throw FormatError(file: folder.path, "checkpoint file \(entry.name) does not match its manifest (\(size) bytes, the manifest says \(entry.bytes): \(size < entry.bytes ? "truncated" : "extended"))")
            }
        }
        let hashed = manifest.files.filter { !skipHashing.contains($0.name) }
        let digests = try hashAll(hashed.map { folder.appendingPathComponent($0.name).path }, in: folder)
        for (entry, (bytes, digest)) in zip(hashed, digests) {
            guard bytes == entry.bytes else {
                throw FormatError(file: folder.path, "checkpoint file \(entry.name) does not match its manifest (\(bytes) bytes, the manifest says \(entry.bytes): \(bytes < entry.bytes ? "truncated" : "extended"))")
            }
            guard digest == entry.sha256.lowercased() else {
                throw FormatError(file: folder.path, "checkpoint file \(entry.name) does not match its manifest (SHA-256 \(digest), the manifest says \(entry.sha256.lowercased()): the file changed or is corrupted)")
            }
        }
        return .verified(files: manifest.files.count)
    }

    /// `load`'s value, computed while the folder is verified on another thread, and returned only once the folder
    /// verified: the hashing hides behind the loading (which reads the same pages) instead of adding to it. When
    /// both fail, the manifest's error wins (it names the corrupted file; the loader's names only a symptom).
    package static func verifying<T>(folder: URL, skipHashing: Set<String> = [], _ load: () throws -> T) throws -> T {
        guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(fileName).path) else { return try load() }
        let check = BackgroundCheck { try verify(folder: folder, skipHashing: skipHashing) }
        let loaded = Result { try load() }
        _ = try check.wait()
        return try loaded.get()
    }

    /// Sizes and digests of `paths`, in order. Above a few megabytes in all, two files are hashed at once (the
    /// optimizer state and the weights of a checkpoint are most of its bytes); small folders are hashed inline,
    /// where waking a thread would cost more than it saves.
    static func hashAll(_ paths: [String], in folder: URL) throws -> [(bytes: Int, sha256: String)] {
        // Sizes only order the work: an unreadable one counts as 0 and the file's own hash reports the problem.
        let sizes = paths.map { ((try? FileManager.default.attributesOfItem(atPath: $0))?[.size] as? Int) ?? 0 }
        guard paths.count > 1, sizes.reduce(0, +) > 8 << 20 else { return try paths.map { try hash($0, in: folder) } }
        // Largest first, taken by whichever of the two workers is free.
        let work = HashQueue(order: paths.indices.sorted { sizes[$0] > sizes[$1] }, count: paths.count)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            while let i = work.take() { work.put(i, Result { try hash(paths[i], in: folder) }) }
        }
        return try work.results.map { r in
            guard let r else { throw FormatError(file: folder.path, "a checkpoint file was not hashed") }
            return try r.get()
        }
    }

    /// Reads and checks the form of a `manifest.json` (untrusted, bounded).
    static func read(_ path: String) throws -> CheckpointManifest {
        let file = try MappedFile(path: path)
        guard file.count <= 1 << 20 else { throw FormatError(file: path, "\(file.count) bytes is too large for a checkpoint manifest") }
        let manifest: CheckpointManifest
        do { manifest = try JSONDecoder().decode(CheckpointManifest.self, from: Data(file.bytes)) } catch {
            throw FormatError(file: path, "not a checkpoint manifest (\(String(describing: error).prefix(200)))")
        }
        guard manifest.format == currentFormat else {
            throw FormatError(file: path, "unknown manifest format '\(FormatError.bounded(manifest.format, 64))' (\(currentFormat) is read)")
        }
        return manifest
    }

    /// Size and SHA-256 of one file, streamed from a memory mapping (no copy of the file in memory).
    static func hash(_ path: String, in folder: URL) throws -> (bytes: Int, sha256: String) {
        let file: MappedFile
        do { file = try MappedFile(path: path) } catch let e as FormatError {
            throw FormatError(file: folder.path, "checkpoint file \((path as NSString).lastPathComponent): \(e.problem)")
        }
        // Hash in 1 MiB pieces: the same digest, and the pages are touched in order once.
        var hasher = SHA256()
        var offset = 0
        while offset < file.count {
            let end = min(file.count, offset + (1 << 20))
            hasher.update(UnsafeRawBufferPointer(rebasing: file.bytes[offset..<end]))
            offset = end
        }
        return (file.count, hasher.finalizeHex())
    }

    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && !name.contains("/") && !name.contains("\0") && !isExempt(name)
    }

    static func isHexDigit(_ c: UInt8) -> Bool { (48...57).contains(c) || (97...102).contains(c) || (65...70).contains(c) }
}

/// The files two hashing threads share: the next one to take, and each one's result; under one lock.
private final class HashQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let order: [Int]
    private var next = 0
    private(set) var results: [Result<(bytes: Int, sha256: String), Error>?]

    init(order: [Int], count: Int) {
        self.order = order
        results = Array(repeating: nil, count: count)
    }

    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < order.count else { return nil }
        next += 1
        return order[next - 1]
    }

    func put(_ i: Int, _ r: Result<(bytes: Int, sha256: String), Error>) {
        lock.lock(); defer { lock.unlock() }
        results[i] = r
    }
}

/// A verification running on its own thread until `wait`.
private final class BackgroundCheck: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<CheckpointManifest.Status, Error>?

    init(_ body: @escaping @Sendable () throws -> CheckpointManifest.Status) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.start()
    }

    func wait() throws -> CheckpointManifest.Status {
        done.wait()
        guard let result else { throw FormatError(file: "checkpoint", "the manifest check did not run") }
        return try result.get()
    }
}
