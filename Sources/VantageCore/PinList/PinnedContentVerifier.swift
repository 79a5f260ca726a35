import Crypto
import VantageTUF

/// The last client-side rule before the bytes of an `oci` or `file` pin are used: they are the bytes whose SHA-256
/// the quorum attested. Content has no other facts to check (no chain, no expiry); what a key file holds is for
/// people (``KeyFileFacts``), never a reason to accept it.
public enum PinnedContentVerifier {
    /// - Returns: the failure under `source_mismatch` for a root pin (a root is never installed as content),
    ///   `blob_mismatch` for other bytes; `nil` when `blob` is the pinned content.
    public static func verify(_ blob: [UInt8], for pin: Pin) -> PinListVerifier.Failure? {
        typealias Rule = PinListVerifier.Rule
        guard !pin.kind.isRoot else {
            return .init(rule: Rule.sourceMismatch, target: pin.target, "the pin is for a \(pin.kind.rawValue) root, not content")
        }
        let digest = ByteEncoding.hexEncode(SHA256.hash(data: blob))
        guard digest == pin.sha256 else {
            return .init(rule: Rule.blobMismatch, target: pin.target, "the bytes have SHA-256 \(digest), the pin attests \(pin.sha256)")
        }
        return nil
    }
}
