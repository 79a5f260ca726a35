import ArgumentParser
import Foundation
import VantageClient
import VantageCore
import VantageTUF

/// Options that say which pin list to verify and against what.
struct PinsOptions: ParsableArguments {
    @Option(help: "Trust policy file (see `vantage policy export`).")
    var policy: String

    @Option(help: "Verify this pin list file instead of fetching one.")
    var pins: String?

    @Option(help: "Last-accepted state file (default ${XDG_STATE_HOME:-~/.local/state}/vantage/pin-state.json).")
    var state: String?

    @Option(help: "Verify at this RFC 3339 time instead of now.")
    var at: String?

    @Option(
        name: [.customLong("server"), .customLong("source")],
        help: "The Notary server or TUF metadata URL your TUF client uses: pins attested for another source are refused.")
    var server: String?

    @Option(help: "The Notary GUN your client uses (checked against the attested GUN, which decides the trust-dir path).")
    var gun: String?

    @OptionGroup var coordinator: CoordinatorOptions

    func loadPolicy() throws -> TrustPolicy {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: policy)) } catch {
            throw ValidationError("cannot read trust policy \(policy): \(error.localizedDescription)")
        }
        let decoded: TrustPolicy
        do { decoded = try Canonical.decode(TrustPolicy.self, from: data) } catch {
            throw ValidationError("trust policy \(policy): \(error)")
        }
        if let problem = decoded.problem { throw ValidationError("trust policy \(policy): \(problem)") }
        return decoded
    }

    /// What this machine knows about the source of `target` from `--server`, `--gun` and `kind` (the policy's
    /// target entry, when present, is checked by the verifier on top). With `complete`, a Notary GUN defaults to the
    /// target id (the convention of `targets add`), so an installer never takes the GUN — which decides where the root
    /// is written — from the pin alone.
    func expectation(for target: String, kind: TargetSpec.Kind? = nil, complete: Bool = false) throws -> PinListVerifier.Expectation {
        var expectation = PinListVerifier.Expectation(target: target, kind: kind, gun: gun)
        if complete, kind == .notary, gun == nil { expectation.gun = target }
        if complete, kind == .tuf { expectation.gun = nil }
        if let server {
            guard let url = RepositorySource.normalise(server) else {
                throw ValidationError("--server \(server) is not an http(s) URL without user info, query or fragment")
            }
            expectation.url = url
        }
        return expectation
    }

    func now() throws -> Timestamp {
        guard let at else { return Timestamp(Date()) }
        guard let date = RFC3339.parse(at) else { throw ValidationError("--at \(at) is not RFC 3339") }
        return Timestamp(date)
    }
}

/// Verified pins: the header they hang under, the verified coordinator id and the pins asked for.
struct VerifiedPins {
    var header: SignedPinListHeader
    var coordinator: String
    var pins: [Pin]
}

/// Fetches (or reads) a pin list and verifies it against the trust policy, this machine's clock and the last list
/// accepted from the same (verified) coordinator; ``record(_:)`` then saves the new accepted version.
struct PinsVerification {
    var options: PinsOptions

    /// Returns the verified pins, or the rule that failed.
    /// - Parameter expectations: what each named target must match; `nil` verifies every pin of the list.
    func run(targets: [String]?) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        try await run(expectations: targets.map { try $0.map { try options.expectation(for: $0) } })
    }

    func run(expectations: [PinListVerifier.Expectation]?) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        let policy = try options.loadPolicy()
        let targets = expectations?.map(\.target)
        let verifier = PinListVerifier(policy: policy)
        let state = try PinState.load(options.state)
        let now = try options.now()
        let result: Result<VerifiedPins, PinListVerifier.Failure>
        if let path = options.pins {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                Output.diagnostic("cannot read pin list \(path): \(error.localizedDescription)")
                throw ExitStatus.error
            }
            guard let list = try? Canonical.decode(PinList.self, from: data) else {
                return .failure(.init(rule: PinListVerifier.Rule.schema, "\(path) is not a Vantage pin list (v2)"))
            }
            switch verifier.verify(list, expectations: expectations, state: state.accepted, now: now) {
            case .failure(let failure): return .failure(failure)
            case .success(let coordinator):
                result = .success(VerifiedPins(header: list.header, coordinator: coordinator, pins: select(list.pins, targets)))
            }
        } else {
            result = try await options.coordinator.withClient { client in
                try await fetchAndVerify(client: client, verifier: verifier, state: state, expectations: expectations, now: now)
            }
        }
        return result
    }

    /// Records `verified` as the last list accepted from its coordinator. Callers do this only once everything they
    /// act on verified (`pins install`: after every root passed and was written), so a refusal changes no state.
    func record(_ verified: VerifiedPins) throws {
        var state = try PinState.load(options.state)
        // Keyed by the id of the policy key that verified the header, never by a field the signer chose freely.
        state.accepted[verified.coordinator] = .init(
            version: verified.header.signed.version, digest: try verified.header.digest, issuedAt: verified.header.signed.issuedAt)
        try state.save()
    }

    func select(_ pins: [Pin], _ targets: [String]?) -> [Pin] {
        guard let targets else { return pins }
        return targets.compactMap { target in pins.first { $0.target == target } }
    }

    func fetchAndVerify(
        client: CoordinatorClient, verifier: PinListVerifier, state: PinState, expectations: [PinListVerifier.Expectation]?,
        now: Timestamp
    ) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        let header = try await client.header(version: nil)
        // Intermediates are fetched for the coordinator whose key verifies the header (looked up by its policy id).
        let coordinator = verifier.policy.coordinators.first { $0.id == header.signed.coordinator }
        let accepted = coordinator.flatMap { state.accepted[$0.id] }
        var intermediates: [SignedPinListHeader] = []
        if let accepted, header.signed.version > accepted.version + 1 {
            let gap = header.signed.version - accepted.version - 1
            guard gap <= 10_000 else { return .failure(.init(rule: PinListVerifier.Rule.chain, "\(gap) lists since the last accepted one")) }
            for version in (accepted.version + 1)..<header.signed.version {
                intermediates.append(try await client.header(version: version))
            }
        }
        guard let expectations else {
            let list = try await client.pinList(version: header.signed.version)
            return verifier.verify(list, state: state.accepted, intermediates: intermediates, now: now)
                .map { VerifiedPins(header: list.header, coordinator: $0, pins: list.pins) }
        }
        // Only the pins asked for, each with its inclusion proof under the same header.
        let verifiedCoordinator: String
        switch verifier.verifyHeader(header, state: state.accepted, intermediates: intermediates, now: now) {
        case .failure(let failure): return .failure(failure)
        case .success(let id): verifiedCoordinator = id
        }
        var pins: [Pin] = []
        for expectation in expectations {
            let proof: PinProof
            do {
                proof = try await client.pinProof(target: expectation.target, version: header.signed.version)
            } catch let error as ClientError where error.status == 404 {
                return .failure(.init(rule: PinListVerifier.Rule.noPin, target: expectation.target, "the coordinator has no pin for this target"))
            }
            guard proof.header == header else {
                return .failure(.init(rule: PinListVerifier.Rule.inclusionProof, target: expectation.target, "proof is for another list"))
            }
            if case .failure(let failure) = verifier.verify(proof, expected: expectation, state: state.accepted, intermediates: intermediates, now: now) {
                return .failure(failure)
            }
            pins.append(proof.pin)
        }
        return .success(VerifiedPins(header: header, coordinator: verifiedCoordinator, pins: pins))
    }
}
