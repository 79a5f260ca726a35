import Foundation
import VantageTestSupport
import Testing
import VantageTUF

@Suite("Rotation chains, change classification and Notary certificate rules")
struct ChainAndClassificationTests {
    static let combos = allCombinations.map { "\($0.0.rawValue)/\($0.1.rawValue)" }
    static func fresh(_ name: String) throws -> RootFixture {
        let (d, k) = allCombinations.first { "\($0.0.rawValue)/\($0.1.rawValue)" == name }!
        return try RootFixture(d, k)
    }

    @Test("Rotation steps: accepted, one side short, version rules", arguments: combos)
    func steps(_ combo: String) throws {
        let f = try Self.fresh(combo)
        let old = f.keys
        let next = try RootFixture(f.dialect, f.kind).keys
        let v1 = try f.root(version: 1)
        // Properly rotated: 2 old + 2 new signatures.
        let v2 = try f.root(version: 2, keys: next, signers: [old[0], old[1], next[0], next[1]])
        #expect(RootChainVerifier.step(from: v1, to: v2).isAccepted)
        #expect(RootChangeClassifier.classify(from: v1, to: v2).kind == .rotated)

        // Only the new keys signed: an unchained replacement.
        let onlyNew = try f.root(version: 2, keys: next, signers: [next[0], next[1]])
        let onlyNewStep = RootChainVerifier.step(from: v1, to: onlyNew)
        #expect(!onlyNewStep.isAccepted)
        #expect(onlyNewStep.reasons.contains { $0.contains("trusted root's keys") })
        #expect(RootChangeClassifier.classify(from: v1, to: onlyNew).kind == .replaced)

        // Only old keys signed: the new root does not meet its own threshold.
        let onlyOld = try f.root(version: 2, keys: next, signers: [old[0], old[1]])
        #expect(RootChainVerifier.step(from: v1, to: onlyOld).reasons.contains { $0.contains("its own root keys") })

        // One old signature short.
        let oneShort = try f.root(version: 2, keys: next, signers: [old[0], next[0], next[1]])
        #expect(!RootChainVerifier.step(from: v1, to: oneShort).isAccepted)

        // Skipped version, same version replayed, rollback.
        let v3 = try f.root(version: 3, keys: next, signers: [old[0], old[1], next[0], next[1]])
        #expect(RootChainVerifier.step(from: v1, to: v3).reasons.contains { $0.contains("does not follow") })
        let replay = try f.root(version: 1, threshold: 2, signers: [old[1], old[2]])
        #expect(!RootChainVerifier.step(from: v1, to: replay).isAccepted)
        #expect(!RootChainVerifier.step(from: v2, to: v1).isAccepted)
        #expect(RootChangeClassifier.classify(from: v2, to: v1).kind == .replaced)

        // Re-signed: same keys, higher version.
        let resigned = try f.root(version: 2, signers: [old[1], old[2]])
        #expect(RootChangeClassifier.classify(from: v1, to: resigned).kind == .resigned)
        #expect(RootChangeClassifier.classify(from: v1, to: v1).kind == .same)
    }

