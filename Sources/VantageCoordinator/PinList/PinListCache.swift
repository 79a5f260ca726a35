import Synchronization

/// The latest published pin list in memory (and the last older version asked for), so reads never decode or
/// re-hash a large list per request.
final class PinListCache: Sendable {
    private let state = Mutex<(latest: PublishedPinList?, older: PublishedPinList?)>((nil, nil))

    var latest: PublishedPinList? { state.withLock { $0.latest } }

    func publish(_ list: PublishedPinList) {
        state.withLock { state in
            if let current = state.latest, current.version >= list.version { return }
            state.latest = list
        }
    }

    func older(version: Int64) -> PublishedPinList? { state.withLock { $0.older?.version == version ? $0.older : nil } }
    func keep(older list: PublishedPinList) { state.withLock { $0.older = list } }
}
