/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP server's certificate: made with GnuTLS, stored atomically, checked on load. See
 * shoal-tls.h. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "shoal-crypto.h"
#include "shoal-json-file.h"
#include "shoal-tls.h"

/* server.pem starts with three header lines, then the certificate and the PKCS#8 key:
 *   Shoal-Format: shoal-tls-identity
 *   Shoal-Version: 1
 *   Shoal-SHA256: <lowercase hex SHA-256 of every byte after this line>
 * PEM readers (GLib, GnuTLS, OpenSSL) skip text before "-----BEGIN", so the file stays a
 * usable PEM file. */
#define IDENTITY_FILE     "server.pem"
#define HDR_FORMAT        "Shoal-Format: shoal-tls-identity\n"
#define HDR_VERSION       "Shoal-Version: 1\n"
#define HDR_SHA256        "Shoal-SHA256: "
#define MAX_IDENTITY_LEN  (64 * 1024)
#define VALIDITY_DAYS     (10 * 365 + 3)       /* 10 years, leap days included */
#define RENEW_BEFORE_DAYS 30
#define P256_BITS         GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1)

G_DEFINE_QUARK (shoal-tls-error-quark, shoal_tls_error)

static void
clear_datum (gnutls_datum_t *d)
{
  if (d->data != NULL)
    {
      gnutls_memset (d->data, 0, d->size);
      gnutls_free (d->data);
    }
  d->data = NULL;
  d->size = 0;
}

char *
shoal_tls_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  g_return_val_if_fail (der != NULL, NULL);
  hex = shoal_sha256_hex (der->data, der->len);
  return g_strconcat ("SHA256:", hex, NULL);
}

/* ---- generation ------------------------------------------------------------------------ */

static gboolean
check_gnutls (int         rc,
              const char *step,
              GError    **error)
{
  if (rc >= 0)
    return TRUE;
  g_set_error (error, SHOAL_TLS_ERROR, SHOAL_TLS_ERROR_GENERATE,
               "Could not make the self-signed TLS certificate (%s): %s", step,
               gnutls_strerror (rc));
  return FALSE;
}

static gboolean
add_addresses (gnutls_x509_crt_t   crt,
               const char * const *addresses,
               GError            **error)
{
  for (gsize i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (addresses[i]);

      if (addr == NULL)
        {
          g_set_error (error, SHOAL_TLS_ERROR, SHOAL_TLS_ERROR_GENERATE,
                       "“%s” is not an IP address, so it cannot go in the certificate",
                       addresses[i]);
          return FALSE;
        }
      if (!check_gnutls (gnutls_x509_crt_set_subject_alt_name (
                           crt, GNUTLS_SAN_IPADDRESS, g_inet_address_to_bytes (addr),
                           (unsigned) g_inet_address_get_native_size (addr),
                           GNUTLS_FSAN_APPEND),
                         "subjectAltName IP address", error))
        return FALSE;
    }
  return TRUE;
}

