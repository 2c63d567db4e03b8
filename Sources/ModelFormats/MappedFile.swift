import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory-mapped file: tensors are read in place, never copied whole into memory.
package final class MappedFile: @unchecked Sendable {
    package let path: String
    package let bytes: UnsafeRawBufferPointer
    /// Whether `bytes` is our own copy (freed on deinit) rather than a mapping.
    private let owned: Bool

    /// The bytes of something that is not a file (a buffer received over the network, a fuzzer's input), copied;
    /// `name` stands for the path in error messages.
    package init(copying source: UnsafeRawBufferPointer, name: String) {
        path = name
        owned = true
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 64)
        if let base = source.baseAddress, source.count > 0 { copy.baseAddress!.copyMemory(from: base, byteCount: source.count) }
        bytes = UnsafeRawBufferPointer(start: copy.baseAddress, count: source.count)
    }

    package init(path: String) throws {
        self.path = path
        owned = false
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw FormatError(file: path, errno == ENOENT ? "no such file" : "cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw FormatError(file: path, "cannot stat") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FormatError(file: path, "not a regular file") }
        let size = Int(st.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FormatError(file: path, "cannot memory-map (\(String(cString: strerror(errno))))")
        }
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if owned { UnsafeMutableRawPointer(mutating: base).deallocate() } else { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    package var count: Int { bytes.count }

    /// A little-endian integer at a byte offset (caller checks bounds).
    package func load<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
        T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// Writes a file atomically: the bytes go to a temporary file beside it, which is then renamed over the target,
/// so a reader never sees a half-written file and a failure leaves the old one intact.
package func writeAtomically(_ data: Data, to url: URL) throws {
    let dir = url.deletingLastPathComponent()
    let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    do {
        try data.write(to: tmp)
        if rename(tmp.path, url.path) != 0 {
            throw FormatError(file: url.path, "cannot rename into place (\(String(cString: strerror(errno))))")
        }
    } catch {
        // best effort: the write's own error is the one to report; a leftover temporary file is hidden and harmless
        try? FileManager.default.removeItem(at: tmp)
        if error is FormatError { throw error }
        throw FormatError(file: url.path, "cannot write (\(error.localizedDescription))")
    }
}
