import Foundation
import Testing
import VantageTUF

/// Every vector in Fixtures/ against the facts in Fixtures/EXPECTED.md (an independent python checker).
@Suite("Real root vectors")
struct VectorTests {
    struct NotaryVector: Sendable, CustomTestStringConvertible {
        var path: String
        var version: Int
        var cn: String
        var notBefore: String
        var notAfter: String
        var canonicalIDPrefix: String
        var wireCanonical: Bool
        var testDescription: String { path }
    }

    static let notaryVectors: [NotaryVector] = [
        .init(path: "notary/notary0.1-samplerepo/root.json", version: 1, cn: "docker.com/notary0.1/samplerepo",
              notBefore: "2016-02-05", notAfter: "2116-02-05", canonicalIDPrefix: "d0c623c8e70c70d42a8a8125c44a8598588b3f6e31d5c21a83cbc338dfde8a68", wireCanonical: true),
        .init(path: "notary/notary0.3-tst/root.json", version: 1, cn: "docker.com/notary0.3/tst",
              notBefore: "2016-07-27", notAfter: "2026-07-25", canonicalIDPrefix: "f4eaf871a74aa3b3a0ff95cef2455a1e4d461639f5625418e76756fc5c948690", wireCanonical: true),
        .init(path: "notary/httpstore_test.testRoot.root.json", version: 2, cn: "expire",
              notBefore: "2015-07-20", notAfter: "2025-07-17", canonicalIDPrefix: "1c31ef3d0ce4", wireCanonical: true),
        .init(path: "notary/client_root_validation_test.signedRSARoot.root.json", version: 2, cn: "docker.com/notary",
              notBefore: "2015-07-17", notAfter: "2017-07-16", canonicalIDPrefix: "8b6287dd3074", wireCanonical: true),
        .init(path: "connaisseur/sample_root.json", version: 1, cn: "docker.io/phbelitz/sample",
              notBefore: "2020-01-13", notAfter: "2030-01-10", canonicalIDPrefix: "17960e3926cb", wireCanonical: false),
    ]

    @Test("Notary vectors: key IDs, certificate facts, self-signature", arguments: notaryVectors)
    func notary(_ vector: NotaryVector) throws {
        let root = try Fixtures.root(vector.path)
        #expect(root.dialect == .notary)
        #expect(root.version == vector.version)
        #expect(root.keys.count == 4)
        for key in root.keys.values {
            #expect(key.idMatches, "key \(key.declaredID) recomputes to \(key.recomputedID ?? "nil")")
        }
        let rootKey = try #require(root.keys[root.rootRole.keyIDs[0]])
        let cert = try #require(rootKey.certificate)
        #expect(cert.subjectCN == vector.cn)
        #expect(RFC3339.format(cert.notBefore).hasPrefix(vector.notBefore))
        #expect(RFC3339.format(cert.notAfter).hasPrefix(vector.notAfter))
        #expect(cert.isCA == false)
        #expect(rootKey.canonicalRootKeyID?.hasPrefix(vector.canonicalIDPrefix) == true)

        let check = RootVerifier.selfCheck(root)
        #expect(check.threshold == 1)
        #expect(check.count == 1)
        #expect(check.isMet)
        #expect((root.canonicalSigned == signedWireBytes(root.bytes)) == vector.wireCanonical)

        // With its own CN as GUN, at a time inside the certificate's validity, Notary's rules pass.
        let inside = cert.notBefore.addingTimeInterval(86_400)
        let inspection = RootInspector.inspect(root, gun: vector.cn, at: inside)
        #expect(inspection.isValid, "\(inspection.findings)")
        // After the certificate's NotAfter the same root is unusable for Notary.
        let after = RootInspector.inspect(root, gun: vector.cn, at: cert.notAfter.addingTimeInterval(1))
        #expect(!after.isValid)
        #expect(after.findings.contains { $0.code == "certificate_expired" })
        // With another GUN the CN rule fails.
        let other = RootInspector.inspect(root, gun: "example.com/other", at: inside)
        #expect(other.findings.contains { $0.code == "cn_mismatch" })
        #expect(!other.isValid)
    }

