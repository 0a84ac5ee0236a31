import CNaveSSL
import Testing

@Suite("C shims")
struct OpenSSLLinkTests {
    @Test("the OpenSSL shim links against OpenSSL 3 and its inline wrappers work")
    func openSSLVersion() throws {
        #expect(OpenSSL_version_num() >= 0x3000_0000)
        let context = try #require(SSL_CTX_new(TLS_server_method()))
        defer { SSL_CTX_free(context) }
        #expect(cnave_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1)
    }
}
