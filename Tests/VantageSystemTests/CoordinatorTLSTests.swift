import Foundation
import VantageTestSupport
import Testing

/// The coordinator's own TLS listener (no reverse proxy needed): the real binary serves HTTPS with the configured
/// certificate, serves a renewed one after SIGHUP, and keeps the current one when the new files do not load.
@Suite("Coordinator TLS listener and SIGHUP reload (real binary)", .serialized)
struct CoordinatorTLSTests {
    @Test func servesTLSAndReloadsTheCertificateOnSIGHUP() async throws {
        try await withSystem("tls") { cleanup in
            let dir = cleanup.scratch.path
            // Two server certificates for 127.0.0.1 from one CA: the first served, the second its renewal.
            try await runChecked("/bin/bash", [PackagePaths.notaryScript, "certs", dir + "/a"])
            try await runChecked("/bin/bash", [PackagePaths.notaryScript, "certs", dir + "/b"], environment: ["NOTARY_CA_DIR": dir + "/a/ca"])
            let ca = dir + "/a/ca/ca.crt"
            let (certificate, key) = (dir + "/live/server.crt", dir + "/live/server.key")
            try FileManager.default.createDirectory(atPath: dir + "/live", withIntermediateDirectories: true)
            func install(_ from: String) throws {
                for (source, target) in [(from + "/tls/server.crt", certificate), (from + "/tls/server.key", key)] {
                    try? FileManager.default.removeItem(atPath: target)
                    try FileManager.default.copyItem(atPath: source, toPath: target)
                }
            }
            try install(dir + "/a")
            try await runChecked(PackagePaths.executable("vantage-coordinator"), ["keygen", "--out", dir + "/coordinator.key"])
            let port = try freePort()
            let config = dir + "/coordinator.json"
            try Data("""
                {"listen": {"host": "127.0.0.1", "port": \(port), "tls": {"certificate_file": "\(certificate)", "key_file": "\(key)"}},
                 "state_dir": "\(dir)", "key_file": "\(dir)/coordinator.key"}
                """.utf8).write(to: URL(fileURLWithPath: config))
            let coordinator = try ChildProcess(
                name: "coordinator", PackagePaths.executable("vantage-coordinator"), ["serve", "--config", config], logPath: dir + "/coordinator.log")
            cleanup.add { _ = await coordinator.terminate() }
            let url = "https://127.0.0.1:\(port)"

            /// The serial number of the certificate the listener presents now.
            func servedSerial() async throws -> String {
                let shown = try await run("/bin/bash", ["-c", "openssl s_client -connect 127.0.0.1:\(port) -servername 127.0.0.1 </dev/null 2>/dev/null | openssl x509 -noout -serial"])
                return shown.output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            func serial(_ file: String) async throws -> String {
                try await runChecked("/usr/bin/openssl", ["x509", "-noout", "-serial", "-in", file]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            var ready = false
            for _ in 0..<100 where !ready {
                ready = try await run("/usr/bin/curl", ["-sf", "--cacert", ca, url + "/livez"]).status == 0
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            try #require(ready, "coordinator did not come up: \(coordinator.logTail())")
            let first = try await serial(dir + "/a/tls/server.crt"), renewed = try await serial(dir + "/b/tls/server.crt")
            try #require(first != renewed)
            #expect(try await servedSerial() == first)
            // Plain HTTP is not served on the TLS port; the CLI talks to it with the CA.
            #expect(try await run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/livez"]).status != 0)
            let status = try await run(PackagePaths.executable("vantage"), ["status", "--coordinator", url, "--ca-bundle", ca])
            #expect(status.status == 0, "\(status.output)")

            // A renewal: the new files, then SIGHUP; new connections get the new certificate.
            try install(dir + "/b")
            coordinator.signal(SIGHUP)
            var served = ""
            for _ in 0..<100 where served != renewed {
                served = try await servedSerial()
                if served != renewed { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(served == renewed, "after SIGHUP: \(coordinator.logTail())")

            // A broken file: SIGHUP keeps the current certificate, the coordinator keeps serving.
            try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: certificate))
            coordinator.signal(SIGHUP)
            var logged = false
            for _ in 0..<100 where !logged {
                logged = coordinator.logTail(50).contains("TLS certificate not reloaded")
                if !logged { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(logged, "\(coordinator.logTail())")
            #expect(coordinator.isRunning)
            #expect(try await servedSerial() == renewed)
        }
    }
}
