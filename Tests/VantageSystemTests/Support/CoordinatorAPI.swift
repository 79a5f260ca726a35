import AsyncHTTPClient
import Foundation
import VantageTestSupport
import NIOCore
import NIOHTTP1
import VantageCore
import VantageTUF

/// The coordinator's HTTP API as the tests read it: with AsyncHTTPClient on loopback, or with curl from inside a
/// namespace (the test process itself is not on the namespaces' bridge).
struct CoordinatorAPI: Sendable {
    let baseURL: String
    /// Where curl runs; `nil` = in-process HTTP client (loopback).
    let via: Place?

    func get(_ path: String) async throws -> (status: Int, body: [UInt8]) {
        try await request("GET", path)
    }

    func request(_ method: String, _ path: String, token: String? = nil, body: [UInt8]? = nil) async throws -> (status: Int, body: [UInt8]) {
        if let via {
            let out = NSTemporaryDirectory() + "vst-curl-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: out) }
            var arguments = ["-s", "--max-time", "10", "-o", out, "-w", "%{http_code}", "-X", method]
            if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
            if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", String(decoding: body, as: UTF8.self)] }
            let result = try await via.run("curl", arguments + [baseURL + path])
            let status = Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(3)) ?? 0
            guard status != 0 else { throw TestFailure("curl \(baseURL + path): no answer (\(result))") }
            return (status, FileManager.default.contents(atPath: out).map(Array.init) ?? [])
        }
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let collected = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Array(collected.readableBytesView))
    }

    func decode<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        let (status, body) = try await get(path)
        guard status == 200 else { throw TestFailure("GET \(path): HTTP \(status) \(String(decoding: body.prefix(300), as: UTF8.self))") }
        return try Canonical.decode(T.self, from: body)
    }

    /// The latest pin list, or `nil` before the first one is published.
    func latestPinList() async throws -> PinList? {
        let (status, body) = try await get(APIPath.pins)
        if status == 404 { return nil }
        guard status == 200 else { throw TestFailure("GET /v1/pins: HTTP \(status)") }
        return try Canonical.decode(PinList.self, from: body)
    }

    /// Every published pin list, version 1 to the latest, each fetched with `GET /v1/pins/{version}`.
    /// Every published list in version order. The coordinator keeps full bodies only of recent lists (headers of all):
    /// an older list comes back as its signed header with no pins.
    func allPinLists() async throws -> [PinList] {
        guard let latest = try await latestPinList() else { return [] }
        var lists: [PinList] = []
        for version in 1...latest.header.signed.version {
            let (status, body) = try await get("\(APIPath.pins)/\(version)")
            if status == 404 {
                lists.append(PinList(header: try await decode(SignedPinListHeader.self, "\(APIPath.pins)/\(version)/header"), pins: []))
                continue
            }
            guard status == 200 else { throw TestFailure("GET /v1/pins/\(version): HTTP \(status)") }
            lists.append(try Canonical.decode(PinList.self, from: body))
        }
        return lists
    }

    /// The current pin of `target` in the latest pin list.
    func pinned(_ target: String) async throws -> Pin? {
        try await latestPinList()?.pins.first { $0.target == target }
    }

    func target(_ id: String) async throws -> TargetStatus {
        try await decode(TargetStatus.self, "\(APIPath.targets)/\(APIPath.segment(id))")
    }

    /// Every event after `cursor`, oldest first.
    func events(after cursor: Int64 = 0) async throws -> [EventPage.Entry] {
        var entries: [EventPage.Entry] = []
        var next = cursor
        while true {
            let page = try await decode(EventPage.self, "\(APIPath.events)?after=\(next)&limit=500")
            entries += page.events
            if page.events.isEmpty || page.next == next { return entries }
            next = page.next
        }
    }
}

/// Checks the pin list hash chain over `lists` (versions 1…n): consecutive versions, each `previous` the digest
/// of the list before (empty for version 1), each header signed by `coordinatorKey`. Returns the problems found.
func chainProblems(_ lists: [PinList], coordinatorKey: String) throws -> [String] {
    let key = try PublicIdentity(base64: coordinatorKey)
    var problems: [String] = []
    for (index, list) in lists.enumerated() {
        let signed = list.header.signed
        if signed.version != Int64(index + 1) { problems.append("list \(index) has version \(signed.version)") }
        let expected = index == 0 ? "" : try lists[index - 1].header.digest
        if signed.previous != expected { problems.append("v\(signed.version) previous \(signed.previous) != \(expected)") }
        guard let signature = ByteEncoding.base64Decode(list.header.signature),
            key.isValidSignature(signature, for: try Canonical.bytes(of: signed))
        else {
            problems.append("v\(signed.version) is not signed by the coordinator key")
            continue
        }
    }
    return problems
}
