import Foundation
import RunStore

/// A run as the runs table and the run page's header show it (`GET /api/runs`, docs/studio-api.md).
struct RunSummary: Encodable, Sendable {
    var id: String
    var name: String
    /// What the run trains: gpt, mlp, ...
    var kind: String
    /// live | stale | finished | failed | stopped | stopped-early | imported
    var status: String
    var storedStatus: String
    var step: Int
    var totalSteps: Int
    var parameterCount: Int
    var createdAt: Double
    var updatedAt: Double
    var durationSeconds: Double
    var dataSet: String?
    var tokenizer: String?
    /// The run's settings as recorded (without its name).
    var hyperParameters: JSONValue
    /// The newest value of each headline tag (train/loss, val/loss, train/tokens_per_s, train/lr, train/grad_norm).
    var last: [String: Double]
    var host: String?
    var user: String?
    /// Processes that trained it (data-parallel over MPI).
    var ranks: Int

    init(_ r: RunRecord, last given: [String: Double]) {
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
    func encode(to encoder: Encoder) throws {
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
struct RunDetail: Encodable, Sendable {
    struct Checkpoint: Encodable, Sendable { var step: Int; var path: String }
    struct Message: Encodable, Sendable { var step: Int; var level: String; var text: String }
    struct Figure: Encodable, Sendable { var name: String; var count: Int }
    var summary: RunSummary
    var tags: [String]
    var histogramTags: [String]
    var checkpoints: [Checkpoint]
    var messages: [Message]
    var sampleCount: Int
    /// The figures recorded at checkpoints (e.g. an MLP's `mlp`), with how many steps each has.
    var figures: [Figure]

    enum CodingKeys: String, CodingKey { case tags, histogramTags = "histogram_tags", checkpoints, messages, sampleCount = "sample_count", figures }

    /// The summary's fields, then the detail's, in one object.
    func encode(to encoder: Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tags, forKey: .tags); try c.encode(histogramTags, forKey: .histogramTags)
        try c.encode(checkpoints, forKey: .checkpoints); try c.encode(messages, forKey: .messages); try c.encode(sampleCount, forKey: .sampleCount)
        try c.encode(figures, forKey: .figures)
    }
}
