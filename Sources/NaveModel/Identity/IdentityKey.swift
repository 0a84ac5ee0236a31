/// Who a connection authenticated as: a device, or one of its modules.
public struct IdentityKey: Sendable, Hashable, CustomStringConvertible {
    public var deviceID: String
    public var moduleID: String?

    public init(deviceID: String, moduleID: String? = nil) {
        self.deviceID = deviceID
        self.moduleID = moduleID
    }

    /// `dev1` or `dev1/mod1`, the MQTT client id form.
    public var description: String { moduleID.map { "\(deviceID)/\($0)" } ?? deviceID }
}

/// Listing order: by device id, a device's own identity before its modules, modules by id. The
/// query endpoint pages in this order, so a continuation resumes right after the last key shown.
extension IdentityKey: Comparable {
    public static func < (lhs: IdentityKey, rhs: IdentityKey) -> Bool {
        if lhs.deviceID != rhs.deviceID { return lhs.deviceID < rhs.deviceID }
        switch (lhs.moduleID, rhs.moduleID) {
        case (nil, nil), (.some, nil): return false
        case (nil, .some): return true
        case (.some(let left), .some(let right)): return left < right
        }
    }
}
