import Benchmark
import NaveIO

/// An actor pinned to a loop, as each connection's `MQTTConnectionHandler` is: its executor is
/// the loop, so a completion on the loop thread steps into it with `EventLoop.runIsolated`.
actor LoopPinnedDevice {
    let loop: EventLoop
    private var received = 0

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor }

    init(loop: EventLoop) { self.loop = loop }

    func completion(_ bytes: Int) { received &+= bytes }
}

/// The hop from an engine completion into a device actor (issue #12): 1,000 hops per
/// iteration, run on the loop thread inside one `submitAndWait`, so the count per iteration is
/// that call's constant cost and must not grow with the hops (one allocation per hop is +1,000).
func registerActorHopBenchmarks() {
    let group = try! EventLoopGroup(configuration: EventLoopConfiguration(loopCount: 1))
    let loop = group.loops[0]
    let device = LoopPinnedDevice(loop: loop)
    Benchmark("Actor.completion-hop-into-loop-actor", configuration: perThousandOperations) { benchmark in
        let hops = benchmark.scaledIterations.count
        loop.submitAndWait {
            for index in 0..<hops { loop.runIsolated(device, index) { $0.completion($1) } }
        }
    }
}

