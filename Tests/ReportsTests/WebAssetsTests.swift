import Foundation
import Testing
@testable import Reports

@Suite("The front end's files and the report's module inliner")
struct WebAssetsTests {
    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/Reports/Resources")

    /// Every .js, .css and .html file of Resources/, by its path under it.
    static func filesOnDisk() -> [String] {
        let all = FileManager.default.enumerator(atPath: resources.path)?.allObjects as? [String] ?? []
        return all.filter { name in [".js", ".css", ".html"].contains { name.hasSuffix($0) } }.sorted()
    }

    /// The folder, Package.swift's list and WebAssets' table name the same files (scripts/web-assets.py writes both).
    @Test func everyFileIsEmbeddedAndServed() throws {
        let disk = Self.filesOnDisk()
        #expect(disk.count > 10)
        #expect(WebAssets.names == disk, "run scripts/web-assets.py: the table and the folder differ")
        let manifest = try String(contentsOf: Self.resources.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Package.swift"), encoding: .utf8)
        for file in disk { #expect(manifest.contains("\"Resources/\(file)\""), "Package.swift does not embed \(file): run scripts/web-assets.py") }
        // SwiftPM names an embedded file by its base name: two files of one name would be one.
        let bases = disk.map { ($0 as NSString).lastPathComponent }
        #expect(Set(bases).count == bases.count, "two front-end files share a name")
        // Each embedded copy is the file on disk (a build older than the folder would serve old modules).
        for file in disk {
            let onDisk = try Data(contentsOf: Self.resources.appendingPathComponent(file))
            #expect(WebAssets.files[file].map { Data($0) } == onDisk, "\(file) differs from the built copy")
        }
    }

    @Test func onlyPlainPathsAreServedFromAFolder() {
        for good in ["lib/format.js", "studio.css", "panels/run/run-loss.js"] { #expect(WebAssets.isPlainPath(good), "\(good)") }
        for bad in ["../Package.swift", "lib/../../x.js", "/etc/passwd.js", ".hidden.js", "lib//x.js", "a.swift", "", "lib/X.js", "lib/a b.js"] {
            #expect(!WebAssets.isPlainPath(bad), "\(bad)")
        }
    }

    /// The report's script: every module report.js needs, once, in dependency order, with no import or export left.
    @Test func theReportInlinesItsModules() throws {
        let script = try ModuleInliner.inline(entry: WebAssets.reportEntry, read: WebAssets.text)
        for line in script.split(separator: "\n") {
            #expect(!line.hasPrefix("import ") && !line.hasPrefix("export "), "left in the report: \(line.prefix(120))")
        }
        let order = script.split(separator: "\n").filter { $0.hasPrefix("__modules[\"") }.map { $0.split(separator: "\"")[1] }
        #expect(order.last == "report.js")
        #expect(Set(order).count == order.count)
        #expect(order.firstIndex(of: "lib/dom.js")! < order.firstIndex(of: "lib/charts.js")!)
        #expect(!order.contains { $0.hasPrefix("pages/") }, "the report must not need a studio page")
    }

    @Test func inlinerHandlesAliasesNamespacesAndExportLists() throws {
        let files = [
            "main.js": "import { a, b as c } from \"./lib/one.js\";\nimport * as two from \"./lib/two.js\";\nexport const out = a + c + two.d;\n",
            "lib/one.js": "import {\n  d\n} from \"./two.js\";\nexport function a() { return d; }\nconst hidden = 2;\nexport { hidden as b };\n",
            "lib/two.js": "export let d = 4;\n",
        ]
        let script = try ModuleInliner.inline(entry: "main.js", read: { files[$0] })
        #expect(script.contains("const { a, b: c } = __modules[\"lib/one.js\"];"))
        #expect(script.contains("const two = __modules[\"lib/two.js\"];"))
        #expect(script.contains("const { d } = __modules[\"lib/two.js\"];"))
        #expect(script.contains("return {a: a, b: hidden};"))
        let order = script.split(separator: "\n").filter { $0.hasPrefix("__modules[\"") }.map { String($0.split(separator: "\"")[1]) }
        #expect(order == ["lib/two.js", "lib/one.js", "main.js"])
    }

    @Test func inlinerRefusesWhatItCannotDo() {
        func error(_ files: [String: String]) -> String {
            do { _ = try ModuleInliner.inline(entry: "main.js", read: { files[$0] }); return "" } catch { return "\(error)" }
        }
        #expect(error(["main.js": "import { a } from \"./b.js\";\n", "b.js": "import { c } from \"./main.js\";\nexport const a = 1;\n"]).contains("import cycle: main.js → b.js → main.js"))
        #expect(error(["main.js": "import { a } from \"./missing.js\";\n"]).contains("imports missing.js, which does not exist"))
        #expect(error(["main.js": "export default 1;\n"]).contains("main.js:1"))
        #expect(error(["main.js": "import x from \"./b.js\";\n", "b.js": ""]).contains("main.js:1"))
        #expect(error(["main.js": "import { a } from \"lodash\";\n"]).contains("only relative paths"))
        #expect(error(["main.js": "import { a } from \"../../x.js\";\n"]).contains("outside"))
    }
}
