import Foundation

/// The front end's files (Resources/), embedded in the binary at build time; the studio serves them under
/// `/assets/`. `GLASSBOX_STUDIO_ASSETS=DIR` serves them from DIR instead (for working on the front end without a
/// rebuild).
package enum WebAssets {
    /// Every file, by name; nothing else is ever served.
    package static let names = ["studio.html", "studio.css", "core.js", "charts.js", "studio-runs.js", "studio-run.js", "studio.js",
                               "report.js", "report.css", "studio-inspect.js", "studio-generate.js", "studio-model.js", "studio-probes.js",
                               "classic.js"]

    /// What a self-contained report inlines, in order (the studio's styles first: theme tokens, buttons, menus,
    /// tooltip; report.css adds the panels). classic.js (the MLP view) comes before report.js, whose boot runs at load
    /// and may call it.
    package static let reportScripts = ["core.js", "charts.js", "classic.js", "report.js"]
    package static let reportStyles = ["studio.css", "report.css"]

    package static func bytes(_ name: String) -> [UInt8]? {
        guard names.contains(name) else { return nil }
        if let dir = ProcessInfo.processInfo.environment["GLASSBOX_STUDIO_ASSETS"], !dir.isEmpty,
           let data = FileManager.default.contents(atPath: URL(fileURLWithPath: dir).appendingPathComponent(name).path) {
            return [UInt8](data)
        }
        switch name {
        case "studio.html": return PackageResources.studio_html
        case "studio.css": return PackageResources.studio_css
        case "core.js": return PackageResources.core_js
        case "charts.js": return PackageResources.charts_js
        case "studio-runs.js": return PackageResources.studio_runs_js
        case "studio-run.js": return PackageResources.studio_run_js
        case "studio.js": return PackageResources.studio_js
        case "report.js": return PackageResources.report_js
        case "studio-generate.js": return PackageResources.studio_generate_js
        case "studio-model.js": return PackageResources.studio_model_js
        case "studio-probes.js": return PackageResources.studio_probes_js
        case "report.css": return PackageResources.report_css
        case "studio-inspect.js": return PackageResources.studio_inspect_js
        case "classic.js": return PackageResources.classic_js
        default: return nil
        }
    }

    /// A file as UTF-8 text.
    package static func text(_ name: String) -> String? { bytes(name).map { String(decoding: $0, as: UTF8.self) } }

    package static func contentType(_ name: String) -> String {
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".html") { return "text/html; charset=utf-8" }
        return "application/octet-stream"
    }

    /// Whether assets come from a folder on disk (development) rather than the binary.
    package static var fromDisk: Bool { !(ProcessInfo.processInfo.environment["GLASSBOX_STUDIO_ASSETS"] ?? "").isEmpty }
}
