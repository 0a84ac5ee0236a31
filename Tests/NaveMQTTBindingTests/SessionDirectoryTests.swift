import NaveMQTTBinding
import Testing

/// The takeover and resume decisions for a CONNECT (§3.1.2.4, §3.1.4-2).
@Suite("Session directory")
struct SessionDirectoryTests {
    final class Session {}
    let d = MQTTSessionKey(.broker, "d")

    @Test("persistent session: resumed with session present, takeover of a connected holder")
    func persistent() {
        var directory = MQTTSessionDirectory<Session>()
        let first = directory.connect(d, cleanSession: false) { Session() }
        #expect(!first.sessionPresent && first.previous == nil && !first.takesOver)
        let second = directory.connect(d, cleanSession: false) { Session() }
        #expect(second.sessionPresent && second.session === first.session && second.takesOver)
        // The first connection closing late must not detach the second.
        #expect(holds(!directory.disconnected(d, generation: first.generation)))
        #expect(holds(directory.disconnected(d, generation: second.generation)))
        #expect(directory.offlineCount == 1)
        let third = directory.connect(d, cleanSession: false) { Session() }
        #expect(third.sessionPresent && !third.takesOver && third.session === first.session)
    }

    @Test("clean session discards the stored one; a clean session is forgotten at disconnect")
    func clean() {
        var directory = MQTTSessionDirectory<Session>()
        let stored = directory.connect(d, cleanSession: false) { Session() }
        directory.disconnected(d, generation: stored.generation)
        let fresh = directory.connect(d, cleanSession: true) { Session() }
        #expect(!fresh.sessionPresent && fresh.session !== stored.session && fresh.previous === stored.session && !fresh.takesOver)
        directory.disconnected(d, generation: fresh.generation)
        #expect(directory.count == 0)
        // A persistent CONNECT after a clean one finds nothing to resume.
        let later = directory.connect(d, cleanSession: false) { Session() }
        #expect(!later.sessionPresent)
    }

    @Test("a hub device and a broker client with the same client id are apart")
    func realms() {
        var directory = MQTTSessionDirectory<Session>()
        let device = directory.connect(MQTTSessionKey(.hubDevices, "d"), cleanSession: false) { Session() }
        let client = directory.connect(d, cleanSession: true) { Session() }
        #expect(client.previous == nil && !client.takesOver && client.session !== device.session)
        #expect(directory.session(for: MQTTSessionKey(.hubDevices, "d")) === device.session)
        #expect(directory.count == 2)
    }
}
