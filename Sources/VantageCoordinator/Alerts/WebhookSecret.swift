import Crypto
import VantageTUF

/// A Standard Webhooks signing secret: `whsec_` followed by base64 of the key bytes.
struct WebhookSecret: Sendable {
    let key: SymmetricKey

    init?(_ text: String) {
        guard text.hasPrefix("whsec_"), let bytes = ByteEncoding.base64Decode(String(text.dropFirst(6))), bytes.count >= 16
        else { return nil }
        key = SymmetricKey(data: bytes)
    }

    /// `v1,` + base64 HMAC-SHA256 over `id.timestamp.body` (the `webhook-signature` header value).
    func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        let message = Array("\(id).\(timestamp).".utf8) + body
        return "v1," + ByteEncoding.base64Encode(Array(HMAC<SHA256>.authenticationCode(for: message, using: key)))
    }
}
