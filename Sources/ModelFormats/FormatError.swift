/// The one public error of ModelFormats: names the file, the tensor when there is one, and the problem.
package struct FormatError: Error, CustomStringConvertible, Sendable {
    package let file: String
    package let tensor: String?
    package let problem: String

    package init(file: String, tensor: String? = nil, _ problem: String) {
        self.file = file
        self.tensor = tensor
        self.problem = problem
    }

    /// One line of bounded length, whatever the file held: names and values read from a hostile file may be
    /// megabytes of binary, so control characters are escaped and each part is cut to a few hundred characters.
    package var description: String {
        if let tensor { return "\(Self.bounded(file, 1000)): tensor '\(Self.bounded(tensor, 120))': \(Self.bounded(problem))" }
        return "\(Self.bounded(file, 1000)): \(Self.bounded(problem))"
    }

    /// At most about `limit` characters, control characters escaped as \\xNN; a longer text keeps its head and
    /// its tail (where a problem's "has unknown type 7" stands) around an ellipsis.
    static func bounded(_ s: String, _ limit: Int = 300) -> String {
        func escaped(_ ch: Unicode.Scalar) -> String {
            ch.value < 0x20 || ch.value == 0x7F || ch == "\u{FFFD}" ? String(format: "\\x%02X", ch.value & 0xFF) : String(ch)
        }
        var out = "", count = 0
        for ch in s.unicodeScalars {
            let e = escaped(ch)
            out += e; count += e.count
            guard count > limit else { continue }
            // Too long: the first two thirds, an ellipsis, the last third.
            var head = "", headCount = 0
            for ch in s.unicodeScalars {
                let e = escaped(ch)
                if headCount + e.count > limit * 2 / 3 { break }
                head += e; headCount += e.count
            }
            var tail: [String] = [], tailCount = 0
            for ch in s.unicodeScalars.reversed() {
                let e = escaped(ch)
                if tailCount + e.count > limit / 3 { break }
                tail.append(e); tailCount += e.count
            }
            return head + " … " + tail.reversed().joined() + " (\(s.utf8.count) bytes in all)"
        }
        return out
    }
}
