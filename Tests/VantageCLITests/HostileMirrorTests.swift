import Foundation
import Testing
import VantageClient
import VantageCore
import VantageTestSupport
import VantageTUF

/// `vantage-pins install` against hostile mirrors on loopback (Tests/Support/hostile_mirror.py): a forged header far
/// ahead of this host's state, a header of several megabytes, a header sent one byte at a time, a blob with other
/// bytes. Each is refused within its limits and the next source is used; without the hostile source the genuine
/// one installs.
@Suite("vantage-pins install against hostile mirrors (black box)")
struct HostileMirrorTests {
    typealias World = PinsRefusalTests.World

    /// The world's list v1 as the genuine mirror `genuine/`, and a server over the whole folder.
    struct Mirrors {
        let w: World
        let root: URL
        let log: String
        let server: BackgroundServer
        var trust: String { w.dir.appendingPathComponent("trust").path }
        var installed: String { "\(trust)/tuf/\(World.target)/metadata/root.json" }
        var state: String { w.dir.appendingPathComponent("state.json").path }

        init(delay: Double = 5) async throws {
            w = try World()
            root = w.dir.appendingPathComponent("www")
            log = w.dir.appendingPathComponent("requests.log").path
            try w.writeMirror([try w.list(version: 1, previous: "")], to: root.appendingPathComponent("genuine"))
            server = try await BackgroundServer(["/usr/bin/python3", PackagePaths.support("hostile_mirror.py"),
                                           "--dir", root.path, "--log", log, "--delay", "\(delay)", "--watch-stdin"])
        }

        func url(_ folder: String) -> String { "http://127.0.0.1:\(server.port)/\(folder)" }

        /// `install` from `mirrors`, in order, with a bounded wait.
        func install(_ mirrors: [String], _ extra: [String] = []) async throws -> CLI.Result {
            try await CLI.run(["install", World.target, "--for", "notary", "--server", World.server, "--trust-dir", trust,
                               "--policy", try w.policy(), "--state", state] + mirrors.flatMap { ["--mirror", url($0)] } + extra,
                              tool: "vantage-pins", environment: ["VANTAGE_COORDINATOR": ""], within: .seconds(120))
        }

        /// The request paths the server saw, in order.
        var requests: [String] { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(at: w.dir)
        }
    }

    @Test("a forged header 10,001 versions ahead, then a multi-MB one: refused after one small read each, the genuine mirror next installs")
    func forgedAndHugeHeaders() async throws {
        let m = try await Mirrors()
        defer { m.stop() }
        // Positive control: the genuine mirror alone installs and saves v1.
        let alone = try await m.install(["genuine"])
        #expect(alone.status == 0, "\(alone.stderr)")
        #expect(FileManager.default.contents(atPath: m.installed).map(Array.init) == m.w.root)
        #expect(!alone.stderr.contains("trying the next source"))

        // A mirror whose latest.json names the real coordinator id at v1 + 10,001, signed by another key, with a
        // genuine-looking bridge folder of headers the client must never ask for.
        let forged = m.root.appendingPathComponent("forged")
        try m.w.writeMirror([try m.w.list(version: 10_002, previous: String(repeating: "0", count: 64), signer: m.w.stranger)], to: forged)
        try FileManager.default.createDirectory(at: forged.appendingPathComponent("headers"), withIntermediateDirectories: true)
        for version in 2...20 { try Data(count: 1 << 20).write(to: forged.appendingPathComponent("headers/\(version).json")) }
        let refused = try await m.install(["forged", "genuine"])
        #expect(refused.status == 0, "\(refused.stderr)")
        #expect(refused.stderr.contains("mirror \(m.url("forged")): coordinator_signature") && refused.stderr.contains("trying the next source"),
                "\(refused.stderr)")
        #expect(!m.requests.contains { $0.hasPrefix("/forged/headers/") }, "no bridge header fetched: \(m.requests)")
        #expect(m.requests.contains("/genuine/latest.json"))

        // The same forged header padded to 8 MB: refused by size (16 KiB cap), then the genuine mirror.
        let huge = m.root.appendingPathComponent("huge")
        try FileManager.default.createDirectory(at: huge, withIntermediateDirectories: true)
        var padded = try Data(contentsOf: forged.appendingPathComponent("latest.json"))
        padded.append(Data(repeating: 0x20, count: 8 << 20))
        try padded.write(to: huge.appendingPathComponent("latest.json"))
        let tooLarge = try await m.install(["huge", "genuine"])
        #expect(tooLarge.status == 0, "\(tooLarge.stderr)")
        #expect(tooLarge.stderr.contains("mirror \(m.url("huge")):") && tooLarge.stderr.contains("above 16384"), "\(tooLarge.stderr)")

