/* SPDX-License-Identifier: GPL-3.0-or-later */
/* SHA-256, AES-256-GCM, Ed25519 and random bytes over GnuTLS. See shoal-crypto.h. */
#include "config.h"

#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "shoal-crypto.h"

G_DEFINE_QUARK (shoal-crypto-error-quark, shoal_crypto_error)

#define FINGERPRINT_LEN (7 + 2 * SHOAL_SHA256_LEN)

/* ---- random bytes ---------------------------------------------------------------------- */

static gboolean
random_bytes (gnutls_rnd_level_t level,
              gpointer           buf,
              gsize              len,
              GError           **error)
{
  int rc = gnutls_rnd (level, buf, len);

  if (rc < 0)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_RANDOM,
                   "GnuTLS could not produce %" G_GSIZE_FORMAT " random bytes: %s",
                   len, gnutls_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_random_key (gpointer buf,
                  gsize    len,
                  GError **error)
{
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return random_bytes (GNUTLS_RND_KEY, buf, len, error);
}

gboolean
shoal_random_nonce (gpointer buf,
                    gsize    len,
                    GError **error)
{
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return random_bytes (GNUTLS_RND_NONCE, buf, len, error);
}

/* ---- hex ------------------------------------------------------------------------------- */

char *
shoal_hex_encode (const guint8 *data,
                  gsize         len)
{
  static const char digits[] = "0123456789abcdef";
  char *out;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  out = g_malloc (2 * len + 1);
  for (gsize i = 0; i < len; i++)
    {
      out[2 * i] = digits[data[i] >> 4];
      out[2 * i + 1] = digits[data[i] & 0xf];
    }
  out[2 * len] = '\0';
  return out;
}

gboolean
shoal_hex_decode (const char *hex,
                  guint8     *out,
                  gsize       out_len)
{
  g_return_val_if_fail (hex != NULL, FALSE);
  g_return_val_if_fail (out != NULL || out_len == 0, FALSE);

  if (strlen (hex) != 2 * out_len)
    return FALSE;
  for (gsize i = 0; i < out_len; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

/* ---- SHA-256 --------------------------------------------------------------------------- */

/* SHA-256 is missing only from a broken GnuTLS build; nothing in Shoal can work without it. */
#define SHA256_UNAVAILABLE "SHA-256 is unavailable in GnuTLS: %s"

void
shoal_sha256 (gconstpointer data,
              gsize         len,
              guint8        out[SHOAL_SHA256_LEN])
{
  int rc;

  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out != NULL);

  rc = gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, out);
  if (rc < 0)
    g_error (SHA256_UNAVAILABLE, gnutls_strerror (rc));
}

char *
shoal_sha256_hex (gconstpointer data,
                  gsize         len)
{
  guint8 digest[SHOAL_SHA256_LEN];

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  shoal_sha256 (data, len, digest);
  return shoal_hex_encode (digest, sizeof digest);
}

struct _ShoalSha256
{
  gnutls_hash_hd_t handle;
};

ShoalSha256 *
shoal_sha256_new (void)
{
  ShoalSha256 *sha = g_new0 (ShoalSha256, 1);
  int rc = gnutls_hash_init (&sha->handle, GNUTLS_DIG_SHA256);

  if (rc < 0)
    g_error (SHA256_UNAVAILABLE, gnutls_strerror (rc));
  return sha;
}

void
shoal_sha256_update (ShoalSha256  *sha,
                     gconstpointer data,
                     gsize         len)
{
  g_return_if_fail (sha != NULL);
  g_return_if_fail (data != NULL || len == 0);

  /* gnutls_hash fails only for a handle that failed to initialise, which _new rules out. */
  if (len > 0)
    gnutls_hash (sha->handle, data, len);
}

void
shoal_sha256_finish (ShoalSha256 *sha,
                     guint8       out[SHOAL_SHA256_LEN])
{
  g_return_if_fail (sha != NULL);
  g_return_if_fail (out != NULL);

  gnutls_hash_output (sha->handle, out);
}

void
shoal_sha256_free (ShoalSha256 *sha)
{
  if (sha == NULL)
    return;
  gnutls_hash_deinit (sha->handle, NULL);
  g_free (sha);
}

/* ---- AES-256-GCM ----------------------------------------------------------------------- */

struct _ShoalAead
{
  gnutls_aead_cipher_hd_t handle;
};

ShoalAead *
shoal_aead_new (const guint8 key[SHOAL_AEAD_KEY_LEN],
                GError     **error)
{
  g_autofree ShoalAead *aead = NULL;
  gnutls_datum_t k = { (unsigned char *) key, SHOAL_AEAD_KEY_LEN };
  int rc;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  aead = g_new0 (ShoalAead, 1);
  rc = gnutls_aead_cipher_init (&aead->handle, GNUTLS_CIPHER_AES_256_GCM, &k);
  if (rc < 0)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_UNAVAILABLE,
                   "AES-256-GCM is unavailable in GnuTLS: %s", gnutls_strerror (rc));
      return NULL;
    }
  return g_steal_pointer (&aead);
}

