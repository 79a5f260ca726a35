import VantageTestSupport

/// The Tests/Support helpers the agent tests start.
extension PackagePaths {
    static let testServer = support("testserver.py")
    static let connectProxy = support("connect_proxy.py")
}
