import GRDB
import VantageCore

// Typed state read straight from its column by its raw text (`try row.decode(forColumn:)` throws on text no
// release wrote, never traps).
extension PinClassification: DatabaseValueConvertible {}
extension TargetStatus.Status: DatabaseValueConvertible {}