    struct TUFVector: Sendable, CustomTestStringConvertible {
        var path: String
        var keys: Int
        var threshold: Int
        var valid: Int
        var signatures: Int
        var keyIDMismatches: Int = 0
        var notRootKey: Int = 0
        var emptyPlaceholders: Int = 0
        var testDescription: String { path }
    }

    static let tufVectors: [TUFVector] = [
        .init(path: "python-tuf/root.json", keys: 4, threshold: 1, valid: 1, signatures: 1),
        .init(path: "go-tuf/testutils-root.json", keys: 4, threshold: 1, valid: 1, signatures: 1),
        .init(path: "go-tuf/multirepo-root.json", keys: 4, threshold: 1, valid: 1, signatures: 1),
        .init(path: "sigstore-root-signing/1.root.json", keys: 5, threshold: 3, valid: 5, signatures: 5),
        .init(path: "sigstore-root-signing/2.root.json", keys: 7, threshold: 3, valid: 5, signatures: 5),
        .init(path: "sigstore-root-signing/3.root.json", keys: 7, threshold: 3, valid: 3, signatures: 3),
        .init(path: "sigstore-root-signing/4.root.json", keys: 7, threshold: 3, valid: 5, signatures: 5),
        .init(path: "sigstore-root-signing/5.root.json", keys: 7, threshold: 3, valid: 4, signatures: 8, notRootKey: 4),
        .init(path: "sigstore-root-signing/6.root.json", keys: 7, threshold: 3, valid: 5, signatures: 5),
        .init(path: "sigstore-root-signing/7.root.json", keys: 7, threshold: 3, valid: 4, signatures: 4),
        .init(path: "sigstore-root-signing/8.root.json", keys: 7, threshold: 3, valid: 4, signatures: 4),
        .init(path: "sigstore-root-signing/9.root.json", keys: 7, threshold: 3, valid: 5, signatures: 10, notRootKey: 5),
        .init(path: "sigstore-root-signing/10.root.json", keys: 6, threshold: 3, valid: 5, signatures: 10, notRootKey: 5),
        .init(path: "sigstore-root-signing/11.root.json", keys: 6, threshold: 3, valid: 5, signatures: 5, keyIDMismatches: 1),
        .init(path: "sigstore-root-signing/12.root.json", keys: 6, threshold: 3, valid: 3, signatures: 5, emptyPlaceholders: 2),
        .init(path: "sigstore-root-signing/13.root.json", keys: 6, threshold: 3, valid: 5, signatures: 6, notRootKey: 1),
        .init(path: "sigstore-root-signing/14.root.json", keys: 6, threshold: 3, valid: 4, signatures: 5, emptyPlaceholders: 1),
        .init(path: "sigstore-root-signing/15.root.json", keys: 6, threshold: 3, valid: 5, signatures: 5),
        .init(path: "sigstore-root-signing/root.json", keys: 6, threshold: 3, valid: 5, signatures: 5),
    ]

    @Test("TUF vectors: key IDs (whole-object formula), signature outcomes, threshold", arguments: tufVectors)
    func tuf(_ vector: TUFVector) throws {
        let root = try Fixtures.root(vector.path)
        #expect(root.dialect == .tuf)
        #expect(root.keys.count == vector.keys)
        #expect(root.keys.values.filter { !$0.idMatches }.count == vector.keyIDMismatches)
        #expect(root.keys.values.allSatisfy { $0.spkiSHA256 != nil })
        let check = RootVerifier.selfCheck(root)
        #expect(check.checks.count == vector.signatures)
        #expect(check.threshold == vector.threshold)
        #expect(check.count == vector.valid)
        #expect(check.checks.filter { $0.outcome == .notRoleKey }.count == vector.notRootKey)
        #expect(check.checks.filter { $0.outcome == .emptyPlaceholder }.count == vector.emptyPlaceholders)
        #expect(check.checks.filter { $0.outcome == .invalid }.isEmpty)
        #expect(check.isMet)
    }

