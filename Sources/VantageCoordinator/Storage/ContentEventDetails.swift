import GRDB
import VantageCore
import VantageTUF

/// The key fingerprints a `file` target's events name beside its digests (`details.keys` for `sha256`,
/// `details.pinned_keys` for `pinned_sha256`), so an alert about a changed key file says which keys it held and
/// holds now. They are read from the stored bytes (facts from bytes), not from an agent's report.
enum ContentEventDetails {
    /// `event` with the keys of its digests added when it is about a `file` target whose bytes are stored.
    static func adding(to event: VantageEvent, kinds: [String: TargetSpec.Kind], in db: Database) throws -> VantageEvent {
        guard let target = event.target, kinds[target] == .file else { return event }
        var event = event
        for (digestKey, keysKey) in [("sha256", "keys"), ("pinned_sha256", "pinned_keys")] {
            guard let digest = event.details[digestKey], let bytes = try Blobs.bytes(digest, in: db) else { continue }
            event.details[keysKey] = describe(KeyFileFacts.keys(in: bytes))
        }
        return event
    }

    /// `openpgp:<fingerprint>,ssh:SHA256:<…>`: each key's format and fingerprint, in file order (empty: none recognised).
    static func describe(_ keys: [KeyFingerprint]) -> String {
        keys.map { "\($0.format.rawValue):\($0.fingerprint)" }.joined(separator: ",")
    }
}
