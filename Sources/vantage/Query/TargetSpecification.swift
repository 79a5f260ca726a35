import ArgumentParser
import VantageCore

/// The target `vantage targets add` asks for, from its options: each option that does not fit the kind, and an
/// invalid image reference or spec, is a usage error (exit 64) of one line.
enum TargetSpecification {
    static func make(
        id: String?, kind text: String, url: String?, gun: String?, image: String?, immutable: Bool, followChanges: Bool
    ) throws(ValidationError) -> TargetSpec {
        guard let kind = TargetSpec.Kind(rawValue: text) else { throw ValidationError("--kind must be notary, tuf, oci or file") }
        func refuse(_ option: String, unless allowed: Bool, for kinds: String) throws(ValidationError) {
            if !allowed { throw ValidationError("\(option) applies to --kind \(kinds) only") }
        }
        try refuse("--image", unless: image == nil || kind == .oci, for: "oci")
        try refuse("--immutable", unless: !immutable || kind == .oci, for: "oci")
        try refuse("--follow-changes", unless: !followChanges || kind == .file, for: "file")
        try refuse("--gun", unless: gun == nil || kind == .notary, for: "notary")
        if kind == .oci, url != nil { throw ValidationError("--kind oci takes --image, not --url") }
        let spec: TargetSpec
        if kind == .oci {
            guard let image else { throw ValidationError("--kind oci needs --image") }
            do {
                var image = try TargetSpec.image(id: id ?? "", reference: image, changes: immutable ? .hold : nil)
                if id == nil { image.id = image.imageReference?.canonical ?? "" }
                spec = image
            } catch {
                throw ValidationError(error.reason)
            }
        } else {
            guard let id else { throw ValidationError("a --kind \(kind.rawValue) target needs an id") }
            guard let url else { throw ValidationError("--kind \(kind.rawValue) needs --url") }
            spec = TargetSpec(
                id: id, kind: kind, url: url, gun: kind == .notary ? (gun ?? id) : nil, changes: followChanges ? .follow : nil)
        }
        if let problem = spec.problem { throw ValidationError(problem) }
        return spec
    }
}
