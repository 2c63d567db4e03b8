import Foundation

/// Any JSON value, Codable: a run's settings as stored (the trainer's TrainConfig, or what an import recorded)
/// pass through typed documents without `[String: Any]` and JSONSerialization's bridging (5x the cost here).
package enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try Self.probe(c, Bool.self) { self = .bool(b) }
        else if let i = try Self.probe(c, Int.self, numberThatIsNotAnInt: true) { self = .int(i) }
        else if let d = try Self.probe(c, Double.self) { self = .number(d) }
        else if let s = try Self.probe(c, String.self) { self = .string(s) }
        else if let a = try Self.probe(c, [JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// The value as a `T`; nil when it is a JSON value of another type (and, for `Int`, a number that is not a
    /// whole one, read next as a Double). Any other failure — a damaged element inside an array — is thrown.
    private static func probe<T: Decodable>(_ c: SingleValueDecodingContainer, _ type: T.Type,
                                            numberThatIsNotAnInt: Bool = false) throws -> T? {
        do { return try c.decode(type) } catch DecodingError.typeMismatch {
            return nil
        } catch where numberThatIsNotAnInt {
            return nil  // JSONDecoder's own "not representable" error, for 1.5 or 1e30: read as a Double next
        }
    }

    package func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .number(let d): if d.isFinite { try c.encode(d) } else { try c.encodeNil() }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The value of a JSON text; an error saying why when the text is not JSON.
    package init(json text: String) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// The value of a JSON text, for display: text that is not JSON is kept as a string, so a damaged value shows
    /// as what it is rather than vanishing (`init(json:)` where the error matters).
    package static func parse(_ text: String) -> JSONValue {
        // The default keeps the text itself: nothing is hidden from the reader.
        (try? JSONValue(json: text)) ?? .string(text)
    }

    package subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    package var string: String? { if case .string(let s) = self { return s }; return nil }

    /// The value for a line of text: a string as itself, a number or a boolean as written, an array or an object
    /// as compact JSON.
    package var text: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .number(let d): return String(d)
        case .string(let s): return s
        case .array, .object:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
        }
    }
}

/// Literals for building documents: `["object": "list", "index": 0]`.
extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .int(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
}
