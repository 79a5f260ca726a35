import Foundation

/// Notary's extra rules for a root's x509 root keys, checked when the GUN is known.
///
/// Mirrors notary `trustpinning/certs.go` `ValidateRoot`: a root-role certificate counts only if its subject
/// CN equals the GUN (or is a `*`-terminated prefix of it), it is not a CA certificate, and `now` lies in
/// [notBefore − 1 day, notAfter]. The root must then meet its threshold with such certificates alone.
public enum NotaryRootPolicy {
    /// The result of applying the rules to one root.
    public struct Evaluation: Sendable, Hashable, Encodable {
        public var gun: String
        /// Root-role key IDs whose certificates pass every rule.
        public var eligibleKeyIDs: [String]
        /// Distinct eligible keys that produced valid signatures.
        public var count: Int
        public var threshold: Int
        public var findings: [Finding]
        public var isMet: Bool { count >= threshold }

        enum CodingKeys: String, CodingKey {
            case gun, count, threshold, findings, met
            case eligibleKeyIDs = "eligible_keyids"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(gun, forKey: .gun)
            try c.encode(eligibleKeyIDs, forKey: .eligibleKeyIDs)
            try c.encode(count, forKey: .count)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(isMet, forKey: .met)
            try c.encode(findings, forKey: .findings)
        }
    }

    /// Notary tolerates a certificate that becomes valid up to one day in the future (clock skew).
    static let notBeforeSkew: TimeInterval = 86_400
    /// Notary warns when a root certificate has less than six months left.
    static let expiryWarning: TimeInterval = 182 * 86_400

    /// Applies the rules to `root`'s root-role keys at `now`.
    public static func evaluate(_ root: Root, gun: String, at now: Date, selfCheck: ThresholdResult) -> Evaluation {
        var findings: [Finding] = []
        var eligible: [String] = []
        for id in root.rootRole.keyIDs {
            guard let key = root.keys[id] else { continue }
            guard let cert = key.certificate else {
                findings.append(Finding("no_certificate", .error, keyID: id, "root key is \(key.keyType), not an x509 certificate"))
                continue
            }
            var passes = true
            if !commonNameMatches(cert.subjectCN, gun: gun) {
                findings.append(Finding("cn_mismatch", .error, keyID: id,
                    "certificate CN \"\(cert.subjectCN ?? "")\" does not match GUN \"\(gun)\""))
                passes = false
            }
            if cert.isCA {
                findings.append(Finding("ca_certificate_as_leaf", .error, keyID: id, "leaf certificate is a CA certificate"))
                passes = false
            }
            if now < cert.notBefore.addingTimeInterval(-notBeforeSkew) {
                findings.append(Finding("certificate_not_yet_valid", .error, keyID: id,
                    "certificate valid from \(RFC3339.format(cert.notBefore))"))
                passes = false
            } else if now > cert.notAfter {
                findings.append(Finding("certificate_expired", .error, keyID: id,
                    "certificate expired at \(RFC3339.format(cert.notAfter))"))
                passes = false
            } else if cert.notAfter.timeIntervalSince(now) < expiryWarning {
                findings.append(Finding("certificate_expiring", .warning, keyID: id,
                    "certificate expires at \(RFC3339.format(cert.notAfter))"))
            }
            if passes { eligible.append(id) }
        }
        var material = Set<String>()
        for (id, spki) in zip(selfCheck.countedKeyIDs, selfCheck.countedKeyMaterial) where eligible.contains(id) {
            material.insert(spki)
        }
        return Evaluation(
            gun: gun, eligibleKeyIDs: eligible, count: material.count, threshold: root.rootRole.threshold,
            findings: findings)
    }

    /// Notary `MatchCNToGun`: exact match, or prefix match when the CN ends with `*`.
    static func commonNameMatches(_ cn: String?, gun: String) -> Bool {
        guard let cn else { return false }
        if cn.hasSuffix("*") { return gun.hasPrefix(cn.dropLast()) }
        return cn == gun
    }
}
