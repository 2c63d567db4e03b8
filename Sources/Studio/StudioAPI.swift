import Foundation
import Hummingbird
import Interpretability
import Models
import NIOCore
import RunStore
import Training
import ServiceLifecycle

/// The JSON API under `/api/` (docs/studio-api.md).
struct StudioAPI: Sendable {
    let store: StoreAccess
    let models: ModelAccess
    let feeds: LiveFeeds

    func register(_ router: Router<StudioContext>) {
        router.get("/api/runs") { r, _ in _ = try r.query([]); return try self.runs() }
        router.get("/api/runs/:run") { r, c in _ = try r.query([]); return try self.run(c) }
        router.get("/api/runs/:run/scalars") { r, c in try self.scalars(r, c) }
        router.get("/api/runs/:run/histograms") { r, c in try self.histograms(r, c) }
        router.get("/api/runs/:run/parameters") { r, c in try self.parameters(r, c) }
        router.get("/api/runs/:run/samples") { r, c in
            _ = try r.query([])
            let (db, id) = try self.lookup(c)
            return try JSONResponse.encode(try RunDescriptions.samples(db, run: id))
        }
        router.get("/api/runs/:run/messages") { r, c in
            _ = try r.query([])
            let (db, id) = try self.lookup(c)
            return try JSONResponse.encode(try RunDescriptions.messages(db, run: id))
        }
        router.get("/api/runs/:run/checkpoints") { r, c in
            _ = try r.query([])
            let (db, id) = try self.lookup(c)
            return try JSONResponse.encode(try RunDescriptions.checkpoints(db, run: id))
        }
        router.get("/api/runs/:run/events") { r, c in try self.events(r, c) }
        router.get("/api/runs/:run/probes") { r, c in
            // The documents as stored (JSON written by the trainer), in one array.
            _ = try r.query([])
            let (db, id) = try self.lookup(c)
            return JSONResponse.raw(Data(("[" + (try db.probes(run: id)).map(\.document).joined(separator: ",") + "]").utf8))
        }
        router.get("/api/runs/:run/figures") { r, c in
            // The figures of one name (`name=mlp`), by step: the documents as the trainer stored them, in one array.
            let name = try r.query(["name"]).required("name", limit: 64, example: "name=mlp")
            let (db, id) = try self.lookup(c)
            let figures = try db.figures(run: id, name: name)
            if figures.isEmpty {
                let names = try db.figureNames(run: id).map(\.name)
                throw APIError(.notFound, "run \(id) has no figure named '\(name.prefix(64))'" + (names.isEmpty ? " (it records none)" : " (it has: \(names.joined(separator: ", ")))"))
            }
            return JSONResponse.raw(Data(("[" + figures.map(\.document).joined(separator: ",") + "]").utf8))
        }
        router.get("/api/runs/:run/translate") { r, c in try await self.translate(r, c) }
        registerOpenAI(router)
        router.get("/api/models") { r, _ in _ = try r.query([]); return try JSONResponse.encode(try self.models.entries()) }
        router.get("/api/inspect") { r, c in try await self.inspect(r, c) }
        router.get("/api/patch") { r, c in try await self.patch(r, c) }
        router.get("/api/generate") { r, c in try self.generate(r, c) }
        router.get("/api/intervene") { r, c in try await self.intervene(r, c) }
        router.get("/api/diff") { r, c in try await self.diff(r, c) }
        router.get("/api/models/:model/card") { r, c in try await self.card(r, c) }
        router.get("/api/cancel") { r, _ in
            let job = try r.query(["job"]).required("job", limit: 64)
            return try JSONResponse.encode(CancelDocument(job: job, cancelled: self.models.cancel(job: job)))
        }
        router.get("/api/**") { r, _ -> Response in
            throw APIError(.notFound, "no endpoint \(r.uri.path.prefix(200)) (see docs/studio-api.md)")
        }
    }

