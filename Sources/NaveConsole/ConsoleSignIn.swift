import NaveAuth
import NaveCore
import NaveModel

/// Sign-in with a shared access policy's connection string (issue #17): the console signs a
/// short service token with the key, exactly as `azure-iot-hub` does (contract §4.1), and hands
/// it to the REST API's own `ServiceAuthorizer`. So the console accepts what the REST API
/// accepts and nothing else: there is no second way in.
struct ConsoleSignIn {
    /// Lifetime of the token signed only to be verified at once.
    static let tokenLifetimeSeconds: Int64 = 60
    /// Longest connection string read (a policy's is about 150 characters).
    static let connectionStringBytesMax = 1_024

    let authorizer: ServiceAuthorizer

    /// The policy and the key that signed in, or why not. Messages name no key.
    func verify(_ text: String) throws(HubError) -> (policy: SharedAccessPolicy, key: String) {
        guard text.utf8.count <= Self.connectionStringBytesMax else {
            throw .unauthorizedAccess("The connection string is too long.")
        }
        let connection: ConnectionString
        do {
            connection = try ConnectionString(parsing: text.trimmingSpaces)
        } catch {
            throw .unauthorizedAccess("That is not a connection string: \(error)")
        }
        guard let keyName = connection.sharedAccessKeyName, let key = connection.sharedAccessKey, connection.deviceID == nil else {
            throw .unauthorizedAccess("Sign in with a shared access policy's connection string (SharedAccessKeyName and SharedAccessKey).")
        }
        let token: String
        do {
            token = try SASToken.serviceToken(hostName: connection.hostName, keyName: keyName, key: key,
                                              expiry: authorizer.clock.now().secondsSinceEpoch + Self.tokenLifetimeSeconds)
        } catch {
            throw .unauthorizedAccess("The key is not base64.")
        }
        let policy = try authorizer.authorize(token, requiring: [])
        return (policy, key)
    }
}

extension String {
    var trimmingSpaces: Substring {
        let scalars = unicodeScalars
        let start = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.endIndex
        let end = scalars.lastIndex { !$0.properties.isWhitespace }.map { scalars.index(after: $0) } ?? start
        return Substring(scalars[start..<max(start, end)])
    }
}
