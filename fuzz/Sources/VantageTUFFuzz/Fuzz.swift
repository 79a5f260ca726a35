// libFuzzer target for VantageTUF's untrusted-input path.
//
// Usage: fuzz/run.sh [SECONDS]   (builds with -sanitize=fuzzer,address into .build-fuzz and runs;
//        main.swift starts libFuzzer via LLVMFuzzerRunDriver)
//
// For every input:
//   1. JSONReader().read(bytes). If it succeeds, check the canonical/wire encoders against the reader:
//      - encodeWire(v) must re-read to exactly v (same Unicode scalars, same key bytes) and be a fixed point;
//      - encode(v) (canonical JSON writes control characters raw, which RFC 8259 readers reject by design)
//        must re-read to exactly v whenever v holds no control character, and must equal encode of the
//        wire re-read in every case (canonical form is idempotent).
//   2. Root.parse(bytes). If it succeeds: read must have succeeded too, canonicalSigned must be
//      encode(signed), rootRole must exist, and RootInspector.inspect(root, gun: "x", at: 1.8e9) runs.
// Any violated property calls fatalError (a trap libFuzzer reports as a crash); thrown TUFErrors are fine.
import Foundation
import VantageTUF

@_cdecl("LLVMFuzzerTestOneInput")  // also the callback main.swift passes to the driver
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    // Re-reads may grow (\u0001 escapes are 6 bytes) or nest as deep as the input; the original limits apply
    // to the input only.
    let roomy = JSONReader(limits: JSONLimits(maxBytes: .max, maxDepth: .max))

    let value = try? JSONReader().read(bytes)
    if let value {
        let wire = CanonicalJSON.encodeWire(value)
        guard let fromWire = try? roomy.read(wire) else { fatalError("encodeWire output rejected by reader") }
        guard same(fromWire, value) else { fatalError("encodeWire round trip changed the value") }
        guard CanonicalJSON.encodeWire(fromWire) == wire else { fatalError("encodeWire not a fixed point") }

        let canonical = CanonicalJSON.encode(value)
        guard CanonicalJSON.encode(fromWire) == canonical else { fatalError("canonical form differs after round trip") }
        if !containsControl(value) {
            guard let fromCanonical = try? roomy.read(canonical) else { fatalError("canonical output rejected by reader") }
            guard same(fromCanonical, value) else { fatalError("canonical round trip changed the value") }
        }
    }

    if let root = try? Root.parse(bytes) {
        guard value != nil else { fatalError("Root.parse accepted bytes JSONReader rejects") }
        guard root.bytes == bytes else { fatalError("Root.bytes differs from input") }
        guard root.canonicalSigned == CanonicalJSON.encode(root.signed) else { fatalError("canonicalSigned mismatch") }
        _ = root.rootRole
        _ = RootInspector.inspect(root, gun: "x", at: Date(timeIntervalSince1970: 1.8e9))
    }
    return 0
}

/// Structural equality that compares strings by their exact UTF-8 bytes (Swift's `==` on String uses
/// canonical equivalence, which would hide a scalar-changing round trip).
func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case let (.bool(x), .bool(y)): return x == y
    case let (.integer(x), .integer(y)): return x == y
    case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
    case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
    case let (.object(x), .object(y)):
        guard x.count == y.count else { return false }
        let byBytes: ([String: JSONValue]) -> [([UInt8], JSONValue)] = { members in
            members.map { (Array($0.key.utf8), $0.value) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        }
        return zip(byBytes(x), byBytes(y)).allSatisfy { $0.0 == $1.0 && same($0.1, $1.1) }
    default: return false
    }
}

/// Whether any string or key holds a byte below 0x20 (canonical JSON writes those raw).
func containsControl(_ value: JSONValue) -> Bool {
    switch value {
    case .null, .bool, .integer: return false
    case .string(let s): return s.utf8.contains { $0 < 0x20 }
    case .array(let elements): return elements.contains(where: containsControl)
    case .object(let members): return members.contains { $0.key.utf8.contains { $0 < 0x20 } || containsControl($0.value) }
    }
}
