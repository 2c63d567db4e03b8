import Foundation
import Testing

/// `glassbox finetune`: LoRA on the bundled quantised SmolLM2 (held-out loss, memory, PEFT files read by Python's
/// safetensors, the adapter in generate and inspect), full fine-tuning of a GPT trained here, and bad input.
@Suite("Fine-tuning on the command line")
struct FinetuneCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func lastJSON(_ out: String) -> [String: Any] {
        let line = out.split(separator: "\n").last.map(String.init) ?? ""
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    @Test func loraOnTheBundledModel() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        let r = try glassbox(["finetune", "--steps", "8", "--eval-interval", "4", "--checkpoint-interval", "4", "--compare", "2",
                              "--compare-tokens", "16", "--validation", "16", "--runs-dir", runs, "--name", "ft", "--no-tensorboard", "--json",
                              "--html", dir.appendingPathComponent("ft.html").path])
        #expect(r.status == 0, "\(r.err.suffix(600))")
        let s = lastJSON(r.out)
        let base = (s["base_val_loss"] as? Double) ?? 0, final = (s["final_val_loss"] as? Double) ?? 99
        #expect(base > 0 && final < base, "held-out loss \(base) → \(final)")
        #expect(s["method"] as? String == "lora" && s["trainable_parameters"] as? Int == 30 * 8 * (1152 + 768 + 768 + 1152))
        let adapter = (s["adapter"] as? String) ?? ""
        for file in ["adapter_model.safetensors", "adapter_config.json", "optimizer.safetensors", "trainer_state.json"] {
            #expect(FileManager.default.fileExists(atPath: adapter + "/" + file), "\(file) in \(adapter)")
        }
        // The run as one page: the before/after answers of both checkpoints, the checkpoints' folders.
        let page = try String(contentsOf: dir.appendingPathComponent("ft.html"), encoding: .utf8)
        #expect(page.contains("\"kind\":\"finetune\"") && page.contains("\"base_val_loss\"") && page.contains("step-000008"))
        // Memory: the frozen model is read in place, so the peak stays below the process at start, the model file
        // and twice the trainable state and the tensors (activations, gradients) at their most.
        let mb = { (k: String) in (s[k] as? Double) ?? -1 }
        let bound = mb("rss_at_start_mb") + mb("model_file_mb") + 2 * (mb("trainable_state_mb") + mb("peak_tensor_mb"))
        #expect(mb("peak_rss_mb") > 0 && mb("peak_rss_mb") < bound, "peak \(mb("peak_rss_mb")) MiB, bound \(bound) MiB")
        #expect(mb("peak_rss_mb") < 600 + mb("peak_tensor_mb"), "a float copy of the model (540 MB) would show here")
        #expect(((s["steps_per_s"] as? Double) ?? 0) > 0)

