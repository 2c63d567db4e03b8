import Foundation
import Hummingbird
import NIOCore
import RunStore
import ServiceLifecycle

/// The live feeds of the runs being watched: one reader of new rows per run, shared by all its viewers.
///
/// Fifty viewers of a training must not cost it fifty queries and fifty encodings per tick: each run's new rows
/// are read once, made into server-sent-event frames once, and the same bytes are handed to every viewer.
final class LiveFeeds: @unchecked Sendable {
    private let lock = NSLock()
    private var feeds: [String: LiveFeed] = [:]
    let pollInterval: Double

    init(pollInterval: Double) { self.pollInterval = pollInterval }

    /// A new viewer of run `id`, resuming after event `lastEventID` when it has one.
    func subscribe(db: any RunStorage, run id: String, lastEventID: String?) throws -> LiveFeed.Subscription {
        let token = lastEventID.flatMap(FeedPosition.init(token:))
        return try lock.withLock {
            if let feed = feeds[id], feed.isRunning { return feed.subscribe(after: token) }
            // A new feed starts where a returning viewer left off (a restarted studio loses no row), else at the
            // end of the tables.
            let record = try db.run(id)
            let start = try token.flatMap { $0.revision == record.revision ? $0 : nil } ?? FeedPosition(revision: record.revision, cursor: try db.cursor())
            let feed = LiveFeed(db: db, record: record, start: start, interval: pollInterval) { [weak self] feed in
                self?.lock.withLock { if self?.feeds[id] === feed { self?.feeds.removeValue(forKey: id) } }
            }
            feeds[id] = feed
            return feed.subscribe(after: token)
        }
    }

    /// Feeds running now (for tests and the benchmark).
    var count: Int { lock.withLock { feeds.count } }

    /// Viewers of run `id` being served now.
    func viewers(run id: String) -> Int { lock.withLock { feeds[id] }?.viewerCount ?? 0 }
}

/// Where a viewer is in a run's rows: the run's revision (a resume rewrites its tail) and the store's cursor. It is
/// the SSE `id:` of each event, so a viewer that reconnects (`Last-Event-ID`) continues exactly where it was.
struct FeedPosition: Equatable, Sendable {
    var revision: Int
    var cursor: RunCursor

    init(revision: Int, cursor: RunCursor) { self.revision = revision; self.cursor = cursor }

    /// `REVISION-SCALARS-SAMPLES-MESSAGES-CHECKPOINTS`, all non-negative integers.
    init?(token: String) {
        let parts = token.split(separator: "-", omittingEmptySubsequences: false)
        guard token.utf8.count <= 120, parts.count == 5 else { return nil }
        let n = parts.compactMap { Int64($0) }
        guard n.count == 5, n.allSatisfy({ $0 >= 0 }), n[0] <= Int64(Int32.max) else { return nil }
        revision = Int(n[0])
        cursor = RunCursor(scalars: n[1], samples: n[2], messages: n[3], checkpoints: n[4])
    }

    var token: String { "\(revision)-\(cursor.scalars)-\(cursor.samples)-\(cursor.messages)-\(cursor.checkpoints)" }
}

/// One run's live feed: a task that reads the run's new rows while anyone watches, and the viewers it serves.
final class LiveFeed: @unchecked Sendable {
    /// One tick's events as sent, ending with the `id:` of the position after them.
    struct Frame {
        let after: FeedPosition
        let bytes: ByteBuffer
    }

    /// A viewer's stream of frames. Bounded: a viewer that falls `bufferFrames` behind is dropped (its stream
    /// ends after what it has), and its browser reconnects with `Last-Event-ID` and is given the rest from the
    /// feed's recent frames, so that a slow client costs neither the server's memory nor a lost point.
    struct Subscription {
        let frames: AsyncStream<ByteBuffer>
        let cancel: @Sendable () -> Void
    }

    static let bufferFrames = 256
    /// Points read at a time (one frame each).
    static let readLimit = 20_000
    /// Recent frames kept for viewers that reconnect.
    static let keptFrames = 1024
    static let keptBytes = 8 << 20

    let db: any RunStorage
    let run: String
    let interval: Double
    private let lock = NSLock()
    private var position: FeedPosition
    private var status = "", step = 0
    private var recent: [Frame] = []
    private var recentBytes = 0
    /// The position before the oldest kept frame: a viewer there is given every kept frame.
    private var recentStart: FeedPosition
    private var subscribers: [UInt64: AsyncStream<ByteBuffer>.Continuation] = [:]
    private var nextID: UInt64 = 0
    private var running = true
    private let onStop: @Sendable (LiveFeed) -> Void

