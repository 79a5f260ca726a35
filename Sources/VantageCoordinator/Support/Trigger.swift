import ServiceLifecycle

/// A wake-up signal for a long-running service: ``fire()`` from anywhere (never blocks, coalesces bursts), and
/// ``run(every:debounce:_:)`` calls the body once at start, after each signal (plus `debounce`) and on a timer,
/// until graceful shutdown or cancellation.
final class Trigger: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func fire() { continuation.yield() }

    func run(every interval: Duration, debounce: Duration = .zero, _ body: @escaping @Sendable () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [continuation] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    continuation.yield()
                }
            }
            group.addTask { [stream] in
                await body()
                for await _ in stream.cancelOnGracefulShutdown() {
                    if debounce > .zero {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: debounce) }
                    }
                    if Task.isCancelled || Task.isShuttingDownGracefully { break }
                    await body()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
