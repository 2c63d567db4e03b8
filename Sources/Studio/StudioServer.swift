import Foundation
import Hummingbird
import Interpretability
import Logging
import NIOCore
import Reports
import RunStore

/// The one public error of Studio.
package struct StudioError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// A request that gets a 4xx with a JSON body naming the problem.
struct APIError: Error {
    let status: HTTPResponse.Status
    let message: String
    /// Seconds after which the client may try again (a 503 of a full queue).
    var retryAfter: Int?
    init(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) {
        self.status = status; self.message = message; self.retryAfter = retryAfter
    }
}

/// Glassbox Studio: the pages and the JSON API over one run store (docs/studio-api.md): a runs directory's SQLite
/// file, or a PostgreSQL database shared by a team.
package struct StudioServer: Sendable {
    package struct Options: Sendable {
        package var runsDirectory: URL
        /// A shared run store (`postgres://USER@HOST/DATABASE`) instead of the runs directory's SQLite file.
        package var storeURL: String?
        package var host = "127.0.0.1"
        package var port = 8080
        /// Required on every request when set; required (generated if absent) when binding beyond loopback.
        package var token: String?
        /// How often live views poll the run store, in seconds.
        package var pollInterval = 0.25
        /// Model files or folders to offer besides the bundled model and the runs' checkpoints (`serve --model`).
        package var models: [String] = []
        package init(runsDirectory: URL) { self.runsDirectory = runsDirectory }
    }

    package let options: Options
    let store: StoreAccess
    let models: ModelAccess

    package init(options: Options) throws {
        guard !options.host.isEmpty else { throw StudioError("--host is empty") }
        guard (0...65535).contains(options.port) else { throw StudioError("--port \(options.port) is not a port (0 to 65535)") }
        if let token = options.token {
            guard token.count >= 8, token.count <= 256, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~".contains($0)) }) else {
                throw StudioError("--token must be 8 to 256 letters, digits, '-', '_', '.' or '~'")
            }
        }
        if !Self.isLoopback(options.host) && options.token == nil {
            throw StudioError("binding \(options.host) (beyond this machine) requires a token: give --token or let serve generate one")
        }
        for m in options.models where !FileManager.default.fileExists(atPath: m) {
            throw StudioError("--model \(m): no such file or folder")
        }
        self.options = options
        self.store = StoreAccess(directory: options.runsDirectory, url: options.storeURL)
        // A PostgreSQL store is opened now: a wrong password or an unreachable server stops `serve` at once.
        if options.storeURL != nil { _ = try store.database() }
        self.models = ModelAccess(given: options.models.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, store: store)
    }

    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// A random token of 32 URL-safe characters.
    package static func generateToken() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }

    /// The router: middleware (errors as JSON, token, methods), the API, the assets and the pages.
    package func router() -> Router<StudioContext> {
        let router = Router(context: StudioContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: GuardMiddleware(token: options.token))
        let api = StudioAPI(store: store, models: models, feeds: LiveFeeds(pollInterval: options.pollInterval))
        api.register(router)
        router.get("/assets/**") { request, context in try Self.asset(request, context) }
        for page in ["/", "/compare", "/runs/:run", "/inspect", "/generate", "/models", "/models/:model"] {
            router.get(RouterPath(page)) { _, context -> Response in
                if let run = context.parameters.get("run") { try StudioAPI.checkRunName(run) }
                return try Self.shell()
            }
        }
        return router
    }

    /// The application, bound as the options say; `onRunning` gets the URL once the port is open.
    package func application(onRunning: @escaping @Sendable (String) -> Void = { _ in }) -> some ApplicationProtocol {
        let host = options.host, token = options.token
        return Application(
            router: router(),
            configuration: .init(address: .hostname(host, port: options.port), serverName: "Glassbox"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shown = host.contains(":") ? "[\(host)]" : host
                onRunning("http://\(shown):\(port)/" + (token.map { "?token=\($0)" } ?? ""))
            },
            logger: {
                var l = Logger(label: "glassbox.studio")
                l.logLevel = .error
                return l
            }()
        )
    }

    /// Serves until SIGINT/SIGTERM (graceful shutdown) when `handleSignals`, else until the task is cancelled or the
    /// process exits (a training that serves handles the signals itself).
    package func run(handleSignals: Bool = true, onRunning: @escaping @Sendable (String) -> Void) async throws {
        try await application(onRunning: onRunning).runService(gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [])
    }

    /// The page every address of the studio's pages returns (its scripts draw the page the address names); with
    /// `.notFound` for an address that is no page, so that a person gets the studio's "no page here" with its way
    /// back rather than a JSON error.
    static func shell(status: HTTPResponse.Status = .ok) throws -> Response {
        guard let bytes = WebAssets.bytes("studio.html") else { throw APIError(.internalServerError, "the studio page is missing from this build") }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func asset(_ request: Request, _ context: StudioContext) throws -> Response {
        // A module's path under the front end's root ("lib/format.js"); only the embedded files' exact paths exist.
        let name = context.parameters.getCatchAll().joined(separator: "/")
        guard let bytes = WebAssets.bytes(name) else { throw APIError(.notFound, "no asset '\(name.prefix(80))'") }
        // The content's hash names its version: a changed build gets a new ETag.
        var hash: UInt64 = 0xcbf29ce484222325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100000001b3 }
        let etag = "\"\(String(hash, radix: 16))\""
        var headers = HTTPFields()
        headers[.eTag] = etag
        // Revalidated on every load (a 304 when unchanged): a new build never runs beside modules of the old one.
        headers[.cacheControl] = "no-cache"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
        headers[.contentType] = WebAssets.contentType(name)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Every error leaves as `{"error": message, "status": code}`.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch where request.uri.path == "/v1" || request.uri.path.hasPrefix("/v1/") {
            // The OpenAI-compatible endpoints answer errors in OpenAI's shape, which its clients read.
            var response = OpenAIError.from(error).response
            if let e = error as? APIError, let after = e.retryAfter { response.headers[.retryAfter] = String(after) }
            return response
        } catch let e as APIError {
            var response = JSONResponse.error(e.status, e.message)
            if let after = e.retryAfter { response.headers[.retryAfter] = String(after) }
            return response
        } catch let e as HTTPError {
            // An address that is no page: a person gets the studio's own 404 page (the API and assets keep JSON).
            let path = request.uri.path
            if e.status == .notFound, request.method == .get || request.method == .head, !path.hasPrefix("/api/"), !path.hasPrefix("/assets/"),
               path != "/api", let page = try? StudioServer.shell(status: .notFound) {
                return page
            }
            let message = e.body ?? (e.status == .notFound ? "no such page or endpoint: \(request.uri.path.prefix(200))" : e.status.reasonPhrase)
            return JSONResponse.error(e.status, message)
        } catch let e as RunStoreError {
            return JSONResponse.error(e.description.hasPrefix("no run") ? .notFound : .badRequest, e.description)
        } catch {
            return JSONResponse.error(.internalServerError, "\(error)")
        }
    }
}

