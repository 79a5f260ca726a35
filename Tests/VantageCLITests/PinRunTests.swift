import Testing
import VantageClient

/// Where a run's list and bytes come from, and whether it opens the network: one decision for every command.
@Suite("PinRun origins (pure)")
struct PinRunTests {
    @Test("origins and network, for every combination of --pins, --bundle and --blob-dir", arguments: [
        // pins, bundle, blob-dir → list, blobs, network to install, network to verify
        (nil, nil, nil, PinRun.ListOrigin.online, PinRun.BlobOrigin.online, true, true),
        ("l.json", nil, nil, .file("l.json"), .online, true, false),
        ("l.json", nil, "b", .file("l.json"), .folder("b"), false, false),
        (nil, "d", nil, .bundle("d"), .bundle("d"), false, false),
        (nil, "d", "b", .bundle("d"), .folder("b"), false, false),
        (nil, nil, "b", .online, .folder("b"), true, true),
    ] as [(String?, String?, String?, PinRun.ListOrigin, PinRun.BlobOrigin, Bool, Bool)])
    func origins(_ pins: String?, _ bundle: String?, _ blobDir: String?, _ list: PinRun.ListOrigin, _ blobs: PinRun.BlobOrigin,
                 _ installNeedsNetwork: Bool, _ verifyNeedsNetwork: Bool) {
        let origins = PinRun.origins(pins: pins, bundle: bundle, blobDir: blobDir)
        #expect(origins.list == list)
        #expect(origins.blobs == blobs)
        #expect(PinRun.needsNetwork(list: origins.list, blobs: origins.blobs) == installNeedsNetwork)
        #expect(PinRun.needsNetwork(list: origins.list, blobs: nil) == verifyNeedsNetwork)
    }
}
