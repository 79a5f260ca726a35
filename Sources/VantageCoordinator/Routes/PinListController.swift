import Foundation
import Hummingbird
import NIOCore
import VantageCore

/// Pin list routes: the whole latest list with a strong ETag (`If-None-Match` → 304), any stored version, signed
/// headers, and one pin with its inclusion proof.
struct PinListController: Sendable {
    let cache: PinListCache
    let store: PinListStore

    func add(to router: Router<BasicRequestContext>) {
        router.get(RouterPath(APIPath.pins)) { request, _ in try latest(request) }
        router.get("\(APIPath.pins)/:version") { _, context in
            let list = try await list(context.parameters.get("version") ?? "")
            return Self.whole(list, headers: Self.headers(for: list, immutable: true))
        }
        router.get("\(APIPath.pins)/:version/header") { _, context in
            let selector = context.parameters.get("version") ?? ""
            // Headers of every version are kept (clients walk the hash chain), bodies only of recent ones.
            if let number = Int64(selector), number >= 1, cache.latest?.version != number, cache.older(version: number) == nil,
                let header = try await store.header(version: number)
            {
                var headers = HTTPFields()
                headers[.cacheControl] = "public, max-age=31536000, immutable"
                return JSONResponse.bytes(header, headers: headers)
            }
            let list = try await list(selector)
            return JSONResponse.bytes(list.headerBody, headers: Self.headers(for: list, immutable: selector != "latest"))
        }
        router.get("\(APIPath.pins)/:version/targets/**") { request, context in
            let selector = context.parameters.get("version") ?? ""
            let list = try await list(selector)
            let target = try TargetPath(path: request.uri.path, prefix: "\(APIPath.pins)/\(selector)/targets/", actions: [])
            guard let proof = list.proofBody(for: target.id) else {
                throw CoordinatorError(.notFound, "pin list v\(list.version) has no pin for this target")
            }
            return JSONResponse.bytes(proof, headers: Self.headers(for: list, immutable: selector != "latest"))
        }
    }

    func latest(_ request: Request) throws -> Response {
        guard let list = cache.latest else { throw CoordinatorError(.notFound, "no pin list has been published yet") }
        var headers = Self.headers(for: list, immutable: false)
        if let condition = request.headers[.ifNoneMatch], Self.matches(condition, etag: list.etag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Self.whole(list, headers: headers)
    }

    /// The whole list, streamed from its pins' bytes (it is never held as one array: 100 MB at 100,000 pins).
    static func whole(_ list: PublishedPinList, headers: HTTPFields) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(
            status: .ok, headers: fields,
            body: ResponseBody(contentLength: list.bodyCount) { writer in
                for chunk in list.bodyChunks() { try await writer.write(ByteBuffer(bytes: chunk)) }
                try await writer.finish(nil)
            })
    }

    /// The list named by a path selector: `latest` or a version number.
    func list(_ selector: String) async throws -> PublishedPinList {
        let version: Int64?
        if selector == "latest" {
            version = nil
        } else if let number = Int64(selector), number >= 1 {
            version = number
        } else {
            throw CoordinatorError(.malformedRequest, "pin list version must be a positive integer or latest")
        }
        if let latest = cache.latest, version == nil || version == latest.version { return latest }
        if let version, let older = cache.older(version: version) { return older }
        guard let version else { throw CoordinatorError(.notFound, "no pin list has been published yet") }
        guard let list = try await store.load(version: version) else {
            throw CoordinatorError(.notFound, "no pin list v\(version) body is kept (headers are kept for every version: \(APIPath.pins)/\(version)/header)")
        }
        cache.keep(older: list)
        return list
    }

    static func headers(for list: PublishedPinList, immutable: Bool) -> HTTPFields {
        var headers = HTTPFields()
        headers[.eTag] = list.etag
        headers[.cacheControl] = immutable ? "public, max-age=31536000, immutable" : "public, max-age=0, must-revalidate"
        return headers
    }

    /// `If-None-Match` matching (weak comparison, as RFC 9110 prescribes for this header).
    static func matches(_ condition: String, etag: String) -> Bool {
        condition.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || (trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed) == etag
        }
    }
}
