import Foundation

/// Builds root.json documents of either dialect from ``RootSigningKey``s.
public struct RootDocumentBuilder: Sendable {
    public var dialect: RootDialect
    public var version: Int
    public var expires: Date
    public var rootKeys: [RootSigningKey]
    public var rootThreshold: Int
    /// The key of the targets, snapshot and timestamp roles.
    public var onlineKey: RootSigningKey

    public init(
        dialect: RootDialect, version: Int, expires: Date, rootKeys: [RootSigningKey], rootThreshold: Int,
        onlineKey: RootSigningKey
    ) {
        self.dialect = dialect
        self.version = version
        self.expires = expires
        self.rootKeys = rootKeys
        self.rootThreshold = rootThreshold
        self.onlineKey = onlineKey
    }

    /// The `signed` object.
    public func signed() -> JSONValue {
        var keys: [String: JSONValue] = [:]
        var rootIDs: [JSONValue] = []
        for key in rootKeys {
            let (id, entry) = key.keyEntry(dialect)
            keys[id] = entry
            rootIDs.append(.string(id))
        }
        let online = onlineKey.keyEntry(dialect)
        keys[online.id] = online.entry
        let onlineRole = JSONValue.object(["keyids": .array([.string(online.id)]), "threshold": .integer(1)])
        var fields: [String: JSONValue] = [
            "_type": .string(dialect == .notary ? "Root" : "root"),
            "consistent_snapshot": .bool(dialect == .tuf),
            "expires": .string(RFC3339.format(expires)),
            "keys": .object(keys),
            "roles": .object([
                "root": .object(["keyids": .array(rootIDs), "threshold": .integer(Int64(rootThreshold))]),
                "targets": onlineRole, "snapshot": onlineRole, "timestamp": onlineRole,
            ]),
            "version": .integer(Int64(version)),
        ]
        if dialect == .tuf { fields["spec_version"] = .string("1.0.31") }
        return .object(fields)
    }

    /// The whole document signed by `signers`, as compact key-sorted JSON (``CanonicalJSON/encodeWire(_:)``).
    public func document(signedBy signers: [RootSigningKey]) throws -> [UInt8] {
        try Self.assemble(signed: signed(), signers: signers, dialect: dialect)
    }

    /// Signs an arbitrary `signed` value (tests use this to tamper with content before signing).
    public static func assemble(signed: JSONValue, signers: [RootSigningKey], dialect: RootDialect) throws -> [UInt8] {
        let message = CanonicalJSON.encode(signed)
        let signatures = try signers.map { try $0.signatureEntry(over: message, dialect: dialect) }
        return CanonicalJSON.encodeWire(.object(["signed": signed, "signatures": .array(signatures)]))
    }
}
