import Foundation
import Testing
@testable import RunStore

/// A PostgreSQL server for this test process (scripts/pg-test-server.sh), stopped by the script's watchdog once the
/// process has ended; nil where Debian's `postgresql` is not installed.
enum TeamPostgres {
    static let installed: Bool = {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.contains { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }
    }()

    static let url: Result<String, Error> = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-cli-pg-\(getpid())").path
        // Output to files, not pipes (the server started by the script would hold a pipe open after the script ends),
        // and waitpid rather than Foundation's Process (which can miss the script's exit while its grandchild lives on).
        let command = "'\(root.path)/scripts/pg-test-server.sh' start '\(folder)' --fast --owner \(getpid()) > '\(folder).url' 2> '\(folder).err'"
        var pid: pid_t = 0
        let args: [String] = ["/bin/bash", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/bash", nil, nil, &argv, environ) == 0 else { return .failure(RunStoreError("cannot run bash")) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        defer { unlink(folder + ".url"); unlink(folder + ".err") }
        guard status == 0 else {
            return .failure(RunStoreError("the test PostgreSQL server did not start: \((try? String(contentsOfFile: folder + ".err", encoding: .utf8)) ?? "")"))
        }
        return .success(((try? String(contentsOfFile: folder + ".url", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
    }()

    /// A new database on the server: its URL (with the password).
    static func freshDatabase(_ name: String) throws -> String {
        var u = try PostgresURL(try url.get())
        let admin = try PostgresRunStore(url: u)
        defer { admin.close() }
        u.database = "\(name)_\(getpid())"
        _ = try admin.rows("CREATE DATABASE \(u.database)")
        var c = URLComponents(string: try url.get())!
        c.path = "/" + u.database
        return c.string!
    }
}

/// Several machines' trainings and studios on one PostgreSQL database (`--store`), as a team would run them.
@Suite("A team's run store on PostgreSQL", .serialized, .enabled(if: TeamPostgres.installed, "needs Debian's postgresql (scripts/setup.sh --test installs it)"))
struct TeamStoreCLITests {
    func startStudio(_ store: String) throws -> (Process, String) {
        let (p, out) = try spawnGlassbox(["serve", "--store", store, "--runs-dir", scratch().path, "--port", "0"])
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline && !text.contains("\n") {
            text += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        }
        guard let r = text.range(of: "http://[^ \\n/]+", options: .regularExpression) else { p.terminate(); throw CancellationError() }
        #expect(!text.contains(try PostgresURL(store).password!), "the studio printed the store's password: \(text)")
        return (p, String(text[r]))
    }

    func get(_ url: String) throws -> (status: Int, json: Any?) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-w", "\n%{http_code}", url]
        let text = try runCombined(p)
        guard let split = text.lastIndex(of: "\n") else { return (0, nil) }
        return (Int(text[text.index(after: split)...]) ?? 0, try? JSONSerialization.jsonObject(with: Data(text[..<split].utf8)))
    }

    func train(_ store: String, name: String, dir: URL, steps: Int, seed: Int) throws -> (Process, URL) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("glassbox")
        p.arguments = ["train", "--preset", "s", "--steps", "\(steps)", "--seed", "\(seed)", "--log-interval", "1", "--threads", "1",
                       "--name", name, "--runs-dir", dir.path, "--json"]
        // The store from the environment, as a team would set it once.
        p.environment = ProcessInfo.processInfo.environment.merging(["GLASSBOX_STORE": store, "NO_COLOR": "1"]) { _, new in new }
        let out = dir.appendingPathComponent("\(name).out")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = FileHandle.nullDevice
        try p.run()
        return (p, out)
    }

    /// Two trainings ("two machines": each its own runs directory) write one database while a studio follows one of
    /// them live and a second studio reads them: every step each training printed is in the store, the live stream
    /// delivered each point once and in order, and both studios list the same runs with host, user and ranks.
    @Test func twoTrainingsAndTwoStudiosOnOneDatabaseLoseNoPoint() throws {
        let store = try TeamPostgres.freshDatabase("team")
        let (studioA, a) = try startStudio(store)
        defer { studioA.terminate(); studioA.waitUntilExit() }
        let (studioB, b) = try startStudio(store)
        defer { studioB.terminate(); studioB.waitUntilExit() }
        let dirs = [scratch(), scratch()]
        defer { dirs.forEach { try? FileManager.default.removeItem(at: $0) } }
        let steps = 60
        let jobs = try [train(store, name: "alpha", dir: dirs[0], steps: steps, seed: 1), train(store, name: "beta", dir: dirs[1], steps: steps, seed: 2)]
        // Studio A follows alpha live from the moment it appears.
        var deadline = Date().addingTimeInterval(60)
        while Date() < deadline, try get("\(a)/api/runs/alpha").status != 200 { Thread.sleep(forTimeInterval: 0.05) }
        let streamOut = dirs[0].appendingPathComponent("events.txt")
        // curl started and ended with posix_spawn/kill/waitpid (SIGKILL: a spawned child inherits the test thread's
        // blocked signals, SIGTERM among them).
        var streamPID: pid_t = 0
        let args: [String] = ["/usr/bin/curl", "-s", "-N", "-o", streamOut.path, "\(a)/api/runs/alpha/events?duration=120"]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&streamPID, "/usr/bin/curl", nil, nil, &argv, environ) == 0)
        for (p, _) in jobs { p.waitUntilExit(); #expect(p.terminationStatus == 0) }
        // The stream hears the last commit (NOTIFY) and the final status.
        deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !((try? String(contentsOf: streamOut, encoding: .utf8)) ?? "").contains("\"finished\"") { Thread.sleep(forTimeInterval: 0.1) }
        kill(streamPID, SIGKILL)
        var status: Int32 = 0
        while waitpid(streamPID, &status, 0) < 0 && errno == EINTR {}

        for (name, (_, out)) in zip(["alpha", "beta"], jobs) {
            let printed = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let printedLoss = Dictionary(uniqueKeysWithValues: printed.compactMap { o -> (Int, Double)? in
                guard let s = o["step"] as? Int, let l = o["loss"] as? Double else { return nil }
                return (s, l)
            })
            #expect(printedLoss.count == steps, "\(name): \(printedLoss.count) steps printed")
            for base in [a, b] {
                let series = try get("\(base)/api/runs/\(name)/scalars?tag=train/loss&buckets=1000")
                let buckets = ((series.json as? [String: Any])?["buckets"] as? [[String: Any]]) ?? []
                let stored = Dictionary(uniqueKeysWithValues: buckets.map { ($0["last_step"] as! Int, $0["last"] as! Double) })
                #expect(stored == printedLoss, "\(name) in studio \(base): \(stored.count) points stored, \(printedLoss.count) printed")
            }
        }
        // Every point the live stream sent, once and in order, from where it joined to the last step.
        let events = try String(contentsOf: streamOut, encoding: .utf8)
        var streamed: [Int] = []
        for line in events.split(separator: "\n") where line.hasPrefix("data: ") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                  let points = o["points"] as? [[String: Any]] else { continue }
            streamed += points.filter { $0["tag"] as? String == "train/loss" }.compactMap { $0["step"] as? Int }
        }
        #expect(streamed.last == steps && !streamed.isEmpty, "\(streamed)")
        #expect(streamed == Array((streamed.first ?? 1)...steps), "\(streamed)")
        #expect(events.contains("event: status") && events.contains("\"finished\""))
        // Both studios list both runs, each with who and where it ran.
        for base in [a, b] {
            let runs = (try get("\(base)/api/runs").json as? [[String: Any]]) ?? []
            #expect(Set(runs.compactMap { $0["name"] as? String }) == ["alpha", "beta"])
            for r in runs {
                #expect(r["host"] as? String == RunRecord.thisHost && r["ranks"] as? Int == 1 && r["user"] as? String == RunRecord.thisUser)
                #expect(r["status"] as? String == "finished")
            }
        }
        // The CLI reads the same store, from the option or the environment, and never prints the password.
        let listed = try glassbox(["runs", "list", "--json", "--store", store])
        #expect(listed.status == 0, "\(listed.err)")
        #expect(listed.out.contains("\"alpha\"") && listed.out.contains("\"beta\""))
        let viaEnv = try glassbox(["runs", "show", "alpha"], environment: ["GLASSBOX_STORE": store])
        #expect(viaEnv.status == 0 && viaEnv.out.contains("alpha"), "\(viaEnv.err)")
        // A run's TensorBoard files, imported into the shared store.
        let imported = try glassbox(["import-tensorboard", dirs[1].path, "--store", store, "--json"])
        #expect(imported.status == 0, "\(imported.err)")
        let password = try PostgresURL(store).password!
        for text in [listed.out, listed.err, viaEnv.out, viaEnv.err, imported.out, imported.err] { #expect(!text.contains(password)) }
        let after = try glassbox(["runs", "list", "--json", "--store", store])
        #expect(after.out.contains("imported"), "\(after.out)")
    }

    @Test func aWrongPasswordOrAnUnreachableServerIsAClearErrorAtOnce() throws {
        let good = try PostgresURL(try TeamPostgres.url.get())
        let wrong = "postgres://\(good.user):Wr0ngPa55w0rd@\(good.host):\(good.port)/\(good.database)"
        var start = Date()
        let r = try glassbox(["runs", "list", "--store", wrong])
        #expect(r.status != 0 && r.err.contains("password authentication failed") && !r.err.contains("Wr0ngPa55w0rd"), "\(r.err)")
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let t = try glassbox(["train", "--preset", "s", "--steps", "5", "--runs-dir", dir.path, "--store", wrong])
        #expect(t.status != 0 && t.err.contains("password authentication failed"), "\(t.err)")
        let s = try glassbox(["serve", "--port", "0", "--store", wrong])
        #expect(s.status != 0 && s.err.contains("password authentication failed") && !(s.out + s.err).contains("Wr0ngPa55w0rd"), "\(s.err)")
        // A port where nothing listens.
        let closed = try glassbox(["runs", "list", "--store", "postgres://\(good.user):Wr0ngPa55w0rd@127.0.0.1:1/x"])
        #expect(closed.status != 0 && closed.err.contains("cannot connect to the run store postgres://\(good.user)@127.0.0.1:1/x"), "\(closed.err)")
        #expect(Date().timeIntervalSince(start) < 30)
        // Not a store URL at all.
        start = Date()
        let bad = try glassbox(["runs", "list", "--store", "mysql://a:b@c/d"])
        #expect(bad.status != 0 && bad.err.contains("neither a postgres://") && !bad.err.contains(":b@"), "\(bad.err)")
    }
}
