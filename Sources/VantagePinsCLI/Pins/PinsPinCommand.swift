import ArgumentParser
import Foundation
import Synchronization
import VantageClient
import VantageCore
import VantageSupport

public struct PinsPinCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Rewrite every FROM, COPY --from= and RUN --mount=from= image of Dockerfiles to its verified pinned digest, in place.",
        discussion: """
            Each image tag is resolved as `resolve` does (bound to its registry, repository and tag, verified offline, \
            all or nothing) and written as NAME:TAG@sha256:…, keeping build arguments, stage names and every other \
            byte. A line that cannot be pinned (no pin for its tag, a build argument, an invalid name) is listed with \
            its file and line and nothing is written to any file. Files are replaced atomically and keep their mode. \
            --check writes nothing and lists the lines not pinned to the current consensus digest. Exit 0 ok, 12 a \
            line refused or not pinned, or a pin that does not verify, 64 usage, 66 a Dockerfile missing, 73 not \
            writable, 78 unusable trust policy.
            """
    )

    @Argument(help: "Dockerfiles to pin.")
    var dockerfiles: [String]

    @Flag(help: "Write nothing: exit 12 listing each image line not pinned to its current consensus digest.")
    var check = false

    @OptionGroup var options: PinsOptions

    /// Dockerfiles larger than this are refused (real ones are a few KiB).
    static let maxBytes = 1 << 20

    public func validate() throws {
        if dockerfiles.isEmpty { throw ValidationError("name at least one Dockerfile") }
        if options.server != nil || options.gun != nil { throw ValidationError("an image names its own registry: drop --server/--gun") }
    }

    public func run() async throws {
        let policy = try options.loadPolicy()
        var findings: [String] = []
        var done: [String] = []
        do {
            let files = try dockerfiles.map { ($0, try LocalDocument.require($0, what: "Dockerfile", limit: Self.maxBytes)) }
            // The tags the pinner will ask for, collected by a first pass whose resolver answers nothing.
            let wanted = Mutex(Set<ImageReference>())
            for (_, bytes) in files { _ = DockerfilePinner { tag in wanted.withLock { _ = $0.insert(tag) }; return nil }.check(bytes) }
            let tags = wanted.withLock { $0 }
            let digests: [ImageReference: String]
            switch tags.isEmpty ? .success([:]) : try await ImagePins(options: options, policy: policy).resolve(tags).map(\.digests) {
            case .success(let found): digests = found
            case .failure(let failure):
                // A target the policy lists for a tag but the list lacks: its lines are named, as for any tag without a pin.
                let missing = Self.lines(of: failure, in: files, policy: policy)
                guard !missing.isEmpty else { throw failure }
                findings = missing
                digests = [:]
            }
            let pinner = DockerfilePinner { digests[$0] }
            var rewritten: [(String, [UInt8])] = []
            for (path, bytes) in files where findings.isEmpty {
                if check {
                    findings += pinner.check(bytes).map { "\(path):\($0.line): \($0.reason)" }
                    continue
                }
                let outcome = pinner.pin(bytes)
                findings += outcome.findings.map { "\(path):\($0.line): \($0.reason)" }
                if !outcome.rewrites.isEmpty { rewritten.append((path, outcome.bytes)) }
                done += outcome.rewrites.map { "\(path):\($0.line): \($0.image) -> \($0.pinned)" }
            }
            // All or nothing: no file is written while any line is refused.
            if findings.isEmpty { for (path, bytes) in rewritten { try Self.replace(path, with: bytes) } }
        } catch { throw Failure.report(error) }
        guard findings.isEmpty else {
            // --check lists them as its answer (stdout); a refused rewrite says why on stderr.
            for finding in findings { check ? Output.line(finding) : Output.diagnostic(finding) }
            Output.diagnostic(check ? "\(findings.count) image line(s) not pinned to their consensus digest"
                                    : "refused: \(findings.count) image line(s) cannot be pinned; no file was written")
            throw ExitStatus.verificationFailed
        }
        for line in done { Output.line(line) }
    }

    /// `FILE:LINE: reason` for each image line whose tag is the source of the policy target a `no_pin` refusal names.
    static func lines(of failure: PinListVerifier.Failure, in files: [(String, [UInt8])], policy: TrustPolicy) -> [String] {
        guard failure.rule == PinListVerifier.Rule.noPin, let target = failure.target else { return [] }
        let sources = Set(policy.targets.filter { $0.id == target }.map(\.source))
        return files.flatMap { path, bytes in
            DockerfilePinner { _ in nil }.check(bytes).compactMap { finding -> String? in
                guard let tag = try? ImageReference(parsing: finding.image), sources.contains(ImagePins.source(of: tag.withoutDigest)) else { return nil }
                return "\(path):\(finding.line): no pin for \(tag.canonical) (target \(target) of the trust policy)"
            }
        }
    }

    /// Writes `bytes` over the Dockerfile at `path` (the file a symbolic link names), atomically, keeping its mode.
    static func replace(_ path: String, with bytes: [UInt8]) throws {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let permissions = (try? FileManager.default.attributesOfItem(atPath: target))?[.posixPermissions] as? Int
        let mode = mode_t(permissions ?? 0o644)
        do { try AtomicFile.write(bytes, to: target, mode: mode) } catch let failure as AtomicFile.Failure {
            throw ClientError(.destination, "\(failure)")
        }
    }
}
