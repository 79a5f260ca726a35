import Foundation
import Testing
import VantageCore
import VantageTUF

enum Statements {
    static let agent = Fleet.shared["a1"]
    static let root = RootSet.shared.root(.v1)

    /// A successful observation by a1 of `t/app`, 10 s before `Clock.now`.
    static var observation: Observation {
        Observation(
            agent: "a1", region: "eu", target: "t/app", source: SourceFixtures.tuf, observedAt: Clock.at(-10), sequence: 42,
            latencyMilliseconds: 120, fingerprint: RootFingerprint(root), selfSignature: SelfSignature(RootVerifier.selfCheck(root)),
            chainSteps: 0, continuity: .same)
    }

    static var failedObservation: Observation {
        Observation(
            agent: "a1", region: "eu", target: "t/app", source: SourceFixtures.tuf, observedAt: Clock.at(-10), sequence: 43,
            latencyMilliseconds: 30_000,
            error: ObservationError(.timeout, "no answer in 30 s"))
    }
}

struct FieldChange: Sendable, CustomTestStringConvertible {
    var name: String
    var change: @Sendable (inout Observation) -> Void
    var testDescription: String { name }
    init(_ name: String, _ change: @escaping @Sendable (inout Observation) -> Void) {
        self.name = name
        self.change = change
    }
}

@Suite("Signed observations and attestations")
struct StatementTests {
    @Test("the observation signature verifies with the agent's public key over the canonical bytes")
    func signatureVerifies() throws {
        let signed = try SignedObservation(signing: Statements.observation, with: Statements.agent.identity, rootBytes: Statements.root.bytes)
        let signature = try #require(ByteEncoding.base64Decode(signed.signature))
        #expect(Statements.agent.identity.publicKey.isValidSignature(signature, for: try Canonical.bytes(of: signed.observation)))
        #expect(!Fleet.shared["a2"].identity.publicKey.isValidSignature(signature, for: try Canonical.bytes(of: signed.observation)))
        #expect(!Statements.agent.identity.publicKey.isValidSignature(Array(signature.dropLast()), for: try Canonical.bytes(of: signed.observation)))
        #expect(signed.rootBytes.flatMap(ByteEncoding.base64Decode) == Statements.root.bytes)
    }

    static let changes: [FieldChange] = [
        .init("type (back to v1)") { $0.type = "vantage-observation/v1" },
        .init("type (some v3)") { $0.type = "vantage-observation/v3" },
        .init("agent") { $0.agent = "a2" },
        .init("region") { $0.region = "us" },
        .init("target") { $0.target = "t/other" },
        .init("source url") { $0.source.url = "https://mirror.example.test/metadata" },
        .init("source kind") { $0.source.kind = .notary },
        .init("source gun added") { $0.source.gun = "victim.example/app" },
        .init("source replaced by a notary source") { $0.source = SourceFixtures.notary },
        .init("observed_at + 1 s") { $0.observedAt = $0.observedAt.adding(seconds: 1) },
        .init("sequence + 1") { $0.sequence += 1 },
        .init("latency") { $0.latencyMilliseconds += 1 },
        .init("fingerprint digest") { $0.fingerprint?.sha256 = RootSet.shared.sha(.v2Replaced) },
        .init("fingerprint version") { $0.fingerprint?.version += 1 },
        .init("fingerprint root keys") { $0.fingerprint?.rootKeys.removeLast() },
        .init("fingerprint removed") { $0.fingerprint = nil },
        .init("self-signature count") { $0.selfSignature?.count = 0 },
        .init("self-signature verdict") { $0.selfSignature?.met = false },
        .init("certificates added (empty list)") { $0.certificates = [] },
        .init("chain steps") { $0.chainSteps = 1 },
        .init("chain rejection added") { $0.chainRejection = "does not chain" },
        .init("continuity same → rotated") { $0.continuity = .rotated },
        .init("continuity same → unchained") { $0.continuity = .unchained },
        .init("continuity removed") { $0.continuity = nil },
        .init("error added") { $0.error = ObservationError(.badSignature, "x") },
    ]

    @Test("any field change breaks the signature and changes the id", arguments: changes)
    func fieldChange(_ c: FieldChange) throws {
        let signed = try SignedObservation(signing: Statements.observation, with: Statements.agent.identity)
        var changed = signed
        c.change(&changed.observation)
        #expect(changed.observation != signed.observation)
        let signature = try #require(ByteEncoding.base64Decode(signed.signature))
        #expect(!Statements.agent.identity.publicKey.isValidSignature(signature, for: try Canonical.bytes(of: changed.observation)))
        #expect(try changed.id != signed.id)
    }