        // Only hostile mirrors: nothing installed, the state stays v1, and the last source promises no other.
        let only = try await m.install(["forged", "huge"])
        #expect(only.status == 12, "\(only.stderr)")
        #expect(only.stderr.contains("no other source left") && only.stderr.components(separatedBy: "trying the next source").count == 2,
                "\(only.stderr)")
        #expect(try PinState.load(m.state).accepted["c"]?.version == 1)
    }

    @Test("a header sent one byte at a time: the source's deadline passes, the next source installs")
    func slowHeader() async throws {
        let m = try await Mirrors(delay: 5)
        defer { m.stop() }
        let result = try await m.install(["dribble/genuine", "genuine"], ["--source-timeout", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("mirror \(m.url("dribble/genuine")):") && result.stderr.contains("no complete answer within 3 s"),
                "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: m.installed).map(Array.init) == m.w.root)
        // Positive control: the same genuine files, not slowed, install from the first source.
        let direct = try await m.install(["genuine"])
        #expect(direct.status == 0 && !direct.stderr.contains("deadline"), "\(direct.stderr)")
    }

    @Test("a mirror whose blob has other bytes: the next source's bytes are used; when none has the pinned bytes, blob_mismatch")
    func otherBlobBytes() async throws {
        let m = try await Mirrors()
        defer { m.stop() }
        let altered = m.root.appendingPathComponent("altered")
        try m.w.writeMirror([try m.w.list(version: 1, previous: "")], to: altered)
        try Data(m.w.root + [0x20]).write(to: altered.appendingPathComponent("blobs/\(m.w.fingerprint.sha256)"))
        let mismatch = try await m.install(["altered"])
        #expect(mismatch.status == 12 && mismatch.stderr.contains("blob_mismatch"), "\(mismatch.stderr)")
        #expect(!FileManager.default.fileExists(atPath: m.installed))
        // Positive control: the genuine mirror after it has the pinned bytes.
        let next = try await m.install(["altered", "genuine"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("has other bytes; trying the next source"), "\(next.stderr)")
        #expect(FileManager.default.contents(atPath: m.installed).map(Array.init) == m.w.root)
    }

    @Test("a forged index under the replayed genuine header is refused before any bundle is fetched; an oversized bundle by its cap")
    func forgedIndexAndOversizedBundle() async throws {
        let m = try await Mirrors()
        defer { m.stop() }
        let genuine = m.root.appendingPathComponent("genuine")
        let list = try m.w.list(version: 1, previous: "")
        let bundle = PinListMirror.Bundle(root: list.header.signed.merkleRoot, first: World.target, count: 1)
        // The genuine header, then an index naming two bundles (counts not summing to pin_count, roots not combining
        // to the Merkle root), each of which the server would serve; and one naming 5,000, above the index cap.
        func forgedIndex(_ name: String, bundles: Int) throws -> URL {
            let folder = m.root.appendingPathComponent(name)
            try FileManager.default.copyItem(at: genuine, to: folder)
            let index = PinListMirror.Index(version: 1, pinCount: 1, bundles: Array(repeating: bundle, count: bundles))
            try Data(try Canonical.encode(index)).write(to: folder.appendingPathComponent("lists/1.json"))
            return folder
        }
        _ = try forgedIndex("forged-index", bundles: 2)
        _ = try forgedIndex("huge-index", bundles: 5_000)
        // The genuine header and index, then a one-pin bundle padded above the 64 KiB one pin may take.
        let fat = m.root.appendingPathComponent("fat-bundle")
        try FileManager.default.copyItem(at: genuine, to: fat)
        let bundleFile = fat.appendingPathComponent("bundles/\(bundle.root).json")
        var padded = try Data(contentsOf: bundleFile)
        #expect(padded.count <= PinListMirror.maxBundleBytes(count: 1), "the genuine bundle is within its cap")
        padded.append(Data(repeating: 0x20, count: PinListMirror.maxPinBytes))
        try padded.write(to: bundleFile)

        let result = try await m.install(["forged-index", "huge-index", "fat-bundle", "genuine"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("mirror \(m.url("forged-index")): merkle_root"), "\(result.stderr)")
        #expect(result.stderr.contains("mirror \(m.url("huge-index")):")
                && result.stderr.contains("above \(PinListMirror.maxIndexBytes(pinCount: 1))"), "\(result.stderr)")
        #expect(m.requests.contains("/forged-index/lists/1.json") && m.requests.contains("/huge-index/lists/1.json"))
        #expect(!m.requests.contains { $0.contains("-index/bundles/") }, "no bundle fetched: \(m.requests)")
        #expect(result.stderr.contains("mirror \(m.url("fat-bundle")):") && result.stderr.contains("above \(PinListMirror.maxPinBytes)"),
                "\(result.stderr)")
        // Positive control: the genuine mirror after them installs.
        #expect(FileManager.default.contents(atPath: m.installed).map(Array.init) == m.w.root)

        // The whole list (verify without targets) from the forged index: refused before any bundle too.
        let whole = try await CLI.run(["verify", "--policy", try m.w.policy(), "--state", m.state, "--mirror", m.url("forged-index")],
                                      tool: "vantage-pins", environment: ["VANTAGE_COORDINATOR": ""], within: .seconds(120))
        #expect(whole.status == 12 && whole.stderr.contains("merkle_root"), "\(whole.status) \(whole.stdout) \(whole.stderr)")
        #expect(!m.requests.contains { $0.contains("-index/bundles/") }, "no bundle fetched: \(m.requests)")
        // Positive control: the genuine mirror's whole list verifies.
        let control = try await CLI.run(["verify", "--policy", try m.w.policy(), "--state", m.state, "--mirror", m.url("genuine")],
                                        tool: "vantage-pins", environment: ["VANTAGE_COORDINATOR": ""], within: .seconds(120))
        #expect(control.status == 0, "\(control.status) \(control.stdout) \(control.stderr)")
    }
}
