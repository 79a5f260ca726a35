import ArgumentParser
import VantageClient
import VantageCore

/// Verified digests of image tags, for `resolve` and `pin`: each tag is bound to the `oci` source it names (registry
/// API base URL, repository, tag), so a digest attested for another tag, repository or registry is never used.
///
/// Finding the pins: when the trust policy lists a target for every image's source, those targets are fetched one
/// by one with their inclusion proofs (each bound to the image's whole source: another source is `source_mismatch`);
/// otherwise the whole list is verified (header, chain, Merkle root and order over every pin) and the pins attested
/// for the images' sources are selected and verified, whatever target id they are watched under. All or nothing:
/// one selected pin that does not verify refuses the whole run.
struct ImagePins {
    var options: PinsOptions
    var policy: TrustPolicy

    /// The verified digest (`sha256:…`) of each image that has a pin; an image without one is absent.
    struct Resolved {
        var verified: VerifiedPins
        var digests: [ImageReference: String]
        /// The targets that answered for each image.
        var targets: [ImageReference: [String]]
    }

    /// The `oci` source `image` (a tag, no digest) is pulled from.
    static func source(of image: ImageReference) -> RepositorySource {
        RepositorySource(kind: .oci, normalisedURL: image.apiBaseURL, gun: nil, repository: image.repository, tag: image.tag)
    }

    /// Verifies the pins of `images` (tags without digests) and records the list in this machine's state.
    /// - Returns: the digests, or the refusal (`conflicting_pins` when two verified pins name two digests for one tag).
    func resolve(_ images: Set<ImageReference>) async throws -> Result<Resolved, PinListVerifier.Failure> {
        let sources = Set(images.map(Self.source))
        var listed: [PinListVerifier.Expectation] = []
        for source in sources.sorted(by: { $0.storageKey < $1.storageKey }) {
            listed += policy.targets.filter { $0.source == source }.map { PinListVerifier.Expectation(target: $0.id, source: source) }
        }
        let everyImageListed = sources.allSatisfy { source in policy.targets.contains { $0.source == source } }
        let selection: PinSelection = everyImageListed ? .targets(listed) : .sources(sources)
        // A bundle holds named pins only: it cannot show that no pin for a source was left out.
        if !everyImageListed, options.bundle != nil {
            throw ValidationError("with --bundle, the trust policy's targets must list every image's source (a bundle holds named pins only)")
        }
        var state = try PinState.load(options.state)
        let result = try await options.withRun(policy, installs: false) { run in
            try await options.verify(selecting: selection, policy: policy, state: state, run: run)
        }
        let verified: VerifiedPins
        switch result {
        case .failure(let failure): return .failure(failure)
        case .success(let pins): verified = pins
        }
        var resolved = Resolved(verified: verified, digests: [:], targets: [:])
        for image in images {
            let pins = verified.pins.filter { $0.source == Self.source(of: image) }
            resolved.targets[image] = pins.map(\.target)
            let digests = Set(pins.map(\.sha256))
            guard digests.count <= 1 else {
                return .failure(.init(rule: PinListVerifier.Rule.conflictingPins, target: pins.first?.target,
                    "targets \(pins.map(\.target).joined(separator: ", ")) pin \(image.canonical) to \(digests.count) different digests"))
            }
            if let digest = digests.first { resolved.digests[image] = "sha256:" + digest }
        }
        try state.record(verified)
        return .success(resolved)
    }
}
