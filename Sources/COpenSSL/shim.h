#ifndef VANTAGE_COPENSSL_SHIM_H
#define VANTAGE_COPENSSL_SHIM_H
// RSA keys are built from their PKCS#1 encoding with the 1.1.1 API (d2i_RSAPublicKey, EVP_PKEY_set1_RSA):
// OpenSSL 3's provider decoders (d2i_PUBKEY) cost several times an RSA verification. Declaring 1.1.1
// compatibility keeps those functions free of deprecation attributes.
#define OPENSSL_API_COMPAT 10101
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/err.h>
#endif
