import Crypto
import Foundation
import VantageTestSupport
import Testing
import VantageTUF
import _CryptoExtras

/// RSA PKCS#1 v1.5 with SHA-256 (TUF scheme `rsa-pkcs1v15-sha256`, Notary method `rsapkcs1v15`), signed with a fresh
/// 2048-bit key. No real repository in the vectors uses it, so these roots are made here.
@Suite("RSA PKCS#1 v1.5 signatures")
struct RSAPKCS1Tests {
    enum Padding: String, CaseIterable, Sendable { case pkcs1v15, pss }

    struct Case: Sendable, CustomTestStringConvertible {
        var dialect: RootDialect
        /// What the key entry (TUF `scheme`) or the signature (Notary `method`) declares.
        var declared: Padding
        /// How the signature was really made.
        var signed: Padding
        var expected: SignatureCheck.Outcome
        var testDescription: String { "\(dialect.rawValue): declared \(declared.rawValue), signed \(signed.rawValue)" }
    }

    static let cases: [Case] = [RootDialect.tuf, .notary].flatMap { dialect in
        [
            Case(dialect: dialect, declared: .pkcs1v15, signed: .pkcs1v15, expected: .valid),
            Case(dialect: dialect, declared: .pkcs1v15, signed: .pss, expected: .invalid),
            Case(dialect: dialect, declared: .pss, signed: .pkcs1v15, expected: .invalid),
        ]
    }

    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    @Test("declared padding must match the signature", arguments: cases)
    func padding(_ c: Case) throws {
        let f = try RootFixture(c.dialect, .ed25519)
        let (id, entry) = Self.keyEntry(c.dialect, declared: c.declared)
        let signed = f.builder(threshold: 1).signed()
            .setting(["keys", id], to: entry)
            .setting(["roles", "root", "keyids"], to: .array([.string(id)]))
        let message = CanonicalJSON.encode(signed)
        let signature = try Self.key.signature(
            for: SHA256.hash(data: message), padding: c.signed == .pkcs1v15 ? .insecurePKCS1v1_5 : .PSS
        ).rawRepresentation
        let sig: JSONValue
        switch c.dialect {
        case .tuf:
            sig = .object(["keyid": .string(id), "sig": .string(ByteEncoding.hexEncode(Array(signature)))])
        case .notary:
            sig = .object([
                "keyid": .string(id), "method": .string(c.declared == .pkcs1v15 ? "rsapkcs1v15" : "rsapss"),
                "sig": .string(ByteEncoding.base64Encode(Array(signature))),
            ])
        }
        let check = RootVerifier.selfCheck(try f.assemble(signed, signatures: [sig]))
        #expect(check.checks.map(\.outcome) == [c.expected])
        #expect(check.isMet == (c.expected == .valid))
    }

    /// The key's entry and its recomputed ID: TUF hashes the whole key object; Notary hashes the canonical key with
    /// `private: null`.
    static func keyEntry(_ dialect: RootDialect, declared: Padding) -> (String, JSONValue) {
        let entry: JSONValue
        switch dialect {
        case .tuf:
            entry = .object([
                "keytype": .string("rsa"), "scheme": .string(declared == .pkcs1v15 ? "rsa-pkcs1v15-sha256" : "rsassa-pss-sha256"),
                "keyval": .object(["public": .string(key.publicKey.pemRepresentation)]),
            ])
        case .notary:
            entry = .object([
                "keytype": .string("rsa"),
                "keyval": .object(["private": .null, "public": .string(ByteEncoding.base64Encode(Array(key.publicKey.derRepresentation)))]),
            ])
        }
        return (ByteEncoding.hexEncode(SHA256.hash(data: CanonicalJSON.encode(entry))), entry)
    }
}
