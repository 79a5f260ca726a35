import VantageAgent
import VantageCore

/// A ``RootSource`` over a dictionary: the repository simulator for walk tests.
struct InMemoryRootSource: RootSource {
    var versions: [Int: [UInt8]]
    var current: [UInt8]?
    var absentStatus = 404

    func fetch(_ request: RootRequest) async throws -> RootFetchResult {
        switch request {
        case .current:
            return current.map(RootFetchResult.document) ?? .absent(status: absentStatus)
        case .version(let n):
            return versions[n].map(RootFetchResult.document) ?? .absent(status: absentStatus)
        }
    }
}