    @Test("Chains: intermediate expiry ignored, final expiry enforced, bad start refused")
    func chains() throws {
        let f = try RootFixture(.tuf, .ecdsa)
        let g = try RootFixture(.tuf, .ecdsa)
        let past = RootFixture.now.addingTimeInterval(-86_400)
        let v1 = try f.root(version: 1, expires: past)
        let v2 = try f.root(version: 2, keys: g.keys, signers: Array(f.keys.prefix(2)) + Array(g.keys.prefix(2)), expires: past)
        let v3 = try g.root(version: 3, signers: Array(g.keys.prefix(2)))
        let ok = RootChainVerifier.verify([v1, v2, v3], at: RootFixture.now)
        #expect(ok.isAccepted, "\(ok.reasons)")
        #expect(ok.steps.count == 2)
        let expiredFinal = RootChainVerifier.verify([v1, v2], at: RootFixture.now)
        #expect(!expiredFinal.isAccepted)
        #expect(expiredFinal.reasons.contains { $0.contains("expired") })
        let unsignedStart = try f.root(version: 1, signers: [f.keys[0]])
        let badStart = RootChainVerifier.verify([unsignedStart, v2], at: RootFixture.now)
        #expect(!badStart.isAccepted)
        #expect(badStart.reasons.first?.contains("trusted root") == true)
        // A rejected middle step stops the walk; the last good root is reported.
        let forged = try g.root(version: 3, signers: [g.keys[0]])
        let stopped = RootChainVerifier.verify([v1, v2, forged], at: past.addingTimeInterval(-10))
        #expect(!stopped.isAccepted)
        #expect(stopped.finalVersion == 2)
        // Classification across a version gap needs the intermediates.
        #expect(RootChangeClassifier.classify(from: v1, to: v3).kind == .replaced)
        #expect(RootChangeClassifier.classify(from: v1, to: v3, via: [v2]).kind == .rotated)
    }

    struct CertCase: Sendable, CustomTestStringConvertible {
        var name: String
        var notBefore: TimeInterval
        var notAfter: TimeInterval
        var isCA: Bool
        var gun: String
        var finding: String?
        var testDescription: String { name }
    }

    static let certCases: [CertCase] = [
        .init(name: "valid", notBefore: -86_400, notAfter: 86_400 * 3650, isCA: false, gun: RootFixture.gun, finding: nil),
        .init(name: "CN differs from GUN", notBefore: -86_400, notAfter: 86_400 * 3650, isCA: false, gun: "example.test/other", finding: "cn_mismatch"),
        .init(name: "certificate expired", notBefore: -86_400 * 30, notAfter: -60, isCA: false, gun: RootFixture.gun, finding: "certificate_expired"),
        .init(name: "certificate not yet valid", notBefore: 86_400 * 3, notAfter: 86_400 * 30, isCA: false, gun: RootFixture.gun, finding: "certificate_not_yet_valid"),
        .init(name: "CA certificate as leaf", notBefore: -86_400, notAfter: 86_400 * 3650, isCA: true, gun: RootFixture.gun, finding: "ca_certificate_as_leaf"),
    ]

    @Test("Notary GUN and certificate rules, each a named finding", arguments: certCases)
    func notaryRules(_ c: CertCase) throws {
        let now = RootFixture.now
        let f = try RootFixture(.notary, .ecdsa, certificateValidity: (now.addingTimeInterval(c.notBefore), now.addingTimeInterval(c.notAfter)), isCA: c.isCA)
        let root = try f.root(threshold: 2)
        let inspection = RootInspector.inspect(root, gun: c.gun, at: now)
        #expect(inspection.rootSignatures.isMet)
        if let finding = c.finding {
            #expect(inspection.findings.contains { $0.code == finding }, "\(inspection.findings.map(\.code))")
            #expect(!inspection.isValid)
        } else {
            #expect(inspection.isValid, "\(inspection.findings)")
        }
        // Without a GUN the certificate rules are not applied.
        #expect(RootInspector.inspect(root, at: now).isValid)
    }

    @Test("Fingerprint: key material digest ignores key IDs and signatures; exact and canonical hashes differ")
    func fingerprint() throws {
        let f = try RootFixture(.tuf, .ed25519)
        let a = try f.root(version: 1)
        let b = try f.root(version: 2, signers: [f.keys[2], f.keys[1]])
        let fa = RootFingerprint(a), fb = RootFingerprint(b)
        #expect(fa.rootKeysDigest == fb.rootKeysDigest)
        #expect(fa.rootKeys.count == 3)
        #expect(fa.sha256 != fb.sha256)
        #expect(fa.sha256 != fa.canonicalSHA256)
        let other = try RootFixture(.tuf, .ed25519).root()
        #expect(RootFingerprint(other).rootKeysDigest != fa.rootKeysDigest)
    }
}
