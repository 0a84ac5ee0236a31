import Foundation
import NaveAuth
import NaveEncoding
import Testing

/// X.509 device certificates (contract §1.4): thumbprints against `openssl x509 -fingerprint`,
/// thumbprint matching, common names, and CA-chain verification.
@Suite("X.509 device certificates")
struct CertificateTests {
    @Test("SHA-1 and SHA-256 thumbprints equal openssl's fingerprints")
    func thumbprints() throws {
        let device = try DevelopmentCertificates.makeDeviceCertificate(commonName: "dev-x509")
        let directory = try Subprocess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try device.certificatePEM.write(to: directory.appendingPathComponent("device.pem"), atomically: true, encoding: .utf8)
        let certificate = try Certificate(pem: device.certificatePEM)
        for (digest, ours) in [("-sha1", certificate.sha1Thumbprint), ("-sha256", certificate.sha256Thumbprint)] {
            let result = try Subprocess.run("/usr/bin/openssl", ["x509", "-noout", "-fingerprint", digest, "-in", "device.pem"],
                                            in: directory)
            #expect(result.status == 0)
            // "SHA1 Fingerprint=AB:CD:…"
            let colonForm = String(result.output.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(colonForm.replacingOccurrences(of: ":", with: "") == ours, "\(digest)")
            #expect(Thumbprint.matches(colonForm, der: certificate.der))
            #expect(Thumbprint.matches(colonForm.lowercased(), der: certificate.der))
        }
        #expect(certificate.sha1Thumbprint.utf8.count == 40 && certificate.sha256Thumbprint.utf8.count == 64)
    }

    @Test("thumbprint matching: either digest, any case, ':' ignored; nothing else")
    func thumbprintMatching() throws {
        let certificate = try Certificate(pem: DevelopmentCertificates.makeDeviceCertificate(commonName: "d").certificatePEM)
        let other = try Certificate(pem: DevelopmentCertificates.makeDeviceCertificate(commonName: "d").certificatePEM)
        let sha1 = certificate.sha1Thumbprint
        let sha256 = certificate.sha256Thumbprint
        #expect(Thumbprint.matches(sha1, der: certificate.der))
        #expect(Thumbprint.matches(sha1.lowercased(), der: certificate.der))
        #expect(Thumbprint.matches(sha256, der: certificate.der))
        #expect(Thumbprint.matches(sha256.lowercased(), der: certificate.der))
        #expect(!Thumbprint.matches(sha1, der: other.der))
        #expect(!Thumbprint.matches(sha256, der: other.der))
        for bad in ["", String(sha1.dropLast()), sha1 + "0", "G" + sha1.dropFirst(), String(sha256.prefix(50))] {
            #expect(!Thumbprint.matches(bad, der: certificate.der), "\(bad)")
        }
        #expect(Thumbprint.normalized("8c:b6:92:f3:d1:8f:10:9a:32:bf:c7:11:44:55:95:90:26:1f:b5:57")
                == "8CB692F3D18F109A32BFC71144559590261FB557")
    }

    @Test("a device certificate signed by the CA chains to it; a self-signed one does not")
    func chainVerification() throws {
        let hub = try DevelopmentCertificates.make(commonName: "localhost", validityDays: 2)
        let caPEM = hub.certificateAuthority.certificatePEM
        let signed = try DevelopmentCertificates.makeDeviceCertificate(commonName: "dev-ca", signedBy: hub.certificateAuthority)
        let selfSigned = try DevelopmentCertificates.makeDeviceCertificate(commonName: "dev-ca")
        let signedCertificate = try Certificate(pem: signed.certificatePEM)
        let selfSignedCertificate = try Certificate(pem: selfSigned.certificatePEM)

        #expect(signedCertificate.commonName == "dev-ca")
        #expect(signedCertificate.verifyChain(to: [caPEM]) == .trusted)
        #expect(signedCertificate.verifies(chainTo: ["not a PEM", caPEM]))
        #expect(!signedCertificate.verifies(chainTo: []))
        guard case .untrusted(let reason) = selfSignedCertificate.verifyChain(to: [caPEM]) else {
            Issue.record("a self-signed device certificate chained to the CA")
            return
        }
        #expect(reason.contains("certificate"))
        // Validity is checked at the caller's time.
        let inTenYears = Int64(Date().timeIntervalSince1970) + 10 * 365 * 86_400
        #expect(signedCertificate.verifyChain(to: [caPEM], now: inTenYears) == .untrusted(reason: "certificate has expired"))
        // Another certificate is no anchor for it.
        #expect(!signedCertificate.verifies(chainTo: [hub.server.certificatePEM]))

        let directory = try Subprocess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try caPEM.write(to: directory.appendingPathComponent("ca.pem"), atomically: true, encoding: .utf8)
        try signed.certificatePEM.write(to: directory.appendingPathComponent("device.pem"), atomically: true, encoding: .utf8)
        let verify = try Subprocess.run("/usr/bin/openssl", ["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "ca.pem", "device.pem"],
                                        in: directory)
        #expect(verify.status == 0, "\(verify.output) \(verify.errors)")
    }

    @Test("the chain is checked, not just issuer names: a leaf issued by a CA:FALSE certificate is refused")
    func intermediates() throws {
        let hub = try DevelopmentCertificates.make(commonName: "localhost", validityDays: 2)
        // The server certificate, sent as an intermediate, is CA:FALSE: it may not issue.
        let leaf = try DevelopmentCertificates.makeDeviceCertificate(commonName: "leaf", signedBy: hub.server)
        let certificate = try Certificate(pem: leaf.certificatePEM)
        let server = try Certificate(pem: hub.server.certificatePEM)
        #expect(!certificate.verifies(chainTo: [hub.certificateAuthority.certificatePEM], intermediates: [server]))
    }

    @Test("DER and PEM forms, bundles, and garbage")
    func parsing() throws {
        let hub = try DevelopmentCertificates.make(commonName: "localhost", validityDays: 1)
        let ca = try Certificate(pem: hub.certificateAuthority.certificatePEM)
        #expect(try Certificate(der: ca.der).sha256Thumbprint == ca.sha256Thumbprint)
        #expect(try ca.pem() == hub.certificateAuthority.certificatePEM)
        #expect(ca.commonName == "Nave development CA for localhost")
        let bundle = try Certificate.all(pem: hub.server.certificatePEM + hub.certificateAuthority.certificatePEM)
        #expect(bundle.count == 2 && bundle[0].commonName == "localhost")
        #expect(bundle.last?.sha256Thumbprint == ca.sha256Thumbprint)
        #expect(throws: CertificateError.self) { try Certificate(pem: "garbage") }
        #expect(throws: CertificateError.self) { try Certificate(pem: "") }
        #expect(throws: CertificateError.self) { try Certificate(der: []) }
        #expect(throws: CertificateError.self) { try Certificate(der: Array(ca.der.dropLast())) }
        #expect(throws: CertificateError.self) { try Certificate(der: ca.der + [0]) }
        let truncated = String(hub.certificateAuthority.certificatePEM.dropLast(40))
        #expect(throws: CertificateError.self) { try Certificate(pem: truncated) }
    }
}
