import Foundation
import Testing
import VantageAgent
import VantageCore

/// The pure readers of the registry edge: `Retry-After` and a docker `config.json`'s `auths`.
@Suite("Registry parsing")
struct RegistryParsingTests {
    /// 2027-01-15T08:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [
        ("0", 0.0), ("120", 120), (" 120 ", 120), ("Fri, 15 Jan 2027 09:00:00 GMT", 3600),
        // A date already past means "now"; anything beyond a day is held to a day.
        ("Thu, 14 Jan 2027 08:00:00 GMT", 0), ("999999999999999999999999", 86_400), ("Sat, 15 Jan 2028 08:00:00 GMT", 86_400),
    ])
    func retryAfterReadsSecondsAndDates(_ value: String, _ seconds: TimeInterval) {
        #expect(RetryAfter.instant(value, now: Self.now) == Self.now.addingTimeInterval(seconds))
    }

    @Test(arguments: ["", "-5", "1.5", "soon", "2027-01-15T09:00:00Z", "Fri, 15 Jan 2027 09:00:00 UTC+1"])
    func retryAfterRefusesOtherForms(_ value: String) {
        #expect(RetryAfter.instant(value, now: Self.now) == nil)
    }

    static func config(_ json: String) throws(RegistryCredentialsError) -> RegistryCredentials {
        try RegistryCredentials(dockerConfig: Array(json.utf8))
    }

    @Test func authsEntriesAreFoundByRegistryHost() throws {
        let auth = Data("alice:pa:ss".utf8).base64EncodedString()
        let credentials = try Self.config(#"""
            {"auths": {"https://index.docker.io/v1/": {"auth": "\#(auth)"},
                       "127.0.0.1:5000": {"username": "bob", "password": "pw"},
                       "registry.example": {"auth": "\#(auth)"},
                       "helper.example": {}},
             "credsStore": "desktop"}
            """#)
        let hub = RegistryCredential(username: "alice", password: "pa:ss")
        #expect(credentials.credential(forRegistry: "https://registry-1.docker.io") == hub)
        #expect(credentials.credential(forRegistry: "https://127.0.0.1:5000") == RegistryCredential(username: "bob", password: "pw"))
        #expect(credentials.credential(forRegistry: "https://registry.example") == hub)
        #expect(credentials.credential(forRegistry: "https://registry.example:443") == hub)
        // Control: other hosts and ports get nothing.
        #expect(credentials.credential(forRegistry: "https://127.0.0.1:5001") == nil)
        #expect(credentials.credential(forRegistry: "https://helper.example") == nil)
        #expect(credentials.credential(forRegistry: "https://other.example") == nil)
        #expect(try Self.config("{}").credential(forRegistry: "https://registry.example") == nil)
    }

    @Test(arguments: [
        #"[]"#, #"{"auths": []}"#, #"{"auths": {"r.example": "x"}}"#,
        #"{"auths": {"r.example": {"auth": "c2VjcmV0LXdpdGhvdXQtY29sb24="}}}"#,
        #"{"auths": {"r.example": {"auth": "!!secret!!"}}}"#,
    ])
    func malformedConfigIsRefusedWithoutQuotingSecrets(_ json: String) {
        do {
            _ = try Self.config(json)
            Issue.record("accepted \(json)")
        } catch {
            // "secret-without-colon" is the base64 above.
            #expect(!error.reason.contains("secret"), "\(error.reason)")
        }
    }
}
