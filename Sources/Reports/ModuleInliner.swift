import Foundation

/// Turns an entry module and every module it imports into one classic script, for the self-contained report (a
/// page opened from `file://` cannot fetch modules, and its Content-Security-Policy forbids it anyway).
///
/// The studio loads the same files as real ES modules; this is not a bundler but the small subset of the module
/// syntax the front end is written in, and anything else is refused with the file and the line:
/// - `import { a, b as c } from "./relative/path.js";` (one statement per import, possibly over several lines),
///   `import * as ns from "./path.js";`;
/// - `export function|async function|class|const|let name …` and `export { a, b as c };`.
///
/// Each module runs once, in dependency order, inside its own function; its exports are the object that function
/// returns, and an import becomes `const { a, b: c } = modules["path"];`. Bindings are copied at import time, so a
/// module must not reassign an exported `let` and expect importers to see it (none does). Import cycles are refused.
package enum ModuleInliner {
    package struct InlineError: Error, CustomStringConvertible {
        package let description: String
    }

    /// One script holding `entry` and the modules it imports, transitively; `read` gives a module's text by its
    /// path (relative to the front end's root, e.g. "lib/format.js").
    package static func inline(entry: String, read: (String) -> String?) throws -> String {
        var order: [String] = [], done: Set<String> = [], visiting: [String] = []
        var parsed: [String: Module] = [:]
        func visit(_ path: String) throws {
            if done.contains(path) { return }
            if let i = visiting.firstIndex(of: path) {
                throw InlineError(description: "import cycle: " + (visiting[i...] + [path]).joined(separator: " → "))
            }
            guard let text = read(path) else {
                throw InlineError(description: "\(visiting.last ?? "the report") imports \(path), which does not exist")
            }
            visiting.append(path)
            let module = try Module(path: path, text: text)
            for dependency in module.dependencies { try visit(dependency) }
            visiting.removeLast()
            parsed[path] = module
            done.insert(path)
            order.append(path)
        }
        try visit(entry)
        var out = "\"use strict\";\nconst __modules = Object.create(null);\n"
        for path in order {
            let module = parsed[path]!
            out += "// \(path)\n__modules[\(quoted(path))] = (function () {\n\(module.body)\nreturn {"
            out += module.exports.map { "\($0.exported): \($0.local)" }.joined(separator: ", ")
            out += "};\n})();\n"
        }
        return out
    }

    static func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }

    /// `path` resolved against the folder of `from` ("pages/run-page.js" + "../lib/core.js" → "lib/format.js").
    static func resolve(_ path: String, from: String) throws -> String {
        guard path.hasPrefix("./") || path.hasPrefix("../") else {
            throw InlineError(description: "\(from) imports \"\(path)\": only relative paths (./ or ../) are supported")
        }
        var parts = from.split(separator: "/").dropLast().map(String.init)
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { throw InlineError(description: "\(from) imports \"\(path)\", outside the front end's folder") }
                parts.removeLast()
            } else {
                parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    struct Module {
        var body: String
        var dependencies: [String] = []
        var exports: [(exported: String, local: String)] = []

        init(path: String, text: String) throws {
            var lines = text.components(separatedBy: "\n")
            var deps: [String] = [], exports: [(String, String)] = []
            let name = #"[A-Za-z_$][A-Za-z0-9_$]*"#
            var i = 0
            while i < lines.count {
                let line = lines[i]
                if line.hasPrefix("import ") || line == "import" {
                    // The statement runs to its closing semicolon (an import over several lines).
                    var j = i, statement = line
                    while !statement.trimmingCharacters(in: .whitespaces).hasSuffix(";") && j + 1 < lines.count {
                        j += 1
                        statement += "\n" + lines[j]
                    }
                    let flat = statement.replacingOccurrences(of: "\n", with: " ")
                    let replacement: String
                    if let m = flat.firstMatch(of: try Regex(#"^import\s*\{([^}]*)\}\s*from\s*"([^"]+)"\s*;\s*$"#)) {
                        let target = try ModuleInliner.resolve(String(m.output[2].substring!), from: path)
                        let bindings = try String(m.output[1].substring!).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { item -> String in
                            let parts = item.split(separator: " ", omittingEmptySubsequences: true)
                            if parts.count == 1 { return String(parts[0]) }
                            if parts.count == 3, parts[1] == "as" { return "\(parts[0]): \(parts[2])" }
                            throw InlineError(description: "\(path):\(i + 1): cannot read the import \"\(item)\"")
                        }
                        deps.append(target)
                        replacement = "const { \(bindings.joined(separator: ", ")) } = __modules[\(ModuleInliner.quoted(target))];"
                    } else if let m = flat.firstMatch(of: try Regex(#"^import\s*\*\s*as\s+("# + name + #")\s+from\s*"([^"]+)"\s*;\s*$"#)) {
                        let target = try ModuleInliner.resolve(String(m.output[2].substring!), from: path)
                        deps.append(target)
                        replacement = "const \(m.output[1].substring!) = __modules[\(ModuleInliner.quoted(target))];"
                    } else {
                        throw InlineError(description: "\(path):\(i + 1): only `import { … } from \"./path.js\";` and `import * as name from \"./path.js\";` are supported")
                    }
                    lines[i] = replacement
                    for k in (i + 1)..<(j + 1) where k < lines.count { lines[k] = "" }
                    i = j + 1
                    continue
                }
                if line.hasPrefix("export ") {
                    if let m = line.firstMatch(of: try Regex(#"^export\s+(async\s+function\*?|function\*?|class|const|let)\s+("# + name + ")")) {
                        let local = String(m.output[2].substring!)
                        exports.append((local, local))
                        lines[i] = String(line.dropFirst("export ".count))
                    } else if line.hasPrefix("export {") {
                        var j = i, statement = line
                        while !statement.contains("}") && j + 1 < lines.count {
                            j += 1
                            statement += " " + lines[j]
                        }
                        guard let open = statement.firstIndex(of: "{"), let close = statement.firstIndex(of: "}") else {
                            throw InlineError(description: "\(path):\(i + 1): cannot read the export list")
                        }
                        for item in statement[statement.index(after: open)..<close].split(separator: ",") {
                            let parts = item.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                            if parts.isEmpty { continue }
                            if parts.count == 1 { exports.append((parts[0], parts[0])) }
                            else if parts.count == 3, parts[1] == "as" { exports.append((parts[2], parts[0])) }
                            else { throw InlineError(description: "\(path):\(i + 1): cannot read the export \"\(item)\"") }
                        }
                        for k in i...j { lines[k] = "" }
                        i = j + 1
                        continue
                    } else {
                        throw InlineError(description: "\(path):\(i + 1): only `export function|class|const|let name` and `export { … }` are supported")
                    }
                }
                i += 1
            }
            body = lines.joined(separator: "\n")
            dependencies = deps
            self.exports = exports
        }
    }
}
