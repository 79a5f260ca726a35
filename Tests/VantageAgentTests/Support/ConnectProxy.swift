import Foundation
import VantageTestSupport

/// `Tests/Support/connect_proxy.py` on 127.0.0.1: an HTTPS (CONNECT) proxy that tunnels to loopback targets only
/// and appends every request line (`CONNECT host:port`, …) to its log file before acting on it.
final class ConnectProxy: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    let logPath: String

    init(logPath: String) async throws {
        self.logPath = logPath
        child = try ChildProcess("/usr/bin/python3", [PackagePaths.connectProxy, "--log", logPath, "--watch-stdin"])
        guard let port = Int(try await child.firstLine()) else {
            child.stop()
            throw TestFailure("connect_proxy.py did not print its port")
        }
        self.port = port
    }

    /// `http://127.0.0.1:PORT`, the value for `HTTPS_PROXY`.
    var url: String { "http://127.0.0.1:\(port)" }

    /// The request lines the proxy has seen, in order.
    func requests() -> [String] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    func stop() { child.stop() }
}
