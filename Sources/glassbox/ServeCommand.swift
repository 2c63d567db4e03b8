import ArgumentParser
import Foundation
import Studio
import RunStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Glassbox Studio: watch runs train, live in the browser (runs, charts, comparison).",
        discussion: """
        Serves the studio's pages and its JSON API (docs/studio-api.md) over the runs directory, offline. Binds \
        127.0.0.1 unless --host says otherwise; any other address needs a token (given with --token, or generated \
        and printed once), which every request must then carry. Ctrl-C stops the server.
        """
    )

    @OptionGroup var options: StudioOptions
    @Flag(help: .hidden) var supervised = false

    func run() async throws {
        if supervised {
            // Started by `train --serve`: its address on one line for the training process, and an end when that
            // process ends (its pipe on our standard input closes, however it ended).
            let watcher = Thread {
                while !FileHandle.standardInput.availableData.isEmpty {}
                Foundation.exit(0)
            }
            watcher.start()
            try await options.serve(announce: { url in
                print(StudioSupervisor.readyPrefix + url)
                Terminal.flush()
            })
            return
        }
        try await options.serve(announce: { url in
            print(Terminal.bold("Glassbox Studio") + " at " + url)
            print(Terminal.dim("  runs from \(RunStores.url(option: options.store).map(PostgresURL.redacting) ?? options.runsDir) · Ctrl-C to stop"))
        })
    }
}

struct StudioOptions: ParsableArguments {
    @Option(help: "Where runs are stored.") var runsDir: String = "runs"
    @Option(help: "A shared run store, postgres://USER@HOST/DATABASE (?sslmode=require for TLS; the password from the URL or PGPASSWORD). Default: $GLASSBOX_STORE, else the runs directory.") var store: String?
    @Option(help: "Address to bind (default 127.0.0.1; any other address requires a token).") var host: String = "127.0.0.1"
    @Option(help: "Port (0: any free port).") var port: Int = 8080
    @Option(help: "Access token required on every request (generated when binding beyond this machine).") var token: String?
    @Flag(help: "Open the studio in the default browser.") var open = false
    @Option(help: "A model to offer for inspection besides the bundled one and the runs' checkpoints (a .gguf file or a model folder; repeatable).")
    var model: [String] = []

    func serverOptions() throws -> StudioServer.Options {
        guard !runsDir.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--runs-dir is empty: give a folder for the runs") }
        var o = StudioServer.Options(runsDirectory: URL(fileURLWithPath: runsDir))
        o.storeURL = RunStores.url(option: store)
        o.host = host
        o.port = port
        o.token = token
        o.models = model
        if token == nil && !StudioServer.isLoopback(host) {
            let generated = StudioServer.generateToken()
            o.token = generated
            print(Terminal.yellow("token: ") + generated + Terminal.dim("  (binding \(host): every request needs it; shown once)"))
        }
        return o
    }

    /// Serves until Ctrl-C or SIGTERM (graceful shutdown) when `handleSignals`.
    func serve(handleSignals: Bool = true, announce: @escaping @Sendable (String) -> Void) async throws {
        let server: StudioServer
        do { server = try StudioServer(options: try serverOptions()) } catch let e as StudioError { throw ValidationError(e.description) }
        let openBrowser = open
        do {
            try await server.run(handleSignals: handleSignals) { url in
                announce(url)
                if openBrowser { Self.openBrowser(url) }
                Terminal.flush()
            }
        } catch {
            throw CommandFailure(Self.describe(error, host: host, port: port))
        }
    }

    static func describe(_ error: Error, host: String, port: Int) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
            return "port \(port) on \(host) is already in use (another studio?): choose another with --port, or --port 0 for any free port"
        }
        if text.contains("Cannot assign requested address") || text.contains("errno: 99") {
            return "cannot bind \(host): it is not an address of this machine"
        }
        return "the studio could not serve on \(host):\(port): \(text)"
    }

    static func openBrowser(_ url: String) {
        var failures: [String] = []
        for tool in ["/usr/bin/xdg-open", "/usr/bin/sensible-browser"] where FileManager.default.isExecutableFile(atPath: tool) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = [url]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            do { try p.run(); return } catch { failures.append("\(tool): \(error.localizedDescription)") }
        }
        Terminal.err("--open: " + (failures.isEmpty ? "no browser launcher (xdg-open) found" : "no browser launcher started (\(failures.joined(separator: "; ")))") + "; open \(url) yourself")
    }
}

/// A failure at run time (not a usage error): printed as "Error: …" without the usage text, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
