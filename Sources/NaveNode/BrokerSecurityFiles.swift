import Foundation
import Logging
import NaveAuth
import NaveBroker

/// Reads the general broker's password and ACL files: at start (an unreadable or invalid file
/// stops the node with the reason) and on reload (SIGHUP), where a file that fails keeps the
/// one in force and the reason is logged.
enum BrokerSecurityFiles {
    /// The policy the configuration names, with both files read and parsed now.
    static func load(_ security: BrokerSecurityConfiguration) throws -> BrokerAccessControl.Policy {
        BrokerAccessControl.Policy(passwordFile: try security.passwordFile.isEmpty ? nil : readPasswordFile(security.passwordFile),
                                   acl: try security.aclFile.isEmpty ? nil : readACL(security.aclFile),
                                   allowAnonymous: security.admitsAnonymous)
    }

    static func readPasswordFile(_ path: String) throws -> PasswordFile {
        do {
            return try PasswordFile(parsing: read(path, key: "mqtt.passwordFile"))
        } catch let error as PasswordFileError {
            throw BrokerSecurityFileError(description: "mqtt.passwordFile \(path): \(error)")
        }
    }

    static func readACL(_ path: String) throws -> AccessControlList {
        do {
            return try AccessControlList(parsing: read(path, key: "mqtt.aclFile"))
        } catch let error as AccessControlListError {
            throw BrokerSecurityFileError(description: "mqtt.aclFile \(path): \(error)")
        }
    }

    /// Reads both files again and puts each that parses in force; logs what happened.
    static func reload(_ security: BrokerSecurityConfiguration, into control: BrokerAccessControl, logger: Logger) {
        if !security.passwordFile.isEmpty {
            do {
                let file = try readPasswordFile(security.passwordFile)
                control.replace(passwordFile: file)
                logger.notice("password file reloaded", metadata: ["path": "\(security.passwordFile)", "users": "\(file.users.count)"])
            } catch {
                logger.error("password file not reloaded; the previous one stays in force", metadata: ["reason": "\(error)"])
            }
        }
        if !security.aclFile.isEmpty {
            do {
                let acl = try readACL(security.aclFile)
                control.replace(acl: acl)
                logger.notice("ACL file reloaded", metadata: ["path": "\(security.aclFile)"])
            } catch {
                logger.error("ACL file not reloaded; the previous one stays in force", metadata: ["reason": "\(error)"])
            }
        }
    }

    private static func read(_ path: String, key: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BrokerSecurityFileError(description: "\(key) \(path): cannot be read (missing, or no permission)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw BrokerSecurityFileError(description: "\(key) \(path): not UTF-8 text")
        }
        return text
    }
}

struct BrokerSecurityFileError: Error, CustomStringConvertible {
    let description: String
}
