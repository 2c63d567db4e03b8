import Foundation

extension RunStorage {
    /// Runs recorded elsewhere are taken as abandoned after this long without a word (`updated_at`): ten minutes,
    /// far beyond a training's usual silence (the recorder writes every 2 s while it logs, and at every evaluation
    /// and checkpoint).
    package static var abandonedAfter: TimeInterval { 600 }

    /// Marks failed every run still recorded as `running` whose process is gone: on this machine, one whose
    /// recording process no longer exists (a rank 0 killed under `mpirun`, a training killed with SIGKILL); on
    /// another, one not heard from for `abandonedAfter` seconds. The run gets an error message with the step it
    /// reached and its last checkpoint, so that its status tells the truth and says how to go on. Returns the
    /// runs marked, with the reason; a run the store will not let us mark is left as it is and reported.
    @discardableResult
    package func markAbandonedRuns(now: Date = Date()) -> (marked: [String], problems: [String]) {
        var marked: [String] = [], problems: [String] = []
        let records: [RunRecord]
        do { records = try runs() } catch { return ([], ["cannot list the runs in \(location): \(error)"]) }
        for r in records where r.status == "running" {
            let how: String
            if let host = r.host, host == RunRecord.thisHost, let pid = r.pid {
                guard r.displayStatus == "stale" else { continue }
                how = "its process (\(pid) on \(host)) ended without recording how"
            } else {
                let silent = now.timeIntervalSince1970 - r.updatedAt
                guard silent > Self.abandonedAfter else { continue }
                how = "nothing was heard from it for \(Int(silent / 60)) minutes" + (r.host.map { " (it ran on \($0))" } ?? "")
            }
            do {
                let last = try checkpoints(run: r.id).last
                let text = "stopped at step \(r.step): \(how)"
                    + (last.map { "; the last checkpoint is step \($0.step) (\($0.path)): resume with glassbox train --resume \(r.id)" } ?? "; no checkpoint was recorded")
                try recordFailure(run: r.id, step: r.step, text: text)
                marked.append(r.id)
            } catch {
                problems.append("run \(r.id) looks abandoned (\(how)) but could not be marked failed: \(error)")
            }
        }
        return (marked, problems)
    }
}
