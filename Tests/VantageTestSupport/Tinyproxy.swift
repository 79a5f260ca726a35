import Foundation

/// Debian's `tinyproxy` on 127.0.0.1, in the foreground, logging every request line: the egress proxy of a CI host.
public final class Tinyproxy: @unchecked Sendable {
    public let port: Int
    let child: ChildProcess
    let logPath: String

    /// Starts a proxy (on another free port if the first is taken meanwhile).
    /// - Parameter credentials: `user:password` the proxy demands (`BasicAuth`), or none.
    public init(in directory: String, credentials: (user: String, password: String)? = nil) async throws {
        var lastLog = ""
        for attempt in 1...3 {
            let port = try freePort()
            let logPath = "\(directory)/tinyproxy-\(port).log"
            var config = ["Port \(port)", "Listen 127.0.0.1", "Timeout 30", "LogFile \"\(logPath)\"", "LogLevel Info",
                          "MaxClients 50", "Allow 127.0.0.1"]
            if let credentials { config.append("BasicAuth \(credentials.user) \(credentials.password)") }
            let configPath = "\(directory)/tinyproxy-\(port).conf"
            try Data((config.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: configPath))
            let child = try ChildProcess("tinyproxy", ["-d", "-c", configPath], outputPath: "\(directory)/tinyproxy-\(port).out")
            let listening = try? await waitFor("tinyproxy on port \(port)", seconds: 10, every: .milliseconds(50)) {
                child.isRunning ? (acceptsConnections(port) ? true : nil) : false
            }
            if listening == true {
                (self.port, self.child, self.logPath) = (port, child, logPath)
                return
            }
            child.stop()
            lastLog = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if attempt == 3 { break }
        }
        throw TestFailure("tinyproxy did not start: \(lastLog.suffix(1000))")
    }

    /// `http://127.0.0.1:PORT`, the value for `HTTPS_PROXY`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The requests the proxy received for `127.0.0.1:port` (tunnels and plain requests alike).
    public func requests(to port: Int) -> Int {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter {
            $0.contains("): CONNECT 127.0.0.1:\(port) ") || $0.contains(" http://127.0.0.1:\(port)/")
        }.count
    }

    public func stop() { child.stop() }
}
