/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP server's TLS identity: the operator's certificate and key, or a self-signed
 * ECDSA P-256 certificate made on first start and kept in STATE/tls/server.pem. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SHOAL_TLS_ERROR (shoal_tls_error_quark ())

typedef enum
{
  SHOAL_TLS_ERROR_GENERATE,   /* GnuTLS could not make the key or certificate */
  SHOAL_TLS_ERROR_LOAD,       /* the operator's certificate or key cannot be used */
} ShoalTlsError;

GQuark           shoal_tls_error_quark             (void);

/* Returns the identity in STATE/tls/server.pem, creating it when missing: valid for 10
 * years, CN @hostname (NULL: this machine's name), SubjectAltName @hostname and each of
 * @addresses (NULL-terminated IPv4/IPv6 literals, may be NULL). An existing identity is kept
 * even if the names differ, so its fingerprint stays what clients pinned. The file holds a
 * format line, a version and a SHA-256 of the PEM that follows; one that is damaged, expired
 * or readable by others is moved aside to server.pem.corrupt-TIMESTAMP and replaced, with a
 * warning. */
GTlsCertificate *shoal_tls_ensure_self_signed      (const char         *state_dir,
                                                    const char         *hostname,
                                                    const char * const *addresses,
                                                    GError            **error);
/* The operator's PEM files; never modified. The error names the files. */
GTlsCertificate *shoal_tls_load_files              (const char         *cert_file,
                                                    const char         *key_file,
                                                    GError            **error);
/* "SHA256:" + lowercase hex of the SHA-256 of the certificate's DER, for people to compare. */
char            *shoal_tls_certificate_fingerprint (GTlsCertificate    *certificate);

G_END_DECLS