        // Python's safetensors reads the adapter with PEFT's key names, every targeted projection of every layer.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [Self.root.appendingPathComponent("tests/peft/check.sh").path, adapter,
                       "--layers", "30", "--hidden", "576", "--intermediate", "1536", "--kv-width", "192"]
        let out = Pipe(); p.standardOutput = out
        try p.run(); p.waitUntilExit()
        let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0, "\(report)")
        let checked = lastJSON(report)
        #expect(checked["tensors"] as? Int == 240 && checked["nonzero_B"] as? Int == 120, "\(report)")

        // The adapter in generate: the fine-tuned answer to a held-out prompt, as the run recorded it; the same
        // with the adapter folder given as the model.
        let example = ((s["examples"] as? [[String: String]]) ?? []).first ?? [:]
        let prompt = example["prompt"] ?? "?", tuned = example["tuned"] ?? "?"
        for args in [["--adapter", adapter], ["--model", adapter]] {
            let g = try glassbox(["generate", "--chat", "--temperature", "0", "--max-tokens", "16"] + args + [prompt])
            #expect(g.status == 0 && g.out.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(tuned), "\(args): \(g.out) vs \(tuned); \(g.err.suffix(300))")
        }
        let i = try glassbox(["inspect", "--adapter", adapter, "--only", "lens,attention", "--json", "What is 2 + 3?"])
        #expect(i.status == 0 && i.out.contains("\"logit_lens\""), "\(i.err.suffix(300))")
        // What fine-tuning changed: the base model against its adapter, on one prompt.
        let d = try glassbox(["diff", "--against", adapter, "--json", prompt])
        #expect(d.status == 0 && d.out.contains("\"kl_divergence\""), "\(d.err.suffix(300))")
        // A chat model is compared on the prompt as it is asked in use, in its chat template (on the raw text both
        // models mostly predict the end of a turn); --no-chat compares on the raw text.
        let templated = (try? JSONSerialization.jsonObject(with: Data(d.out.utf8))) as? [String: Any] ?? [:]
        #expect(templated["chat"] as? Bool == true && (templated["prompt_text"] as? String ?? "").contains("<|im_start|>assistant"), "\(templated["prompt_text"] ?? "")")
        #expect(templated["target_text"] as? String != "<|im_end|>", "\(templated["target_text"] ?? "")")
        let raw = (try? JSONSerialization.jsonObject(with: Data(try glassbox(["diff", "--against", adapter, "--no-chat", "--json", prompt]).out.utf8))) as? [String: Any] ?? [:]
        #expect(raw["chat"] as? Bool == false && raw["prompt_text"] as? String == prompt)
        let info = try glassbox(["info", "--adapter", adapter])
        #expect(info.status == 0 && info.out.contains("lora"), "\(info.out.suffix(400))")
        // Recorded like every run.
        let list = (try JSONSerialization.jsonObject(with: Data(try glassbox(["runs", "list", "--runs-dir", runs, "--json"]).out.utf8)) as? [[String: Any]]) ?? []
        #expect(list.first?["kind"] as? String == "finetune" && list.first?["data_set"] as? String == "instructions.jsonl", "\(list.first ?? [:])")
    }

    /// A GPT trained here, fine-tuned whole on question/answer lines in its own characters.
    @Test func fullFinetuneOfAGPT() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        let t = try glassbox(["train", "--steps", "40", "--layers", "2", "--heads", "2", "--width", "32", "--block", "64", "--batch", "8",
                              "--runs-dir", runs, "--no-tensorboard", "--json"])
        #expect(t.status == 0, "\(t.err.suffix(300))")
        let checkpoint = (lastJSON(t.out)["checkpoint"] as? String) ?? ""
        let words = ["king", "queen", "sword", "crown", "night", "heart", "blood", "honour", "grace", "death", "love", "lord"]
        var lines: [String] = []
        for (i, w) in words.enumerated() {
            for v in words.indices where v != i {
                lines.append("{\"prompt\": \"Say \(w) and \(words[v])\", \"response\": \"\(w) \(words[v])\"}")
            }
        }
        let data = dir.appendingPathComponent("qa.jsonl")
        try lines.joined(separator: "\n").write(to: data, atomically: true, encoding: .utf8)
        let f = try glassbox(["finetune", "--model", checkpoint, "--data", data.path, "--steps", "40", "--batch", "8", "--lr", "0.003",
                              "--compare", "2", "--validation", "20", "--runs-dir", runs, "--no-tensorboard", "--json"])
        #expect(f.status == 0, "\(f.err.suffix(600))")
        let s = lastJSON(f.out)
        #expect(s["method"] as? String == "full")
        let base = (s["base_val_loss"] as? Double) ?? 0, final = (s["final_val_loss"] as? Double) ?? 99
        #expect(final < base, "held-out loss \(base) → \(final)")
        let model = (s["model"] as? String) ?? ""
        let g = try glassbox(["generate", "--model", model, "--temperature", "0", "--max-tokens", "12", "Question: Say king and crown\nAnswer: "])
        #expect(g.status == 0, "\(g.err.suffix(300))")
        // A GPT trained here takes no LoRA adapters: it is fine-tuned whole.
        let lora = try glassbox(["finetune", "--model", checkpoint, "--data", data.path, "--method", "lora", "--runs-dir", runs])
        #expect(lora.status != 0 && lora.err.contains("takes no LoRA adapters"), "\(lora.err)")
        let adapter = try glassbox(["generate", "--model", checkpoint, "--adapter", dir.path, "hi"])
        #expect(adapter.status != 0 && adapter.err.contains("adapter"), "\(adapter.err)")
    }

    /// Bad data and settings: the file and line, or the option, named; nothing trained.
    @Test func badInput() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        func file(_ name: String, _ text: String) throws -> String {
            let u = dir.appendingPathComponent(name)
            try text.write(to: u, atomically: true, encoding: .utf8)
            return u.path
        }
        let good = "{\"prompt\": \"a\", \"response\": \"b\"}\n"
        for (args, needle) in [
            (["--data", try file("bad.jsonl", good + "not json\n")], "bad.jsonl line 2: not a JSON object"),
            (["--data", try file("missing.jsonl", good + "\n{\"prompt\": \"a\"}\n")], "missing.jsonl line 3: \"response\" is missing"),
            (["--data", try file("few.jsonl", good + good)], "too few"),
            (["--data", dir.appendingPathComponent("nope.jsonl").path], "no such file"),
            (["--method", "full"], "it is not trained whole here"),
            (["--lora-rank", "0"], "--lora-rank must be 1 to 1024"),
            (["--targets", "q_proj,embed"], "--targets"),
            (["--model", dir.appendingPathComponent("none.gguf").path], "no such file"),
        ] as [([String], String)] {
            let r = try glassbox(["finetune"] + args + ["--steps", "2", "--runs-dir", runs, "--no-tensorboard"])
            #expect(r.status != 0 && r.err.contains(needle), "\(args): \(r.status) \(r.err.prefix(400))")
        }
        let missing = try glassbox(["generate", "--adapter", dir.appendingPathComponent("no-adapter").path, "hi"])
        #expect(missing.status != 0 && missing.err.contains("no adapter_config.json"), "\(missing.err)")
    }
}
