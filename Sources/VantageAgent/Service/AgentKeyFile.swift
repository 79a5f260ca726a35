import Foundation
import VantageCore

/// The agent's Ed25519 key file (``VantageCore/SigningIdentity`` format): created 0600, never overwritten.
public enum AgentKeyFile {
    /// Creates a new key at `path`; fails if anything exists there.
    public static func create(at path: String) throws -> SigningIdentity {
        let identity = SigningIdentity()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "\(path) already exists; refusing to overwrite a key" : "cannot create \(path): \(String(cString: strerror(errno)))"
            throw AgentError(.keyFile, reason)
        }
        defer { close(fd) }
        let bytes = Array(identity.fileContents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            unlink(path)
            throw AgentError(.keyFile, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        return identity
    }

    /// Reads the key at `path`.
    public static func load(from path: String) throws -> SigningIdentity {
        guard let data = FileManager.default.contents(atPath: path) else { throw AgentError(.keyFile, "cannot read \(path)") }
        do {
            return try SigningIdentity(fileContents: String(decoding: data, as: UTF8.self))
        } catch {
            throw AgentError(.keyFile, "\(path): \(error)")
        }
    }
}
