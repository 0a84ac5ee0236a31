#ifndef CNAVE_SSL_SHIM_H
#define CNAVE_SSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/bn.h>
#include <string.h>

// OpenSSL macros Swift cannot import, as inline functions.
static inline long cnave_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long cnave_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline size_t cnave_BIO_pending(BIO *bio) { return BIO_pending(bio); }
static inline long cnave_BIO_set_mem_eof_return(BIO *bio, long v) { return BIO_set_mem_eof_return(bio, v); }
// A client's expected server: SNI, and the name (or IP address) its certificate must carry.
static inline int cnave_SSL_expect_server(SSL *ssl, const char *name, int is_ip_address) {
    if (is_ip_address) {
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name);
    }
    if (SSL_set_tlsext_host_name(ssl, name) != 1) return 0;
    return SSL_set1_host(ssl, name);
}
static inline const char *cnave_SSL_cipher_name(const SSL *ssl) {
    return SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
}

// HMAC-SHA256 (RFC 2104 §2) over the low-level SHA-256 functions. OpenSSL 3.0's one-shot HMAC()
// and EVP_MAC fetch the algorithm from the provider and allocate a context on every call (4-8 µs
// measured here); this path allocates nothing and costs about 0.5 µs for a SAS string to sign.
// SHA256_Init/Update/Final are deprecated in 3.0 but present; the warning is silenced locally.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline void cnave_hmac_sha256(const unsigned char *key, size_t key_length,
                                     const unsigned char *message, size_t message_length,
                                     unsigned char out[32]) {
    unsigned char block[64] = {0};
    unsigned char pad[64];
    SHA256_CTX sha;
    if (key_length > sizeof(block)) {
        SHA256(key, key_length, block);
    } else if (key_length > 0) {
        memcpy(block, key, key_length);
    }
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&sha);
    SHA256_Update(&sha, pad, sizeof(pad));
    SHA256_Update(&sha, message, message_length);
    SHA256_Final(out, &sha);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&sha);
    SHA256_Update(&sha, pad, sizeof(pad));
    SHA256_Update(&sha, out, 32);
    SHA256_Final(out, &sha);
    // The padded key is key material: do not leave it on the stack.
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(&sha, sizeof(sha));
}
#pragma GCC diagnostic pop

// OPENSSL_free is a macro over CRYPTO_free with the caller's file and line.
static inline void cnave_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

// Reads a memory BIO's contents without copying (BIO_get_mem_data is a macro).
static inline long cnave_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
#endif
