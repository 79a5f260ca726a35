import Foundation

/// Replaces a file atomically: write a temporary file in the same folder, fsync it, rename it over the target,
/// fsync the folder. Readers see the old bytes or the new bytes, never a mix, even after a crash.
public enum AtomicFile {
    /// Writes `bytes` to `path` (mode `mode` for a new file; an existing file keeps its mode).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var existing = stat()
        let permissions = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : mode
        let temporary = (directory as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        let written = bytes.withUnsafeBytes { buffer -> Int in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return -1 }
                offset += n
            }
            return offset
        }
        let synced = written == bytes.count && fsync(fd) == 0
        close(fd)
        guard synced else { throw failure("cannot write \(temporary)") }
        guard rename(temporary, path) == 0 else { throw failure("cannot rename \(temporary) to \(path)") }
        ok = true
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    static func failure(_ what: String) -> AgentError {
        AgentError(.io, "\(what): \(String(cString: strerror(errno)))")
    }
}
