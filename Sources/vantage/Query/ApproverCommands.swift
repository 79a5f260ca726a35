import ArgumentParser
import VantagePinsCLI
import Foundation
import VantageClient
import VantageCore
import VantageSupport
import VantageTUF

/// `vantage approve`: an approver signs, with their own key, that a digest may become a target's root although
/// agents attest it as unchained. The coordinator only stores and relays it; clients and agents count it only
/// under the approver keys of their own policy or configuration.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Sign and send an approval of a root digest for a target (an unchained replacement, or in advance).",
        discussion: """
            The approval signs the target, its source (kind, normalised URL, GUN), the digest and the time with the \
            approver key from `vantage approver keygen`. --server must name the source you checked the root against; \
            the coordinator's record of the target must agree, or nothing is signed (exit 12).
            """)

    @Argument(help: "Target id.") var target: String
    @Argument(help: "SHA-256 of the root's exact bytes.") var digest: String
    @Option(help: "Approver key file (from `vantage approver keygen`).") var key: String
    @Option(help: "Your approver id, as listed in trust policies and configurations.") var approver: String
    @Option(name: [.customLong("server"), .customLong("source")], help: "The Notary server or TUF metadata URL of the repository you checked.")
    var server: String
    @Option(help: "The Notary GUN you checked (default: the target id).") var gun: String?
    @Option(help: "The kind of repository you checked: notary or tuf (default: the coordinator's record, shown before signing).")
    var kind: TargetSpec.Kind?
    @Option(help: "A note kept with the approval (not signed).") var note: String?
    @OptionGroup var coordinator: CoordinatorOptions

    func validate() throws {
        guard ByteEncoding.isSHA256Hex(digest) else { throw ValidationError("DIGEST must be 64 lower-case hex characters") }
        guard RepositorySource.normalise(server) != nil else { throw ValidationError("--server \(server) is not an http(s) URL") }
    }

    func run() async throws {
        let identity: SigningIdentity
        do {
            identity = try SigningIdentity(fileContents: try String(contentsOfFile: key, encoding: .utf8))
        } catch {
            throw ValidationError("--key \(key): \(error is CoreError ? "\(error)" : "cannot read the key file")")
        }
        do {
            try await coordinator.withClient { client in
                let spec = try await client.target(target).spec
                // What is signed is the source the approver names (URL, kind, GUN); the coordinator's record must agree.
                let kind = self.kind ?? spec.kind
                let named = RepositorySource(kind: kind, url: server, gun: kind == .notary ? (gun ?? target) : nil)
                guard let source = named, source == spec.source else {
                    Output.diagnostic(
                        "verification failed: source_mismatch: the coordinator's target \(target) fetches \(spec.source.map(String.init(describing:)) ?? spec.url), not \(named.map(String.init(describing:)) ?? server); nothing signed")
                    throw ExitStatus.verificationFailed
                }
                let approval = try Approval(
                    approver: approver, target: target, source: source, sha256: digest, at: Timestamp(Date()), identity: identity)
                try await client.approve(target: target, sha256: digest, approval: approval, note: note)
                Output.diagnostic("approved \(digest) for \(target) (\(source)) as \(approver)")
            }
        } catch {
            throw Failure.report(error)
        }
    }
}

struct ApproverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approver", abstract: "Approver keys.", subcommands: [Keygen.self])

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an approver's Ed25519 key file and print the line to list it under `approvers`.")
        @Option(help: "Where to write the private key (0600).") var out: String
        @Option(help: "The approver's id.") var id: String

        func run() async throws {
            if FileManager.default.fileExists(atPath: out) { throw ValidationError("\(out) exists; refusing to overwrite a key") }
            let identity = SigningIdentity()
            try AtomicFile.write(Array(identity.fileContents.utf8), to: out)
            Output.line("\(id) \(identity.publicKey.base64)")
            Output.diagnostic(
                "wrote \(out); add the line above to `approvers` in the coordinator and agent configurations, and {\"id\": \"\(id)\", \"public_key\": \"\(identity.publicKey.base64)\"} to trust policies")
        }
    }
}
