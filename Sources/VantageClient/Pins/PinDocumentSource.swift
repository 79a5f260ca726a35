import VantageCore

/// Where the signed pin-list documents come from: a coordinator over HTTP(S), or an offline bundle. Nothing a
/// source returns is trusted: ``PinListFetcher`` verifies every header, proof and blob against the trust policy.
public protocol PinDocumentSource: Sendable {
    /// The signed header of list `version` (`nil` = the newest the source has).
    func header(version: Int64?) async throws -> SignedPinListHeader
    /// One pin with its inclusion proof under list `version`. A source without that pin throws ``ClientError``
    /// with status 404.
    func pinProof(target: String, version: Int64?) async throws -> PinProof
    /// The whole list `version`.
    func pinList(version: Int64) async throws -> PinList
    /// Root bytes by SHA-256 (the caller checks the hash).
    func blob(sha256: String) async throws -> [UInt8]
}

extension CoordinatorClient: PinDocumentSource {}
