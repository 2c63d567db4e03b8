import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import RunStore
@testable import Studio
import Testing

/// Requests as a hostile client writes them: every route, every parameter, values at and beyond every edge. None
/// may reach a 5xx (or trap: the test process would die with it).
@Suite("Studio: hostile requests")
struct StudioHostileTests {
    @Test func queriesAreFormDecodedOnce() throws {
        let q = try Query(raw: "prompt=Once+upon+a%20time&x=a%2Bb&e=&tok=%E4%BD%A0", route: "/t", allowed: ["prompt", "x", "e", "tok"])
        #expect(q.values["prompt"] == "Once upon a time" && q.values["x"] == "a+b" && q.values["e"] == "" && q.values["tok"] == "你")
        let bad: [(String, String)] = [
            ("x=%zz", "two hexadecimal digits"), ("x=%4", "two hexadecimal digits"), ("x=%FF%FE", "not valid UTF-8"),
            ("x=1&x=2", "given twice"), ("nope=1", "takes no parameter 'nope'"), ("=3", "without a parameter name"),
        ]
        for (raw, text) in bad {
            do {
                _ = try Query(raw: raw, route: "/t", allowed: ["x"])
                Issue.record("\(raw) was accepted")
            } catch let e as APIError {
                #expect(e.status == .badRequest && e.message.contains(text), "\(raw): \(e.message)")
            }
        }
        #expect(throws: APIError.self) { _ = try Query(raw: "x=1", route: "/t", allowed: ["x"]).int("x", 2...3, default: nil) }
        for v in ["nan", "inf", "-inf", "1e400"] {
            #expect(throws: APIError.self) { _ = try Query(raw: "x=\(v)", route: "/t", allowed: ["x"]).float("x", -10...10, default: 0) }
            #expect(throws: APIError.self) { _ = try Query(raw: "x=\(v)", route: "/t", allowed: ["x"]).double("x", -10...10, default: 0) }
        }
    }

    /// The bucket of a step over any 64-bit range, without overflow (a range given as Int.min / 2 ... Int.max / 2
    /// trapped the server before).
    @Test func bucketsOverTheWholeRange() {
        #expect(SeriesSummary.bucket(of: 0, from: Int.min / 2, to: Int.max / 2, buckets: 1000) == 500)
        #expect(SeriesSummary.bucket(of: Int.max, from: Int.min, to: Int.max, buckets: 10) == 9)
        #expect(SeriesSummary.bucket(of: Int.min, from: Int.min, to: Int.max, buckets: 10) == 0)
        #expect(SeriesSummary.bucket(of: 0, from: Int.min, to: Int.max, buckets: 10) == 5)
        #expect(SeriesSummary.bucket(of: 5, from: 0, to: 9, buckets: 10) == 5)
        #expect(SeriesSummary.bucket(of: 1, from: 0, to: 1, buckets: 1000) == 500)
    }

