import ArgumentParser
import Foundation
import Interpretability
import RunStore

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List and show recorded training runs.",
        subcommands: [List.self, Show.self]
    )

    struct Options: ParsableArguments {
        @Option(help: "Where runs are stored.") var runsDir: String = "runs"
        @Option(help: "A shared run store, postgres://USER@HOST/DATABASE (?sslmode=require for TLS; the password from the URL or PGPASSWORD). Default: $GLASSBOX_STORE, else the runs directory.") var store: String?
        @Flag(help: "Machine-readable output.") var json = false

        func database() throws -> any RunStorage {
            guard !runsDir.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--runs-dir is empty: give a folder for the runs") }
            let url = RunStores.url(option: store)
            guard RunStores.exists(url: url, runsDirectory: URL(fileURLWithPath: runsDir)) else {
                throw ValidationError("no runs in '\(url.map(PostgresURL.redacting) ?? runsDir)' (train one with: glassbox train)")
            }
            let db = try RunStores.open(url: url, runsDirectory: URL(fileURLWithPath: runsDir))
            // A run whose process died without a word (SIGKILL, a lost rank 0) is marked failed, not left running.
            for problem in db.markAbandonedRuns().problems { Terminal.err("warning: \(problem)") }
            return db
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per run.")
        @OptionGroup var options: Options

        func run() throws {
            let runs = try options.database().runs()
            if options.json {
                print(try DocumentCoding.line(try RunDescriptions.summaries(options.database())))
                return
            }
            if runs.isEmpty { print("no runs yet"); return }
            // The run column holds the name where one was given (the id otherwise); either selects the run.
            let width = max(24, runs.map { $0.name.count + 1 }.max() ?? 0)
            let dataWidth = min(28, max(5, runs.map { ($0.dataSet ?? "-").count + 1 }.max() ?? 0))
            func right(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
            print(Terminal.bold(Terminal.padded("RUN", width) + Terminal.padded("KIND", 9) + Terminal.padded("STATUS", 12) + right("STEP", 13)
                                + right("TRAIN", 9) + right("VAL", 9) + right("PARAMS", 9) + "  " + Terminal.padded("DATA", dataWidth) + "TOKENIZER"))
            for r in runs {
                let train = r.lastTrainLoss.map { String(format: "%.4f", $0) } ?? "-"
                let val = r.lastValLoss.map { String(format: "%.4f", $0) } ?? "-"
                print(Terminal.padded(r.name, width) + Terminal.padded(r.kind, 9) + Terminal.padded(r.displayStatus, 12) + right("\(r.step)/\(r.totalSteps)", 13)
                      + right(train, 9) + right(val, 9) + right(Terminal.compactCount(r.parameterCount), 9) + "  "
                      + Terminal.padded(String((r.dataSet ?? "-").prefix(dataWidth - 1)), dataWidth) + (r.tokenizer ?? "-"))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A run's loss curves and the last value of every scalar.")
        @Argument(help: "Run id (or a unique prefix).") var id: String
        @OptionGroup var options: Options

        func run() throws {
            let db = try options.database()
            let r = try db.run(id)
            let train = try db.series(run: r.id, tag: "train/loss")
            let val = try db.series(run: r.id, tag: "val/loss")
            let last = try db.lastScalars(run: r.id)
            let samples = try db.samples(run: r.id)
            let messages = try db.messages(run: r.id)
            let checkpoints = try db.checkpoints(run: r.id)
            if options.json {
                print(try DocumentCoding.line(try RunDescriptions.report(db, run: r.id)))
                return
            }
            print(Terminal.bold("run \(r.id)") + (r.name != r.id ? " (\(r.name))" : "") + "  \(r.displayStatus), step \(r.step)/\(r.totalSteps), \(r.parameterCount) parameters")
            let origin = [r.user.map { "by \($0)" }, r.host.map { "on \($0)" }, r.ranks > 1 ? "\(r.ranks) ranks (data-parallel)" : nil].compactMap { $0 }
            if !origin.isEmpty { print(Terminal.dim("  " + origin.joined(separator: " "))) }
            do {
                let cfg = try r.settings
                let keys = ["dataPath", "tokenizer", "task", "csv", "target", "arch", "attention", "hidden", "activation", "optimizer", "loss",
                            "layers", "heads", "width", "block", "batch", "learningRate", "schedule", "weightDecay", "dropout", "seed"]
                print(Terminal.dim("  " + keys.compactMap { k in cfg[k].map { "\(k)=\($0.text)" } }.joined(separator: " ")))
            } catch {
                // A damaged store: the rest of the run still shows, and the reader is told why its settings do not.
                print(Terminal.yellow("  \(error)"))
            }
            if !train.isEmpty {
                print("train loss " + Terminal.green(Terminal.sparkline(train.map(\.value)))
                      + String(format: "  %.4f → %.4f", train.first!.value, train.last!.value))
            }
            if !val.isEmpty {
                print("val loss   " + Terminal.yellow(Terminal.sparkline(val.map(\.value)))
                      + String(format: "  %.4f → %.4f", val.first!.value, val.last!.value))
            }
            let headline = last.filter { !$0.tag.contains("/transformer.") }
            if !headline.isEmpty {
                print(Terminal.bold("\nlast values"))
                for s in headline { print("  \(s.tag.padding(toLength: 22, withPad: " ", startingAt: 0)) \(String(format: "%12.6g", s.value))  (step \(s.step))") }
            }
            // One row per parameter: its gradient norm and update-to-weight ratio.
            var perParam: [String: (grad: Double?, ratio: Double?)] = [:]
            for s in last where s.tag.contains("/transformer.") {
                let name = String(s.tag.split(separator: "/", maxSplits: 1)[1])
                if s.tag.hasPrefix("grad_norm/") { perParam[name, default: (nil, nil)].grad = s.value }
                if s.tag.hasPrefix("update_ratio/") { perParam[name, default: (nil, nil)].ratio = s.value }
            }
            if !perParam.isEmpty {
                print(Terminal.bold("\n" + "parameter".padding(toLength: 46, withPad: " ", startingAt: 0) + "   grad norm   update/weight"))
                func cell(_ v: Double?) -> String { v.map { String(format: "%12.4g", $0) } ?? String(repeating: " ", count: 11) + "-" }
                for name in perParam.keys.sorted(by: RunDescriptions.parameterOrder) {
                    let v = perParam[name]!
                    print("  \(name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(cell(v.grad))    \(cell(v.ratio))")
                }
            }
            for m in messages { print(Terminal.yellow("\(m.level) at step \(m.step): ") + m.text) }
            if let s = samples.last {
                print(Terminal.bold("\nsample at step \(s.step)"))
                print(s.text)
            }
            if let c = checkpoints.last { print(Terminal.dim("\nlatest checkpoint: \(c.path)")) }
        }
    }
}

