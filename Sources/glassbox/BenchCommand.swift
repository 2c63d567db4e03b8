import Tokenization
import ArgumentParser
import Foundation
import Interpretability
import Models
import NeuralNet
import TensorCore
import Training

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed (release builds; compare with the reference scripts in bench/).",
        subcommands: [BenchTrain.self, BenchFinetune.self, BenchInfer.self, BenchInspect.self, BenchSeries.self, BenchStore.self]
    )
}

struct BenchFinetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "LoRA fine-tuning steps/s of the bundled model on the bundled instructions (forward, backward through the quantised weights, AdamW), and peak memory.",
        discussion: "--json lists each timed step's shape (examples, padded length, response tokens) so that bench/finetune_vs_pytorch.sh runs the reference on the same shapes."
    )

    @Option(help: "The base model (default: the bundled SmolLM2-135M-Instruct).") var model: String?
    @Option(help: "Instruction data (default: the bundled instructions.jsonl).") var data: String?
    @Option(help: "Timed steps (after warm-up).") var steps: Int = 10
    @Option(help: "Warm-up steps.") var warmup: Int = 2
    @Option(help: "Examples per step.") var batch: Int = 4
    @Option(help: "LoRA rank.") var loraRank: Int = 8
    @Option(help: "Projections: attention or all.") var targets: String = "attention"
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        Parallel.setThreads(threads ?? Parallel.threads)
        guard steps > 0, warmup >= 0 else { throw ValidationError("--steps must be positive and --warmup >= 0") }
        let started = BufferMemory.residentBytes()
        let base = try ModelLoader.load(model)
        guard let dataPath = data ?? defaultDataPath("instructions.jsonl") else { throw ValidationError("no --data and no bundled instructions.jsonl") }
        var c = FinetuneConfig(model: base.path, data: dataPath)
        c.batch = batch; c.rank = loraRank; c.alpha = Float(2 * loraRank); c.compare = 0; c.validationExamples = 8
        c.targets = targets == "all" ? LoRAAdapter.attentionTargets + LoRAAdapter.mlpTargets : LoRAAdapter.attentionTargets
        let task = try FinetuneTask(config: c, base: base)
        var rng = RandomGenerator(seed: 1), dropout = RandomGenerator(seed: 2)
        var times: [Double] = [], shapes: [[Int]] = []
        BufferMemory.resetPeak()
        for i in 0..<(warmup + steps) {
            let b = task.batch(rng: &rng)
            let t0 = Date()
            for (_, p) in task.parameters { p.grad = nil }
            let loss = task.loss(b, dropout: &dropout)
            loss.backward()
            clipGradNorm(task.parameters.map(\.1), maxNorm: 1)
            task.optimizer.step()
            let dt = Date().timeIntervalSince(t0)
            if i >= warmup {
                times.append(dt)
                let s = task.shape(of: b)
                shapes.append([s.examples, s.length, s.targets])
            }
        }
        let sorted = times.sorted()
        let median = sorted[sorted.count / 2]
        let tokens = shapes.reduce(0) { $0 + $1[0] * $1[1] }
        let result = BenchDocument.Finetune(
            steps: steps, batch: batch, loraRank: loraRank, targets: c.targets, threads: Parallel.threads,
            medianStepS: median, stepsPerS: 1 / median, tokensPerS: Double(tokens) / times.reduce(0, +),
            trainableParameters: task.parameters.reduce(0) { $0 + $1.1.count },
            peakRSSMB: Double(BufferMemory.peakResidentBytes()) / 1_048_576, rssAtStartMB: Double(started) / 1_048_576,
            peakTensorMB: Double(BufferMemory.peakLiveBytes) / 1_048_576, shapes: shapes)
        if json { print(Terminal.jsonLine(result)); return }
        print(String(format: "LoRA fine-tuning, r %d on %@, batch %d: %.2f steps/s (median step %.2f s), %.0f tokens/s; peak resident %.0f MiB, tensors at most %.0f MiB",
                     loraRank, c.targets.joined(separator: " "), batch, 1 / median, median, Double(tokens) / times.reduce(0, +),
                     Double(BufferMemory.peakResidentBytes()) / 1_048_576, Double(BufferMemory.peakLiveBytes) / 1_048_576))
    }
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s (forward + backward + AdamW) and model-FLOPs utilisation against this machine's sgemm peak."
    )

    @Option(help: "Model preset: s or m.") var preset: String = "s"
    @Option(help: "Timed steps (after warm-up); default 20 for s, 6 for m.") var steps: Int?
    @Option(help: "Warm-up steps.") var warmup: Int = 3
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Vocabulary size (tinyshakespeare's characters: 65).") var vocab: Int = 65
    @Flag(help: "Also report the median forward, backward and optimizer times.") var breakdown = false
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        Parallel.setThreads(threads ?? Parallel.threads)
        var tc = TrainConfig(dataPath: "")
        try tc.apply(preset: preset)
        let config = tc.modelConfig(vocabSize: vocab)
        let B = tc.batch, T = tc.block
        let model = GPT(config, seed: 0)
        let opt = Adam.adamW(model.namedParameters(), lr: 1e-4, beta1: 0.9, beta2: 0.99, weightDecay: 0.1, decay: .matricesOnly)
        var rng = RandomGenerator(seed: 1)
        let params = model.parameters
        var phases: [[Double]] = [[], [], []]
        func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
        func step() {
            let x = (0..<(B * T)).map { _ in Int32(rng.nextInt(vocab)) }
            let y = (0..<(B * T)).map { _ in Int32(rng.nextInt(vocab)) }
            model.zeroGrad()
            let t0 = now()
            let loss = model.loss(logits: model.forward(x, batch: B, time: T), targets: y)
            let t1 = now()
            loss.backward()
            let t2 = now()
            clipGradNorm(params, maxNorm: 1)
            opt.step()
            let t3 = now()
            for (i, d) in [t1 - t0, t2 - t1, t3 - t2].enumerated() { phases[i].append(Double(d) / 1e6) }
        }
        for _ in 0..<warmup { step() }
        phases = [[], [], []]
        let n = steps ?? (preset == "m" ? 6 : 20)
        var times: [Double] = []
        for _ in 0..<n {
            let t0 = DispatchTime.now().uptimeNanoseconds
            step()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        times.sort()
        let median = times[times.count / 2]
        let tokensPerSecond = Double(B * T) / median
        let system = SystemReport.current(measureSgemm: true)
        let peak = system.sgemmGflops ?? 0
        let flopsPerToken = config.trainingFlopsPerToken(parameterCount: model.parameterCount, context: T)
        let mfu = flopsPerToken * tokensPerSecond / (peak * 1e9)
        let phaseMedians = phases.map { $0.sorted()[$0.count / 2] }
        if json {
            print(Terminal.jsonLine(BenchDocument.Train(
                preset: preset, tokensPerS: tokensPerSecond, mfu: mfu, sgemmPeakGflops: peak, threads: Parallel.threads, system: system,
                stepMsMedian: median * 1000, parameters: model.parameterCount, flopsPerToken: flopsPerToken,
                forwardMs: breakdown ? phaseMedians[0] : nil, backwardMs: breakdown ? phaseMedians[1] : nil,
                optimizerMs: breakdown ? phaseMedians[2] : nil)))
        } else {
            print(String(format: "preset %@: %.0f tokens/s (median step %.1f ms over %d steps), MFU %.1f%% of %.1f GFLOP/s sgemm peak, %d threads",
                         preset, tokensPerSecond, median * 1000, n, mfu * 100, peak, Parallel.threads))
            print(Terminal.dim(system.oneLine))
            if breakdown {
                print(String(format: "  forward %.1f ms, backward %.1f ms, clip + optimizer %.1f ms (medians)",
                             phaseMedians[0], phaseMedians[1], phaseMedians[2]))
            }
        }
    }
}

