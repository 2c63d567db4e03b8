import Foundation
import TensorCore

/// What each `bench` subcommand prints with --json: one typed record per command (the scripts under bench/ read
/// these keys). A number that is not finite prints as null.
enum BenchDocument {
    struct Finetune: Encodable {
        var steps: Int, batch: Int, loraRank: Int, targets: [String], threads: Int
        var medianStepS: Double, stepsPerS: Double, tokensPerS: Double, trainableParameters: Int
        var peakRSSMB: Double, rssAtStartMB: Double, peakTensorMB: Double
        /// Each timed step's [examples, padded length, response tokens].
        var shapes: [[Int]]
        enum CodingKeys: String, CodingKey {
            case steps, batch, loraRank = "lora_rank", targets, threads, medianStepS = "median_step_s", stepsPerS = "steps_per_s"
            case tokensPerS = "tokens_per_s", trainableParameters = "trainable_parameters", peakRSSMB = "peak_rss_mb"
            case rssAtStartMB = "rss_at_start_mb", peakTensorMB = "peak_tensor_mb", shapes
        }
    }

    struct Train: Encodable {
        var preset: String, tokensPerS: Double, mfu: Double, sgemmPeakGflops: Double, threads: Int, system: SystemReport
        var stepMsMedian: Double, parameters: Int, flopsPerToken: Double
        /// With --breakdown: the median forward, backward and clip + optimizer times.
        var forwardMs: Double?, backwardMs: Double?, optimizerMs: Double?
        enum CodingKeys: String, CodingKey {
            case preset, tokensPerS = "tokens_per_s", mfu, sgemmPeakGflops = "sgemm_peak_gflops", threads, system
            case stepMsMedian = "step_ms_median", parameters, flopsPerToken = "flops_per_token"
            case forwardMs = "forward_ms", backwardMs = "backward_ms", optimizerMs = "optimizer_ms"
        }
    }

    struct Infer: Encodable {
        var prefill128TokensPerS: Double, prefill512TokensPerS: Double, decodeTokensPerS: Double, threads: Int
        var model: String, system: SystemReport
        enum CodingKeys: String, CodingKey {
            case prefill128TokensPerS = "prefill_128_tokens_per_s", prefill512TokensPerS = "prefill_512_tokens_per_s"
            case decodeTokensPerS = "decode_tokens_per_s", threads, model, system
        }
    }

    /// The memory of caching every hook point (all of `bench inspect --memory-only`).
    struct InspectMemory: Encodable {
        var memoryTokens: Int, cachedTensors: Int, cachedBytes: Int, peakResidentGrowthBytes: Int, modelFileBytes: Int
        enum CodingKeys: String, CodingKey {
            case memoryTokens = "memory_tokens", cachedTensors = "cached_tensors", cachedBytes = "cached_bytes"
            case peakResidentGrowthBytes = "peak_resident_growth_bytes", modelFileBytes = "model_file_bytes"
        }
    }

