import Foundation
import ModelFormats

/// A run as the runs table and the run page's header show it (`GET /api/runs`, docs/studio-api.md).
package struct RunSummary: Encodable, Sendable {
    package var id: String
    package var name: String
    /// What the run trains: gpt, mlp, ...
    package var kind: String
    /// live | stale | finished | failed | stopped | stopped-early | imported
    package var status: String
    package var storedStatus: String
    package var step: Int
    package var totalSteps: Int
    package var parameterCount: Int
    package var createdAt: Double
    package var updatedAt: Double
    package var durationSeconds: Double
    package var dataSet: String?
    package var tokenizer: String?
    /// The run's settings as recorded (without its name).
    package var hyperParameters: JSONValue
    /// The newest value of each headline tag (train/loss, val/loss, train/tokens_per_s, train/lr, train/grad_norm).
    package var last: [String: Double]
    package var host: String?
    package var user: String?
    /// Processes that trained it (data-parallel over MPI).
    package var ranks: Int

    package init(_ r: RunRecord, last given: [String: Double]) {
        var last = given
        // The record carries the newest losses already.
        if let v = r.lastTrainLoss { last["train/loss"] = v }
        if let v = r.lastValLoss { last["val/loss"] = v }
        var hp = JSONValue.parse(r.config)
        if case .object(var o) = hp { o.removeValue(forKey: "name"); hp = .object(o) }
        let status = r.displayStatus
        let end = status == "live" ? max(r.updatedAt, Date().timeIntervalSince1970) : r.updatedAt
        id = r.id; name = r.name; kind = r.kind; self.status = status; storedStatus = r.status; step = r.step; totalSteps = r.totalSteps
        parameterCount = r.parameterCount; createdAt = r.createdAt; updatedAt = r.updatedAt
        durationSeconds = max(0, end - r.createdAt)
        dataSet = r.dataSet
        tokenizer = hp["tokenizer"]?.string
        hyperParameters = hp
        self.last = last.filter { $0.value.isFinite }
        host = r.host
        user = r.user
        ranks = r.ranks
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, status, storedStatus = "stored_status", step, totalSteps = "total_steps", parameterCount = "parameter_count"
        case createdAt = "created_at", updatedAt = "updated_at", durationSeconds = "duration_s", dataSet = "data_set", tokenizer
        case hyperParameters = "hyper_parameters", last, host, user, ranks
    }

    // Absent values are written as null (the pages tell "none" from "not sent").
    package func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(name, forKey: .name); try c.encode(kind, forKey: .kind); try c.encode(status, forKey: .status)
        try c.encode(storedStatus, forKey: .storedStatus); try c.encode(step, forKey: .step); try c.encode(totalSteps, forKey: .totalSteps)
        try c.encode(parameterCount, forKey: .parameterCount); try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt); try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(dataSet, forKey: .dataSet); try c.encode(tokenizer, forKey: .tokenizer)
        try c.encode(hyperParameters, forKey: .hyperParameters); try c.encode(last, forKey: .last); try c.encode(host, forKey: .host)
        try c.encode(user, forKey: .user); try c.encode(ranks, forKey: .ranks)
    }
}

/// One run with what its page needs besides the series (`GET /api/runs/{run}`).
package struct RunDetail: Encodable, Sendable {
    package struct Checkpoint: Encodable, Sendable {
        package var step: Int; package var path: String
        package init(step: Int, path: String) { self.step = step; self.path = path }
    }
    package struct Message: Encodable, Sendable {
        package var step: Int; package var level: String; package var text: String
        package init(step: Int, level: String, text: String) { self.step = step; self.level = level; self.text = text }
    }
    package struct Figure: Encodable, Sendable { package var name: String; package var count: Int }
    package struct Sample: Encodable, Sendable {
        package var step: Int; package var text: String
        package init(step: Int, text: String) { self.step = step; self.text = text }
    }
    package var summary: RunSummary
    package var tags: [String]
    package var histogramTags: [String]
    package var checkpoints: [Checkpoint]
    package var messages: [Message]
    package var sampleCount: Int
    /// The figures recorded at checkpoints (e.g. an MLP's `mlp`), with how many steps each has.
    package var figures: [Figure]

    enum CodingKeys: String, CodingKey { case tags, histogramTags = "histogram_tags", checkpoints, messages, sampleCount = "sample_count", figures }

    /// The summary's fields, then the detail's, in one object.
    package func encode(to encoder: Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tags, forKey: .tags); try c.encode(histogramTags, forKey: .histogramTags)
        try c.encode(checkpoints, forKey: .checkpoints); try c.encode(messages, forKey: .messages); try c.encode(sampleCount, forKey: .sampleCount)
        try c.encode(figures, forKey: .figures)
    }
}

/// `glassbox runs show --json`: the run's detail, its loss curves as [step, value] pairs, the newest value of every
/// scalar (`scalars`: tag → step and value) and its samples.
package struct RunReport: Encodable, Sendable {
    package struct Scalar: Encodable, Sendable { package var step: Int; package var value: Double }
    package var detail: RunDetail
    package var trainLoss: [[Double]]
    package var valLoss: [[Double]]
    package var scalars: [String: Scalar]
    package var samples: [RunDetail.Sample]

    enum CodingKeys: String, CodingKey { case trainLoss = "train_loss", valLoss = "val_loss", scalars, samples }

    package func encode(to encoder: Encoder) throws {
        try detail.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(trainLoss, forKey: .trainLoss); try c.encode(valLoss, forKey: .valLoss)
        try c.encode(scalars.filter { $0.value.value.isFinite }, forKey: .scalars); try c.encode(samples, forKey: .samples)
    }
}

