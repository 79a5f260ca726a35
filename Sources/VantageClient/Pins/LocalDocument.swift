import Foundation
import VantageCore
import VantageTUF

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

    /// The bytes of `path`, at most `limit`; `nil` when there is no such file. A path the user named may be a
    /// symbolic link, or a pipe (`--pins <(…)`), read to its end; a device or a folder is refused.
    public static func read(_ path: String, limit: Int) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return try absent(errno, path) }
        defer { close(fd) }
        return try contents(of: fd, path, limit: limit, pipes: true)
    }

    /// The bytes of `relative` (names joined by `/`) inside `folder`, at most `limit`; `nil` when there is no such
    /// file. Nothing below `folder` may be a symbolic link, so no document of a bundle can name a file outside it.
    public static func read(inside folder: String, _ relative: String, limit: Int) throws -> [UInt8]? {
        let shown = folder + "/" + relative
        var names = relative.split(separator: "/").map(String.init)
        let last = names.removeLast()
        var directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return try absent(errno, folder) }
        defer { close(directory) }
        for name in names {
            let next = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else {
                if errno == ELOOP || errno == ENOTDIR { throw notRegular("\(folder)/\(name)", "not a folder of the bundle (a symbolic link or a file)") }
                return try absent(errno, shown)
            }
            close(directory)
            directory = next
        }
        // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; it is then refused by type.
        let fd = openat(directory, last, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP { throw notRegular(shown, "a symbolic link; a bundle holds regular files only") }
            return try absent(errno, shown)
        }
        defer { close(fd) }
        return try contents(of: fd, shown, limit: limit)
    }

    /// What an open descriptor holds, checked before any byte is read: a regular file of at most `limit` bytes (or,
    /// with `pipes`, a pipe, read with blocking reads up to the limit).
    static func contents(of fd: Int32, _ path: String, limit: Int, pipes: Bool = false) throws -> [UInt8] {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw ClientError(.missingDocument, "\(path) cannot be read (I/O error)") }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw ClientError(.missingDocument, "\(path) is a folder, not a file")
        case S_IFIFO where pipes: _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        case S_IFIFO: throw notRegular(path, "a FIFO, not a regular file")
        case S_IFCHR, S_IFBLK: throw notRegular(path, "a device, not a regular file")
        default: throw notRegular(path, "not a regular file")
        }
        guard status.st_size <= limit else { throw ClientError(.tooLarge, "\(path) is larger than \(limit) bytes") }
        // The size can still change under us: read at most one byte past the limit.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(status.st_size))
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while bytes.count <= limit {
            let wanted = min(buffer.count, limit + 1 - bytes.count)
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, wanted) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw ClientError(.missingDocument, "\(path) cannot be read (I/O error)") }
            if n == 0 { break }
            bytes.append(contentsOf: buffer[..<n])
        }
        guard bytes.count <= limit else { throw ClientError(.tooLarge, "\(path) is larger than \(limit) bytes") }
        return bytes
    }

    /// `nil` for a missing file; a one-line error for the other reasons an open fails.
    static func absent(_ code: Int32, _ path: String) throws -> [UInt8]? {
        switch code {
        case ENOENT: return nil
        case EACCES, EPERM: throw ClientError(.missingDocument, "\(path) cannot be read by this user (permission denied)")
        case ENOTDIR: throw ClientError(.missingDocument, "\(path): a part of the path is a file, not a folder")
        default: throw ClientError(.missingDocument, "\(path) cannot be opened (\(String(cString: strerror(code))))")
        }
    }

    static func notRegular(_ path: String, _ what: String) -> ClientError {
        ClientError(.missingDocument, "\(path) is \(what)")
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
        guard ByteEncoding.isSHA256Hex(sha256) else {
            throw ClientError(.invalidRequest, "\(sha256.prefix(80)) is not a SHA-256 digest")
        }
    }
}