/// Only GET and HEAD, and POST with a JSON body to the OpenAI-compatible completions; no other request bodies; the
/// token when one is set (header, cookie, or `?token=` which sets the
/// cookie and redirects to the address without it).
struct GuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if request.method == .post, ["/v1/chat/completions", "/v1/completions"].contains(path) {
            // The OpenAI-compatible endpoints take a JSON body. Only as application/json: a page of another site
            // cannot send that without the browser asking first (and the studio answers no cross-origin request).
            let type = request.headers[.contentType]?.lowercased() ?? ""
            guard type.hasPrefix("application/json") else {
                throw APIError(.unsupportedMediaType, "\(path) takes a JSON body: send Content-Type: application/json")
            }
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > CompletionRequest.maxBody {
                throw APIError(.contentTooLarge, "the request body is \(length) bytes; at most \(CompletionRequest.maxBody) are accepted")
            }
        } else {
            guard request.method == .get || request.method == .head else {
                throw APIError(.methodNotAllowed, "method \(request.method) is not allowed here: the studio only reads (GET); POST goes to /v1/chat/completions and /v1/completions")
            }
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > 0 {
                throw APIError(.contentTooLarge, "request bodies are not accepted (got \(length) bytes)")
            }
        }
        guard let token else { return try await next(request, context) }
        // Decoded as the routes decode it (a malformed query is a 400 here too, before anything else reads it).
        let query = try Query(request, allowed: nil)
        if let given = query.values["token"] {
            guard constantTimeEqual(given, token) else { throw APIError(.unauthorized, "wrong token") }
            // Keep the token out of the address bar and history: set the cookie and go to the same page without it,
            // the rest of the query as it was written.
            let rest = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("token=") && $0 != "token" }
            var headers = HTTPFields()
            headers[.location] = request.uri.path + (rest.isEmpty ? "" : "?" + rest.joined(separator: "&"))
            headers[.setCookie] = "glassbox_token=\(token); Path=/; HttpOnly; SameSite=Strict"
            return Response(status: .seeOther, headers: headers)
        }
        let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let header = request.headers[.init("X-Glassbox-Token")!]
        let cookie = request.headers[values: .cookie].flatMap { $0.split(separator: ";") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("glassbox_token=") }.map { String($0.dropFirst("glassbox_token=".count)) }
        guard let given = bearer ?? header ?? cookie else {
            throw APIError(.unauthorized, "this studio needs its token: open the address serve printed (…/?token=…) or send Authorization: Bearer TOKEN")
        }
        guard constantTimeEqual(given, token) else { throw APIError(.unauthorized, "wrong token") }
        return try await next(request, context)
    }

    func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in 0..<x.count { d |= x[i] ^ y[i] }
        return d == 0
    }
}

