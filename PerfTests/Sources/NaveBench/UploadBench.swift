import Foundation
import NaveIO

/// `nave-bench hub upload` (issue #14): file upload as a device does it — `POST
/// /devices/{id}/files` for a SAS, the blob PUT to the node's blob store, the notification —
/// then the download, through HTTPS keep-alive to a node on one core. Each round uploads one
/// blob of `blobMiB` in a single Put Blob and one in 4 MiB Put Blocks plus a Put Block List
/// (what azure-storage-blob does past 64 MiB), and reads each back whole. Reported: MiB/s and
/// node CPU per MiB for each way; the node streams every body to disk (never a whole blob in
/// memory), so its RSS is reported too.
struct UploadBench {
    let runner: HubRunner
    let caPath: String
    let blobMiB: Int
    let rounds: Int

    static let blockBytes = 4 * 1024 * 1024

    func run(loop: EventLoop) throws -> [String: Double] {
        let target = try runner.startTarget(.nave)
        defer { target.stop() }
        target.waitUntilIdle()
        let client = try BlockingHTTPS(loop: loop, port: target.ports.https!, tls: try TLSContext(clientTrustingCAPath: caPath))
        defer { client.close() }
        let device = HubDevices.id(0)
        let deviceHeaders = [("Authorization", try HubDevices.token(0)), ("Content-Type", "application/json")]
        let data = (0..<(blobMiB * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        var seconds: [String: Double] = [:]
        var cpu: [String: Int64] = [:]
        var rssMax = 0

        func measured(_ name: String, _ body: () throws -> Void) rethrows {
            let (start, cpuStart) = (monotonicNanos(), target.cpuNanos())
            try body()
            seconds[name, default: 0] += Double(monotonicNanos() - start) / 1e9
            cpu[name, default: 0] += target.cpuNanos() - cpuStart
            rssMax = max(rssMax, target.residentBytes())
        }

        func expect(_ answer: BlockingHTTPS.Answer, _ status: Int, _ what: String) throws {
            guard answer.status == status else {
                throw BrokerProcess.Failure(description: "\(what) answered HTTP \(answer.status), not \(status): \(answer.text)")
            }
        }

        for round in 0..<rounds {
            for way in ["single", "blocks"] {
                let request = Array("{\"blobName\":\"\(way)-\(round).bin\"}".utf8)
                let started = try client.request("POST", "/devices/\(device)/files?api-version=2019-10-01", headers: deviceHeaders, body: request)
                try expect(started, 200, "get storage info")
                guard let info = try JSONSerialization.jsonObject(with: Data(started.body)) as? [String: Any],
                      let container = info["containerName"] as? String, let blob = info["blobName"] as? String,
                      let sas = info["sasToken"] as? String, let correlation = info["correlationId"] as? String else {
                    throw BrokerProcess.Failure(description: "get storage info: \(started.text)")
                }
                let path = "/\(container)/\(blob)"
                try measured("\(way)Upload") {
                    if way == "single" {
                        try expect(client.request("PUT", path + sas, headers: [("x-ms-blob-type", "BlockBlob")], body: data), 201, "Put Blob")
                    } else {
                        var ids: [String] = []
                        for (index, start) in stride(from: 0, to: data.count, by: Self.blockBytes).enumerated() {
                            let id = Data(String(format: "%06d", index).utf8).base64EncodedString()
                            ids.append(id)
                            let block = Array(data[start..<min(data.count, start + Self.blockBytes)])
                            let query = "&comp=block&blockid=" + id.replacingOccurrences(of: "=", with: "%3D")
                            try expect(client.request("PUT", path + sas + query, headers: [], body: block), 201, "Put Block")
                        }
                        let list = "<?xml version='1.0' encoding='utf-8'?>\n<BlockList>" + ids.map { "<Latest>\($0)</Latest>" }.joined() + "</BlockList>"
                        try expect(client.request("PUT", path + sas + "&comp=blocklist", headers: [("Content-Type", "application/xml")],
                                                  body: Array(list.utf8)), 201, "Put Block List")
                    }
                }
                let notification = "{\"correlationId\":\"\(correlation)\",\"isSuccess\":true,\"statusCode\":200,\"statusDescription\":\"OK\"}"
                try expect(client.request("POST", "/devices/\(device)/files/notifications?api-version=2019-10-01",
                                          headers: deviceHeaders, body: Array(notification.utf8)), 204, "notify")
                try measured("\(way)Download") {
                    let read = try client.request("GET", path + sas, headers: [])
                    try expect(read, 200, "Get Blob")
                    guard read.body.count == data.count, read.body == data else {
                        throw BrokerProcess.Failure(description: "Get Blob returned \(read.body.count) bytes that differ from the upload")
                    }
                }
            }
            progress("[upload] round \(round + 1)/\(rounds): \(blobMiB) MiB single and in blocks, uploaded, notified, read back")
        }
        let mib = Double(blobMiB * rounds)
        var figures: [String: Double] = ["blobMiB": Double(blobMiB), "rounds": Double(rounds), "nodeRSSMaxBytes": Double(rssMax)]
        for (name, elapsed) in seconds {
            figures["\(name)MiBPerSecond"] = mib / elapsed
            figures["\(name)NodeCPUMillisPerMiB"] = Double(cpu[name] ?? 0) / 1e6 / mib
        }
        return figures
    }
}
