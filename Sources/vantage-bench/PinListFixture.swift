import Foundation
import VantageCore
import VantageTUF

/// `vantage-bench make-pins DIR N`: a signed pin list of N Notary pins, each attested by 3 of 5 agents in 3
/// regions, its trust policy, and the root blob of the first pin — inputs for `bench/verifier.sh`.
/// With `--oci IMAGE SHA256`, N `oci` pins instead (for `bench/pins-resolve.sh`): the first pins IMAGE to SHA256, the
/// others other tags of its repository, and `policy-listed.json` also lists the first as a target (the proof path).
struct PinListFixture {
    var directory: URL
    var count: Int
    /// The tag of the first `oci` pin and its digest (64 hex), or `nil` for Notary pins.
    var image: (reference: ImageReference, sha256: String)? = nil
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
            var target = String(format: "bench.example/app-%05d", n)
            // Every pin names the same root bytes; only the first is installed, and the rest cost the same to carry.
            var source = RepositorySource(kind: .notary, normalisedURL: Self.server, gun: target)
            var sha256 = fingerprint.sha256
            if let image {
                target = String(format: "image-%05d", n)
                let tag = n == 0 ? image.reference.tag : String(format: "bench-%05d", n)
                source = RepositorySource(kind: .oci, normalisedURL: image.reference.apiBaseURL, gun: nil, repository: image.reference.repository, tag: tag)
                // The other tags' digests are never fetched: any distinct 64 hex digits carry and verify the same.
                sha256 = n == 0 ? image.sha256 : String(format: "%064d", n)
            }
            let attestations = try agents.prefix(3).map { agent in
                let statement = AttestationStatement(
                    agent: agent.id, target: target, source: source, sha256: sha256, observedAt: now, continuity: .firstSight)
                return Attestation(
                    agent: agent.id, observedAt: now, continuity: .firstSight,
                    signature: ByteEncoding.base64Encode(try agent.key.sign(try statement.signingBytes)))
            }
            pins.append(Pin(target: target, source: source, sha256: sha256, attestations: attestations))
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
        if image != nil {
            var listed = trust
            listed.targets = [.init(id: pins[0].target, source: pins[0].source)]
            try Data(try Canonical.encode(listed, pretty: true)).write(to: directory.appendingPathComponent("policy-listed.json"))
        }
    }
}
