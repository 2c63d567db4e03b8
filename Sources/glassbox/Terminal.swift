import Foundation

/// Terminal conventions: colour only on a TTY and never with NO_COLOR; progress bars only on a TTY.
enum Terminal {
    static let isTTY = isatty(STDOUT_FILENO) == 1
    static let useColor = isTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        && ProcessInfo.processInfo.environment["TERM"] != "dumb"

    static func color(_ s: String, _ code: String) -> String { useColor ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    static func bold(_ s: String) -> String { color(s, "1") }
    static func dim(_ s: String) -> String { color(s, "2") }
    static func yellow(_ s: String) -> String { color(s, "33") }
    static func red(_ s: String) -> String { color(s, "31") }
    static func green(_ s: String) -> String { color(s, "32") }

    static func err(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// A one-line progress display on standard error for work that takes more than a second: the part being
    /// computed and a bar, redrawn at most ten times a second; nothing when standard error is not a terminal.
    final class Progress: @unchecked Sendable {
        private let enabled: Bool
        private let started = Date()
        private var lastDraw = Date.distantPast
        private var drawn = false
        private let lock = NSLock()

        init(enabled: Bool = true) { self.enabled = enabled && isatty(STDERR_FILENO) == 1 }

        func update(_ part: String, _ fraction: Double) {
            guard enabled else { return }
            lock.lock(); defer { lock.unlock() }
            let now = Date()
            guard now.timeIntervalSince(started) > 1, now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 30, filled = Int((fraction * Double(width)).rounded())
            let bar = String(repeating: "█", count: max(0, min(width, filled))) + String(repeating: "░", count: max(0, width - filled))
            let line = String(format: "\r%@ %@ %3.0f%%  %@", Terminal.padded(part, 13), bar, fraction * 100, Terminal.duration(now.timeIntervalSince(started)))
            FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
            drawn = true
        }

        func finish() {
            lock.lock(); defer { lock.unlock() }
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); drawn = false }
        }
    }

    /// A sparkline of the values (8 levels), downsampled to at most `width` points.
    static func sparkline(_ values: [Double], width: Int = 60) -> String {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max(), !values.isEmpty else { return "" }
        let blocks = Array("▁▂▃▄▅▆▇█")
        let n = min(width, values.count)
        var out = ""
        for i in 0..<n {
            let a = i * values.count / n, b = max(a + 1, (i + 1) * values.count / n)
            let chunk = values[a..<b].filter(\.isFinite)
            guard !chunk.isEmpty else { out.append(" "); continue }
            let v = chunk.reduce(0, +) / Double(chunk.count)
            let level = hi > lo ? Int((v - lo) / (hi - lo) * 7.999) : 3
            out.append(blocks[max(0, min(7, level))])
        }
        return out
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "--:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%02d:%02d", t / 60, t % 60)
    }

    /// Sends what was printed on its way (a token, a progress line) now. `fflush(nil)` flushes every output
    /// stream, stdout with them: the C global `stdout` is mutable state Swift 6 does not let a program touch.
    static func flush() { fflush(nil) }

    /// One JSON object on one line, keys sorted. JSON has no NaN or infinity: such numbers print as null.
    static func jsonLine<Document: Encodable>(_ document: Document) -> String {
        // The encoder writes a non-finite number as a marker string (a NUL no real text here holds, then its name),
        // and each marker, quotes and all, becomes null.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "\u{0}inf", negativeInfinity: "\u{0}-inf", nan: "\u{0}nan")
        do {
            var text = String(decoding: try encoder.encode(document), as: UTF8.self)
            for marker in [#""\u0000inf""#, #""\u0000-inf""#, #""\u0000nan""#] { text = text.replacingOccurrences(of: marker, with: "null") }
            return text
        } catch {
            // What is not JSON here is a bug of the command: the line is {} and the terminal says so.
            Terminal.err("warning: this --json line could not be encoded (\(error)): printed as {}")
            return "{}"
        }
    }
}

/// Set by SIGINT or SIGTERM: the trainer checkpoints and stops at the end of the step.
nonisolated(unsafe) var interruptRequested = false
/// The signal that asked to stop (SIGINT or SIGTERM), for the exit status 128 + signal.
nonisolated(unsafe) var interruptSignal: Int32 = 0

/// Ctrl-C and `kill` (SIGTERM, as service managers and container runtimes stop a process) both checkpoint and
/// stop; a second signal exits at once with 128 + signal.
func installInterruptHandler() {
    let handler: @convention(c) (Int32) -> Void = { sig in
        if interruptRequested { _exit(128 + sig) }
        interruptSignal = sig
        interruptRequested = true
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
    // A parent may have started us with these signals blocked (the mask is inherited): unblock them.
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// The bundled corpus, wherever the binary is run from: `$GLASSBOX_DATA`, `./data/tinyshakespeare.txt`, then beside
/// the executable (found through /proc/self/exe, so a binary on the PATH works too): `<bin>/../share/glassbox/` as
/// `make install` lays it out, `<bin>/data/`, and the `data/` folder of the package checkout it was built in.
func defaultCorpusPath() -> String? { defaultDataPath("tinyshakespeare.txt") }

/// A bundled data file (`name` in data/), looked for as the corpus is.
func defaultDataPath(_ name: String) -> String? {
    let fm = FileManager.default
    var candidates = ["data/\(name)"]
    if name == "tinyshakespeare.txt", let env = ProcessInfo.processInfo.environment["GLASSBOX_DATA"], !env.isEmpty { candidates.insert(env, at: 0) }
    // A probe: without /proc (not Linux) the executable is found from argv[0] instead.
    let exe = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")).map { URL(fileURLWithPath: $0) }
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    candidates.append(dir.deletingLastPathComponent().appendingPathComponent("share/glassbox/\(name)").path)
    for _ in 0..<5 {
        candidates.append(dir.appendingPathComponent("data/\(name)").path)
        dir = dir.deletingLastPathComponent()
    }
    return candidates.first { fm.fileExists(atPath: $0) }
}

extension Terminal {
    /// `s` padded with spaces to `width` characters (`%-18@` in String(format:) does not pad on Linux).
    /// 812345 → "812k", 134515008 → "134.5M", 1.2e9 → "1.20B".
    static func compactCount(_ n: Int) -> String {
        let v = Double(n)
        if n < 1000 { return "\(n)" }
        if v < 1e6 { return String(format: v < 1e4 ? "%.1fk" : "%.0fk", v / 1e3) }
        if v < 1e9 { return String(format: v < 1e8 ? "%.2fM" : "%.1fM", v / 1e6) }
        return String(format: "%.2fB", v / 1e9)
    }

    static func padded(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
