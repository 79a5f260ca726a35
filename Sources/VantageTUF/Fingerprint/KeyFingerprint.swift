/// A public key recognised in a `file` target's bytes, fingerprinted the way its own tools print it, so people and
/// alerts can say "old key X, new key Y". Consensus is over the bytes' SHA-256; this is for reading, not deciding.
public struct KeyFingerprint: Sendable, Hashable, Codable {
    /// The container format the key was found in.
    public enum Format: String, Sendable, Hashable, Codable, CaseIterable {
        /// PEM `PUBLIC KEY` (SubjectPublicKeyInfo): `fingerprint` is the hex SHA-256 of the DER
        /// (`openssl pkey -pubin -outform DER | sha256sum`).
        case pem
        /// An OpenPGP primary key (armored or binary): `fingerprint` is the upper-case hex v4 (SHA-1) or v6
        /// (SHA-256) fingerprint `gpg --with-fingerprint` prints.
        case openpgp
        /// An OpenSSH public key line: `fingerprint` is `SHA256:` + unpadded base64 (`ssh-keygen -lf`).
        case ssh
    }

    public var format: Format
    /// The key algorithm as its format names it (`ssh-ed25519`, `ecdsa-p256`, `rsa`, OpenPGP algorithm `22`, …).
    public var algorithm: String
    public var fingerprint: String

    public init(format: Format, algorithm: String, fingerprint: String) {
        self.format = format
        self.algorithm = algorithm
        self.fingerprint = fingerprint
    }
}
