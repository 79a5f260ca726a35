import Foundation

/// Builds a ``RootInspection``: fingerprint, per-key facts, self-signature verdict and findings.
public enum RootInspector {
    /// Inspects `root` at time `now`, applying Notary's certificate rules when `gun` is given.
    public static func inspect(_ root: Root, gun: String? = nil, at now: Date) -> RootInspection {
        let selfCheck = RootVerifier.selfCheck(root)
        var findings: [Finding] = []

        var rolesByKey: [String: [String]] = [:]
        for (name, role) in root.roles.sorted(by: { $0.key < $1.key }) {
            for id in role.keyIDs { rolesByKey[id, default: []].append(name) }
        }
        let keys = root.keys.values.sorted { $0.declaredID < $1.declaredID }.map { key in
            RootInspection.Key(
                keyID: key.declaredID, recomputedKeyID: key.recomputedID, keyIDMatches: key.idMatches,
                keyType: key.keyType, scheme: key.scheme, algorithm: key.material.algorithm,
                spkiSHA256: key.spkiSHA256, canonicalRootKeyID: key.canonicalRootKeyID, certificate: key.certificate,
                roles: rolesByKey[key.declaredID] ?? [])
        }
        for key in keys where !key.keyIDMatches {
            findings.append(Finding("keyid_mismatch", root.dialect == .notary ? .error : .warning, keyID: key.keyID,
                "declared key ID does not match the key content (recomputed \(key.recomputedKeyID ?? "nothing"))"))
        }
        for key in root.keys.values.sorted(by: { $0.declaredID < $1.declaredID }) {
            if case .unusable(let reason) = key.material {
                findings.append(Finding("unusable_key", .warning, keyID: key.declaredID, reason))
            }
        }
        for check in selfCheck.checks where check.outcome != .valid {
            findings.append(signatureFinding(check))
        }
        if !selfCheck.isMet {
            findings.append(Finding("threshold_not_met", .error,
                "root signed by \(selfCheck.count) distinct root keys, threshold \(selfCheck.threshold)"))
        }
        let expired = root.expires <= now
        if expired {
            findings.append(Finding("expired", .warning, "root expired at \(RFC3339.format(root.expires))"))
        }
        let notary = gun.map { NotaryRootPolicy.evaluate(root, gun: $0, at: now, selfCheck: selfCheck) }
        if let notary {
            findings.append(contentsOf: notary.findings)
            if !notary.isMet {
                findings.append(Finding("gun_threshold_not_met", .error,
                    "\(notary.count) signing root keys have certificates valid for \(notary.gun), threshold \(notary.threshold)"))
            }
        }
        return RootInspection(
            dialect: root.dialect, fingerprint: RootFingerprint(root), specVersion: root.specVersion,
            consistentSnapshot: root.consistentSnapshot, expiresText: root.expiresText, expired: expired, keys: keys,
            rootSignatures: selfCheck, notary: notary, findings: findings)
    }

    static func signatureFinding(_ check: SignatureCheck) -> Finding {
        let severity: Finding.Severity
        let message: String
        switch check.outcome {
        case .emptyPlaceholder: (severity, message) = (.info, "empty signature placeholder skipped")
        case .notRoleKey: (severity, message) = (.info, "signature by a key that is not a root key, skipped")
        case .duplicate: (severity, message) = (.warning, "signature by already-counted key material, counted once")
        case .invalid: (severity, message) = (.error, "signature does not verify")
        case .keyIDMismatch: (severity, message) = (.error, "signature key does not hash to its key ID, not counted")
        case .weakKey: (severity, message) = (.error, "RSA key too short, not counted")
        case .unusableKey: (severity, message) = (.error, "signing key cannot be used")
        case .methodMismatch: (severity, message) = (.error, "signature method does not fit the key type")
        case .undecodable: (severity, message) = (.error, "signature text cannot be decoded")
        case .valid: (severity, message) = (.info, "valid")
        }
        let detail = check.detail.map { ": \($0)" } ?? ""
        return Finding("signature_\(check.outcome.rawValue)", severity, keyID: check.keyID, message + detail)
    }
}
