import Foundation

/// A target id taken from a request path. Ids are one percent-encoded segment (`/` as `%2F`, see
/// ``VantageCore/APIPath/segment(_:)``); Hummingbird matches routes on the raw path, so the id arrives still
/// encoded. Ids with literal slashes are accepted too: the rest of the path after the prefix is the id, less a
/// trailing action segment (`history`, `approve`).
struct TargetPath {
    var id: String
    var action: String?

    /// - Parameters:
    ///   - path: the raw request path.
    ///   - prefix: the route prefix ending in `/`, e.g. `/v1/targets/`.
    ///   - actions: trailing segments that name a sub-resource.
    init(path: String, prefix: String, actions: Set<String>) throws {
        guard path.hasPrefix(prefix) else { throw CoordinatorError(.notFound, "no such route") }
        var rest = String(path.dropFirst(prefix.count))
        while rest.hasSuffix("/") { rest.removeLast() }
        if let slash = rest.lastIndex(of: "/"), actions.contains(String(rest[rest.index(after: slash)...])) {
            action = String(rest[rest.index(after: slash)...])
            rest = String(rest[..<slash])
        } else {
            action = nil
        }
        guard !rest.isEmpty, let decoded = rest.removingPercentEncoding, !decoded.isEmpty else {
            throw CoordinatorError(.malformedRequest, "missing or badly encoded target id")
        }
        id = decoded
    }
}
