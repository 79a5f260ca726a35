import Foundation
import VantageCore
import VantageSupport

/// An offline bundle: what a CI host needs to verify and install pins with no network, in one folder.
///
/// ```
/// DIR/bundle.json                 index: format, newest version, targets, blobs (unsigned: a pointer, never trusted)
/// DIR/headers/<version>.json      the signed header, and the intermediates since `--since`
/// DIR/proofs/<segment>.json       each named pin with its inclusion proof; <segment> is the target
///                                 percent-encoded as one path segment (`t/app` -> `t%2Fapp.json`)
/// DIR/blobs/<sha256>.json         the pinned root bytes
/// ```
/// Every document is verified on the offline host exactly as if it had come from the coordinator. Every document
/// must be a regular file inside DIR: a symbolic link, FIFO, device or folder in its place is refused before any
/// byte is read, and headers are capped at ``HTTPLimits/maxHeaderBytes``.
public struct PinBundle: Sendable {
    public static let format = "vantage-bundle/v1"

    /// The bundle's index.
    public struct Index: Sendable, Codable, Hashable {
        public var format: String
        public var version: Int64
        public var targets: [String]
        public var blobs: [String]
    }

    public var directory: String
    /// Largest document read from the bundle.
    public var maxDocumentBytes: Int

    public init(directory: String, maxDocumentBytes: Int = 64 << 20) {
        self.directory = directory
        self.maxDocumentBytes = maxDocumentBytes
    }

    /// Writes `verified` (fetched by target, so it has proofs) and the root bytes of its pins into the folder.
    public func write(_ verified: VerifiedPins, blobs: [String: [UInt8]]) throws {
        let index = Index(format: Self.format, version: verified.header.signed.version, targets: verified.pins.map(\.target),
                          blobs: verified.pins.map(\.sha256))
        do {
            for header in verified.intermediates + [verified.header] {
                try AtomicFile.write(try Canonical.encode(header), to: path(header: header.signed.version), mode: 0o644)
            }
            for proof in verified.proofs { try AtomicFile.write(try Canonical.encode(proof), to: path(proof: proof.pin.target), mode: 0o644) }
            for (sha256, bytes) in blobs { try AtomicFile.write(bytes, to: path(blob: sha256), mode: 0o644) }
            // The index last: a bundle interrupted half-way has no index and is refused as incomplete.
            try AtomicFile.write(try Canonical.encode(index, pretty: true), to: directory + "/bundle.json", mode: 0o644)
        } catch let failure as AtomicFile.Failure {
            throw ClientError(.destination, "cannot write the bundle: \(failure)")
        }
    }

    func path(header version: Int64) -> String { "\(directory)/\(relative(header: version))" }
    func path(proof target: String) -> String { "\(directory)/\(relative(proof: target))" }
    func path(blob sha256: String) -> String { "\(directory)/\(relative(blob: sha256))" }
    func relative(header version: Int64) -> String { "headers/\(version).json" }
    func relative(proof target: String) -> String { "proofs/\(APIPath.segment(target)).json" }
    func relative(blob sha256: String) -> String { "blobs/\(sha256).json" }

    /// The document at `relative` inside the folder, at most `limit` bytes (default ``maxDocumentBytes``); `nil` when absent.
    func readIfPresent(_ relative: String, limit: Int? = nil) throws -> [UInt8]? {
        try LocalDocument.read(inside: directory, relative, limit: min(limit ?? maxDocumentBytes, maxDocumentBytes))
    }

    func read(_ relative: String, _ what: String, limit: Int? = nil) throws -> [UInt8] {
        guard let bytes = try readIfPresent(relative, limit: limit) else {
            throw ClientError(.missingDocument, "the bundle \(directory) has no \(what) (\(directory)/\(relative)); make it again with `bundle`")
        }
        return bytes
    }

    func decode<T: Decodable>(_ type: T.Type, _ relative: String, _ what: String, limit: Int? = nil) throws -> T {
        do { return try Canonical.decode(type, from: Data(try read(relative, what, limit: limit))) } catch let error as ClientError { throw error } catch {
            throw ClientError(.malformed, "\(directory)/\(relative) is not a \(what)")
        }
    }
}

extension PinBundle: PinDocumentSource {
    public func header(version: Int64?) async throws -> SignedPinListHeader {
        guard let version else {
            let index = try decode(Index.self, "bundle.json", "bundle index")
            guard index.format == Self.format else { throw ClientError(.malformed, "\(directory) is a \(index.format.prefix(60)) bundle, not \(Self.format)") }
            return try await header(version: index.version)
        }
        return try decode(SignedPinListHeader.self, relative(header: version), "signed header of list v\(version)", limit: HTTPLimits.maxHeaderBytes)
    }

    public func pinProof(target: String, version: Int64?) async throws -> PinProof {
        guard let bytes = try readIfPresent(relative(proof: target)) else {
            throw ClientError(.httpStatus, "the bundle \(directory) holds no pin for \(target)", status: 404)
        }
        do { return try Canonical.decode(PinProof.self, from: Data(bytes)) } catch {
            throw ClientError(.malformed, "\(path(proof: target)) is not a pin proof for \(target)")
        }
    }

    public func pinList(version: Int64) async throws -> PinList {
        throw ClientError(.missingDocument, "a bundle holds named pins only: name the targets to verify")
    }

    public func blob(sha256: String) async throws -> [UInt8] {
        try SHA256Name.check(sha256)
        return try read(relative(blob: sha256), "blob \(sha256)")
    }
}
