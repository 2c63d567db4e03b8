import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RunStore
import Studio
import Testing
import Training

/// A runs directory with two recorded runs: "alpha" (named, finished, 3,000 points of train/loss with one spike,
/// validation loss, per-parameter norms, histograms, samples, a warning, checkpoints) and an unnamed one.
func makeRuns() throws -> (dir: URL, alpha: String, beta: String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-studio-\(UUID().uuidString.prefix(8))")
    let db = try RunDatabase(directory: dir)
    var config = TrainConfig(dataPath: "/data/tinyshakespeare.txt")
    config.name = "alpha"
    config.steps = 3000
    let a = RunRecorder(database: db)
    try a.runStarted(RunStart(id: "20261126-100000-aaaa", config: config, parameterCount: 1234, resumedAt: nil))
    for step in 1...3000 {
        var values: [(tag: String, value: Double)] = [("train/loss", step == 1234 ? 50 : 4 - Double(step) / 1000),
                                                      ("train/lr", 1e-3)]
        if step % 100 == 0 {
            values += [("grad_norm/transformer.h.1.mlp.c_fc.weight", 0.5), ("grad_norm/transformer.h.10.mlp.c_fc.weight", 2),
                       ("update_ratio/transformer.h.1.mlp.c_fc.weight", 1e-3), ("update_ratio/transformer.h.10.mlp.c_fc.weight", 1e-2)]
        }
        a.scalars(step: step, wallTime: 1_800_000_000 + Double(step), values)
        if step % 500 == 0 {
            a.scalars(step: step, wallTime: 1_800_000_000 + Double(step), [("val/loss", 4.5 - Double(step) / 1500)])
            a.histogram(step: step, tag: "weight/transformer.wte.weight", Histogram(min: -1, max: 1, counts: [1, 5, 10, 5, 1]))
            a.sample(step: step, text: "sample at \(step)")
            a.checkpoint(step: step, path: "/runs/alpha/checkpoints/step-\(step)")
        }
    }
    a.message(step: 2500, level: "warning", text: "validation loss rose")
    a.runEnded(status: "finished", step: 3000)
    try a.flush()
    var other = TrainConfig(dataPath: "/data/other.txt")
    other.steps = 10
    other.learningRate = 3e-3
    let b = RunRecorder(database: db)
    try b.runStarted(RunStart(id: "20261126-110000-bbbb", config: other, parameterCount: 99, resumedAt: nil))
    b.scalars(step: 1, wallTime: 1_800_000_000, [("train/loss", 3)])
    b.runEnded(status: "interrupted", step: 1)
    try b.flush()
    return (dir, "20261126-100000-aaaa", "20261126-110000-bbbb")
}

func app(_ dir: URL, token: String? = nil) throws -> some ApplicationProtocol {
    var options = StudioServer.Options(runsDirectory: dir)
    options.token = token
    options.pollInterval = 0.05
    return try StudioServer(options: options).application()
}

func json(_ r: TestResponse) throws -> Any { try JSONSerialization.jsonObject(with: Data(buffer: r.body)) }

@Suite("Studio API")
struct StudioAPITests {
    @Test func runsListAndOneRun() async throws {
        let (dir, alpha, beta) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        try await app(dir).test(.router) { client in
            try await client.execute(uri: "/api/runs", method: .get) { r in
                #expect(r.status == .ok && (r.headers[.contentType] ?? "").hasPrefix("application/json"))
                let runs = try json(r) as! [[String: Any]]
                #expect(runs.map { $0["id"] as? String } == [alpha, beta])
                #expect(runs[0]["name"] as? String == "alpha" && runs[0]["status"] as? String == "finished")
                #expect(runs[1]["status"] as? String == "interrupted" && runs[1]["data_set"] as? String == "other.txt")
                let last = runs[0]["last"] as! [String: Double]
                #expect(last["train/loss"] == 1 && last["val/loss"] == 2.5)
                let hp = runs[1]["hyper_parameters"] as! [String: Any]
                #expect(hp["learningRate"] as? Double == 0.003 && hp["layers"] as? Int == 4)
            }
            for key in ["alpha", alpha, "20261126-10"] {
                try await client.execute(uri: "/api/runs/\(key)", method: .get) { r in
                    #expect(r.status == .ok, "\(key)")
                    let o = try json(r) as! [String: Any]
                    #expect(o["id"] as? String == alpha)
                    #expect((o["tags"] as! [String]).contains("train/loss") && (o["histogram_tags"] as! [String]) == ["weight/transformer.wte.weight"])
                    #expect((o["checkpoints"] as! [Any]).count == 6 && (o["messages"] as! [Any]).count == 1 && o["sample_count"] as? Int == 6)
                }
            }
            try await client.execute(uri: "/api/runs/\(alpha)/samples", method: .get) { r in
                let list = try json(r) as! [[String: Any]]
                #expect(list.first?["text"] as? String == "sample at 500")
            }
            try await client.execute(uri: "/api/runs/alpha/messages", method: .get) { r in
                let list = try json(r) as! [[String: Any]]
                #expect(list.first?["level"] as? String == "warning")
            }
            try await client.execute(uri: "/api/runs/alpha/checkpoints", method: .get) { r in
                let list = try json(r) as! [[String: Any]]
                #expect(list.last?["step"] as? Int == 3000)
            }
        }
    }

