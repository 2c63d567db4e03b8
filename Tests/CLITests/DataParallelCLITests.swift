import Foundation
import Testing

/// Open MPI's launcher (`make test` installs Debian's openmpi-bin).
let mpirunPath: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// The environment of a test job: as root in CI, and shared-memory transfers without cross-memory attach (which
/// containers without ptrace rights refuse).
let mpiEnvironment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "NO_COLOR": "1",
                      "OMPI_MCA_btl_vader_single_copy_mechanism": "none", "OMPI_MCA_rmaps_base_oversubscribe": "1"]

/// `mpirun -np ranks glassbox args...`, started (not waited for).
func startJob(ranks: Int, _ args: [String]) throws -> (Process, out: URL, err: URL) {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("glassbox")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: mpirunPath ?? "/usr/bin/mpirun")
    p.arguments = ["--oversubscribe", "-np", "\(ranks)", exe.path] + args
    p.environment = ProcessInfo.processInfo.environment.merging(mpiEnvironment) { _, new in new }
    // Output to files: a pipe nobody reads while the job runs could fill and stall it.
    let dir = scratch()
    let out = dir.appendingPathComponent("out.txt"), err = dir.appendingPathComponent("err.txt")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: out)
    p.standardError = try FileHandle(forWritingTo: err)
    p.standardInput = FileHandle.nullDevice
    try p.run()
    return (p, out, err)
}

