import Testing
import VantageCore

/// A pin list as the pinner sees it: canonical tag → digest. The resolver answers only references without a
/// digest, as the pinner promises to ask.
enum DockerPins {
    static let pins = [
        "docker.io/library/ubuntu:24.04": Digests.a,
        "docker.io/library/golang:1.22": Digests.b,
        "docker.io/library/alpine:3.20": Digests.c,
        "127.0.0.1:5000/team/app:v1": Digests.d,
    ]
    static let pinner = DockerfilePinner { $0.digest == nil ? pins[$0.canonical] : nil }
}

struct PinCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: String
    var output: String
    /// (line, problem) of each finding, in file order.
    var findings: [Int: DockerfilePinner.Problem] = [:]
    var testDescription: String { name }
}

@Suite("DockerfilePinner: FROM and COPY --from= pinned to digests, every other byte kept")
struct DockerfilePinnerTests {
    static let a = Digests.a, b = Digests.b, c = Digests.c, d = Digests.d

    static let cases: [PinCase] = [
        .init(name: "one FROM", input: "FROM ubuntu:24.04\n", output: "FROM ubuntu:24.04@\(a)\n"),
        .init(name: "no trailing newline, no tag written", input: "FROM docker.io/library/ubuntu:24.04", output: "FROM docker.io/library/ubuntu:24.04@\(a)"),
        .init(name: "local registry with port", input: "FROM 127.0.0.1:5000/team/app:v1 AS app\n", output: "FROM 127.0.0.1:5000/team/app:v1@\(d) AS app\n"),
        .init(name: "lower-case keywords, indentation and AS kept", input: "  from\tubuntu:24.04   as Base\n", output: "  from\tubuntu:24.04@\(a)   as Base\n"),
        .init(
            name: "multi-stage: stages untouched, images pinned, --platform kept",
            input: """
                # syntax=docker/dockerfile:1
                FROM --platform=$BUILDPLATFORM golang:1.22 AS Builder
                WORKDIR /src
                RUN go build -o /app .

                FROM builder AS test
                FROM alpine:3.20
                COPY --from=builder /app /app
                COPY --chown=0:0 --from=alpine:3.20 /etc/ssl /etc/ssl
                COPY --from=0 /x /x

                """,
            output: """
                # syntax=docker/dockerfile:1
                FROM --platform=$BUILDPLATFORM golang:1.22@\(b) AS Builder
                WORKDIR /src
                RUN go build -o /app .

                FROM builder AS test
                FROM alpine:3.20@\(c)
                COPY --from=builder /app /app
                COPY --chown=0:0 --from=alpine:3.20@\(c) /etc/ssl /etc/ssl
                COPY --from=0 /x /x

                """),
        .init(
            name: "a stage name is only a stage after its AS",
            input: "FROM alpine:3.20\nCOPY --from=later /x /x\nFROM ubuntu:24.04 AS later\n",
            output: "FROM alpine:3.20@\(c)\nCOPY --from=later /x /x\nFROM ubuntu:24.04@\(a) AS later\n",
            findings: [2: .noPin]),
        .init(
            name: "continuation lines with a comment and a blank line inside",
            input: "FROM \\\n  # the base\n  --platform=linux/amd64 \\\n\n  ubuntu:24.04 \\\n  AS base\nRUN true\n",
            output: "FROM \\\n  # the base\n  --platform=linux/amd64 \\\n\n  ubuntu:24.04@\(a) \\\n  AS base\nRUN true\n"),
        .init(
            name: "CRLF line endings kept",
            input: "FROM ubuntu:24.04\r\nCOPY --from=alpine:3.20 \\\r\n  /a /b\r\nRUN echo\r\n",
            output: "FROM ubuntu:24.04@\(a)\r\nCOPY --from=alpine:3.20@\(c) \\\r\n  /a /b\r\nRUN echo\r\n"),
        .init(
            name: "escape directive: a backtick continues the line",
            input: "# escape=`\nFROM `\n  ubuntu:24.04\nRUN dir c:\\\n",
            output: "# escape=`\nFROM `\n  ubuntu:24.04@\(a)\nRUN dir c:\\\n"),
        .init(name: "comments are not instructions", input: "# FROM evil:1\n  #FROM evil:2\nFROM ubuntu:24.04\n", output: "# FROM evil:1\n  #FROM evil:2\nFROM ubuntu:24.04@\(a)\n"),
        .init(
            name: "heredoc bodies are not instructions",
            input: "FROM ubuntu:24.04\nRUN <<EOF\nFROM evil:1\nEOF\nCOPY <<-\"END\" /etc/x\n\tFROM evil:2\n\tEND\nFROM alpine:3.20\n",
            output: "FROM ubuntu:24.04@\(a)\nRUN <<EOF\nFROM evil:1\nEOF\nCOPY <<-\"END\" /etc/x\n\tFROM evil:2\n\tEND\nFROM alpine:3.20@\(c)\n"),
        .init(
            name: "control: the same lines outside a heredoc are instructions",
            input: "FROM ubuntu:24.04\nRUN true\nFROM evil:1\n",
            output: "FROM ubuntu:24.04@\(a)\nRUN true\nFROM evil:1\n",
            findings: [3: .noPin]),
        .init(name: "already pinned to the pin: unchanged", input: "FROM ubuntu:24.04@\(a)\n", output: "FROM ubuntu:24.04@\(a)\n"),
        .init(name: "pinned to another digest: replaced", input: "FROM ubuntu:24.04@\(d) AS x\n", output: "FROM ubuntu:24.04@\(a) AS x\n"),
        .init(
            name: "build arguments are reported, not rewritten",
            input: "ARG BASE=ubuntu:24.04\nFROM ${BASE}\nFROM $BASE AS two\nCOPY --from=alpine:${V} /a /b\n",
            output: "ARG BASE=ubuntu:24.04\nFROM ${BASE}\nFROM $BASE AS two\nCOPY --from=alpine:${V} /a /b\n",
            findings: [2: .buildArgument, 3: .buildArgument, 4: .buildArgument]),
        .init(name: "scratch is not an image", input: "FROM scratch\nFROM SCRATCH AS s\n", output: "FROM scratch\nFROM SCRATCH AS s\n"),
        .init(name: "no pin", input: "FROM ubuntu:24.04\nRUN x\nFROM foo:1\n", output: "FROM ubuntu:24.04@\(a)\nRUN x\nFROM foo:1\n", findings: [3: .noPin]),
        .init(name: "an invalid name", input: "FROM Ubuntu:24.04\n", output: "FROM Ubuntu:24.04\n", findings: [1: .invalidReference]),
        .init(name: "a digest without a tag", input: "FROM ubuntu@\(d)\n", output: "FROM ubuntu@\(d)\n", findings: [1: .digestWithoutTag]),
        .init(name: "an image split by a continuation", input: "FROM ubun\\\ntu:24.04\n", output: "FROM ubun\\\ntu:24.04\n", findings: [1: .splitAcrossLines]),
        .init(name: "a lone continuation at the end", input: "FROM ubuntu:24.04\n\\", output: "FROM ubuntu:24.04@\(a)\n\\"),
        .init(name: "FROM without an image", input: "FROM\nFROM --platform=linux/amd64\n", output: "FROM\nFROM --platform=linux/amd64\n"),
        .init(name: "empty file", input: "", output: ""),
        .init(
            name: "RUN --mount from= an image is pinned, a stage or a cache mount is not",
            input: "FROM golang:1.22 AS build\nRUN --mount=type=bind,from=alpine:3.20,target=/x --mount=type=cache,target=/c --mount=from=build,target=/b <<EOF\nFROM evil:1\nEOF\n",
            output: "FROM golang:1.22@\(b) AS build\nRUN --mount=type=bind,from=alpine:3.20@\(c),target=/x --mount=type=cache,target=/c --mount=from=build,target=/b <<EOF\nFROM evil:1\nEOF\n"),
        .init(name: "RUN --mount from= an image without a pin", input: "RUN --mount=from=foo:1,target=/f true\n", output: "RUN --mount=from=foo:1,target=/f true\n", findings: [1: .noPin]),
        .init(name: "a byte order mark before the first FROM", input: "\u{FEFF}FROM ubuntu:24.04\n", output: "\u{FEFF}FROM ubuntu:24.04@\(a)\n"),
    ]