/// The one description of runs, under `glassbox runs` and the studio's `/api/runs`.
package enum RunDescriptions {
    /// The tags a run's summary shows the newest value of.
    package static let headlineTags = ["train/loss", "val/loss", "train/tokens_per_s", "train/examples_per_s", "train/lr", "train/grad_norm",
                                       "val/accuracy", "val/mse", "val/exact_match"]

    /// Every run of the store, newest first, with its headline values.
    package static func summaries(_ db: any RunStorage) throws -> [RunSummary] {
        let last = try db.lastValues(tags: headlineTags.filter { $0 != "train/loss" && $0 != "val/loss" })
        return try db.runs().map { RunSummary($0, last: last[$0.id] ?? [:]) }
    }

    /// One run (its id, exactly) with its tags, checkpoints, messages and figures.
    package static func detail(_ db: any RunStorage, run id: String) throws -> RunDetail {
        let r = try db.run(id)
        var last: [String: Double] = [:]
        for s in try db.lastScalars(run: r.id) where headlineTags.contains(s.tag) { last[s.tag] = s.value }
        return RunDetail(summary: RunSummary(r, last: last), tags: try db.tags(run: r.id), histogramTags: try db.histogramTags(run: r.id),
                         checkpoints: try checkpoints(db, run: r.id), messages: try messages(db, run: r.id),
                         sampleCount: try db.sampleCount(run: r.id), figures: try db.figureNames(run: r.id).map { .init(name: $0.name, count: $0.count) })
    }

    package static func report(_ db: any RunStorage, run id: String) throws -> RunReport {
        let d = try detail(db, run: id)
        let id = d.summary.id
        return RunReport(detail: d, trainLoss: try db.series(run: id, tag: "train/loss").map { [Double($0.step), $0.value] },
                         valLoss: try db.series(run: id, tag: "val/loss").map { [Double($0.step), $0.value] },
                         scalars: Dictionary(try db.lastScalars(run: id).map { ($0.tag, RunReport.Scalar(step: $0.step, value: $0.value)) },
                                             uniquingKeysWith: { a, _ in a }),
                         samples: try samples(db, run: id))
    }

    package static func samples(_ db: any RunStorage, run id: String) throws -> [RunDetail.Sample] {
        try db.samples(run: id).map { .init(step: $0.step, text: $0.text) }
    }

    package static func messages(_ db: any RunStorage, run id: String) throws -> [RunDetail.Message] {
        try db.messages(run: id).map { .init(step: $0.step, level: $0.level, text: $0.text) }
    }

    package static func checkpoints(_ db: any RunStorage, run id: String) throws -> [RunDetail.Checkpoint] {
        try db.checkpoints(run: id).map { .init(step: $0.step, path: $0.path) }
    }

    /// Orders "transformer.h.10.x" after "transformer.h.9.x" (numeric layer indices), embeddings first.
    package static func parameterOrder(_ a: String, _ b: String) -> Bool {
        func key(_ s: String) -> [String] {
            s.split(separator: ".").map { part in Int(part).map { String(format: "%06d", $0) } ?? String(part) }
        }
        return key(a).lexicographicallyPrecedes(key(b))
    }
}

/// The document of a fine-tuning or MLP run's self-contained page (`finetune --html`, `train-mlp --html`): the
/// run, every checkpoint's figure as recorded, and for fine-tuning the checkpoints, losses and peak memory.
package struct RunPageDocument: Encodable, Sendable {
    package struct Run: Encodable, Sendable {
        package var id: String, name: String, status: String, step: Int, parameterCount: Int, config: JSONValue
        enum CodingKeys: String, CodingKey { case id, name, status, step, parameterCount = "parameter_count", config }
    }
    package struct Point: Encodable, Sendable { package var step: Int; package var value: Double }
    package struct Metrics: Encodable, Sendable {
        package var val: [Point], train: [Point], peakRSSMB: Double?, peakTensorMB: Double?
        enum CodingKeys: String, CodingKey { case val, train, peakRSSMB = "peak_rss_mb", peakTensorMB = "peak_tensor_mb" }
    }
    package var run: Run
    /// Each checkpoint's figure document, as its task recorded it.
    package var figures: [JSONValue]
    package var checkpoints: [RunDetail.Checkpoint]?
    package var metrics: Metrics?

    /// The page of run `id` with its figures named `figure`; `config` replaces the stored settings where given.
    package init(run id: String, figure: String, in store: any RunStorage, config: JSONValue? = nil, losses: Bool) throws {
        let record = try store.run(id)
        run = Run(id: record.id, name: record.name, status: record.status, step: record.step,
                  parameterCount: record.parameterCount, config: try config ?? record.settings)
        figures = try store.figures(run: id, name: figure).map { f in
            do { return try JSONValue(json: f.document) } catch {
                throw RunStoreError("run \(id): its \(figure) figure at step \(f.step) is not JSON (\(error.localizedDescription))")
            }
        }
        guard losses else { return }
        let points = { (tag: String) throws in try store.series(run: id, tag: tag) }
        checkpoints = try store.checkpoints(run: id).map { RunDetail.Checkpoint(step: $0.step, path: $0.path) }
        metrics = Metrics(val: try points("val/loss").map { Point(step: $0.step, value: $0.value) },
                          train: try points("train/loss").map { Point(step: $0.step, value: $0.value) },
                          peakRSSMB: try points("memory/peak_rss_mb").last?.value,
                          peakTensorMB: try points("memory/peak_tensor_mb").last?.value)
    }
}
