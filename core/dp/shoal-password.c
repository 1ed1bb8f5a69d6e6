/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Salted password hashes: PBKDF2-HMAC-SHA256 through GnuTLS, the one crypto library. */
#include "config.h"

#include <gio/gio.h>
#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "shoal-crypto.h"
#include "shoal-password.h"

/* About 40 ms on one core here: slow for guessing, and the HTTP server remembers a verified
 * credential, so a client's repair requests do not pay it each time. */
#define ITERATIONS 100000
#define SALT_LEN   16
#define HASH_LEN   32

static gboolean
derive (const char *password, gsize len, const guint8 *salt, gsize salt_len, guint iterations,
        guint8 *out)
{
  gnutls_datum_t key = { (unsigned char *) password, (unsigned int) len };
  gnutls_datum_t s = { (unsigned char *) salt, (unsigned int) salt_len };

  return gnutls_pbkdf2 (GNUTLS_MAC_SHA256, &key, &s, iterations, out, HASH_LEN) == 0;
}

char *
shoal_password_hash (const char  *password,
                     GError     **error)
{
  guint8 salt[SALT_LEN], hash[HASH_LEN];
  g_autofree char *salt64 = NULL;
  g_autofree char *hash64 = NULL;

  g_return_val_if_fail (password != NULL, NULL);

  if (!shoal_random_key (salt, sizeof salt, error))
    return NULL;
  if (!derive (password, strlen (password), salt, sizeof salt, ITERATIONS, hash))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "GnuTLS could not derive the password hash (PBKDF2-SHA256)");
      return NULL;
    }
  salt64 = g_base64_encode (salt, sizeof salt);
  hash64 = g_base64_encode (hash, sizeof hash);
  explicit_bzero (hash, sizeof hash);
  return g_strdup_printf (SHOAL_PASSWORD_HASH_PREFIX "%u$%s$%s", ITERATIONS, salt64, hash64);
}

gboolean
shoal_password_is_hash (const char *stored)
{
  return stored != NULL && g_str_has_prefix (stored, SHOAL_PASSWORD_HASH_PREFIX);
}

gboolean
shoal_password_verify (const char *stored,
                       const char *candidate,
                       gsize       len)
{
  g_auto(GStrv) parts = NULL;
  g_autofree guchar *salt = NULL;
  g_autofree guchar *want = NULL;
  guint8 got[HASH_LEN];
  gsize salt_len = 0, want_len = 0;
  guint64 iterations;
  char *end = NULL;
  guint8 diff = 0;

  if (!shoal_password_is_hash (stored) || candidate == NULL)
    return FALSE;
  parts = g_strsplit (stored + strlen (SHOAL_PASSWORD_HASH_PREFIX), "$", -1);
  if (g_strv_length (parts) != 3)
    return FALSE;
  iterations = g_ascii_strtoull (parts[0], &end, 10);
  if (end == parts[0] || *end != '\0' || iterations == 0 || iterations > 10000000)
    return FALSE;
  salt = g_base64_decode (parts[1], &salt_len);
  want = g_base64_decode (parts[2], &want_len);
  if (salt_len == 0 || want_len != HASH_LEN)
    return FALSE;
  if (!derive (candidate, len, salt, salt_len, (guint) iterations, got))
    return FALSE;
  for (gsize i = 0; i < HASH_LEN; i++)
    diff |= got[i] ^ want[i];
  explicit_bzero (got, sizeof got);
  return diff == 0;
}
