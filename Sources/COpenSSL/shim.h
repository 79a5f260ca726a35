#ifndef VANTAGE_COPENSSL_SHIM_H
#define VANTAGE_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/err.h>
#endif
