import Foundation
import VantageCore
import VantageTUF

/// `vantage-bench make-pins DIR N`: a signed pin list of N Notary pins, each attested by 3 of 5 agents in 3
/// regions, its trust policy, and the root blob of the first pin — inputs for `bench/pins-install.sh`.
struct PinListFixture {
    var directory: URL
    var count: Int
    /// The Notary server every pin's source names (`pins install --server`).
    static let server = "https://notary.bench.example"

    func write() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let now = Timestamp(Date())
        let coordinator = SigningIdentity()
        let agents = (0..<5).map { n in (id: "agent-\(n)", region: "region-\(n % 3)", key: SigningIdentity()) }
        let key = try RootSigningKey.generate(.ecdsa).withCertificate(
            gun: "bench.example/app-00000", notBefore: now.date.addingTimeInterval(-86_400), notAfter: now.date.addingTimeInterval(86_400 * 365))
        let builder = RootDocumentBuilder(
            dialect: .notary, version: 1, expires: now.date.addingTimeInterval(86_400 * 365), rootKeys: [key], rootThreshold: 1,
            onlineKey: try RootSigningKey.generate(.ecdsa))
        let bytes = try builder.document(signedBy: [key])
        let fingerprint = RootFingerprint(try Root.parse(bytes))
        try Data(bytes).write(to: directory.appendingPathComponent(fingerprint.sha256))

        var pins: [Pin] = []
        for n in 0..<count {
            let target = String(format: "bench.example/app-%05d", n)
            // Every pin names the same root bytes; only the first is installed, and the rest cost the same to carry.
            let source = RepositorySource(kind: .notary, normalisedURL: Self.server, gun: target)
            let attestations = try agents.prefix(3).map { agent in
                let statement = AttestationStatement(
                    agent: agent.id, target: target, source: source, sha256: fingerprint.sha256, observedAt: now, continuity: .firstSight)
                return Attestation(
                    agent: agent.id, observedAt: now, continuity: .firstSight,
                    signature: ByteEncoding.base64Encode(try agent.key.sign(try statement.signingBytes)))
            }
            pins.append(Pin(target: target, source: source, sha256: fingerprint.sha256, attestations: attestations))
        }
        let policy = ConsensusPolicy(quorum: 3, minRegions: 3)
        let list = try PinList.build(pins: pins, version: 1, issuedAt: now, lifetimeSeconds: 86_400, previous: "",
                                     policy: policy, identity: coordinator, coordinatorID: "bench")
        try Data(try Canonical.encode(list)).write(to: directory.appendingPathComponent("pins.json"))
        // The coordinator's answers for one target, as static files: header, one pin with its proof, the blob.
        let www = directory.appendingPathComponent("www/v1")
        let first = pins[0].target
        for (path, data) in [
            ("pins/latest/header", try Canonical.encode(list.header)),
            ("pins/1/targets/\(first)", try Canonical.encode(try list.proof(for: first)!)),
            ("blobs/sha256/\(fingerprint.sha256)", bytes),
        ] {
            let url = www.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(data).write(to: url)
        }
        let trust = TrustPolicy(
            coordinators: [.init(id: "bench", publicKey: coordinator.publicKey)],
            agents: agents.map { .init(id: $0.id, region: $0.region, publicKey: $0.key.publicKey) },
            quorum: 3, minRegions: 3, maxAgeSeconds: 3600)
        try Data(try Canonical.encode(trust, pretty: true)).write(to: directory.appendingPathComponent("policy.json"))
    }
}
