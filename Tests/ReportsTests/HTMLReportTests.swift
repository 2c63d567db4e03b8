import Foundation
import Testing
@testable import Reports

@Suite("HTML report document")
struct HTMLReportTests {
    @Test func embeddedDataCannotCloseTheScriptElement() throws {
        struct Token: Encodable { var id: Int, text: String, decoded: String }
        let doc = ["tokens": [Token(id: 1, text: "</script><script>alert(1)</script>", decoded: "x")]]
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

    /// A typed document goes through JSON before the numbers are rounded to 4 significant digits: token ids (whole
    /// numbers) must come through unchanged (a 5-digit id rounded to 28590 named another token).
    @Test func typedDocumentsKeepTheirIDs() throws {
        struct Doc: Encodable { var top: [[Double]]; var id: Int; var vocab: [String: String] }
        let html = try HTMLReport.render(kind: "inspect", title: "t", document: Doc(top: [[28594, 0.123456]], id: 49151, vocab: ["28594": "x"]))
        let start = html.range(of: "id=\"glassbox-data\">")!.upperBound
        let end = html.range(of: "</script>", range: start..<html.endIndex)!.lowerBound
        let back = try JSONSerialization.jsonObject(with: Data(html[start..<end].utf8)) as! [String: Any]
        let top = try #require(back["top"] as? [[Double]])
        #expect(top[0][0] == 28594 && top[0][1] == 0.1235)
        #expect(back["id"] as? Int == 49151)
    }

    @Test func noExternalResources() throws {
        let html = try HTMLReport.render(kind: "patch", title: "t", document: [String: String]())
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
