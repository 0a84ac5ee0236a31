#ifndef CNAVE_SSL_SHIM_H
#define CNAVE_SSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

// OpenSSL macros Swift cannot import, as inline functions.
static inline long cnave_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long cnave_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline size_t cnave_BIO_pending(BIO *bio) { return BIO_pending(bio); }
static inline long cnave_BIO_set_mem_eof_return(BIO *bio, long v) { return BIO_set_mem_eof_return(bio, v); }
static inline const char *cnave_SSL_cipher_name(const SSL *ssl) {
    return SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
}
#endif
