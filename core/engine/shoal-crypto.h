/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shoal's cryptographic primitives over GnuTLS, the one crypto library: SHA-256, AES-256-GCM,
 * Ed25519 and random bytes. Pure functions on memory: no files, no clock, no threads. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_SHA256_LEN          32
#define SHOAL_AEAD_KEY_LEN        32
#define SHOAL_AEAD_NONCE_LEN      12
#define SHOAL_AEAD_TAG_LEN        16
#define SHOAL_ED25519_SEED_LEN    32
#define SHOAL_ED25519_PUBLIC_LEN  32
#define SHOAL_ED25519_SIG_LEN     64

#define SHOAL_CRYPTO_ERROR (shoal_crypto_error_quark ())

typedef enum
{
  SHOAL_CRYPTO_ERROR_UNAVAILABLE,  /* GnuTLS lacks the algorithm or refused to set it up */
  SHOAL_CRYPTO_ERROR_RANDOM,       /* the random generator failed */
  SHOAL_CRYPTO_ERROR_INVALID_KEY,  /* key bytes or PEM that do not form a valid key */
  SHOAL_CRYPTO_ERROR_FAILED,       /* an operation on a valid key failed */
} ShoalCryptoError;

GQuark shoal_crypto_error_quark (void);

/* Random bytes: _key for long-term secrets (GNUTLS_RND_KEY), _nonce for values that must not
 * repeat but need not stay secret (GNUTLS_RND_NONCE). */
gboolean shoal_random_key   (gpointer      buf,
                             gsize         len,
                             GError      **error);
gboolean shoal_random_nonce (gpointer      buf,
                             gsize         len,
                             GError      **error);

/* Lowercase hex; decode takes exactly 2 * @out_len hex digits of either case. */
char    *shoal_hex_encode   (const guint8 *data,
                             gsize         len);
gboolean shoal_hex_decode   (const char   *hex,
                             guint8       *out,
                             gsize         out_len);

/* SHA-256 (CPU instructions where present, through GnuTLS). */
void     shoal_sha256       (gconstpointer data,
                             gsize         len,
                             guint8        out[SHOAL_SHA256_LEN]);
char    *shoal_sha256_hex   (gconstpointer data,
                             gsize         len);

typedef struct _ShoalSha256 ShoalSha256;

ShoalSha256 *shoal_sha256_new    (void);
void         shoal_sha256_update (ShoalSha256  *sha,
                                  gconstpointer data,
                                  gsize         len);
/* Writes the digest and resets @sha to hash a new message. */
void         shoal_sha256_finish (ShoalSha256  *sha,
                                  guint8        out[SHOAL_SHA256_LEN]);
void         shoal_sha256_free   (ShoalSha256  *sha);

/* AES-256-GCM with a 12-byte nonce and a 16-byte tag, in place. A ShoalAead keeps GnuTLS
 * cipher state: use each one from one thread at a time (one per thread on a data path). A
 * nonce must never repeat under one key. */
typedef struct _ShoalAead ShoalAead;

ShoalAead *shoal_aead_new  (const guint8  key[SHOAL_AEAD_KEY_LEN],
                            GError      **error);
void       shoal_aead_free (ShoalAead    *aead);
/* Encrypts @buf in place and writes the tag. FALSE only on an internal GnuTLS failure, in
 * which case @buf is zeroed so that no plaintext leaves by mistake. */
gboolean   shoal_aead_seal (ShoalAead    *aead,
                            const guint8  nonce[SHOAL_AEAD_NONCE_LEN],
                            gconstpointer aad,
                            gsize         aad_len,
                            guint8       *buf,
                            gsize         len,
                            guint8        tag_out[SHOAL_AEAD_TAG_LEN]) G_GNUC_WARN_UNUSED_RESULT;
/* Decrypts @buf in place. FALSE when the ciphertext, AAD, nonce or tag is not authentic;
 * the contents of @buf are then unspecified and must be discarded. */
gboolean   shoal_aead_open (ShoalAead    *aead,
                            const guint8  nonce[SHOAL_AEAD_NONCE_LEN],
                            gconstpointer aad,
                            gsize         aad_len,
                            guint8       *buf,
                            gsize         len,
                            const guint8  tag[SHOAL_AEAD_TAG_LEN]) G_GNUC_WARN_UNUSED_RESULT;

/* Ed25519 (RFC 8032). A key's fingerprint is "SHA256:" followed by the 64 lowercase hex
 * digits of the SHA-256 of its raw 32-byte public key (hex, not OpenSSH's base64, so that it
 * can be compared by eye against `sha256sum` output). Keys are used from one thread at a
 * time. */
typedef struct _ShoalSigningKey ShoalSigningKey;
typedef struct _ShoalVerifyKey ShoalVerifyKey;

ShoalSigningKey *shoal_signing_key_generate        (GError               **error);
ShoalSigningKey *shoal_signing_key_new_from_seed   (const guint8          *seed,
                                                    GError               **error);
/* Unencrypted PKCS#8 ("-----BEGIN PRIVATE KEY-----"), as written by _to_pem or openssl. */
ShoalSigningKey *shoal_signing_key_new_from_pem    (const char            *pem,
                                                    gsize                  len,
                                                    GError               **error);
void             shoal_signing_key_free            (ShoalSigningKey       *key);
/* @out receives SHOAL_ED25519_SEED_LEN bytes: the secret from which the key is derived. */
void             shoal_signing_key_get_seed        (const ShoalSigningKey *key,
                                                    guint8                *out);
/* @out receives SHOAL_ED25519_PUBLIC_LEN bytes. */
void             shoal_signing_key_get_public      (const ShoalSigningKey *key,
                                                    guint8                *out);
const char      *shoal_signing_key_get_fingerprint (const ShoalSigningKey *key);
char            *shoal_signing_key_to_pem          (const ShoalSigningKey *key,
                                                    GError               **error);
/* @sig_out receives SHOAL_ED25519_SIG_LEN bytes. */
gboolean         shoal_signing_key_sign            (ShoalSigningKey       *key,
                                                    gconstpointer          data,
                                                    gsize                  len,
                                                    guint8                *sig_out,
                                                    GError               **error);

/* @pub: SHOAL_ED25519_PUBLIC_LEN bytes. */
ShoalVerifyKey  *shoal_verify_key_new              (const guint8          *pub,
                                                    GError               **error);
void             shoal_verify_key_free             (ShoalVerifyKey        *key);
const char      *shoal_verify_key_get_fingerprint  (const ShoalVerifyKey  *key);
/* FALSE when @sig (SHOAL_ED25519_SIG_LEN bytes) is not a valid signature of @data by this
 * key. */
gboolean         shoal_verify_key_verify           (ShoalVerifyKey        *key,
                                                    gconstpointer          data,
                                                    gsize                  len,
                                                    const guint8          *sig);

char            *shoal_ed25519_fingerprint         (const guint8          *pub);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSha256, shoal_sha256_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalAead, shoal_aead_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSigningKey, shoal_signing_key_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalVerifyKey, shoal_verify_key_free)

G_END_DECLS