    @Test("the id is stable across re-encoding")
    func idStable() throws {
        let signed = try SignedObservation(signing: Statements.observation, with: Statements.agent.identity)
        let id = try signed.id
        #expect(id.count == 64)
        let pretty = try Canonical.decode(SignedObservation.self, from: try Canonical.encode(signed, pretty: true))
        #expect(try pretty.id == id)
        let plain = try Canonical.decode(SignedObservation.self, from: Array(try JSONEncoder().encode(signed)))
        #expect(try plain.id == id)
        #expect(plain == signed)
        // Retries of one observation share the id whoever re-signs it; the signature itself stays per key.
        let again = try SignedObservation(signing: Statements.observation, with: Statements.agent.identity)
        #expect(try again.id == id)
    }

    @Test("ids are distinct for different sequence numbers")
    func idDistinct() throws {
        var ids = Set<String>()
        for sequence in Int64(1)...50 {
            var observation = Statements.observation
            observation.sequence = sequence
            ids.insert(try SignedObservation(signing: observation, with: Statements.agent.identity).id)
        }
        #expect(ids.count == 50)
    }

    @Test("the wire format uses the documented snake_case keys")
    func wireKeys() throws {
        let signed = try SignedObservation(signing: Statements.observation, with: Statements.agent.identity, rootBytes: [1, 2, 3])
        let text = String(decoding: try Canonical.encode(signed), as: UTF8.self)
        for key in ["\"attestation_signature\"", "\"root_bytes\"", "\"observed_at\"", "\"latency_ms\"", "\"self_signature\"", "\"chain_steps\"",
                    "\"continuity\":\"same\"", "\"source\":{\"kind\":\"tuf\",\"url\":\"https://tuf.example.test/metadata\"}",
                    "\"type\":\"vantage-observation/v2\""] {
            #expect(text.contains(key), "\(key)")
        }
        #expect(text.contains("\"observed_at\":\"2027-01-15T07:59:50Z\""))
    }