    init(db: any RunStorage, record: RunRecord, start: FeedPosition, interval: Double, onStop: @escaping @Sendable (LiveFeed) -> Void) {
        self.db = db; self.run = record.id; self.interval = interval; self.onStop = onStop
        position = start; recentStart = start
        status = record.displayStatus; step = record.step
        Task.detached { [self] in await self.loop() }
    }

    var isRunning: Bool { lock.withLock { running } }
    var viewerCount: Int { lock.withLock { subscribers.count } }

    /// A viewer from `after` (nil: from now). Its stream starts with `hello` ({run, status, step, resumed}):
    /// `resumed` is true when the frames since `after` follow, false when the viewer must read the run again.
    func subscribe(after: FeedPosition?) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(Self.bufferFrames))
        let (id, tooFar): (UInt64, Bool) = lock.withLock {
            nextID += 1
            var replay: [Frame] = []
            var resumed = false
            if let after {
                if after == position {
                    resumed = true
                } else if after == recentStart {
                    replay = recent; resumed = true
                } else if let i = recent.firstIndex(where: { $0.after == after }) {
                    replay = Array(recent[(i + 1)...]); resumed = true
                }
            }
            let hello = Self.event("hello", FeedEvent.Hello(run: run, status: status, step: step, resumed: resumed), id: position)
            continuation.yield(hello)
            for f in replay.prefix(Self.bufferFrames - 1) { continuation.yield(f.bytes) }
            subscribers[nextID] = continuation
            return (nextID, replay.count >= Self.bufferFrames)
        }
        // Set outside the lock: finishing a stream calls it at once, and it takes the lock.
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        // Too far behind even now: it gets what fits, then comes back for the rest.
        if tooFar { continuation.finish() }
        return Subscription(frames: stream, cancel: { continuation.finish() })
    }

    private func remove(_ id: UInt64) { lock.withLock { _ = subscribers.removeValue(forKey: id) } }

    /// Reads while anyone watches; stops (and is forgotten) after 30 s without a viewer.
    private func loop() async {
        var lastSent = Date(), lastRead = Date(), idleSince: Date?
        var heard = db.changeGeneration
        while true {
            do {
                // A store that notifies (PostgreSQL's LISTEN) is read when another process has committed, at the
                // latest every 2 s (a run's liveness changes without a write); one that does not (SQLite) every
                // `interval`.
                if heard != nil {
                    try await Task.sleep(nanoseconds: 50_000_000)
                    let now = db.changeGeneration
                    if now == heard && Date().timeIntervalSince(lastRead) < 2 { continue }
                    heard = now
                } else {
                    try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                }
            } catch { break }
            let viewers = lock.withLock { subscribers.count }
            if viewers == 0 {
                if let idleSince, Date().timeIntervalSince(idleSince) > 30 { break }
                if idleSince == nil { idleSince = Date() }
                continue
            }
            idleSince = nil
            lastRead = Date()
            do {
                if try tick() { lastSent = Date() }
            } catch {
                // A store that fails to answer (a PostgreSQL restart, a busy file): the viewers keep their place and
                // the next tick tries again; they are told, once a while, through a comment line.
                broadcast(ByteBuffer(string: ": the run store did not answer: \(String(describing: error).prefix(200).replacingOccurrences(of: "\n", with: " "))\n\n"), keep: nil)
                lastSent = Date()
            }
            if Date().timeIntervalSince(lastSent) >= 5 {
                broadcast(ByteBuffer(string: ": keep-alive\n\n"), keep: nil)
                lastSent = Date()
            }
        }
        let left: [AsyncStream<ByteBuffer>.Continuation] = lock.withLock {
            running = false
            defer { subscribers.removeAll() }
            return Array(subscribers.values)
        }
        for c in left { c.finish() }
        onStop(self)
    }

    /// One read of the new rows: frames for the viewers; whether anything was sent.
    private func tick() throws -> Bool {
        var sent = false
        let start = lock.withLock { position }
        let record = try db.run(run)
        if record.revision != start.revision {
            // Resumed: its tail was deleted and row ids may be reused; the viewers read it again from here.
            let next = FeedPosition(revision: record.revision, cursor: try db.cursor())
            let bytes = Self.event("reset", FeedEvent.Reset(run: run, step: record.step), id: next)
            lock.withLock {
                position = next; recent.removeAll(); recentBytes = 0; recentStart = next
                status = record.displayStatus; step = record.step
            }
            broadcast(bytes, keep: nil)
            return true
        }
        var cursor = start.cursor
        // Reads until caught up (a changes call returns at most 20,000 points): one frame per read.
        while true {
            let ch = try db.changes(run: run, after: cursor, limit: Self.readLimit)
            cursor = ch.cursor
            var events: [String] = []
            if !ch.scalars.isEmpty {
                events.append(Self.eventText("scalars", FeedEvent.Scalars(points: ch.scalars.map { FeedEvent.Point(tag: $0.tag, step: $0.step, wallTime: $0.wallTime, value: $0.value) })))
            }
            for s in ch.samples { events.append(Self.eventText("sample", RunDetail.Sample(step: s.step, text: s.text))) }
            for m in ch.messages { events.append(Self.eventText("message", RunDetail.Message(step: m.step, level: m.level, text: m.text))) }
            for k in ch.checkpoints { events.append(Self.eventText("checkpoint", RunDetail.Checkpoint(step: k.step, path: k.path))) }
            let after = FeedPosition(revision: start.revision, cursor: cursor)
            // The cursor moves only over this run's rows: no text, no move.
            if !events.isEmpty {
                // Only the last event carries the id: a client cut off inside the frame resumes before all of it.
                let bytes = ByteBuffer(string: events.joined(separator: "\n") + "id: \(after.token)\n\n")
                lock.withLock { position = after }
                broadcast(bytes, keep: Frame(after: after, bytes: bytes))
                sent = true
            }
            if ch.scalars.count < Self.readLimit { break }
        }
        let changed: Bool = lock.withLock {
            guard record.displayStatus != status || record.step != step else { return false }
            status = record.displayStatus; step = record.step
            return true
        }
        if changed {
            let bytes = Self.event("status", FeedEvent.Status(status: record.displayStatus, storedStatus: record.status, step: record.step), id: FeedPosition(revision: start.revision, cursor: cursor))
            broadcast(bytes, keep: nil)
            sent = true
        }
        return sent
    }

    /// Hands `bytes` to every viewer (kept for returning viewers when `keep`); a viewer whose buffer is full is
    /// dropped: its stream ends after what it has, and it comes back from its last event id.
    private func broadcast(_ bytes: ByteBuffer, keep: Frame?) {
        // Streams are finished outside the lock (finishing calls back into this feed).
        let dropped: [AsyncStream<ByteBuffer>.Continuation] = lock.withLock {
            if let keep {
                recent.append(keep)
                recentBytes += keep.bytes.readableBytes
                while recent.count > Self.keptFrames || (recentBytes > Self.keptBytes && recent.count > 1) {
                    let old = recent.removeFirst()
                    recentBytes -= old.bytes.readableBytes
                    recentStart = old.after
                }
            }
            var dropped: [AsyncStream<ByteBuffer>.Continuation] = []
            for (id, c) in subscribers {
                if case .dropped = c.yield(bytes) {
                    dropped.append(c)
                    subscribers.removeValue(forKey: id)
                }
            }
            return dropped
        }
        for c in dropped { c.finish() }
    }

    /// One event's lines, without the blank line that ends it.
    static func eventText<Payload: Encodable>(_ name: String, _ payload: Payload) -> String {
        // Strings, integers and finite numbers (the payloads write others as null) always encode; were one not to,
        // the viewers would be told in the event itself.
        do {
            let data = try JSONEncoder().encode(payload)
            return "event: \(name)\ndata: " + String(decoding: data, as: UTF8.self) + "\n"
        } catch {
            return "event: error\ndata: {\"error\": \"a \(name) event could not be encoded\"}\n"
        }
    }

    /// One event with its id, as a frame of its own.
    static func event<Payload: Encodable>(_ name: String, _ payload: Payload, id: FeedPosition) -> ByteBuffer {
        ByteBuffer(string: eventText(name, payload) + "id: \(id.token)\n\n")
    }
}

/// The payloads of the live feed's events (sample, message and checkpoint events are RunDetail's parts).
enum FeedEvent {
    struct Hello: Encodable { var run: String, status: String, step: Int, resumed: Bool }
    struct Reset: Encodable { var run: String, step: Int }
    struct Status: Encodable {
        var status: String, storedStatus: String, step: Int
        enum CodingKeys: String, CodingKey { case status, storedStatus = "stored_status", step }
    }
    struct Scalars: Encodable { var points: [Point] }
    /// A scalar point; a value that is not finite is null.
    struct Point: Encodable {
        var tag: String, step: Int, wallTime: Double, value: Double
        enum CodingKeys: String, CodingKey { case tag, step, wallTime = "wall_time", value }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(tag, forKey: .tag); try c.encode(step, forKey: .step)
            try c.encode(wallTime.isFinite ? wallTime : nil, forKey: .wallTime)
            try c.encode(value.isFinite ? value : nil, forKey: .value)
        }
    }
}
