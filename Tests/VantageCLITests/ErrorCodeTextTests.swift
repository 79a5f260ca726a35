import Testing
import VantageAgent
import VantageClient
import VantageCoordinator
import VantageCore
import VantageTUF

/// Error codes are API: scripts match the text (`{"error": code}` from the coordinator, `code: reason` in messages).
/// Every module's codes, in declaration order, with the text each has had since it was released.
@Suite("Error codes keep their text")
struct ErrorCodeTextTests {
    @Test("every module's codes, and description as code: reason")
    func codesAndDescriptions() {
        #expect(TUFError.Code.allCases.map(\.rawValue) == [
            "too_large", "malformed_json", "invalid_utf8", "too_deep", "duplicate_key", "non_integer", "integer_out_of_range",
            "malformed_root", "wrong_type",
        ])
        #expect(CoreError.Code.allCases.map(\.rawValue) == ["malformed_key", "malformed_document"])
        #expect(ClientError.Code.allCases.map(\.rawValue) == [
            "transport", "http_status", "too_large", "malformed", "invalid_request", "missing_document", "destination",
        ])
        #expect(AgentError.Code.allCases.map(\.rawValue) == ["invalid_configuration", "key_file", "trusted_root", "spool", "io"])
        #expect(CoordinatorError.Code.allCases.map(\.rawValue) == [
            "malformed_request", "too_large", "timeout", "unauthorized", "not_found", "conflict", "configuration", "key", "storage",
            "pin_list_rejected", "delivery",
        ])
        #expect("\(TUFError(.malformedJSON, "byte 3"))" == "malformed_json: byte 3")
        #expect("\(AgentError(.keyFile, "no such file"))" == "key_file: no such file")
        #expect("\(ClientError(.httpStatus, "HTTP 502", status: 502))" == "http_status: HTTP 502")
        #expect("\(CoordinatorError.Code.pinListRejected)" == "pin_list_rejected")
    }

    @Test("errors are equal when their codes are (and, for ClientError, their statuses): the reason is prose")
    func equality() {
        #expect(CoreError(.malformedKey, "one") == CoreError(.malformedKey, "two"))
        #expect(CoreError(.malformedKey, "one") != CoreError(.malformedDocument, "one"))
        #expect(Set([CoordinatorError(.storage, "a"), CoordinatorError(.storage, "b")]).count == 1)
        #expect(ClientError(.httpStatus, "x", status: 502) != ClientError(.httpStatus, "x", status: 503))
    }
}