    struct Inspect: Encodable {
        var memory: InspectMemory
        var firstAnswerS: Double, firstAnswerParts: [String], patchTokens: Int, patchScanS: Double
        var patchFirstRowsS: Double, patchResidualS: Double, tokens: Int
        var plainForwardS: Double, cacheAllForwardS: Double, cacheAllRatio: Double
        var igZero32RiemannS: Double, igZero32Ratio: Double, igDefaultS: Double, igDefaultRatio: Double
        var igDefaultSteps: Int, igDefaultRelativeGap: Double, threads: Int, system: SystemReport
        enum CodingKeys: String, CodingKey {
            case firstAnswerS = "first_answer_s", firstAnswerParts = "first_answer_parts", patchTokens = "patch_tokens"
            case patchScanS = "patch_scan_s", patchFirstRowsS = "patch_first_rows_s", patchResidualS = "patch_residual_s", tokens
            case plainForwardS = "plain_forward_s", cacheAllForwardS = "cache_all_forward_s", cacheAllRatio = "cache_all_ratio"
            case igZero32RiemannS = "ig_zero_32_riemann_s", igZero32Ratio = "ig_zero_32_ratio", igDefaultS = "ig_default_s"
            case igDefaultRatio = "ig_default_ratio", igDefaultSteps = "ig_default_steps", igDefaultRelativeGap = "ig_default_relative_gap"
            case threads, system
        }
        /// The memory figures sit beside the timings, in one flat object.
        func encode(to encoder: Encoder) throws {
            try memory.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(firstAnswerS, forKey: .firstAnswerS); try c.encode(firstAnswerParts, forKey: .firstAnswerParts)
            try c.encode(patchTokens, forKey: .patchTokens); try c.encode(patchScanS, forKey: .patchScanS)
            try c.encode(patchFirstRowsS, forKey: .patchFirstRowsS); try c.encode(patchResidualS, forKey: .patchResidualS)
            try c.encode(tokens, forKey: .tokens); try c.encode(plainForwardS, forKey: .plainForwardS)
            try c.encode(cacheAllForwardS, forKey: .cacheAllForwardS); try c.encode(cacheAllRatio, forKey: .cacheAllRatio)
            try c.encode(igZero32RiemannS, forKey: .igZero32RiemannS); try c.encode(igZero32Ratio, forKey: .igZero32Ratio)
            try c.encode(igDefaultS, forKey: .igDefaultS); try c.encode(igDefaultRatio, forKey: .igDefaultRatio)
            try c.encode(igDefaultSteps, forKey: .igDefaultSteps); try c.encode(igDefaultRelativeGap, forKey: .igDefaultRelativeGap)
            try c.encode(threads, forKey: .threads); try c.encode(system, forKey: .system)
        }
    }

    struct Series: Encodable {
        var points: Int, buckets: Int, recordS: Double, recordPointsPerS: Double, coldMs: Double, chunks: Int
        var warmMsMedian: Double, readMsMedian: Double, spikeStep: Int, spikeKept: Bool
        var recordUsPerLoggedStep: Double, scalarsPerLoggedStep: Int, system: SystemReport
        enum CodingKeys: String, CodingKey {
            case points, buckets, recordS = "record_s", recordPointsPerS = "record_points_per_s", coldMs = "cold_ms", chunks
            case warmMsMedian = "warm_ms_median", readMsMedian = "read_ms_median", spikeStep = "spike_step", spikeKept = "spike_kept"
            case recordUsPerLoggedStep = "record_us_per_logged_step", scalarsPerLoggedStep = "scalars_per_logged_step", system
        }
    }

    struct Store: Encodable {
        var store: String, location: String, writers: Int, steps: Int, tags: Int, flushEvery: Int
        var rows: Int, seconds: Double, rowsPerS: Double, flushMsMedian: Double, flushMsP95: Double
        var rowsPerFlush: Int, seriesReadMsMedian: Double, seriesPoints: Int
        enum CodingKeys: String, CodingKey {
            case store, location, writers, steps, tags, flushEvery = "flush_every", rows, seconds, rowsPerS = "rows_per_s"
            case flushMsMedian = "flush_ms_median", flushMsP95 = "flush_ms_p95", rowsPerFlush = "rows_per_flush"
            case seriesReadMsMedian = "series_read_ms_median", seriesPoints = "series_points"
        }
    }
}

/// `tokenize --json`: the ids, each token's string, how it shows (a part of a character as byte escapes), and the
/// character groups.
struct TokenizeDocument: Encodable {
    var ids: [Int], tokens: [String], shown: [String], groups: [Int], groupTexts: [String]
    enum CodingKeys: String, CodingKey { case ids, tokens, shown, groups, groupTexts = "group_texts" }
}

/// `info --json` on a model file.
struct ModelInfoDocument: Encodable {
    var path: String, architecture: String, sizeClass: String
    var hyperParameters: [String: String], parameters: [String: Int], parametersTotal: Int
    var bytesByType: [String: Int], weightBytes: Int, kvCacheBytesFullContext: Int, memoryBytes: Int, vocabularySize: Int
    enum CodingKeys: String, CodingKey {
        case path, architecture, sizeClass = "size_class", hyperParameters = "hyper_parameters", parameters
        case parametersTotal = "parameters_total", bytesByType = "bytes_by_type", weightBytes = "weight_bytes"
        case kvCacheBytesFullContext = "kv_cache_bytes_full_context", memoryBytes = "memory_bytes", vocabularySize = "vocabulary_size"
    }
}
