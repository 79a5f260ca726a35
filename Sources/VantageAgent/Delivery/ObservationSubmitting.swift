import VantageClient
import VantageCore

/// Where a batch of signed observations goes: one coordinator. Throws on transport or HTTP failure.
public protocol ObservationSubmitting: Sendable {
    /// The coordinator's stable name in the spool (its base URL).
    var name: String { get }
    /// POSTs `batch` and returns the coordinator's receipt.
    func submit(_ batch: ObservationBatch) async throws -> ObservationReceipt
}

/// ``ObservationSubmitting`` over ``VantageClient/CoordinatorClient``.
public struct HTTPObservationSubmitter: ObservationSubmitting {
    let client: CoordinatorClient

    public init(client: CoordinatorClient) { self.client = client }

    public var name: String { client.baseURL }

    public func submit(_ batch: ObservationBatch) async throws -> ObservationReceipt {
        try await client.submit(batch)
    }
}
