import Foundation

/// Reads documents from local files (bundles, blob folders, pin list files) with the same size limit as the network.
public enum LocalDocument {
    /// The bytes of `path` (a `what`, for the message), at most `limit`.
    /// - Throws: ``ClientError`` (`missing_document`) for a missing or unreadable file or a folder in its place.
    public static func require(_ path: String, what: String, limit: Int = 64 << 20) throws -> [UInt8] {
        let bytes: [UInt8]?
        do { bytes = try read(path, limit: limit) } catch let error as ClientError { throw ClientError(error.code, "\(what) \(error.reason)") }
        guard let bytes else { throw ClientError(.missingDocument, "\(what) \(path): no such file") }
        return bytes
    }

    /// The bytes of `path`, at most `limit`; `nil` when there is no such file.
    public static func read(_ path: String, limit: Int) throws -> [UInt8]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard !isDirectory.boolValue else { throw ClientError(.missingDocument, "\(path) is a folder, not a file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ClientError(.missingDocument, "\(path) cannot be read by this user (permission denied)")
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch {
            throw ClientError(.missingDocument, "\(path) cannot be read (I/O error)")
        }
        guard data.count <= limit else { throw ClientError(.tooLarge, "\(path) is larger than \(limit) bytes") }
        return Array(data)
    }
}

/// Pinned root bytes in a folder, named `<sha256>` or `<sha256>.json` (`--blob-dir`).
public struct BlobFolder: Sendable {
    public var directory: String
    public var maxDocumentBytes: Int

    public init(directory: String, maxDocumentBytes: Int = 64 << 20) {
        self.directory = directory
        self.maxDocumentBytes = maxDocumentBytes
    }

    public func blob(sha256: String) throws -> [UInt8] {
        try SHA256Name.check(sha256)
        for name in [sha256, sha256 + ".json"] {
            if let bytes = try LocalDocument.read(directory + "/" + name, limit: maxDocumentBytes) { return bytes }
        }
        throw ClientError(.missingDocument, "no blob \(sha256) in \(directory)")
    }
}

/// A digest that names a file: only the 64 lower-case hex digits a SHA-256 is, never a path.
enum SHA256Name {
    static func check(_ sha256: String) throws {
        guard sha256.utf8.count == 64, sha256.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw ClientError(.invalidRequest, "\(sha256.prefix(80)) is not a SHA-256 digest")
        }
    }
}
