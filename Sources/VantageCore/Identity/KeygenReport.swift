/// What `vantage-agent keygen` and `vantage-coordinator keygen` print, in one format: the key, then the entry to
/// paste where the key is enrolled (the coordinator's `agents`, or a trust policy's `coordinators`).
public enum KeygenReport {
    /// An agent's key: the `agents` entry of the coordinator configuration (`"<id> <region> <public key>"`).
    public static func agent(_ key: PublicIdentity, id: String, region: String) -> String {
        text(key, enrolment: #"coordinator configuration "agents": "\#(id) \#(region) \#(key.base64)""#)
    }

    /// A coordinator's key: its entry in a trust policy's `coordinators` (its id is the key id); `vantage policy
    /// export` writes it for you.
    public static func coordinator(_ key: PublicIdentity) -> String {
        text(key, enrolment: #"trust policy "coordinators": {"id":"\#(key.keyID)","public_key":"\#(key.base64)"}"#)
    }

    static func text(_ key: PublicIdentity, enrolment: String) -> String {
        "key_id: \(key.keyID)\npublic_key: \(key.base64)\nenrolment: \(enrolment)\n"
    }
}

/// The release version every Vantage program reports (`--version`).
public enum VantageRelease {
    public static let version = "0.1.0"
}
