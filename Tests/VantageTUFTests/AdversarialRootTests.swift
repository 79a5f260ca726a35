import Crypto
import Foundation
import VantageTestSupport
import Testing
import VantageTUF

@Suite("Adversarial roots with fresh keys")
struct AdversarialRootTests {
    @Test("Threshold rules for every dialect and key type", arguments: allCombinations.map { "\($0.0.rawValue)/\($0.1.rawValue)" })
    func thresholds(_ combination: String) throws {
        let (dialect, kind) = allCombinations.first { "\($0.0.rawValue)/\($0.1.rawValue)" == combination }!
        let f = try RootFixture(dialect, kind)
        let signed = f.builder().signed()
        let k = f.keys

        // Valid: 2 of 3.
        let valid = try f.root()
        #expect(RootVerifier.selfCheck(valid).isMet)
        #expect(RootVerifier.selfCheck(valid).count == 2)

        // Threshold one short.
        let short = RootVerifier.selfCheck(try f.root(signers: [k[0]]))
        #expect(!short.isMet)
        #expect(short.count == 1)

        // Duplicate signatures from one key never count twice.
        let dup = try f.assemble(signed, signatures: [f.signatureEntry(k[0], over: signed), f.signatureEntry(k[0], over: signed)])
        let dupCheck = RootVerifier.selfCheck(dup)
        #expect(dupCheck.count == 1)
        #expect(!dupCheck.isMet)
        #expect(dupCheck.checks.map(\.outcome) == [.valid, .duplicate])

        // A signature over non-canonical bytes (the pretty wire form) does not verify.
        var pretty = Array(CanonicalJSON.encode(signed))
        pretty.insert(0x20, at: 1)
        let wrongBytes = try k[0].sign(pretty, dialect: dialect)
        var entry = try f.signatureEntry(k[0], over: signed)
        entry = entry.setting(["sig"], to: .string(dialect == .notary ? ByteEncoding.base64Encode(wrongBytes) : ByteEncoding.hexEncode(wrongBytes)))
        let nonCanonical = RootVerifier.selfCheck(try f.assemble(signed, signatures: [entry, f.signatureEntry(k[1], over: signed)]))
        #expect(nonCanonical.checks.first?.outcome == .invalid)
        #expect(!nonCanonical.isMet)

        // Content changed after signing.
        let tampered = signed.setting(["expires"], to: .string("2099-01-01T00:00:00Z"))
        let tamperedCheck = RootVerifier.selfCheck(try f.assemble(tampered, signatures: [f.signatureEntry(k[0], over: signed), f.signatureEntry(k[1], over: signed)]))
        #expect(tamperedCheck.count == 0)
        #expect(tamperedCheck.checks.allSatisfy { $0.outcome == .invalid })

        // Empty placeholders and unknown key IDs are skipped and reported.
        let placeholder = JSONValue.object(["keyid": .string(k[2].keyEntry(dialect).id), "sig": .string("")]
            .merging(dialect == .notary ? ["method": .string("ecdsa")] : [:]) { a, _ in a })
        let stranger = try RootSigningKey.generate(.ed25519)
        let skipped = RootVerifier.selfCheck(try f.assemble(signed, signatures: [
            placeholder, f.signatureEntry(stranger, over: signed), f.signatureEntry(k[0], over: signed), f.signatureEntry(k[1], over: signed),
        ]))
        #expect(skipped.checks.map(\.outcome) == [.emptyPlaceholder, .notRoleKey, .valid, .valid])
        #expect(skipped.isMet)

        // The ECDSA encoding of the other dialect does not verify.
        if kind == .ecdsa {
            let other: RootDialect = dialect == .notary ? .tuf : .notary
            let foreign = try k[0].sign(CanonicalJSON.encode(signed), dialect: other)
            let text = dialect == .notary ? ByteEncoding.base64Encode(foreign) : ByteEncoding.hexEncode(foreign)
            let swapped = try f.signatureEntry(k[0], over: signed).setting(["sig"], to: .string(text))
            #expect(RootVerifier.selfCheck(try f.assemble(signed, signatures: [swapped])).checks.first?.outcome == .invalid)
        }
    }

    @Test("One key listed under two key IDs counts once", arguments: [RootDialect.tuf, .notary])
    func oneKeyTwoIDs(_ dialect: RootDialect) throws {
        let f = try RootFixture(dialect, .ecdsa)
        var signed = f.builder(threshold: 2).signed()
        // A second entry for key 0 whose ID differs: TUF adds an extra field, Notary lists the bare SPKI key.
        let (id0, entry0) = f.keys[0].keyEntry(dialect)
        let (altID, altEntry): (String, JSONValue)
        if dialect == .tuf {
            altEntry = entry0.setting(["x-vantage-copy"], to: .bool(true))
            altID = ByteEncoding.hexEncode(SHA256.hash(data: CanonicalJSON.encode(altEntry)))
        } else {
            let spki = f.keys[0].spkiDER
            altEntry = .object(["keytype": .string("ecdsa"), "keyval": .object(["private": .null, "public": .string(ByteEncoding.base64Encode(spki))])])
            altID = ByteEncoding.hexEncode(SHA256.hash(data: CanonicalJSON.encode(altEntry)))
        }
        signed = signed.setting(["keys", altID], to: altEntry)
        signed = signed.setting(["roles", "root", "keyids"], to: .array([.string(id0), .string(altID)]))
        let message = CanonicalJSON.encode(signed)
        let sig = try f.keys[0].sign(message, dialect: dialect)
        let first = try f.keys[0].signatureEntry(over: message, dialect: dialect)
        let second = first.setting(["keyid"], to: .string(altID))
            .setting(["sig"], to: .string(dialect == .notary ? ByteEncoding.base64Encode(sig) : ByteEncoding.hexEncode(sig)))
        let check = RootVerifier.selfCheck(try f.assemble(signed, signatures: [first, second]))
        #expect(check.checks.map(\.outcome) == [.valid, .duplicate])
        #expect(check.count == 1)
        #expect(!check.isMet)
    }

