import Foundation

/// The real `skopeo` client against a ``RegistryFixture``: pushes OCI layouts and reads back what the registry
/// serves. It trusts the fixture's CA (`--cert-dir`), and in token mode sends the fixture's credentials, so it goes
/// through the same bearer-token flow as any client.
public enum Skopeo {
    /// Pushes `layout` (every platform of an index) as `repository:tag`; pushing another layout under the same tag
    /// moves the tag.
    public static func push(layout: OCILayout, tag: String, to registry: RegistryFixture, repository: String) async throws {
        var arguments = globalArguments(registry) + ["copy", "--all", "--dest-cert-dir", registry.certDirectory]
        if let credentials = registry.credentials { arguments += ["--dest-creds", credentials.pair] }
        arguments += [layout.skopeoReference, "docker://" + registry.reference(repository, tag: tag)]
        let result = try await run(arguments)
        guard result.status == 0 else {
            throw TestFailure("skopeo copy to \(repository):\(tag) failed: \(result.stderr)\nregistry log:\n\(registry.logTail())")
        }
    }

    /// The exact manifest or index bytes the registry serves for `reference` (`127.0.0.1:PORT/REPO:TAG` or
    /// `…@sha256:…`): `skopeo inspect --raw`.
    public static func inspectRaw(_ reference: String, in registry: RegistryFixture) async throws -> [UInt8] {
        try await inspect(reference, in: registry, ["--raw"]).stdout
    }

    /// The digest skopeo reports for `reference` (`skopeo inspect --format '{{.Digest}}'`): for an index, the
    /// index's own digest.
    public static func inspectDigest(_ reference: String, in registry: RegistryFixture) async throws -> String {
        let output = try await inspect(reference, in: registry, ["--format", "{{.Digest}}"]).stdout
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func inspect(_ reference: String, in registry: RegistryFixture, _ options: [String]) async throws -> (stdout: [UInt8], stderr: String) {
        var arguments = globalArguments(registry) + ["inspect"] + options + ["--cert-dir", registry.certDirectory]
        if let credentials = registry.credentials { arguments += ["--creds", credentials.pair] }
        let result = try await run(arguments + ["docker://" + reference])
        guard result.status == 0 else { throw TestFailure("skopeo inspect \(reference) failed: \(result.stderr)") }
        return (result.stdout, result.stderr)
    }

    /// The fixture's policy (accept any image: skopeo refuses to copy without one, and the host's may be stricter or
    /// absent) and a deadline on every command.
    private static func globalArguments(_ registry: RegistryFixture) -> [String] {
        ["--policy", registry.skopeoPolicy, "--command-timeout", "120s"]
    }

    /// Runs skopeo with stdout captured as bytes (manifests are hashed: no text decoding on the way).
    private static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: [UInt8], stderr: String) {
        try await offPool {
            let base = NSTemporaryDirectory() + "vantage-skopeo-\(UUID().uuidString)"
            defer {
                unlink(base + ".out")
                unlink(base + ".err")
            }
            let child = try ChildProcess("skopeo", arguments, stdoutPath: base + ".out", stderrPath: base + ".err")
            child.closePipes()
            let status = child.waitForExit()
            let stdout = Array(FileManager.default.contents(atPath: base + ".out") ?? Data())
            let stderr = String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
            return (status, stdout, stderr)
        }
    }
}
