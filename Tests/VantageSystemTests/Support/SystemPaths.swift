import VantageTestSupport

/// The testbed scripts and helpers the system tests start.
extension PackagePaths {
    static let netnsScript = path("scripts/testbed/netns.sh")
    static let webhookReceiver = support("webhook_receiver.py")
}
