import Foundation
import Logging
import NaveAuth
import NaveStore

/// Where the TLS listeners' certificate and key are. Configured paths win; otherwise the data
/// directory's `certs/` holds a development CA (`ca.pem`, `ca.key`) and a server certificate it
/// signed (`server.pem` with the chain, `server.key`), made once — by `nave certs init` or at
/// the first start — and kept, so SDKs pointed at `ca.pem` keep trusting the node.
public struct CertificateFiles: Sendable {
    public var chainPath: String
    public var keyPath: String
    /// The development CA, when the node made its own certificate.
    public var caPath: String?

    /// The files for `hub`, making the development set in `directory` when it is missing.
    static func resolve(_ hub: HubConfiguration, in directory: DataDirectory, logger: Logger) throws -> CertificateFiles {
        if !hub.certificateChainPath.isEmpty {
            return CertificateFiles(chainPath: hub.certificateChainPath, keyPath: hub.privateKeyPath, caPath: nil)
        }
        let (files, created) = try ensureDevelopmentSet(in: directory.certificates, hostName: hub.hostName)
        if created {
            logger.notice("made a development CA and server certificate; point SDKs at the CA", metadata: [
                "ca": "\(files.caPath ?? "")", "server": "\(files.chainPath)",
            ])
        }
        return files
    }

    /// The development set in `folder`, made now if `server.pem` is missing (then `created`).
    public static func ensureDevelopmentSet(in folder: String, hostName: String) throws -> (CertificateFiles, created: Bool) {
        let files = CertificateFiles(chainPath: folder + "/server.pem", keyPath: folder + "/server.key", caPath: folder + "/ca.pem")
        let manager = FileManager.default
        if manager.fileExists(atPath: files.chainPath), manager.fileExists(atPath: files.keyPath) {
            return (files, false)
        }
        try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var dnsNames = ["localhost"]
        if hostName.lowercased() != "localhost", !hostName.isEmpty { dnsNames.append(hostName) }
        let set = try DevelopmentCertificates.make(commonName: hostName.isEmpty ? "localhost" : hostName, dnsNames: dnsNames,
                                                   ipAddresses: ["127.0.0.1", "::1"], validityDays: 825)
        try write(set.certificateAuthority.privateKeyPEM, to: folder + "/ca.key", secret: true)
        try write(set.certificateAuthority.certificatePEM, to: folder + "/ca.pem", secret: false)
        try write(set.server.privateKeyPEM, to: files.keyPath, secret: true)
        // The chain a client needs: the leaf, then the CA that signed it.
        try write(set.server.certificatePEM + set.certificateAuthority.certificatePEM, to: files.chainPath, secret: false)
        return (files, true)
    }

    private static func write(_ text: String, to path: String, secret: Bool) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: secret ? 0o600 : 0o644]) else {
            throw CertificateFilesError(description: "cannot write \(path)")
        }
    }
}

struct CertificateFilesError: Error, CustomStringConvertible {
    let description: String
}
