/// Errors of cloud-to-device messaging and feedback, beside the catalog in
/// `HubError+Catalog.swift`, with IoT Hub's documented numbers ("IoT Hub API common error
/// codes").
extension HubError {
    /// 412002 DeviceMessageLockLost: a complete, reject or abandon names a lock token that is not
    /// held (never issued, already settled, or its lock expired and the message went back to
    /// the queue). Also what a feedback batch's stale lock token gets.
    public static func deviceMessageLockLost(_ message: String = "The lock token is not valid, or its lock has expired.") -> HubError {
        HubError(status: 412, code: 412_002, name: "DeviceMessageLockLost", message: message)
    }
}
