import Hummingbird
import NIOCore

extension CoordinatorError: HTTPResponseError {
    /// The one place codes map to HTTP statuses.
    public var status: HTTPResponse.Status {
        switch code {
        case .malformedRequest: return .badRequest
        case .tooLarge: return .contentTooLarge
        case .timeout: return .requestTimeout
        case .unauthorized: return .unauthorized
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .storage: return .serviceUnavailable
        default: return .internalServerError
        }
    }

    /// `{"error": code, "reason": …}`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(error: code.rawValue, reason: status == .internalServerError ? "internal error" : reason)
        var response = try JSONResponse.make(body, status: status)
        if code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        // Answered before the body was read whole: the connection closes rather than read the rest (ConnectionGuard).
        if code == .tooLarge || code == .timeout { response.headers[.connection] = "close" }
        return response
    }

    struct ErrorBody: Encodable {
        var error: String
        var reason: String
    }
}
