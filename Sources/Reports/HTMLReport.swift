import Foundation

/// Self-contained HTML reports: one file with inline CSS, SVG and our own JavaScript, no network access.
///
/// The page is a view of the JSON document that `glassbox inspect --json` (or `glassbox patch --json`) prints,
/// embedded as `<script type="application/json" id="glassbox-data">`, plus every layer's attention compressed
/// (`CompactAttention` in Interpretability). The script draws each panel when it scrolls into view, so a 512-token
/// prompt with 30 layers x 9 heads opens at once.
package enum HTMLReport {
    /// A report for `document` (an inspect or patch document); `kind` is "inspect" or "patch".
    package static func render<Document: Encodable>(kind: String, title: String, document: Document) throws -> String {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(document))
        guard let dictionary = object as? [String: Any] else {
            throw CocoaError(.coderInvalidValue, userInfo: [NSLocalizedDescriptionKey: "a report's document must be a JSON object"])
        }
        return try render(kind: kind, title: title, document: dictionary)
    }

    package static func render(kind: String, title: String, document: [String: Any]) throws -> String {
        // The report's script and styles are real files (Resources/report.js, report.css), embedded in the binary
        // and inlined here so the page needs nothing else.
        // The same core.js and charts.js the studio serves, then the report's panels: one front end, two outputs.
        var scripts: [String] = [], styles: [String] = []
        for name in WebAssets.reportScripts {
            guard let text = WebAssets.text(name) else { throw missing(name) }
            scripts.append(text)
        }
        for name in WebAssets.reportStyles {
            guard let text = WebAssets.text(name) else { throw missing(name) }
            styles.append(text)
        }
        let script = scripts.joined(separator: "\n;\n"), css = styles.joined(separator: "\n")
        var doc = rounded(document) as! [String: Any]
        doc["kind"] = kind
        let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
        // Safe inside <script>: no "</" can close the element early.
        let json = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
        <title>\(escape(title))</title>
        <style>\(css)</style>
        </head>
        <body>
        <header id="top"><div class="brand">Glassbox</div><div id="model-line"></div></header>
        <main id="app"><noscript>This report draws its panels with JavaScript.</noscript></main>
        <div id="tooltip" role="tooltip"></div>
        <script type="application/json" id="glassbox-data">\(json)</script>
        <script>\(script.replacingOccurrences(of: "</script", with: "<\\/script"))</script>
        </body>
        </html>
        """
    }

    static func missing(_ name: String) -> Error {
        CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the report's \(name) is missing from this build"])
    }

    /// Writes the report atomically (a temporary file renamed into place).
    package static func write(_ html: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try Data(html.utf8).write(to: url, options: .atomic)
    }

    /// Numbers rounded to 4 significant digits (the page shows 3): a 512-token report stays a few MB.
    static func rounded(_ v: Any) -> Any {
        switch v {
        case let d as Double:
            // Whole numbers are ids, counts and positions (a document read back from JSON holds them as numbers
            // that also read as Double): never rounded.
            guard d.isFinite, d != 0, d != d.rounded() || abs(d) >= 1e15 else { return d.isFinite ? d : 0 }
            let scale = Foundation.pow(10, 3 - Foundation.floor(Foundation.log10(abs(d))))
            return (d * scale).rounded() / scale
        case let a as [Double]: return a.map { rounded($0) }
        case let a as [Any]: return a.map { rounded($0) }
        case let o as [String: Any]: return o.mapValues { rounded($0) }
        default: return v
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
