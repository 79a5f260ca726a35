import Foundation
import VantageTestSupport
import HTTPTypes
import GRDB
import HummingbirdTesting
import NIOCore
import Testing
import VantageCore
import VantageTUF

@testable import VantageCoordinator

/// Hostile and broken ingest: every case is refused (a 4xx, or a rejected item with a reason), nothing is stored,
/// and the server keeps serving.
@Suite struct IngestAbuseTests {
    static let target = "example.test/app"

    /// A named case: the batch to send (built from the harness) and the rejection code expected for its one item.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var code: String
        var make: @Sendable (TestCoordinator, [UInt8]) throws -> SignedObservation
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unsigned", code: "bad_signature") { c, root in
            var signed = try c.agents[0].observe(target, root: root, at: c.now)
            signed.signature = ""
            return signed
        },
        Case(name: "signed by another agent's key", code: "bad_signature") { c, root in
            let other = try c.agents[1].observe(target, root: root, at: c.now)
            var signed = try c.agents[0].observe(target, root: root, at: c.now)
            signed.signature = other.signature
            return signed
        },
        Case(name: "statement altered after signing", code: "bad_signature") { c, root in
            var signed = try c.agents[0].observe(target, root: root, at: c.now)
            signed.observation.latencyMilliseconds += 1
            return signed
        },
        Case(name: "attestation signature missing", code: "missing_attestation") { c, root in
            var signed = try c.agents[0].observe(target, root: root, at: c.now)
            signed.attestationSignature = nil
            return signed
        },
        Case(name: "attestation signed over another digest", code: "bad_attestation_signature") { c, root in
            var signed = try c.agents[0].observe(target, root: root, at: c.now)
            signed.attestationSignature = signed.signature
            return signed
        },
        Case(name: "far past", code: "stale") { c, root in try c.agents[0].observe(target, root: root, at: c.now.adding(seconds: -7200)) },
        Case(name: "far future", code: "future") { c, root in try c.agents[0].observe(target, root: root, at: c.now.adding(seconds: 3600)) },
        Case(name: "unknown agent", code: "unknown_agent") { c, root in
            try TestAgent("agent-mallory", "eu").observe(target, root: root, at: c.now)
        },
        Case(name: "agent claiming another region", code: "region_mismatch") { c, root in
            try TestAgent("agent-eu", "us").observe(target, root: root, at: c.now).resigned(by: c.agents[0])
        },
        Case(name: "root bytes whose hash does not match", code: "root_hash_mismatch") { c, root in
            var signed = try c.agents[0].observe(target, root: root, at: c.now)
            signed.rootBytes = ByteEncoding.base64Encode(root + Array(" ".utf8))
            return signed
        },
        Case(name: "root bytes that are not a root", code: "root_unparseable") { c, root in
            var signed = try c.agents[0].observe(target, root: root, at: c.now)
            signed.rootBytes = ByteEncoding.base64Encode(Array("{\"signed\": 1}".utf8))
            return signed
        },
        Case(name: "root bytes not base64", code: "root_bytes_malformed") { c, root in
            var signed = try c.agents[0].observe(target, root: root, at: c.now)
            signed.rootBytes = "%%%"
            return signed
        },
        Case(name: "SQL-looking target id", code: "unknown_target") { c, root in
            try c.agents[0].observe("x'; DROP TABLE spans; --", root: root, at: c.now)
        },
        Case(name: "unknown statement type", code: "unsupported_type") { c, root in
            var observation = try c.agents[0].observe(target, root: root, at: c.now).observation
            observation.type = "vantage-observation/v9"
            return try SignedObservation(signing: observation, with: c.agents[0].identity, rootBytes: root)
        },
        // Source binding: an agent's observation of the target fetched from another URL, kind or GUN is refused, so its
        // attestation can never be published for this target.
        Case(name: "fetched from another URL", code: "source_mismatch") { c, root in
            try c.agents[0].observe(target, url: "https://attacker.example/metadata", root: root, at: c.now)
        },
        Case(name: "fetched as another kind", code: "source_mismatch") { c, root in
            try c.agents[0].observe(target, kind: .notary, gun: target, root: root, at: c.now)
        },
        Case(name: "success without a continuity verdict", code: "malformed_observation") { c, root in
            var observation = try c.agents[0].observe(target, root: root, at: c.now).observation
            observation.continuity = nil
            return try SignedObservation(signing: observation, with: c.agents[0].identity, rootBytes: root)
        },
        Case(name: "verdict altered after the attestation was signed", code: "bad_attestation_signature") { c, root in
            let signed = try c.agents[0].observe(target, root: root, at: c.now, continuity: .unchained)
            var observation = signed.observation
            observation.continuity = .rotated
            var forged = try SignedObservation(signing: observation, with: c.agents[0].identity, rootBytes: root)
            forged.attestationSignature = signed.attestationSignature
            return forged
        },
        Case(name: "both fingerprint and error", code: "malformed_observation") { c, root in
            var observation = try c.agents[0].observe(target, root: root, at: c.now).observation
            observation.error = ObservationError(.timeout, "x")
            return try SignedObservation(signing: observation, with: c.agents[0].identity, rootBytes: root)
        },
    ]

    @Test(arguments: cases)
    func rejectedItemStoresNothing(_ testCase: Case) async throws {
        let c = try await TestCoordinator()
        let root = try TestRepository().root(version: 1)
        let signed = try testCase.make(c, root)
        try await c.coordinator.application.test(.router) { client in
            let receipt = try await client.submit([signed])
            #expect(receipt.items.count == 1)
            #expect(receipt.items[0].accepted == false)
            #expect(receipt.items[0].reason?.hasPrefix(testCase.code + ":") == true, "\(receipt.items[0].reason ?? "-")")
            // Still serving: a valid observation is accepted afterwards.
            let valid = try await client.submit([try c.agents[2].observe(Self.target, root: root, at: c.now)])
            #expect(valid.items[0].accepted)
        }
        #expect(try await c.count("observations_seen") == 1)
        #expect(try await c.count("spans") == 1)
        #expect(try await c.count("blobs") == 1)
    }

    @Test func replayIsAcceptedAsDuplicateAndChangesNothing() async throws {
        let c = try await TestCoordinator()
        let root = try TestRepository().root(version: 1)
        let signed = try c.agents[0].observe(Self.target, root: root, at: c.now)
        try await c.coordinator.application.test(.router) { client in
            let first = try await client.submit([signed, signed])
            #expect(first.items.map(\.accepted) == [true, true])
            #expect(first.items.map(\.duplicate) == [false, true])
            let spansBefore = try await c.coordinator.database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM spans") }
            let again = try await client.submit([signed])
            #expect(again.items[0].accepted && again.items[0].duplicate)
            let spansAfter = try await c.coordinator.database.writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM spans") }
            #expect(spansBefore == spansAfter)
        }
        #expect(try await c.count("observations_seen") == 1)
    }

    @Test(arguments: [
        ("malformed JSON", Array("{\"observations\": [".utf8), 400),
        ("not a batch", Array("[1, 2, 3]".utf8), 400),
        ("empty body", [], 400),
    ] as [(String, [UInt8], Int)])
    func malformedBodyIs400(_ name: String, _ body: [UInt8], _ status: Int) async throws {
        let c = try await TestCoordinator()
        try await c.coordinator.application.test(.router) { client in
            try await client.execute(uri: APIPath.observations, method: .post, body: ByteBuffer(bytes: body)) { response in
                #expect(Int(response.status.code) == status, "\(name)")
                let error = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: String]
                #expect(error?["error"] == "malformed_request")
                #expect(error?["reason"]?.isEmpty == false)
            }
            try await client.execute(uri: "/livez", method: .get) { #expect($0.status == .ok) }
        }
        #expect(try await c.count("observations_seen") == 0)
    }

    @Test func oversizedBodyIs413() async throws {
        let c = try await TestCoordinator { $0.ingest.maxBodyBytes = 4096 }
        let body = Array(repeating: UInt8(ascii: " "), count: 10_000)
        try await c.coordinator.application.test(.live) { client in
            try await client.execute(uri: APIPath.observations, method: .post, body: ByteBuffer(bytes: body)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.connection] == "close", "the rest of the body is not read")
            }
            #expect(try await ConnectionLimitTests.get(port: try #require(client.port), "/livez").hasPrefix("HTTP/1.1 200"))
        }
        #expect(try await c.count("observations_seen") == 0)
    }
}