    @Test("pin", arguments: cases)
    func pin(_ c: PinCase) {
        let outcome = DockerPins.pinner.pin(c.input.utf8)
        #expect(outcome.text == c.output)
        #expect(Dictionary(uniqueKeysWithValues: outcome.findings.map { ($0.line, $0.problem) }) == c.findings)
        #expect(outcome.findings.map(\.line) == outcome.findings.map(\.line).sorted())
        // Pinning is idempotent, and a file pinned without findings passes --check.
        #expect(DockerPins.pinner.pin(outcome.bytes).bytes == outcome.bytes)
        if c.findings.isEmpty { #expect(DockerPins.pinner.check(outcome.bytes).isEmpty) }
    }

    @Test("rewrites and findings say what changed, with 1-based lines")
    func report() {
        let outcome = DockerPins.pinner.pin("FROM ubuntu:24.04\nRUN x\nFROM foo:1\nCOPY --from=alpine:3.20@\(Digests.d) /a /b\n".utf8)
        #expect(outcome.rewrites.map { "\($0.line) \($0.image) → \($0.pinned)" } == [
            "1 ubuntu:24.04 → ubuntu:24.04@\(Digests.a)",
            "4 alpine:3.20@\(Digests.d) → alpine:3.20@\(Digests.c)",
        ])
        #expect(outcome.findings.map(\.description) == ["no pin for docker.io/library/foo:1 (line 3)"])
        #expect(outcome.findings.first?.image == "foo:1")
    }

    @Test("a resolver answering something that is not a digest pins nothing")
    func invalidPin() {
        let input = "FROM ubuntu:24.04\n"
        let bad = DockerfilePinner { _ in String(Digests.a.dropFirst(7)) }
        let outcome = bad.pin(input.utf8)
        #expect(outcome.text == input)
        #expect(outcome.findings.map(\.problem) == [.invalidPin])
        // Control: the same file with a resolver answering a digest.
        #expect(DockerfilePinner { _ in Digests.a }.pin(input.utf8).text == "FROM ubuntu:24.04@\(Digests.a)\n")
    }

    struct CheckCase: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var findings: [Int: DockerfilePinner.Problem]
        var testDescription: String { name }
    }

    static let checks: [CheckCase] = [
        .init(name: "fully pinned (control)", input: "FROM ubuntu:24.04@\(a) AS b\nFROM b\nCOPY --from=alpine:3.20@\(c) /a /b\nFROM scratch\n", findings: [:]),
        .init(name: "a tag without a digest", input: "FROM ubuntu:24.04@\(a)\nCOPY --from=alpine:3.20 /a /b\n", findings: [2: .notPinned]),
        .init(name: "pinned to a digest that is not the pin (a rolled-back or forged line)", input: "FROM ubuntu:24.04@\(d)\n", findings: [1: .pinnedElsewhere]),
        .init(name: "no pin", input: "FROM foo:1@\(a)\n", findings: [1: .noPin]),
        .init(name: "build argument", input: "FROM ${BASE}\n", findings: [1: .buildArgument]),
        .init(name: "digest without a tag", input: "FROM ubuntu@\(a)\n", findings: [1: .digestWithoutTag]),
        .init(name: "split but pinned to the pin", input: "FROM ubuntu:24.04@\\\n\(a)\n", findings: [:]),
    ]

    @Test("check", arguments: checks)
    func check(_ c: CheckCase) {
        let findings = DockerPins.pinner.check(c.input.utf8)
        #expect(Dictionary(uniqueKeysWithValues: findings.map { ($0.line, $0.problem) }) == c.findings)
    }

    @Test("check names the tag, the written digest and the pin")
    func checkReasons() {
        let findings = DockerPins.pinner.check("FROM ubuntu:24.04\nFROM ubuntu:24.04@\(Digests.d)\n".utf8)
        #expect(findings.map(\.description) == [
            "docker.io/library/ubuntu:24.04 is not pinned; its pin is \(Digests.a) (line 1)",
            "docker.io/library/ubuntu:24.04 is pinned to \(Digests.d); its pin is \(Digests.a) (line 2)",
        ])
    }
}