    /// Run names in paths: 1 to 200 of letters, digits, '-', '_', '.', not starting with '.'; checked before any
    /// lookup, so `..`, slashes and encoded forms never reach the store or the file system.
    static func checkRunName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 200, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }) else {
            throw APIError(.badRequest, "'\(name.prefix(80))' is not a run name (letters, digits, '-', '_', '.'; not starting with '.')")
        }
    }

    func lookup(_ context: StudioContext) throws -> (any RunStorage, String) {
        let name = try context.parameters.require("run")
        try Self.checkRunName(name)
        let db = try store.require()
        return (db, try db.run(name).id)
    }

    // MARK: Looking inside models

    /// `GET /api/inspect?model=ID&prompt=TEXT[&target=TEXT|&target_id=N][&only=lens,attention][&layers=0,29][&top_k=5]
    /// [&baseline=mean+sinks][&steps=64][&rule=adaptive][&neuron=L:N]`: the document `glassbox inspect --json` prints
    /// for the same request (the same function computes both).
    static let inspectParameters: Set<String> = ["model", "prompt", "ids", "target", "target_id", "contrast", "contrast_id", "top_k", "layers",
                                                 "baseline", "steps", "max_steps", "rule", "neuron", "report", "only", "job", "stream"]

    func inspect(_ r: Request, _ c: StudioContext) async throws -> Response {
        let q = try r.query(Self.inspectParameters)
        var request = InspectRequest(prompt: try q.text("prompt", required: !q.has("ids")) ?? "")
        request.target = try q.text("target", limit: 200)
        request.targetID = try q.int("target_id", 0...Int(Int32.max), default: nil)
        request.contrast = try q.text("contrast", limit: 200)
        request.contrastID = try q.int("contrast_id", 0...Int(Int32.max), default: nil)
        request.topK = try q.int("top_k", 1...100, default: 5)
        request.attentionLayers = try q.ints("layers", 0...4095, maxCount: 4096, what: "layer number")
        request.ids = try q.ints("ids", 0...Int(Int32.max), maxCount: 32_768, what: "token id")
        if let b = try q.text("baseline", limit: 100) { request.baseline = b }
        request.steps = try q.int("steps", 1...4096, default: 64)
        request.maxSteps = try q.int("max_steps", 1...16384, default: nil)
        if let rule = try q.text("rule", limit: 40) { request.rule = rule }
        request.neuron = try q.text("neuron", limit: 40)
        // report=1: also every layer's attention compressed and the text of every token shown (the report's views).
        request.forReport = try q.flag("report")
        if let only = try q.text("only", limit: 200) {
            do { request.parts = try InspectPart.parse(only) } catch let e as InterpretabilityError { throw APIError(.badRequest, e.description) }
        }
        let entry = try models.entry(try q.text("model", limit: 300))
        let req = request
        // stream=1: server-sent events, so that a page can show the real progress (attributions count their
        // gradient evaluations, which an adaptive refinement may extend) and a time estimate: `progress`
        // ({part, fraction, done, total, elapsed_s}), then `done` (the document) or `error`.
        if try q.flag("stream") {
            return try eventStream(c, job: try q.text("job", limit: 64) ?? "inspect-" + UUID().uuidString, progress: true) { models, monitor, send in
                send("done", try InspectService.inspect(try models.model(entry), req, monitor: monitor))
            }
        }
        let models = self.models
        return try await models.run(r, c, job: try q.text("job", limit: 64)) { monitor in
            let loaded = try models.model(entry)
            do { return try JSONResponse.encode(try InspectService.inspect(loaded, req, monitor: monitor)) } catch let e as InterpretabilityError where e != .cancelled {
                throw APIError(.unprocessableContent, (e.field.map { "\($0): " } ?? "") + e.description)
            }
        }
    }

    /// `GET /api/patch?model=ID&clean=TEXT&corrupted=TEXT&answer=TEXT&wrong=TEXT[&job=ID]`: the document of
    /// `glassbox patch --json`. With `stream=1`, server-sent events: `start` (the document with both scans'
    /// `restored` empty), `progress` ({part, fraction}), `rows` (a group of layers of one scan: {scan, layers,
    /// restored}, the last layers first), then `done` (the whole document) or `error`.
    func patch(_ r: Request, _ c: StudioContext) async throws -> Response {
        let q = try r.query(["model", "clean", "corrupted", "answer", "wrong", "job", "stream"])
        let request = PatchRequest(clean: try q.text("clean", required: true) ?? "", corrupted: try q.text("corrupted", required: true) ?? "",
                                   answer: try q.text("answer", limit: 200, required: true) ?? "",
                                   wrong: try q.text("wrong", limit: 200, required: true) ?? "")
        let job = try q.text("job", limit: 64)
        let entry = try models.entry(try q.text("model", limit: 300))
        if try q.flag("stream") {
            return try eventStream(c, job: job ?? "patch-" + UUID().uuidString, progress: true) { models, monitor, send in
                let doc = try InspectService.patch(try models.model(entry), request, monitor: monitor,
                                                   onStart: { send("start", $0) }, onRows: { send("rows", $0) })
                send("done", doc)
            }
        }
        let models = self.models
        return try await models.run(r, c, job: job) { monitor in
            let loaded = try models.model(entry)
            do { return try JSONResponse.encode(try InspectService.patch(loaded, request, monitor: monitor)) } catch let e as InterpretabilityError where e != .cancelled {
                throw Self.apiError(e)
            }
        }
    }

    /// `GET /api/runs/{run}/translate?text=TEXT[&step=N]`: a seq2seq run's checkpoint (the newest, or step N) on any
    /// input: its greedy output and attention, as `glassbox translate --json`.
    func translate(_ r: Request, _ c: StudioContext) async throws -> Response {
        let q = try r.query(["text", "step"])
        let (db, id) = try lookup(c)
        guard try db.run(id).kind == "seq2seq" else { throw APIError(.badRequest, "run \(id) is not a seq2seq run: nothing to translate with") }
        let text = try q.required("text", limit: 200, example: "text=3 May 2021")
        let step = try q.int("step", 0...Int(Int32.max), default: nil)
        let checkpoints = try db.checkpoints(run: id)
        guard let ck = step.map({ s in checkpoints.first { $0.step == s } }) ?? checkpoints.last else {
            throw APIError(.notFound, step.map { "run \(id) has no checkpoint at step \($0) (it has: \(checkpoints.map { String($0.step) }.joined(separator: ", ")))" }
                           ?? "run \(id) has no checkpoint yet")
        }
        let folder = URL(fileURLWithPath: ck.path)
        return try await models.run(r, c, job: nil) { _ in
            do {
                return try JSONResponse.encode(try TranslationService.translate(checkpoint: folder, text: text, step: ck.step))
            } catch let e as TrainingError {
                throw APIError(.badRequest, e.description)
            } catch let e as APIError {
                throw e
            } catch {
                throw APIError(.unprocessableContent, "\(error)")
            }
        }
    }

    /// `edits=head:L:H:SCALE,neuron:L:N:SCALE` and `steer_layer`, `steer_from`, `steer_to`, `steer_scale`.
    static let interventionParameters: Set<String> = ["edits", "steer_layer", "steer_from", "steer_to", "steer_scale"]

    static func interventions(_ q: Query) throws -> InterventionRequest {
        var out = InterventionRequest()
        if let edits = try q.text("edits", limit: 10_000) {
            out.edits = edits.split(separator: ",").map { String($0) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            guard out.edits.count <= 1024 else { throw APIError(.badRequest, "edits: at most 1024 edits, got \(out.edits.count)") }
        }
        out.steerLayer = try q.int("steer_layer", 0...4095, default: nil)
        out.steerFrom = try q.text("steer_from", limit: 4000)
        out.steerTo = try q.text("steer_to", limit: 4000)
        out.steerScale = try q.float("steer_scale", -1000...1000, default: 4)
        return out
    }

    /// An error of the service as an API error (400-range, naming the field).
    static func apiError(_ e: InterpretabilityError) -> APIError {
        APIError(.unprocessableContent, (e.field.map { "\($0): " } ?? "") + e.description)
    }

    /// `GET /api/generate?model=ID&prompt=TEXT[&chat=1][&system=][&max_tokens=64][&temperature=0.8][&top_k=40]
    /// [&top_p=0.95][&min_p=0.05][&repeat_penalty=1][&seed=0][&alternatives=5][&edits=...][&steer_...][&job=ID]`:
    /// server-sent events `start` (the prompt as fed), one `token` per generated token (probability, rank,
    /// entropy, alternatives), then `done` (the generation, as `glassbox generate --json`) or `error`. A client
    /// that goes away stops the generation.
    func generate(_ r: Request, _ c: StudioContext) throws -> Response {
        let q = try r.query(Self.interventionParameters.union(["model", "prompt", "chat", "system", "max_tokens", "temperature", "top_k", "top_p",
                                                                 "min_p", "repeat_penalty", "seed", "alternatives", "job"]))
        var request = GenerateRequest(prompt: try q.text("prompt", required: true) ?? "")
        request.chat = try q.flag("chat")
        request.system = try q.text("system", limit: 4000)
        request.maxTokens = try q.int("max_tokens", 0...1024, default: 64)
        request.sampling.temperature = try q.float("temperature", 0...10, default: 0.8)
        request.sampling.topK = try q.int("top_k", 0...1_000_000, default: 40)
        request.sampling.topP = try q.float("top_p", 0.0001...1, default: 0.95)
        request.sampling.minP = try q.float("min_p", 0...0.9999, default: 0.05)
        request.sampling.repetitionPenalty = try q.float("repeat_penalty", 0.01...100, default: 1)
        request.seed = UInt64(try q.int("seed", 0...Int(Int32.max), default: 0))
        request.alternatives = try q.int("alternatives", 1...50, default: 5)
        request.interventions = try Self.interventions(q)
        let job = try q.text("job", limit: 64) ?? "generate-" + UUID().uuidString
        let entry = try models.entry(try q.text("model", limit: 300))
        let req = request
        return try eventStream(c, job: job) { models, monitor, send in
            let loaded = try models.model(entry)
            let tok = loaded.tokenizer
            var index = 0
            var done = try InspectService.generate(loaded, req, monitor: monitor, onStart: { ids, text in
                send("start", GenerationStart(ids: ids, text: text, tokenizer: tok))
            }, onToken: { t in
                send("token", GenerationTokenEvent(index: index, token: t, tokenizer: tok))
                index += 1
                return !monitor.isCancelled
            })
            done.tokens = nil
            send("done", done)
        }
    }

    /// A response of server-sent events fed by `body`, run as a heavy job `job` (after the requests before it):
    /// `body` sends its events; a failure ends the stream with an `error` event ({"error": message}); a client
    /// that goes away cancels the job.
    ///
    /// With `framing: .openAI` the events are OpenAI's: `data: JSON` lines without names, an error as
    /// `data: {"error": {...}}`, and `data: [DONE]` at the end.
    func eventStream(_ context: StudioContext, job: String, progress: Bool = false, framing: StreamFraming = .named,
                     _ body: @escaping @Sendable (ModelAccess, WorkMonitor, _ send: @escaping @Sendable (String, any Encodable) -> Void) throws -> Void) throws -> Response {
        let models = self.models
        let (events, sink) = AsyncStream.makeStream(of: String.self)
        @Sendable func send(_ name: String, _ body: any Encodable) {
            do {
                let line = try DocumentCoding.line(body)
                sink.yield(framing == .openAI ? "data: " + line + "\n\n" : "event: \(name)\ndata: " + line + "\n\n")
            } catch {
                // Said, not swallowed: the page shows it as the stream's error.
                let text = "the \(name) event could not be encoded: \(error)".replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\n", with: " ")
                sink.yield("event: error\ndata: {\"error\": \"\(text)\"}\n\n")
            }
        }
        // Progress events: each part at most every 0.2 s, and when it is done.
        let throttle = Throttle(seconds: 0.2), box = MonitorBox()
        @Sendable func reportProgress(_ part: String, _ fraction: Double) {
            if throttle.due(part, final: fraction >= 1) { send("progress", box.event(part, fraction)) }
        }
        let report: (@Sendable (String, Double) -> Void)? = progress ? reportProgress : nil
        // The place in the queue is taken now: a full queue is a 503, not a stream that waits.
        let ticket = try models.admit(job: job, report: report)
        Task {
            do {
                _ = try await models.perform(ticket, context) { monitor -> Int in
                    box.begin(monitor)
                    do { try body(models, monitor, send) } catch let e as InterpretabilityError where e != .cancelled { throw Self.apiError(e) }
                    return 0
                }
            } catch let e as APIError where framing == .named {
                send("error", ["error": e.message])
            } catch where framing == .named {
                send("error", ["error": "\(error)"])
            } catch {
                sink.yield("data: " + String(decoding: OpenAIError.from(error).json, as: UTF8.self) + "\n\n")
            }
            if framing == .openAI { sink.yield("data: [DONE]\n\n") }
            sink.finish()
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Accel-Buffering")!] = "no"
        let body = ResponseBody { writer in
            do {
                for await text in events { try await writer.write(ByteBuffer(string: text)) }
                try await writer.finish(nil)
            } catch {
                _ = models.cancel(job: job)          // the client went away: stop the work
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// `GET /api/intervene?model=ID&prompt=TEXT[&edits=head:L:H:S,neuron:L:N:S][&steer_layer=L&steer_from=A&steer_to=B
    /// &steer_scale=X][&generate=N][&top_k=5][&job=ID]`: the prompt with and without the edits.
    func intervene(_ r: Request, _ c: StudioContext) async throws -> Response {
        let q = try r.query(Self.interventionParameters.union(["model", "prompt", "generate", "top_k", "job"]))
        let prompt = try q.text("prompt", required: true) ?? ""
        let edits = try Self.interventions(q)
        let generate = try q.int("generate", 0...256, default: 0)
        let topK = try q.int("top_k", 1...100, default: 5)
        let entry = try models.entry(try q.text("model", limit: 300))
        let models = self.models
        return try await models.run(r, c, job: try q.text("job", limit: 64)) { monitor in
            let loaded = try models.model(entry)
            do {
                return try JSONResponse.encode(try InspectService.intervene(loaded, prompt: prompt, edits, generate: generate, topK: topK, monitor: monitor))
            } catch let e as InterpretabilityError where e != .cancelled { throw Self.apiError(e) }
        }
    }

    /// `GET /api/diff?a=ID&b=ID&prompt=TEXT[&target=TEXT]`: two versions of one model (two checkpoints, a base
    /// and its fine-tuned version) on one prompt: per-head DLA and attention changes, the neurons that changed most.
    func diff(_ r: Request, _ c: StudioContext) async throws -> Response {
        let q = try r.query(["a", "b", "prompt", "target", "chat", "job"])
        let names = (a: try q.text("a", limit: 300, required: true), b: try q.text("b", limit: 300, required: true))
        let prompt = try q.text("prompt", required: true) ?? ""
        let target = try q.text("target", limit: 200)
        // chat=1: in a's chat template (an error when it has none); chat=0: the raw text; absent: the template when a has one.
        let chat: Bool? = q.has("chat") ? try q.flag("chat") : nil
        let a = try models.entry(names.a), b = try models.entry(names.b)
        let models = self.models
        return try await models.run(r, c, job: try q.text("job", limit: 64)) { monitor in
            let la = try models.model(a), lb = try models.model(b)
            do {
                return try JSONResponse.encode(try InspectService.diff(la, id: a.id, lb, id: b.id, prompt: prompt, target: target, chat: chat, monitor: monitor))
            } catch let e as InterpretabilityError where e != .cancelled { throw Self.apiError(e) }
        }
    }

    /// `GET /api/models/ID/card`: architecture, parameters per component, weight types and per-weight statistics.
    func card(_ r: Request, _ c: StudioContext) async throws -> Response {
        _ = try r.query([])
        let raw = c.parameters.get("model") ?? ""
        guard raw.utf8.count <= 300 else { throw APIError(.badRequest, "a model id is at most 300 characters") }
        let entry = try models.entry(raw.removingPercentEncoding ?? raw)
        let models = self.models
        return try await models.run(r, c, job: nil) { monitor in
            let loaded = try models.model(entry)
            do { return try JSONResponse.encode(try InspectService.modelCard(loaded, monitor: monitor)) } catch let e as InterpretabilityError where e != .cancelled {
                throw Self.apiError(e)
            }
        }
    }

    // MARK: Runs

    func runs() throws -> Response {
        guard let db = try store.database() else { return try JSONResponse.encode([RunSummary]()) }
        let records = try db.runs()
        let last = try db.lastValues(tags: RunDescriptions.headlineTags.filter { $0 != "train/loss" && $0 != "val/loss" })
        let encoder = JSONResponse.encoder()
        var out = Data("[".utf8)
        for (i, r) in records.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(try store.summaryJSON(r, last: last[r.id] ?? [:], encoder: encoder))
        }
        out.append(UInt8(ascii: "]"))
        return JSONResponse.raw(out)
    }

    func run(_ c: StudioContext) throws -> Response {
        let (db, id) = try lookup(c)
        return try JSONResponse.encode(try RunDescriptions.detail(db, run: id))
    }

    // MARK: Series

    func scalars(_ r: Request, _ c: StudioContext) throws -> Response {
        let q = try r.query(["tag", "buckets", "from", "to", "smoothing"])
        let (db, id) = try lookup(c)
        let tag = try q.required("tag", limit: 500, example: "/api/runs/\(id)/scalars?tag=train/loss&buckets=1000")
        let buckets = try q.int("buckets", 1...10_000, default: 1000)
        // Steps are recorded as 64-bit integers, but no run reaches 2^53: a range beyond it is a mistake, not a run.
        let from = try q.int("from", -Self.stepLimit...Self.stepLimit, default: nil)
        let to = try q.int("to", -Self.stepLimit...Self.stepLimit, default: nil)
        if let from, let to, from > to { throw APIError(.badRequest, "from (\(from)) is after to (\(to))") }
        let smoothing = try q.double("smoothing", 0...1, belowUpper: true, default: 0)
        let columns = try store.seriesColumns(db, run: id, tag: tag)
        guard try columns.count > 0 || db.tags(run: id).contains(tag) else {
            throw APIError(.notFound, "run \(id) has no scalar tag '\(tag.prefix(200))'")
        }
        return try JSONResponse.encode(SeriesSummary.reduce(run: id, tag: tag, columns, buckets: buckets, from: from, to: to, smoothing: smoothing))
    }

    /// The largest step a request may name (2^53: exact as a JavaScript number).
    static let stepLimit = 1 << 53

    func histograms(_ r: Request, _ c: StudioContext) throws -> Response {
        let q = try r.query(["tag", "buckets"])
        let (db, id) = try lookup(c)
        let tag = try q.required("tag", limit: 500, example: "tag=weight/transformer.wte.weight (see histogram_tags of the run)")
        let n = try q.int("buckets", 1...10_000, default: 200)
        let all = try db.histograms(run: id, tag: tag)
        guard !all.isEmpty else { throw APIError(.notFound, "run \(id) has no histogram tag '\(tag.prefix(200))'") }
        // At most n steps, evenly chosen, always including the last.
        let picked = all.count <= n ? all : (0..<n).map { all[$0 * (all.count - 1) / (n - 1 == 0 ? 1 : n - 1)] }
        return try JSONResponse.encode(HistogramSeries(run: id, tag: tag, steps: picked.map {
            .init(step: $0.step, min: Double($0.histogram.min), max: Double($0.histogram.max), counts: $0.histogram.counts)
        }))
    }

    /// Parameter × step matrices of gradient norm and update ratio (each cell the bucket's maximum).
    func parameters(_ r: Request, _ c: StudioContext) throws -> Response {
        let q = try r.query(["buckets"])
        let (db, id) = try lookup(c)
        let n = try q.int("buckets", 1...2000, default: 200)
        let tags = try db.tags(run: id)
        let names = Set(tags.compactMap { t -> String? in
            for p in ["grad_norm/", "update_ratio/"] where t.hasPrefix(p) { return String(t.dropFirst(p.count)) }
            return nil
        }).sorted(by: modelOrder)
        var lo = Int.max, hi = Int.min
        var series: [String: SeriesColumns] = [:]
        for name in names {
            for kind in ["grad_norm/", "update_ratio/"] {
                let cols = try db.seriesColumns(run: id, tag: kind + name)
                if let f = cols.steps.first, let l = cols.steps.last { lo = min(lo, f); hi = max(hi, l) }
                series[kind + name] = cols
            }
        }
        guard lo <= hi else { return try JSONResponse.encode(ParameterMatrices(run: id, parameters: [], steps: [], gradNorm: [], updateRatio: [])) }
        // Stored steps may span the whole 64-bit range (an imported event file): no arithmetic that could overflow.
        let span = hi.subtractingReportingOverflow(lo)
        let width = span.overflow || span.partialValue >= n ? n : span.partialValue + 1
        func bucket(_ s: Int) -> Int { SeriesSummary.bucket(of: s, from: lo, to: hi, buckets: width) }
        // Each column is a bucket holding at least one recorded step, labelled by the last step it holds.
        var lastStep = [Int?](repeating: nil, count: width)
        for cols in series.values { for s in cols.steps { let b = bucket(s); lastStep[b] = max(lastStep[b] ?? s, s) } }
        let used = (0..<width).filter { lastStep[$0] != nil }
        let steps = used.map { lastStep[$0]! }
        func matrix(_ kind: String) -> [[Double?]] {
            names.map { name in
                var row = [Double?](repeating: nil, count: width)
                if let cols = series[kind + name] {
                    for i in 0..<cols.count where cols.values[i].isFinite {
                        let b = bucket(cols.steps[i])
                        row[b] = max(row[b] ?? -Double.infinity, cols.values[i])
                    }
                }
                return used.map { row[$0] }
            }
        }
        return try JSONResponse.encode(ParameterMatrices(run: id, parameters: names, steps: steps, gradNorm: matrix("grad_norm/"),
                                                         updateRatio: matrix("update_ratio/")))
    }

    // MARK: Live

    /// Server-sent events: new points, samples, messages, checkpoints and status changes of one run, from the run's
    /// one shared feed (LiveFeed.swift). Each event carries an `id:` (the position in the run's rows); a client that
    /// reconnects with `Last-Event-ID` (browsers do it by themselves) continues after it, and its `hello` says
    /// `resumed: true`; `resumed: false` means: read the run again.
    func events(_ r: Request, _ c: StudioContext) throws -> Response {
        let q = try r.query(["duration"])
        let (db, id) = try lookup(c)
        // `duration=S` ends the stream after S seconds (for scripts, e.g. curl); a page keeps it open.
        let duration = try q.int("duration", 1...86_400, default: nil)
        let last = r.headers[.init("Last-Event-ID")!].map { String($0.prefix(200)) }
        let subscription = try feeds.subscribe(db: db, run: id, lastEventID: last)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        headers[.init("X-Accel-Buffering")!] = "no"
        // The stream ends when the client goes away (its connection closes), on the server's graceful shutdown,
        // after `duration`, or when the feed drops a client that fell too far behind (it comes back from its id).
        c.onClose { subscription.cancel() }
        let timer = duration.map { seconds in
            Task { try await Task.sleep(nanoseconds: UInt64(seconds) * 1_000_000_000); subscription.cancel() }
        }
        let body = ResponseBody { writer in
            defer { timer?.cancel(); subscription.cancel() }
            try await withGracefulShutdownHandler {
                for await frame in subscription.frames { try await writer.write(frame) }
            } onGracefulShutdown: {
                subscription.cancel()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// The model's order: embeddings first, then the blocks by their numeric index (h.9 before h.10), the final norm
/// last.
func modelOrder(_ a: String, _ b: String) -> Bool {
    func rank(_ s: String) -> Int {
        if s.contains("wte") || s.contains("wpe") || s.contains("embed") { return 0 }
        if s.contains("ln_f") || s.contains("final") || s.hasPrefix("norm") || s.contains(".norm.") { return 2 }
        return 1
    }
    let ra = rank(a), rb = rank(b)
    return ra != rb ? ra < rb : RunDescriptions.parameterOrder(a, b)
}

/// `GET /api/cancel?job=ID`.
struct CancelDocument: Encodable { var job: String; var cancelled: Bool }

/// `GET /api/runs/{run}/histograms?tag=…`: at most `buckets` steps of one histogram tag.
struct HistogramSeries: Encodable {
    struct Step: Encodable { var step: Int; var min: Double; var max: Double; var counts: [Int] }
    var run: String
    var tag: String
    var steps: [Step]
}

/// `GET /api/runs/{run}/parameters`: parameter × step matrices (null where a bucket holds no finite value).
struct ParameterMatrices: Encodable {
    var run: String
    var parameters: [String]
    var steps: [Int]
    var gradNorm: [[Double?]]
    var updateRatio: [[Double?]]
    enum CodingKeys: String, CodingKey { case run, parameters, steps, gradNorm = "grad_norm", updateRatio = "update_ratio" }

    // Nulls are written (the heatmap's empty cells), not left out.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(run, forKey: .run); try c.encode(parameters, forKey: .parameters); try c.encode(steps, forKey: .steps)
        try c.encode(gradNorm, forKey: .gradNorm); try c.encode(updateRatio, forKey: .updateRatio)
    }
}

/// One `progress` event of a stream: `part` is `fraction` (0...1) done; where the part counts its work, `done` of
/// `total` units (for attributions: gradient evaluations, a forward counting a third), `total` growing when an
/// adaptive refinement goes on; `elapsed_s` since the work began (after any wait in the queue).
struct ProgressEvent: Encodable {
    let part: String
    let fraction: Double
    var done: Double? = nil
    var total: Double? = nil
    var elapsedS: Double? = nil

    enum CodingKeys: String, CodingKey { case part, fraction, done, total, elapsedS = "elapsed_s" }
}

/// The monitor of a streamed job, once its work has begun (progress reports read its counts and start time).
final class MonitorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var monitor: WorkMonitor?, started: DispatchTime?
    func begin(_ m: WorkMonitor) { lock.withLock { monitor = m; started = .now() } }
    func event(_ part: String, _ fraction: Double) -> ProgressEvent {
        let (m, s) = lock.withLock { (monitor, started) }
        // The total is never below the count (a scan that took more forwards than expected raises it too).
        let counts = m?.counts(part).map { (done: $0.done, total: max($0.expected, $0.done)) }
        return ProgressEvent(part: part, fraction: fraction, done: counts.map { ($0.done * 10).rounded() / 10 }, total: counts.map { ($0.total * 10).rounded() / 10 },
                             elapsedS: s.map { Double(DispatchTime.now().uptimeNanoseconds - $0.uptimeNanoseconds) / 1e9 })
    }
}

/// Lets a report through per key at most once every `seconds` (and always a final one).
final class Throttle: @unchecked Sendable {
    private let lock = NSLock(), interval: UInt64
    private var last: [String: UInt64] = [:]
    init(seconds: Double) { interval = UInt64(seconds * 1e9) }
    func due(_ key: String, final: Bool) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        return lock.withLock {
            guard final || last[key].map({ now - $0 >= interval }) ?? true else { return false }
            last[key] = now
            return true
        }
    }
}

/// How a stream of events is written: the studio's named events (`event: NAME` + `data:`), or OpenAI's (`data:`
/// only, ending with `data: [DONE]`).
enum StreamFraming: Sendable { case named, openAI }
