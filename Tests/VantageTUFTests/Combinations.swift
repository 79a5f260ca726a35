import Foundation
import VantageTUF

extension JSONValue {
    /// A copy with `value` at the member path `path`.
    func setting(_ path: [String], to value: JSONValue) -> JSONValue {
        guard let first = path.first, case .object(var members) = self else { return path.isEmpty ? value : self }
        members[first] = (members[first] ?? .object([:])).setting(Array(path.dropFirst()), to: value)
        return .object(members)
    }
}

/// Every dialect/key-type combination: the matrix the adversarial tables run over.
let allCombinations: [(RootDialect, RootSigningKey.Kind)] = [
    (.notary, .ed25519), (.notary, .ecdsa), (.notary, .rsa), (.tuf, .ed25519), (.tuf, .ecdsa), (.tuf, .rsa),
]