    @Test func scalarRangesAtTheExtremes() async throws {
        let (dir, _, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        try await app(dir).test(.router) { client in
            for (from, to) in [("-4611686018427387904", "4611686018427387903"), (String(Int.min), String(Int.max)), ("-9007199254740993", "0")] {
                try await client.execute(uri: "/api/runs/alpha/scalars?tag=train/loss&from=\(from)&to=\(to)", method: .get) { r in
                    #expect(r.status == .badRequest, "\(from)...\(to): \(r.status)")
                    #expect(String(buffer: r.body).contains("from must be an integer in"), "\(String(buffer: r.body))")
                }
            }
            try await client.execute(uri: "/api/runs/alpha/scalars?tag=train/loss&from=-9007199254740992&to=9007199254740992&buckets=7", method: .get) { r in
                #expect(r.status == .ok)
                let o = try json(r) as? [String: Any]
                #expect((o?["buckets"] as? [Any])?.count == 1, "3,000 steps in one of 7 buckets over 2^54 steps")
            }
            try await client.execute(uri: "/api/runs/alpha/scalars?tag=train%2Floss&buckets=+10+", method: .get) { r in
                #expect(r.status == .ok, "a form-encoded tag and a number with spaces around it")
            }
        }
    }

    /// Every route with each of its parameters set to hostile values, one at a time: a 4xx naming the problem or an
    /// answer, never a 5xx. Model routes name a model that does not exist, so valid values end in a 404 after every
    /// parameter was checked, instead of running an analysis.
    @Test func everyRouteWithHostileValues() async throws {
        let (dir, alpha, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        let long = String(repeating: "x", count: 100_000)
        let hostile = ["", "0", "-1", String(Int.min), String(Int.max), "9223372036854775808", "-9223372036854775809", "NaN", "nan", "inf",
                       "-Infinity", "1e308", "1e-320", "0x10", "%00", "%FF%FE%FD", "%zz", "%", "+", "a,b,,c", ",,,", "-1,-2",
                       "99999999999999999999,1", "0:0:0", "head:99999:99999:1e9", "neuron:-1:-1:nan", long, "..%2F..%2Fetc%2Fpasswd",
                       "%E4%BD%A0%E5%A5%BD", "\u{0}".addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""]
        let runRoutes: [(String, [String])] = [
            ("/api/runs", []), ("/api/runs/\(alpha)", []), ("/api/runs/alpha/scalars", ["tag", "buckets", "from", "to", "smoothing"]),
            ("/api/runs/alpha/histograms", ["tag", "buckets"]), ("/api/runs/alpha/parameters", ["buckets"]), ("/api/runs/alpha/samples", []),
            ("/api/runs/alpha/messages", []), ("/api/runs/alpha/checkpoints", []), ("/api/runs/alpha/probes", []),
            ("/api/runs/alpha/figures", ["name"]), ("/api/runs/alpha/translate", ["text", "step"]), ("/api/runs/unknown-run/scalars", ["tag"]),
            ("/api/models", []), ("/api/cancel", ["job"]),
        ]
        let modelRoutes: [(String, [String])] = [
            ("/api/inspect?model=nope&prompt=hi", Array(StudioAPI.inspectParameters)),
            ("/api/patch?model=nope&clean=a&corrupted=b&answer=c&wrong=d", ["model", "clean", "corrupted", "answer", "wrong", "job", "stream"]),
            ("/api/generate?model=nope&prompt=hi", ["model", "prompt", "chat", "system", "max_tokens", "temperature", "top_k", "top_p", "min_p",
                                                     "repeat_penalty", "seed", "alternatives", "job"] + Array(StudioAPI.interventionParameters)),
            ("/api/intervene?model=nope&prompt=hi", ["model", "prompt", "generate", "top_k", "job"] + Array(StudioAPI.interventionParameters)),
            ("/api/diff?a=nope&b=nope&prompt=hi", ["a", "b", "prompt", "target", "chat", "job"]),
            ("/api/models/nope/card", []),
        ]
        // Counted across the client's closures (one request at a time).
        final class Counts: @unchecked Sendable { var requests = 0, answered = 0 }
        let counts = Counts()
        try await app(dir).test(.router) { client in
            func check(_ uri: String) async throws {
                counts.requests += 1
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status.code < 500, "\(uri.prefix(300)): \(r.status) \(String(buffer: r.body).prefix(300))")
                    if r.status.code >= 400 {
                        let o = try? json(r) as? [String: Any]
                        #expect(((o?["error"] as? String) ?? "").count > 5, "\(uri.prefix(200)): no error message")
                    } else {
                        counts.answered += 1
                    }
                }
            }
            for (route, params) in runRoutes + modelRoutes {
                try await check(route + (route.contains("?") ? "&" : "?") + "unknown_parameter=1")
                for p in params {
                    for v in hostile {
                        // A parameter already in the route is replaced, not given twice.
                        var base = route
                        if let range = base.range(of: "[?&]\(p)=[^&]*", options: .regularExpression) { base.removeSubrange(range) }
                        if !base.contains("?"), let amp = base.firstIndex(of: "&") { base.replaceSubrange(amp...amp, with: "?") }
                        try await check(base + (base.contains("?") ? "&" : "?") + "\(p)=\(v)")
                    }
                }
            }
            // Run names and model ids in paths.
            for v in hostile where v.count < 1000 {
                try await check("/api/runs/\(v)/scalars?tag=train/loss")
                try await check("/api/models/\(v)/card")
            }
            // A live stream of a run that does not exist, and a Last-Event-ID that is not one.
            try await client.execute(uri: "/api/runs/nope/events?duration=1", method: .get) { r in #expect(r.status == .notFound) }
            for id in ["", "x", "1-2-3", "-1--1--1--1--1", "99999999999999999999-0-0-0-0", String(repeating: "9-", count: 500)] {
                try await client.execute(uri: "/api/runs/alpha/events?duration=1", method: .get, headers: [.init("Last-Event-ID")!: id]) { r in
                    #expect(r.status == .ok)
                    #expect(String(buffer: r.body).contains("\"resumed\":false"), "\(id)")
                }
            }
        }
        #expect(counts.requests > 2000 && counts.answered > 0, "\(counts.requests) requests, \(counts.answered) answered")
    }

    /// One reader per run whatever the number of viewers; events carry ids, and a viewer that reconnects with
    /// `Last-Event-ID` gets exactly the points it had not seen.
    @Test func liveFeedIsSharedAndResumes() async throws {
        let (dir, alpha, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        let feeds = LiveFeeds(pollInterval: 0.05)
        var viewers = try (0..<20).map { _ in try feeds.subscribe(db: db, run: alpha, lastEventID: nil) }
        #expect(feeds.count == 1)
        func write(_ steps: ClosedRange<Int>) throws {
            try db.pool.write { d in
                for s in steps {
                    try d.execute(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES (?, 'train/loss', ?, 0, 0.5)", arguments: [alpha, s])
                }
            }
        }
        /// The steps of the points in `text`, and the last event id.
        func parse(_ text: String) -> (steps: [Int], lastID: String?, resumed: Bool?) {
            var steps: [Int] = [], last: String?, resumed: Bool?
            for line in text.split(separator: "\n") {
                if line.hasPrefix("id: ") { last = String(line.dropFirst(4)) }
                if line.hasPrefix("data: "), let o = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any] {
                    if let points = o["points"] as? [[String: Any]] { steps += points.compactMap { $0["step"] as? Int } }
                    if let r = o["resumed"] as? Bool { resumed = r }
                }
            }
            return (steps, last, resumed)
        }
        /// What a viewer received until `steps` points arrived, or the feed sent three keep-alives in a row (15 s
        /// of its own running without news: a clock would also count the minutes other suites' blocking tests can
        /// hold the cooperative pool).
        func read(_ s: LiveFeed.Subscription, until count: Int) async -> String {
            var text = "", idle = 0
            for await frame in s.frames {
                let t = String(buffer: frame)
                idle = t.hasPrefix(": keep-alive") ? idle + 1 : 0
                text += t
                if parse(text).steps.count >= count || idle >= 3 { break }
            }
            return text
        }
        try write(3001...3010)
        var first = ""
        for (i, v) in viewers.enumerated() {
            let text = await read(v, until: 10)
            if i == 0 { first = text }
            #expect(parse(text).steps == Array(3001...3010), "viewer \(i): \(parse(text).steps)")
        }
        let seen = parse(first)
        #expect(seen.resumed == false && seen.lastID != nil)
        for v in viewers { v.cancel() }
        viewers.removeAll()
        // Written while nobody watched; a viewer back with its last id gets exactly these, then the live ones.
        try write(3011...3020)
        try await Task.sleep(nanoseconds: 200_000_000)
        let back = try feeds.subscribe(db: db, run: alpha, lastEventID: seen.lastID)
        try write(3021...3025)
        let got = parse(await read(back, until: 15))
        #expect(got.resumed == true && got.steps == Array(3011...3025), "\(got.steps)")
        back.cancel()
        // A studio started afresh (new feeds) continues from the id too.
        let fresh = LiveFeeds(pollInterval: 0.05)
        let again = try fresh.subscribe(db: db, run: alpha, lastEventID: seen.lastID)
        let all = parse(await read(again, until: 15))
        #expect(all.resumed == true && all.steps == Array(3011...3025), "\(all.steps)")
        again.cancel()
    }

    /// A viewer that does not read is dropped once its buffer is full, and the others are not held up.
    @Test func slowViewerIsDroppedNotWaitedFor() async throws {
        let (dir, alpha, _) = try makeRuns(); defer { try? FileManager.default.removeItem(at: dir) }
        let db = try RunDatabase(directory: dir)
        let feeds = LiveFeeds(pollInterval: 0.01)
        let slow = try feeds.subscribe(db: db, run: alpha, lastEventID: nil)
        let fast = try feeds.subscribe(db: db, run: alpha, lastEventID: nil)
        // The fast viewer reads everything until it is let go; rows are written until the slow one is dropped
        // (which happens once it is `bufferFrames` behind: the fast one has had as many frames by then).
        let reader = Task { () -> Int in
            var frames = 0
            for await _ in fast.frames { frames += 1 }
            return frames
        }
        // A budget of writes, not of wall time: the feed and this loop are tasks on the cooperative pool, which other
        // suites' blocking tests can hold for minutes on a 2-core machine (then neither runs, and a clock would run
        // out with the feed still behind). The loop ends as soon as the slow viewer is dropped (after about 260 rows).
        var step = 4000
        while feeds.viewers(run: alpha) > 1 && step < 4000 + 20_000 {
            step += 1
            let s = step
            try await db.pool.write { d in
                try d.execute(sql: "INSERT INTO scalars (run_id, tag, step, wall_time, value) VALUES (?, 'train/loss', ?, 0, 0.5)", arguments: [alpha, s])
            }
            try await Task.sleep(nanoseconds: 15_000_000)
        }
        // The slow viewer was let go (only the fast one is still served), its stream holding at most what fitted.
        #expect(feeds.viewers(run: alpha) == 1)
        fast.cancel()
        let fastFrames = await reader.value
        #expect(fastFrames > LiveFeed.bufferFrames)
        slow.cancel()
        var slowFrames = 0
        for await _ in slow.frames { slowFrames += 1 }
        #expect(slowFrames <= LiveFeed.bufferFrames && slowFrames > 10, "\(slowFrames)")
    }
}
