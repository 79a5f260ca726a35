import Foundation
import Testing
import VantageCore

/// A change to a policy file (a key renamed, removed or set) and the one line it must be refused with.
struct PolicyFileCase: Sendable, CustomTestStringConvertible {
    var name: String
    var expected: String
    var edit: @Sendable (Any) -> Any
    var testDescription: String { name }

    /// Renames the key at `path` (dotted; list indices as numbers) to `newName`.
    static func rename(_ path: String, to newName: String, _ expected: String) -> Self {
        Self(name: "\(path) spelt \(newName)", expected: expected) { edit($0, path.split(separator: ".").map(String.init)[...]) { $0[newName] = $0.removeValue(forKey: $1) } }
    }

    /// Sets the value at `path` to `json` (a JSON text), or removes the key when `json` is `nil`.
    static func set(_ path: String, json: String?, _ expected: String) -> Self {
        Self(name: "\(path) = \(json ?? "removed")", expected: expected) {
            edit($0, path.split(separator: ".").map(String.init)[...]) { object, key in
                object[key] = json.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
            }
        }
    }

    static func edit(_ value: Any, _ path: ArraySlice<String>, _ change: (inout [String: Any], String) -> Void) -> Any {
        guard let first = path.first else { return value }
        if var list = value as? [Any], let index = Int(first) {
            list[index] = edit(list[index], path.dropFirst(), change)
            return list
        }
        guard var object = value as? [String: Any] else { return value }
        if path.count == 1 { change(&object, first) } else { object[first] = edit(object[first] as Any, path.dropFirst(), change) }
        return object
    }
}

/// The trust policy file is read with the configuration files' rule: an unknown key anywhere stops the client with its
/// path and the key it meant (a misspelt floor or threshold must never leave the default in force), and a missing key
/// or a wrong type is one line in words. Positive control: the same file unedited parses to the policy written.
@Suite("Trust policy files: unknown keys, missing keys, wrong types")
struct TrustPolicyParseTests {
    /// A policy using every key a policy can have: a coordinator URL and mirrors, approvers, three targets.
    static let policy = Fleet.shared.trustPolicy(
        minPinListVersion: 7, approvers: ["alice", "bob"], approvalThreshold: 2,
        targets: [
            .init(id: "t/a", source: SourceFixtures.tuf), .init(id: "t/b", source: SourceFixtures.notary),
            .init(id: "t/c", source: SourceFixtures.tuf),
        ])

    static func file(_ edit: (Any) -> Any = { $0 }) throws -> [UInt8] {
        var policy = Self.policy
        policy.coordinators[0].url = "https://vantage.example.test"
        policy.coordinators[0].mirrors = ["https://mirror.example.test/pins"]
        let object = try JSONSerialization.jsonObject(with: Data(try Canonical.encode(policy)))
        return Array(try JSONSerialization.data(withJSONObject: edit(object)))
    }

    @Test("positive control: the file as written parses, with every key known")
    func spelledRight() throws {
        let parsed = try TrustPolicy.parse(try Self.file())
        #expect(parsed.minPinListVersion == 7 && parsed.approvalThreshold == 2 && parsed.coordinators[0].mirrors?.count == 1)
        #expect(parsed.problem == nil)
    }

    static let typos: [PolicyFileCase] = [
        .rename("min_pin_list_version", to: "min_pin_list_versoin", "unknown key min_pin_list_versoin (did you mean min_pin_list_version?)"),
        .rename("approval_threshold", to: "approval_treshold", "unknown key approval_treshold (did you mean approval_threshold?)"),
        .rename("targets.2.source", to: "sourse", "unknown key targets[2].sourse (did you mean targets[2].source?)"),
        .rename("targets.1.source.gun", to: "gnu", "unknown key targets[1].source.gnu (did you mean targets[1].source.gun?)"),
        .rename("coordinators.0.mirrors", to: "mirrorz", "unknown key coordinators[0].mirrorz (did you mean coordinators[0].mirrors?)"),
        .rename("agents.3.public_key", to: "publickey", "unknown key agents[3].publickey (did you mean agents[3].public_key?)"),
        .rename("approvers.1.id", to: "ids", "unknown key approvers[1].ids (did you mean approvers[1].id?)"),
        .set("colour", json: #""blue""#, "unknown key colour"),
    ]

    @Test("a misspelt key anywhere is refused with its path and the key it meant", arguments: typos)
    func unknownKeys(_ c: PolicyFileCase) throws {
        let error = #expect(throws: CoreError.self) { try TrustPolicy.parse(try Self.file(c.edit)) }
        #expect(error?.code == .malformedDocument)
        #expect(error?.reason == c.expected)
    }

    static let malformed: [PolicyFileCase] = [
        .set("quorum", json: nil, #"missing key "quorum""#),
        .set("targets.0.source.url", json: nil, #"missing key "url" in targets[0].source"#),
        .set("quorum", json: #""two""#, "quorum: expected an integer"),
        .set("quorum", json: "null", "quorum: expected an integer, found null"),
        .set("targets.1.source.url", json: "5", "targets[1].source.url: expected a string"),
        .set("agents", json: #""a1""#, "agents: expected a list"),
        .set("targets.0.source", json: #""tuf""#, "targets[0].source: expected an object"),
    ]

    @Test("a missing key or a wrong type is one line in words, not Swift's DecodingError", arguments: malformed)
    func missingKeysAndWrongTypes(_ c: PolicyFileCase) throws {
        let error = #expect(throws: CoreError.self) { try TrustPolicy.parse(try Self.file(c.edit)) }
        #expect(error?.reason == c.expected)
        // The same through the generic decoder the CLI uses for other documents, under the document's name.
        let generic = #expect(throws: CoreError.self) { try Canonical.decode(TrustPolicy.self, from: try Self.file(c.edit)) }
        #expect(generic?.reason == "TrustPolicy: \(c.expected)")
    }

    @Test("bytes that are not JSON, or not a JSON object")
    func notJSON() {
        for (text, expected) in [("{\"quorum\": ", "not JSON"), ("[1]", "expected an object"), ("", "not JSON")] {
            let error = #expect(throws: CoreError.self) { try TrustPolicy.parse(Array(text.utf8)) }
            #expect(error?.reason.hasPrefix(expected) == true, "\(text): \(error?.reason ?? "")")
            #expect(error?.reason.contains("\n") == false && error?.reason.contains("CodingKeys") == false, "\(error?.reason ?? "")")
        }
    }
}
