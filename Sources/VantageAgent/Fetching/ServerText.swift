/// Server-controlled text (a `Location`, a token realm, a URL reached through a redirect) made fit for an
/// observation message or a log line: printable ASCII only (anything else becomes `?`), at most `limit`
/// characters. Response bodies are never quoted at all.
enum ServerText {
    static func clip(_ text: String, limit: Int = 160) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.count >= limit {
                out += "…"
                break
            }
            out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        return out
    }
}
