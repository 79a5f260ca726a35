import Foundation

/// Writes files the way TUF clients expect their trust anchors: exact bytes, atomically (temp file in the same
/// folder, fsync, rename, fsync of the folder), file mode 0600, missing folders created 0700.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        try makeFolders(folder)
        let temp = folder + "/.\(url.lastPathComponent).tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw posixError("create \(temp)") }
        var ok = bytes.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fchmod(fd, 0o600) == 0 && fsync(fd) == 0
        close(fd)
        guard ok, rename(temp, path) == 0 else {
            unlink(temp)
            throw posixError("write \(path)")
        }
        let dir = open(folder, O_RDONLY | O_DIRECTORY)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }

    /// Creates missing folders of `path` with mode 0700 (existing folders are left as they are).
    static func makeFolders(_ path: String) throws {
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: current, isDirectory: &isDir) {
                guard isDir.boolValue else { throw posixError("\(current) is not a folder") }
                continue
            }
            guard mkdir(current, 0o700) == 0 || errno == EEXIST else { throw posixError("mkdir \(current)") }
        }
    }

    static func posixError(_ what: String) -> any Error {
        NSError(domain: "vantage", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(what): \(String(cString: strerror(errno)))"])
    }
}
