import Foundation

/// A PostgreSQL connection URL as libpq reads it: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`
/// (`postgresql://` too). The password may also come from `PGPASSWORD`. Its `description` never shows the password,
/// so the URL can go into messages and logs.
package struct PostgresURL: Sendable, CustomStringConvertible, Equatable {
    package enum TLSMode: String, Sendable {
        /// No TLS.
        case disable
        /// TLS when the server offers it (libpq's default).
        case prefer
        /// TLS or no connection; the server's certificate is not checked (libpq's `require`).
        case require
        /// TLS with the server's certificate checked against the system's roots (`verify-ca`).
        case verifyCA = "verify-ca"
        /// As verify-ca, and the certificate must name the host (`verify-full`).
        case verifyFull = "verify-full"
    }

    package var host: String
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String
    package var tls: TLSMode

    package static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    package init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let shown = Self.redacting(text)
        guard Self.isPostgres(text), let c = URLComponents(string: text) else {
            throw RunStoreError("'\(shown)' is not a PostgreSQL URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)")
        }
        guard let host = c.host, !host.isEmpty else { throw RunStoreError("the PostgreSQL URL '\(shown)' names no host") }
        self.host = host
        if let p = c.port {
            guard (1...65535).contains(p) else { throw RunStoreError("the PostgreSQL URL '\(shown)' has port \(p), outside 1-65535") }
            port = p
        } else {
            port = 5432
        }
        guard let user = c.user, !user.isEmpty else {
            throw RunStoreError("the PostgreSQL URL '\(shown)' names no user (postgres://USER@HOST/DATABASE)")
        }
        self.user = user
        password = c.password ?? environment["PGPASSWORD"]
        let db = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = db.isEmpty ? user : db
        tls = .prefer
        for item in c.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let v = item.value, let mode = TLSMode(rawValue: v) ?? (v == "allow" ? .prefer : nil) else {
                    throw RunStoreError("the PostgreSQL URL '\(shown)' has sslmode=\(item.value ?? ""): use disable, prefer, require, verify-ca or verify-full")
                }
                tls = mode
            case "application_name", "connect_timeout":
                continue
            default:
                throw RunStoreError("the PostgreSQL URL '\(shown)' has the parameter '\(item.name)', which Glassbox does not know (it knows sslmode)")
            }
        }
    }

    /// The URL without its password.
    package var description: String {
        var c = URLComponents()
        c.scheme = "postgres"
        c.user = user
        c.host = host
        c.port = port == 5432 ? nil : port
        c.path = "/" + database
        if tls != .prefer { c.queryItems = [URLQueryItem(name: "sslmode", value: tls.rawValue)] }
        return c.string ?? "postgres://\(user)@\(host)/\(database)"
    }

    /// Any text with the password of a URL in it replaced by `***` (for messages about a URL that did not parse).
    package static func redacting(_ text: String) -> String {
        text.replacingOccurrences(of: #"(://[^:/@?#]*):[^@/?#]*@"#, with: "$1:***@", options: .regularExpression)
    }
}
