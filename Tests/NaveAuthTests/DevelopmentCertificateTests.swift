import Foundation
import NaveAuth
import Testing

/// Development certificates checked by independent implementations: the openssl command line
/// and Python's ssl module acting as the device SDK does (contract §0.2, §1.1).
@Suite("Development certificates")
struct DevelopmentCertificateTests {
    static let openssl = "/usr/bin/openssl"

    /// Writes the CA and server files into a fresh directory.
    private func written(_ certificates: DevelopmentCertificates) throws -> URL {
        let directory = try Subprocess.temporaryDirectory()
        let files = ["ca.pem": certificates.certificateAuthority.certificatePEM,
                     "ca.key": certificates.certificateAuthority.privateKeyPEM,
                     "server.pem": certificates.server.certificatePEM,
                     "server.key": certificates.server.privateKeyPEM]
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    private func openssl(_ arguments: [String], in directory: URL) throws -> Subprocess.Result {
        try Subprocess.run(Self.openssl, arguments, in: directory)
    }

    @Test("openssl verifies the server certificate against the CA; extensions as specified")
    func opensslAccepts() throws {
        let certificates = try DevelopmentCertificates.make(commonName: "localhost", validityDays: 30)
        let directory = try written(certificates)
        defer { try? FileManager.default.removeItem(at: directory) }

        let verify = try openssl(["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "ca.pem", "server.pem"], in: directory)
        #expect(verify.status == 0, "\(verify.output) \(verify.errors)")
        #expect(verify.output.contains("server.pem: OK"))

        let san = try openssl(["x509", "-noout", "-ext", "subjectAltName", "-in", "server.pem"], in: directory)
        #expect(san.output.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"), "\(san.output)")

        let ca = try openssl(["x509", "-noout", "-text", "-in", "ca.pem"], in: directory).output
        for expected in ["CA:TRUE", "Certificate Sign, CRL Sign", "ecdsa-with-SHA256", "NIST CURVE: P-256",
                         "X509v3 Subject Key Identifier", "Subject: O = Nave, CN = Nave development CA for localhost"] {
            #expect(ca.contains(expected), "CA lacks \(expected)")
        }
        let server = try openssl(["x509", "-noout", "-text", "-in", "server.pem"], in: directory).output
        for expected in ["CA:FALSE", "Digital Signature", "TLS Web Server Authentication", "X509v3 Authority Key Identifier",
                         "ecdsa-with-SHA256", "Subject: O = Nave, CN = localhost", "Issuer: O = Nave, CN = Nave development CA"] {
            #expect(server.contains(expected), "server certificate lacks \(expected)")
        }
        #expect(server.contains("X509v3 Basic Constraints: critical") && server.contains("X509v3 Key Usage: critical"))
    }

    @Test("private keys are PKCS#8 PEM and match their certificates")
    func privateKeys() throws {
        let certificates = try DevelopmentCertificates.make(commonName: "localhost", validityDays: 1)
        let directory = try written(certificates)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["ca", "server"] {
            let key = try String(contentsOf: directory.appendingPathComponent("\(name).key"), encoding: .utf8)
            #expect(key.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
            let fromKey = try openssl(["pkey", "-in", "\(name).key", "-pubout"], in: directory)
            let fromCertificate = try openssl(["x509", "-in", "\(name).pem", "-noout", "-pubkey"], in: directory)
            #expect(fromKey.status == 0 && !fromKey.output.isEmpty)
            #expect(fromKey.output == fromCertificate.output, "\(name) key does not match its certificate")
        }
        #expect(!certificates.server.description.contains("PRIVATE"))
        var dumped = ""
        dump(certificates, to: &dumped)
        #expect(!dumped.contains("PRIVATE KEY") && dumped.contains("CERTIFICATE"))
    }

    @Test("Python's ssl accepts the server for localhost, 127.0.0.1 and ::1 with TLS 1.2 pinned, and refuses other names")
    func pythonAccepts() throws {
        let certificates = try DevelopmentCertificates.make(commonName: "localhost", validityDays: 2)
        let directory = try written(certificates)
        defer { try? FileManager.default.removeItem(at: directory) }
        try tlsCheckScript.write(to: directory.appendingPathComponent("tls_check.py"), atomically: true, encoding: .utf8)
        let result = try Subprocess.run("/usr/bin/env", ["python3", "tls_check.py", "ca.pem", "server.pem", "server.key"],
                                        in: directory, timeoutSeconds: 60)
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map(String.init)
        for name in ["localhost", "127.0.0.1", "::1"] {
            #expect(lines.contains("sdk \(name) ok TLSv1.2"), "device-SDK-style client with \(name): \(lines)")
            #expect(lines.contains { $0.hasPrefix("default \(name) ok TLSv1.") }, "default client with \(name): \(lines)")
        }
        #expect(lines.contains { $0.hasPrefix("sdk example.com refused") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("default example.com refused") }, "\(lines)")
    }

    @Test("each CA is new: different keys and serial numbers")
    func fresh() throws {
        let a = try DevelopmentCertificates.make(commonName: "localhost", validityDays: 1)
        let b = try DevelopmentCertificates.make(commonName: "localhost", validityDays: 1)
        #expect(a.certificateAuthority.privateKeyPEM != b.certificateAuthority.privateKeyPEM)
        #expect(a.certificateAuthority.certificatePEM != b.certificateAuthority.certificatePEM)
        // A server certificate does not chain to another run's CA.
        let server = try Certificate(pem: a.server.certificatePEM)
        #expect(server.verifies(chainTo: [a.certificateAuthority.certificatePEM]))
        #expect(!server.verifies(chainTo: [b.certificateAuthority.certificatePEM]))
    }

    @Test("bad parameters are refused")
    func badParameters() throws {
        #expect(throws: CertificateError.self) { try DevelopmentCertificates.make(commonName: "x", validityDays: 0) }
        #expect(throws: CertificateError.self) { try DevelopmentCertificates.make(commonName: "x", dnsNames: ["a,DNS:b"]) }
        #expect(throws: CertificateError.self) { try DevelopmentCertificates.make(commonName: "x", dnsNames: [], ipAddresses: []) }
        #expect(throws: CertificateError.self) { try DevelopmentCertificates.make(commonName: "x", ipAddresses: ["not-an-ip"]) }
        let ca = try DevelopmentCertificates.make(commonName: "x", validityDays: 1)
        let mismatched = CertificateAndKey(certificatePEM: ca.certificateAuthority.certificatePEM,
                                           privateKeyPEM: ca.server.privateKeyPEM)
        #expect(throws: CertificateError.self) { try DevelopmentCertificates.makeDeviceCertificate(commonName: "d", signedBy: mismatched) }
    }
}