    /// Buckets keep the envelope: the spike at step 1234 survives 3,000 points in 20 buckets; a zoomed range gets
    /// finer buckets; smoothing is TensorBoard's debiased EMA over the whole series.
    @Test func scalarsAreBucketedWithoutLosingSpikes() async throws {
        let (dir, alpha, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        try await app(dir).test(.router) { client in
            try await client.execute(uri: "/api/runs/alpha/scalars?tag=train/loss&buckets=20", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r) as! [String: Any]
                #expect(o["run"] as? String == alpha && o["tag"] as? String == "train/loss" && o["count"] as? Int == 3000)
                let buckets = o["buckets"] as! [[String: Any]]
                #expect(buckets.count == 20)
                #expect(buckets.reduce(0) { $0 + ($1["count"] as! Int) } == 3000)
                #expect(buckets.contains { ($0["max"] as! Double) == 50 }, "the spike was lost")
                #expect(buckets.first?["first_step"] as? Int == 1 && buckets.last?["last_step"] as? Int == 3000)
                for key in ["first_step", "last_step", "min", "max", "mean", "last", "wall_time"] { #expect(buckets[0][key] != nil, "\(key)") }
            }
            try await client.execute(uri: "/api/runs/alpha/scalars?tag=train/loss&buckets=100&from=1200&to=1299", method: .get) { r in
                let o = try json(r) as! [String: Any]
                let buckets = o["buckets"] as! [[String: Any]]
                #expect(o["count"] as? Int == 100 && buckets.count == 100)
                #expect(buckets.first { $0["first_step"] as? Int == 1234 }?["max"] as? Double == 50)
            }
            try await client.execute(uri: "/api/runs/alpha/scalars?tag=train/loss&buckets=3000&smoothing=0.9", method: .get) { r in
                let o = try json(r) as! [String: Any]
                let buckets = o["buckets"] as! [[String: Any]]
                // The reference: TensorBoard's algorithm written out.
                var last = 0.0, n = 0.0, expected: [Double] = []
                for step in 1...3000 {
                    let v = step == 1234 ? 50 : 4 - Double(step) / 1000
                    last = last * 0.9 + 0.1 * v; n += 1
                    expected.append(last / (1 - pow(0.9, n)))
                }
                let got = buckets.map { $0["smoothed"] as! Double }
                #expect(got.count == 3000 && zip(got, expected).allSatisfy { abs($0 - $1) < 1e-9 })
                #expect((o["ema"] as! [String: Any])["count"] as? Int == 3000)
            }
        }
    }

    /// Series are kept between requests: new points extend them; a rewritten tail (a resumed run) is read again.
    @Test func keptSeriesFollowTheStore() async throws {
        let (dir, alpha, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        @Sendable func count(_ client: some TestClientProtocol) async throws -> (Int, Double?) {
            try await client.execute(uri: "/api/runs/alpha/scalars?tag=train/loss&buckets=10000", method: .get) { r in
                let o = try json(r) as! [String: Any]
                return (o["count"] as! Int, (o["buckets"] as! [[String: Any]]).last?["last"] as? Double)
            }
        }
        try await app(dir).test(.router) { client in
            #expect(try await count(client).0 == 3000)
            try await db.pool.write { d in
                try d.execute(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES (?, 'train/loss', 3001, 0, 7)", arguments: [alpha])
            }
            let appended = try await count(client)
            #expect(appended.0 == 3001 && appended.1 == 7)
            // A resume from step 2000, as the trainer records it: the tail is deleted and recorded anew.
            let recorder = RunRecorder(database: db)
            var config = TrainConfig(dataPath: "/data/tinyshakespeare.txt")
            config.steps = 3000
            try recorder.runStarted(RunStart(id: alpha, config: config, parameterCount: 1234, resumedAt: 2000))
            recorder.scalars(step: 2001, wallTime: 0, [("train/loss", 9)])
            try recorder.flush()
            let rewritten = try await count(client)
            #expect(rewritten.0 == 2001 && rewritten.1 == 9)
        }
    }

    @Test func parametersHistogramsAndEvents() async throws {
        let (dir, _, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        try await app(dir).test(.router) { client in
            try await client.execute(uri: "/api/runs/alpha/parameters?buckets=10", method: .get) { r in
                let o = try json(r) as! [String: Any]
                // Numeric layer order: h.1 before h.10.
                #expect(o["parameters"] as? [String] == ["transformer.h.1.mlp.c_fc.weight", "transformer.h.10.mlp.c_fc.weight"])
                let g = o["grad_norm"] as! [[Any]]
                #expect(g.count == 2 && g[0].count == 10 && g[1].compactMap { $0 as? Double }.allSatisfy { $0 == 2 })
                #expect((o["steps"] as! [Int]).last == 3000)
            }
            try await client.execute(uri: "/api/runs/alpha/histograms?tag=weight/transformer.wte.weight&buckets=3", method: .get) { r in
                let o = try json(r) as! [String: Any]
                let steps = o["steps"] as! [[String: Any]]
                #expect(steps.count == 3 && steps.last?["step"] as? Int == 3000 && steps[0]["counts"] as? [Int] == [1, 5, 10, 5, 1])
            }
        }
    }

    /// Unknown runs are 404; malformed parameters, bad names and path tricks are 400; all with a JSON message.
    @Test func badRequestsGetJSONErrors() async throws {
        let (dir, _, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, HTTPResponse.Status, String)] = [
            ("/api/runs/nope", .notFound, "no run 'nope'"),
            ("/api/runs/alpha/scalars", .badRequest, "tag is required"),
            ("/api/runs/alpha/scalars?tag=nope", .notFound, "no scalar tag"),
            ("/api/runs/alpha/scalars?tag=train/loss&buckets=0", .badRequest, "buckets"),
            ("/api/runs/alpha/scalars?tag=train/loss&buckets=ten", .badRequest, "buckets"),
            ("/api/runs/alpha/scalars?tag=train/loss&from=9&to=2", .badRequest, "from"),
            ("/api/runs/alpha/scalars?tag=train/loss&smoothing=1.5", .badRequest, "smoothing"),
            ("/api/runs/alpha/histograms?tag=none", .notFound, "histogram"),
            ("/api/runs/..%2F..%2Fetc/scalars?tag=x", .badRequest, "not a run name"),
            ("/api/runs/%2E%2E/samples", .badRequest, "not a run name"),
            ("/api/runs/.hidden", .badRequest, "not a run name"),
            ("/api/runs/a%00b", .badRequest, "not a run name"),
            ("/api/nothing", .notFound, "no endpoint"),
            ("/assets/../Package.swift", .notFound, "no asset"),
            ("/assets/lib/../../Package.swift", .notFound, "no asset"),
            ("/assets/secret.txt", .notFound, "no asset"),
            ("/runs/..%2F..", .badRequest, "not a run name"),
        ]
        try await app(dir).test(.router) { client in
            for (uri, status, text) in cases {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == status, "\(uri): \(r.status)")
                    let o = try? json(r) as? [String: Any]
                    #expect((o?["error"] as? String)?.contains(text) == true, "\(uri): \(String(buffer: r.body))")
                }
            }
            try await client.execute(uri: "/api/runs", method: .post, body: ByteBuffer(string: "x")) { r in
                #expect(r.status == .methodNotAllowed)
            }
            try await client.execute(uri: "/api/runs", method: .get, headers: [.contentLength: "5"], body: ByteBuffer(string: "12345")) { r in
                #expect(r.status == .contentTooLarge)
            }
        }
    }

    @Test func tokenIsEnforced() async throws {
        let (dir, _, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        try await app(dir, token: "s3cret-token").test(.router) { client in
            try await client.execute(uri: "/api/runs", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/api/runs", method: .get, headers: [.authorization: "Bearer wrong-token"]) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/api/runs", method: .get, headers: [.authorization: "Bearer s3cret-token"]) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/api/runs", method: .get, headers: [.cookie: "a=b; glassbox_token=s3cret-token"]) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/runs/alpha?token=s3cret-token&x=1", method: .get) { r in
                #expect(r.status == .seeOther && r.headers[.location] == "/runs/alpha?x=1")
                #expect((r.headers[.setCookie] ?? "").contains("glassbox_token=s3cret-token"))
            }
            try await client.execute(uri: "/?token=nope", method: .get) { r in #expect(r.status == .unauthorized) }
        }
        // Beyond loopback, a token is required.
        var options = StudioServer.Options(runsDirectory: dir)
        options.host = "0.0.0.0"
        #expect(throws: StudioError.self) { try StudioServer(options: options) }
    }

    @Test func pagesAndAssets() async throws {
        let (dir, _, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        try await app(dir).test(.router) { client in
            for page in ["/", "/runs/alpha", "/compare?runs=alpha,20261126-110000-bbbb"] {
                try await client.execute(uri: page, method: .get) { r in
                    #expect(r.status == .ok && (r.headers[.contentType] ?? "").hasPrefix("text/html"), "\(page)")
                    #expect((r.headers[.contentSecurityPolicy] ?? "").contains("default-src 'self'"))
                }
            }
            var etag = ""
            // Modules by their paths under the front end's root (an import is relative to its module).
            try await client.execute(uri: "/assets/lib/format.js", method: .get) { r in
                #expect(r.status == .ok && (r.headers[.contentType] ?? "").hasPrefix("text/javascript"))
                #expect(r.headers[.cacheControl] == "no-cache")
                #expect(String(buffer: r.body).contains("export function compact"))
                etag = r.headers[.eTag] ?? ""
            }
            try await client.execute(uri: "/assets/lib/format.js", method: .get, headers: [.ifNoneMatch: etag]) { r in #expect(r.status == .notModified) }
            try await client.execute(uri: "/assets/studio.js", method: .get) { r in #expect(r.status == .ok) }
            // An address that is no page: the studio's 404 page for a person, JSON for the API and the assets.
            for uri in ["/nothing-here", "/runs/alpha/extra", "/inspect/x"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                    #expect((r.headers[.contentType] ?? "").hasPrefix("text/html"), "\(uri)")
                    #expect(String(buffer: r.body).contains("studio.js"), "\(uri)")
                }
            }
            for uri in ["/api/nothing", "/assets/nothing.js"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound && (r.headers[.contentType] ?? "").hasPrefix("application/json"), "\(uri)")
                }
            }
        }
    }

    /// A live view gets points recorded after it subscribed, as server-sent events.
    @Test func eventsStreamNewPoints() async throws {
        let (dir, alpha, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        // A writer that keeps recording until the stream has ended (however late the request starts on a busy
        // machine, points arrive after it subscribed). A thread of its own, as a training process is: on a busy
        // machine the tests around can hold every thread of the concurrency pool for seconds, and a writer task
        // starved with the stream would record nothing while it is open.
        let done = ManagedAtomicFlag(), finished = ManagedAtomicFlag()
        let failure = LockedText()
        let writer = Thread {
            var step = 3001
            while !done.isSet {
                let s = step
                do {
                    try db.pool.write { d in
                        try d.execute(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES (?, 'train/loss', ?, 0, 0.5)", arguments: [alpha, s])
                        try d.execute(sql: "INSERT INTO samples (run_id, step, text) VALUES (?, ?, 'live sample')", arguments: [alpha, s])
                        try d.execute(sql: "UPDATE runs SET step = ? WHERE id = ?", arguments: [s, alpha])
                    }
                } catch { failure.set("\(error)"); break }
                step += 1
                Thread.sleep(forTimeInterval: 0.05)
            }
            finished.set()
        }
        writer.start()
        try await app(dir).test(.router) { client in
            try await client.execute(uri: "/api/runs/alpha/events?duration=3", method: .get) { r in
                done.set()
                #expect(r.headers[.contentType] == "text/event-stream")
                let text = String(buffer: r.body)
                #expect(text.hasPrefix("event: hello\ndata: "), "\(text.prefix(200))")
                // Only what was recorded after subscribing: new points, not the 3,000 before.
                #expect(text.contains("event: scalars\ndata: {") && text.contains("train\\/loss") && !text.contains("\"step\":2999,"), "\(text.prefix(2000))")
                #expect(text.contains("event: sample\ndata: ") && text.contains("live sample"))
                #expect(text.contains("event: status\ndata: "))
            }
        }
        done.set()
        while !finished.isSet { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(failure.text.isEmpty, "the writer failed: \(failure.text)")
        // The change feed under the endpoint: a cursor, then exactly the rows after it.
        let start = try db.cursor()
        try await db.pool.write { d in
            try d.execute(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES (?, 'train/loss', 3002, 0, 0.25)", arguments: [alpha])
        }
        let changes = try db.changes(run: alpha, after: start)
        #expect(changes.scalars.count == 1 && changes.scalars[0].step == 3002 && changes.cursor.scalars > start.scalars)
        #expect(try db.changes(run: alpha, after: changes.cursor).scalars.isEmpty)
    }
}


/// A flag set once, read from another task.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// Text written by one thread, read by another.
final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    var text: String { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ text: String) { lock.lock(); value = text; lock.unlock() }
}
