/// Classifies the change from one root of a repository to another (DESIGN.md, trust property 3).
///
/// - `same`: identical canonical `signed` (exact bytes may differ: a re-formatted copy).
/// - `resigned`: the new root meets its own threshold, has a higher version, and the same root key
///   material and threshold.
/// - `rotated`: `old` → `intermediates` → `new` is a chain of accepted steps (``RootChainVerifier``).
/// - `replaced`: anything else, with the reasons.
public enum RootChangeClassifier {
    public static func classify(from old: Root, to new: Root, via intermediates: [Root] = []) -> RootChange {
        if old.canonicalSHA256 == new.canonicalSHA256 {
            let note = old.bytes == new.bytes ? "identical bytes" : "same signed content, different formatting"
            return RootChange(kind: .same, reasons: [note])
        }
        if old.dialect != new.dialect {
            return RootChange(kind: .replaced, reasons: ["dialect changed from \(old.dialect.rawValue) to \(new.dialect.rawValue)"])
        }
        let own = RootVerifier.selfCheck(new)
        guard own.isMet else {
            return RootChange(kind: .replaced, reasons: [
                "new root is signed by \(own.count) of its root keys, threshold \(own.threshold)",
            ])
        }
        let sameKeys = RootFingerprint.rootKeyMaterial(of: old) == RootFingerprint.rootKeyMaterial(of: new)
        guard new.version > old.version else {
            // New keys at a version that does not move up: a repository created anew (a Notary GUN deleted and
            // initialised again starts at 1), which the old keys never signed. The same keys going back: a rollback.
            return RootChange(kind: .replaced, reasons: [
                sameKeys
                    ? "version \(new.version) is not above \(old.version) with the same root keys: rollback or equivocation"
                    : "replacement: new root keys at version \(new.version) (was \(old.version)), not signed by the old root keys",
            ])
        }
        if sameKeys, old.rootRole.threshold == new.rootRole.threshold {
            return RootChange(kind: .resigned, reasons: [
                "same root key material and threshold; version \(old.version) → \(new.version)",
            ])
        }
        var steps: [ChainStepResult] = []
        var trusted = old
        for next in intermediates + [new] {
            let step = RootChainVerifier.step(from: trusted, to: next)
            steps.append(step)
            guard step.isAccepted else {
                return RootChange(
                    kind: .replaced,
                    reasons: ["root keys changed without a verified rotation"]
                        + step.reasons.map { "v\(trusted.version) → v\(next.version): \($0)" },
                    steps: steps)
            }
            trusted = next
        }
        return RootChange(
            kind: .rotated,
            reasons: ["verified rotation v\(old.version) → v\(new.version) in \(steps.count) step(s)"],
            steps: steps)
    }
}
