import Foundation
import VantageTestSupport
import Testing

/// Errors a person can act on: one line of cause plus a hint, for each class of failure, from the real binary against
/// real sockets and TLS on loopback.
@Suite("Human error messages (black box)", .serialized)
struct HumanErrorTests {
    /// The CLI's diagnostic: exactly one line on stderr, nothing on stdout.
    func oneLine(_ result: CLI.Result, _ context: String) -> String {
        #expect(result.stdout.isEmpty, "\(context): \(result.stdout)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(context): one line: \(result.stderr)")
        return result.stderr
    }

    @Test("connection refused, a URL that is no URL, TLS without the CA, TLS to a plain port, a server that is not a coordinator")
    func transportAndServerErrors() async throws {
        let port = try freePort()
        let refused = try await CLI.run(["status", "--coordinator", "http://127.0.0.1:\(port)"])
        #expect(refused.status == 1)
        let text = oneLine(refused, "refused")
        #expect(text.contains("127.0.0.1:\(port)") && text.contains("connection refused") && text.contains("is the server running"), "\(text)")
        #expect(!text.contains("errno") && !text.contains("NIO"), "no raw error: \(text)")

        let unknown = try await CLI.run(["status", "--coordinator", "http://vantage.invalid"])
        #expect(unknown.status == 1)
        let dns = oneLine(unknown, "dns")
        #expect(dns.contains("cannot resolve vantage.invalid (DNS)") && dns.contains("resolver"), "\(dns)")

        let notURL = try await CLI.run(["status", "--coordinator", "127.0.0.1:\(port)"])
        #expect(notURL.status == 64, "\(notURL.stderr)")
        #expect(notURL.stderr.contains("--coordinator: 127.0.0.1:\(port) is not http(s)://host"), "\(notURL.stderr)")
        // From the environment, the message names the variable.
        let fromEnvironment = try await CLI.run(["status"], environment: ["VANTAGE_COORDINATOR": "vantage.example:8443"])
        #expect(fromEnvironment.status == 64 && fromEnvironment.stderr.contains("VANTAGE_COORDINATOR: vantage.example:8443"), "\(fromEnvironment.stderr)")

        // An HTTPS server whose certificate this machine does not trust, then the same with its CA (positive control:
        // the TLS error is about trust). It is not a coordinator, which is said too.
        let scratch = try Scratch("vantage-errors")
        defer { scratch.remove() }
        let work = scratch.url
        let certs = try await CLI.exec("/bin/bash", [PackagePaths.notaryScript, "certs", work.path])
        try #require(certs.status == 0, "\(certs.stderr)")
        let server = try await BackgroundServer(["/usr/bin/python3", PackagePaths.support("testserver.py"),
                                           "--dir", work.path, "--quiet", "--watch-stdin",
                                           "--cert", work.path + "/tls/server.crt", "--key", work.path + "/tls/server.key"])
        let plain = try await BackgroundServer(["/usr/bin/python3", PackagePaths.support("testserver.py"),
                                          "--dir", work.path, "--quiet", "--watch-stdin"])
        defer {
            server.stop()
            plain.stop()
        }
        let untrusted = try await CLI.run(["status", "--coordinator", "https://127.0.0.1:\(server.port)"])
        #expect(untrusted.status == 1)
        let tls = oneLine(untrusted, "untrusted")
        #expect(tls.contains("not signed by a CA this machine trusts") && tls.contains("--ca-bundle"), "\(tls)")
        let trusted = try await CLI.run(["status", "--coordinator", "https://127.0.0.1:\(server.port)", "--ca-bundle", work.path + "/ca/ca.crt"])
        #expect(trusted.status == 1)
        let notCoordinator = oneLine(trusted, "trusted")
        #expect(!notCoordinator.contains("TLS"), "the CA fixes TLS: \(notCoordinator)")
        #expect(notCoordinator.contains("HTTP 404") || notCoordinator.contains("did not answer with a Vantage"), "\(notCoordinator)")

        let tlsToPlain = try await CLI.run(["status", "--coordinator", "https://127.0.0.1:\(plain.port)"])
        #expect(tlsToPlain.status == 1)
        let wrongScheme = oneLine(tlsToPlain, "https to http")
        #expect(wrongScheme.contains("TLS"), "\(wrongScheme)")

        // Plain HTTP to the TLS port: said as such, with the URL to use (not "connection closed").
        let plainToTLS = try await CLI.run(["status", "--coordinator", "http://127.0.0.1:\(server.port)"])
        #expect(plainToTLS.status == 1)
        let speaksTLS = oneLine(plainToTLS, "http to https")
        #expect(speaksTLS.contains("speaks TLS") && speaksTLS.contains("https://127.0.0.1:\(server.port)"), "\(speaksTLS)")
        #expect(!speaksTLS.contains("connection closed"), "\(speaksTLS)")

        // A base URL with a path the server does not have: the refusal names the whole URL requested.
        let underPath = try await CLI.run(["status", "--coordinator", "http://127.0.0.1:\(plain.port)/vantage"])
        #expect(underPath.status == 1)
        let notFound = oneLine(underPath, "404 under a path")
        #expect(notFound.contains("GET http://127.0.0.1:\(plain.port)/vantage/v1/status") && notFound.contains("HTTP 404"), "\(notFound)")
    }

