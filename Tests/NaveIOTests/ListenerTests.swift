import Glibc
import NaveIO
import Testing

@Suite("Listeners")
struct ListenerTests {
    @Test("a port another listener holds is refused (SO_REUSEPORT would silently share it)")
    func portInUseIsRefused() throws {
        let first = try makeGroup(backend: .automatic, loops: 2)
        let second = try makeGroup(backend: .automatic, loops: 1)
        defer {
            first.shutdownGracefully(gracePeriod: .zero)
            second.shutdownGracefully(gracePeriod: .zero)
        }
        let socket = try first.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!) { _ in EchoHandler() }
        #expect(throws: Errno.self) {
            try second.listen(on: socket.address) { _ in EchoHandler() }
        }
        socket.close()
        // Free again once the first listener's sockets are closed (the engine closes them when
        // their cancelled accepts complete, so allow it a moment).
        var again: ListeningSocket?
        #expect(eventually(timeout: .seconds(5)) {
            again = try? second.listen(on: socket.address) { _ in EchoHandler() }
            return again != nil
        })
        #expect(again?.address.port == socket.address.port)
    }
}
