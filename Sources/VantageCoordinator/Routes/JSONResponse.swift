import Hummingbird
import NIOCore
import VantageCore

/// JSON responses in the project's wire format (sorted keys, RFC 3339 times).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        bytes(try Canonical.encode(value), status: status, headers: headers)
    }

    static func bytes(
        _ bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], contentType: String = "application/json"
    ) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Decodes a request body of at most `limit` bytes, received within `timeout`, as `T`; 413 above the limit, 408
    /// when the client is too slow, 400 when it does not decode.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int, timeout: Duration) async throws -> T {
        try decode(T.self, from: try await body(of: request, limit: limit, timeout: timeout).readableBytesView)
    }

    /// A request body of at most `limit` bytes, received within `timeout`; 413 above the limit, 408 when the client is
    /// too slow.
    static func body(of request: Request, limit: Int, timeout: Duration) async throws -> ByteBuffer {
        try await read(request, limit: limit, timeout: timeout, into: ByteBuffer()) { collected, chunk in
            collected.writeImmutableBuffer(chunk)
            return true
        }
    }

    /// `body` decoded as `T`; 400 when it does not decode.
    static func decode<T: Decodable>(_ type: T.Type, from body: some Collection<UInt8>) throws -> T {
        do {
            return try Canonical.decode(T.self, from: body)
        } catch {
            throw CoordinatorError(.malformedRequest, "body is not a valid \(T.self): \(String(describing: error).prefix(400))")
        }
    }

    /// Reads `request`'s body chunk by chunk into `state` until `feed` returns `false` or the body ends, within
    /// `timeout` (a client trickling bytes would otherwise hold a handler for as long as it likes: the connection's
    /// idle timer restarts with every byte); 413 above `limit` bytes, 408 when the client is too slow. Cancelling the
    /// read ends the body stream.
    static func read<State: Sendable>(
        _ request: Request, limit: Int, timeout: Duration, into state: State,
        feed: @escaping @Sendable (inout State, ByteBuffer) -> Bool
    ) async throws -> State {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw CoordinatorError(.tooLarge, "request body of \(length) bytes is above the limit of \(limit)")
        }
        let body = request.body
        return try await withThrowingTaskGroup(of: State?.self) { group in
            group.addTask {
                var state = state
                var total = 0
                for try await chunk in body {
                    total += chunk.readableBytes
                    guard total <= limit else { throw CoordinatorError(.tooLarge, "request body is above the limit of \(limit) bytes") }
                    if !feed(&state, chunk) { break }
                }
                return state
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw CoordinatorError(.timeout, "request body not received within \(timeout.components.seconds) s")
            }
            return result
        }
    }
}