    @Test("Sigstore 11 carries one key whose ID does not match its content")
    func sigstoreKeyIDMismatch() throws {
        let root = try Fixtures.sigstore(11)
        let mismatched = root.keys.values.filter { !$0.idMatches }
        #expect(mismatched.map(\.declaredID).first?.hasPrefix("7247f0db") == true)
        // The same key material reappears under a new ID in v12.
        let v12 = try Fixtures.sigstore(12)
        #expect(v12.keys.values.contains { $0.spkiSHA256 == mismatched.first?.spkiSHA256 })
        let inspection = RootInspector.inspect(root, at: Fixtures.date("2025-01-01T00:00:00Z"))
        #expect(inspection.findings.contains { $0.code == "keyid_mismatch" && $0.severity == .warning })
    }

    @Test("Sigstore chain 1 → 15 verifies step by step with the old/new counts of EXPECTED.md")
    func sigstoreChain() throws {
        let chain = try (1...15).map(Fixtures.sigstore)
        let expected: [(old: Int, new: Int)] = [
            (5, 5), (3, 3), (4, 5), (4, 4), (5, 5), (4, 4), (4, 4), (5, 5), (5, 5), (5, 5), (3, 3), (4, 5), (4, 4), (5, 5),
        ]
        for (n, counts) in expected.enumerated() {
            let step = RootChainVerifier.step(from: chain[n], to: chain[n + 1])
            #expect(step.isAccepted, "v\(n + 1) → v\(n + 2): \(step.reasons)")
            #expect(step.trusted.count == counts.old, "v\(n + 1) → v\(n + 2) old keys")
            #expect(step.own.count == counts.new, "v\(n + 1) → v\(n + 2) new keys")
        }
        let whole = RootChainVerifier.verify(chain, at: chain[14].expires.addingTimeInterval(-1))
        #expect(whole.isAccepted, "\(whole.reasons)")
        #expect(whole.finalVersion == 15)
        let late = RootChainVerifier.verify(chain, at: chain[14].expires.addingTimeInterval(1))
        #expect(!late.isAccepted)
        #expect(late.reasons.first?.contains("expired") == true)
    }

    @Test("Sigstore v1–v3 expiry with fractions and offsets parses to the right instant")
    func sigstoreDates() throws {
        let v1 = try Fixtures.sigstore(1)
        #expect(v1.expiresText.contains("-06:00") || v1.expiresText.contains("."))
        let reformatted = RFC3339.format(v1.expires)
        #expect(reformatted.hasSuffix("Z"))
    }

    @Test("Sigstore v12 → v13 classifies as rotated; v15 → v14 as replaced (rollback)")
    func sigstoreClassification() throws {
        let v12 = try Fixtures.sigstore(12), v13 = try Fixtures.sigstore(13), v14 = try Fixtures.sigstore(14),
            v15 = try Fixtures.sigstore(15)
        let forward = RootChangeClassifier.classify(from: v12, to: v13)
        #expect(forward.kind == .rotated || forward.kind == .resigned)
        #expect(RootChangeClassifier.classify(from: v15, to: v14).kind == .replaced)
        #expect(RootChangeClassifier.classify(from: v15, to: try Fixtures.root("sigstore-root-signing/root.json")).kind == .same)
        // Skipping versions needs the intermediates.
        let v10 = try Fixtures.sigstore(10), v11 = try Fixtures.sigstore(11)
        let jump = RootChangeClassifier.classify(from: v10, to: v13, via: [v11, v12])
        #expect(jump.kind == .rotated || jump.kind == .resigned)
    }
}

/// The bytes of the `signed` member exactly as on the wire (for the "already canonical" check).
func signedWireBytes(_ bytes: [UInt8]) -> [UInt8] {
    guard let text = String(validating: bytes, as: UTF8.self), let start = text.range(of: "\"signed\":") else { return [] }
    var depth = 0
    var inString = false
    var escaped = false
    let body = text[start.upperBound...].drop { $0 == " " || $0 == "\n" }
    var end = body.startIndex
    for index in body.indices {
        let ch = body[index]
        if inString {
            if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { inString = false }
            continue
        }
        if ch == "\"" { inString = true }
        if ch == "{" { depth += 1 }
        if ch == "}" {
            depth -= 1
            if depth == 0 { end = body.index(after: index); break }
        }
    }
    return Array(body[body.startIndex..<end].utf8)
}
