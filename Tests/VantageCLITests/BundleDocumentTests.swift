import Foundation
import Testing
import VantageClient
import VantageCore
import VantageTestSupport
import VantageTUF

/// `vantage-pins install --bundle` reads only regular files inside the bundle folder: a symbolic link, a FIFO or a
/// device in place of a document is refused before any byte is read, so a bundle can neither point the reader at
/// gigabytes elsewhere nor block it for ever.
@Suite("vantage-pins install --bundle: documents must be regular files inside the bundle (black box)")
struct BundleDocumentTests {
    typealias Setup = PinsInstallInputTests.Setup
    typealias World = PinsRefusalTests.World

    func install(_ s: Setup, _ bundle: String) async throws -> CLI.Result {
        try await CLI.run(["install", World.target, "--server", World.server, "--state", s.state, "--for", "notary", "--trust-dir", s.trust,
                           "--policy", s.policy, "--bundle", bundle], tool: "vantage-pins", within: .seconds(120))
    }

    /// A bundle of `list` whose headers v2…v(newest-1) are all symbolic links to one 8 MB file outside the folder.
    func symlinkedBridge(_ s: Setup, newest list: PinList) throws -> String {
        let proof = try #require(try list.proof(for: World.target))
        let directory = s.w.dir.appendingPathComponent("hostile-\(UUID().uuidString)").path
        try PinBundle(directory: directory).write(
            VerifiedPins(header: list.header, coordinator: "c", pins: [proof.pin], intermediates: [], proofs: [proof]),
            blobs: [s.w.fingerprint.sha256: s.w.root])
        let big = s.w.dir.appendingPathComponent("big.json").path
        if !FileManager.default.fileExists(atPath: big) { try Data(count: 8 << 20).write(to: URL(fileURLWithPath: big)) }
        for version in 2..<list.header.signed.version {
            try FileManager.default.createSymbolicLink(atPath: "\(directory)/headers/\(version).json", withDestinationPath: big)
        }
        return directory
    }

    @Test("10,000 symlinked bridge headers: refused at the first with one clear line; a forged newest header is refused before any")
    func symlinkedHeaders() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        // Positive control first: the genuine bundle (list v1) installs and saves v1 as accepted.
        let good = try await install(s, try s.bundle())
        #expect(good.status == 0, "\(good.stderr)")
        #expect(FileManager.default.contents(atPath: s.installed).map(Array.init) == s.w.root)

        // A genuine v10,002 whose bridge from v1 is 10,000 symbolic links.
        let newest = try s.w.list(version: 10_002, previous: String(repeating: "0", count: 64))
        let linked = try symlinkedBridge(s, newest: newest)
        let refused = try await install(s, linked)
        #expect(refused.status == 66, "\(refused.stderr)")
        #expect(refused.stderr.contains("\(linked)/headers/2.json is a symbolic link"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "one line: \(refused.stderr)")

        // The newest header itself a link: refused before its bytes are read.
        try FileManager.default.moveItem(atPath: "\(linked)/headers/10002.json", toPath: s.w.dir.appendingPathComponent("outside.json").path)
        try FileManager.default.createSymbolicLink(atPath: "\(linked)/headers/10002.json", withDestinationPath: s.w.dir.appendingPathComponent("outside.json").path)
        let newestLinked = try await install(s, linked)
        #expect(newestLinked.status == 66 && newestLinked.stderr.contains("headers/10002.json is a symbolic link"), "\(newestLinked.stderr)")

        // A forged newest header (a key the policy does not know) over the same links: refused by signature, no link read.
        let forged = try symlinkedBridge(s, newest: try s.w.list(version: 10_002, previous: String(repeating: "0", count: 64), signer: s.w.stranger))
        let unsigned = try await install(s, forged)
        #expect(unsigned.status == 12 && unsigned.stderr.contains("coordinator_signature"), "\(unsigned.stderr)")
        #expect(try PinState.load(s.state).accepted["c"]?.version == 1, "state unchanged")
    }

    @Test("a FIFO or a folder in place of the header is refused, not waited on; a header folder that is a link is refused")
    func fifoAndFolders() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let fifo = try s.bundle()
        try FileManager.default.removeItem(atPath: "\(fifo)/headers/1.json")
        #expect(mkfifo("\(fifo)/headers/1.json", 0o644) == 0)
        let blocked = try await install(s, fifo)
        #expect(blocked.status == 66 && blocked.stderr.contains("headers/1.json is a FIFO"), "\(blocked.stderr)")

        let folder = try s.bundle()
        try FileManager.default.removeItem(atPath: "\(folder)/headers/1.json")
        try FileManager.default.createDirectory(atPath: "\(folder)/headers/1.json", withIntermediateDirectories: true)
        let isFolder = try await install(s, folder)
        #expect(isFolder.status == 66 && isFolder.stderr.contains("is a folder"), "\(isFolder.stderr)")

        // The headers folder a link to a genuine bundle's headers elsewhere: outside the folder, refused.
        let elsewhere = try s.bundle()
        let linkedFolder = try s.bundle()
        try FileManager.default.removeItem(atPath: "\(linkedFolder)/headers")
        try FileManager.default.createSymbolicLink(atPath: "\(linkedFolder)/headers", withDestinationPath: "\(elsewhere)/headers")
        let outside = try await install(s, linkedFolder)
        #expect(outside.status == 66 && outside.stderr.contains("\(linkedFolder)/headers is not a folder of the bundle"), "\(outside.stderr)")
        #expect(s.untouched)

        // Positive control: the genuine bundle installs.
        let good = try await install(s, elsewhere)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(FileManager.default.contents(atPath: s.installed).map(Array.init) == s.w.root)
    }

    @Test("a pin list the user pipes in (--pins <(…)) is read: only bundle documents must be regular files")
    func userPipe() async throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.w.dir) }
        let tool = PackagePaths.executable("vantage-pins")
        let piped = try await CLI.exec("/bin/bash", ["-c", "exec \"$0\" verify --policy \"$1\" --pins <(cat \"$2\") --state \"$3\"",
                                                      tool, s.policy, s.pins, s.state])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.contains("verified"), "\(piped.stdout)")
    }
}