enum JSONResponse {
    /// The documents' own encoder (non-finite numbers as strings), keys in declaration order.
    static func encoder() -> JSONEncoder { DocumentCoding.encoder(sortedKeys: false) }

    static func encode<T: Encodable>(_ value: T) throws -> Response {
        raw(try encoder().encode(value))
    }

    /// Bytes already encoded as JSON.
    static func raw(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        // An error document always encodes (a string and an integer).
        let data = (try? JSONEncoder().encode(ErrorDocument(error: String(message.prefix(2000)), status: Int(status.code)))) ?? Data("{}".utf8)
        return raw(data, status: status)
    }

    /// Every error the API answers: what went wrong, and the HTTP status again.
    struct ErrorDocument: Codable { var error: String; var status: Int }
}

/// Opens the run store when it exists (a studio may start before the first training in its runs directory).
final class StoreAccess: @unchecked Sendable {
    let directory: URL
    let url: String?
    private var db: (any RunStorage)?
    private let lock = NSLock()
    private var lastReap = Date.distantPast

    init(directory: URL, url: String? = nil) { self.directory = directory; self.url = url }

    /// Where the runs come from, for messages (a PostgreSQL URL without its password).
    var location: String { db?.location ?? url.map(PostgresURL.redacting) ?? directory.path }

    /// The store, or nil while there is none yet.
    func database() throws -> (any RunStorage)? {
        lock.lock(); defer { lock.unlock() }
        if let db {
            if Date().timeIntervalSince(lastReap) > 60 { lastReap = Date(); db.markAbandonedRuns() }
            return db
        }
        guard RunStores.exists(url: url, runsDirectory: directory) else { return nil }
        let opened = try RunStores.open(url: url, runsDirectory: directory)
        // Runs whose process died without a word are marked failed when the studio first opens the store, and
        // every minute after (a run that dies while the studio is up).
        opened.markAbandonedRuns()
        lastReap = Date()
        db = opened
        return opened
    }

    // Series read once and kept (a million points take ~0.2 s to read from SQLite, ~1 ms to reduce): an entry is
    // extended with the rows recorded since, or read again when they do not simply follow it (a resumed run
    // rewrites its tail).
    private var series: [String: SeriesColumns] = [:]
    private var cachedPoints = 0
    static let cacheLimit = 8_000_000

    func seriesColumns(_ db: any RunStorage, run: String, tag: String) throws -> SeriesColumns {
        let key = run + "\u{0}" + tag
        let version = try db.scalarsVersion(run: run)
        lock.lock()
        let cached = series[key]
        lock.unlock()
        var columns: SeriesColumns
        if let cached, cached.version == version.rowid, cached.revision == version.revision {
            return cached
        } else if let cached, cached.revision == version.revision {
            let new = try db.seriesColumns(run: run, tag: tag, afterRowID: cached.version)
            if new.count == 0 || (new.steps.first! > (cached.steps.last ?? Int.min) && zip(new.steps, new.steps.dropFirst()).allSatisfy { $0 < $1 }) {
                columns = cached
                columns.steps += new.steps; columns.wallTimes += new.wallTimes; columns.values += new.values
                columns.version = new.version
            } else {
                columns = try db.seriesColumns(run: run, tag: tag)
            }
        } else {
            columns = try db.seriesColumns(run: run, tag: tag)
        }
        lock.lock(); defer { lock.unlock() }
        cachedPoints += columns.count - (series[key]?.count ?? 0)
        if cachedPoints > Self.cacheLimit { series.removeAll(); cachedPoints = columns.count }
        series[key] = columns
        return columns
    }

    // Each run's summary as encoded JSON, kept while the run does not change (its updated_at, status and revision):
    // a thousand finished runs are then listed without decoding and encoding their settings again.
    private var summaries: [String: (key: String, json: Data)] = [:]

    func summaryJSON(_ r: RunRecord, last: [String: Double], encoder: JSONEncoder) throws -> Data {
        let status = r.displayStatus
        let key = "\(r.updatedAt)|\(status)|\(r.revision)|\(r.step)"
        lock.lock()
        let cached = summaries[r.id]
        lock.unlock()
        if let cached, cached.key == key, status != "live" { return cached.json }
        let json = try encoder.encode(RunSummary(r, last: last))
        lock.lock(); defer { lock.unlock() }
        if summaries.count > 100_000 { summaries.removeAll() }
        summaries[r.id] = (key, json)
        return json
    }

    func require() throws -> any RunStorage {
        guard let db = try database() else { throw APIError(.notFound, "no runs yet in \(location) (train one with: glassbox train)") }
        return db
    }
}
