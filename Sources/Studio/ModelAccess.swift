import Hummingbird
import Foundation
import Interpretability
import Models
import RunStore

/// A model the studio can open: the bundled SmolLM2, a model given to `serve --model`, or a checkpoint of a run.
/// Requests name models by `id` only (never by path), so nothing outside this list can be opened.
struct ModelEntry: Codable, Sendable, Equatable {
    var id: String
    var name: String
    /// bundled | given | checkpoint
    var kind: String
    var path: String
    var run: String?
    var step: Int?
    /// A checkpoint's run kind (gpt, finetune, ...).
    var runKind: String?
    /// Whether the path is a LoRA adapter folder (PEFT layout) over a base model, rather than a whole model.
    var adapter: Bool?

    enum CodingKeys: String, CodingKey { case id, name, kind, path, run, step, runKind = "run_kind", adapter }
}

/// Opens models once and keeps them (weights memory-mapped), one per file; runs the heavy analyses one at a time
/// on a thread of their own, so the server's event loops stay free and two users cannot run the machine out of
/// memory together.
final class ModelAccess: @unchecked Sendable {
    let given: [String]
    let store: StoreAccess
    private var loaded: [String: LoadedModel] = [:]
    private let lock = NSLock()
    private let heavy = DispatchQueue(label: "glassbox.studio.analyses")
    /// Models kept open at most (the least recently used goes first).
    static let keep = 4
    private var order: [String] = []

    init(given: [String], store: StoreAccess) { self.given = given; self.store = store }

    /// Every model a request may name.
    func entries() throws -> [ModelEntry] {
        var out: [ModelEntry] = []
        let bundled = ModelLoader.bundledModelPath
        if FileManager.default.fileExists(atPath: bundled) {
            out.append(.init(id: "bundled", name: URL(fileURLWithPath: bundled).lastPathComponent, kind: "bundled", path: bundled))
        }
        for (i, path) in given.enumerated() {
            out.append(.init(id: "model-\(i + 1)", name: URL(fileURLWithPath: path).lastPathComponent, kind: "given", path: path))
        }
        if let db = try store.database() {
            for r in try db.runs() {
                for c in try db.checkpoints(run: r.id) where FileManager.default.fileExists(atPath: c.path) {
                    let adapter = FileManager.default.fileExists(atPath: URL(fileURLWithPath: c.path).appendingPathComponent("adapter_config.json").path)
                    out.append(.init(id: "\(r.id)@\(c.step)", name: "\(r.name) step \(c.step)", kind: "checkpoint", path: c.path, run: r.id, step: c.step,
                                     runKind: r.kind, adapter: adapter))
                }
            }
        }
        return out
    }

    /// The entry named `id` (default: the bundled model), or a 404 naming the choices.
    func entry(_ id: String?) throws -> ModelEntry {
        let all = try entries()
        let wanted = id ?? "bundled"
        guard let e = all.first(where: { $0.id == wanted }) else {
            let known = all.prefix(8).map(\.id).joined(separator: ", ")
            throw APIError(.notFound, "no model '\(wanted.prefix(120))' (see /api/models; known: \(known.isEmpty ? "none" : known))")
        }
        return e
    }

    /// The model, opened on first use.
    func model(_ e: ModelEntry) throws -> LoadedModel {
        lock.lock()
        if let m = loaded[e.path] {
            order.removeAll { $0 == e.path }; order.append(e.path)
            lock.unlock()
            return m
        }
        lock.unlock()
        let m: LoadedModel
        do { m = try ModelLoader.load(e.path) } catch {
            throw APIError(.unprocessableContent, "cannot open model \(e.id) (\(e.path)): \(error)")
        }
        lock.lock(); defer { lock.unlock() }
        loaded[e.path] = m
        order.removeAll { $0 == e.path }; order.append(e.path)
        while order.count > Self.keep { loaded.removeValue(forKey: order.removeFirst()) }
        return m
    }

    /// Analyses waiting or running at most: beyond, a request gets a 503 with Retry-After at once rather than an
    /// unbounded wait (and unbounded memory for the work queued behind it).
    static let queueLimit = 6
    private var queued = 0

    /// Runs `body` on the analyses' own thread, after the requests before it. A request that names a `job` can be
    /// cancelled while it waits or runs (`GET /api/cancel?job=ID`: a page whose user moved on frees the machine
    /// for the next request instead of finishing work nobody will see); so is the work of a client that hangs up
    /// (`context`: its connection), whether it waits or runs: the analyses check for cancellation between layers
    /// and gradient evaluations. `report` gets the work's progress (part, fraction).
    ///
    /// A hang-up is seen on the request's inbound stream (`request`): the connection's close is not (the server
    /// closes it only after the handler has answered, and a client's FIN arrives as the end of its input).
    func run<T: Sendable>(_ request: Request?, _ context: StudioContext?, job: String?, report: (@Sendable (String, Double) -> Void)? = nil,
                          _ body: @escaping @Sendable (WorkMonitor) throws -> T) async throws -> T {
        let ticket = try admit(job: job, report: report)
        // Only on a real connection: the router tests' in-memory requests have no inbound stream to watch.
        guard let request, context?.channel.localAddress != nil else { return try await perform(ticket, context, body) }
        let monitor = ticket.monitor
        return try await request.body.consumeWithInboundCloseHandler({ _ in
            try await self.perform(ticket, context, body)
        }, onInboundClosed: { monitor.cancel() })
    }

    /// A place in the analyses' queue, taken before any answer is sent (a full queue is a 503 at once).
    final class Ticket: Sendable {
        let monitor: WorkMonitor
        let job: String?
        init(monitor: WorkMonitor, job: String?) { self.monitor = monitor; self.job = job }
    }

    /// Takes a place in the queue for `job`, or throws a 503 with Retry-After when it is full.
    func admit(job: String?, report: (@Sendable (String, Double) -> Void)? = nil) throws -> Ticket {
        let monitor = report.map { WorkMonitor(report: $0) } ?? WorkMonitor()
        try lock.withLock {
            guard queued < Self.queueLimit else {
                throw APIError(.serviceUnavailable, "the studio is busy: \(queued) analyses are running or waiting (at most \(Self.queueLimit)); try again in a few seconds",
                               retryAfter: 5)
            }
            queued += 1
            if let job { jobs[job] = monitor }
        }
        return Ticket(monitor: monitor, job: job)
    }

    /// Runs the admitted work on the analyses' thread and gives its place back when it ends.
    func perform<T: Sendable>(_ ticket: Ticket, _ context: StudioContext?, _ body: @escaping @Sendable (WorkMonitor) throws -> T) async throws -> T {
        let monitor = ticket.monitor
        defer {
            lock.withLock {
                queued -= 1
                if let job = ticket.job, jobs[job] === monitor { jobs.removeValue(forKey: job) }
            }
        }
        context?.onClose { monitor.cancel() }
        return try await withCheckedThrowingContinuation { c in
            heavy.async {
                c.resume(with: Result {
                    do {
                        try monitor.check()
                        return try body(monitor)
                    } catch let e as InterpretabilityError where e == .cancelled {
                        throw APIError(.conflict, "cancelled")
                    }
                })
            }
        }
    }

    /// Analyses running or waiting now.
    var queueLength: Int { lock.withLock { queued } }

    private var jobs: [String: WorkMonitor] = [:]

    /// Cancels a waiting or running job; whether there was one.
    func cancel(job: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard let m = jobs[job] else { return false }
        m.cancel()
        return true
    }
}
