import Crypto
import Foundation
import VantageTUF

/// The last client-side rule before a pinned root is used (DESIGN.md trust properties 5 and 8): the blob is the
/// one whose SHA-256 the quorum attested, it is a root of the attested kind, and a Notary root passes the
/// `notary` client's own rules for the GUN at `now`. Everything shown about the root (version, expiry, keys)
/// comes from the returned ``Root``, never from coordinator fields.
public enum PinnedRootVerifier {
    public static func verify(_ blob: [UInt8], for pin: Pin, now: Timestamp) -> Result<Root, PinListVerifier.Failure> {
        typealias Rule = PinListVerifier.Rule
        // An image or file pin is content, never a trust anchor: it is not even parsed as one.
        guard pin.kind.isRoot else {
            return .failure(.init(rule: Rule.sourceMismatch, target: pin.target, "the pin is for a \(pin.kind.rawValue) target, not a root"))
        }
        let digest = ByteEncoding.hexEncode(SHA256.hash(data: blob))
        guard digest == pin.sha256 else {
            return .failure(.init(rule: Rule.blobMismatch, target: pin.target, "root bytes have SHA-256 \(digest), the pin attests \(pin.sha256)"))
        }
        let root: Root
        do { root = try Root.parse(blob) } catch {
            return .failure(.init(rule: Rule.blobMalformed, target: pin.target, "the pinned root does not parse: \(error)"))
        }
        let dialect: TargetSpec.Kind = root.dialect == .notary ? .notary : .tuf
        guard dialect == pin.kind else {
            return .failure(.init(rule: Rule.blobMalformed, target: pin.target, "the pinned root is a \(dialect.rawValue) root, the pin is for \(pin.kind.rawValue)"))
        }
        if pin.kind == .notary {
            guard let gun = pin.gun, !gun.isEmpty else {
                return .failure(.init(rule: Rule.notaryRules, target: pin.target, "a notary pin must name the GUN its root is checked for"))
            }
            let evaluation = NotaryRootPolicy.evaluate(root, gun: gun, at: now.date, selfCheck: RootVerifier.selfCheck(root))
            if !evaluation.isMet {
                let errors = evaluation.findings.filter { $0.severity == .error }.map { "\($0.code): \($0.message)" }
                return .failure(.init(rule: Rule.notaryRules, target: pin.target,
                    "the notary client would refuse this root for \(gun): \(evaluation.count) of \(evaluation.threshold) root keys eligible"
                        + (errors.isEmpty ? "" : " (\(errors.joined(separator: "; ")))")))
            }
        }
        return .success(root)
    }
}
