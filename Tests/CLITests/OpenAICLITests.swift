import Foundation
import Testing

/// `glassbox serve`'s OpenAI-compatible endpoints called by the official `openai` Python client (PyPI, in a venv
/// made by tests/openai/check.sh): models, chat and completions whole and streamed, logprobs, stop strings, errors
/// in OpenAI's shape, the internals extension, and the streamed text identical to `glassbox generate` with the
/// same seed. Needs the bundled model.
@Suite("OpenAI-compatible API with the official client")
struct OpenAICLITests {
    @Test func officialClientWorks() async throws {
        let dir = scratch(); defer { try? FileManager.default.removeItem(at: dir) }
        let (server, out) = try spawnGlassbox(["serve", "--runs-dir", dir.path, "--port", "0"])
        defer { server.terminate(); server.waitUntilExit() }
        guard let base = waitFor("http://[^ \\n/]+", in: out, of: server) else {
            Issue.record("serve printed no address")
            return
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("glassbox")
        let (status, log) = try await runScript(root.appendingPathComponent("tests/openai/check.sh"), [base, exe.path], limit: 900)
        print(log)
        #expect(status == 0, "\(log.suffix(4000))")
        #expect(log.contains("PASS streamed chat: identical to glassbox generate with the same seed"), "\(log.suffix(2000))")
    }
}
