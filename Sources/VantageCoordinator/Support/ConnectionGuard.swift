import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Time and count limits on client connections. Hummingbird's idle timeout restarts with every byte read, so a
/// client that sends one byte every few seconds would hold a connection, and a descriptor, for ever; enough of them
/// exhaust the process's descriptors and nothing is answered any more. Here a request head must be complete within
/// ``headTimeout`` of connecting (TLS handshake included) or ``keepAliveTimeout`` of the previous response, a body
/// within ``bodyTimeout`` of its head, the response written whole (into the socket) within ``responseTimeout``
/// of the request's end, and connections beyond ``maxConnections`` are closed as soon as they are accepted.
final class ConnectionLimits: Sendable {
    let maxConnections: Int
    let headTimeout: TimeAmount
    let bodyTimeout: TimeAmount
    let responseTimeout: TimeAmount
    let keepAliveTimeout: TimeAmount
    let metrics: CoordinatorMetrics
    private let open = Atomic<Int>(0)

    init(
        maxConnections: Int, headTimeout: TimeAmount, bodyTimeout: TimeAmount, responseTimeout: TimeAmount, keepAliveTimeout: TimeAmount,
        metrics: CoordinatorMetrics
    ) {
        self.maxConnections = maxConnections
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.responseTimeout = responseTimeout
        self.keepAliveTimeout = keepAliveTimeout
        self.metrics = metrics
    }

    /// Counts `channel` as open until it closes, or closes it at once when ``maxConnections`` are open.
    func admit(_ channel: any Channel) -> Bool {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard count <= maxConnections else {
            open.wrappingSubtract(1, ordering: .relaxed)
            metrics.connectionRefused()
            channel.close(promise: nil)
            return false
        }
        metrics.connections(open: count)
        channel.closeFuture.whenComplete { [self] _ in
            metrics.connections(open: open.wrappingSubtract(1, ordering: .relaxed).newValue)
        }
        return true
    }
}

/// Refused by ``ConnectionLimits/admit(_:)``: the channel is already closed (NIO drops a failed child set-up).
struct ConnectionLimitReached: Error {}

/// Wraps the HTTP child channel (plain or TLS) with ``ConnectionLimits``: the count check, then a
/// ``RequestDeadlineHandler`` right after the HTTP/1 decoder, where request heads and body ends are visible.
struct GuardedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let limits: ConnectionLimits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard limits.admit(channel) else { return channel.eventLoop.makeFailedFuture(ConnectionLimitReached()) }
        let limits = limits
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let decoder = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RequestDeadlineHandler(limits: limits), position: .after(decoder.handler))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Closes the connection when a request head or body does not arrive in time, or its response is not written in time
/// (see ``ConnectionLimits``). The response deadline runs until the `.end` write completes: the response writer waits
/// for the client to drain the body, and Hummingbird's idle timer is off while a request is answered, so a client
/// reading a large response one byte at a time would otherwise hold its connection for ever.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum Phase: String { case head, body, response }

    private let limits: ConnectionLimits
    private var deadline: Scheduled<Void>?
    /// Requests whose head was read and whose response has not ended (more than one when pipelined).
    private var unanswered = 0
    private var readingBody = false
    /// Response ends passed on whose write has not completed yet.
    private var endsInFlight = 0
    /// The response being written says `Connection: close`.
    private var closeAfterResponse = false

    init(limits: ConnectionLimits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) { arm(.head, limits.headTimeout, context: context) }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            readingBody = true
            arm(.body, limits.bodyTimeout, context: context)
        case .body: break
        case .end:
            readingBody = false
            // Answered before its body ended (an early 413 or 408): the next head has the keep-alive time from now.
            if unanswered == 0 {
                arm(.head, limits.keepAliveTimeout, context: context)
            } else {
                arm(.response, limits.responseTimeout, context: context)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            closeAfterResponse = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
        case .body: break
        case .end:
            unanswered = max(0, unanswered - 1)
            endsInFlight += 1
            let closing = closeAfterResponse
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.whenComplete { bound.value.handler.ended($0, closing: closing, context: bound.value.context) }
            written.futureResult.cascade(to: promise)
            context.write(data, promise: written)
            return
        }
        context.write(data, promise: promise)
    }

    /// A response's end was written into the socket, so the client has read all but the last buffers (or the write
    /// failed). The response deadline ran until now; the keep-alive time runs from here, unless a next request has
    /// started meanwhile (it armed its own deadline).
    private func ended(_ result: Result<Void, any Error>, closing: Bool, context: ChannelHandlerContext) {
        endsInFlight -= 1
        // A response marked `Connection: close` answered before its request's body was read whole (a refused batch):
        // the connection closes once it is written, rather than read a body nobody wants.
        if closing { return context.close(promise: nil) }
        if case .success = result, endsInFlight == 0, unanswered == 0, !readingBody, context.channel.isActive {
            arm(.head, limits.keepAliveTimeout, context: context)
        }
    }

    private func arm(_ phase: Phase, _ timeout: TimeAmount, context: ChannelHandlerContext) {
        disarm()
        let metrics = limits.metrics
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            metrics.connectionTimedOut(phase: phase.rawValue)
            loopBound.value.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
