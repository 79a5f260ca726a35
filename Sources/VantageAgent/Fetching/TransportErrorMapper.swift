import VantageClient
import VantageCore

/// Maps transport errors to the observation error kinds (`dns`, `connect`, `tls`, `timeout`, `too_large`,
/// `malformed`), with the words of ``VantageClient/TransportFailure``.
public enum TransportErrorMapper {
    /// The observation error for a failed exchange with `url`.
    public static func map(_ error: any Error, url: String) -> ObservationError {
        if let error = error as? ObservationError { return error }
        let failure = TransportFailure(error)
        let kind: ObservationError.Kind =
            switch failure.kind {
            case .dns: .dns
            case .connect: .connect
            case .tls: .tls
            case .timeout: .timeout
            case .malformed: .malformed
            case .tooLarge: .tooLarge
            }
        return ObservationError(kind, "\(url): \(failure)")
    }
}
