import NaveLimits

/// Who may use the general broker (its `mqtt.listeners` and `mqtt.tlsListeners`) and what they
/// may do, with Mosquitto's files and words (`password_file`, `acl_file`, `allow_anonymous`,
/// `require_certificate`, `use_identity_as_username`). Keys under `mqtt.` (Tuning/reference.yaml).
public struct BrokerSecurityConfiguration: Sendable {
    /// A Mosquitto password file (`mosquitto_passwd` makes one). Empty: none.
    public var passwordFile = ""
    /// A Mosquitto ACL file. Empty: none, and every client may publish and subscribe anywhere.
    public var aclFile = ""
    /// Whether clients that send no username are let in. Nil: yes without a password file
    /// (the broker's behaviour before there were any), no with one — Mosquitto 2.0's default.
    public var allowAnonymous: Bool?
    /// MQTT over TLS for the general broker. Default none.
    public var tlsListeners: [NaveConfiguration.Listener] = []
    /// PEM chain (leaf first) and key the TLS listeners present. Empty: the hub's certificate
    /// (`hub.tls.*`, or its development one), which needs the hub enabled.
    public var tlsCertificateChainPath = ""
    public var tlsPrivateKeyPath = ""
    /// PEM CA certificates that client certificates must chain to (Mosquitto's `cafile`).
    public var tlsClientCAPath = ""
    /// Refuse the TLS handshake without a client certificate from `tlsClientCAPath`.
    public var requireCertificate = false
    /// The client certificate's common name is the username (for ACLs); the CONNECT's username
    /// and password are ignored, and the password file is not consulted. Needs `requireCertificate`.
    public var useIdentityAsUsername = false

    public init() {}

    /// Anonymous clients admitted, after the default is applied.
    public var admitsAnonymous: Bool { allowAnonymous ?? passwordFile.isEmpty }

    /// Whether the plain listeners need a gate at all: otherwise they stay as open, and as
    /// cheap, as before (no authenticator call, no ACL checks).
    public var restrictsPlainListeners: Bool { !passwordFile.isEmpty || !aclFile.isEmpty || !admitsAnonymous }

    mutating func read(_ mqtt: ConfigurationReader) {
        passwordFile = mqtt.string(forKey: "passwordFile", default: passwordFile)
        aclFile = mqtt.string(forKey: "aclFile", default: aclFile)
        allowAnonymous = mqtt.bool(forKey: "allowAnonymous")
        tlsListeners = mqtt.listeners(forKey: "tlsListeners", default: tlsListeners)
        let tls = mqtt.scoped(to: "tls")
        tlsCertificateChainPath = tls.string(forKey: "certificateChain", default: tlsCertificateChainPath)
        tlsPrivateKeyPath = tls.string(forKey: "privateKey", default: tlsPrivateKeyPath)
        tlsClientCAPath = tls.string(forKey: "caFile", default: tlsClientCAPath)
        requireCertificate = tls.bool(forKey: "requireCertificate", default: requireCertificate)
        useIdentityAsUsername = tls.bool(forKey: "useIdentityAsUsername", default: useIdentityAsUsername)
    }

    func validate(hubEnabled: Bool) throws(ConfigurationInvalid) {
        let rules = ConfigurationRules()
        for listener in tlsListeners where listener.socketAddress == nil {
            throw ConfigurationInvalid("listener \(listener) is not a numeric IPv4/IPv6 address with a port 0...65535")
        }
        try rules.require(tlsCertificateChainPath.isEmpty == tlsPrivateKeyPath.isEmpty,
                    "mqtt.tls.certificateChain and mqtt.tls.privateKey are given together or not at all")
        try rules.require(tlsListeners.isEmpty || !tlsCertificateChainPath.isEmpty || hubEnabled,
                    "mqtt.tlsListeners need mqtt.tls.certificateChain and mqtt.tls.privateKey when the hub is disabled")
        try rules.require(!requireCertificate || !tlsClientCAPath.isEmpty, "mqtt.tls.requireCertificate needs mqtt.tls.caFile")
        try rules.require(!useIdentityAsUsername || requireCertificate, "mqtt.tls.useIdentityAsUsername needs mqtt.tls.requireCertificate")
    }
}
