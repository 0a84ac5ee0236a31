import Logging
import NaveIO

/// SIGHUP (issue #16): what a running node reads again without dropping a connection — the
/// general broker's password and ACL files, and the TLS certificates and keys of every TLS
/// listener. Each part that fails to load is logged and the one in force stays. (The log level
/// belongs to whoever made the log handlers: `nave serve` re-reads it into its `RuntimeLogLevel`.)
extension NaveServer {
    /// Reloads the security files and the TLS identities; see the parts.
    public func reload() {
        reloadSecurityFiles()
        reloadTLSIdentities()
    }

    /// Reads every TLS listener's certificate chain and key again: the hub's (devices on 8883,
    /// HTTPS on 443, AMQP on 5671) and `mqtt.tlsListeners`'. Handshakes from now on present
    /// the new certificate; connected sessions keep the one they negotiated
    /// (`TLSContext.reloadServerIdentity`). A chain, key or CA file that fails keeps the old
    /// identity of that listener, with the reason logged (never the key's contents).
    public func reloadTLSIdentities() {
        let identities: [(name: String, context: TLSContext, path: String)] =
            (resources.map { [("hub", $0.tls, $0.certificates.chainPath)] } ?? [])
            + (brokerTLS.map { [("mqtt.tlsListeners", $0, configuration.security.tlsCertificateChainPath)] } ?? [])
        for identity in identities {
            do {
                try identity.context.reloadServerIdentity()
                logger.notice("TLS certificate reloaded", metadata: ["listeners": "\(identity.name)", "path": "\(identity.path)"])
            } catch {
                logger.error("TLS certificate not reloaded; the previous one stays in force",
                             metadata: ["listeners": "\(identity.name)", "reason": "\(error)"])
            }
        }
    }
}
