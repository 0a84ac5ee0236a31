import Foundation
import NaveIO
import Testing

/// One process holds ≥ 10,000 concurrent connections. The clients run in a separate process
/// (a Python script): both ends in one process would pass the 20,000-descriptor limit.
@Suite("Many connections", .serialized)
struct ManyConnectionsTests {
    static let clientScript = #"""
    import socket, sys
    port, count = int(sys.argv[1]), int(sys.argv[2])
    socks = []
    for i in range(count):
        s = socket.socket()
        s.bind(("127.0.0.%d" % (2 + i % 4), 0))   # spread over source addresses
        s.connect(("127.0.0.1", port))
        socks.append(s)
    for i, s in enumerate(socks):
        s.sendall(b"%08d" % i)
    bad = 0
    for i, s in enumerate(socks):
        data = b""
        while len(data) < 8:
            chunk = s.recv(8 - len(data))
            if not chunk: break
            data += chunk
        if data != b"%08d" % i: bad += 1
    print("ready %d bad %d" % (len(socks), bad), flush=True)
    sys.stdin.readline()
    for s in socks: s.close()
    print("closed", flush=True)
    """#

    @Test("10,000 concurrent loopback connections echo and are all held at once", arguments: allBackends)
    func tenThousandConnections(backend: EventLoopConfiguration.BackendChoice) throws {
        let count = 10_000
        let server = try TestServer(backend: backend) { _ in EchoHandler() }
        defer { server.stop() }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("nave-many-\(getpid()).py")
        try Self.clientScript.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "\(server.port)", "\(count)"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let reader = LineReader(output.fileHandleForReading)
        let ready = reader.nextLine(timeout: 120)
        #expect(ready == "ready \(count) bad 0")
        #expect(server.connectionCount == count)
        input.fileHandleForWriting.write(Data("close\n".utf8))
        #expect(reader.nextLine(timeout: 60) == "closed")
        #expect(eventually(timeout: .seconds(30)) { server.connectionCount == 0 })
        process.waitUntilExit()
    }
}

/// Reads newline-terminated lines from a pipe with a timeout.
final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    func nextLine(timeout seconds: Double) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            var pollSet = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            if poll(&pollSet, 1, 100) > 0 {
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
            }
        }
        return nil
    }
}