struct BenchInfer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Prefill tokens/s (128- and 512-token prompts) and decode tokens/s (128 new tokens), medians of several runs."
    )
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Repetitions (the median is reported).") var repeats: Int = 3
    @Option(help: "New tokens for the decode measurement.") var decodeTokens: Int = 128
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        let model = loaded.model
        // Real text as the prompt: the bundled corpus, tokenised.
        let text = try defaultCorpusPath().map { try String(contentsOfFile: $0, encoding: .utf8) }.map { String($0.prefix(20_000)) }
            ?? String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 400)
        let all = try loaded.tokenizer.encodeText(text)
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        func prefill(_ n: Int) -> Double {
            let ids = Array(all.prefix(n))
            return median((0..<repeats).map { _ in
                let s = model.makeSession(capacity: n + 1)
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = s.feed(ids)
                return Double(n) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            })
        }
        _ = prefill(16)  // warm-up: page in the mapped weights
        let p128 = prefill(128), p512 = prefill(512)
        let decode = median((0..<repeats).map { _ in
            let s = model.makeSession(capacity: 32 + decodeTokens + 1)
            var logits = s.feed(Array(all.prefix(32)))
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<decodeTokens {
                var best = 0
                for i in 1..<logits.count where logits[i] > logits[best] { best = i }
                logits = s.feed([Int32(best)])
            }
            return Double(decodeTokens) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        })
        if json {
            print(Terminal.jsonLine(BenchDocument.Infer(prefill128TokensPerS: p128, prefill512TokensPerS: p512, decodeTokensPerS: decode,
                                                        threads: Parallel.threads, model: loaded.path,
                                                        system: SystemReport.current(measureSgemm: false))))
        } else {
            print(String(format: "prefill 128: %.0f tok/s, prefill 512: %.0f tok/s, decode: %.1f tok/s (%d threads, medians of %d)",
                         p128, p512, decode, Parallel.threads, repeats))
            print(Terminal.dim(SystemReport.current(measureSgemm: false).oneLine))
        }
    }
}

