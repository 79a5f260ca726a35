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

    /// Decodes a request body of at most `limit` bytes as `T`; 413 above the limit, 400 when it does not decode.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw CoordinatorError(.tooLarge, "request body of \(length) bytes is above the limit of \(limit)")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw CoordinatorError(.tooLarge, "request body is above the limit of \(limit) bytes")
        }
        do {
            return try Canonical.decode(T.self, from: body.readableBytesView)
        } catch {
            throw CoordinatorError(.malformedRequest, "body is not a valid \(T.self): \(String(describing: error).prefix(400))")
        }
    }
}
