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

    func now() throws -> Timestamp {
        guard let at else { return Timestamp(Date()) }
        guard let date = RFC3339.parse(at) else { throw ValidationError("--at \(at) is not RFC 3339") }
        return Timestamp(date)
    }
}

/// Verified pins: the header they hang under and the pins asked for.
struct VerifiedPins {
    var header: SignedPinListHeader
    var pins: [Pin]
}

/// Fetches (or reads) a pin list, verifies it against the trust policy and the last accepted list, and records
/// the new accepted version on success.
struct PinsVerification {
    var options: PinsOptions

    /// Returns the verified pins, or the rule that failed.
    func run(targets: [String]?) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        let policy = try options.loadPolicy()
        let verifier = PinListVerifier(policy: policy)
        var state = try PinState.load(options.state)
        let now = try options.now()
        let result: Result<VerifiedPins, PinListVerifier.Failure>
        if let path = options.pins {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                Output.diagnostic("cannot read pin list \(path): \(error.localizedDescription)")
                throw ExitStatus.error
            }
            guard let list = try? Canonical.decode(PinList.self, from: data) else {
                return .failure(.init(rule: "schema", "\(path) is not a Vantage pin list"))
            }
            let accepted = state.accepted[list.header.signed.coordinator]
            if let failure = verifier.verify(list, targets: targets, accepted: accepted, now: now) { return .failure(failure) }
            result = .success(VerifiedPins(header: list.header, pins: select(list.pins, targets)))
        } else {
            result = try await options.coordinator.withClient { client in
                try await fetchAndVerify(client: client, verifier: verifier, state: state, targets: targets, now: now)
            }
        }
        if case .success(let verified) = result {
            state.accepted[verified.header.signed.coordinator] = .init(
                version: verified.header.signed.version, digest: try verified.header.digest, issuedAt: verified.header.signed.issuedAt)
            try state.save()
        }
        return result
    }

    func select(_ pins: [Pin], _ targets: [String]?) -> [Pin] {
        guard let targets else { return pins }
        return targets.compactMap { target in pins.first { $0.target == target } }
    }

    func fetchAndVerify(
        client: CoordinatorClient, verifier: PinListVerifier, state: PinState, targets: [String]?, now: Timestamp
    ) async throws -> Result<VerifiedPins, PinListVerifier.Failure> {
        let header = try await client.header(version: nil)
        let accepted = state.accepted[header.signed.coordinator]
        var intermediates: [SignedPinListHeader] = []
        if let accepted, header.signed.version > accepted.version + 1 {
            let gap = header.signed.version - accepted.version - 1
            guard gap <= 10_000 else { return .failure(.init(rule: "chain", "\(gap) lists since the last accepted one")) }
            for version in (accepted.version + 1)..<header.signed.version {
                intermediates.append(try await client.header(version: version))
            }
        }
        guard let targets else {
            let list = try await client.pinList(version: header.signed.version)
            if let failure = verifier.verify(list, accepted: accepted, intermediates: intermediates, now: now) { return .failure(failure) }
            return .success(VerifiedPins(header: list.header, pins: list.pins))
        }
        // Only the pins asked for, each with its inclusion proof under the same header.
        var pins: [Pin] = []
        if let failure = verifier.verifyHeader(header, accepted: accepted, intermediates: intermediates, now: now) {
            return .failure(failure)
        }
        for target in targets {
            let proof: PinProof
            do {
                proof = try await client.pinProof(target: target, version: header.signed.version)
            } catch let error as ClientError where error.status == 404 {
                return .failure(.init(rule: "no_pin", target: target, "the coordinator has no pin for this target"))
            }
            guard proof.header == header else { return .failure(.init(rule: "inclusion_proof", target: target, "proof is for another list")) }
            if let failure = verifier.verify(proof, accepted: accepted, intermediates: intermediates, now: now) { return .failure(failure) }
            pins.append(proof.pin)
        }
        return .success(VerifiedPins(header: header, pins: pins))
    }
}
