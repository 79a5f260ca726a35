import Foundation

/// The few file operations the coordinator needs, with errors mapped to ``CoordinatorError``.
enum FileSystem {
    static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    static func isExecutable(_ path: String) -> Bool {
        !isDirectory(path) && FileManager.default.isExecutableFile(atPath: path)
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func readText(_ path: String, code: CoordinatorError.Code) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CoordinatorError(code, "cannot read \(path): \(error.localizedDescription)")
        }
    }

    /// Creates `path` (and parents) with mode 0700 when missing.
    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CoordinatorError(.configuration, "cannot create directory \(path): \(error.localizedDescription)")
        }
    }

    /// Writes a new file with mode 0600; refuses to overwrite.
    static func createPrivateFile(_ path: String, contents: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "already exists; refusing to overwrite" : String(cString: strerror(errno))
            throw CoordinatorError(.key, "cannot create \(path): \(reason)")
        }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw CoordinatorError(.key, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
