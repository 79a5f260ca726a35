import Foundation
import VantageTUF

/// Reads the vectors copied from `shared/vectors` (provenance in Fixtures/SOURCES.md).
enum Fixtures {
    static func bytes(_ path: String) throws -> [UInt8] {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(path)
        return Array(try Data(contentsOf: url))
    }

    static func root(_ path: String) throws -> Root {
        try Root.parse(bytes(path))
    }

    static func sigstore(_ version: Int) throws -> Root {
        try root("sigstore-root-signing/\(version).root.json")
    }

    static func date(_ text: String) -> Date {
        RFC3339.parse(text)!
    }
}
