import ArgumentParser
import Foundation
import VantageClient
import VantageCore

public struct PinsBundleCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Fetch and verify named pins, their proofs and pinned bytes (roots, manifests, files) into a folder for air-gapped hosts.",
        discussion: """
            The folder holds the signed header, each pin with its inclusion proof and the pinned roots; \
            `pins install TARGET --bundle DIR` verifies it offline exactly as if it came from the coordinator. With \
            --since V it also holds the headers after list V, so a host that last accepted list V can check the \
            hash chain. The bundle is verified here first and this machine's pin state is not changed. Exit 0 ok, \
            12 verification failed, 73 folder not writable, 1 error.
            """
    )

    @Argument(help: "Targets to bundle.")
    var targets: [String]

    @Option(help: "The folder to write the bundle to.")
    var out: String

    @Option(help: "The last list version the offline host accepted: the headers after it are bundled too.")
    var since: Int64?

    @OptionGroup var options: PinsOptions

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    struct Report: Encodable {
        var directory: String
        var version: Int64
        var targets: [String]
        var headers: Int
    }

    public func validate() throws {
        if targets.isEmpty { throw ValidationError("name at least one target") }
        if options.bundle != nil || options.pins != nil { throw ValidationError("a bundle is made from a coordinator: drop --bundle/--pins") }
        if let since, since < 1 { throw ValidationError("--since is a list version (1 or more)") }
    }

    public func run() async throws {
        let policy = try options.loadPolicy()
        let now = try options.now()
        do {
            try PinInstaller.checkWritable(out + "/bundle.json")
            let expectations = targets.map { options.expectation(for: $0) }
            let since = since
            let (verified, blobs) = try await options.coordinator.withClient { client in
                // The whole fetch from the one coordinator within the source deadline, as `install` gives each source.
                try await Deadline.run(.seconds(options.sourceTimeout)) { () async throws -> (VerifiedPins, [String: [UInt8]]) in
                    // The chain from --since is checked here as the offline host will check it; this machine's own state
                    // is neither used nor changed.
                    var accepted: [String: PinListVerifier.Accepted] = [:]
                    if let since {
                        let base = try await client.header(version: since)
                        accepted[base.signed.coordinator] = .init(version: since, digest: try base.digest, issuedAt: base.signed.issuedAt)
                    }
                    let fetcher = PinListFetcher(policy: policy, accepted: accepted, now: now)
                    let verified = try await fetcher.fetch(from: client, expectations: expectations).get()
                    var blobs: [String: [UInt8]] = [:]
                    for pin in verified.pins {
                        let bytes = try await client.blob(sha256: pin.sha256)
                        if pin.kind.isRoot, case .failure(let failure) = PinnedRootVerifier.verify(bytes, for: pin, now: now) { throw failure }
                        if !pin.kind.isRoot, let failure = PinnedContentVerifier.verify(bytes, for: pin) { throw failure }
                        blobs[pin.sha256] = bytes
                    }
                    return (verified, blobs)
                }
            }
            try PinBundle(directory: out).write(verified, blobs: blobs)
            let report = Report(directory: out, version: verified.header.signed.version, targets: verified.pins.map(\.target),
                                headers: verified.intermediates.count + 1)
            if format == .table {
                Output.line("bundle \(out): list v\(report.version), \(report.targets.count) pin(s) with proofs, \(report.headers) header(s)")
                Output.line("use: vantage-pins install TARGET --bundle \(Shell.quote(out)) --for CLIENT")
            } else {
                Output.line(try Output.json(report, pretty: format == .json))
            }
        } catch let exceeded as Deadline.Exceeded {
            throw Failure.report(ClientError(.transport, "the coordinator: \(exceeded) (--source-timeout)"))
        } catch {
            throw Failure.report(error)
        }
    }
}
