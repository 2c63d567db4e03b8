import Hummingbird
import NIOCore

/// The studio's request context: Hummingbird's basic one plus the connection the request came on, so that work
/// done for a client that has gone away can be stopped (an analysis nobody waits for must not hold the machine).
package struct StudioContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The client's connection (closed when the client hangs up).
    let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Calls `action` once when the client's connection closes (at once if it already has).
    func onClose(_ action: @escaping @Sendable () -> Void) {
        channel.closeFuture.whenComplete { _ in action() }
    }
}