/// `mpirun -np ranks glassbox args...` to its end.
func job(ranks: Int, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let (p, out, err) = try startJob(ranks: ranks, args)
    p.waitUntilExit()
    return (p.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
}

/// The JSON lines of a `--json` training: logged steps (step → loss) and the final summary.
func stepLosses(_ out: String) -> (losses: [Int: Double], summary: [String: Any]?) {
    var losses: [Int: Double] = [:]
    var summary: [String: Any]?
    for line in out.split(separator: "\n") {
        guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
        if let step = o["step"] as? Int, let loss = o["loss"] as? Double {
            #expect(losses[step] == nil, "step \(step) printed twice")
            losses[step] = loss
        } else if o["run"] != nil { summary = o }
    }
    return (losses, summary)
}

/// Within the reduction order's rounding: the two ranks' gradient parts are summed in another order than one
/// process's batch (float32 sums of 818k-parameter gradients; measured differences are below 1e-6).
func sameLoss(_ a: Double?, _ b: Double?) -> Bool {
    guard let a, let b else { return false }
    return abs(a - b) <= 1e-4 * max(1, abs(a))
}

@Suite("Data-parallel training over MPI", .serialized, .enabled(if: mpirunPath != nil, "needs Open MPI's mpirun (Debian: openmpi-bin)"))
struct DataParallelCLITests {
    static let small = ["--preset", "s", "--seed", "0", "--data", corpus, "--json", "--log-interval", "5", "--eval-interval", "25",
                        "--sample-interval", "1000"]

    /// Two ranks record the losses of one process with the same global batch, once each step, and the run says
    /// it had two ranks; a run stopped on two ranks resumes on one exactly where it stopped.
    @Test func twoRanksMatchOneProcessAndResumeOnOne() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        let one = try glassbox(["train", "--steps", "50", "--runs-dir", runs, "--threads", "1", "--name", "one"] + Self.small)
        #expect(one.status == 0, "\(one.err)")
        let two = try job(ranks: 2, ["train", "--steps", "50", "--runs-dir", runs, "--name", "two"] + Self.small)
        #expect(two.status == 0, "\(two.err)")
        let a = stepLosses(one.out), b = stepLosses(two.out)
        #expect(a.losses.count == 10 && b.losses.count == 10, "\(a.losses.keys.sorted()) \(b.losses.keys.sorted())")
        for step in a.losses.keys.sorted() {
            #expect(sameLoss(a.losses[step], b.losses[step]), "step \(step): one process \(a.losses[step] ?? .nan), two ranks \(b.losses[step] ?? .nan)")
        }
        #expect(b.summary?["ranks"] as? Int == 2 && a.summary?["ranks"] as? Int == 1)
        #expect(sameLoss(a.summary?["final_val_loss"] as? Double, b.summary?["final_val_loss"] as? Double))

        // Stopped at step 20 on two ranks, resumed on one: the rest of the run is the one-process run's.
        let stopped = try job(ranks: 2, ["train", "--steps", "50", "--runs-dir", runs, "--name", "moved", "--stop-at", "20"] + Self.small)
        #expect(stopped.status == 0, "\(stopped.err)")
        #expect(stepLosses(stopped.out).summary?["steps"] as? Int == 20)
        let resumed = try glassbox(["train", "--resume", "moved", "--runs-dir", runs, "--json", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.err)")
        let c = stepLosses(resumed.out)
        #expect(c.losses.keys.sorted() == Array(stride(from: 25, through: 50, by: 5)), "\(c.losses.keys.sorted())")
        for (step, loss) in c.losses {
            #expect(sameLoss(loss, a.losses[step]), "step \(step): resumed on one rank \(loss), one process throughout \(a.losses[step] ?? .nan)")
        }
        #expect(c.summary?["ranks"] as? Int == 1)

        // The store keeps who trained each run and on how many ranks; the per-rank rates are recorded.
        let list = try glassbox(["runs", "list", "--runs-dir", runs, "--json"])
        let all = try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]] ?? []
        let ranks = Dictionary(uniqueKeysWithValues: all.map { ($0["name"] as? String ?? "", $0["ranks"] as? Int ?? 0) })
        #expect(ranks == ["one": 1, "two": 2, "moved": 1], "\(ranks)")
        #expect(all.allSatisfy { ($0["user"] as? String)?.isEmpty == false && ($0["host"] as? String)?.isEmpty == false })
        let show = try glassbox(["runs", "show", "two", "--runs-dir", runs, "--json"])
        let last = (try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any])?["scalars"] as? [String: Any] ?? [:]
        for tag in ["rank/0/tokens_per_s", "rank/1/tokens_per_s", "train/allreduce_share"] {
            #expect(((last[tag] as? [String: Any])?["value"] as? Double ?? 0) > 0, "\(tag) in \(last.keys.sorted())")
        }
    }

    /// The classic trainers and their batches split across ranks too: an MLP and an LSTM encoder-decoder end
    /// where one process ends.
    @Test func classicModelsTrainOnTwoRanks() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs").path
        for args in [["train", "mlp", "--task", "spirals", "--steps", "60", "--batch", "32"],
                     ["train", "seq2seq", "--steps", "20", "--batch", "16", "--hidden", "32", "--embedding", "16"]] {
            let one = try glassbox(args + ["--runs-dir", runs, "--json", "--threads", "1"])
            let two = try job(ranks: 2, args + ["--runs-dir", runs, "--json"])
            #expect(one.status == 0 && two.status == 0, "\(one.err) \(two.err)")
            let a = stepLosses(one.out).summary, b = stepLosses(two.out).summary
            #expect(sameLoss(a?["final_train_loss"] as? Double, b?["final_train_loss"] as? Double), "\(args[1]): \(a ?? [:]) \(b ?? [:])")
            #expect(sameLoss(a?["final_val_loss"] as? Double, b?["final_val_loss"] as? Double))
        }
        // Each rank needs a part of every batch.
        let tiny = try job(ranks: 2, ["train", "--steps", "2", "--batch", "1", "--runs-dir", runs] + Self.small.filter { $0 != "--json" })
        #expect(tiny.status != 0 && tiny.err.contains("--batch 1 is smaller than the 2 ranks"), "\(tiny.err)")
    }

    /// A rank killed mid-run stops the job within seconds with an error naming it; the run is marked failed, and
    /// its last checkpoint reads back whole (one process resumes from it).
    @Test func aKilledRankStopsTheOthers() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs")
        let (p, _, err) = try startJob(ranks: 2, ["train", "--steps", "5000", "--runs-dir", runs.path, "--name", "doomed",
                                                   "--checkpoint-interval", "10"] + Self.small)
        defer { if p.isRunning { kill(-p.processIdentifier, SIGKILL); p.terminate() } }
        // Wait for a checkpoint, then kill rank 1 (found by the rank Open MPI gives it in its environment).
        let deadline = Date().addingTimeInterval(120)
        func checkpoints() -> [String] {
            let runDirs = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
            return runDirs.flatMap { d in
                ((try? FileManager.default.contentsOfDirectory(atPath: runs.appendingPathComponent(d).appendingPathComponent("checkpoints").path)) ?? [])
                    .filter { $0.hasPrefix("step-") }
            }
        }
        while checkpoints().count < 2 && Date() < deadline && p.isRunning { usleep(100_000) }
        #expect(checkpoints().count >= 2, "no checkpoint in time")
        let pid = try #require(Self.rankProcess(1, writingTo: runs), "rank 1's process not found")
        kill(pid, SIGKILL)
        let killed = Date()
        while p.isRunning && Date().timeIntervalSince(killed) < 30 { usleep(50_000) }
        let seconds = Date().timeIntervalSince(killed)
        #expect(!p.isRunning && seconds < 15, "the job still ran \(seconds) s after rank 1 was killed")
        let text = try String(contentsOf: err, encoding: .utf8)
        #expect(p.terminationStatus != 0)
        #expect(text.contains("rank 1 of 2") && text.contains("ended while the job was running") && text.contains("the last checkpoint is"), "\(text)")
        let show = try glassbox(["runs", "show", "doomed", "--runs-dir", runs.path, "--json"])
        let run = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any] ?? [:]
        #expect(run["status"] as? String == "failed", "\(run["status"] ?? "")")
        let messages = run["messages"] as? [[String: Any]] ?? []
        #expect(messages.contains { ($0["text"] as? String ?? "").contains("ended while the job was running") })
        // The last checkpoint is whole: one process resumes from it.
        let step = (run["checkpoints"] as? [[String: Any]])?.compactMap { $0["step"] as? Int }.max() ?? 0
        let resumed = try glassbox(["train", "--resume", "doomed", "--runs-dir", runs.path, "--steps", "\(step + 2)", "--json", "--threads", "1"])
        #expect(resumed.status == 0, "\(resumed.err)")
        #expect(stepLosses(resumed.out).summary?["steps"] as? Int == step + 2)
    }

    /// Rank 0 killed (SIGKILL: it says nothing): mpirun ends the job, and the next command that opens the store
    /// marks the run failed with its last checkpoint instead of leaving it `running` (shown as stale) for ever.
    @Test
    func aKilledRankZeroLeavesAFailedRun() throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs")
        let (p, _, _) = try startJob(ranks: 2, ["train", "--steps", "5000", "--runs-dir", runs.path, "--name", "headless",
                                                 "--checkpoint-interval", "10"] + Self.small)
        defer { if p.isRunning { kill(-p.processIdentifier, SIGKILL); p.terminate() } }
        let deadline = Date().addingTimeInterval(120)
        func checkpoints() -> Int {
            let runDirs = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
            return runDirs.reduce(0) { n, d in
                n + (((try? FileManager.default.contentsOfDirectory(atPath: runs.appendingPathComponent(d).appendingPathComponent("checkpoints").path)) ?? [])
                    .filter { $0.hasPrefix("step-") }.count)
            }
        }
        while checkpoints() < 2 && Date() < deadline && p.isRunning { usleep(100_000) }
        let pid = try #require(Self.rankProcess(0, writingTo: runs), "rank 0's process not found")
        kill(pid, SIGKILL)
        let killed = Date()
        while p.isRunning && Date().timeIntervalSince(killed) < 30 { usleep(50_000) }
        #expect(!p.isRunning, "the job still runs 30 s after rank 0 was killed")
        let show = try glassbox(["runs", "show", "headless", "--runs-dir", runs.path, "--json"])
        let run = try JSONSerialization.jsonObject(with: Data(show.out.utf8)) as? [String: Any] ?? [:]
        #expect(run["status"] as? String == "failed", "\(run["status"] ?? "")")
        let messages = run["messages"] as? [[String: Any]] ?? []
        #expect(messages.contains { ($0["text"] as? String ?? "").contains("ended without recording how") && ($0["text"] as? String ?? "").contains("the last checkpoint is step") },
                "\(messages)")
    }

    /// The process of MPI rank `rank` of the job training into `runs` (found by its environment and arguments).
    static func rankProcess(_ rank: Int, writingTo runs: URL) -> pid_t? {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry),
                  let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
                  let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let env = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if env.contains("OMPI_COMM_WORLD_RANK=\(rank)") && String(decoding: cmdline, as: UTF8.self).contains(runs.path) { return pid }
        }
        return nil
    }
}