void
shoal_aead_free (ShoalAead *aead)
{
  if (aead == NULL)
    return;
  gnutls_aead_cipher_deinit (aead->handle);
  g_free (aead);
}

/* The v2 calls take scatter lists and work in place, so a packet is sealed where it lies in
 * the send buffer without a copy. */
gboolean
shoal_aead_seal (ShoalAead    *aead,
                 const guint8  nonce[SHOAL_AEAD_NONCE_LEN],
                 gconstpointer aad,
                 gsize         aad_len,
                 guint8       *buf,
                 gsize         len,
                 guint8        tag_out[SHOAL_AEAD_TAG_LEN])
{
  giovec_t a = { (void *) aad, aad_len };
  giovec_t b = { buf, len };
  size_t tag_len = SHOAL_AEAD_TAG_LEN;
  int rc;

  g_return_val_if_fail (aead != NULL, FALSE);
  g_return_val_if_fail (nonce != NULL, FALSE);
  g_return_val_if_fail (aad != NULL || aad_len == 0, FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  g_return_val_if_fail (tag_out != NULL, FALSE);

  rc = gnutls_aead_cipher_encryptv2 (aead->handle, nonce, SHOAL_AEAD_NONCE_LEN,
                                     &a, aad_len > 0 ? 1 : 0, &b, len > 0 ? 1 : 0,
                                     tag_out, &tag_len);
  if (rc < 0 || tag_len != SHOAL_AEAD_TAG_LEN)
    {
      if (len > 0)
        memset (buf, 0, len);
      memset (tag_out, 0, SHOAL_AEAD_TAG_LEN);
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_aead_open (ShoalAead    *aead,
                 const guint8  nonce[SHOAL_AEAD_NONCE_LEN],
                 gconstpointer aad,
                 gsize         aad_len,
                 guint8       *buf,
                 gsize         len,
                 const guint8  tag[SHOAL_AEAD_TAG_LEN])
{
  giovec_t a = { (void *) aad, aad_len };
  giovec_t b = { buf, len };

  g_return_val_if_fail (aead != NULL, FALSE);
  g_return_val_if_fail (nonce != NULL, FALSE);
  g_return_val_if_fail (aad != NULL || aad_len == 0, FALSE);
  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  g_return_val_if_fail (tag != NULL, FALSE);

  return gnutls_aead_cipher_decryptv2 (aead->handle, nonce, SHOAL_AEAD_NONCE_LEN,
                                       &a, aad_len > 0 ? 1 : 0, &b, len > 0 ? 1 : 0,
                                       (void *) tag, SHOAL_AEAD_TAG_LEN) == 0;
}

/* ---- Ed25519 --------------------------------------------------------------------------- */

struct _ShoalSigningKey
{
  gnutls_privkey_t priv;
  guint8 seed[SHOAL_ED25519_SEED_LEN];
  guint8 pub[SHOAL_ED25519_PUBLIC_LEN];
  char fingerprint[FINGERPRINT_LEN + 1];
};

struct _ShoalVerifyKey
{
  gnutls_pubkey_t pub;
  guint8 raw[SHOAL_ED25519_PUBLIC_LEN];
  char fingerprint[FINGERPRINT_LEN + 1];
};

/* RFC 8410 PKCS#8 wrapping of a raw Ed25519 seed: the DER prefix below, then the 32 bytes.
 * Seeds are imported this way because gnutls_privkey_import_ecc_raw in GnuTLS 3.7 crashes
 * when the public point is not given, and this path derives it. */
static const guint8 ed25519_pkcs8_prefix[] = {
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
};

static void
fingerprint_into (const guint8 pub[SHOAL_ED25519_PUBLIC_LEN],
                  char         out[FINGERPRINT_LEN + 1])
{
  guint8 digest[SHOAL_SHA256_LEN];
  g_autofree char *hex = NULL;

  shoal_sha256 (pub, SHOAL_ED25519_PUBLIC_LEN, digest);
  hex = shoal_hex_encode (digest, sizeof digest);
  g_snprintf (out, FINGERPRINT_LEN + 1, "SHA256:%s", hex);
}

char *
shoal_ed25519_fingerprint (const guint8 *pub)
{
  char fp[FINGERPRINT_LEN + 1];

  g_return_val_if_fail (pub != NULL, NULL);

  fingerprint_into (pub, fp);
  return g_strdup (fp);
}

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

/* Takes ownership of @priv, which must hold an Ed25519 key, and caches its raw halves. */
static ShoalSigningKey *
signing_key_wrap (gnutls_privkey_t priv,
                  GError         **error)
{
  ShoalSigningKey *key;
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 }, k = { NULL, 0 };
  int rc;

  rc = gnutls_privkey_export_ecc_raw2 (priv, &curve, &x, &y, &k, 0);
  if (rc < 0 || curve != GNUTLS_ECC_CURVE_ED25519
      || x.size != SHOAL_ED25519_PUBLIC_LEN || k.size != SHOAL_ED25519_SEED_LEN)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_INVALID_KEY,
                   "Not an Ed25519 private key (%s)",
                   rc < 0 ? gnutls_strerror (rc) : "wrong curve or key length");
      clear_datum (&x);
      clear_datum (&y);
      clear_datum (&k);
      gnutls_privkey_deinit (priv);
      return NULL;
    }

  key = g_new0 (ShoalSigningKey, 1);
  key->priv = priv;
  memcpy (key->pub, x.data, sizeof key->pub);
  memcpy (key->seed, k.data, sizeof key->seed);
  fingerprint_into (key->pub, key->fingerprint);
  clear_datum (&x);
  clear_datum (&y);
  clear_datum (&k);
  return key;
}

