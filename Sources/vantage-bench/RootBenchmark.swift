import Foundation
import VantageTUF

/// `vantage-bench root`: per-root inspect + verify time beside the raw signature math of the same keys and
/// beside python-tuf on the same files; canonical JSON throughput beside securesystemslib.
struct RootBenchmark {
    var seconds: Double
    var python: String
    var vectors: String
    var workDir: URL

    struct Row {
        var name: String
        var path: String
        var dialect: RootDialect
        var signatures: Int
        var inspectMicros: Double
        var rawMicros: Double
        var canonicalBytes: Int
        var canonicalMicros: Double
    }

    func run() throws {
        let files = try freshRoots() + vectorFiles()
        var rows: [Row] = []
        for (name, path) in files {
            rows.append(try measure(name: name, path: path))
        }
        let python = pythonBaseline(paths: rows.filter { $0.dialect == .tuf }.map(\.path))
        print("# vantage-bench root (\(seconds) s per measurement, \(ProcessInfo.processInfo.activeProcessorCount) CPUs)")
        print(pad("root", 36) + pad("sigs", 5) + pad("inspect µs", 11) + pad("raw sig µs", 11) + pad("ratio", 7)
            + pad("py-tuf µs", 10) + pad("speedup", 8) + pad("canon MB/s", 11) + pad("sslib MB/s", 11) + "sslib ratio")
        for row in rows {
            let py = python[row.path]
            let pyMicros = py?["pythontuf_us_per_root"] as? Double
            let pyCanon = py?["encode_canonical_mb_s"] as? Double
            let canonMBs = Double(row.canonicalBytes) / row.canonicalMicros
            print(pad(row.name, 36) + pad("\(row.signatures)", 5) + pad(f(row.inspectMicros), 11) + pad(f(row.rawMicros), 11)
                + pad(f(row.inspectMicros / max(row.rawMicros, 0.001), 2), 7)
                + pad(pyMicros.map { f($0) } ?? (row.dialect == .tuf ? "unsupp." : "n/a"), 10)
                + pad(pyMicros.map { f($0 / row.inspectMicros, 1) + "x" } ?? "-", 8)
                + pad(f(canonMBs, 1), 11) + pad(pyCanon.map { f($0, 1) } ?? "-", 11)
                + (pyCanon.map { f(canonMBs / $0, 1) + "x" } ?? "-"))
        }
    }

    /// Fresh TUF and Notary roots with Ed25519, ECDSA and RSA keys, signed by 1 and by 5 keys.
    func freshRoots() throws -> [(String, String)] {
        try FileManager.default.createDirectory(at: workDir, withIntermediateDirectories: true)
        let expires = Date(timeIntervalSince1970: 4_102_444_800)  // 2100-01-01
        var out: [(String, String)] = []
        for dialect in [RootDialect.tuf, .notary] {
            for kind in RootSigningKey.Kind.allCases {
                for count in [1, 5] {
                    if dialect == .notary, kind != .ecdsa { continue }
                    var keys = try (0..<count).map { _ in try RootSigningKey.generate(kind) }
                    if dialect == .notary {
                        keys = try keys.map {
                            try $0.withCertificate(gun: "bench.example/app", notBefore: Date(timeIntervalSince1970: 1_700_000_000), notAfter: expires)
                        }
                    }
                    let builder = RootDocumentBuilder(
                        dialect: dialect, version: 1, expires: expires, rootKeys: keys, rootThreshold: count,
                        onlineKey: try RootSigningKey.generate(.ed25519))
                    let name = "fresh-\(dialect.rawValue)-\(kind.rawValue)-\(count)sig"
                    let url = workDir.appendingPathComponent("\(name).json")
                    try Data(try builder.document(signedBy: keys)).write(to: url)
                    out.append((name, url.path))
                }
            }
        }
        return out
    }

    func vectorFiles() -> [(String, String)] {
        let names = (1...15).map { "sigstore-root-signing/\($0).root.json" }
            + ["python-tuf/root.json", "go-tuf/testutils-root.json", "go-tuf/multirepo-root.json",
               "notary/notary0.3-tst/root.json", "notary/client_root_validation_test.signedRSARoot.root.json"]
        return names.map { ($0, vectors + "/" + $0) }.filter { FileManager.default.fileExists(atPath: $0.1) }
    }

    func measure(name: String, path: String) throws -> Row {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let root = try Root.parse(bytes)
        // Cold: a cache that remembers nothing, so every call verifies as the first of a process does.
        let inspect = VerificationCache.$current.withValue(VerificationCache(capacity: 0)) {
            time { _ = RootInspector.inspect(try! Root.parse(bytes), at: now) }
        }

        // The signature checks inspect performs: every decodable signature by a root-role key.
        var work: [(SignatureVerifier.Algorithm, KeyMaterial, [UInt8])] = []
        for entry in root.signatures {
            guard root.rootRole.keyIDs.contains(entry.keyID), let key = root.keys[entry.keyID], let sig = entry.bytes,
                let algorithm = SignatureVerifier.algorithm(method: entry.method, key: key, dialect: root.dialect)
            else { continue }
            work.append((algorithm, key.material, sig))
        }
        // Raw = the signature primitives alone: keys already parsed, the message digest computed once.
        let message = SignedMessage(root.canonicalSigned)
        let raw = time {
            for (algorithm, material, sig) in work {
                _ = SignatureVerifier.verify(signature: sig, algorithm: algorithm, material: material, message: message)
            }
        }
        let canonical = time { _ = CanonicalJSON.encode(root.signed) }
        return Row(
            name: name, path: path, dialect: root.dialect, signatures: work.count, inspectMicros: inspect, rawMicros: raw,
            canonicalBytes: root.canonicalSigned.count, canonicalMicros: canonical)
    }

    /// Mean microseconds per call of `body`, run for about `seconds` (at least 20 calls) after a warm-up.
    func time(_ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<3 { try body() }
        let clock = ContinuousClock()
        var iterations = 0
        let start = clock.now
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        while iterations < 20 || clock.now - start < budget {
            try body()
            iterations += 1
        }
        let elapsed = clock.now - start
        let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
        return micros / Double(iterations)
    }

    /// Runs bench/python_tuf_baseline.py on the same files; results by path (empty when python-tuf is missing).
    func pythonBaseline(paths: [String]) -> [String: [String: Any]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "bench/python_tuf_baseline.py", "--json", "--seconds", String(seconds)] + paths
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch {
            FileHandle.standardError.write(Data("python baseline not run: \(error)\n".utf8))
            return [:]
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var results: [String: [String: Any]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let file = object["file"] as? String
            else { continue }
            results[file] = object
        }
        return results
    }
}

func pad(_ s: String, _ width: Int) -> String { s.padding(toLength: max(width, s.count + 1), withPad: " ", startingAt: 0) }
func f(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
