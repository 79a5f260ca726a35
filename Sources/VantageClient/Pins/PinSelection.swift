import VantageCore

/// Which pins of a list a run uses and how each is bound to its source.
public enum PinSelection: Sendable, Hashable {
    /// Every pin, checked without a source of the client's (`pins verify` of a whole list).
    case all
    /// The named targets, each bound to what the client knows of its source; fetched one by one with their proofs.
    case targets([PinListVerifier.Expectation])
    /// The pins attested for one of these sources, whatever target id they are watched under, each bound to its whole
    /// source (an image the client pulls, known by registry, repository and tag, not by target id). Needs the whole
    /// list: its Merkle root and order over every pin show that no pin was hidden.
    case sources(Set<RepositorySource>)

    /// What the verifier checks in `list`: `nil` for every pin.
    func expectations(in list: PinList) -> [PinListVerifier.Expectation]? {
        switch self {
        case .all: nil
        case .targets(let expectations): expectations
        case .sources(let sources):
            list.pins.filter { sources.contains($0.source) }.map { PinListVerifier.Expectation(target: $0.target, source: $0.source) }
        }
    }

    /// The pins of `list` this selection names, in the order asked for (list order for ``sources(_:)``).
    func pins(of list: PinList) -> [Pin] {
        switch self {
        case .all: list.pins
        case .targets(let wanted): wanted.compactMap { e in list.pins.first { $0.target == e.target } }
        case .sources(let sources): list.pins.filter { sources.contains($0.source) }
        }
    }
}