ShoalSigningKey *
shoal_signing_key_generate (GError **error)
{
  gnutls_privkey_t priv = NULL;
  int rc;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  gnutls_privkey_init (&priv);
  rc = gnutls_privkey_generate2 (priv, GNUTLS_PK_EDDSA_ED25519, 256, 0, NULL, 0);
  if (rc < 0)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_UNAVAILABLE,
                   "GnuTLS could not generate an Ed25519 key: %s", gnutls_strerror (rc));
      gnutls_privkey_deinit (priv);
      return NULL;
    }
  return signing_key_wrap (priv, error);
}

static ShoalSigningKey *
signing_key_import (const gnutls_datum_t *data,
                    gnutls_x509_crt_fmt_t format,
                    const char           *what,
                    GError              **error)
{
  gnutls_privkey_t priv = NULL;
  int rc;

  gnutls_privkey_init (&priv);
  rc = gnutls_privkey_import_x509_raw (priv, data, format, NULL, 0);
  if (rc < 0)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_INVALID_KEY,
                   "Invalid Ed25519 %s: %s", what, gnutls_strerror (rc));
      gnutls_privkey_deinit (priv);
      return NULL;
    }
  if (gnutls_privkey_get_pk_algorithm (priv, NULL) != GNUTLS_PK_EDDSA_ED25519)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_INVALID_KEY,
                   "The %s holds a %s key, not Ed25519", what,
                   gnutls_pk_get_name (gnutls_privkey_get_pk_algorithm (priv, NULL)));
      gnutls_privkey_deinit (priv);
      return NULL;
    }
  return signing_key_wrap (priv, error);
}

