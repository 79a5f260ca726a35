import Crypto
import Testing
import VantageCore
import VantageTUF

/// Client-side rules for `oci` and `file` pins: an expectation binds an image's repository and tag, and the bytes of a
/// content pin are checked by digest only, never as a root (and a root never as content). Each refusal beside its
/// accepted control.
@Suite struct ContentPinVerifierTests {
    static let bytes = Array("-----BEGIN PGP PUBLIC KEY BLOCK-----\n…\n".utf8)
    static let sha256 = ByteEncoding.hexEncode(SHA256.hash(data: bytes))
    static let noble = RepositorySource(kind: .oci, url: ImageReference.dockerHubAPI, gun: nil, repository: "library/ubuntu", tag: "24.04")!
    static let keyFile = RepositorySource(kind: .file, url: "https://download.example.test/gpg", gun: nil)!

    static func pin(_ source: RepositorySource, sha256: String = sha256) throws -> Pin {
        let observedAt = Clock.at(-60)
        return Pin(target: "t", source: source, sha256: sha256, attestations: try ["a1", "a2"].map {
            try Fleet.shared.attestation($0, target: "t", source: source, sha256: sha256, observedAt: observedAt, continuity: .firstSight)
        })
    }

    @Test("an image pin is refused for another tag, repository or registry; accepted for its own source")
    func imageBinding() throws {
        let verifier = PinListVerifier(policy: Fleet.shared.trustPolicy())
        for (tag, repository, url) in [("22.04", "library/ubuntu", ImageReference.dockerHubAPI), ("24.04", "library/debian", ImageReference.dockerHubAPI),
                                        ("24.04", "library/ubuntu", "https://ghcr.io")] {
            let other = RepositorySource(kind: .oci, url: url, gun: nil, repository: repository, tag: tag)!
            let failure = verifier.verifyPin(try Self.pin(other), expected: .init(target: "t", source: Self.noble), issuedAt: Clock.now, now: Clock.now)
            #expect(failure?.rule == PinListVerifier.Rule.sourceMismatch, "\(other)")
        }
        #expect(verifier.verifyPin(try Self.pin(Self.noble), expected: .init(target: "t", source: Self.noble), issuedAt: Clock.now, now: Clock.now) == nil)
    }

    @Test("content bytes: the pinned digest only; other bytes and a root pin refused; a content pin is never a root")
    func contentBytes() throws {
        let pin = try Self.pin(Self.keyFile)
        #expect(PinnedContentVerifier.verify(Self.bytes, for: pin) == nil)
        #expect(PinnedContentVerifier.verify(Self.bytes + [0x0A], for: pin)?.rule == PinListVerifier.Rule.blobMismatch)
        var root = pin
        root.source = SourceFixtures.tuf
        #expect(PinnedContentVerifier.verify(Self.bytes, for: root)?.rule == PinListVerifier.Rule.sourceMismatch)
        guard case .failure(let failure) = PinnedRootVerifier.verify(Self.bytes, for: pin, now: Clock.now) else {
            Issue.record("a file pin verified as a root")
            return
        }
        #expect(failure.rule == PinListVerifier.Rule.sourceMismatch)
    }
}
