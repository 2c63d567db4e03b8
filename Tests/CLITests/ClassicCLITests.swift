import Foundation
import Testing

/// The classic models from the command line: `train mlp`, `train seq2seq`, `translate`, and their errors.
@Suite("Classic models on the command line")
struct ClassicCLITests {
    func lastJSON(_ out: String) -> [String: Any] {
        let line = out.split(separator: "\n").last.map(String.init) ?? ""
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    @Test func mlpFromTheCommandLine() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        let r = try glassbox(["train", "mlp", "--task", "moons", "--steps", "300", "--runs-dir", runs, "--no-tensorboard", "--json",
                              "--html", dir.appendingPathComponent("mlp.html").path])
        #expect(r.status == 0, "\(r.err)")
        let s = lastJSON(r.out)
        #expect(((s["val_accuracy"] as? Double) ?? 0) > 0.9 && s["train_accuracy"] != nil && s["warnings"] != nil, "\(s)")
        let page = try String(contentsOf: dir.appendingPathComponent("mlp.html"), encoding: .utf8)
        #expect(page.contains("\"kind\":\"mlp\"") && page.contains("cell_class"))
        // The overfitting preset warns (first warnings printed, the rest counted).
        let o = try glassbox(["train", "mlp", "--preset", "overfit", "--steps", "600", "--runs-dir", runs, "--no-tensorboard", "--json"])
        #expect(o.status == 0 && ((lastJSON(o.out)["warnings"] as? Int) ?? 0) > 0 && o.err.contains("overfitting"), "\(o.err.prefix(300))")
        // Regression: the summary holds val_mse and the noise it cannot beat.
        let sine = lastJSON(try glassbox(["train", "mlp", "--task", "sine", "--steps", "1500", "--runs-dir", runs, "--no-tensorboard", "--json"]).out)
        let mse = (sine["val_mse"] as? Double) ?? 1, noise = (sine["noise_variance"] as? Double) ?? 0
        #expect(mse <= 1.5 * noise, "val_mse \(mse) vs noise variance \(noise)")
        // The runs list says what each run trains and on what.
        let list = (try JSONSerialization.jsonObject(with: Data(try glassbox(["runs", "list", "--runs-dir", runs, "--json"]).out.utf8)) as? [[String: Any]]) ?? []
        #expect(list.first?["kind"] as? String == "mlp" && list.first?["data_set"] as? String == "moons", "\(list.first ?? [:])")
        // A GPT run cannot be resumed as an MLP.
        let gpt = try glassbox(["train", "--steps", "2", "--layers", "1", "--heads", "2", "--width", "16", "--block", "16", "--batch", "2",
                                "--runs-dir", runs, "--name", "tiny", "--no-tensorboard", "--json"])
        #expect(gpt.status == 0, "\(gpt.err)")
        let wrong = try glassbox(["train", "mlp", "--resume", "tiny", "--runs-dir", runs])
        #expect(wrong.status != 0 && wrong.err.contains("not an MLP"), "\(wrong.err)")
    }

    /// Bad settings and bad tables: a message naming the option, or the row and the column; nothing recorded.
    @Test func mlpBadInput() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        let csv = dir.appendingPathComponent("t.csv")
        try "a,b,y\n1,2,0\n3,4,1\n5,six,0\n7,8,1\n9,10,0\n".write(to: csv, atomically: true, encoding: .utf8)
        for (args, needle) in [
            (["--task", "zebra"], "unknown task 'zebra'"),
            (["--csv", csv.path, "--target", "y"], "row 4, column 'b': 'six' is not a finite number"),
            (["--csv", csv.path, "--target", "z"], "no column named 'z'"),
            (["--csv", dir.appendingPathComponent("missing.csv").path, "--target", "y"], "no such file"),
            (["--hidden", "64,x"], "--hidden"),
            (["--activation", "swish"], "--activation"),
            (["--optimizer", "gd", "--batch", "8"], "full-batch"),
            (["--target", "y"], "--target names a column of --csv"),
        ] as [([String], String)] {
            let r = try glassbox(["train", "mlp"] + args + ["--steps", "5", "--runs-dir", runs, "--no-tensorboard"])
            #expect(r.status != 0 && r.err.contains(needle), "\(args): \(r.status) \(r.err.prefix(300))")
        }
    }

    @Test func seq2seqAndTranslate() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        let r = try glassbox(["train", "seq2seq", "--steps", "40", "--held-out", "200", "--eval-interval", "40", "--checkpoint-interval", "40",
                              "--runs-dir", runs, "--name", "d", "--no-tensorboard", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let s = lastJSON(r.out)
        #expect(s["exact_match"] != nil && (s["held_out"] as? Int) == 200, "\(s)")
        let html = dir.appendingPathComponent("t.html").path
        let t = try glassbox(["translate", "--model", "d", "--runs-dir", runs, "23 Nov 2026", "--json", "--html", html])
        #expect(t.status == 0, "\(t.err)")
        let doc = lastJSON(t.out)
        let attention = doc["attention"] as? [[Double]] ?? []
        #expect((doc["input_tokens"] as? [String])?.count == 11 && !attention.isEmpty && attention.allSatisfy { $0.count == 11 })
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("<svg"))
        // The checkpoint folder works as --model too; errors name the problem.
        let ck = (s["checkpoint"] as? String) ?? ""
        #expect(try glassbox(["translate", "--model", ck, "2026/01/02"]).status == 0)
        let bad = try glassbox(["translate", "--model", dir.path, "x"])
        #expect(bad.status != 0 && bad.err.contains("neither a checkpoint folder"), "\(bad.err)")
        let unknown = try glassbox(["translate", "--model", "nope", "--runs-dir", runs, "x"])
        #expect(unknown.status != 0 && unknown.err.contains("nope"), "\(unknown.err)")
        let badAttention = try glassbox(["train", "seq2seq", "--attention", "cosine", "--runs-dir", runs])
        #expect(badAttention.status != 0 && badAttention.err.contains("--attention"))
        // --quick is offered on the first screen of help, and sets its schedule (options given as well win).
        let help = try glassbox(["train", "seq2seq", "--help"])
        #expect(help.out.prefix(400).contains("--quick"), "\(help.out.prefix(400))")
        let q = try glassbox(["train", "seq2seq", "--quick", "--steps", "20", "--runs-dir", runs, "--name", "q", "--no-tensorboard", "--json"])
        #expect(q.status == 0, "\(q.err)")
        #expect(lastJSON(q.out)["held_out"] as? Int == 500 && lastJSON(q.out)["steps"] as? Int == 20, "\(lastJSON(q.out))")
        // The terminal names the metric as the studio does, for the same split and step.
        let plain = try glassbox(["train", "seq2seq", "--steps", "10", "--held-out", "50", "--eval-interval", "10", "--runs-dir", runs, "--no-tensorboard"])
        #expect(plain.status == 0 && plain.out.contains("exact match (held-out)") && plain.out.contains("on 50 inputs at step 10"), "\(plain.out.suffix(300))")
        let shown = try glassbox(["runs", "show", "q", "--runs-dir", runs, "--json"])
        let hp = (lastJSON(shown.out)["hyper_parameters"] as? [String: Any]) ?? [:]
        #expect(hp["evalInterval"] as? Int == 100 && hp["checkpointInterval"] as? Int == 200, "\(hp)")
    }
}
