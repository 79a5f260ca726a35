import Crypto
import VantageTUF

extension PublicIdentity {
    /// ``isValidSignature(_:for:)`` through `cache`: for statements a process checks again and again (an approval at
    /// admission, in every consensus round and at publication; a pin list header), verified once per
    /// (key, signature, bytes).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8], cache: VerificationCache) -> Bool {
        let entry = VerificationCache.Key(
            algorithm: "ed25519", key: key.rawRepresentation, signature: signature, message: SHA256.hash(data: message))
        return cache.verify(entry) { isValidSignature(signature, for: message) }
    }
}
