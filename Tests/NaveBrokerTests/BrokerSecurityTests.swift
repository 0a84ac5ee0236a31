import Foundation
import Logging
import NaveAuth
import NaveIO
import NaveNode
import NaveSocketTestSupport
import Testing

/// The general broker's password file, ACL and TLS listener, driven by Mosquitto's own tools:
/// `mosquitto_passwd` writes the password file, `mosquitto_pub`/`mosquitto_sub` 2.0.11 (an
/// independent MQTT 3.1.1 and TLS implementation) connect, and their messages name the
/// CONNACK code they got ("not authorised" is 5, "bad user name or password" 4).
@Suite("Broker security with Mosquitto's tools", .serialized,
       .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/mosquitto_passwd")))
struct BrokerSecurityTests {
    /// A scratch folder for the files a test writes.
    final class Folder {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "nave-security-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        func file(_ name: String, _ text: String) throws -> String {
            let full = path + "/" + name
            try text.write(toFile: full, atomically: true, encoding: .utf8)
            return full
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static func startServer(_ configure: (inout BrokerSecurityConfiguration) -> Void) throws -> NaveServer {
        var configuration = NaveConfiguration()
        configuration.engine.loopCount = 2
        configuration.hub.enabled = false
        configuration.listeners = [.init(host: "127.0.0.1", port: 0)]
        configure(&configuration.security)
        var logger = Logger(label: "nave.test")
        logger.logLevel = .warning
        return try NaveServer(configuration: configuration, logger: logger)
    }

    /// Runs a Mosquitto tool to its end (at most `seconds`); its status and both streams.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], seconds: Double = 10) throws -> (status: Int32, output: String) {
        let (process, pipe) = try launch(tool, arguments)
        _ = waitForExit(process, seconds: seconds)
        return (process.terminationStatus, String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// Waits for `process` at most `seconds`, then kills it with SIGKILL: here neither
    /// `mosquitto_sub -W` nor `Process.terminate()` ended a child of the test process (the
    /// signals appear to reach it blocked), and a hung child would hang the suite.
    static func waitForExit(_ process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return false
    }

    static func launch(_ tool: String, _ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    /// `mosquitto_pub` once at QoS 1 (so success means CONNACK 0 and a PUBACK).
    static func publish(port: Int, topic: String, user: String? = nil, password: String? = nil,
                        tls: [String] = []) throws -> (status: Int32, output: String) {
        var arguments = ["-h", "127.0.0.1", "-p", "\(port)", "-t", topic, "-q", "1", "-m", "m", "-i", "pub-\(UUID().uuidString.prefix(8))"]
        if let user { arguments += ["-u", user] }
        if let password { arguments += ["-P", password] }
        return try run("mosquitto_pub", arguments + tls)
    }

    static func passwordFile(in folder: Folder, _ users: [(String, String)]) throws -> String {
        let path = folder.path + "/passwd"
        for (index, (user, password)) in users.enumerated() {
            let create = index == 0 ? ["-c"] : []
            let made = try run("mosquitto_passwd", create + ["-b", path, user, password])
            #expect(made.status == 0, "mosquitto_passwd: \(made.output)")
        }
        return path
    }

    static func waitForSubscriptions(_ server: NaveServer, _ count: Int) -> Bool {
        MosquittoClientTests.eventually { server.broker.statistics.subscriptions >= count }
    }

    @Test("a mosquitto_passwd file: the right password connects, anything else gets CONNACK 5")
    func passwords() throws {
        let folder = try Folder()
        let file = try Self.passwordFile(in: folder, [("alice", "secret"), ("bob", "hunter2")])
        let server = try Self.startServer { $0.passwordFile = file }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        #expect(try Self.publish(port: port, topic: "t", user: "alice", password: "secret").status == 0)
        #expect(try Self.publish(port: port, topic: "t", user: "bob", password: "hunter2").status == 0)
        for (user, password) in [("alice", "wrong"), ("alice", nil), ("carol", "secret"), (nil, nil)] as [(String?, String?)] {
            let refused = try Self.publish(port: port, topic: "t", user: user, password: password)
            #expect(refused.status != 0)
            #expect(refused.output.contains("not authorised"), "\(user ?? "anonymous"): \(refused.output)")
        }
    }

    @Test("allowAnonymous with a password file lets clients without a username in, not wrong passwords")
    func anonymousAllowed() throws {
        let folder = try Folder()
        let file = try Self.passwordFile(in: folder, [("alice", "secret")])
        let server = try Self.startServer {
            $0.passwordFile = file
            $0.allowAnonymous = true
        }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        #expect(try Self.publish(port: port, topic: "t").status == 0)
        #expect(try Self.publish(port: port, topic: "t", user: "alice", password: "wrong").output.contains("not authorised"))
    }

    @Test("no password file and allowAnonymous false: nobody gets in")
    func nobody() throws {
        let server = try Self.startServer { $0.allowAnonymous = false }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        #expect(try Self.publish(port: port, topic: "t").output.contains("not authorised"))
        #expect(try Self.publish(port: port, topic: "t", user: "alice", password: "x").output.contains("not authorised"))
    }

    static let acl = """
        # writer may write allowed/# and secret/#; reader reads everything but secret/#
        user writer
        topic write allowed/#
        topic write secret/#
        user reader
        topic read #
        topic deny secret/#
        """

    @Test("ACL: a denied publish is acknowledged and dropped, a # subscriber reads only what it may")
    func aclPublishAndRead() throws {
        let folder = try Folder()
        let aclFile = try folder.file("acl", Self.acl)
        let server = try Self.startServer { $0.aclFile = aclFile }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        let (subscriber, output) = try Self.launch("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-u", "reader", "-t", "#",
                                                                     "-q", "1", "-C", "1", "-v", "-W", "10"])
        #expect(Self.waitForSubscriptions(server, 1))
        // Denied for the writer: PUBACK all the same (mosquitto_pub exits 0), nobody gets it.
        #expect(try Self.publish(port: port, topic: "elsewhere/x", user: "writer").status == 0)
        // Allowed for the writer, not readable by the reader.
        #expect(try Self.publish(port: port, topic: "secret/plans", user: "writer").status == 0)
        #expect(try Self.publish(port: port, topic: "allowed/news", user: "writer").status == 0)
        #expect(Self.waitForExit(subscriber, seconds: 10))
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text == "allowed/news m\n")
    }

    @Test("ACL: a filter that could deliver nothing readable gets SUBACK 0x80, the others are granted")
    func aclSubscribe() throws {
        let folder = try Folder()
        let aclFile = try folder.file("acl", Self.acl)
        let server = try Self.startServer { $0.aclFile = aclFile }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        // -d prints "Subscribed (mid: 1): 1, 128" from the SUBACK's return codes; -E exits then.
        let result = try Self.run("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-u", "reader", "-d", "-q", "1",
                                                    "-t", "news/#", "-t", "secret/#", "-E"], seconds: 5)
        #expect(result.output.contains("Subscribed (mid: 1): 1, 128"), "\(result.output)")
        let writer = try Self.run("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-u", "writer", "-d",
                                                    "-t", "allowed/#", "-E"], seconds: 5)
        #expect(writer.output.contains("Subscribed (mid: 1): 128"), "\(writer.output)")
        #expect(server.broker.statistics.subscriptions == 0)
    }

    @Test("ACL: messages queued for a persistent session are checked again when another user resumes it")
    func aclOnResume() throws {
        let folder = try Folder()
        let aclFile = try folder.file("acl", "user reader\ntopic read #\nuser other\ntopic read other/#\nuser writer\ntopic write #\n")
        let server = try Self.startServer { $0.aclFile = aclFile }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        let subscribed = try Self.run("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-u", "reader", "-i", "durable", "-c",
                                                        "-q", "1", "-t", "q/#", "-E"])
        #expect(subscribed.status == 0)
        #expect(try Self.publish(port: port, topic: "q/1", user: "writer").status == 0)
        let (subscriber, output) = try Self.launch("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-u", "other", "-i", "durable",
                                                                     "-c", "-q", "1", "-t", "other/#", "-C", "1", "-v"])
        #expect(Self.waitForSubscriptions(server, 2))
        #expect(try Self.publish(port: port, topic: "other/x", user: "writer").status == 0)
        #expect(Self.waitForExit(subscriber, seconds: 10))
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "other/x m\n")
    }

    @Test("ACL reload: messages left unacknowledged are not resent on resume once the client may no longer read them")
    func aclOnResumeInFlight() throws {
        let folder = try Folder()
        let aclFile = try folder.file("acl", "user writer\ntopic write q/#\nuser reader\ntopic read q/#\n")
        let server = try Self.startServer { $0.aclFile = aclFile }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        // CONNECT (clean session 0, username "reader") and SUBSCRIBE q/# at QoS 1, encoded here.
        let connectBody: [UInt8] = [0, 4] + Array("MQTT".utf8) + [4, 0x80, 0, 60, 0, 4] + Array("held".utf8) + [0, 6] + Array("reader".utf8)
        let connect: [UInt8] = [0x10, UInt8(connectBody.count)] + connectBody
        let subscribe: [UInt8] = [0x82, 8, 0, 1, 0, 3] + Array("q/#".utf8) + [1]
        do {
            let client = try BlockingClient(port: port, timeoutSeconds: 2)
            client.send(connect + subscribe)
            #expect(client.receive(count: 9) == [0x20, 2, 0, 0, 0x90, 3, 0, 1, 1])
            #expect(try Self.publish(port: port, topic: "q/secret", user: "writer").status == 0)
            #expect(try Self.publish(port: port, topic: "q/open", user: "writer").status == 0)
            // Both arrive as QoS 1 PUBLISH; neither gets a PUBACK before the client goes.
            #expect(Self.publishedTopics(client, count: 2) == ["q/secret", "q/open"])
        }
        try "user writer\ntopic write q/#\nuser reader\ntopic read q/#\ntopic deny q/secret\n"
            .write(toFile: aclFile, atomically: true, encoding: .utf8)
        server.reloadSecurityFiles()
        let resumed = try BlockingClient(port: port, timeoutSeconds: 2)
        resumed.send(connect)
        #expect(resumed.receive(count: 4) == [0x20, 2, 1, 0], "session present")
        // Only q/open is resent (DUP); the 2-second receive timeout ends the list.
        #expect(Self.publishedTopics(resumed, count: 2) == ["q/open"])
    }

    /// The topics of up to `count` PUBLISH packets (short ones: one-byte remaining length).
    static func publishedTopics(_ client: BlockingClient, count: Int) -> [String] {
        var topics: [String] = []
        for _ in 0..<count {
            let header = client.receive(count: 2)
            guard header.count == 2, header[0] & 0xF0 == 0x30, header[1] < 128 else { break }
            let body = client.receive(count: Int(header[1]))
            guard body.count >= 2 else { break }
            let length = Int(body[0]) << 8 | Int(body[1])
            topics.append(String(decoding: body.dropFirst(2).prefix(length), as: UTF8.self))
        }
        return topics
    }

    @Test("reload: a new password file changes who may connect; a connected client stays; a broken file is ignored")
    func reload() throws {
        let folder = try Folder()
        let file = try Self.passwordFile(in: folder, [("alice", "secret")])
        let server = try Self.startServer { $0.passwordFile = file }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.listeningAddresses[0].port
        let (subscriber, output) = try Self.launch("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-u", "alice", "-P", "secret",
                                                                     "-t", "t", "-q", "1", "-C", "1", "-W", "10"])
        #expect(Self.waitForSubscriptions(server, 1))
        _ = try Self.run("mosquitto_passwd", ["-b", file, "alice", "changed"])
        server.reloadSecurityFiles()
        #expect(try Self.publish(port: port, topic: "x", user: "alice", password: "secret").output.contains("not authorised"))
        try "alice:$7$garbage\n".write(toFile: file, atomically: true, encoding: .utf8)
        server.reloadSecurityFiles()
        // The broken file was refused: the last good one ("changed") is still in force.
        #expect(try Self.publish(port: port, topic: "t", user: "alice", password: "changed").status == 0)
        #expect(Self.waitForExit(subscriber, seconds: 10))
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "m\n")
    }

    /// A development CA, the server's chain and key, and a client certificate for `alice`.
    static func certificates(in folder: Folder) throws -> (ca: String, chain: String, key: String, clientCert: String, clientKey: String) {
        let set = try DevelopmentCertificates.make(commonName: "localhost")
        let client = try DevelopmentCertificates.makeDeviceCertificate(commonName: "alice", signedBy: set.certificateAuthority)
        return (try folder.file("ca.pem", set.certificateAuthority.certificatePEM),
                try folder.file("server.pem", set.server.certificatePEM + set.certificateAuthority.certificatePEM),
                try folder.file("server.key", set.server.privateKeyPEM),
                try folder.file("alice.pem", client.certificatePEM),
                try folder.file("alice.key", client.privateKeyPEM))
    }

    @Test("TLS listener: mosquitto_pub --cafile with a password, refused with a wrong one")
    func tlsWithPassword() throws {
        let folder = try Folder()
        let files = try Self.certificates(in: folder)
        let passwords = try Self.passwordFile(in: folder, [("alice", "secret")])
        let server = try Self.startServer {
            $0.passwordFile = passwords
            $0.tlsListeners = [.init(host: "127.0.0.1", port: 0)]
            $0.tlsCertificateChainPath = files.chain
            $0.tlsPrivateKeyPath = files.key
        }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.brokerTLSAddresses[0].port
        #expect(try Self.publish(port: port, topic: "t", user: "alice", password: "secret", tls: ["--cafile", files.ca]).status == 0)
        #expect(try Self.publish(port: port, topic: "t", user: "alice", password: "nope", tls: ["--cafile", files.ca])
            .output.contains("not authorised"))
    }

    @Test("TLS listener with requireCertificate and useIdentityAsUsername: the CN is the ACL's user")
    func tlsClientCertificate() throws {
        let folder = try Folder()
        let files = try Self.certificates(in: folder)
        let aclFile = try folder.file("acl", "user alice\ntopic readwrite alice/#\n")
        let server = try Self.startServer {
            $0.aclFile = aclFile
            $0.tlsListeners = [.init(host: "127.0.0.1", port: 0)]
            $0.tlsCertificateChainPath = files.chain
            $0.tlsPrivateKeyPath = files.key
            $0.tlsClientCAPath = files.ca
            $0.requireCertificate = true
            $0.useIdentityAsUsername = true
        }
        defer { server.shutdown(gracePeriod: .zero) }
        let port = server.brokerTLSAddresses[0].port
        let tls = ["--cafile", files.ca, "--cert", files.clientCert, "--key", files.clientKey]
        let (subscriber, output) = try Self.launch("mosquitto_sub", ["-h", "127.0.0.1", "-p", "\(port)", "-t", "alice/#", "-q", "1",
                                                                     "-C", "1", "-v", "-W", "10"] + tls)
        #expect(Self.waitForSubscriptions(server, 1))
        // The username sent is ignored: the certificate says alice.
        #expect(try Self.publish(port: port, topic: "alice/door", user: "mallory", tls: tls).status == 0)
        #expect(Self.waitForExit(subscriber, seconds: 10))
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "alice/door m\n")
        // Without a client certificate the handshake fails.
        #expect(try Self.publish(port: port, topic: "alice/door", tls: ["--cafile", files.ca]).status != 0)
    }

    @Test("a missing password or ACL file stops the node at start with the path in the reason")
    func missingFiles() throws {
        #expect { _ = try Self.startServer { $0.passwordFile = "/nonexistent/passwd" } } throws: {
            "\($0)".contains("mqtt.passwordFile /nonexistent/passwd: cannot be read")
        }
        let folder = try Folder()
        let broken = try folder.file("acl", "topic read a\nnonsense\n")
        #expect { _ = try Self.startServer { $0.aclFile = broken } } throws: {
            "\($0)".contains("line 2: line is not topic, pattern, user or a # comment")
        }
    }
}
