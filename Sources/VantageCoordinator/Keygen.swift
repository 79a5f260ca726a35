import VantageCore

/// `vantage-coordinator keygen`: creates the coordinator's Ed25519 key file.
public enum Keygen {
    /// Writes a new key to `path` with mode 0600 (refusing to overwrite) and returns its public key.
    /// - Throws: ``CoordinatorError`` (`key`).
    public static func create(at path: String) throws -> PublicIdentity {
        let identity = SigningIdentity()
        try FileSystem.createPrivateFile(path, contents: identity.fileContents)
        return identity.publicKey
    }
}
