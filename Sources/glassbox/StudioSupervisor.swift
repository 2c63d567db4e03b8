import Foundation

/// The studio of `train --serve`, in a process of its own: the same binary running `glassbox serve --supervised`
/// over the same run store. Nothing a request does to the studio (a trap, a hang, a flood of viewers) can stop the
/// training or take its memory; a studio that dies is started again on the same port and the training never
/// notices. The studio ends with the training: it reads its standard input, a pipe this process holds, and stops
/// when the pipe closes, however this process ends (even SIGKILL).
final class StudioSupervisor: @unchecked Sendable {
    /// The line a supervised studio prints once it listens: this prefix, then its address.
    static let readyPrefix = "glassbox-studio-ready "

    private let executable: String
    private let arguments: [String]
    private let environment: [String: String]
    private let log: URL?
    private let lock = NSLock()
    private var process: Process?
    private var stdinPipe: Pipe?
    private var stopping = false
    private var port: Int
    /// The studio's address once it listens.
    private(set) var url = ""
    /// How many times the studio was started again.
    private(set) var restarts = 0
    /// Told when the studio died and was started again (or could not be).
    var onRestart: (@Sendable (String) -> Void)?

    /// `arguments`: serve's options (without the port); `log`: where the studio's error output goes.
    init(arguments: [String], port: Int, environment: [String: String], log: URL?) throws {
        executable = try Self.ownExecutable()
        self.arguments = arguments
        self.port = port
        self.environment = environment
        self.log = log
    }

    /// This binary (the studio is the same program).
    static func ownExecutable() throws -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CommandFailure("--serve: cannot find this program's own executable to start the studio (looked at \(path))")
        }
        return path
    }

    /// Starts the studio and waits until it listens (at most `timeout` seconds); returns its address.
    func start(timeout: Double = 60) throws -> String {
        let url = try launch(timeout: timeout)
        lock.withLock { self.url = url }
        let watcher = Thread { [self] in watch() }
        watcher.name = "glassbox.studio-supervisor"
        watcher.start()
        return url
    }

    /// Stops the studio (SIGTERM, then SIGKILL after 3 s) and does not start it again.
    func stop() {
        let p: Process? = lock.withLock { stopping = true; return process }
        guard let p, p.isRunning else { return }
        p.terminate()
        let deadline = Date().addingTimeInterval(3)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
    }

    private func launch(timeout: Double) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = ["serve", "--supervised", "--port", String(port)] + arguments
        p.environment = environment
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        if let log, let handle = Self.appendHandle(log) {
            p.standardError = handle
        } else {
            p.standardError = FileHandle.standardError
        }
        do { try p.run() } catch { throw CommandFailure("--serve: cannot start the studio (\(executable) serve): \(error)") }
        lock.withLock { process = p; stdinPipe = input }
        // The first line is the address; the rest of its output is read (and dropped) so the pipe never fills.
        let reader = output.fileHandleForReading
        let found = LineWaiter()
        let readerThread = Thread {
            var buffer = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { found.finish(nil); return }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...nl)
                    if line.hasPrefix(Self.readyPrefix) { found.finish(String(line.dropFirst(Self.readyPrefix.count))) }
                }
            }
        }
        readerThread.start()
        guard let url = found.wait(timeout: timeout) else {
            if p.isRunning { p.terminate() }
            p.waitUntilExit()
            let hint = log.map { " (its messages: \($0.path))" } ?? ""
            throw CommandFailure("--serve: the studio did not start (exit status \(p.terminationStatus))\(hint)")
        }
        // Port 0 asked for any free port: later restarts keep the one it got, so open pages reconnect.
        if port == 0, let given = URLComponents(string: url)?.port { port = given }
        return url
    }

    /// Waits for the studio to end; starts it again unless it was stopped.
    private func watch() {
        var delay = 0.2
        while true {
            guard let p = lock.withLock({ process }) else { return }
            p.waitUntilExit()
            if lock.withLock({ stopping }) { return }
            let how = p.terminationReason == .uncaughtSignal ? "signal \(p.terminationStatus)" : "exit status \(p.terminationStatus)"
            while !lock.withLock({ stopping }) {
                Thread.sleep(forTimeInterval: delay)
                do {
                    _ = try launch(timeout: 60)
                    lock.withLock { restarts += 1 }
                    onRestart?("the studio stopped (\(how)) and was started again at \(url)")
                    delay = 0.2
                    break
                } catch {
                    onRestart?("the studio stopped (\(how)) and could not be started again: \(error); trying again in \(Int(min(delay * 2, 30))) s")
                    delay = min(delay * 2, 30)
                }
            }
        }
    }

    private static func appendHandle(_ url: URL) -> FileHandle? {
        let fm = FileManager.default
        try? fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !fm.fileExists(atPath: url.path) { _ = fm.createFile(atPath: url.path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: url.path) else { return nil }
        h.seekToEndOfFile()
        return h
    }
}

/// A value handed from one thread to another once.
private final class LineWaiter: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var value: String?
    private var finished = false

    func finish(_ v: String?) {
        lock.withLock {
            guard !finished else { return }
            finished = true
            value = v
            done.signal()
        }
    }

    func wait(timeout: Double) -> String? {
        _ = done.wait(timeout: .now() + timeout)
        return lock.withLock { value }
    }
}
