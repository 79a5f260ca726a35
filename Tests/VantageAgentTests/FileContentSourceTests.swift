import Crypto
import Foundation
import Testing
import VantageAgent
import VantageCore
import VantageTUF
import VantageTestSupport

/// ``FileContentSource`` over loopback HTTPS (the test server): the digest of the exact bytes, the keys gpg,
/// ssh-keygen and openssl print for them (``KeyFileSamples``), and the size cap.
@Suite("File content source", .timeLimit(.minutes(2)))
struct FileContentSourceTests {
    static let hasTools = KeyFileSamples.hasGPG && KeyFileSamples.hasSSHKeygen && KeyFileSamples.hasOpenSSL

    func source(_ f: HTTPFixture, _ path: String, maxBytes: Int = FetchLimits.defaultMaxFileBytes) -> FileContentSource {
        FileContentSource(url: f.server.url("/files/" + path), http: f.getter, maxBytes: maxBytes)
    }

    @Test(.enabled(if: hasTools, "needs gpg, ssh-keygen, openssl (scripts/install-test-deps.sh)"))
    func keyFilesGiveTheirDigestAndTheKeysTheirToolsPrint() async throws {
        let samples: [(String, KeyFileSamples.File)] = [
            ("pem-ed25519", try await KeyFileSamples.pem.value["ed25519"]!),
            ("pem-p256", try await KeyFileSamples.pem.value["ecdsa-p256"]!),
            ("armored.asc", try await KeyFileSamples.openPGP.value["a.asc"]!),
            ("keyring.gpg", try await KeyFileSamples.openPGP.value["both.gpg"]!),
            ("id_ed25519.pub", try await KeyFileSamples.ssh.value["ed25519"]!),
        ]
        try await HTTPFixture.with { f in
            for (name, file) in samples {
                try f.publish(file.bytes, at: "keys/" + name)
                let fetched = try await source(f, "keys/" + name).fetch()
                #expect(fetched.bytes == file.bytes, "\(name)")
                #expect(fetched.facts.sha256 == ByteEncoding.hexEncode(SHA256.hash(data: file.bytes)), "\(name)")
                #expect(fetched.facts.size == file.bytes.count)
                #expect(fetched.facts.keys == file.keys, "\(name)")
                #expect(fetched.facts.mediaType == nil && fetched.facts.platforms == nil)
            }
        }
    }

    @Test func fileOverTheCapIsTooLarge() async throws {
        try await HTTPFixture.with { f in
            let atCap = [UInt8](repeating: UInt8(ascii: "k"), count: 4096)
            try f.publish(atCap, at: "at-cap")
            try f.publish(atCap + [UInt8(ascii: "k")], at: "over-cap")
            // Control: exactly the cap is read; bytes that hold no key give no keys.
            let fetched = try await source(f, "at-cap", maxBytes: 4096).fetch()
            #expect(fetched.bytes == atCap && fetched.facts.keys == nil)
            #expect(await failureKind { _ = try await source(f, "over-cap", maxBytes: 4096).fetch() } == .tooLarge)
        }
    }

    @Test func errorStatusesAreObservationErrors() async throws {
        try await HTTPFixture.with { f in
            let missing = await failure { _ = try await source(f, "missing").fetch() }
            #expect(missing?.kind == .httpStatus && missing?.status == 404)
            let limited = FileContentSource(url: f.server.url("/status/429"), http: f.getter, maxBytes: 4096)
            await #expect(throws: RateLimitedError.self) { _ = try await limited.fetch() }
        }
    }
}
