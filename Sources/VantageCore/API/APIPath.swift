/// The coordinator's HTTP API under `/v1/` (JSON). These types are shared by the coordinator, the agent and
/// the CLI so that all three agree on the wire format.
///
/// Routes (target IDs in paths are one percent-encoded segment, `/` as `%2F`):
/// - `POST /v1/observations` — ``ObservationBatch`` → ``ObservationReceipt`` (agent signature is the only auth)
/// - `GET /v1/blobs/sha256/{hex}` — exact root bytes
/// - `GET /v1/pins` (strong ETag, `If-None-Match` → 304), `GET /v1/pins/{version}` — ``PinList``
/// - `GET /v1/pins/{version|latest}/header` — ``SignedPinListHeader``
/// - `GET /v1/pins/{version|latest}/targets/{id}` — ``PinProof``
/// - `GET /v1/targets` — [``TargetStatus``]; `GET /v1/targets/{id}` — ``TargetStatus``;
///   `GET /v1/targets/{id}/history` — ``TargetHistory``
/// - `GET /v1/agents` — [``AgentStatus``]; `GET /v1/events?after=CURSOR&limit=N` — ``EventPage``
/// - `GET /v1/status` — ``CoordinatorStatus``; `GET /v1/policy` — ``TrustPolicy`` (for `vantage policy export`)
/// - admin (bearer token): `POST /v1/targets` (``TargetSpec``), `DELETE /v1/targets/{id}`,
///   `POST /v1/targets/{id}/approve` (``ApproveRequest``), `POST /v1/agents` (``AgentEnrollment``),
///   `POST /v1/alerts/test`, `DELETE /v1/agents/{id}`, `POST /v1/alerts/{event id}/ack` (``AcknowledgeRequest``)
/// - `GET /v1/alerts` — [``AlertEntry``]: open alerts, acknowledged or not
/// - `/livez`, `/readyz`, `/metrics`
public enum APIPath {
    public static let observations = "/v1/observations"
    public static let pins = "/v1/pins"
    public static let targets = "/v1/targets"
    public static let agents = "/v1/agents"
    public static let events = "/v1/events"
    public static let status = "/v1/status"
    public static let policy = "/v1/policy"
    public static let alertsTest = "/v1/alerts/test"
    public static let alerts = "/v1/alerts"
    public static let blobs = "/v1/blobs/sha256"

    /// `id` as a single path segment.
    public static func segment(_ id: String) -> String {
        id.addingPercentEncodingForPathSegment()
    }
}

extension String {
    func addingPercentEncodingForPathSegment() -> String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
