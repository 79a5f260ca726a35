import Logging
import Synchronization

/// Ingest rejections in the log at most once per reason per ``interval``: anyone can send junk, and a line per
/// refused observation let four clients write 50 MB of log in 25 s. The metrics count every rejection; a line
/// says how many of its reason went unlogged since the previous one.
final class RejectionLog: Sendable {
    let logger: Logger
    let interval: Duration
    private struct Reason {
        var lastLogged: ContinuousClock.Instant
        var suppressed: Int
    }
    private let reasons = Mutex<[String: Reason]>([:])

    init(logger: Logger, interval: Duration = .seconds(60)) {
        self.logger = logger
        self.interval = interval
    }

    /// Logs the rejection unless one of the same `reason` was logged within ``interval``.
    func rejected(_ reason: String, _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata) {
        let now = ContinuousClock.now
        let suppressed = reasons.withLock { reasons -> Int? in
            if var entry = reasons[reason], now < entry.lastLogged + interval {
                entry.suppressed += 1
                reasons[reason] = entry
                return nil
            }
            defer { reasons[reason] = Reason(lastLogged: now, suppressed: 0) }
            return reasons[reason]?.suppressed ?? 0
        }
        guard let suppressed else { return }
        var fields = metadata()
        fields["reason"] = "\(reason)"
        fields["suppressed_since_last"] = "\(suppressed)"
        logger.info(message(), metadata: fields)
    }
}

extension RejectionLog {
    /// ``rejected(_:_:metadata:)`` for one observation's refusal, under its code's label.
    func rejected(_ code: IngestRejection.Code, _ message: @autoclosure () -> Logger.Message, metadata: @autoclosure () -> Logger.Metadata) {
        rejected(code.rawValue, message(), metadata: metadata())
    }
}