/* Returns the certificate and key as one PEM text. */
static char *
generate_identity (const char         *hostname,
                   const char * const *addresses,
                   GError            **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t cert_pem = { NULL, 0 }, key_pem = { NULL, 0 };
  guint8 serial[16], key_id[64];
  size_t key_id_len = sizeof key_id;
  time_t now = time (NULL);
  char *out = NULL;

  gnutls_x509_privkey_init (&key);
  gnutls_x509_crt_init (&crt);

  if (!shoal_random_nonce (serial, sizeof serial, error))
    goto out;
  /* A positive, non-zero serial (RFC 5280 4.1.2.2). */
  serial[0] = (serial[0] & 0x7f) | 0x01;

  if (!check_gnutls (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA, P256_BITS, 0),
                     "ECDSA P-256 key", error)
      || !check_gnutls (gnutls_x509_crt_set_version (crt, 3), "version", error)
      || !check_gnutls (gnutls_x509_crt_set_serial (crt, serial, sizeof serial), "serial", error)
      /* An hour back, for clients whose clocks run a little behind. */
      || !check_gnutls (gnutls_x509_crt_set_activation_time (crt, now - 3600), "validity", error)
      || !check_gnutls (gnutls_x509_crt_set_expiration_time (crt, now + VALIDITY_DAYS * 86400LL),
                        "validity", error)
      || !check_gnutls (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                                       "Shoal", 5),
                        "subject", error))
    goto out;
  /* X.520 limits a CN to 64 characters; the SAN, which clients check, has no such limit. */
  if (strlen (hostname) <= 64
      && !check_gnutls (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                       hostname, (unsigned) strlen (hostname)),
                        "subject common name", error))
    goto out;
  if (!check_gnutls (gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, hostname,
                                                           (unsigned) strlen (hostname),
                                                           GNUTLS_FSAN_APPEND),
                     "subjectAltName DNS name", error)
      || !add_addresses (crt, addresses, error)
      || !check_gnutls (gnutls_x509_crt_set_key (crt, key), "public key", error)
      || !check_gnutls (gnutls_x509_crt_set_basic_constraints (crt, 0, -1), "basic constraints",
                        error)
      || !check_gnutls (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE),
                        "key usage", error)
      || !check_gnutls (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0),
                        "extended key usage", error)
      || !check_gnutls (gnutls_x509_crt_get_key_id (crt, 0, key_id, &key_id_len), "key id",
                        error)
      || !check_gnutls (gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_len),
                        "subject key id", error)
      || !check_gnutls (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0), "signature",
                        error)
      || !check_gnutls (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &cert_pem),
                        "PEM export", error)
      || !check_gnutls (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                           GNUTLS_PKCS_PLAIN, &key_pem),
                        "key export", error))
    goto out;

  out = g_strdup_printf ("%.*s%.*s", (int) cert_pem.size, (const char *) cert_pem.data,
                         (int) key_pem.size, (const char *) key_pem.data);

out:
  clear_datum (&cert_pem);
  clear_datum (&key_pem);
  gnutls_x509_crt_deinit (crt);
  gnutls_x509_privkey_deinit (key);
  return out;
}

static gboolean
write_identity (const char *path,
                const char *pem,
                GError    **error)
{
  g_autofree char *sum = shoal_sha256_hex (pem, strlen (pem));
  g_autofree char *text = g_strconcat (HDR_FORMAT, HDR_VERSION, HDR_SHA256, sum, "\n", pem,
                                       NULL);
  gboolean ok = shoal_atomic_write (path, text, strlen (text), 0600, error);

  memset (text, 0, strlen (text));
  return ok;
}

/* ---- loading --------------------------------------------------------------------------- */

static gboolean
key_matches (gnutls_x509_crt_t crt,
             const char       *pem)
{
  const char *block = strstr (pem, "-----BEGIN PRIVATE KEY-----");
  gnutls_x509_privkey_t key = NULL;
  guint8 crt_id[64], key_id[64];
  size_t crt_len = sizeof crt_id, key_len = sizeof key_id;
  gboolean same = FALSE;

  if (block == NULL)
    return FALSE;
  gnutls_x509_privkey_init (&key);
  if (gnutls_x509_privkey_import2 (key, &(gnutls_datum_t) { (guint8 *) block, strlen (block) },
                                   GNUTLS_X509_FMT_PEM, NULL, 0) >= 0
      && gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_len) >= 0
      && gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, key_id, &key_len) >= 0)
    same = crt_len == key_len && memcmp (crt_id, key_id, crt_len) == 0;
  gnutls_x509_privkey_deinit (key);
  return same;
}