struct BenchInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "The cost of looking inside: a forward caching every hook point, and integrated gradients, against a plain forward (medians).",
        discussion: "Also the memory of caching every hook point: the resident-size growth against the cached tensors' bytes."
    )
    @OptionGroup var modelOptions: ModelOptions
    @Option(help: "Prompt tokens for the forward and attribution measurements.") var tokens: Int = 256
    @Option(help: "Prompt tokens for the memory measurement.") var memoryTokens: Int = 512
    @Option(help: "Repetitions (the median is reported).") var repeats: Int = 3
    @Option(help: "Prompt tokens for the patching scan (every layer × every position, and every head).") var patchTokens: Int = 32
    @Flag(help: "Only the memory measurement.") var memoryOnly = false
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let loaded = try modelOptions.load()
        guard let model = loaded.model as? any InspectableModel else { throw ValidationError("bench inspect needs a model the analyses can open (\(loaded.architecture) is not)") }
        let text = try defaultCorpusPath().map { try String(contentsOfFile: $0, encoding: .utf8) }.map { String($0.prefix(20_000)) }
            ?? String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 400)
        let all = try loaded.tokenizer.encodeText(text)
        guard all.count >= max(tokens, memoryTokens) else { throw ValidationError("the corpus has only \(all.count) tokens") }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        func time(_ body: () throws -> Void) rethrows -> Double {
            median(try (0..<repeats).map { _ in
                let t0 = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            })
        }
        // Memory first (a fresh process): resident size before, and the peak after, caching every hook point of a longer prompt.
        let memIDs = Array(all.prefix(memoryTokens))
        _ = GradMode.withoutGradients { model.run(Array(memIDs.prefix(16))) }     // page in the weights
        let before = BufferMemory.residentBytes()
        let hooks = Hooks(cache: { _ in true })
        _ = GradMode.withoutGradients { model.run(memIDs, hooks: hooks) }
        let after = BufferMemory.peakResidentBytes()
        let cachedBytes = hooks.cache.values.reduce(0) { $0 + $1.count * MemoryLayout<Float>.size }
        let ids = Array(all.prefix(tokens))
        let modelBytes = try FileManager.default.attributesOfItem(atPath: loaded.path)[.size] as? Int ?? 0
        let memory = BenchDocument.InspectMemory(memoryTokens: memoryTokens, cachedTensors: hooks.cache.count, cachedBytes: cachedBytes,
                                                 peakResidentGrowthBytes: after - before, modelFileBytes: modelBytes)
        if memoryOnly && json {
            print(Terminal.jsonLine(memory))
            return
        }
        if memoryOnly {
            print(String(format: "memory, %d tokens: %d cached tensors, %.1f MiB; peak resident size grew %.1f MiB (model file %.1f MiB)",
                         memoryTokens, hooks.cache.count, Double(cachedBytes) / 1048576, Double(after - before) / 1048576,
                         Double(modelBytes) / 1048576))
            return
        }
        let cachedCount = hooks.cache.count
        hooks.clearCache()
        let plain = time { _ = GradMode.withoutGradients { model.run(ids) } }
        let cached = time {
            let hooks = Hooks(cache: { _ in true })
            _ = GradMode.withoutGradients { model.run(ids, hooks: hooks) }
        }
        let target = GradMode.withoutGradients { () -> Int32 in
            let l = model.run(ids, logits: .last).scalars
            return Int32(l.indices.max { l[$0] < l[$1] }!)
        }
        let attributor = Attributor(model: model)
        let ig32 = time { _ = attributor.attribute(ids, target: target, baseline: .zero, steps: 32, rule: .rightRiemann) }
        var lastDefault: Attribution?
        let igDefault = time { lastDefault = attributor.attribute(ids, target: target) }
        // The studio's first answer: every analysis but the attributions, from one forward (the inspect page asks
        // for these first), through the same service the CLI and the studio call.
        let inspector = Inspector(model: model, tokenString: { loaded.tokenizer.tokenString($0) }, tokenText: { loaded.tokenizer.decodeText([$0]) },
                                  tokenBytes: { loaded.tokenizer.decodeBytes([$0]) })
        var firstOptions = InspectionOptions()
        firstOptions.parts = InspectPart.standard(positions: ids.count).subtracting([.attributions])
        firstOptions.compactAttention = true
        firstOptions.attentionLayers = [0, model.shape.layers - 1]
        let firstAnswer = try time { _ = try inspector.run(ids, options: firstOptions) }
        // A full patching scan on a shorter prompt: the corrupted prompt differs in one token.
        let patchIDs = Array(all.prefix(patchTokens))
        var corrupted = patchIDs
        corrupted[patchIDs.count / 2] = patchIDs[patchIDs.count / 2] == 13 ? 14 : 13
        // Also when the first group of layers arrives (the streamed map's first rows) and when the residual scan is done.
        var firstRows: [Double] = [], residualDone: [Double] = []
        let patchScan = try time {
            let t0 = DispatchTime.now().uptimeNanoseconds, L = model.shape.layers
            var seen = 0, first = true
            _ = try Patcher(model: model).run(clean: patchIDs, corrupted: corrupted, answer: patchIDs[patchIDs.count - 1], wrong: 13, onRows: { rows in
                let t = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                if first { firstRows.append(t); first = false }
                if rows.scan == .residual { seen += rows.layers.count; if seen == L { residualDone.append(t) } }
            })
        }
        let doc = BenchDocument.Inspect(
            memory: memory, firstAnswerS: firstAnswer, firstAnswerParts: firstOptions.parts.map(\.rawValue).sorted(),
            patchTokens: patchIDs.count, patchScanS: patchScan, patchFirstRowsS: median(firstRows), patchResidualS: median(residualDone),
            tokens: tokens, plainForwardS: plain, cacheAllForwardS: cached, cacheAllRatio: cached / plain,
            igZero32RiemannS: ig32, igZero32Ratio: ig32 / plain, igDefaultS: igDefault, igDefaultRatio: igDefault / plain,
            igDefaultSteps: lastDefault?.steps ?? 0, igDefaultRelativeGap: Double(lastDefault?.relativeGap ?? .nan),
            threads: Parallel.threads, system: SystemReport.current(measureSgemm: false))
        if json { print(Terminal.jsonLine(doc)); return }
        print(String(format: "forward, %d tokens: plain %.3f s, caching every hook point %.3f s (%.2fx)", tokens, plain, cached, cached / plain))
        print(String(format: "integrated gradients: zero baseline, 32 Riemann steps %.2f s (%.1fx a forward); default %.2f s (%.1fx; %d gradient points, completeness gap %.1f%%)",
                     ig32, ig32 / plain, igDefault, igDefault / plain, lastDefault?.steps ?? 0, 100 * Double(lastDefault?.relativeGap ?? .nan)))
        print(String(format: "first answer (%@), %d tokens: %.2f s", firstOptions.parts.map(\.rawValue).sorted().joined(separator: ", "), tokens, firstAnswer))
        print(String(format: "patching scan (%d layers × %d positions, and every head), %d tokens: %.2f s (first layers shown after %.2f s, residual stream done after %.2f s)",
                     model.shape.layers, patchIDs.count, patchIDs.count, patchScan, median(firstRows), median(residualDone)))
        print(String(format: "memory, %d tokens: %d cached tensors, %.1f MiB; peak resident size grew %.1f MiB",
                     memoryTokens, cachedCount, Double(cachedBytes) / 1048576, Double(after - before) / 1048576))
    }

}
