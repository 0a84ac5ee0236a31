import CNaveURing
import Glibc
import NaveIO
import Testing

/// When the kernel refuses io_uring (here: a seccomp filter, as container runtimes install),
/// `.automatic` falls back to epoll and the node still serves.
@Suite("Backend fallback")
struct BackendFallbackTests {
    @Test("io_uring_setup refused by seccomp → automatic picks epoll, and it echoes")
    func seccompRefusalFallsBackToEpoll() throws {
        let outcome = BlockingOutcome()
        // Seccomp filters are per thread and inherited by threads created afterwards: install one
        // on a fresh thread and start the group from there, so only its loops are affected.
        let starter = Thread {
            guard denyIOURingSetup() else {
                outcome.set("could not install the seccomp filter")
                return
            }
            do {
                let group = try makeGroup(backend: .automatic, loops: 1)
                defer { group.shutdownGracefully() }
                let listener = try group.listen(on: SocketAddress(host: "127.0.0.1", port: 0)!) { _ in EchoHandler() }
                let client = try BlockingClient(port: listener.address.port)
                client.send(Array("fallback".utf8))
                let echoed = String(decoding: client.receive(count: 8), as: UTF8.self)
                outcome.set("\(group.backendKind.rawValue) \(echoed)")
            } catch {
                outcome.set("failed: \(error)")
            }
        }
        starter.join()
        #expect(outcome.value == "epoll fallback")
    }

    @Test("asking for io_uring explicitly where it is refused is an error, not a silent fallback")
    func explicitIOURingFailsLoudly() throws {
        let outcome = BlockingOutcome()
        let starter = Thread {
            guard denyIOURingSetup() else { return outcome.set("no filter") }
            var configuration = EventLoopConfiguration(loopCount: 1)
            configuration.backend = .ioUring
            do {
                let group = try EventLoopGroup(configuration: configuration)
                group.shutdownGracefully()
                outcome.set("started")
            } catch {
                outcome.set("refused")
            }
        }
        starter.join()
        #expect(outcome.value == "refused")
    }
}

final class BlockingOutcome: @unchecked Sendable {
    private(set) var value = ""
    func set(_ text: String) { value = text }
}

/// Installs a seccomp filter on the calling thread that fails io_uring_setup(2) with EPERM.
private func denyIOURingSetup() -> Bool {
    struct SockFilter { var code: UInt16; var jt: UInt8; var jf: UInt8; var k: UInt32 }
    struct SockFprog { var len: UInt16; var filter: UnsafeMutablePointer<SockFilter> }
    let ioURingSetup: UInt32 = 425 // same number on x86_64 and aarch64
    let loadSyscallNumber: UInt16 = 0x20, jumpIfEqual: UInt16 = 0x15, returnValue: UInt16 = 0x06
    let allow: UInt32 = 0x7fff_0000, failWithErrno: UInt32 = 0x0005_0000
    let program = UnsafeMutablePointer<SockFilter>.allocate(capacity: 4)
    defer { program.deallocate() }
    program[0] = SockFilter(code: loadSyscallNumber, jt: 0, jf: 0, k: 0) // seccomp_data.nr
    program[1] = SockFilter(code: jumpIfEqual, jt: 0, jf: 1, k: ioURingSetup)
    program[2] = SockFilter(code: returnValue, jt: 0, jf: 0, k: failWithErrno | UInt32(EPERM))
    program[3] = SockFilter(code: returnValue, jt: 0, jf: 0, k: allow)
    var fprog = SockFprog(len: 4, filter: program)
    let setNoNewPrivileges: Int32 = 38, setSeccomp: Int32 = 22, modeFilter: UInt = 2
    guard cnave_prctl(setNoNewPrivileges, 1, 0) == 0 else { return false }
    return withUnsafeMutablePointer(to: &fprog) { cnave_prctl(setSeccomp, modeFilter, UInt(bitPattern: $0)) } == 0
}