/// Anonymous ingest must cost the sender more than the coordinator: a batch stops at its first observation not shown
/// to come from an enrolled agent (the rest neither decoded nor read), a batch over the count limit is refused before
/// it is decoded, and rejections are counted per reason while the log gets at most one line per reason per minute.
@Suite struct IngestCostTests {
    static let target = IngestAbuseTests.target

    /// `count` copies of one observation of enrolled agent-eu whose signature does not verify.
    static func junk(_ c: TestCoordinator, count: Int) throws -> [SignedObservation] {
        var signed = try c.agents[0].observe(target, error: ObservationError(.timeout, "x"), at: c.now)
        signed.signature = try c.agents[1].observe(target, error: ObservationError(.timeout, "x"), at: c.now).signature
        return Array(repeating: signed, count: count)
    }

    static func post(_ client: some TestClientProtocol, _ observations: [SignedObservation]) async throws -> (HTTPResponse.Status, ByteBuffer) {
        try await client.execute(
            uri: APIPath.observations, method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(bytes: try Canonical.encode(ObservationBatch(observations: observations)))
        ) { ($0.status, $0.body) }
    }

    /// A batch over the count limit is refused once the count passes it, before any of it is decoded: here its first
    /// observation is genuine (a replayed one would do), so only that one is checked; then 10,000 junk observations.
    /// Positive control: at the limit the batch is decoded and checked up to its first junk observation.
    @Test func batchOverTheCountLimitIsRefusedBeforeItIsDecoded() async throws {
        let log = LogCapture()
        let c = try await TestCoordinator(logger: log.logger) { $0.ingest.maxBodyBytes = 64 << 20 }
        let genuine = try c.agents[0].observe(Self.target, error: ObservationError(.timeout, "genuine"), at: c.now)
        let junk = try Self.junk(c, count: 10_000)
        try await c.coordinator.application.test(.router) { client in
            for _ in 0..<3 {
                let (status, body) = try await Self.post(client, [genuine] + junk)
                #expect(status == .contentTooLarge)
                #expect(String(buffer: body).contains("ingest.max_batch_observations"))
            }
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 3)
            #expect(try await ConnectionLimitTests.metric(client, #"vantage_ingest_batches_refused_total{reason="too_many_observations"}"#) == 3)
            let limit = c.configuration.ingest.maxBatchObservations
            let (status, body) = try await Self.post(client, [genuine] + junk.prefix(limit - 1))
            #expect(status == .ok)
            let receipt = try Canonical.decode(ObservationReceipt.self, from: body.readableBytesView)
            #expect(receipt.items.map(\.accepted) == [true, false])
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 5)
        }
        #expect(try await c.count("observations_seen") == 1, "the positive control's genuine observation only")
        #expect(log.messages.filter { $0 == "observation batch refused" }.count == 1, "\(log.messages)")
    }

    /// The one-pass scan agrees with the decoder (the count, and the first observation's bytes): strings holding braces, brackets, quotes and the key's name do not
    /// count, nested objects do not count, and other keys' arrays do not count.
    @Test func batchCountAgreesWithTheDecoder() throws {
        let agent = TestAgent("agent-eu", "eu")
        var tricky = try agent.observe(Self.target, error: ObservationError(.timeout, #"{"observations": [{}, {"x": "\"]"}]} \"#), at: Timestamp(seconds: 1_780_000_000))
        tricky.observation.region = "[{"
        for n in [0, 1, 7] {
            let json = try Canonical.encode(ObservationBatch(observations: Array(repeating: tricky, count: n)))
            let padded = Array(#"{"other": [{}, {}], "observations": "#.utf8) + Array(json.dropFirst(#"{"observations":"#.utf8.count))
            for text in [json, padded] {
                let scan = BatchScan(text)
                #expect(scan.count == n)
                #expect(try scan.first.map { try Canonical.decode(SignedObservation.self, from: text[$0]) } == (n > 0 ? tricky : nil))
            }
        }
    }

    /// A key spelt with an escape (which the decoder would accept) hides its 1,000 observations from the one-pass
    /// count: the body is refused 400, before any check and undecoded. Positive control: the same batch with the key
    /// as agents write it is checked (and stops at its first bad signature).
    @Test func escapedKeyIsRefusedUndecoded() async throws {
        let c = try await TestCoordinator()
        let plain = try Canonical.encode(ObservationBatch(observations: try Self.junk(c, count: 1000)))
        let escaped = Array(String(decoding: plain, as: UTF8.self).replacingOccurrences(of: #""observations""#, with: #""observ\u0061tions""#).utf8)
        #expect(BatchScan(escaped).count == 0 && BatchScan(escaped).malformed && !BatchScan(plain).malformed)
        try await c.coordinator.application.test(.router) { client in
            try await client.execute(uri: APIPath.observations, method: .post, body: ByteBuffer(bytes: escaped)) { response in
                #expect(response.status == .badRequest)
            }
            // The same batch as UTF-16 with a byte-order mark is not read as agents write it either.
            let utf16: [UInt8] = [0xFF, 0xFE] + String(decoding: plain, as: UTF8.self).utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            try await client.execute(uri: APIPath.observations, method: .post, body: ByteBuffer(bytes: utf16)) { response in
                #expect(response.status == .badRequest)
            }
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 0)
            try await client.execute(uri: APIPath.observations, method: .post, body: ByteBuffer(bytes: plain)) { response in
                #expect(response.status == .ok)
                let receipt = try Canonical.decode(ObservationReceipt.self, from: response.body.readableBytesView)
                #expect(receipt.items.count == 1 && receipt.items[0].reason?.hasPrefix("bad_signature:") == true)
            }
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 1)
        }
    }

    /// Over a real connection, a body not written as agents write a batch (a key spelt with an escape, another key
    /// first, a batch inside an array) is answered 400 from its first bytes, the rest never read, and the
    /// connection closed. Positive control: the same start with the plain key is waited for, and answered 408.
    @Test func malformedBatchIsAnsweredWithoutReadingTheRest() async throws {
        let c = try await TestCoordinator { $0.bodyTimeoutSeconds = 2 }
        try await c.coordinator.application.test(.live) { client in
            let port = try #require(client.port)
            func answer(_ start: String) async throws -> String {
                let socket = try RawSocket(port: port)
                try socket.send("POST \(APIPath.observations) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n" + start)
                return try await socket.receive()
            }
            for start in [#"{"observ\u0061tions": [{"#, #"{"padding": [{"#, #"[{"observations": [{"#] {
                let reply = try await answer(start)
                #expect(reply.hasPrefix("HTTP/1.1 400") && reply.lowercased().contains("connection: close"), "\(reply.prefix(300))")
            }
            #expect(try await answer(#"{"observations": [{"#).hasPrefix("HTTP/1.1 408"))
        }
    }

    /// A batch whose first observation is junk is answered from that one: the rest is never decoded (here it could
    /// not be). Positive control: behind a genuine first observation the same rest is decoded, and refused.
    @Test func restOfAJunkBatchIsNeverDecoded() async throws {
        let c = try await TestCoordinator()
        let genuine = try c.agents[0].observe(Self.target, error: ObservationError(.timeout, "x"), at: c.now)
        @Sendable func body(_ first: SignedObservation) throws -> [UInt8] {
            Array(#"{"observations": ["#.utf8) + (try Canonical.encode(first)) + Array(#", {"not": "an observation"}, 12]}"#.utf8)
        }
        try await c.coordinator.application.test(.router) { client in
            try await client.execute(uri: APIPath.observations, method: .post, body: ByteBuffer(bytes: try body(try Self.junk(c, count: 1)[0]))) {
                #expect($0.status == .ok)
                let receipt = try Canonical.decode(ObservationReceipt.self, from: $0.body.readableBytesView)
                #expect(receipt.items.count == 1 && receipt.items[0].reason?.hasPrefix("bad_signature:") == true)
            }
            try await client.execute(uri: APIPath.observations, method: .post, body: ByteBuffer(bytes: try body(genuine))) {
                #expect($0.status == .badRequest)
            }
        }
    }

    /// Over a real connection, a batch whose first observation is junk, or with more observations than the limit, is
    /// answered without the rest of its body (which never comes here) and the connection closed. Positive control:
    /// behind a genuine first observation the server waits for the rest, and answers 408 when it does not come.
    @Test func junkOrOversizedBatchIsAnsweredWithoutReadingTheRest() async throws {
        let c = try await TestCoordinator {
            $0.bodyTimeoutSeconds = 2
            $0.ingest.maxBatchObservations = 2
        }
        let junk = try Self.junk(c, count: 1)[0]
        let genuine = try c.agents[0].observe(Self.target, error: ObservationError(.timeout, "x"), at: c.now)
        try await c.coordinator.application.test(.live) { client in
            let port = try #require(client.port)
            func answer(_ observations: [SignedObservation]) async throws -> String {
                let socket = try RawSocket(port: port)
                let start = Array(#"{"observations": ["#.utf8) + Array(try observations.map { try Canonical.encode($0) }.joined(separator: Array(",".utf8))) + Array(",".utf8)
                try socket.send("POST \(APIPath.observations) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n" + String(decoding: start, as: UTF8.self))
                return try await socket.receive()
            }
            let junkAnswer = try await answer([junk])
            #expect(junkAnswer.hasPrefix("HTTP/1.1 200") && junkAnswer.contains("bad_signature"), "\(junkAnswer.prefix(300))")
            #expect(try await answer([genuine, genuine, genuine]).hasPrefix("HTTP/1.1 413"))
            #expect(try await answer([genuine]).hasPrefix("HTTP/1.1 408"))
        }
    }

    /// 10,000 junk observations naming an enrolled agent cost one signature check: the first fails, the rest is
    /// neither decoded nor (over a connection) read.
    @Test func junkBatchCostsOneSignatureCheck() async throws {
        let log = LogCapture()
        let c = try await TestCoordinator(logger: log.logger)
        let junk = try Self.junk(c, count: 10_000)
        let root = try TestRepository().root(version: 1)
        try await c.coordinator.application.test(.router) { client in
            for _ in 0..<3 {
                let receipt = try await client.submit(junk)
                #expect(receipt.items.count == 1, "the batch stops at its first bad signature")
                #expect(receipt.items.first?.reason?.hasPrefix("bad_signature:") == true)
            }
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 3)
            #expect(try await ConnectionLimitTests.metric(client, #"vantage_observations_rejected_total{reason="bad_signature"}"#) == 3)
            #expect(try await ConnectionLimitTests.metric(client, #"vantage_ingest_batches_refused_total{reason="unauthenticated"}"#) == 3)

            // Positive control: a genuine batch of every agent's observation is accepted, each checked once.
            let genuine = try c.agents.map { try $0.observe(Self.target, root: root, at: c.now) }
            let receipt = try await client.submit(genuine)
            #expect(receipt.items.map(\.accepted) == [true, true, true])
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 6)

            // A genuine batch with a bad item: those before it are stored, the rest left out for the agent to resend.
            let later = c.now.adding(seconds: 1)
            var mixed = try c.agents.map { try $0.observe(Self.target, root: root, at: later) }
            mixed[1].signature = mixed[0].signature
            let cut = try await client.submit(mixed)
            #expect(cut.items.map(\.accepted) == [true, false])
            let resent = try await client.submit([mixed[2]])
            #expect(resent.items.map(\.accepted) == [true])
        }
        #expect(try await c.count("observations_seen") == 5)
        // Three junk batches and a bad item: one line for the reason.
        #expect(log.messages.filter { $0 == "observation rejected" }.count == 1, "\(log.messages)")
    }

    /// One captured genuine observation repeated 1,000 times in a batch costs one signature check: the copies are
    /// duplicates of the first, not checked again. Positive control: distinct fresh observations are each checked and
    /// stored.
    @Test func repeatedObservationCostsOneSignatureCheck() async throws {
        let c = try await TestCoordinator()
        let root = try TestRepository().root(version: 1)
        let replayed = try c.agents[0].observe(Self.target, root: root, at: c.now)
        try await c.coordinator.application.test(.router) { client in
            let receipt = try await client.submit(Array(repeating: replayed, count: 1000))
            #expect(receipt.items.count == 1000 && receipt.items.allSatisfy(\.accepted))
            #expect(receipt.items.map(\.duplicate) == [false] + Array(repeating: true, count: 999))
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 1)

            let distinct = try c.agents.map { try $0.observe(Self.target, root: root, at: c.now.adding(seconds: 1)) }
            let fresh = try await client.submit(distinct)
            #expect(fresh.items.map(\.accepted) == [true, true, true] && fresh.items.map(\.duplicate) == [false, false, false])
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 4)
        }
        #expect(try await c.count("observations_seen") == 4)
    }

    /// An observation outside the time window is refused before its signature is checked: a batch of stale or future
    /// junk costs no signature check. Positive control: the same junk inside the window is checked, and refused for
    /// its signature.
    @Test func timeWindowIsCheckedBeforeTheSignature() async throws {
        let c = try await TestCoordinator()
        let other = try c.agents[1].observe(Self.target, error: ObservationError(.timeout, "x"), at: c.now)
        @Sendable func junk(at time: Timestamp) throws -> SignedObservation {
            var signed = try c.agents[0].observe(Self.target, error: ObservationError(.timeout, "x"), at: time)
            signed.signature = other.signature
            return signed
        }
        try await c.coordinator.application.test(.router) { client in
            let receipt = try await client.submit([try junk(at: c.now.adding(seconds: -7200)), try junk(at: c.now.adding(seconds: 3600))])
            #expect(receipt.items.map { $0.reason?.prefix(while: { $0 != ":" }) } == ["stale", "future"])
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 0)
            let inside = try await client.submit([try junk(at: c.now)])
            #expect(inside.items.first?.reason?.hasPrefix("bad_signature:") == true)
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 1)
        }
    }

    @Test func unknownAgentCostsNoSignatureCheck() async throws {
        let c = try await TestCoordinator()
        let root = try TestRepository().root(version: 1)
        let stranger = TestAgent("agent-mallory", "eu")
        let batch = try (0..<500).map { _ in try stranger.observe(Self.target, root: root, at: c.now) }
        try await c.coordinator.application.test(.router) { client in
            let receipt = try await client.submit(batch)
            #expect(receipt.items.count == 1)
            #expect(receipt.items.first?.reason?.hasPrefix("unknown_agent:") == true)
            #expect(try await ConnectionLimitTests.metric(client, "vantage_ingest_signature_checks_total") == 0)
        }
    }
}

extension SignedObservation {
    /// The same observation, re-signed by `agent` (for statements that lie about their own fields).
    func resigned(by agent: TestAgent) throws -> SignedObservation {
        try SignedObservation(
            signing: observation, with: agent.identity, rootBytes: rootBytes.flatMap(ByteEncoding.base64Decode))
    }
}
