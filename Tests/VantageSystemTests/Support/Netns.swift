import Foundation
import VantageTestSupport

/// Test hosts in Linux network namespaces on a private bridge (scripts/testbed/netns.sh): each host gets
/// 198.18.0.<octet> and its own /etc/hosts (the file `ip netns exec` mounts from /etc/netns/<ns>/hosts).
struct Netns: Sendable {
    static let subnet = "198.18.0"
    /// iproute2's `ip`.
    static let ip: String = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/ip"

    /// Whether namespaces can be created here (`netns.sh check`), evaluated once.
    static let available: Bool = {
        guard FileManager.default.isExecutableFile(atPath: ip) else { return false }
        guard let check = try? ChildProcess(name: "netns-check", "/bin/bash", [PackagePaths.netnsScript, "check"], logPath: "/dev/null") else {
            return false
        }
        return check.waitForExit() == 0
    }()

    /// Unique per test process and test, e.g. `vs1234a` (interface names are built from it, so it stays short).
    let prefix: String
    /// host name → last octet.
    let hosts: [String: Int]

    /// Creates the bridge and one namespace per host. Throws (after removing whatever was made) on failure.
    static func up(prefix: String, hosts: [String: Int]) async throws -> Netns {
        let net = Netns(prefix: prefix, hosts: hosts)
        let specs = hosts.sorted { $0.value < $1.value }.map { "\($0.key)=\($0.value)" }
        let result = try await run("/bin/bash", [PackagePaths.netnsScript, "up", prefix] + specs)
        guard result.status == 0 else {
            await net.down()
            throw TestFailure("netns.sh up failed: \(result)")
        }
        return net
    }

    /// Deletes every namespace and hosts file of this prefix, killing what still runs inside (idempotent).
    func down() async {
        _ = try? await run("/bin/bash", [PackagePaths.netnsScript, "down", prefix])
    }

    func namespace(_ host: String) -> String { "\(prefix)-\(host)" }

    func address(_ host: String) -> String { "\(Self.subnet).\(hosts[host]!)" }

    /// Writes `host`'s /etc/hosts (in place, so a running `ip netns exec` child's bind mount sees the change):
    /// `names` maps a DNS name to the host whose address it resolves to.
    func setHosts(_ host: String, _ names: [String: String]) async throws {
        let entries = names.sorted { $0.key < $1.key }.map { "\($0.key)=\(address($0.value))" }
        try await runChecked("/bin/bash", [PackagePaths.netnsScript, "hosts", prefix, host] + entries)
    }

    /// Where commands for `host` run: `ip netns exec <ns> …`.
    func place(_ host: String) -> Place {
        Place(wrapper: [Self.ip, "netns", "exec", namespace(host)], description: namespace(host))
    }

    /// Runs a command inside `host`'s namespace to completion.
    @discardableResult
    func exec(_ host: String, _ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        try await place(host).run(executable, arguments, environment: environment)
    }

    /// Closes `host`'s open TCP connections to `peer` (`ss -K`). A path change (a rewritten hosts file) only
    /// affects new connections; long-lived keep-alive connections would otherwise stay on the old server.
    func dropConnections(_ host: String, to peer: String) async throws {
        try await runChecked(Self.ip, ["netns", "exec", namespace(host), "ss", "-K", "dst", address(peer)])
    }

    /// HTTP from inside `host`'s namespace with curl: status and body (status 0 when nothing answered).
    func http(_ host: String, _ url: String, method: String = "GET", headers: [String] = [], body: String? = nil) async throws
        -> (status: Int, body: [UInt8])
    {
        let out = NSTemporaryDirectory() + "vst-curl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var arguments = ["-s", "--max-time", "10", "-o", out, "-w", "%{http_code}", "-X", method]
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        let result = try await exec(host, "curl", arguments + [url])
        let status = Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(3)) ?? 0
        let bytes = FileManager.default.contents(atPath: out).map(Array.init) ?? []
        return (status, bytes)
    }
}
