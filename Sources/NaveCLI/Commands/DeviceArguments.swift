import ArgumentParser
import NaveModel

/// Turns `nave device` options into a registry request, with the CLI's own error messages.
enum DeviceArguments {
    static func request(deviceID: String, auth: String, primaryKey: String?, secondaryKey: String?,
                        primaryThumbprint: String?, secondaryThumbprint: String?, status: String,
                        statusReason: String?) throws -> DeviceRequest {
        guard let kind = Authentication.Kind(rawValue: auth) else {
            throw CommandFailure(description: "--auth must be sas, selfSigned, certificateAuthority or none")
        }
        guard let status = DeviceStatus(rawValue: status) else { throw CommandFailure(description: "--status must be enabled or disabled") }
        let authentication = Authentication(kind: kind, primaryKey: primaryKey, secondaryKey: secondaryKey,
                                            primaryThumbprint: primaryThumbprint, secondaryThumbprint: secondaryThumbprint)
        return DeviceRequest(deviceID: deviceID, status: status, statusReason: statusReason, authentication: authentication)
    }
}