    @Test("Key ID mismatch: Notary refuses the signature, TUF reports it", arguments: [RootDialect.notary, .tuf])
    func keyIDMismatch(_ dialect: RootDialect) throws {
        let f = try RootFixture(dialect, .ecdsa)
        var signed = f.builder(threshold: 1).signed()
        let (id0, entry0) = f.keys[0].keyEntry(dialect)
        let fakeID = String(repeating: "ab", count: 32)
        guard case .object(var keys) = signed["keys"]! else { Issue.record("keys"); return }
        keys[id0] = nil
        keys[fakeID] = entry0
        signed = signed.setting(["keys"], to: .object(keys))
        signed = signed.setting(["roles", "root", "keyids"], to: .array([.string(fakeID)]))
        let entry = try f.signatureEntry(f.keys[0], over: signed).setting(["keyid"], to: .string(fakeID))
        let root = try f.assemble(signed, signatures: [entry])
        #expect(root.keys[fakeID]?.idMatches == false)
        let check = RootVerifier.selfCheck(root)
        if dialect == .notary {
            #expect(check.checks.first?.outcome == .keyIDMismatch)
            #expect(!check.isMet)
        } else {
            #expect(check.isMet)
            #expect(RootInspector.inspect(root, at: RootFixture.now).findings.contains { $0.code == "keyid_mismatch" })
        }
    }

    @Test("RSA keys below 2048 bits never count", arguments: [RootDialect.notary, .tuf])
    func weakRSA(_ dialect: RootDialect) throws {
        let f = try RootFixture(dialect, .ed25519)
        let weak = try RootSigningKey.generate(.rsa, weakRSA: true)
        let root = try f.root(threshold: 1, keys: [weak], signers: [weak])
        let check = RootVerifier.selfCheck(root)
        #expect(check.checks.first?.outcome == .weakKey)
        #expect(!check.isMet)
    }

    @Test("Unknown key type and wrong method do not verify")
    func unknownKeyTypeAndMethod() throws {
        let t = try RootFixture(.tuf, .ecdsa)
        let tufSigned = t.builder(threshold: 1).signed()
        let tid0 = t.keys[0].keyEntry(.tuf).id
        let unknown = tufSigned.setting(["keys", tid0, "keytype"], to: .string("dsa"))
        let root = try t.assemble(unknown, signatures: [t.signatureEntry(t.keys[0], over: unknown)])
        #expect(RootVerifier.selfCheck(root).checks.first?.outcome == .unusableKey)
        let f = try RootFixture(.notary, .ecdsa)
        let signed = f.builder(threshold: 1).signed()
        let wrongMethod = try f.signatureEntry(f.keys[0], over: signed).setting(["method"], to: .string("eddsa"))
        #expect(RootVerifier.selfCheck(try f.assemble(signed, signatures: [wrongMethod])).checks.first?.outcome == .methodMismatch)
    }

    struct Structural: Sendable, CustomTestStringConvertible {
        var name: String
        var path: [String]
        var value: JSONValue
        var code: TUFError.Code
        var testDescription: String { name }
    }

    static let structural: [Structural] = [
        .init(name: "wrong _type", path: ["_type"], value: .string("Targets"), code: .wrongType),
        .init(name: "version 0", path: ["version"], value: .integer(0), code: .malformedRoot),
        .init(name: "version as string", path: ["version"], value: .string("1"), code: .malformedRoot),
        .init(name: "expires not RFC 3339", path: ["expires"], value: .string("next year"), code: .malformedRoot),
        .init(name: "threshold 0", path: ["roles", "root", "threshold"], value: .integer(0), code: .malformedRoot),
        .init(name: "missing timestamp role", path: ["roles", "timestamp"], value: .null, code: .malformedRoot),
        .init(name: "role keyid not in keys", path: ["roles", "targets", "keyids"], value: .array([.string("00")]), code: .malformedRoot),
        .init(name: "keys not an object", path: ["keys"], value: .array([]), code: .malformedRoot),
    ]

    @Test("Structural validation names the broken field", arguments: structural)
    func structuralErrors(_ c: Structural) throws {
        let f = try RootFixture(.tuf, .ed25519)
        var signed = f.builder().signed()
        if c.value.isNull, case .object(var roles) = signed["roles"]! {
            roles[c.path.last!] = nil
            signed = signed.setting(["roles"], to: .object(roles))
        } else {
            signed = signed.setting(c.path, to: c.value)
        }
        #expect(throws: TUFError(c.code, "")) { try f.assemble(signed, signatures: []) }
    }

    @Test("Duplicate role key IDs are malformed")
    func duplicateRoleKeyIDs() throws {
        let f = try RootFixture(.tuf, .ed25519)
        let id = f.keys[0].keyEntry(.tuf).id
        let signed = f.builder().signed().setting(["roles", "root", "keyids"], to: .array([.string(id), .string(id)]))
        #expect(throws: TUFError(.malformedRoot, "")) { try f.assemble(signed, signatures: []) }
    }
}

