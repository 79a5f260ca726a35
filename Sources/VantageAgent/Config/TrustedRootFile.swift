import Foundation
import VantageCore
import VantageTUF

/// A trusted root.json given by path: it must parse, be of the target's dialect and meet its own root-role
/// threshold — a root that does not is an error, never a starting point.
public enum TrustedRootFile {
    /// Reads and checks `path`; `kind` (when given) must match the root's dialect.
    public static func load(_ path: String, kind: TargetSpec.Kind?) throws -> Root {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AgentError(.trustedRoot, "cannot read \(path)")
        }
        let root: Root
        do {
            root = try Root.parse(data)
        } catch {
            throw AgentError(.trustedRoot, "\(path) is not a root.json: \(error)")
        }
        if let kind {
            let expected: RootDialect = kind == .notary ? .notary : .tuf
            guard root.dialect == expected else {
                throw AgentError(.trustedRoot, "\(path) is a \(root.dialect.rawValue) root, the target is \(kind.rawValue)")
            }
        }
        let own = RootVerifier.selfCheck(root)
        guard own.isMet else {
            throw AgentError(.trustedRoot, "\(path) (v\(root.version)) is signed by \(own.count) of its root keys, threshold \(own.threshold)")
        }
        return root
    }
}