ShoalSigningKey *
shoal_signing_key_new_from_seed (const guint8 *seed,
                                 GError      **error)
{
  guint8 der[sizeof ed25519_pkcs8_prefix + SHOAL_ED25519_SEED_LEN];
  gnutls_datum_t d = { der, sizeof der };
  ShoalSigningKey *key;

  g_return_val_if_fail (seed != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  memcpy (der, ed25519_pkcs8_prefix, sizeof ed25519_pkcs8_prefix);
  memcpy (der + sizeof ed25519_pkcs8_prefix, seed, SHOAL_ED25519_SEED_LEN);
  key = signing_key_import (&d, GNUTLS_X509_FMT_DER, "seed", error);
  gnutls_memset (der, 0, sizeof der);
  return key;
}

ShoalSigningKey *
shoal_signing_key_new_from_pem (const char *pem,
                                gsize       len,
                                GError    **error)
{
  gnutls_datum_t d = { (unsigned char *) pem, len };

  g_return_val_if_fail (pem != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return signing_key_import (&d, GNUTLS_X509_FMT_PEM, "PKCS#8 PEM key", error);
}

void
shoal_signing_key_free (ShoalSigningKey *key)
{
  if (key == NULL)
    return;
  gnutls_privkey_deinit (key->priv);
  gnutls_memset (key->seed, 0, sizeof key->seed);
  g_free (key);
}

void
shoal_signing_key_get_seed (const ShoalSigningKey *key,
                            guint8                *out)
{
  g_return_if_fail (key != NULL);
  g_return_if_fail (out != NULL);

  memcpy (out, key->seed, SHOAL_ED25519_SEED_LEN);
}

void
shoal_signing_key_get_public (const ShoalSigningKey *key,
                              guint8                *out)
{
  g_return_if_fail (key != NULL);
  g_return_if_fail (out != NULL);

  memcpy (out, key->pub, SHOAL_ED25519_PUBLIC_LEN);
}

const char *
shoal_signing_key_get_fingerprint (const ShoalSigningKey *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  return key->fingerprint;
}

char *
shoal_signing_key_to_pem (const ShoalSigningKey *key,
                          GError               **error)
{
  gnutls_x509_privkey_t x509 = NULL;
  gnutls_datum_t pem = { NULL, 0 };
  char *out;
  int rc;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  rc = gnutls_privkey_export_x509 (key->priv, &x509);
  if (rc >= 0)
    rc = gnutls_x509_privkey_export2_pkcs8 (x509, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                            &pem);
  if (x509 != NULL)
    gnutls_x509_privkey_deinit (x509);
  if (rc < 0)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_FAILED,
                   "Could not export the Ed25519 key as PKCS#8: %s", gnutls_strerror (rc));
      return NULL;
    }
  out = g_strndup ((const char *) pem.data, pem.size);
  clear_datum (&pem);
  return out;
}

gboolean
shoal_signing_key_sign (ShoalSigningKey *key,
                        gconstpointer    data,
                        gsize            len,
                        guint8          *sig_out,
                        GError         **error)
{
  gnutls_datum_t d = { (unsigned char *) data, len };
  gnutls_datum_t sig = { NULL, 0 };
  int rc;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (sig_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  rc = gnutls_privkey_sign_data2 (key->priv, GNUTLS_SIGN_EDDSA_ED25519, 0, &d, &sig);
  if (rc < 0 || sig.size != SHOAL_ED25519_SIG_LEN)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_FAILED,
                   "Ed25519 signing with key %s failed: %s", key->fingerprint,
                   rc < 0 ? gnutls_strerror (rc) : "unexpected signature length");
      clear_datum (&sig);
      return FALSE;
    }
  memcpy (sig_out, sig.data, SHOAL_ED25519_SIG_LEN);
  clear_datum (&sig);
  return TRUE;
}

ShoalVerifyKey *
shoal_verify_key_new (const guint8 *pub,
                      GError      **error)
{
  ShoalVerifyKey *key;
  gnutls_datum_t x = { (unsigned char *) pub, SHOAL_ED25519_PUBLIC_LEN };
  gnutls_pubkey_t handle = NULL;
  int rc;

  g_return_val_if_fail (pub != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  gnutls_pubkey_init (&handle);
  rc = gnutls_pubkey_import_ecc_raw (handle, GNUTLS_ECC_CURVE_ED25519, &x, NULL);
  if (rc < 0)
    {
      g_set_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_INVALID_KEY,
                   "Invalid Ed25519 public key: %s", gnutls_strerror (rc));
      gnutls_pubkey_deinit (handle);
      return NULL;
    }
  key = g_new0 (ShoalVerifyKey, 1);
  key->pub = handle;
  memcpy (key->raw, pub, sizeof key->raw);
  fingerprint_into (key->raw, key->fingerprint);
  return key;
}

void
shoal_verify_key_free (ShoalVerifyKey *key)
{
  if (key == NULL)
    return;
  gnutls_pubkey_deinit (key->pub);
  g_free (key);
}

const char *
shoal_verify_key_get_fingerprint (const ShoalVerifyKey *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  return key->fingerprint;
}

gboolean
shoal_verify_key_verify (ShoalVerifyKey *key,
                         gconstpointer   data,
                         gsize           len,
                         const guint8   *sig)
{
  gnutls_datum_t d = { (unsigned char *) data, len };
  gnutls_datum_t s = { (unsigned char *) sig, SHOAL_ED25519_SIG_LEN };

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (sig != NULL, FALSE);

  return gnutls_pubkey_verify_data2 (key->pub, GNUTLS_SIGN_EDDSA_ED25519, 0, &d, &s) >= 0;
}
