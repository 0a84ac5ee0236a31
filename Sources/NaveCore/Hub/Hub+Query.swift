import NaveModel

extension Hub {
    /// One page of a query in IoT Hub's query language (`POST /devices/query`): see `HubQuery`.
    public func query(_ text: String, pageRows: Int?, continuation: String?) async throws(HubError) -> QueryPage {
        try await HubQuery(registry: registry, twins: twins, jobs: jobs).page(text, pageRows: pageRows, continuation: continuation)
    }
}