static GTlsCertificate *
read_identity (const char *path,
               GError    **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *text = NULL;
  g_autofree char *sum = NULL;
  gnutls_x509_crt_t crt = NULL;
  const char *p, *body;
  gsize len = 0;
  time_t expires;
  gboolean matches;
  int rc;

  if (!shoal_json_file_read_secret (path, MAX_IDENTITY_LEN, &text, &len, error))
    return NULL;
  if (len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "“%s” is empty", path);
      return NULL;
    }
  if (!g_str_has_prefix (text, HDR_FORMAT))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: line 1 is not “%.*s”", path, (int) strlen (HDR_FORMAT) - 1, HDR_FORMAT);
      return NULL;
    }
  p = text + strlen (HDR_FORMAT);
  if (!g_str_has_prefix (p, HDR_VERSION))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: line 2 is not “%.*s”, the only version this Shoal reads", path,
                   (int) strlen (HDR_VERSION) - 1, HDR_VERSION);
      return NULL;
    }
  p += strlen (HDR_VERSION);
  body = strchr (p, '\n');
  if (!g_str_has_prefix (p, HDR_SHA256) || body == NULL
      || body - p != (gssize) (strlen (HDR_SHA256) + 2 * SHOAL_SHA256_LEN))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: line 3 is not “%s” followed by 64 hex digits", path, HDR_SHA256);
      return NULL;
    }
  body++;
  sum = shoal_sha256_hex (body, len - (gsize) (body - text));
  if (g_ascii_strncasecmp (p + strlen (HDR_SHA256), sum, 2 * SHOAL_SHA256_LEN) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: the certificate and key do not match their SHA-256 checksum (line 3)",
                   path);
      return NULL;
    }

  cert = g_tls_certificate_new_from_pem (body, (gssize) (len - (gsize) (body - text)), &local);
  if (cert == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "“%s” cannot be used: %s",
                   path, local->message);
      return NULL;
    }

  g_object_get (cert, "certificate", &der, NULL);
  gnutls_x509_crt_init (&crt);
  rc = gnutls_x509_crt_import (crt, &(gnutls_datum_t) { der->data, der->len },
                               GNUTLS_X509_FMT_DER);
  expires = rc < 0 ? 0 : gnutls_x509_crt_get_expiration_time (crt);
  matches = rc >= 0 && key_matches (crt, body);
  gnutls_x509_crt_deinit (crt);
  /* The TLS backend takes a key that does not belong to the certificate and fails only at
   * the first handshake; say so here instead. */
  if (!matches)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: the private key does not belong to the certificate", path);
      return NULL;
    }
  if (expires < time (NULL) + RENEW_BEFORE_DAYS * 86400LL)
    {
      g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (expires);
      g_autofree char *iso = when ? g_date_time_format_iso8601 (when) : g_strdup ("?");

      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                   "“%s”: the certificate expires on %s, within %d days", path, iso,
                   RENEW_BEFORE_DAYS);
      return NULL;
    }
  return g_steal_pointer (&cert);
}

GTlsCertificate *
shoal_tls_ensure_self_signed (const char         *state_dir,
                              const char         *hostname,
                              const char * const *addresses,
                              GError            **error)
{
  g_autoptr(GError) damage = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *fingerprint = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (hostname == NULL)
    hostname = g_get_host_name ();

  dir = g_build_filename (state_dir, "tls", NULL);
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create the TLS directory “%s”: %s", dir, g_strerror (saved_errno));
      return NULL;
    }
  shoal_atomic_write_remove_stale (dir);
  path = g_build_filename (dir, IDENTITY_FILE, NULL);

  cert = read_identity (path, &damage);
  if (cert != NULL)
    return g_steal_pointer (&cert);

  /* Anything but a missing file is damage: keep it for inspection, never write over it. */
  if (!g_error_matches (damage, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      moved = shoal_json_file_set_aside (path, error);
      if (moved == NULL)
        return NULL;
    }

  pem = generate_identity (hostname, addresses, error);
  if (pem == NULL || !write_identity (path, pem, error))
    return NULL;
  cert = g_tls_certificate_new_from_pem (pem, -1, &local);
  memset (pem, 0, strlen (pem));
  if (cert == NULL)
    {
      g_set_error (error, SHOAL_TLS_ERROR, SHOAL_TLS_ERROR_GENERATE,
                   "The TLS backend rejected the certificate just made in “%s”: %s", path,
                   local->message);
      return NULL;
    }

  fingerprint = shoal_tls_certificate_fingerprint (cert);
  if (moved != NULL)
    g_warning ("Unusable TLS certificate file: %s. Moved it to “%s” and made a new self-signed "
               "certificate for “%s”, fingerprint %s", damage->message, moved, hostname,
               fingerprint);
  else
    g_message ("Made a self-signed TLS certificate for “%s” in “%s”, fingerprint %s",
               hostname, path, fingerprint);
  return g_steal_pointer (&cert);
}

GTlsCertificate *
shoal_tls_load_files (const char *cert_file,
                      const char *key_file,
                      GError    **error)
{
  g_autoptr(GError) local = NULL;
  GTlsCertificate *cert;

  g_return_val_if_fail (cert_file != NULL, NULL);
  g_return_val_if_fail (key_file != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  cert = g_tls_certificate_new_from_files (cert_file, key_file, &local);
  if (cert == NULL)
    g_set_error (error, SHOAL_TLS_ERROR, SHOAL_TLS_ERROR_LOAD,
                 "Could not load the TLS certificate “%s” with the key “%s”: %s", cert_file,
                 key_file, local->message);
  return cert;
}
