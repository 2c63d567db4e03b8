import Foundation
import Testing
@testable import Reports

@Suite("HTML report document")
struct HTMLReportTests {
    @Test func embeddedDataCannotCloseTheScriptElement() throws {
        let doc: [String: Any] = ["tokens": [["id": 1, "text": "</script><script>alert(1)</script>", "decoded": "x"]]]
        let html = try HTMLReport.render(kind: "inspect", title: "a <b> & \"c\"", document: doc)
        // Exactly the two script elements of the template.
        #expect(html.components(separatedBy: "</script>").count - 1 == 2)
        #expect(html.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"))
        // The data round-trips through JSON (the "<\/" escape is valid JSON).
        let start = html.range(of: "id=\"glassbox-data\">")!.upperBound
        let end = html.range(of: "</script>", range: start..<html.endIndex)!.lowerBound
        let back = try JSONSerialization.jsonObject(with: Data(html[start..<end].utf8)) as! [String: Any]
        #expect(back["kind"] as? String == "inspect")
        #expect(((back["tokens"] as! [[String: Any]])[0]["text"] as? String) == "</script><script>alert(1)</script>")
    }

    @Test func noExternalResources() throws {
        let html = try HTMLReport.render(kind: "patch", title: "t", document: [:])
        #expect(html.contains("default-src 'none'"))
        for needle in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] { #expect(!html.contains(needle)) }
    }

    @Test func writeReplacesAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("glassbox-report-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("r.html").path
        try HTMLReport.write("one", to: path)
        try HTMLReport.write("two", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(throws: (any Error).self) { try HTMLReport.write("x", to: dir.appendingPathComponent("missing/r.html").path) }
    }
}
