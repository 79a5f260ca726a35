import Synchronization

/// The latest published pin list in memory (and the one before it, or the last older version asked for), so reads never decode or
/// re-hash a large list per request.
final class PinListCache: Sendable {
    private let state = Mutex<(latest: PublishedPinList?, older: PublishedPinList?)>((nil, nil))

    var latest: PublishedPinList? { state.withLock { $0.latest } }

    func publish(_ list: PublishedPinList) {
        state.withLock { state in
            if let current = state.latest, current.version >= list.version { return }
            // The list it replaces stays servable: a client that read its header just before has its proof.
            if let current = state.latest { state.older = current }
            state.latest = list
        }
    }

    func older(version: Int64) -> PublishedPinList? { state.withLock { $0.older?.version == version ? $0.older : nil } }
    func keep(older list: PublishedPinList) { state.withLock { $0.older = list } }
}
