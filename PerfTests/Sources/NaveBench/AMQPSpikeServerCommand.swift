import ArgumentParser
import Glibc
import Logging
import NaveAMQP
import NaveIO

/// `nave-bench amqp-spike-server`: the Proton spike's server (`AMQPSpikeServer` on NaveIO loops)
/// as a process of its own, so `amqp-spike` can pin it and read its CPU and RSS from /proc.
/// Prints "listening on" once ready; stops on SIGTERM or SIGINT.
struct AMQPSpikeServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amqp-spike-server",
        abstract: "The AMQP spike server (started by amqp-spike).",
        shouldDisplay: false
    )

    @Option var host = "127.0.0.1"
    @Option var port = 5672
    @Option var loops = 1

    func run() throws {
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        let group = try EventLoopGroup(configuration: EventLoopConfiguration(loopCount: loops),
                                       logger: Logger(label: "nave.amqp-spike"))
        let sasl = AMQPSASLServer()
        let listener = try group.listen(on: SocketAddress(host: host, port: port)!) { _ in
            AMQPConnectionHandler(role: .server(sasl), application: AMQPSpikeServer())
        }
        print("amqp-spike-server listening on \(listener.address)")
        fflush(nil)
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        group.shutdownGracefully(gracePeriod: .seconds(1))
    }
}
