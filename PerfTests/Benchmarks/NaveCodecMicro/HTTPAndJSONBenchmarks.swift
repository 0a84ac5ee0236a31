import Benchmark
import NaveHTTP
import NaveModel

/// The HTTPS device and service surfaces: the request decoder and the JSON parser. These build
/// owned values (header strings, objects), so their counts are per-field; the gate keeps them
/// from growing.
func registerHTTPAndJSONBenchmarks() {
    // A device's D2C POST over HTTPS (keep-alive), 10 pipelined per read, 100 reads.
    let body = String(repeating: "x", count: 64)
    let request = "POST /devices/dev-0001/messages/events?api-version=2021-04-12 HTTP/1.1\r\n"
        + "Host: nave.local\r\n"
        + "Authorization: SharedAccessSignature sr=nave.local%2Fdevices%2Fdev-0001&sig=c2ln&se=1893456000\r\n"
        + "Content-Type: application/octet-stream\r\n"
        + "Content-Length: \(body.utf8.count)\r\n"
        + "\r\n" + body
    let requestsPerRead = 10
    let read = Array(String(repeating: request, count: requestsPerRead).utf8)
    Benchmark("HTTP.request-decode.D2C-POST.10-per-read", configuration: perThousandOperations) { benchmark in
        var decoder = HTTPRequestDecoder()
        var decoded = 0
        for _ in 0..<benchmark.scaledIterations.count / requestsPerRead {
            decoder.feed(read)
            while let request = try! decoder.next() {
                blackHole(request)
                decoded += 1
            }
        }
        precondition(decoded == benchmark.scaledIterations.count, "decoded \(decoded) requests")
    }

    // A twin reported-properties patch, the JSON the hub parses most often.
    let patch = Array(#"{"temperature":21.5,"humidity":40,"firmware":{"version":"1.2.3","state":"current"},"alarms":[]}"#.utf8)
    Benchmark("JSON.parse.twin-reported-patch", configuration: perThousandOperations) { benchmark in
        patch.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations { blackHole(try! JSONValue(parsing: bytes)) }
        }
    }
}
