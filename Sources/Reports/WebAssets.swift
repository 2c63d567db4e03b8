import Foundation

/// The front end's files (Resources/), embedded in the binary at build time; the studio serves them under
/// `/assets/` (a module's imports are relative, so `/assets/pages/run-page.js` imports `/assets/lib/core.js`).
/// `GLASSBOX_STUDIO_ASSETS=DIR` serves them from DIR instead (for working on the front end without a rebuild).
///
/// Package.swift embeds every .js, .css and .html file under Resources/, and this table names each one by its path;
/// scripts/web-assets.py writes both from the folder after a file is added, moved or removed (a test checks them).
package enum WebAssets {
    /// Every file, by its path under Resources/; nothing else is ever served.
    static let files: [String: [UInt8]] = [
        "api.js": PackageResources.api_js,
        "lib/axis.js": PackageResources.axis_js,
        "lib/charts.js": PackageResources.charts_js,
        "lib/colors.js": PackageResources.colors_js,
        "lib/dom.js": PackageResources.dom_js,
        "lib/download.js": PackageResources.download_js,
        "lib/format.js": PackageResources.format_js,
        "lib/storage.js": PackageResources.storage_js,
        "lib/theme.js": PackageResources.theme_js,
        "lib/tokens.js": PackageResources.tokens_js,
        "lib/tooltip.js": PackageResources.tooltip_js,
        "lib/ui.js": PackageResources.ui_js,
        "pages/generate-page.js": PackageResources.generate_page_js,
        "pages/inspect-page.js": PackageResources.inspect_page_js,
        "pages/model-page.js": PackageResources.model_page_js,
        "pages/models-page.js": PackageResources.models_page_js,
        "pages/run-page.js": PackageResources.run_page_js,
        "pages/runs-page.js": PackageResources.runs_page_js,
        "panels/generate/generate-common.js": PackageResources.generate_common_js,
        "panels/generate/generate-token-text.js": PackageResources.generate_token_text_js,
        "panels/probe-timeline.js": PackageResources.probe_timeline_js,
        "report.css": PackageResources.report_css,
        "report.js": PackageResources.report_js,
        "studio.css": PackageResources.studio_css,
        "studio.html": PackageResources.studio_html,
        "studio.js": PackageResources.studio_js,
        "theme-boot.js": PackageResources.theme_boot_js,
        "views/classic.js": PackageResources.classic_js,
        "views/report-views.js": PackageResources.report_views_js,
    ]

    /// Every file's path.
    package static var names: [String] { files.keys.sorted() }

    /// The report's entry module: it and every module it imports are inlined into one script (`ModuleInliner`).
    package static let reportEntry = "report.js"
    /// What a self-contained report inlines as styles, in order (the studio's styles first: theme tokens, buttons,
    /// menus, tooltip; report.css adds the panels).
    package static let reportStyles = ["studio.css", "report.css"]

    package static func bytes(_ name: String) -> [UInt8]? {
        if let dir = ProcessInfo.processInfo.environment["GLASSBOX_STUDIO_ASSETS"], !dir.isEmpty {
            // Working on the front end: any .js, .css or .html file under DIR, new ones included, by a plain path.
            guard isPlainPath(name), let data = FileManager.default.contents(atPath: URL(fileURLWithPath: dir).appendingPathComponent(name).path) else {
                return files[name]
            }
            return [UInt8](data)
        }
        return files[name]
    }

    /// "lib/format.js": lowercase letters, digits, "-", "_" and "." in "/"-separated parts, none of them "." or "..",
    /// ending in .js, .css or .html.
    static func isPlainPath(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part.first != "." && part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "-_.".contains($0)) }
        } && [".js", ".css", ".html"].contains { name.hasSuffix($0) }
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
