import Foundation

/// Writes files the way trust anchors must be written: exact bytes, atomically (a temporary file in the same
/// folder, fsync, rename over the target, fsync of the folder), so readers see the old bytes or the new ones,
/// never a mix, even after a crash.
public enum AtomicFile {
    /// An I/O failure, with the path and the system's reason.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes `bytes` to `path` with file mode `mode`; missing folders are created with `folderMode` (0700 unless a
    /// web server must read them).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600, folderMode: mode_t = 0o700) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        try makeFolders(folder, mode: folderMode)
        let temporary = folder + "/.\(url.lastPathComponent).\(UUID().uuidString).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("cannot create \(temporary)") }
        var ok = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fchmod(fd, mode) == 0 && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let error = failure("cannot write \(path)")
            unlink(temporary)
            throw error
        }
        let dir = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// Creates the missing folders of `path` with mode 0700 (existing folders are left as they are).
    public static func makeFolders(_ path: String, mode: mode_t = 0o700) throws {
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw Failure(description: "\(current) is not a folder") }
                continue
            }
            guard mkdir(current, mode) == 0 || errno == EEXIST else { throw failure("cannot create folder \(current)") }
        }
    }

    static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
