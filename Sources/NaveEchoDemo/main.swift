// nave-echo: a TCP echo server on the engine. It is the demo node until the broker replaces it,
// and the server side of the echo benchmark.
//
//   nave-echo [--host 127.0.0.1] [--port 7007] [--loops N] [--backend automatic|io_uring|epoll]
import Glibc
import Logging
import NaveIO

func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandleStderr.write(message + "\n")
    exit(status)
}

/// stderr without touching the C global (Swift 6 flags it as shared mutable state).
enum FileHandleStderr {
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}

var options = [String: String]()
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard flag.hasPrefix("--"), let value = arguments.popFirst() else {
        fail("usage: nave-echo [--host H] [--port P] [--loops N] [--backend automatic|io_uring|epoll]")
    }
    options[String(flag.dropFirst(2))] = value
}

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
let logger = Logger(label: "nave.echo")
var configuration = EventLoopConfiguration()
if let loops = options["loops"].flatMap(Int.init) { configuration.loopCount = loops }
if let backend = options["backend"] {
    guard let choice = EventLoopConfiguration.BackendChoice(rawValue: backend) else {
        fail("nave-echo: unknown backend '\(backend)'")
    }
    configuration.backend = choice
}
let host = options["host"] ?? "127.0.0.1"
let port = options["port"].flatMap(Int.init) ?? 7007
guard let address = SocketAddress(host: host, port: port) else {
    fail("nave-echo: '\(host)' is not a numeric IP address")
}

// Block SIGINT/SIGTERM before the loop threads start, so only this thread receives them.
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGINT)
sigaddset(&stopSignals, SIGTERM)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

do {
    let group = try EventLoopGroup(configuration: configuration, logger: logger)
    let listener = try group.listen(on: address) { _ in EchoHandler() }
    print("nave-echo listening on \(listener.address) (\(group.loops.count) loops, \(group.backendKind.rawValue))")
    fflush(nil)
    var received: Int32 = 0
    sigwait(&stopSignals, &received)
    logger.info("stopping", metadata: ["signal": "\(received)"])
    group.shutdownGracefully(gracePeriod: .seconds(2))
} catch {
    fail("nave-echo: \(error)", status: 1)
}
