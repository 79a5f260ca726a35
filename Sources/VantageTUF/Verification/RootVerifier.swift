/// Counts signatures on a root against a role's keys.
///
/// Thresholds count **distinct key material** (SPKI SHA-256), as go-tuf does, so one key listed under two
/// key IDs, or one key ID that signed twice, counts once. Empty placeholders, signatures by keys outside the
/// role and undecodable signatures are skipped and reported. Notary signatures whose key does not hash to
/// the declared key ID do not count (Notary rejects them); in TUF metadata such a mismatch is reported as a
/// finding but does not void the signature, as python-tuf and go-tuf do not check key IDs. Each signature is verified
/// once per process through ``VerificationCache/current``: a root is counted again at every classification.
public enum RootVerifier {
    /// Counts `document`'s signatures against `role` with keys from `keys`.
    ///
    /// - Parameters:
    ///   - document: the root whose `signed` part the signatures must cover.
    ///   - role: the role whose key IDs may sign and whose threshold applies.
    ///   - keys: where the role's key IDs are looked up (the document's own keys, or a trusted root's).
    ///   - dialect: the encoding rules to apply.
    public static func count(
        _ document: Root, role: RoleEntry, keys: [String: RootKey], dialect: RootDialect
    ) -> ThresholdResult {
        var checks: [SignatureCheck] = []
        var countedIDs: [String] = []
        var countedMaterial: [String] = []
        let roleKeyIDs = Set(role.keyIDs)
        for entry in document.signatures {
            let (outcome, detail) = evaluate(
                entry, document: document, roleKeyIDs: roleKeyIDs, keys: keys, dialect: dialect,
                counted: countedMaterial)
            if outcome == .valid, let key = keys[entry.keyID], let material = key.spkiSHA256 {
                countedIDs.append(entry.keyID)
                countedMaterial.append(material)
            }
            checks.append(SignatureCheck(keyID: entry.keyID, outcome: outcome, detail: detail))
        }
        return ThresholdResult(
            threshold: role.threshold, countedKeyIDs: countedIDs, countedKeyMaterial: countedMaterial, checks: checks)
    }

    /// Counts a root's signatures against its own root role.
    public static func selfCheck(_ root: Root) -> ThresholdResult {
        count(root, role: root.rootRole, keys: root.keys, dialect: root.dialect)
    }

    static func evaluate(
        _ entry: SignatureEntry, document: Root, roleKeyIDs: Set<String>, keys: [String: RootKey],
        dialect: RootDialect, counted: [String]
    ) -> (SignatureCheck.Outcome, String?) {
        guard roleKeyIDs.contains(entry.keyID), let key = keys[entry.keyID] else { return (.notRoleKey, nil) }
        if entry.encoded.isEmpty { return (.emptyPlaceholder, nil) }
        guard let signature = entry.bytes else {
            return (.undecodable, dialect == .notary ? "sig is not base64" : "sig is not hex")
        }
        if dialect == .notary, !key.idMatches {
            return (.keyIDMismatch, "key content hashes to \(key.recomputedID ?? "nothing")")
        }
        let (outcome, detail) = SignatureVerifier.check(
            signature: signature, method: entry.method, key: key, dialect: dialect, message: document.message)
        if outcome == .valid, let material = key.spkiSHA256, counted.contains(material) {
            return (.duplicate, "key material already counted")
        }
        return (outcome, detail)
    }
}
