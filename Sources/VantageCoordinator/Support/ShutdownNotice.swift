import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs `application` until SIGTERM or SIGINT, logging when the graceful shutdown starts (an operator reading the log
/// sees why the coordinator stopped, and how far it got when a stop timed out) and when it has finished.
///
/// - Throws: what a service of the application throws.
public func runUntilSignalled(_ application: some ApplicationProtocol, logger: Logger) async throws {
    let group = ServiceGroup(
        configuration: .init(
            services: [application, ShutdownNotice(logger: logger)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
    logger.notice("stopped")
}

/// Logs the start of a graceful shutdown. Listed after the application, so a shutdown (which runs in reverse order)
/// reaches it first.
struct ShutdownNotice: Service {
    let logger: Logger

    func run() async throws {
        try await gracefulShutdown()
        logger.notice("shutting down: answering requests in flight, then stopping consensus rounds and alert delivery")
    }
}