    @Test("the attestation statement is derived from the observation and signed")
    func attestation() throws {
        let observation = Statements.observation
        let statement = try #require(observation.attestationStatement)
        #expect(statement == AttestationStatement(
            agent: "a1", target: "t/app", source: SourceFixtures.tuf, sha256: Statements.root.sha256, observedAt: Clock.at(-10),
            continuity: .same))
        #expect(String(decoding: try statement.signingBytes, as: UTF8.self)
            == #"{"agent":"a1","continuity":"same","observed_at":"2027-01-15T07:59:50Z","sha256":"\#(Statements.root.sha256)","source":{"kind":"tuf","url":"https://tuf.example.test/metadata"},"target":"t/app","type":"vantage-attestation/v2"}"#)
        // A notary source signs its GUN as well.
        var notary = observation
        notary.source = SourceFixtures.notary
        #expect(String(decoding: try #require(notary.attestationStatement).signingBytes, as: UTF8.self)
            .contains(#""source":{"gun":"example.test/app","kind":"notary","url":"https://notary.example.test"}"#))
        // Without a verdict there is no attestation: a fingerprint alone is not an agent's word on continuity.
        var noVerdict = observation
        noVerdict.continuity = nil
        #expect(noVerdict.attestationStatement == nil)
        #expect(try SignedObservation(signing: noVerdict, with: Statements.agent.identity).attestationSignature == nil)

        let signed = try SignedObservation(signing: observation, with: Statements.agent.identity)
        let signature = try #require(signed.attestationSignature.flatMap(ByteEncoding.base64Decode))
        #expect(Statements.agent.identity.publicKey.isValidSignature(signature, for: try statement.signingBytes))
        // The attestation signature is not the observation signature, and neither verifies for the other statement.
        #expect(signed.attestationSignature != signed.signature)
        #expect(!Statements.agent.identity.publicKey.isValidSignature(signature, for: try Canonical.bytes(of: observation)))

        // It is exactly what a pin carries: a pin list client accepts it.
        let a2 = try SignedObservation(signing: {
            var o = observation
            o.agent = "a2"
            o.region = "us"
            return o
        }(), with: Fleet.shared["a2"].identity)
        let pin = PinFixtures.pin("t/app", root: Statements.root, attestations: [
            Attestation(agent: "a1", observedAt: observation.observedAt, continuity: .same, signature: try #require(signed.attestationSignature)),
            Attestation(agent: "a2", observedAt: observation.observedAt, continuity: .same, signature: try #require(a2.attestationSignature)),
        ])
        let verifier = PinListVerifier(policy: Fleet.shared.trustPolicy())
        #expect(verifier.verifyPin(pin, expected: .init(target: "t/app", source: SourceFixtures.tuf), issuedAt: Clock.now, now: Clock.now) == nil)
        // The verdict is signed: carrying another one breaks the attestation.
        var relabelled = pin
        relabelled.attestations[1].continuity = .rotated
        #expect(verifier.verifyPin(relabelled, expected: .init(target: "t/app"), issuedAt: Clock.now, now: Clock.now)?.summary == "quorum t/app a2")
    }

    @Test("a failed observation carries no attestation")
    func failedObservation() throws {
        let observation = Statements.failedObservation
        #expect(observation.attestationStatement == nil)
        #expect(observation.outcome.rawValue == "error:timeout")
        var notFound = observation
        notFound.error = ObservationError(.httpStatus, "GET …/root.json: 404", status: 404)
        #expect(notFound.outcome.rawValue == "error:http_status 404", "the code shows in `vantage query`")
        #expect(Statements.observation.outcome == .root(sha256: Statements.root.sha256))
        let signed = try SignedObservation(signing: observation, with: Statements.agent.identity)
        #expect(signed.attestationSignature == nil)
        #expect(signed.rootBytes == nil)
    }
}

@Suite("Signing identities")
struct IdentityTests {
    @Test("key file round trip")
    func roundTrip() throws {
        let identity = SigningIdentity()
        let text = identity.fileContents
        #expect(text.hasPrefix("vantage-ed25519-private:"))
        #expect(text.hasSuffix("\n"))
        #expect(ByteEncoding.base64Decode(String(text.dropFirst("vantage-ed25519-private:".count).dropLast()))?.count == 32)
        let loaded = try SigningIdentity(fileContents: text)
        #expect(loaded.publicKey == identity.publicKey)
        #expect(loaded.fileContents == text)
        let message = Array("hello".utf8)
        #expect(identity.publicKey.isValidSignature(try loaded.sign(message), for: message))
        // Surrounding whitespace (editors, heredocs) is tolerated.
        #expect(try SigningIdentity(fileContents: "\n  " + text + "\n\n").publicKey == identity.publicKey)
        #expect(SigningIdentity().publicKey != identity.publicKey)
    }

    static let seed = ByteEncoding.base64Encode([UInt8](repeating: 7, count: 32))
    static let malformedKeyFiles: [(String, String)] = [
        ("empty", ""),
        ("prefix only", "vantage-ed25519-private:"),
        ("wrong prefix (public)", "vantage-ed25519-public:\(seed)"),
        ("wrong prefix (case)", "VANTAGE-ED25519-PRIVATE:\(seed)"),
        ("no prefix", seed),
        ("bad base64", "vantage-ed25519-private:!!!!not-base64!!!!"),
        ("base64 without padding", "vantage-ed25519-private:" + String(seed.dropLast())),
        ("space inside", "vantage-ed25519-private: \(seed)"),
        ("31-byte seed", "vantage-ed25519-private:" + ByteEncoding.base64Encode([UInt8](repeating: 7, count: 31))),
        ("33-byte seed", "vantage-ed25519-private:" + ByteEncoding.base64Encode([UInt8](repeating: 7, count: 33))),
        ("64-byte seed ‖ public key", "vantage-ed25519-private:" + ByteEncoding.base64Encode([UInt8](repeating: 7, count: 64))),
        ("two keys on two lines", "vantage-ed25519-private:\(seed)\n\(seed)"),
        ("PEM private key", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH\n-----END PRIVATE KEY-----"),
    ]

    @Test("malformed key files are malformed_key errors", arguments: malformedKeyFiles)
    func malformedKeyFile(_ name: String, _ text: String) {
        #expect(throws: CoreError(.malformedKey, "")) { try SigningIdentity(fileContents: text) }
    }

    @Test("a well-formed seed with the right prefix loads")
    func fixedSeed() throws {
        let a = try SigningIdentity(fileContents: "vantage-ed25519-private:\(Self.seed)")
        let b = try SigningIdentity(fileContents: "vantage-ed25519-private:\(Self.seed)\n")
        #expect(a.publicKey == b.publicKey)
    }

    static let malformedPublicKeys: [(String, String)] = [
        ("empty", ""),
        ("not base64", "%%%"),
        ("31 bytes", ByteEncoding.base64Encode([UInt8](repeating: 1, count: 31))),
        ("33 bytes", ByteEncoding.base64Encode([UInt8](repeating: 1, count: 33))),
        ("hex instead of base64", String(repeating: "ab", count: 32)),
    ]

    @Test("malformed public keys are malformed_key errors", arguments: malformedPublicKeys)
    func malformedPublicKey(_ name: String, _ text: String) throws {
        #expect(throws: CoreError(.malformedKey, "")) { try PublicIdentity(base64: text) }
        let json = Array(try JSONEncoder().encode([text]))
        #expect(throws: CoreError.self) { try Canonical.decode([PublicIdentity].self, from: json) }
    }

    @Test("public identities: base64 round trip, key ID, signature length")
    func publicIdentity() throws {
        let identity = SigningIdentity()
        let key = identity.publicKey
        #expect(try PublicIdentity(base64: key.base64) == key)
        #expect(key.keyID.count == 64)
        #expect(key.keyID != SigningIdentity().publicKey.keyID)
        let decoded = try Canonical.decode([PublicIdentity].self, from: try Canonical.encode([key]))
        #expect(decoded == [key])
        let message = Array("m".utf8)
        let signature = try identity.sign(message)
        #expect(signature.count == 64)
        #expect(key.isValidSignature(signature, for: message))
        #expect(!key.isValidSignature(signature + [0], for: message))
        #expect(!key.isValidSignature([], for: message))
        #expect(!key.isValidSignature(signature, for: message + [0]))
    }

    @Test("CoreError equality is on the code")
    func coreErrorEquality() {
        #expect(CoreError(.malformedKey, "a") == CoreError(.malformedKey, "b"))
        #expect(CoreError(.malformedKey, "a") != CoreError(.malformedDocument, "a"))
        #expect(CoreError(.malformedKey, "why").description == "malformed_key: why")
    }
}

/// Percent-encodings in source URLs (issue 22 item 3): an encoded `.`, `/` or `\` is refused, so `%2e%2e` cannot
/// walk out of an allowed prefix on a server that decodes before resolving, and every other spelling of one path
/// normalises to one string, so a repository cannot be given a fresh source (and a fresh `first_sight`).
@Suite("Source URL percent-encoding")
struct SourcePercentEncodingTests {
    static let refused: [(String, String)] = [
        ("encoded dot-dot, lower case", "http://h.example/metadata/%2e%2e/private-tenant"),
        ("encoded dot-dot, upper case", "http://h.example/metadata/%2E%2E/private-tenant"),
        ("mixed case", "http://h.example/metadata/%2e%2E/private-tenant"),
        ("half encoded", "http://h.example/metadata/.%2e/private-tenant"),
        ("dot-dot then an encoded slash", "http://h.example/metadata/..%2fprivate-tenant"),
        ("dot-dot then an upper-case encoded slash", "http://h.example/metadata/..%2Fprivate-tenant"),
        ("encoded slash", "http://h.example/metadata%2fother"),
        ("encoded slash, upper case", "http://h.example/metadata%2Fother"),
        ("encoded backslash", "http://h.example/metadata/..%5cprivate"),
        ("encoded backslash, upper case", "http://h.example/metadata/%5C"),
        ("encoded single dot", "http://h.example/%2e/metadata"),
        ("encoded dot inside a name", "http://h.example/metadata/root%2ejson"),
        ("lone percent sign", "http://h.example/metadata/%"),
        ("truncated encoding", "http://h.example/metadata/%4"),
        ("non-hex encoding", "http://h.example/metadata/%zz"),
        ("percent in the host", "http://h%2eexample/metadata"),
        ("percent-encoded host letter", "http://%68.example/metadata"),
    ]

    @Test("refused: encoded . / \\ in the path, malformed encodings, % in the host", arguments: refused)
    func refusals(_ name: String, _ url: String) {
        #expect(RepositorySource.normalise(url) == nil, "\(name)")
        #expect(TargetSpec(id: "t", kind: .tuf, url: url).problem?.contains("percent-encoded . / \\") == true, "\(name)")
    }

    static let equivalent: [(String, String)] = [
        // Positive controls: a normal path, and encodings of unreserved characters, decoded.
        ("http://h.example/metadata/private-tenant", "http://h.example/metadata/private-tenant"),
        ("http://h.example/metadata/%41pp", "http://h.example/metadata/App"),
        ("http://h.example/metadata/%7euser/%2D%5f", "http://h.example/metadata/~user/-_"),
        // Everything else stays encoded, in upper-case hex: one spelling of one path.
        ("http://h.example/metadata/a%3ab", "http://h.example/metadata/a%3Ab"),
        ("http://h.example/metadata/a%3Ab", "http://h.example/metadata/a%3Ab"),
        ("http://h.example/metadata/%25", "http://h.example/metadata/%25"),
        ("http://h.example/metadata/%252e%252e", "http://h.example/metadata/%252e%252e"),
        ("http://h.example/metadata/a%20b/", "http://h.example/metadata/a%20b"),
        // A literal dot inside a segment is not a dot segment.
        ("http://h.example/metadata/1.root.json", "http://h.example/metadata/1.root.json"),
    ]

    @Test("one repository, one source string", arguments: equivalent)
    func equivalents(_ url: String, _ normal: String) throws {
        #expect(RepositorySource.normalise(url) == normal)
        #expect(RepositorySource.normalise(normal) == normal, "idempotent")
        let source = try #require(RepositorySource(kind: .tuf, url: url, gun: nil))
        #expect(source.problem == nil)
        #expect(source.storageKey == RepositorySource(kind: .tuf, normalisedURL: normal, gun: nil).storageKey)
    }

    @Test("a decoded document whose URL keeps a decodable or lower-case encoding is not normal")
    func decodedSourcesMustBeNormal() {
        #expect(RepositorySource(kind: .tuf, normalisedURL: "http://h.example/%41", gun: nil).problem != nil)
        #expect(RepositorySource(kind: .tuf, normalisedURL: "http://h.example/a%3ab", gun: nil).problem != nil)
        #expect(RepositorySource(kind: .tuf, normalisedURL: "http://h.example/%2e%2e/x", gun: nil).problem != nil)
        // Positive control: the normal spelling.
        #expect(RepositorySource(kind: .tuf, normalisedURL: "http://h.example/A/a%3Ab", gun: nil).problem == nil)
    }
}

/// Path parameters on dot segments (issue 22, L2): servlet containers (Tomcat, Spring) drop a segment's `;…` before
/// resolving it, and decode `%3B` first, so `..;x` is `..` there and would walk out of an allowed prefix. A segment
/// whose name before its first `;` is `.` or `..` is refused; `;` anywhere else is an ordinary path byte.
@Suite("Source URL path parameters")
struct SourcePathParameterTests {
    static let refused: [String] = [
        "http://h.example/metadata/..;/private-tenant",
        "http://h.example/metadata/..;jsessionid=x/private-tenant",
        "http://h.example/metadata/.;/private-tenant",
        "http://h.example/metadata/..%3b/private-tenant",
        "http://h.example/metadata/..%3B/private-tenant",
        "http://h.example/metadata/..;",
    ]

    @Test("refused: a dot segment with path parameters", arguments: refused)
    func refusals(_ url: String) {
        #expect(RepositorySource.normalise(url) == nil)
        #expect(TargetSpec(id: "t", kind: .tuf, url: url).problem != nil)
    }

    /// Positive controls: `;` in a name, and dots that do not make the name before it `.` or `..`.
    static let accepted: [(String, String)] = [
        ("http://h.example/metadata/a;b", "http://h.example/metadata/a;b"),
        ("http://h.example/metadata/..a", "http://h.example/metadata/..a"),
        ("http://h.example/metadata/x..;", "http://h.example/metadata/x..;"),
        ("http://h.example/metadata/...;x", "http://h.example/metadata/...;x"),
        ("http://h.example/metadata/;..", "http://h.example/metadata/;.."),
        ("http://h.example/metadata/a%3b..", "http://h.example/metadata/a%3B.."),
    ]

    @Test("accepted: ; that does not follow a dot segment", arguments: accepted)
    func acceptances(_ url: String, _ normal: String) {
        #expect(RepositorySource.normalise(url) == normal)
    }
}