    @Test("a misspelt, missing or mistyped key in the trust policy stops vantage-pins: exit 78, one line with the key's path")
    func trustPolicyKeys() async throws {
        let w = try PinsRefusalTests.World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let pins = try w.write(try w.list([try w.attestation("a1"), try w.attestation("a2")]))
        let written = try String(contentsOfFile: try w.policy(), encoding: .utf8)
        func verify(_ text: String) async throws -> CLI.Result {
            let policy = w.dir.appendingPathComponent("edited-policy.json").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: policy))
            return try await CLI.run(["verify", "--policy", policy, "--pins", pins, "--state", w.dir.appendingPathComponent("s.json").path],
                                     tool: "vantage-pins")
        }
        // Positive control: the policy as written verifies.
        let control = try await verify(written)
        #expect(control.status == 0, "\(control.stderr)")
        for (from, to, expected) in [
            (#""min_pin_list_version":0"#, #""min_pin_list_versoin":999"#, "unknown key min_pin_list_versoin (did you mean min_pin_list_version?)"),
            (#""approval_threshold":1"#, #""approval_treshold":2"#, "unknown key approval_treshold (did you mean approval_threshold?)"),
            (#""region":"us""#, #""regoin":"us""#, "unknown key agents[1].regoin (did you mean agents[1].region?)"),
            (#""quorum":2,"#, "", #"missing key "quorum""#),
            (#""quorum":2"#, #""quorum":"2""#, "quorum: expected an integer"),
        ] {
            #expect(written.contains(from), "\(from) in \(written)")
            let result = try await verify(written.replacingOccurrences(of: from, with: to))
            #expect(result.status == 78, "\(to): \(result.stderr)")
            let text = oneLine(result, to)
            #expect(text.contains("trust policy ") && text.contains(expected), "\(text)")
            #expect(!text.contains("CodingKeys") && !text.contains("DecodingError"), "\(text)")
        }
    }

    @Test("a pin list file that is missing, a folder, or not JSON: one line naming it")
    func localFiles() async throws {
        let w = try PinsRefusalTests.World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let policy = try w.policy()
        let notJSON = w.dir.appendingPathComponent("garbage.json").path
        try Data("not json".utf8).write(to: URL(fileURLWithPath: notJSON))
        for (path, status, words) in [
            (w.dir.appendingPathComponent("missing.json").path, Int32(66), "no such file"),
            (w.dir.path, Int32(66), "is a folder"),
            (notJSON, Int32(12), "is not a Vantage pin list"),
        ] {
            let result = try await CLI.run(["pins", "verify", "--policy", policy, "--pins", path, "--state", w.dir.appendingPathComponent("s.json").path])
            #expect(result.status == status, "\(path): \(result.stderr)")
            #expect(result.stderr.contains(words) && result.stderr.contains(path), "\(result.stderr)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(result.stderr)")
        }
    }

    @Test("each program names itself: vantage-pins diagnostics start with vantage-pins:, vantage's with vantage:")
    func programName() async throws {
        let w = try PinsRefusalTests.World()
        defer { try? FileManager.default.removeItem(at: w.dir) }
        let arguments = ["verify", "--policy", try w.policy(), "--pins", w.dir.appendingPathComponent("missing.json").path,
                         "--state", w.dir.appendingPathComponent("s.json").path]
        let pins = try await CLI.run(arguments, tool: "vantage-pins")
        #expect(pins.status == 66 && pins.stderr.hasPrefix("vantage-pins: pin list "), "\(pins.stderr)")
        let vantage = try await CLI.run(["pins"] + arguments)
        #expect(vantage.status == 66 && vantage.stderr.hasPrefix("vantage: pin list "), "\(vantage.stderr)")
    }
}
