import Foundation
import Hummingbird

/// A request's query string, decoded once and checked before any of its values is used.
///
/// The query is read as `application/x-www-form-urlencoded`, the way browsers' forms, `URLSearchParams`, curl's
/// `--data-urlencode` and Python's `requests` write it: `+` is a space, `%XX` a byte, and the bytes must be UTF-8.
/// Each route names the parameters it takes; an unknown one, one given twice, a malformed escape, invalid UTF-8 or a
/// value out of its range is a 400 that names the parameter and what it accepts. Numbers are range-checked here, so
/// the arithmetic behind a route never sees a value that could overflow (Swift traps on overflow: an unchecked
/// number from a request would be a way to kill the server).
struct Query {
    /// The decoded parameters.
    private(set) var values: [String: String] = [:]
    let route: String

    /// The largest query accepted, in bytes (a token id list of a long prompt fits many times over).
    static let maxBytes = 1_000_000
    /// Parameters every route accepts: the access token (handled by the guard) and the job id of cancellable work.
    static let common: Set<String> = ["token"]

    /// Decodes `request`'s query; `allowed` lists the parameters the route takes (nil: any, for the guard).
    init(_ request: Request, allowed: Set<String>?) throws {
        try self.init(raw: request.uri.query ?? "", route: String(request.uri.path.prefix(120)), allowed: allowed)
    }

    init(raw: String, route: String, allowed: Set<String>?) throws {
        self.route = route
        guard raw.utf8.count <= Self.maxBytes else {
            throw APIError(.uriTooLong, "the query of \(route) is \(raw.utf8.count) bytes; at most \(Self.maxBytes) are accepted")
        }
        for part in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = try Self.decode(pieces[0], what: "a parameter name")
            guard !key.isEmpty else { throw APIError(.badRequest, "the query of \(route) has a value without a parameter name") }
            guard key.count <= 64 else { throw APIError(.badRequest, "parameter name '\(key.prefix(40))…' is longer than 64 characters") }
            let value = pieces.count > 1 ? try Self.decode(pieces[1], what: "parameter \(key)") : ""
            if let allowed, !allowed.contains(key) && !Self.common.contains(key) {
                throw APIError(.badRequest, "\(route) takes no parameter '\(key.prefix(64))' (it takes: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard values[key] == nil else { throw APIError(.badRequest, "parameter \(key) is given twice") }
            values[key] = value
        }
    }

    /// `+` as a space, `%XX` as a byte; the bytes must be UTF-8.
    static func decode(_ s: Substring, what: String) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        func hex(_ c: UInt8?) -> UInt8? {
            guard let c else { return nil }
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        while let c = it.next() {
            switch c {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let hi = hex(it.next()), let lo = hex(it.next()) else {
                    throw APIError(.badRequest, "\(what): a '%' not followed by two hexadecimal digits (write a literal % as %25)")
                }
                bytes.append(hi << 4 | lo)
            default: bytes.append(c)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw APIError(.badRequest, "\(what) is not valid UTF-8 once its %-escapes are decoded")
        }
        return text
    }

    func has(_ name: String) -> Bool { values[name] != nil }

    /// A text parameter of at most `limit` characters, required or not.
    func text(_ name: String, limit: Int = 20_000, required: Bool = false) throws -> String? {
        guard let v = values[name] else {
            if required { throw APIError(.badRequest, "\(name) is required") }
            return nil
        }
        guard v.count <= limit else { throw APIError(.badRequest, "\(name) is longer than \(limit) characters") }
        return v
    }

    /// A text parameter that must be given and not empty.
    func required(_ name: String, limit: Int = 20_000, example: String? = nil) throws -> String {
        guard let v = try text(name, limit: limit), !v.isEmpty else {
            throw APIError(.badRequest, "\(name) is required" + (example.map { " (e.g. \($0))" } ?? ""))
        }
        return v
    }

    /// An integer in `range`, or the default; anything else is a 400 naming it.
    func int(_ name: String, _ range: ClosedRange<Int>, default value: Int?) throws -> Int? {
        guard let text = values[name] else { return value }
        guard let v = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
            throw APIError(.badRequest, "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text.prefix(40))'")
        }
        return v
    }

    /// An integer in `range` with a default.
    func int(_ name: String, _ range: ClosedRange<Int>, default value: Int) throws -> Int {
        try int(name, range, default: Optional(value)) ?? value
    }

    /// 0 or 1 (or absent: false).
    func flag(_ name: String) throws -> Bool { try int(name, 0...1, default: 0) == 1 }

    /// A finite number in `range`, or the default.
    func float(_ name: String, _ range: ClosedRange<Float>, default value: Float) throws -> Float {
        guard let text = values[name] else { return value }
        guard let v = Float(text.trimmingCharacters(in: .whitespaces)), v.isFinite, range.contains(v) else {
            throw APIError(.badRequest, "\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(text.prefix(40))'")
        }
        return v
    }

    /// A finite number in `range` (half-open at the top when `belowUpper`), or the default.
    func double(_ name: String, _ range: ClosedRange<Double>, belowUpper: Bool = false, default value: Double) throws -> Double {
        guard let text = values[name] else { return value }
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite, range.contains(v), !(belowUpper && v == range.upperBound) else {
            let shown = belowUpper ? "[\(range.lowerBound), \(range.upperBound))" : "\(range.lowerBound)...\(range.upperBound)"
            throw APIError(.badRequest, "\(name) must be a number in \(shown), got '\(text.prefix(40))'")
        }
        return v
    }

    /// A comma-separated list of at most `maxCount` integers, each in `range`.
    func ints(_ name: String, _ range: ClosedRange<Int>, maxCount: Int, what: String) throws -> [Int]? {
        guard let text = values[name] else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: true)
        guard parts.count <= maxCount else { throw APIError(.badRequest, "\(name): at most \(maxCount) \(what)s, got \(parts.count)") }
        return try parts.map { p in
            guard let v = Int(p.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
                throw APIError(.badRequest, "\(name): '\(p.prefix(20))' is not a \(what) (\(range.lowerBound)...\(range.upperBound))")
            }
            return v
        }
    }
}

extension Request {
    /// The query, decoded once, taking only `allowed` parameters (see `Query`).
    func query(_ allowed: Set<String>) throws -> Query { try Query(self, allowed: allowed) }
}
