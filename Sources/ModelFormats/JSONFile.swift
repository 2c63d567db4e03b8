import Foundation

/// Reads the small JSON files that sit beside weights (config.json, adapter_config.json, tokenizer.json,
/// vocab.json), naming the file and the reason when one is missing, too large, unreadable or not JSON.
package enum JSONFile {
    /// The bytes of `url`, at most `maxBytes` of them.
    package static func data(_ url: URL, maxBytes: Int = 1 << 20) throws -> Data {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw FormatError(file: path, "no such file") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw FormatError(file: path, "cannot read (\(error.localizedDescription))")
        }
        guard data.count <= maxBytes else { throw FormatError(file: path, "\(data.count) bytes, larger than the \(maxBytes) a JSON file here may be") }
        return data
    }

    /// The JSON value `data` holds; `file` names where it came from in the error.
    package static func parse(_ data: Data, file: String) throws -> Any {
        do { return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw FormatError(file: file, "not valid JSON (\(error.localizedDescription))")
        }
    }

    /// The JSON object held by `url`.
    package static func object(_ url: URL, maxBytes: Int = 1 << 20) throws -> [String: Any] {
        guard let object = try parse(data(url, maxBytes: maxBytes), file: url.path) as? [String: Any] else {
            throw FormatError(file: url.path, "not a JSON object")
        }
        return object
    }
}
