import Foundation
import ModelFormats

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
        guard case .object(var doc) = rounded(try JSONDecoder().decode(JSONValue.self, from: encoder.encode(document))) else {
            throw CocoaError(.coderInvalidValue, userInfo: [NSLocalizedDescriptionKey: "a report's document must be a JSON object"])
        }
        doc["kind"] = .string(kind)
        // The report's script and styles are real files (Resources/), embedded in the binary and inlined here so the
        // page needs nothing else: the same modules the studio loads (report.js and what it imports), one front end,
        // two outputs.
        let script = try ModuleInliner.inline(entry: WebAssets.reportEntry, read: WebAssets.text)
        var styles: [String] = []
        for name in WebAssets.reportStyles {
            guard let text = WebAssets.text(name) else { throw missing(name) }
            styles.append(text)
        }
        let css = styles.joined(separator: "\n")
        let sorted = JSONEncoder()
        sorted.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try sorted.encode(JSONValue.object(doc))
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
    static func rounded(_ v: JSONValue) -> JSONValue {
        switch v {
        case .number(let d):
            // Whole numbers are ids, counts and positions (read back from JSON they may still be Doubles): never
            // rounded.
            guard d.isFinite, d != 0, d != d.rounded() || abs(d) >= 1e15 else { return .number(d.isFinite ? d : 0) }
            let scale = Foundation.pow(10, 3 - Foundation.floor(Foundation.log10(abs(d))))
            return .number((d * scale).rounded() / scale)
        case .array(let a): return .array(a.map(rounded))
        case .object(let o): return .object(o.mapValues(rounded))
        default: return v
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
