/// A watched repository: where its root lives and how to fetch it.
public struct TargetSpec: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A Notary v1 server and GUN: `GET {url}/v2/{gun}/_trust/tuf/root.json`.
        case notary
        /// A TUF metadata base URL: `GET {url}/{N}.root.json`, walked until 404.
        case tuf
        /// An image tag in an OCI / Docker registry: `HEAD`/`GET {url}/v2/{repository}/manifests/{tag}`.
        case oci
        /// The exact bytes at an http(s) URL (public keys, keyrings, small trust files).
        case file

        /// Whether targets of this kind pin a TUF or Notary root (chains, root keys, expiry), rather than content
        /// whose only fact is its digest.
        public var isRoot: Bool { self == .notary || self == .tuf }
    }

    /// Stable name used in observations, pins and the CLI (e.g. `docker.io/library/debian`).
    public var id: String
    public var kind: Kind
    /// Notary server URL, or TUF metadata base URL.
    public var url: String
    /// Notary GUN; `nil` for other kinds.
    public var gun: String?
    /// `oci`: the repository (`library/ubuntu`) and tag (`24.04`) at the registry `url`.
    public var repository: String?
    public var tag: String?
    /// `oci`/`file`: whether a change of the digest is followed or held for approvers; `nil` is the kind's default
    /// (``ChangePolicy/default(for:)``).
    public var changes: ChangePolicy?

    public init(
        id: String, kind: Kind, url: String, gun: String? = nil, repository: String? = nil, tag: String? = nil, changes: ChangePolicy? = nil
    ) {
        self.id = id
        self.kind = kind
        self.url = url
        self.gun = gun
        self.repository = repository
        self.tag = tag
        self.changes = changes
    }

    /// What a change of this target's digest needs: the target's own ``changes`` or its kind's default.
    public var changePolicy: ChangePolicy { changes ?? .default(for: kind) }

    /// Why this spec is unusable, or `nil` when it is valid.
    public var problem: String? {
        if id.isEmpty || id.utf8.count > 200 { return "target id must be 1 to 200 characters" }
        if !id.unicodeScalars.allSatisfy({ Self.idCharacters.contains($0) }) {
            return "target id \(id) may contain only letters, digits and . _ - / : @"
        }
        // "." and ".." pass the character check but are dot segments in a URL path (`/v1/targets/..`).
        if id == "." || id == ".." { return "target id \(id) is a dot segment" }
        if !(url.hasPrefix("https://") || url.hasPrefix("http://")) { return "target \(id): url must be http(s)" }
        if kind == .notary, (gun ?? "").isEmpty { return "target \(id): notary targets need a gun" }
        if kind != .notary, gun != nil { return "target \(id): \(kind.rawValue) targets have no gun" }
        if RepositorySource.normalise(url) == nil {
            return "target \(id): url must be \(RepositorySource.acceptedForm)"
        }
        if let problem = RepositorySource.imageProblem(kind: kind, repository: repository, tag: tag) { return "target \(id): \(problem)" }
        if kind.isRoot, changes != nil { return "target \(id): changes applies to oci and file targets only" }
        // The GUN becomes part of the fetch URL and of the installer's trust-dir path: no traversal, no odd bytes.
        if let gun, !gun.isEmpty, !Self.isSafeGUN(gun) {
            return "target \(id): gun \(gun) must be 1 to 255 characters of letters, digits and . _ - / : @ with no empty, . or .. components"
        }
        return nil
    }

    /// Whether `gun` can be a URL path and a trust-dir path: 1 to 255 of the id characters, no empty, `.` or `..` component.
    public static func isSafeGUN(_ gun: String) -> Bool {
        !gun.isEmpty && gun.utf8.count <= 255 && gun.unicodeScalars.allSatisfy { idCharacters.contains($0) }
            && !gun.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    static let idCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:@".unicodeScalars)
}
