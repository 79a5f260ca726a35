import Testing
import VantageCore

/// Digests for the image tables: `sha256:` and 64 copies of one hex digit.
enum Digests {
    static func of(_ digit: Character) -> String { "sha256:" + String(repeating: digit, count: 64) }
    static let a = of("a")
    static let b = of("b")
    static let c = of("c")
    static let d = of("d")
    static let e = of("e")
}

struct ReferenceCase: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var registry: String
    var apiBaseURL: String
    var repository: String
    var tag: String
    var digest: String?
    var testDescription: String { name }
}

/// An input that is refused, the same input without the one bad change (accepted), and a fragment of the reason.
struct RefusedReference: Sendable, CustomTestStringConvertible {
    var name: String
    var bad: String
    var control: String
    var reason: String
    var testDescription: String { name }
    init(_ name: String, _ bad: String, control: String, _ reason: String) {
        self.name = name
        self.bad = bad
        self.control = control
        self.reason = reason
    }
}

@Suite("ImageReference: parsing what users write")
struct ImageReferenceTests {
    static let hub = ImageReference.dockerHubAPI

    static let accepted: [ReferenceCase] = [
        .init(name: "short Hub name", text: "ubuntu", registry: "docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "latest"),
        .init(name: "short Hub name with tag", text: "ubuntu:24.04", registry: "docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "24.04"),
        .init(name: "docker.io", text: "docker.io/library/ubuntu:24.04", registry: "docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "24.04"),
        .init(name: "index.docker.io", text: "index.docker.io/library/ubuntu:24.04", registry: "docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "24.04"),
        .init(name: "registry-1.docker.io", text: "registry-1.docker.io/library/ubuntu:24.04", registry: "docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "24.04"),
        .init(name: "docker.io without library/", text: "docker.io/ubuntu", registry: "docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "latest"),
        .init(name: "Hub organisation", text: "bitnami/redis:7", registry: "docker.io", apiBaseURL: hub, repository: "bitnami/redis", tag: "7"),
        .init(name: "ghcr.io", text: "ghcr.io/org/app:1.2.3", registry: "ghcr.io", apiBaseURL: "https://ghcr.io", repository: "org/app", tag: "1.2.3"),
        .init(name: "IPv4 with port", text: "127.0.0.1:5000/team/app:v1", registry: "127.0.0.1:5000", apiBaseURL: "https://127.0.0.1:5000", repository: "team/app", tag: "v1"),
        .init(name: "localhost with port, one component, no library/", text: "localhost:5000/app", registry: "localhost:5000", apiBaseURL: "https://localhost:5000", repository: "app", tag: "latest"),
        .init(name: "localhost without port", text: "localhost/app", registry: "localhost", apiBaseURL: "https://localhost", repository: "app", tag: "latest"),
        .init(name: "upper-case host is lower-cased", text: "GHCR.io/org/app", registry: "ghcr.io", apiBaseURL: "https://ghcr.io", repository: "org/app", tag: "latest"),
        .init(name: "port 443 is dropped", text: "ghcr.io:443/org/app:1", registry: "ghcr.io", apiBaseURL: "https://ghcr.io", repository: "org/app", tag: "1"),
        .init(name: "tag and digest", text: "ubuntu:24.04@\(Digests.a)", registry: "docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "24.04", digest: Digests.a),
        .init(name: "digest only", text: "ubuntu@\(Digests.a)", registry: "docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "latest", digest: Digests.a),
        .init(name: "registry port, tag and digest", text: "127.0.0.1:5000/app:v1@\(Digests.b)", registry: "127.0.0.1:5000", apiBaseURL: "https://127.0.0.1:5000", repository: "app", tag: "v1", digest: Digests.b),
        .init(name: "a lone host:port is a Hub name and a tag (the grammar's reading)", text: "localhost:5000", registry: "docker.io", apiBaseURL: hub, repository: "library/localhost", tag: "5000"),
        .init(name: "separators . _ __ and runs of -", text: "ghcr.io/a.b/c_d/e__f/g---h", registry: "ghcr.io", apiBaseURL: "https://ghcr.io", repository: "a.b/c_d/e__f/g---h", tag: "latest"),
        .init(name: "tag starting with _ and upper-case", text: "app:_Build.1-x", registry: "docker.io", apiBaseURL: hub, repository: "library/app", tag: "_Build.1-x"),
        .init(name: "tag of 128 bytes", text: "app:" + String(repeating: "t", count: 128), registry: "docker.io", apiBaseURL: hub, repository: "library/app", tag: String(repeating: "t", count: 128)),
    ]

    @Test("accepted references", arguments: accepted)
    func parses(_ c: ReferenceCase) throws {
        let reference = try ImageReference(parsing: c.text)
        #expect(reference.registry == c.registry)
        #expect(reference.apiBaseURL == c.apiBaseURL)
        #expect(reference.repository == c.repository)
        #expect(reference.tag == c.tag)
        #expect(reference.digest == c.digest)
        // The display form parses back to the same value, and the source maps back to the same tag.
        #expect(try ImageReference(parsing: reference.description) == reference)
        #expect(ImageReference.fromSource(apiBaseURL: reference.apiBaseURL, repository: reference.repository, tag: reference.tag) == reference.withoutDigest)
    }

    @Test("every spelling of one Hub tag is one value")
    func hubSpellings() throws {
        let spellings = ["ubuntu:24.04", "library/ubuntu:24.04", "docker.io/library/ubuntu:24.04", "docker.io/ubuntu:24.04",
                         "index.docker.io/library/ubuntu:24.04", "registry-1.docker.io/library/ubuntu:24.04", "DOCKER.IO/library/ubuntu:24.04"]
        let references = try spellings.map { try ImageReference(parsing: $0) }
        #expect(Set(references).count == 1)
        #expect(references[0].name == "docker.io/library/ubuntu")
        #expect(references[0].canonical == "docker.io/library/ubuntu:24.04")
        #expect(references[0].description == "docker.io/library/ubuntu:24.04")
        // Another tag or registry is another value.
        #expect(try ImageReference(parsing: "ubuntu:24.10") != references[0])
        #expect(try ImageReference(parsing: "ghcr.io/library/ubuntu:24.04") != references[0])
    }

    @Test("pinned(digest:) appends a sha256 digest to the canonical tag, and only that")
    func pinned() throws {
        let reference = try ImageReference(parsing: "ubuntu:24.04@\(Digests.a)")
        #expect(reference.description == "docker.io/library/ubuntu:24.04@\(Digests.a)")
        #expect(reference.pinned(digest: Digests.b) == "docker.io/library/ubuntu:24.04@\(Digests.b)")
        #expect(reference.pinned(digest: String(Digests.b.dropFirst(7))) == nil)
        #expect(reference.pinned(digest: Digests.b.uppercased()) == nil)
        #expect(reference.pinned(digest: "sha512:" + String(repeating: "b", count: 128)) == nil)
        #expect(try ImageReference(parsing: "127.0.0.1:5000/team/app:v1").pinned(digest: Digests.c) == "127.0.0.1:5000/team/app:v1@\(Digests.c)")
    }

    static let refused: [RefusedReference] = [
        .init("empty", "", control: "u", "empty"),
        .init("upper-case repository", "Ubuntu:24.04", control: "ubuntu:24.04", "lower-case"),
        .init("upper-case path under a registry", "ghcr.io/Org/app", control: "ghcr.io/org/app", "lower-case"),
        .init("empty component", "ghcr.io//app", control: "ghcr.io/app", "empty path component"),
        .init("trailing slash", "ubuntu/", control: "ubuntu", "empty path component"),
        .init("dot-dot component", "ghcr.io/org/../app", control: "ghcr.io/org/app", "invalid path component \"..\""),
        .init("dot component", "ghcr.io/./app", control: "ghcr.io/app", "invalid path component"),
        .init("component starting with a separator", "ghcr.io/-app", control: "ghcr.io/app", "invalid path component"),
        .init("three underscores", "a___b", control: "a__b", "invalid path component"),
        .init("mixed separator .-", "a.-b", control: "a-b", "invalid path component"),
        .init("space", "ubuntu :24.04", control: "ubuntu:24.04", "space"),
        .init("newline", "ubuntu\n", control: "ubuntu", "control byte"),
        .init("NUL byte", "ubu\u{0}ntu", control: "ubuntu", "control byte"),
        .init("DEL byte", "ubu\u{7F}ntu", control: "ubuntu", "control byte"),
        .init("escape sequence", "ubuntu\u{1B}[31m", control: "ubuntu", "control byte"),
        .init("non-ASCII lookalike", "ubunt\u{0443}", control: "ubuntu", "non-ASCII"),
        .init("longer than 512 bytes", "ghcr.io/app:" + String(repeating: "t", count: 128) + "@" + Digests.a + String(repeating: "x", count: 301),
              control: "ghcr.io/app:" + String(repeating: "t", count: 128) + "@" + Digests.a, "longer than 512 bytes"),
        .init("name of 256 bytes", "ghcr.io/" + String(repeating: "a", count: 248), control: "ghcr.io/" + String(repeating: "a", count: 247), "name longer than 255"),
        .init("Hub name counts docker.io/ too", "library/" + String(repeating: "a", count: 238), control: "library/" + String(repeating: "a", count: 237), "name longer than 255"),
        .init("empty tag", "ubuntu:", control: "ubuntu:x", "tag must be"),
        .init("tag starting with -", "ubuntu:-x", control: "ubuntu:x-", "tag must be"),
        .init("tag starting with .", "ubuntu:.x", control: "ubuntu:x.", "tag must be"),
        .init("tag of 129 bytes", "app:" + String(repeating: "t", count: 129), control: "app:" + String(repeating: "t", count: 128), "tag must be"),
        .init("upper-case digest", "ubuntu@sha256:" + String(repeating: "A", count: 64), control: "ubuntu@" + Digests.a, "digest must be"),
        .init("sha512 digest", "ubuntu@sha512:" + String(repeating: "a", count: 128), control: "ubuntu@" + Digests.a, "digest must be"),
        .init("short digest", "ubuntu@" + Digests.a.dropLast(), control: "ubuntu@" + Digests.a, "digest must be"),
        .init("empty digest", "ubuntu@", control: "ubuntu@" + Digests.a, "digest must be"),
        .init("two digests", "ubuntu@\(Digests.a)@\(Digests.b)", control: "ubuntu@" + Digests.a, "digest must be"),
        .init("port 0", "ghcr.io:0/app", control: "ghcr.io:1/app", "registry must be"),
        .init("port 65536", "ghcr.io:65536/app", control: "ghcr.io:65535/app", "registry must be"),
        .init("port not a number", "ghcr.io:http/app", control: "ghcr.io:80/app", "registry must be"),
        .init("empty port", "ghcr.io:/app", control: "ghcr.io/app", "registry must be"),
        .init("host label starting with -", "-ghcr.io/app", control: "ghcr.io/app", "registry must be"),
        .init("underscore in host", "my_registry.io/app", control: "myregistry.io/app", "registry must be"),
        .init("empty host label", "ghcr..io/app", control: "ghcr.io/app", "registry must be"),
        .init("user info in host", "user:pw@ghcr.io/app", control: "ghcr.io/app", "digest must be"),
        .init("bracketed IPv6 (not supported)", "[::1]:5000/app", control: "127.0.0.1:5000/app", "registry must be"),
    ]

    @Test("refused references (each beside its accepted control)", arguments: refused)
    func refuses(_ c: RefusedReference) throws {
        #expect(throws: Never.self) { try ImageReference(parsing: c.control) }
        switch ImageReference.parse(c.bad) {
        case .success(let reference): Issue.record("accepted \(reference)")
        case .failure(let error):
            #expect(error.code == .malformedDocument)
            #expect(error.reason.contains(c.reason), "\(error.reason)")
            #expect(!error.reason.contains("\n") && !error.reason.contains("\u{1B}"), "the reason is one printable line")
        }
    }

    struct SourceCase: Sendable, CustomTestStringConvertible {
        var name: String
        var apiBaseURL: String
        var repository: String
        var tag: String
        var expected: String?
        var testDescription: String { name }
    }

    static let sources: [SourceCase] = [
        .init(name: "Docker Hub's API host is shown as docker.io", apiBaseURL: hub, repository: "library/ubuntu", tag: "24.04", expected: "docker.io/library/ubuntu:24.04"),
        .init(name: "index.docker.io as a URL is Hub too", apiBaseURL: "https://index.docker.io", repository: "library/ubuntu", tag: "24.04", expected: "docker.io/library/ubuntu:24.04"),
        .init(name: "local registry with port", apiBaseURL: "https://127.0.0.1:5000", repository: "team/app", tag: "v1", expected: "127.0.0.1:5000/team/app:v1"),
        .init(name: "URL spelled with upper case and :443", apiBaseURL: "HTTPS://GHCR.IO:443/", repository: "org/app", tag: "1", expected: "ghcr.io/org/app:1"),
        .init(name: "Hub repository without library/ is not normal form", apiBaseURL: hub, repository: "ubuntu", tag: "24.04", expected: nil),
        .init(name: "plain http", apiBaseURL: "http://ghcr.io", repository: "org/app", tag: "1", expected: nil),
        .init(name: "URL with a path", apiBaseURL: "https://ghcr.io/v2", repository: "org/app", tag: "1", expected: nil),
        .init(name: "host without a dot would read as a Hub name", apiBaseURL: "https://myregistry", repository: "app", tag: "1", expected: nil),
        .init(name: "upper-case repository", apiBaseURL: "https://ghcr.io", repository: "Org/app", tag: "1", expected: nil),
        .init(name: "invalid tag", apiBaseURL: "https://ghcr.io", repository: "org/app", tag: "-1", expected: nil),
        .init(name: "a digest smuggled into the tag", apiBaseURL: "https://ghcr.io", repository: "org/app", tag: "1@\(Digests.a)", expected: nil),
    ]

    @Test("fromSource maps a source back to what people write", arguments: sources)
    func fromSource(_ c: SourceCase) {
        let reference = ImageReference.fromSource(apiBaseURL: c.apiBaseURL, repository: c.repository, tag: c.tag)
        #expect(reference?.description == c.expected)
        #expect(reference?.digest == nil)
    }
}
